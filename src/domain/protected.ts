import { showAttributeValue } from './attributes.ts';
import type { DesiredPrincipal, DesiredState } from './desired.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { ObservedTenant } from './observed.ts';
import type { Change } from './plan.ts';
import { originalUserPrincipalName } from './tenant-index.ts';

/**
 * Protected principals (`protected: true`, `defaults.protected`; docs/reconciliation.md, "Protected
 * principals"): planned as usual, but every change they would get is reported as information and none
 * is made; their other diagnostics become information too.
 */

/** The protected UPNs, lower case and sorted: the declared ones and `defaults.protected`. */
export function protectedPrincipals(desired: DesiredState): string[] {
  const upns = new Set(desired.defaults.protected.map((u) => u.toLowerCase()));
  for (const principal of desired.principals) if (principal.protected) upns.add(principal.userPrincipalName);
  return [...upns].sort();
}

export function isProtected(principal: DesiredPrincipal, protectedUpns: ReadonlySet<string>): boolean {
  return principal.protected || protectedUpns.has(principal.userPrincipalName);
}

/**
 * The protected principals (lower case, sorted) that these changes touch: by the UPN a change names, or by
 * the object it writes to when that object is a protected principal's (active, or a deleted copy by its
 * original UPN) in `observed`: a change that names another UPN but the protected object is caught too.
 */
export function protectedTouched(changes: readonly Change[], protectedUpns: readonly string[], observed: ObservedTenant | undefined): readonly string[] {
  if (protectedUpns.length === 0) return [];
  const guarded = new Set(protectedUpns.map((upn) => upn.toLowerCase()));
  const byObject = new Map<string, string>();
  for (const user of observed?.users ?? []) if (guarded.has(user.userPrincipalName.toLowerCase())) byObject.set(user.id.toLowerCase(), user.userPrincipalName.toLowerCase());
  for (const user of observed?.deletedUsers ?? []) {
    const upn = originalUserPrincipalName(user);
    if (guarded.has(upn)) byObject.set(user.id.toLowerCase(), upn);
  }
  const touched = new Set<string>();
  for (const change of changes) {
    const upn = change.userPrincipalName.toLowerCase();
    if (guarded.has(upn)) touched.add(upn);
    const objectId = 'objectId' in change ? change.objectId : undefined;
    const owner = objectId === undefined ? undefined : byObject.get(objectId.toLowerCase());
    if (owner !== undefined) touched.add(owner);
  }
  return [...touched].sort();
}

/** One info diagnostic per change a protected principal would have got. */
export function driftOf(changes: readonly Change[]): Diagnostic[] {
  return changes.map((change) => ({
    severity: 'info',
    code: 'protected-drift',
    userPrincipalName: change.userPrincipalName,
    message: `protected: left alone; would ${wouldDo(change)}`,
  }));
}

/** A protected principal's diagnostics, as information: nothing of it is changed, so nothing blocks or warns. */
export function asInformation(diagnostics: readonly Diagnostic[], protectedUpns: ReadonlySet<string>): Diagnostic[] {
  return diagnostics.map((d) => (d.userPrincipalName !== undefined && protectedUpns.has(d.userPrincipalName) && d.severity !== 'info' ? { ...d, severity: 'info' } : d));
}

function none(value: string | null | undefined): string {
  return value ?? '(none)';
}

/** What a change does, in words, with its before → after. */
export function wouldDo(change: Change): string {
  switch (change.action) {
    case 'restore-user':
      return `restore the deleted user ${change.objectId} (deleted ${change.details.deletedDateTime.slice(0, 10)})${change.details.newUserPrincipalName ? ` as ${change.details.newUserPrincipalName}` : ''}`;
    case 'create-user':
      return 'create it (no deleted copy to restore)';
    case 'update-attributes':
      return `set ${change.details.attributes.map((u) => `${u.attribute} ${showAttributeValue(u.from)} → ${showAttributeValue(u.to)}`).join(', ')}`;
    case 'set-manager':
      return `set its manager ${none(change.details.from)} → ${none(change.details.to)}`;
    case 'set-usage-location':
      return `set its usage location ${none(change.details.from)} → ${change.details.to}`;
    case 'assign-licenses':
      return `assign ${change.details.add.map((l) => (l.replaces ? `${l.skuPartNumber} (disabled plans ${l.replaces.disabledPlanNames.join(', ') || '(none)'} → ${l.disabledPlanNames.join(', ') || '(none)'})` : l.skuPartNumber)).join(', ')}`;
    case 'add-group-member':
      return `add it to the group "${change.details.groupName}" (${change.details.licenses.join(', ') || 'no license'})`;
    case 'remove-licenses':
      return `remove ${change.details.remove.map((l) => l.skuPartNumber).join(', ')}`;
    case 'remove-group-member':
      return `remove it from the group "${change.details.groupName}" (${change.details.licenses.join(', ') || 'no license'})`;
    case 'enable-sign-in':
    case 'block-sign-in':
      return `${change.action === 'enable-sign-in' ? 'enable' : 'block'} sign-in (accountEnabled ${change.details.from} → ${change.details.to})`;
  }
}
