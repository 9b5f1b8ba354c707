import { redact } from './redact.ts';

/**
 * What the Graph adapter tells a logger (docs/cli-reference.md §11, the debug log): one entry per HTTP
 * request to Graph (single requests and `$batch` envelopes alike), per item of a `$batch`, per HTTP
 * request sent for a token (or the local command that gave one), and per retry decision. The adapter
 * never writes to a stream: the front end injects a `RequestLog` (connectGraphTenant's `log`) and
 * decides the format and the level. Every string of an entry has been through redact.ts before the
 * logger sees it, with the credential's own secrets.
 */
export type RequestLogEntry =
  /** One HTTP exchange with Graph; status 0 when no answer came (`error` says why). */
  | { readonly event: 'request'; readonly method: string; readonly path: string; readonly status: number; readonly requestId: string | null; readonly durationMs: number; readonly error?: string }
  /** One request inside a `$batch` answer (its duration is the envelope's). */
  | { readonly event: 'batch-item'; readonly method: string; readonly path: string; readonly status: number; readonly requestId: string | null; readonly batchRequestId: string | null; readonly error?: string }
  /**
   * One HTTP request made to get an access token, as it went over the network: the token endpoint,
   * the authority's discovery, a managed identity endpoint (IMDS, App Service), GitHub's OIDC token.
   * Never its body, headers or query: only method, host, path, status (0 when no answer) and duration.
   */
  | { readonly event: 'token'; readonly method: string; readonly host: string; readonly path: string; readonly status: number; readonly durationMs: number; readonly error?: string }
  /** A token that came from a local command, with no HTTP request of tenantctl's (the Azure CLI: `from` is `the Azure CLI (az)`). */
  | { readonly event: 'token-command'; readonly from: string; readonly durationMs: number; readonly error?: string }
  /** A retry decision (retry.ts): sent again after `waitMs`, or given up. `attempt` counts the tries that spend one, of `maxAttempts`. */
  | {
      readonly event: 'retry' | 'give-up';
      readonly method: string | null;
      readonly path: string | null;
      readonly status: number;
      readonly retryAfterMs: number | null;
      readonly waitMs: number | null;
      readonly attempt: number;
      readonly maxAttempts: number;
      /** Why, for people: `retrying after 429, Retry-After 2 s, attempt 2 of 7`. */
      readonly message: string;
    };

export interface RequestLog {
  /** Told each entry, already redacted. */
  readonly write: (entry: RequestLogEntry) => void;
  /** Monotonic milliseconds for durations (performance.now by default); injected where tests need determinism. */
  readonly clock: () => number;
}

/** A log that redacts every string of every entry (the credential's `secrets` verbatim, and whatever looks like one). */
export function redactingLog(log: RequestLog, secrets: readonly string[]): RequestLog {
  return {
    clock: log.clock,
    write: (entry) => {
      const clean = Object.fromEntries(Object.entries(entry).map(([key, value]) => [key, typeof value === 'string' ? redact(value, secrets) : value])) as unknown as RequestLogEntry;
      log.write(clean);
    },
  };
}

/** Milliseconds since `start` on the log's clock, whole. */
export function elapsedMs(log: RequestLog, start: number): number {
  return Math.max(0, Math.round(log.clock() - start));
}

/** A failure's short reason for an entry: an error code, never a body. */
export function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && code !== '' ? code : error.name;
  }
  return 'Error';
}
