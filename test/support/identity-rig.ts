/**
 * The rig of the @azure/identity end-to-end tests: the emulator behind the HTTPS front (MSAL refuses
 * plain-http authorities), the front's certificate in a file for NODE_EXTRA_CA_CERTS, and a run of
 * test/support/identity-child.ts configured only by environment variables, Graph and authority both
 * pointing at the front.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Seed } from '../../src/emulator/directory/model.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import type { HttpsFront } from './https-front.ts';
import { startHttpsFront } from './https-front.ts';

const run = promisify(execFile);

export interface IdentityRig {
  readonly emulator: RunningEmulator;
  readonly front: HttpsFront;
  /** A scratch directory, removed by `close`. */
  readonly directory: string;
  close(): Promise<void>;
}

export interface ChildRun {
  /** The child's last stdout line, parsed. */
  readonly result: Record<string, unknown>;
  readonly stdout: string;
  readonly stderr: string;
}

export async function startIdentityRig(seed: Seed): Promise<IdentityRig> {
  const emulator = await startEmulator({ seed, port: 0 });
  const front = await startHttpsFront(emulator.url);
  const directory = await mkdtemp(join(tmpdir(), 'tenantctl-identity-'));
  await writeFile(join(directory, 'ca.pem'), front.caPem);
  return {
    emulator,
    front,
    directory,
    async close() {
      await front.close();
      await emulator.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * identity-child.ts with PATH, the CA, TENANTCTL_GRAPH_URL and AZURE_AUTHORITY_HOST set, plus `env`.
 * No timeout of its own: the child is killed when `signal` aborts (pass the test context's, which
 * vitest aborts when the test times out or the run is cancelled).
 */
export async function runIdentityChild(rig: IdentityRig, env: Readonly<Record<string, string>>, signal: AbortSignal): Promise<ChildRun> {
  const { stdout, stderr } = await run(process.execPath, [fileURLToPath(new URL('./identity-child.ts', import.meta.url))], {
    env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: join(rig.directory, 'ca.pem'), TENANTCTL_GRAPH_URL: rig.front.url, AZURE_AUTHORITY_HOST: rig.front.url, ...env },
    signal,
    killSignal: 'SIGKILL',
  });
  return { result: JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>, stdout, stderr };
}
