import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runTenantctl } from '../support/cli.ts';
import { contosoSeed } from '../support/seeds.ts';

const repo = new URL('../../', import.meta.url).pathname;
const node = path.join(repo, 'node_modules/.bin/node');
const cli = path.join(repo, 'bin/tenantctl.js');

/** Every `tenantctl emulator` the current test started; afterEach kills any still running. */
const started = new Set<ChildProcess>();

afterEach(async () => {
  for (const child of started) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  }
  started.clear();
});

/**
 * Starts `tenantctl emulator …`, killed when the test's `signal` aborts (the test timed out or the
 * run was cancelled) or, at the latest, after the test (afterEach).
 */
function spawnCli(args: readonly string[], signal: AbortSignal): { child: ChildProcess; exited: Promise<{ code: number | null; stderr: string }>; stdout: () => string } {
  const child = spawn(node, [cli, 'emulator', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], signal, killSignal: 'SIGKILL' });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close': the process has exited and its output has been read to the end. An abort or a failed
  // spawn is reported as 'error' (and, if the process ran, 'close' follows).
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
  started.add(child);
  return { child, exited, stdout: () => stdout };
}

/** Starts `tenantctl emulator …`, waits for its first stdout line, and returns it with a way to stop it. */
function startCli(args: string[], signal: AbortSignal): Promise<{ firstLine: string; stop: () => Promise<{ code: number | null; stderr: string }> }> {
  const { child, exited, stdout } = spawnCli(args, signal);
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', () => {
      const newline = stdout().indexOf('\n');
      if (newline >= 0) {
        resolve({
          firstLine: stdout().slice(0, newline),
          stop: async () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    exited.then(({ code, stderr }) => reject(new Error(`emulator exited with ${code} before listening: ${stderr}`)), reject);
  });
}

describe('tenantctl emulator', () => {
  it('serves a seed, says where first, answers health, and stops cleanly on SIGTERM', async ({ signal }) => {
    const { firstLine, stop } = await startCli(['--seed', 'test/fixtures/seeds/contoso.json', '--port', '0'], signal);
    const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/u.exec(firstLine);
    expect(match).not.toBeNull();
    const health = await fetch(`${match?.[1]}/_emulator/health`, { signal });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', tenantId: '8f3c1a52-0000-4000-8000-000000000001' });
    const { code, stderr } = await stop();
    expect(code).toBe(0);
    expect(stderr).toContain('emulator stopped');
    expect(stderr).not.toContain('emulator-secret');
  });

  it('serves a synthetic tenant', async ({ signal }) => {
    const { firstLine, stop } = await startCli(['--synthetic', 'users=200,deleted=20,skus=3,seed=7', '--port', '0'], signal);
    const url = firstLine.replace('listening on ', '');
    const state = (await (await fetch(`${url}/_emulator/state`, { signal })).json()) as { users: unknown[]; subscribedSkus: unknown[] };
    expect(state.users.length).toBeGreaterThanOrEqual(200);
    expect(state.subscribedSkus).toHaveLength(3);
    expect((await stop()).code).toBe(0);
  });

  it.for([
    ['an invalid seed, naming the field', (dir: string) => ['--seed', writeSeed(dir, { ...contosoSeed(), tenantId: 'nope' })], /invalid seed: tenantId: must match pattern/],
    ['a seed that is not JSON', (dir: string) => ['--seed', writeSeed(dir, '{ not json')], /cannot read the seed/],
    ['a missing seed file', () => ['--seed', 'no/such/seed.json'], /cannot read the seed no\/such\/seed.json/],
    ['neither --seed nor --synthetic', () => [], /give either --seed FILE or --synthetic/],
    ['a bad port', () => ['--seed', 'test/fixtures/seeds/contoso.json', '--port', 'x'], /--port must be a port number/],
  ] as const)('refuses %s with exit 1', async ([, args, message], { signal }) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-emu-'));
    const { code, stderr } = await spawnCli(args(dir), signal).exited;
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /u);
  });
});

/**
 * The start-up line counts what the tenant holds (in-process: the run stops as soon as it has started).
 * Issue 14: `--synthetic users=1000,deleted=50` said "29 deleted" with no reason.
 */
describe('tenantctl emulator start-up line', () => {
  it('holds exactly the deleted users a synthetic spec asks for', async () => {
    const { code, stdout, stderr } = await runTenantctl(['emulator', '--synthetic', 'users=1000,deleted=50', '--port', '0']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+\n$/u);
    expect(stderr).toMatch(/: 1000 users, 50 deleted, 5 SKUs, 1 groups\n/u);
    expect(stderr).not.toContain('purged');
  });

  it('says how many deleted users of a seed were purged on load, and why', async () => {
    // The fixture lists four deleted users; erin@contoso.com was deleted 2026-10-01, 52 days before its now.
    const { code, stderr } = await runTenantctl(['emulator', '--seed', 'test/fixtures/seeds/contoso.json', '--port', '0'], { cwd: repo });
    expect(code).toBe(0);
    expect(stderr).toContain(" at 2026-11-22T00:00:00Z: 4 users, 3 deleted (1 more in the seed was deleted over 30 days before the tenant's now, and purged as Entra does), ");
  });
});

function writeSeed(dir: string, content: unknown): string {
  const file = path.join(dir, 'seed.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}
