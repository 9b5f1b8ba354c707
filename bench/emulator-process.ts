/**
 * The benchmarks' emulator: `tenantctl emulator …` in its own process (so its CPU and memory are its
 * own), started on a free port. Resolves once it prints `listening on URL` (stdout) and its app's
 * client id (`app ID …`, stderr).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const cli = path.join(new URL('../', import.meta.url).pathname, 'bin/tenantctl.js');

export interface EmulatorProcess {
  readonly url: string;
  readonly clientId: string;
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
      const app = /^app (\S+)/mu.exec(err);
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
  return { ...started, stop: () => child.kill('SIGTERM') };
}
