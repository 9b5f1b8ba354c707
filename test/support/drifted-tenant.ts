/**
 * A tenant that a pipeline can converge: the tenant a policy declares, drifted as in `tenantctl demo`
 * but with only drift that writes can repair (the purged user left active, the short SKU topped up),
 * so that plan → apply → plan ends with no changes. The demo app (DEMO_CLIENT_ID, every permission
 * tenantctl needs) signs in with `writerSecret`; `apps` adds others (a read-only plan identity).
 */
import type { Seed, SeedApp } from '../../src/emulator/directory/model.ts';
import { castDemo, demoSeed } from '../../src/cli/demo/demo-tenant.ts';
import { loadPolicy } from '../../src/policy/load.ts';

export async function driftedSeed(policyDir: string, now: string, writerSecret: string, apps: readonly SeedApp[] = []): Promise<Seed> {
  const desired = (await loadPolicy([], { cwd: policyDir })).desired;
  if (!desired) throw new Error(`the policy in ${policyDir} is invalid`);
  const cast = castDemo(desired);
  const seed = structuredClone(demoSeed(desired, now, writerSecret)) as unknown as {
    users: Record<string, unknown>[];
    deletedUsers: Record<string, unknown>[];
    subscribedSkus: { skuId: string; prepaidUnits: { enabled: number } }[];
    apps: SeedApp[];
  };
  const purged = seed.deletedUsers.findIndex((u) => u.userPrincipalName === cast.purged?.userPrincipalName);
  if (purged >= 0) {
    const [user] = seed.deletedUsers.splice(purged, 1);
    delete user?.deletedDateTime;
    if (user) seed.users.push(user);
  }
  for (const sku of seed.subscribedSkus) if (sku.skuId === cast.waitingForSeat?.sku.skuId.toLowerCase()) sku.prepaidUnits.enabled += 5;
  seed.apps.push(...apps);
  return seed as unknown as Seed;
}
