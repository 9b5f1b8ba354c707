import type { RequestLog, RequestLogEntry } from '../tenant/graph/request-log.ts';
import { redact } from '../tenant/graph/redact.ts';
import type { CliIo } from './io.ts';

/**
 * The CLI's log on stderr (docs/cli-reference.md §9 `TENANTCTL_LOG`, §11 the log): its level and
 * format from `--log-level` / `--log-format` and the environment, and the Graph adapter's request log
 * (src/tenant/graph/request-log.ts) written as text or JSON lines. The adapter writes to no stream;
 * this is where its entries become lines. Every string is redacted once more on the way out.
 */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogSettings {
  readonly level: LogLevel;
  readonly format: LogFormat;
}

export const DEFAULT_LOG_LEVEL: LogLevel = 'warn';

function isLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * The level and format: `--log-level` wins over `TENANTCTL_LOG` (either of error, warn, info, debug;
 * the variable without regard to case), else warn. A `TENANTCTL_LOG` that names no level is a usage
 * mistake: `problem` says so and names the choices.
 */
export function logSettings(flags: { readonly logLevel?: string; readonly logFormat?: string }, env: CliIo['env']): LogSettings | { readonly problem: string } {
  const format: LogFormat = flags.logFormat === 'json' ? 'json' : 'text';
  if (flags.logLevel !== undefined && isLevel(flags.logLevel)) return { level: flags.logLevel, format };
  const fromEnv = env.TENANTCTL_LOG?.trim().toLowerCase() ?? '';
  if (fromEnv === '') return { level: DEFAULT_LOG_LEVEL, format };
  if (!isLevel(fromEnv)) return { problem: `TENANTCTL_LOG=${JSON.stringify(redact(env.TENANTCTL_LOG ?? ''))} is not a log level; set it to one of ${LOG_LEVELS.join(', ')} (or pass --log-level).` };
  return { level: fromEnv, format };
}

/** Whether a line of `level` is written at the `threshold` setting (error < warn < info < debug). */
export function logs(threshold: LogLevel, level: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(threshold);
}

/** Graph's requests, `$batch` items and token lines are debug lines; retry decisions are info. */
function levelOf(entry: RequestLogEntry): LogLevel {
  return entry.event === 'retry' || entry.event === 'give-up' ? 'info' : 'debug';
}

/** `→ 200`, `→ no answer (UND_ERR_SOCKET)`, `→ 404 (ResourceNotFound)`. */
function outcome(status: number, error: string | undefined): string {
  const code = status === 0 ? 'no answer' : String(status);
  return error === undefined ? code : `${code} (${error})`;
}

/** One entry as a text line (without its level prefix). */
export function textOf(entry: RequestLogEntry): string {
  switch (entry.event) {
    case 'request':
      return `graph: ${entry.method} ${entry.path} → ${outcome(entry.status, entry.error)}, ${entry.durationMs} ms${entry.requestId === null ? '' : `, request-id ${entry.requestId}`}`;
    case 'batch-item':
      return `graph: $batch item ${entry.method} ${entry.path} → ${outcome(entry.status, entry.error)}${entry.requestId === null ? '' : `, request-id ${entry.requestId}`}${entry.batchRequestId === null ? '' : ` (in $batch ${entry.batchRequestId})`}`;
    case 'token':
      return `token: ${entry.method} ${entry.host}${entry.path} → ${outcome(entry.status, entry.error)}, ${entry.durationMs} ms`;
    case 'token-command':
      return `token: from ${entry.from}${entry.error === undefined ? '' : ` → failed (${entry.error})`}, ${entry.durationMs} ms`;
    case 'retry':
    case 'give-up':
      return `graph: ${entry.method ?? 'POST'} ${entry.path ?? '(token endpoint)'}: ${entry.message}`;
  }
}

/** Every string of a record, redacted. */
function redactFields(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, typeof value === 'string' ? redact(value) : value]));
}

/**
 * The Graph adapter's request log for these settings, writing to `io.stderr`: undefined when the level
 * shows none of its entries (below info), so the adapter does not even time its requests.
 * `clock` is monotonic milliseconds for durations (default performance.now).
 */
export function requestLogFor(settings: LogSettings, io: Pick<CliIo, 'stderr' | 'clock'>, clock: () => number = () => performance.now()): RequestLog | undefined {
  if (!logs(settings.level, 'info')) return undefined;
  return {
    clock,
    write: (entry) => {
      const level = levelOf(entry);
      if (!logs(settings.level, level)) return;
      if (settings.format === 'json') io.stderr.write(`${JSON.stringify(redactFields({ time: io.clock(), level, ...entry }))}\n`);
      else io.stderr.write(`${level} ${redact(textOf(entry))}\n`);
    },
  };
}
