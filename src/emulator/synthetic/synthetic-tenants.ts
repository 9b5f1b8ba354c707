import type { ManyTenantSeed, Seed, SeedApp } from '../directory/model.ts';
import type { SyntheticSpec } from './synthetic.ts';
import { checkSpec, generateSyntheticSeed } from './synthetic.ts';

/**
 * `--synthetic …,tenants=N` (docs/emulator.md §4): N synthetic tenants of the spec's size, deterministic
 * by seed. Tenant i (from 0) is the synthetic tenant of random seed `seed + i` (mod 2^32), so the first
 * has the one-tenant spec's ids, names and licences (not its domain) and every other differs; its domain is the
 * spec's with the first label numbered (`contoso1.com`, `contoso2.com`, … and their `.onmicrosoft.com`
 * domains), so tenant ids and UPN domains are distinct. One app serves all of them: the first tenant's,
 * a multi-tenant app consented in each (the same client id and `synthetic-secret-<seed>` everywhere, the
 * same roles), as the many-tenant layout's shared AZURE_CLIENT_ID expects.
 */
export function generateSyntheticTenants(spec: SyntheticSpec): ManyTenantSeed {
  checkSpec(spec);
  const count = spec.tenants ?? 1;
  const domain = spec.domain ?? 'contoso.com';
  const dot = domain.indexOf('.');
  const numbered = (i: number): string => (count === 1 ? domain : `${domain.slice(0, dot)}${i + 1}${domain.slice(dot)}`);
  const { tenants: _count, ...one } = spec;
  let app: SeedApp | undefined;
  const tenants: Seed[] = [];
  for (let i = 0; i < count; i++) {
    const seed = generateSyntheticSeed({ ...one, seed: (spec.seed + i) % 0x1_0000_0000, domain: numbered(i) });
    app ??= seed.apps[0];
    tenants.push({ ...seed, apps: app === undefined ? [] : [app] });
  }
  return { tenants };
}

/** The seed a spec asks for: one tenant's without `tenants`, else `{tenants: […]}`. */
export function generateSynthetic(spec: SyntheticSpec): Seed | ManyTenantSeed {
  return spec.tenants === undefined ? generateSyntheticSeed(spec) : generateSyntheticTenants(spec);
}
