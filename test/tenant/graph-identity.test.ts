/**
 * The @azure/identity path end to end: ClientSecretCredential (MSAL) gets its token from the
 * emulator through an HTTPS front (MSAL refuses plain-http authorities), and the adapter reads and
 * writes Graph over HTTPS. The adapter runs in a child process configured only by environment
 * variables, with NODE_EXTRA_CA_CERTS trusting the front's self-signed certificate: Node reads it
 * at start-up, and it is how a user trusts a TLS-inspecting proxy, so no test-only option is needed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { contoso, TENANT_ID } from '../support/emulator.ts';
import type { HttpsFront } from '../support/https-front.ts';
import { startHttpsFront } from '../support/https-front.ts';

const run = promisify(execFile);
const seed = contoso();
let emulator: RunningEmulator;
let front: HttpsFront;
let directory: string;

beforeAll(async () => {
  emulator = await startEmulator({ seed, port: 0 });
  front = await startHttpsFront(emulator.url);
  directory = await mkdtemp(join(tmpdir(), 'tenantctl-ca-'));
  await writeFile(join(directory, 'ca.pem'), front.caPem);
});

afterAll(async () => {
  await front.close();
  await emulator.close();
  await rm(directory, { recursive: true, force: true });
});

describe('Graph adapter with @azure/identity over HTTPS', () => {
  it('authenticates with ClientSecretCredential through MSAL, then reads and writes over HTTPS', async () => {
    const app = seed.apps[0] as (typeof seed.apps)[number];
    const { stdout, stderr } = await run(process.execPath, [fileURLToPath(new URL('../support/identity-child.ts', import.meta.url))], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_EXTRA_CA_CERTS: join(directory, 'ca.pem'),
        TENANTCTL_GRAPH_URL: front.url,
        AZURE_AUTHORITY_HOST: front.url,
        AZURE_TENANT_ID: seed.tenantId,
        AZURE_CLIENT_ID: app.clientId,
        AZURE_CLIENT_SECRET: app.clientSecret,
      },
      timeout: 60_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(result, stderr).toMatchObject({ credential: 'client-secret', tenantId: TENANT_ID, deletedUsers: 3, mailboxes: [{ kind: 'mailbox', userPurpose: 'shared' }] });
    expect(result.roles).toEqual(app.roles);
    expect(result.users).toContainEqual(['support@contoso.com', true]);
    expect(String(result.description)).toContain(front.url);
    expect(stdout + stderr).not.toContain(app.clientSecret);

    // MSAL's discovery, then the token endpoint, then Graph: all through the HTTPS front.
    const discovery = front.paths.findIndex((p) => p === `/${seed.tenantId}/v2.0/.well-known/openid-configuration`);
    const token = front.paths.findIndex((p) => p.startsWith(`/${seed.tenantId}/oauth2/v2.0/token?`));
    expect(discovery).toBeGreaterThanOrEqual(0);
    expect(token).toBeGreaterThan(discovery);
    expect(front.paths.some((p) => p.startsWith('/v1.0/users?'))).toBe(true);
    expect(emulator.requests().find((r) => r.method === 'PATCH')?.status).toBe(204);
  });
});
