import { creationAttributes } from './attribute-plan.ts';
import type { DesiredDefaults, DesiredPrincipal } from './desired.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { DeletedClaims } from './locate.ts';
import { isRestorable } from './locate.ts';
import { needsExchangeDiagnostic } from './mailbox-checks.ts';
import type { ObservedUser } from './observed.ts';
import type { CreateUserChange } from './plan.ts';
import type { TenantIndex } from './tenant-index.ts';
import { splitUserPrincipalName } from './upn.ts';

/**
 * A declared principal with no active object and no restorable deleted copy (docs/reconciliation.md §3):
 * a user is created unless it says `whenMissing: report`; a mailbox needs Exchange. Restoring always
 * comes first: this is only reached when nothing can be restored.
 */
export function planMissing(
  principal: DesiredPrincipal,
  expired: readonly ObservedUser[],
  defaults: DesiredDefaults,
  index: TenantIndex,
  claims: DeletedClaims,
  now: string,
  diagnostics: Diagnostic[],
): CreateUserChange | undefined {
  const upn = principal.userPrincipalName;
  if (principal.kind === 'mailbox') {
    diagnostics.push(needsExchangeDiagnostic(principal));
    return undefined;
  }
  const gone = expired.map((u) => (u.deletedDateTime ? `${u.id}, deleted ${u.deletedDateTime.slice(0, 10)}` : u.id)).join('; ');
  const history = gone ? ` (purged after 30 days: ${gone})` : '';
  if (principal.whenMissing === 'report') {
    diagnostics.push({
      severity: 'error',
      code: 'not-restorable',
      userPrincipalName: upn,
      message: `not in the tenant and no deleted copy to restore${history}; whenMissing: report leaves it to you: create it yourself, or set whenMissing: create (on the user or in defaults) to have tenantctl create a new user`,
    });
    return undefined;
  }
  // A new user may not take an address an active or soft-deleted object holds (docs/graph-behaviour.md §5).
  const nickname = mailNicknameOf(upn);
  const domain = upn.slice(upn.lastIndexOf('@') + 1);
  const wanted = [...new Set([upn, `${nickname}@${domain}`.toLowerCase()])];
  const taken = wanted.filter((a) => index.activeByAddress.has(a) || (index.deletedByAddress.get(a) ?? []).some((u) => isRestorable(u, now)) || claims.plannedAddresses.has(a));
  if (taken.length > 0) {
    diagnostics.push({
      severity: 'error',
      code: 'proxy-conflict',
      userPrincipalName: upn,
      message: `cannot be created: ${taken.join(', ')} is held by another object (a soft-deleted user keeps its addresses for 30 days); free it, or restore that user instead`,
    });
    return undefined;
  }
  for (const address of wanted) claims.plannedAddresses.add(address);
  const usageLocation = principal.usageLocation ?? defaults.usageLocation;
  const attributes = creationAttributes(principal);
  return {
    action: 'create-user',
    userPrincipalName: upn,
    reason:
      `not in the tenant and no deleted copy to restore${history}: a new user is created with a random initial password that is never shown or saved. ` +
      'To let the person in, issue a Temporary Access Pass or reset the password (they must change it at first sign-in)',
    details: {
      displayName: principal.displayName,
      mailNickname: nickname,
      accountEnabled: principal.accountEnabled,
      ...(usageLocation === undefined ? {} : { usageLocation }),
      ...(attributes.length === 0 ? {} : { attributes }),
    },
  };
}

function mailNicknameOf(upn: string): string {
  return splitUserPrincipalName(upn).localPart.replace(/[^A-Za-z0-9._-]/gu, '').slice(0, 64) || 'user';
}
