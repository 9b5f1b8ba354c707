/**
 * The @azure/identity path end to end: ClientSecretCredential (MSAL) gets its token from the
 * emulator through an HTTPS front (MSAL refuses plain-http authorities), and the adapter reads and
 * writes Graph over HTTPS. The adapter runs in a child process configured only by environment
 * variables, with NODE_EXTRA_CA_CERTS trusting the front's self-signed certificate: Node reads it
 * at start-up, and it is how a user trusts a TLS-inspecting proxy, so no test-only option is needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contoso, TENANT_ID } from '../support/emulator.ts';
import type { IdentityRig } from '../support/identity-rig.ts';
import { runIdentityChild, startIdentityRig } from '../support/identity-rig.ts';

const seed = contoso();
let rig: IdentityRig;

beforeAll(async () => {
  rig = await startIdentityRig(seed);
});

afterAll(() => rig.close());

describe('Graph adapter with @azure/identity over HTTPS', () => {
  it('authenticates with ClientSecretCredential through MSAL, then reads and writes over HTTPS', async ({ signal }) => {
    const app = seed.apps[0] as (typeof seed.apps)[number];
    const secret = app.clientSecret;
    if (secret === undefined) throw new Error('the fixture’s first app has a secret');
    const { front, emulator } = rig;
    const { result, stdout, stderr } = await runIdentityChild(rig, { AZURE_TENANT_ID: seed.tenantId, AZURE_CLIENT_ID: app.clientId, AZURE_CLIENT_SECRET: secret }, signal);
    expect(result, stderr).toMatchObject({ credential: 'client-secret', tenantId: TENANT_ID, deletedUsers: 3, mailboxes: [{ kind: 'mailbox', userPurpose: 'shared' }] });
    expect(result.roles).toEqual(app.roles);
    expect(result.users).toContainEqual(['support@contoso.com', true]);
    expect(String(result.description)).toContain(front.url);
    expect(stdout + stderr).not.toContain(secret);

    // MSAL's discovery, then the token endpoint, then Graph: all through the HTTPS front.
    const discovery = front.paths.findIndex((p) => p === `/${seed.tenantId}/v2.0/.well-known/openid-configuration`);
    const token = front.paths.findIndex((p) => p.startsWith(`/${seed.tenantId}/oauth2/v2.0/token?`));
    expect(discovery).toBeGreaterThanOrEqual(0);
    expect(token).toBeGreaterThan(discovery);
    expect(front.paths.some((p) => p.startsWith('/v1.0/users?'))).toBe(true);
    expect(emulator.requests().find((r) => r.method === 'PATCH')?.status).toBe(204);
  });
});
