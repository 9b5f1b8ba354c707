import type { DesiredLicense } from './desired.ts';
import type { Diagnostic } from './diagnostics.ts';
import { isGuid } from './guid.ts';
import type { ObservedLicenseState, ObservedServicePlan, ObservedSku, ObservedUser } from './observed.ts';
import type { PlannedLicense } from './plan.ts';
import { describeServicePlan, describeSku, describeSkuOf, matchCatalogSkus, matchServicePlans, suggestServicePlans, suggestSkus } from './sku-catalog.ts';
import type { TenantIndex } from './tenant-index.ts';
import { findTenantSkus } from './tenant-index.ts';

/** A declared license resolved against the tenant's SKUs: ids for Graph, names for people. */
export interface ResolvedLicense {
  readonly sku: ObservedSku;
  readonly disabledPlans: readonly string[];
  readonly disabledPlanNames: readonly string[];
}

/**
 * Resolves names to ids (disabled plans are compared by id after name resolution); problems are errors. A SKU
 * is found by skuId, part number or the catalog's product name of a SKU the tenant holds (findTenantSkus), a
 * disabled plan by id, servicePlanName or the catalog's display name (matchServicePlans); the resolved license
 * carries the tenant's part number and plan names, whatever the policy wrote.
 */
export function resolveLicenses(
  licenses: readonly DesiredLicense[],
  index: TenantIndex,
  upn: string,
  diagnostics: Diagnostic[],
): ResolvedLicense[] | undefined {
  const resolved: ResolvedLicense[] = [];
  let failed = false;
  for (const license of licenses) {
    const skus = findTenantSkus(index, license.sku);
    const sku = skus[0];
    if (!sku || skus.length > 1) {
      failed = true;
      diagnostics.push({ severity: 'error', code: 'unknown-sku', userPrincipalName: upn, message: skus.length > 1 ? ambiguousSkuMessage(license.sku, skus) : missingSkuMessage(license.sku, index) });
      continue;
    }
    const ids: string[] = [];
    const names: string[] = [];
    for (const plan of license.disabledPlans) {
      const found = matchServicePlans(sku.servicePlans, plan);
      const only = found.length === 1 ? found[0] : undefined;
      if (!only) {
        failed = true;
        diagnostics.push({ severity: 'error', code: 'unknown-service-plan', userPrincipalName: upn, message: unknownPlanMessage(sku, plan, found) });
        continue;
      }
      ids.push(only.servicePlanId.toLowerCase());
      names.push(only.servicePlanName);
    }
    const order = ids.map((_, i) => i).sort((a, b) => ((ids[a] as string) < (ids[b] as string) ? -1 : 1));
    resolved.push({ sku, disabledPlans: order.map((i) => ids[i] as string), disabledPlanNames: order.map((i) => names[i] as string) });
  }
  return failed ? undefined : resolved;
}

function ambiguousSkuMessage(reference: string, skus: readonly ObservedSku[]): string {
  const partNumbers = new Set(skus.map((s) => s.skuPartNumber.toLowerCase()));
  const listed = skus.map((s) => `${describeSkuOf(s)}: ${s.skuId}`).sort().join('; ');
  return partNumbers.size === 1
    ? `${reference} names ${skus.length} subscribed SKUs (${listed}); write the skuId in the policy`
    : `${reference} names ${skus.length} subscribed SKUs (${listed}); write the part number in the policy`;
}

function missingSkuMessage(reference: string, index: TenantIndex): string {
  const owned = [...index.skusById.values()];
  const known = owned.map(describeSkuOf).sort().join(', ') || 'none';
  const inCatalog = matchCatalogSkus(reference);
  const what = inCatalog?.by === 'productName' && inCatalog.skus.length > 1
    ? `${reference} (${inCatalog.skus.map((s) => s.skuPartNumber).join(' or ')})`
    : describeSku(reference);
  const suggestions = isGuid(reference) ? [] : suggestSkus(reference, owned);
  const advice = suggestions.length > 0 ? ` (did you mean ${suggestions.map(describeSkuOf).join(' or ')}?)` : '';
  return `the tenant has no subscribed SKU ${what}${advice}; its SKUs are: ${known}. Buy it, or fix the policy`;
}

function unknownPlanMessage(sku: ObservedSku, plan: string, found: readonly ObservedServicePlan[]): string {
  const where = `${describeSkuOf(sku)} in this tenant`;
  if (found.length > 1) return `${plan} names ${found.length} service plans of ${where} (${found.map(describeServicePlan).join(', ')}); write the plan's name`;
  const suggestions = suggestServicePlans(sku.servicePlans, plan);
  const advice = suggestions.length > 0 ? `did you mean ${suggestions.map(describeServicePlan).join(' or ')}?` : `its plans are: ${sku.servicePlans.map((p) => p.servicePlanName).join(', ')}`;
  return `${where} has no service plan ${plan}; ${advice}`;
}

/** The same ids, ignoring case and order. */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a.map((x) => x.toLowerCase()));
  return left.size === new Set(b.map((x) => x.toLowerCase())).size && b.every((x) => left.has(x.toLowerCase()));
}

