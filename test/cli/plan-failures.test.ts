/**
 * Environment and Graph failures are said plainly (src/cli/failures.ts): exit 1, the fix in the
 * message, never "internal error", never a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { describeFailure } from '../../src/cli/failures.ts';
import { TenantError } from '../../src/tenant/errors.ts';
import { AuthenticationError, GraphRequestError, GraphResponseError } from '../../src/tenant/graph/errors.ts';
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

describe('describeFailure: which errors are said plainly', () => {
  it.each([
    // The port's error, whichever adapter threw it (the in-memory one throws it as it is).
    { what: "the tenant port's TenantError", error: new TenantError({ status: 503, code: 'ServiceUnavailable', message: 'Service unavailable.' }), said: 'Microsoft Graph failed: Service unavailable.' },
    { what: "the Graph adapter's GraphRequestError", error: new GraphRequestError({ status: 0, code: 'NetworkError', message: 'No answer from Graph: socket hang up' }), said: 'Microsoft Graph failed: No answer from Graph: socket hang up' },
    { what: 'an answer that cannot be read', error: new GraphResponseError('Graph sent the same @odata.nextLink twice while listing users.'), said: 'Microsoft Graph failed: Graph sent the same @odata.nextLink twice while listing users.' },
    { what: 'a failed sign-in', error: new AuthenticationError('emulator', 'invalid_client'), said: 'cannot sign in: emulator: invalid_client' },
  ])('$what', ({ error, said }) => {
    expect(describeFailure(error)).toBe(said);
  });

  it('leaves anything else to be reported as a bug', () => {
    expect(describeFailure(new TypeError('x is undefined'))).toBeUndefined();
    expect(describeFailure(Object.assign(new Error('looks like one'), { kind: 'network', status: 0 }))).toBeUndefined();
  });
});
