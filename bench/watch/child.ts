/**
 * `tenantctl watch DIR --interval I --log-format json` as the benchmark's child process: each JSON log line with
 * the moment it arrived (performance.now()), and a wait for a line by what it says, with a time limit past which
 * the benchmark stops and shows what watch said (it never works around a watch that misbehaves).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const cli = path.join(new URL('../../', import.meta.url).pathname, 'bin/tenantctl.js');

export interface ArrivedLine {
  readonly at: number;
  readonly line: Readonly<Record<string, unknown>> & { readonly event: string; readonly level?: string };
}

export interface BenchWatch {
  readonly pid: number;
  lines(): readonly ArrivedLine[];
  output(): string;
  /** The first line from index `from` on that `match` accepts; rejects after `timeoutMs` or when watch exits. */
  waitFor(match: (line: ArrivedLine['line']) => boolean, from: number, timeoutMs: number, what: string): Promise<ArrivedLine>;
  /** SIGTERM, then the exit. */
  stop(): Promise<number | null>;
}

export function startBenchWatch(dir: string, interval: string, env: Record<string, string>): BenchWatch {
  const child = spawn(process.execPath, [cli, 'watch', dir, '--interval', interval, '--log-format', 'json'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: ArrivedLine[] = [];
  let output = '';
  let partial = '';
  let exited: string | undefined;
  const wake = new Set<() => void>();
  child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => {
    const at = performance.now();
    const text = c.toString('utf8');
    output += text;
    partial += text;
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const raw of complete) {
      if (!raw.startsWith('{')) continue;
      try {
        lines.push({ at, line: JSON.parse(raw) as ArrivedLine['line'] });
      } catch {
        // Not a log line.
      }
    }
    for (const w of wake) w();
  });
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      exited = `watch exited (${code ?? signal})`;
      for (const w of wake) w();
      resolve(code);
    }),
  );
  return {
    pid: child.pid ?? 0,
    lines: () => lines,
    output: () => output,
    waitFor: (match, from, timeoutMs, what) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.slice(from).find((l) => match(l.line));
          if (found) {
            finish();
            resolve(found);
          } else if (exited !== undefined) {
            finish();
            reject(new Error(`${exited} before ${what}`));
          }
        };
        const finish = (): void => {
          wake.delete(check);
          clearTimeout(timer);
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no ${what} within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
        wake.add(check);
        check();
      }),
    stop: async () => {
      if (exited === undefined) child.kill('SIGTERM');
      return exit;
    },
  };
}
