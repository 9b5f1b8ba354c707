import { badRequest } from './errors.ts';
import type { AssignedLicense, SeedSku } from './model.ts';
import type { UserRecord } from './user-record.ts';

/** `assignLicense`'s body, parsed. */
export interface LicenseChange {
  readonly addLicenses: readonly AssignedLicense[];
  readonly removeLicenses: readonly string[];
}

/**
 * What `assignLicense` refuses, in Graph's order (docs/graph-behaviour.md §6, emulator contract on order): an
 * unknown SKU or plan, a SKU added and removed at once, no usage location, no free seat for a newly added SKU, the
 * removal of a license that comes only from a group. Throws the first; changes nothing.
 */
export function checkLicenseChange(
  user: UserRecord,
  change: LicenseChange,
  tenant: { readonly skus: ReadonlyMap<string, SeedSku>; readonly consumedUnits: (skuId: string) => number; readonly held: readonly AssignedLicense[] },
): void {
  for (const skuId of [...change.addLicenses.map((l) => l.skuId), ...change.removeLicenses]) {
    if (!tenant.skus.has(skuId)) throw badRequest(`License ${skuId} does not correspond to a valid company License.`);
  }
  for (const license of change.addLicenses) {
    const plans = new Set(tenant.skus.get(license.skuId)?.servicePlans.map((p) => p.servicePlanId));
    const unknown = license.disabledPlans.find((plan) => !plans.has(plan));
    // Not documented by Microsoft: the emulator refuses a disabled plan the SKU does not have.
    if (unknown !== undefined) throw badRequest(`Service plan ${unknown} is not part of license ${license.skuId}.`);
    if (change.removeLicenses.includes(license.skuId)) throw badRequest(`License ${license.skuId} cannot be added and removed in the same request.`);
  }
  if (change.addLicenses.length > 0 && !user.usageLocation) throw badRequest('License assignment cannot be done for user with invalid usage location.');
  const held = new Set(tenant.held.map((l) => l.skuId));
  for (const license of change.addLicenses) {
    const sku = tenant.skus.get(license.skuId) as SeedSku;
    if (!held.has(license.skuId) && tenant.consumedUnits(license.skuId) >= sku.prepaidUnits.enabled) {
      throw badRequest(`Subscription with SKU ${license.skuId} does not have any available licenses.`);
    }
  }
  for (const skuId of change.removeLicenses) {
    const states = user.licenseAssignmentStates.filter((s) => s.skuId === skuId);
    if (states.length > 0 && states.every((s) => s.assignedByGroup !== null)) {
      throw badRequest('User license is inherited from a group membership and it cannot be removed directly from the user.');
    }
  }
}