function namesOf(sku: ObservedSku, ids: readonly string[]): string[] {
  return ids.map((id) => sku.servicePlans.find((p) => p.servicePlanId.toLowerCase() === id.toLowerCase())?.servicePlanName ?? id);
}

export interface LicenseDelta {
  /** New SKUs (need a seat) and replacements of disabled plans (need none). */
  readonly add: PlannedLicense[];
  readonly remove: { readonly skuId: string; readonly skuPartNumber: string }[];
}

/**
 * What assignLicense must do for one principal: declared licenses missing or with other disabled
 * plans are added; a license held through a group satisfies the declaration; direct licenses the
 * policy does not list are removed when pruning, else reported.
 */
export function planLicenseDelta(
  declared: readonly ResolvedLicense[],
  current: ObservedUser | undefined,
  options: {
    readonly prune: boolean;
    readonly groupNames: ReadonlyMap<string, string>;
    readonly skus: ReadonlyMap<string, ObservedSku>;
    readonly upn: string;
    /** SKU ids the principal gets through a licensing group the policy names (never removed here). */
    readonly viaGroups?: ReadonlySet<string>;
  },
  diagnostics: Diagnostic[],
): LicenseDelta {
  const states: readonly ObservedLicenseState[] = current ? statesOf(current) : [];
  const add: PlannedLicense[] = [];
  const declaredIds = new Set(declared.map((l) => l.sku.skuId.toLowerCase()));
  for (const license of declared) {
    const skuId = license.sku.skuId.toLowerCase();
    const forSku = states.filter((s) => s.skuId.toLowerCase() === skuId);
    const direct = forSku.find((s) => s.assignedByGroup === null);
    const groups = forSku.filter((s) => s.assignedByGroup !== null);
    const groupActive = groups.find((s) => s.state === 'Active' || s.state === 'ActiveWithError');
    for (const failed of groups.filter(hasGroupError)) {
      diagnostics.push(groupLicenseError(options.upn, groupName(failed.assignedByGroup, options.groupNames), license.sku.skuPartNumber, failed.error ?? ''));
    }
    const planned = { skuId, skuPartNumber: license.sku.skuPartNumber, disabledPlans: license.disabledPlans, disabledPlanNames: license.disabledPlanNames };
    if (direct) {
      if (!sameSet(direct.disabledPlans, license.disabledPlans)) {
        const was = direct.disabledPlans.map((p) => p.toLowerCase()).sort();
        add.push({ ...planned, replaces: { disabledPlans: was, disabledPlanNames: namesOf(license.sku, was) } });
      }
    } else if (groupActive) {
      diagnostics.push({
        severity: 'info',
        code: 'license-from-group',
        userPrincipalName: options.upn,
        message: `${describeSku(license.sku.skuPartNumber)} is assigned through the group ${groupName(groupActive.assignedByGroup, options.groupNames)}: satisfied, no direct assignment added`,
      });
    } else {
      add.push(planned);
    }
  }
  const remove: { skuId: string; skuPartNumber: string }[] = [];
  for (const state of states) {
    const skuId = state.skuId.toLowerCase();
    // A SKU a declared licensing group assigns is declared too: its direct copy stays (group-plan.ts, license-also-direct).
    if (state.assignedByGroup !== null || declaredIds.has(skuId) || options.viaGroups?.has(skuId)) continue;
    const name = options.skus.get(skuId)?.skuPartNumber ?? skuId;
    if (options.prune) remove.push({ skuId, skuPartNumber: name });
    else {
      diagnostics.push({
        severity: 'info',
        code: 'undeclared-license',
        userPrincipalName: options.upn,
        message: `holds ${describeSku(name)} directly, which the policy does not list; it stays (pruneLicenses is false)`,
      });
    }
  }
  return { add, remove };
}

/** A group-license assignment in an error state (CountViolation, MutuallyExclusiveViolation, …). */
export function hasGroupError(state: ObservedLicenseState): boolean {
  return state.assignedByGroup !== null && state.error !== null && state.error !== 'None';
}

/** Graph's group-license processing failed for this user: a warning naming the group, the SKU and the error. */
export function groupLicenseError(upn: string, group: string, skuPartNumber: string, error: string): Diagnostic {
  return {
    severity: 'warning',
    code: 'group-license-error',
    userPrincipalName: upn,
    message: `the group ${group} fails to assign ${describeSku(skuPartNumber)}: ${error}${error === 'CountViolation' ? ' (no free seats)' : ''}`,
  };
}

function groupName(id: string | null, names: ReadonlyMap<string, string>): string {
  if (id === null) return 'unknown';
  const name = names.get(id.toLowerCase());
  return name ? `"${name}" (${id})` : id;
}

/** Assignment states; a user read without them counts its assignedLicenses as direct. */
export function statesOf(user: ObservedUser): readonly ObservedLicenseState[] {
  if (user.licenseAssignmentStates.length > 0 || user.assignedLicenses.length === 0) return user.licenseAssignmentStates;
  return user.assignedLicenses.map((l) => ({ ...l, assignedByGroup: null, state: 'Active', error: 'None' }));
}
