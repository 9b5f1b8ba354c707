import type { DesiredLicense } from './desired.ts';
import type { Diagnostic } from './diagnostics.ts';
import { isGuid } from './guid.ts';
import type { ObservedLicenseState, ObservedSku, ObservedUser } from './observed.ts';
import type { PlannedLicense } from './plan.ts';
import { describeSku } from './sku-catalog.ts';
import type { TenantIndex } from './tenant-index.ts';
import { findTenantSkus } from './tenant-index.ts';

/** A declared license resolved against the tenant's SKUs: ids for Graph, names for people. */
export interface ResolvedLicense {
  readonly sku: ObservedSku;
  readonly disabledPlans: readonly string[];
  readonly disabledPlanNames: readonly string[];
}

/** Resolves names to ids (disabled plans are compared by id after name resolution); problems are errors. */
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
      const known = [...index.skusById.values()].map((s) => s.skuPartNumber).sort().join(', ') || 'none';
      diagnostics.push({
        severity: 'error',
        code: 'unknown-sku',
        userPrincipalName: upn,
        message:
          skus.length > 1
            ? `${license.sku} names ${skus.length} subscribed SKUs (${skus.map((s) => s.skuId).sort().join(', ')}); write the skuId in the policy`
            : `the tenant has no subscribed SKU ${describeSku(license.sku)}; its SKUs are: ${known}. Buy it, or fix the policy`,
      });
      continue;
    }
    const ids: string[] = [];
    const names: string[] = [];
    for (const plan of license.disabledPlans) {
      const key = plan.toLowerCase();
      const found = isGuid(plan) ? sku.servicePlans.find((p) => p.servicePlanId.toLowerCase() === key) : sku.servicePlans.find((p) => p.servicePlanName.toLowerCase() === key);
      if (!found) {
        failed = true;
        diagnostics.push({
          severity: 'error',
          code: 'unknown-service-plan',
          userPrincipalName: upn,
          message: `${describeSku(sku.skuPartNumber)} in this tenant has no service plan ${plan}; its plans are: ${sku.servicePlans.map((p) => p.servicePlanName).join(', ')}`,
        });
        continue;
      }
      ids.push(found.servicePlanId.toLowerCase());
      names.push(found.servicePlanName);
    }
    const order = ids.map((_, i) => i).sort((a, b) => ((ids[a] as string) < (ids[b] as string) ? -1 : 1));
    resolved.push({ sku, disabledPlans: order.map((i) => ids[i] as string), disabledPlanNames: order.map((i) => names[i] as string) });
  }
  return failed ? undefined : resolved;
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
