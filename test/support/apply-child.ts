/**
 * `tenantctl apply` as its own process against an emulator, to be killed mid-write (SIGKILL) by the
 * crash tests: its exit, its output so far, and a kill.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliEnv } from './apply-e2e.ts';
import { FIXTURE_NOW } from './emulator.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Node 24 (the pinned devDependency) runs tenantctl's TypeScript; the test runner's own node is it too. */
const NODE = existsSync(path.join(ROOT, 'node_modules/.bin/node')) ? path.join(ROOT, 'node_modules/.bin/node') : process.execPath;

export interface ApplyChild {
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly output: () => string;
  kill(): void;
}

/** Starts `tenantctl apply DIR --auto-approve ...extra` against the emulator at `url`. */
export function startApplyChild(url: string, dir: string, extra: readonly string[] = []): ApplyChild {
  const child = spawn(NODE, [path.join(ROOT, 'bin/tenantctl.js'), 'apply', dir, '--auto-approve', ...extra], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...cliEnv(url), TENANTCTL_NOW: FIXTURE_NOW },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { exit, output: () => output, kill: () => child.kill('SIGKILL') };
}
