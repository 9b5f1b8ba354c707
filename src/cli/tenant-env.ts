import { tenantVariablePrefix } from '../policy/tenants.ts';
import type { CliIo } from './io.ts';

/**
 * The credentials of one tenant of a many-tenant repository (docs/many-tenants.md §2): the environment a single-tenant
 * command would see. AZURE_TENANT_ID is the tenant's policy's `tenant.id`, always. The app and its credential are one
 * set: the tenant's own (`TENANTCTL_TENANT_<NAME>_CLIENT_ID` with its secret, certificate or federated token file)
 * when it has one — and then nothing of the shared app is left in its environment — else the shared AZURE_CLIENT_ID
 * and its credential (one multi-tenant app consented in every tenant). No other tenant's variables are passed on.
 */
const CREDENTIAL = ['CLIENT_ID', 'CLIENT_SECRET', 'CLIENT_CERTIFICATE_PATH', 'CLIENT_CERTIFICATE_PASSWORD', 'CLIENT_SEND_CERTIFICATE_CHAIN', 'FEDERATED_TOKEN_FILE'] as const;

/**
 * The tenant's environment, or why its credentials are refused before anything is read: a
 * `TENANTCTL_TENANT_<NAME>_TENANT_ID` that names another tenant than the policy does, or a credential of its own
 * without the client id it belongs to.
 */
export function tenantEnvironment(env: CliIo['env'], name: string, tenantId: string): { readonly env: CliIo['env'] } | { readonly refused: string } {
  const prefix = tenantVariablePrefix(name);
  const pinned = env[`${prefix}TENANT_ID`];
  if (pinned !== undefined && pinned.trim().toLowerCase() !== tenantId.toLowerCase()) {
    return { refused: `${prefix}TENANT_ID names tenant ${pinned.trim()}, but tenants/${name}'s policy is for tenant ${tenantId}: these credentials belong to another tenant. Nothing was read.` };
  }
  const own = (key: string): string | undefined => {
    const value = env[`${prefix}${key}`];
    return value === undefined || value === '' ? undefined : value;
  };
  const ownKeys = CREDENTIAL.filter((key) => own(key) !== undefined);
  if (ownKeys.length > 0 && own('CLIENT_ID') === undefined) {
    return { refused: `${ownKeys.map((key) => `${prefix}${key}`).join(', ')} is set without ${prefix}CLIENT_ID: a credential of this tenant's own needs its app's client id, and would not be used with the shared app's. Nothing was read.` };
  }
  // Another tenant's variables are none of this tenant's business; the shared app's are dropped when it has its own.
  const shared = new Set<string>(CREDENTIAL.map((key) => `AZURE_${key}`));
  const kept = Object.entries(env).filter(([key]) => !key.startsWith('TENANTCTL_TENANT_') && !(ownKeys.length > 0 && shared.has(key)));
  return { env: Object.fromEntries([...kept, ['AZURE_TENANT_ID', tenantId], ...ownKeys.map((key) => [`AZURE_${key}`, own(key)])]) as CliIo['env'] };
}
