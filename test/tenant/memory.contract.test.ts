import { createMemoryTenant } from '../../src/tenant/memory/tenant.ts';
import { memoryInputFromSeed } from '../support/memory-seed.ts';
import { runTenantContract } from './contract.ts';
import { runDeltaContract } from './contract-delta.ts';

runTenantContract('memory adapter', async (seed) => {
  const tenant = createMemoryTenant(memoryInputFromSeed(seed));
  return {
    tenant,
    setNow: async (iso) => tenant.setNow(iso),
  };
});

runDeltaContract('memory adapter', async (seed) => {
  const tenant = createMemoryTenant(memoryInputFromSeed(seed));
  return {
    tenant,
    setNow: async (iso) => tenant.setNow(iso),
    deleteUser: async (id) => tenant.deleteUser(id),
    purgeUser: async (id) => tenant.purgeUser(id),
  };
});
