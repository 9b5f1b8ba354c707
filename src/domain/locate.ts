import { addDays, dateOf, daysBetween, RETENTION_DAYS, WINDOW_CLOSING_DAYS } from './clock.ts';
import type { DesiredDefaults, DesiredPrincipal } from './desired.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { ObservedUser } from './observed.ts';
import type { RestoreUserChange } from './plan.ts';
import { renderRenameTemplate } from './rename-template.ts';
import type { TenantIndex } from './tenant-index.ts';
import { addressesOf } from './tenant-index.ts';

/**
 * Where a declared principal is: active, restorable (with the restore to plan), or gone. Matching
 * is by UPN; a deleted user is also found by mail or proxy address. When several deleted users
 * match, the most recently deleted wins and the others are reported (PRODUCT.md §2).
 */
export type Location =
  | { readonly kind: 'active'; readonly user: ObservedUser; readonly restore?: RestoreUserChange }
  | { readonly kind: 'restore'; readonly user: ObservedUser; readonly restore: RestoreUserChange }
  | { readonly kind: 'gone'; readonly expired: readonly ObservedUser[] }
  | { readonly kind: 'blocked' };

function deletedCandidates(upn: string, index: TenantIndex, includeAddresses: boolean): ObservedUser[] {
  const found = new Map<string, ObservedUser>();
  for (const user of index.deletedByUpn.get(upn) ?? []) found.set(user.id, user);
  if (includeAddresses) for (const user of index.deletedByAddress.get(upn) ?? []) found.set(user.id, user);
  // Most recently deleted first; ties by id, so the order never depends on the tenant's listing.
  return [...found.values()].sort((a, b) => (b.deletedDateTime ?? '').localeCompare(a.deletedDateTime ?? '') || a.id.localeCompare(b.id));
}

export function locatePrincipal(principal: DesiredPrincipal, defaults: DesiredDefaults, index: TenantIndex, now: string, diagnostics: Diagnostic[]): Location {
  const upn = principal.userPrincipalName;
  const active = index.activeByUpn.get(upn);
  const candidates = deletedCandidates(upn, index, active === undefined);
  const restorable = candidates.filter((u) => u.deletedDateTime !== null && daysUntilPurge(u, now) > 0);
  const expired = candidates.filter((u) => !restorable.includes(u));
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

  if (chosen.onPremisesSyncEnabled === true) {
    diagnostics.push({
      severity: 'error',
      code: 'synced-from-on-premises',
      userPrincipalName: upn,
      message: `the deleted user ${chosen.id} is synchronised from on-premises Active Directory: restore it there (the AD Recycle Bin) and the next sync brings it back; Graph cannot restore it`,
    });
    return { kind: 'blocked' };
  }

  let newUserPrincipalName: string | undefined;
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

  const conflicting = addressesOf(chosen).filter((address) => (index.activeByAddress.get(address) ?? []).some((owner) => owner.id !== chosen.id));
  const reconcile = defaults.restore.autoReconcileProxyConflict;
  if (conflicting.length > 0) {
    diagnostics.push({
      severity: reconcile ? 'warning' : 'error',
      code: 'proxy-conflict',
      userPrincipalName: upn,
      message: reconcile
        ? `active objects now hold ${conflicting.join(', ')}: the restore drops these addresses from the restored user (autoReconcileProxyConflict)`
        : `active objects now hold ${conflicting.join(', ')}, so the restore would fail; set defaults.restore.autoReconcileProxyConflict: true to drop them, or free them`,
    });
    if (!reconcile) return { kind: 'blocked' };
  }

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
    reason: newUserPrincipalName
      ? `deleted ${dateOf(deletedDateTime)}; an active user holds ${upn}, so it is restored as ${newUserPrincipalName} (onUpnConflict: rename)`
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

function daysUntilPurge(user: ObservedUser, now: string): number {
  return Date.parse(addDays(user.deletedDateTime ?? now, RETENTION_DAYS)) - Date.parse(now);
}

function restorableUntilText(user: ObservedUser, now: string): string {
  const until = addDays(user.deletedDateTime ?? now, RETENTION_DAYS);
  return `restorable until ${dateOf(until)}`;
}
