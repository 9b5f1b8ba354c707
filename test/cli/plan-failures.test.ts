/**
 * Environment and Graph failures are said plainly (src/cli/failures.ts): exit 1, the fix in the
 * message, never "internal error", never a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { runTenantctl } from '../support/cli.ts';
import { contoso, RECONCILER, TENANT_ID } from '../support/emulator.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());

const repo = new URL('../../', import.meta.url).pathname;

describe('plan when the connection cannot work', () => {
  it('names the missing environment variable', async () => {
    const run = await runTenantctl(['plan'], { cwd: repo, env: { TENANTCTL_GRAPH_URL: emulator.url } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/AZURE_TENANT_ID|AZURE_CLIENT_ID|AZURE_CLIENT_SECRET/u);
    expect(run.stderr).not.toContain('internal error');
  });

  it('says it cannot sign in with a wrong secret, without printing the secret', async () => {
    const secret = 'not-the-right-secret-4711';
    const run = await runTenantctl(['plan'], { cwd: repo, env: { TENANTCTL_GRAPH_URL: emulator.url, AZURE_TENANT_ID: TENANT_ID, AZURE_CLIENT_ID: RECONCILER, AZURE_CLIENT_SECRET: secret } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot sign in');
    expect(run.stderr).not.toContain('internal error');
    expect(run.stdout + run.stderr).not.toContain(secret);
  });

  it('refuses a plain-http Graph URL that is not on this machine', async () => {
    const run = await runTenantctl(['plan', '--graph-url', 'http://graph.example.com'], { cwd: repo, env: { AZURE_TENANT_ID: TENANT_ID, AZURE_CLIENT_ID: RECONCILER, AZURE_CLIENT_SECRET: 'x' } });
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain('internal error');
    expect(run.stderr).toMatch(/http/u);
  });
});
