import { createMemoryTenant } from '../../src/tenant/memory/tenant.ts';
import { memoryInputFromSeed } from '../support/memory-seed.ts';
import { runTenantContract } from './contract.ts';

runTenantContract('memory adapter', async (seed) => {
  const tenant = createMemoryTenant(memoryInputFromSeed(seed));
  return {
    tenant,
    setNow: async (iso) => tenant.setNow(iso),
  };
});
