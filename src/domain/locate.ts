import { addDays, dateOf, DAY_MS, daysBetween, RETENTION_DAYS, timeOf, WINDOW_CLOSING_DAYS } from './clock.ts';
import type { DesiredDefaults, DesiredPrincipal } from './desired.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { ObservedUser } from './observed.ts';
import type { RestoreUserChange } from './plan.ts';
import { renderRenameTemplate } from './rename-template.ts';
import type { TenantIndex } from './tenant-index.ts';
import { addressesOf, originalUserPrincipalName } from './tenant-index.ts';

/**
 * Where a declared principal is: active, restorable (with the restore to plan), or gone. Matching
 * is by UPN; a deleted user is also found by mail or proxy address. When several deleted users
 * match, the most recently deleted wins and the others are reported (docs/reconciliation.md §2).
 */
export type Location =
  | { readonly kind: 'active'; readonly user: ObservedUser; readonly restore?: RestoreUserChange }
  | { readonly kind: 'restore'; readonly user: ObservedUser; readonly restore: RestoreUserChange }
  | { readonly kind: 'gone'; readonly expired: readonly ObservedUser[] }
  | { readonly kind: 'blocked' };

/** Most recently deleted first; ties by id, so the order never depends on the tenant's listing. */
function byRecency(a: ObservedUser, b: ObservedUser): number {
  return (b.deletedDateTime ?? '').localeCompare(a.deletedDateTime ?? '') || a.id.localeCompare(b.id);
}

/**
 * Which declared principal each deleted object belongs to. A UPN match claims the object first;
 * an address match is only a fallback for an object no principal's UPN claims, and one object is
 * restored for at most one principal.
 */
export interface DeletedClaims {
  readonly byUpn: ReadonlyMap<string, string>;
  readonly takenByAddress: Set<string>;
  /** Addresses that restores and creations planned so far will hold (so a later one conflicts with them). */
  readonly plannedAddresses: Set<string>;
}

/**
 * `protectedUpns` (defaults.protected) claim their own deleted copies too, declared or not: a protected
 * account's deleted copy is never restored for another principal through an address match.
 */
export function claimDeletedUsers(principals: readonly DesiredPrincipal[], index: TenantIndex, protectedUpns: readonly string[] = []): DeletedClaims {
  const byUpn = new Map<string, string>();
  for (const upn of protectedUpns) for (const user of index.deletedByUpn.get(upn) ?? []) byUpn.set(user.id, upn);
  for (const principal of principals) for (const user of index.deletedByUpn.get(principal.userPrincipalName) ?? []) byUpn.set(user.id, principal.userPrincipalName);
  return { byUpn, takenByAddress: new Set(), plannedAddresses: new Set() };
}

