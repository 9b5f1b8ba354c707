import type { DesiredLicense, DesiredPrincipal, DesiredState } from './desired.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { PlannedMembership } from './draft.ts';
import { isGuid } from './guid.ts';
import type { ResolvedLicense } from './license-plan.ts';
import { groupLicenseError, hasGroupError, sameSet, statesOf } from './license-plan.ts';
import type { ObservedGroup, ObservedUser } from './observed.ts';
import type { GroupMemberChange } from './plan.ts';
import { describeSku } from './sku-catalog.ts';
import type { TenantIndex } from './tenant-index.ts';

/**
 * Licenses through a group (docs/reconciliation.md, "Licensing groups"): a license set that names a
 * group makes its holders members of that group instead of assigning the SKU directly. Only groups the
 * policy names are ever read or touched.
 */

/**
 * The groups a reference names, among `groups`: by object id, or by exact display name (case-insensitive,
 * surrounding spaces ignored); several when several groups have that name. The planner and both adapters
 * find groups with it.
 */
export function findGroups<G extends Pick<ObservedGroup, 'id' | 'displayName'>>(groups: readonly G[], reference: string): G[] {
  const key = reference.trim().toLowerCase();
  if (isGuid(key)) return groups.filter((g) => g.id.toLowerCase() === key);
  return groups.filter((g) => g.displayName.toLowerCase() === key);
}

/** Every licensing group the policy names (as written, each once): by its license sets, held by a principal or not. */
export function groupReferences(desired: DesiredState): string[] {
  const licenses = [...desired.licenseSets.values(), ...desired.principals.flatMap((p) => p.licenses)];
  return [...new Set(licenses.flatMap((l) => (l.group === undefined ? [] : [l.group])))];
}

/** Whether the policy names any licensing group (then the groups are read, and the credentials must allow it). */
export function namesAnyGroup(desired: DesiredState): boolean {
  return groupReferences(desired).length > 0;
}

/** Whether the user (by object id) is listed among the group's members. */
export function isMemberOf(group: Pick<ObservedGroup, 'memberIds'>, userId: string): boolean {
  const id = userId.toLowerCase();
  return group.memberIds.some((m) => m.toLowerCase() === id);
}

/** Every group the policy names that resolves to exactly one group, by id. */
export function namedGroups(desired: DesiredState, groups: readonly ObservedGroup[]): ReadonlyMap<string, ObservedGroup> {
  const named = new Map<string, ObservedGroup>();
  for (const reference of groupReferences(desired)) {
    const found = findGroups(groups, reference);
    if (found.length === 1 && found[0]) named.set(found[0].id.toLowerCase(), found[0]);
  }
  return named;
}

export interface GroupLicensing {
  /** The principal's licenses assigned directly (those without a group). */
  readonly direct: readonly ResolvedLicense[];
  /** SKU ids its licensing groups assign. */
  readonly viaGroups: ReadonlySet<string>;
  readonly join: PlannedMembership[];
  readonly leave: readonly GroupMemberChange[];
}

const NO_SKUS: ReadonlySet<string> = new Set();

export interface GroupContext {
  readonly groups: readonly ObservedGroup[];
  readonly named: ReadonlyMap<string, ObservedGroup>;
  readonly index: TenantIndex;
  readonly prune: boolean;
}

/**
 * The principal's memberships: joins for the groups its license sets name, removals (pruneLicenses) or
 * notes for other named groups it is in. Undefined, with errors, when a group is unknown or does not
 * assign the set's license.
 */
