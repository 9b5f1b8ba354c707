import type { ManyTenantSeed, Seed, SeedApp } from './model.ts';
import { loadSeed, parseSeed, SeedError } from './seed.ts';
import type { TenantStore } from './store.ts';

/**
 * Seeds of several tenants (docs/emulator.md §3): `{"tenants": [<seed>, …]}`, each entry a whole
 * single-tenant seed. Alongside the per-tenant checks of seed.ts, what only makes sense across
 * tenants: tenant ids and verified domains are each one tenant's (Entra verifies a domain in one
 * tenant only, https://learn.microsoft.com/entra/fundamentals/add-custom-domain), and an app listed in
 * several tenants is one multi-tenant app, whose credentials live once on its registration
 * (https://learn.microsoft.com/entra/identity-platform/application-model#multitenant-apps) while its
 * roles are each tenant's consent: so its secret and federated credentials must be the same everywhere.
 */

/** Whether parsed JSON is a many-tenant seed (an object with `tenants`), as opposed to one tenant's seed. */
export function isManyTenantSeed(json: unknown): json is { tenants: unknown } {
  return typeof json === 'object' && json !== null && !Array.isArray(json) && 'tenants' in json;
}

/** A field error of `tenants[index]`, re-rooted at the many-tenant seed. */
function within(index: number, error: unknown): unknown {
  if (!(error instanceof SeedError)) return error;
  return new SeedError(`tenants[${index}]${error.field === '(the seed)' ? '' : `.${error.field}`}`, error.reason);
}

/** The seeds of a single- or many-tenant seed, each checked (shape only); throws SeedError naming the field. */
export function parseTenantSeeds(json: unknown): Seed[] {
  if (!isManyTenantSeed(json)) return [parseSeed(json)];
  const seeds = manyTenantEntries(json).map((entry, index) => {
    try {
      return parseSeed(entry);
    } catch (error) {
      throw within(index, error);
    }
  });
  checkAcrossTenants(seeds);
  return seeds;
}

/** What the checks across tenants read of each tenant (a seed or a loaded store). */
type TenantIdentity = Pick<Seed, 'tenantId' | 'domains' | 'apps'>;

/** One id, domain and app registration per tenant set: a seed's tenants, or the stores after one is replaced. */
export function checkAcrossTenants(seeds: readonly TenantIdentity[]): void {
  const tenantIds = new Map<string, number>();
  const domains = new Map<string, number>();
  const apps = new Map<string, { index: number; app: SeedApp }>();
  seeds.forEach((seed, index) => {
    const id = seed.tenantId.toLowerCase();
    const first = tenantIds.get(id);
    if (first !== undefined) throw new SeedError(`tenants[${index}].tenantId`, `is also tenants[${first}]'s: each tenant needs its own id`);
    tenantIds.set(id, index);
    seed.domains.forEach((domain, d) => {
      const owner = domains.get(domain.toLowerCase());
      if (owner !== undefined && owner !== index) throw new SeedError(`tenants[${index}].domains[${d}]`, `${domain} is verified in tenants[${owner}]: a domain belongs to one tenant`);
      domains.set(domain.toLowerCase(), index);
    });
    seed.apps.forEach((app, a) => {
      const clientId = app.clientId.toLowerCase();
      const seen = apps.get(clientId);
      if (seen === undefined) {
        apps.set(clientId, { index, app });
        return;
      }
      if (!sameCredentials(seen.app, app)) {
        throw new SeedError(
          `tenants[${index}].apps[${a}]`,
          `app ${app.clientId} is also in tenants[${seen.index}] with other credentials: a multi-tenant app has one registration, so one secret and one set of federated credentials (its roles may differ per tenant)`,
        );
      }
    });
  });
}

function sameCredentials(a: SeedApp, b: SeedApp): boolean {
  return a.clientSecret === b.clientSecret && JSON.stringify(a.federatedIdentityCredentials ?? []) === JSON.stringify(b.federatedIdentityCredentials ?? []);
}

/** Loads a single- or many-tenant seed into one store per tenant, in the seed's order. */
export function loadTenantSeeds(json: unknown): TenantStore[] {
  if (!isManyTenantSeed(json)) return [loadSeed(json)];
  const tenants = manyTenantEntries(json);
  const stores = tenants.map((entry, index) => {
    try {
      return loadSeed(entry);
    } catch (error) {
      throw within(index, error);
    }
  });
  checkAcrossTenants(stores);
  return stores;
}

/** The entries of a many-tenant seed, after checking its own (outer) shape. */
function manyTenantEntries(json: { tenants: unknown }): unknown[] {
  const extra = Object.keys(json).find((key) => key !== 'tenants');
  if (extra !== undefined) throw new SeedError(extra, 'is not a seed field (a many-tenant seed holds only "tenants")');
  const { tenants } = json;
  if (!Array.isArray(tenants) || tenants.length === 0) throw new SeedError('tenants', 'must be a non-empty array of seeds');
  return tenants as unknown[];
}

export type { ManyTenantSeed };
