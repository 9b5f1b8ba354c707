/** A tenant's credentials in a many-tenant repository (docs/many-tenants.md §2): one set, never another tenant's. */
import { describe, expect, it } from 'vitest';
import { tenantEnvironment } from '../../src/cli/tenant-env.ts';
import { chooseCredential } from '../../src/tenant/graph/credentials.ts';
import { resolveGraphEndpoint } from '../../src/tenant/graph/clouds.ts';

const ACME = '11111111-1111-4111-8111-111111111111';
const BETA = '22222222-2222-4222-8222-222222222222';
const shared = { AZURE_TENANT_ID: BETA, AZURE_CLIENT_ID: 'shared-app', AZURE_CLIENT_SECRET: 'shared-secret' };

function envOf(result: ReturnType<typeof tenantEnvironment>): Record<string, string | undefined> {
  if ('refused' in result) throw new Error(result.refused);
  return result.env;
}

describe('tenantEnvironment', () => {
  it('uses the shared app in the policy\'s tenant when the tenant has no app of its own', () => {
    expect(envOf(tenantEnvironment(shared, 'acme', ACME))).toEqual({ AZURE_TENANT_ID: ACME, AZURE_CLIENT_ID: 'shared-app', AZURE_CLIENT_SECRET: 'shared-secret' });
  });

  it('takes the tenant\'s own app as one set: nothing of the shared app is left, its certificate is the credential', () => {
    const env = envOf(tenantEnvironment({ ...shared, TENANTCTL_TENANT_ACME_CLIENT_ID: 'acme-app', TENANTCTL_TENANT_ACME_CLIENT_CERTIFICATE_PATH: '/certs/acme.pem' }, 'acme', ACME));
    expect(env).toEqual({ AZURE_TENANT_ID: ACME, AZURE_CLIENT_ID: 'acme-app', AZURE_CLIENT_CERTIFICATE_PATH: '/certs/acme.pem' });
    const choice = chooseCredential(env, resolveGraphEndpoint({}));
    expect(choice).toMatchObject({ kind: 'client-certificate', clientId: 'acme-app', tenantId: ACME });
  });

  it('refuses a credential of the tenant\'s own without its client id, and credentials pinned to another tenant', () => {
    expect(tenantEnvironment({ ...shared, TENANTCTL_TENANT_ACME_CLIENT_SECRET: 'acme-secret' }, 'acme', ACME)).toMatchObject({ refused: expect.stringContaining('TENANTCTL_TENANT_ACME_CLIENT_SECRET is set without TENANTCTL_TENANT_ACME_CLIENT_ID') });
    expect(tenantEnvironment({ ...shared, TENANTCTL_TENANT_ACME_TENANT_ID: BETA }, 'acme', ACME)).toMatchObject({ refused: expect.stringContaining('belong to another tenant') });
  });

  it('passes no other tenant\'s variables on', () => {
    const env = envOf(tenantEnvironment({ ...shared, TENANTCTL_TENANT_BETA_CLIENT_ID: 'beta-app', TENANTCTL_TENANT_BETA_CLIENT_SECRET: 'beta-secret', PATH: '/bin' }, 'acme', ACME));
    expect(Object.keys(env).filter((k) => k.startsWith('TENANTCTL_TENANT_'))).toEqual([]);
    expect(JSON.stringify(env)).not.toContain('beta');
    expect(env.PATH).toBe('/bin');
  });
});
