/**
 * The benchmarks' emulator: `tenantctl emulator …` in its own process (so its CPU and memory are its
 * own), started on a free port. Resolves once it prints `listening on URL` (stdout) and its app's
 * client id (`app ID …`, stderr).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const cli = path.join(new URL('../', import.meta.url).pathname, 'bin/tenantctl.js');

export interface EmulatorProcess {
  readonly url: string;
  readonly clientId: string;
  /** CPU seconds (user + system) the emulator process has used so far (Linux /proc). */
  cpuSeconds(): number;
  stop(): void;
}

/** `args`: the emulator's tenant, e.g. `['--seed', file]` or `['--synthetic', 'users=…']`. */
export async function spawnEmulator(args: readonly string[]): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, [cli, 'emulator', ...args, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const started = await new Promise<{ url: string; clientId: string }>((resolve, reject) => {
    let out = '';
    let err = '';
    const check = (): void => {
      const listening = /listening on (\S+)/u.exec(out);
      const app = /^\s*app (\S+)/mu.exec(err);
      if (listening?.[1] && app?.[1]) resolve({ url: listening[1], clientId: app[1] });
    };
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      check();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      check();
    });
    child.on('exit', (code) => reject(new Error(`emulator exited ${code}: ${err}`)));
  });
  return { ...started, cpuSeconds: () => processCpuSeconds(child.pid ?? 0), stop: () => child.kill('SIGTERM') };
}

/** utime + stime of a process from /proc/<pid>/stat, in seconds (clock ticks of 1/100 s on Linux). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces: the fields after it start past its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
