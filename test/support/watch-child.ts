/**
 * `tenantctl watch` as its own process against an emulator: its JSON log lines as they come, a way to wait
 * for one (by what it says, never by time), SIGTERM and SIGKILL.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliEnv } from './apply-e2e.ts';
import { FIXTURE_NOW } from './emulator.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE = existsSync(path.join(ROOT, 'node_modules/.bin/node')) ? path.join(ROOT, 'node_modules/.bin/node') : process.execPath;

export type WatchLine = Readonly<Record<string, unknown>> & { readonly event: string };

export interface WatchChild {
  /** Every JSON line so far. */
  lines(): readonly WatchLine[];
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** Resolves with the first line (from `from` on) that `match` accepts; rejects if the process exits first. */
  waitFor(match: (line: WatchLine) => boolean, from?: number): Promise<WatchLine>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): void;
  kill(): void;
}

/** Starts `tenantctl watch DIR --log-format json ...extra` against the emulator at `url`, in DIR (`paths` instead of DIR when given: `[]` with --tenants). */
export function startWatchChild(url: string, dir: string, extra: readonly string[] = [], env: Record<string, string> = {}, paths: readonly string[] = [dir]): WatchChild {
  const child = spawn(NODE, [path.join(ROOT, 'bin/tenantctl.js'), 'watch', ...paths, '--log-format', 'json', ...extra], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...cliEnv(url), TENANTCTL_NOW: FIXTURE_NOW, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: WatchLine[] = [];
  let output = '';
  let partial = '';
  const waiters: { match: (line: WatchLine) => boolean; from: number; resolve: (line: WatchLine) => void; reject: (error: Error) => void }[] = [];
  const settle = (): void => {
    for (const waiter of [...waiters]) {
      const found = lines.slice(waiter.from).find(waiter.match);
      if (found) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(found);
      }
    }
  };
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output += text;
    partial += text;
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const raw of complete) {
      if (!raw.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(raw) as WatchLine);
      } catch {
        // Not a log line.
      }
    }
    settle();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      for (const waiter of waiters.splice(0)) waiter.reject(new Error(`watch exited (${code ?? signal}) before the line awaited:\n${output}`));
      resolve({ code, signal });
    }),
  );
  return {
    lines: () => lines,
    output: () => output,
    waitFor: (match, from = 0) =>
      new Promise((resolve, reject) => {
        waiters.push({ match, from, resolve, reject });
        settle();
      }),
    exit,
    stop: () => child.kill('SIGTERM'),
    kill: () => child.kill('SIGKILL'),
  };
}