export function planGroupLicensing(
  principal: DesiredPrincipal,
  resolved: readonly ResolvedLicense[],
  target: ObservedUser | undefined,
  context: GroupContext,
  diagnostics: Diagnostic[],
): GroupLicensing | undefined {
  // The common case, kept cheap for large tenants: no group in the principal's licenses or anywhere in the policy.
  if (context.named.size === 0 && principal.licenses.every((l) => l.group === undefined)) return { direct: resolved, viaGroups: NO_SKUS, join: [], leave: [] };
  const upn = principal.userPrincipalName;
  const direct: ResolvedLicense[] = [];
  const wanted = new Map<string, ObservedGroup>();
  let failed = false;
  principal.licenses.forEach((license, i) => {
    const resolvedLicense = resolved[i];
    if (!resolvedLicense) return;
    if (license.group === undefined) {
      direct.push(resolvedLicense);
      return;
    }
    const group = checkGroup(license, resolvedLicense, context, upn, diagnostics);
    if (group) wanted.set(group.id.toLowerCase(), group);
    else failed = true;
  });
  if (failed) return undefined;

  const held = new Set((target?.assignedLicenses ?? []).map((l) => l.skuId.toLowerCase()));
  const directIds = new Set(direct.map((l) => l.sku.skuId.toLowerCase()));
  const heldDirectly = new Set((target ? statesOf(target) : []).filter((s) => s.assignedByGroup === null).map((s) => s.skuId.toLowerCase()));
  const viaGroups = new Set<string>();
  const join: PlannedMembership[] = [];
  for (const [id, group] of [...wanted].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const skuIds = group.assignedLicenses.map((l) => l.skuId.toLowerCase());
    for (const skuId of skuIds) {
      viaGroups.add(skuId);
      if (heldDirectly.has(skuId) && !directIds.has(skuId)) {
        diagnostics.push({
          severity: 'info',
          code: 'license-also-direct',
          userPrincipalName: upn,
          message: `holds ${describeSku(partNumber(context.index, skuId))} directly as well as through the group ${labelOf(group)}: the direct assignment stays; remove it yourself to rely on the group alone`,
        });
      }
    }
    for (const state of target ? statesOf(target) : []) {
      if (state.assignedByGroup?.toLowerCase() === id && hasGroupError(state)) diagnostics.push(groupLicenseError(upn, labelOf(group), partNumber(context.index, state.skuId.toLowerCase()), state.error ?? ''));
    }
    if (target && isMember(group, target)) continue;
    join.push({
      change: {
        action: 'add-group-member',
        userPrincipalName: upn,
        ...(target ? { objectId: target.id } : {}),
        reason: `the policy gives it ${licensesOf(group, context.index).join(', ')} through the group "${group.displayName}"`,
        details: { groupId: group.id, groupName: group.displayName, licenses: licensesOf(group, context.index) },
      },
      seats: skuIds.filter((s) => !held.has(s)),
    });
  }
  // A declared direct license that only this membership gives keeps the membership: removing it would take the license away.
  const onlyThroughGroup = new Set([...directIds].filter((skuId) => !heldDirectly.has(skuId)));
  return { direct, viaGroups, join, leave: planLeaving(upn, target, wanted, onlyThroughGroup, context, diagnostics) };
}

/** The group a license set names, when it exists and assigns the set's license; else an error. */
function checkGroup(license: DesiredLicense, resolved: ResolvedLicense, context: GroupContext, upn: string, diagnostics: Diagnostic[]): ObservedGroup | undefined {
  const reference = license.group ?? '';
  const set = license.licenseSet === undefined ? 'its license' : `the license set ${license.licenseSet}`;
  const found = findGroups(context.groups, reference);
  const group = found[0];
  if (!group || found.length > 1) {
    diagnostics.push({
      severity: 'error',
      code: 'unknown-group',
      userPrincipalName: upn,
      message:
        found.length > 1
          ? `${set} names the group "${reference}", and ${found.length} license-assigning groups have that name (${found.map((g) => g.id).sort().join(', ')}): write the group's object id instead`
          : `${set} names the group "${reference}", which is not a license-assigning group in the tenant: check the object id or display name, and give the group its license first`,
    });
    return undefined;
  }
  const skuId = resolved.sku.skuId.toLowerCase();
  const assigned = group.assignedLicenses.find((l) => l.skuId.toLowerCase() === skuId);
  const name = describeSku(resolved.sku.skuPartNumber);
  if (!assigned) {
    const gives = group.assignedLicenses.map((l) => partNumber(context.index, l.skuId.toLowerCase())).join(', ') || 'no license';
    diagnostics.push({
      severity: 'error',
      code: 'group-license-mismatch',
      userPrincipalName: upn,
      message: `${set} gives ${name} through the group ${labelOf(group)}, but the group assigns ${gives}: assign ${name} to the group, or name another group`,
    });
    return undefined;
  }
  if (license.disabledPlans.length > 0 && !sameSet(assigned.disabledPlans, resolved.disabledPlans)) {
    diagnostics.push({
      severity: 'error',
      code: 'group-license-mismatch',
      userPrincipalName: upn,
      message: `${set} disables ${resolved.disabledPlanNames.join(', ')} of ${name}, but the group ${labelOf(group)} disables ${planNames(resolved, assigned.disabledPlans)}: make them the same in the group or in the policy`,
    });
    return undefined;
  }
  return group;
}