export function locatePrincipal(principal: DesiredPrincipal, defaults: DesiredDefaults, index: TenantIndex, claims: DeletedClaims, now: string, diagnostics: Diagnostic[]): Location {
  const upn = principal.userPrincipalName;
  const active = index.activeByUpn.get(upn);
  const byUpn = [...(index.deletedByUpn.get(upn) ?? [])].sort(byRecency);
  const byAddress = active
    ? []
    : [...(index.deletedByAddress.get(upn) ?? [])].filter((u) => !byUpn.includes(u) && (claims.byUpn.get(u.id) ?? upn) === upn && !claims.takenByAddress.has(u.id)).sort(byRecency);
  const restorableNow = (u: ObservedUser): boolean => isRestorable(u, now);
  const upnRestorable = byUpn.filter(restorableNow);
  // Fall back to mail and proxy addresses only when no UPN match can be restored (docs/reconciliation.md §2).
  const restorable = upnRestorable.length > 0 ? upnRestorable : byAddress.filter(restorableNow);
  const expired = [...byUpn, ...byAddress].filter((u) => !restorableNow(u));
  const [chosen, ...others] = restorable;
  if (others.length > 0) {
    diagnostics.push({
      severity: 'info',
      code: 'multiple-deleted-matches',
      userPrincipalName: upn,
      message: `${restorable.length} deleted users match; the most recently deleted (${chosen?.id}, ${dateOf(chosen?.deletedDateTime ?? '')}) is the one restored, not ${others.map((u) => `${u.id} (${dateOf(u.deletedDateTime ?? '')})`).join(', ')}`,
    });
  }
  if (!chosen) return active ? { kind: 'active', user: active } : { kind: 'gone', expired };
  const matchedByAddress = !byUpn.includes(chosen);
  if (matchedByAddress) claims.takenByAddress.add(chosen.id);

  if (chosen.onPremisesSyncEnabled === true) {
    diagnostics.push({
      severity: 'error',
      code: 'synced-from-on-premises',
      userPrincipalName: upn,
      message: `the deleted user ${chosen.id} is synchronised from on-premises Active Directory: restore it there (the AD Recycle Bin) and the next sync brings it back; Graph cannot restore it`,
    });
    return { kind: 'blocked' };
  }

  // Matched by address only: restore it under the declared UPN (free: no active user holds it), so the next plan finds it.
  let newUserPrincipalName: string | undefined = matchedByAddress && originalUserPrincipalName(chosen) !== upn ? upn : undefined;
  // An active user created before this object was deleted is not the newcomer that took its UPN: the
  // deleted one is a leftover copy (say, an older deletion of the same person, the newer one restored).
  const activeIsOlder = active && timeOf(active.createdDateTime) !== undefined && (timeOf(active.createdDateTime) as number) < (timeOf(chosen.deletedDateTime) ?? Number.POSITIVE_INFINITY);
  if (active && activeIsOlder) {
    diagnostics.push({
      severity: 'info',
      code: 'multiple-deleted-matches',
      userPrincipalName: upn,
      message: `a deleted object with this UPN (${chosen.id}, deleted ${dateOf(chosen.deletedDateTime ?? '')}) is left alone: the active user existed before it was deleted`,
    });
    return { kind: 'active', user: active };
  }
  if (active) {
    if (defaults.restore.onUpnConflict === 'fail') {
      diagnostics.push({
        severity: 'error',
        code: 'upn-conflict',
        userPrincipalName: upn,
        message: `an active user (${active.id}) now holds ${upn}, so the deleted ${upn} (${chosen.id}, ${restorableUntilText(chosen, now)}) cannot be restored under it; set defaults.restore.onUpnConflict: rename, or free the UPN`,
      });
      return { kind: 'blocked' };
    }
    newUserPrincipalName = renderRenameTemplate(defaults.restore.renameTemplate, upn, chosen.id.replace(/-/gu, '').toLowerCase()).toLowerCase();
    if (index.activeByUpn.has(newUserPrincipalName)) {
      diagnostics.push({
        severity: 'error',
        code: 'upn-conflict',
        userPrincipalName: upn,
        message: `an active user holds ${upn}, and the rename target ${newUserPrincipalName} (from renameTo) is taken too; change defaults.restore.renameTo`,
      });
      return { kind: 'blocked' };
    }
  }

  const conflicting = addressesOf(chosen).filter((address) => claims.plannedAddresses.has(address) || (index.activeByAddress.get(address) ?? []).some((owner) => owner.id !== chosen.id));
  const reconcile = defaults.restore.autoReconcileProxyConflict;
  if (conflicting.length > 0) {
    diagnostics.push({
      severity: reconcile ? 'warning' : 'error',
      code: 'proxy-conflict',
      userPrincipalName: upn,
      message: reconcile
        ? `active objects (or ones this plan restores first) hold ${conflicting.join(', ')}: the restore drops these addresses from the restored user (autoReconcileProxyConflict)`
        : `active objects (or ones this plan restores first) hold ${conflicting.join(', ')}, so the restore would fail; set defaults.restore.autoReconcileProxyConflict: true to drop them, or free them`,
    });
    if (!reconcile) return { kind: 'blocked' };
  }

  for (const address of addressesOf(chosen)) if (!conflicting.includes(address)) claims.plannedAddresses.add(address);
  const deletedDateTime = chosen.deletedDateTime ?? now;
  const until = addDays(deletedDateTime, RETENTION_DAYS);
  const daysLeft = daysBetween(now, until);
  if (daysLeft < WINDOW_CLOSING_DAYS) {
    diagnostics.push({
      severity: 'warning',
      code: 'restore-window-closing',
      userPrincipalName: upn,
      message: `restorable only until ${dateOf(until)} (${daysLeft} day${daysLeft === 1 ? '' : 's'} left): after that Entra purges it for good; apply soon`,
    });
  }
  const restore: RestoreUserChange = {
    action: 'restore-user',
    userPrincipalName: upn,
    objectId: chosen.id,
    reason: newUserPrincipalName && active
      ? `deleted ${dateOf(deletedDateTime)}; an active user holds ${upn}, so it is restored as ${newUserPrincipalName} (onUpnConflict: rename)`
      : newUserPrincipalName
        ? `deleted ${dateOf(deletedDateTime)} as ${originalUserPrincipalName(chosen)}, found by its address ${upn}: restored as ${upn}`
      : `not active; deleted ${dateOf(deletedDateTime)}, restorable until ${dateOf(until)}: restoring keeps its id, mailbox, group memberships and licenses`,
    details: {
      deletedDateTime,
      restorableUntil: until,
      daysLeft,
      ...(newUserPrincipalName ? { newUserPrincipalName } : {}),
      autoReconcileProxyConflict: reconcile,
      conflictingAddresses: conflicting,
      licenses: chosen.assignedLicenses.map((l) => l.skuId.toLowerCase()).sort(),
    },
  };
  // With a rename, the restored object keeps its data under another UPN; the declared UPN stays the active user's.
  return active ? { kind: 'active', user: active, restore } : { kind: 'restore', user: chosen, restore };
}

/**
 * Whether a deleted user is still in Entra's 30-day window (then it can be restored, and it keeps its
 * addresses); not when its deletion time is unknown.
 */
export function isRestorable(user: ObservedUser, now: string): boolean {
  const deleted = timeOf(user.deletedDateTime);
  const current = timeOf(now);
  return deleted !== undefined && current !== undefined && deleted + RETENTION_DAYS * DAY_MS > current;
}

function restorableUntilText(user: ObservedUser, now: string): string {
  const until = addDays(user.deletedDateTime ?? now, RETENTION_DAYS);
  return `restorable until ${dateOf(until)}`;
}
