import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contosoSeed } from '../support/seeds.ts';

const repo = new URL('../../', import.meta.url).pathname;
const node = path.join(repo, 'node_modules/.bin/node');
const cli = path.join(repo, 'bin/tenantctl.js');

/** Starts `tenantctl emulator …`, waits for its first stdout line, and returns it with the process. */
function startCli(args: string[]): Promise<{ firstLine: string; stop: () => Promise<{ code: number | null; stderr: string }> }> {
  const child = spawn(node, [cli, 'emulator', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline >= 0) {
        resolve({
          firstLine: stdout.slice(0, newline),
          stop: async () => {
            child.kill('SIGTERM');
            return { code: await exited, stderr };
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`emulator exited with ${code} before listening: ${stderr}`)));
  });
}

describe('tenantctl emulator', () => {
  it('serves a seed, says where first, answers health, and stops cleanly on SIGTERM', async () => {
    const { firstLine, stop } = await startCli(['--seed', 'test/fixtures/seeds/contoso.json', '--port', '0']);
    const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/u.exec(firstLine);
    expect(match).not.toBeNull();
    const health = await fetch(`${match?.[1]}/_emulator/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', tenantId: '8f3c1a52-0000-4000-8000-000000000001' });
    const { code, stderr } = await stop();
    expect(code).toBe(0);
    expect(stderr).toContain('emulator stopped');
    expect(stderr).not.toContain('emulator-secret');
  });

  it('serves a synthetic tenant', async () => {
    const { firstLine, stop } = await startCli(['--synthetic', 'users=200,deleted=20,skus=3,seed=7', '--port', '0']);
    const url = firstLine.replace('listening on ', '');
    const state = (await (await fetch(`${url}/_emulator/state`)).json()) as { users: unknown[]; subscribedSkus: unknown[] };
    expect(state.users.length).toBeGreaterThanOrEqual(200);
    expect(state.subscribedSkus).toHaveLength(3);
    expect((await stop()).code).toBe(0);
  });

  it.each([
    ['an invalid seed, naming the field', (dir: string) => ['--seed', writeSeed(dir, { ...contosoSeed(), tenantId: 'nope' })], /invalid seed: tenantId: must match pattern/],
    ['a seed that is not JSON', (dir: string) => ['--seed', writeSeed(dir, '{ not json')], /cannot read the seed/],
    ['a missing seed file', () => ['--seed', 'no/such/seed.json'], /cannot read the seed no\/such\/seed.json/],
    ['neither --seed nor --synthetic', () => [], /give either --seed FILE or --synthetic/],
    ['a bad port', () => ['--seed', 'test/fixtures/seeds/contoso.json', '--port', 'x'], /--port must be a port number/],
  ])('refuses %s with exit 1', (_name, args, message) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-emu-'));
    const result = spawnSync(node, [cli, 'emulator', ...args(dir)], { cwd: repo, encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /u);
  });
});

function writeSeed(dir: string, content: unknown): string {
  const file = path.join(dir, 'seed.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}