/**
 * Memberships of groups the policy names that none of the principal's sets names: removed when pruning,
 * else noted. A membership that gives a license the principal declares directly but holds only through
 * that group stays (a note), as the license counts as declared (license-plan.ts, license-from-group).
 */
function planLeaving(
  upn: string,
  target: ObservedUser | undefined,
  wanted: ReadonlyMap<string, ObservedGroup>,
  onlyThroughGroup: ReadonlySet<string>,
  context: GroupContext,
  diagnostics: Diagnostic[],
): GroupMemberChange[] {
  // A deleted copy being restored comes back with its memberships (isMember reads them from its group licenses).
  if (!target) return [];
  const leave: GroupMemberChange[] = [];
  for (const [id, group] of [...context.named].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (wanted.has(id) || !isMember(group, target)) continue;
    const licenses = licensesOf(group, context.index);
    const gives = group.assignedLicenses.map((l) => l.skuId.toLowerCase()).filter((skuId) => onlyThroughGroup.has(skuId));
    if (gives.length > 0) {
      diagnostics.push({
        severity: 'info',
        code: 'undeclared-membership',
        userPrincipalName: upn,
        message: `is a member of the group ${labelOf(group)}, which none of its license sets names; it stays, because it gives ${gives.map((skuId) => partNumber(context.index, skuId)).join(', ')}, which the policy declares for it directly (assign that directly, and the next plan prunes the membership)`,
      });
      continue;
    }
    if (context.prune) {
      leave.push({
        action: 'remove-group-member',
        userPrincipalName: upn,
        objectId: target.id,
        reason: `pruneLicenses: none of its license sets names the group "${group.displayName}"`,
        details: { groupId: group.id, groupName: group.displayName, licenses },
      });
    } else {
      diagnostics.push({
        severity: 'info',
        code: 'undeclared-membership',
        userPrincipalName: upn,
        message: `is a member of the group ${labelOf(group)} (${licenses.join(', ') || 'no license'}), which none of its license sets names; it stays (pruneLicenses is false)`,
      });
    }
  }
  return leave;
}

/**
 * A member now: listed among the group's members; a deleted copy (not listed) by the group licenses it
 * held, which its restore brings back with its memberships.
 */
function isMember(group: ObservedGroup, user: ObservedUser): boolean {
  const id = group.id.toLowerCase();
  if (isMemberOf(group, user.id)) return true;
  return user.deletedDateTime !== null && statesOf(user).some((s) => s.assignedByGroup?.toLowerCase() === id);
}

function licensesOf(group: ObservedGroup, index: TenantIndex): string[] {
  return group.assignedLicenses.map((l) => partNumber(index, l.skuId.toLowerCase()));
}

function partNumber(index: TenantIndex, skuId: string): string {
  return index.skusById.get(skuId)?.skuPartNumber ?? skuId;
}

function planNames(resolved: ResolvedLicense, ids: readonly string[]): string {
  if (ids.length === 0) return 'none';
  return ids.map((id) => resolved.sku.servicePlans.find((p) => p.servicePlanId.toLowerCase() === id.toLowerCase())?.servicePlanName ?? id).join(', ');
}

function labelOf(group: ObservedGroup): string {
  return `"${group.displayName}" (${group.id})`;
}
