import type { DesiredPrincipal, DesiredState } from './desired.ts';
import type { Diagnostic } from './diagnostics.ts';
import { compareDiagnostics, hasErrors } from './diagnostics.ts';
import type { LicenseDelta, ResolvedLicense } from './license-plan.ts';
import { planLicenseDelta, resolveLicenses } from './license-plan.ts';
import type { Location } from './locate.ts';
import type { DeletedClaims } from './locate.ts';
import { claimDeletedUsers, isRestorable, locatePrincipal } from './locate.ts';
import { checkMailboxHistory, checkMailboxType, needsExchangeDiagnostic } from './mailbox-checks.ts';
import type { ObservedTenant, ObservedUser } from './observed.ts';
import type { Change, CreateUserChange, PlannedLicense, RestoreUserChange, SetUsageLocationChange, SignInChange } from './plan.ts';
import { ACTION_ORDER } from './plan.ts';
import { applySeats } from './seats.ts';
import type { TenantIndex } from './tenant-index.ts';
import { indexTenant } from './tenant-index.ts';
import { splitUserPrincipalName } from './upn.ts';

export interface PlanOptions {
  /** The time the plan is for (ISO 8601). The planner never reads the clock. */
  readonly now: string;
}

export interface PlanResult {
  readonly changes: readonly Change[];
  readonly diagnostics: readonly Diagnostic[];
}

/** One principal's planned work before seats are counted across the plan. */
export interface PrincipalDraft {
  readonly principal: DesiredPrincipal;
  readonly objectId?: string;
  readonly restore?: RestoreUserChange;
  readonly create?: CreateUserChange;
  /** Set only so that licenses can be assigned: dropped when seats leave nothing to add. */
  readonly usage?: SetUsageLocationChange;
  add: PlannedLicense[];
  readonly remove: LicenseDelta['remove'];
  readonly signIn?: SignInChange;
}

/**
 * The plan as a pure function of (desired state, observed tenant, now): per declared principal,
 * restore or create, usage location, licenses, sign-in; then seats across the whole plan.
 * Deterministic: principals are planned in UPN order, whatever order policy or tenant lists them in.
 */
export function planReconciliation(desired: DesiredState, observed: ObservedTenant, options: PlanOptions): PlanResult {
  if (desired.tenantId !== undefined && desired.tenantId !== observed.tenantId.toLowerCase()) {
    return {
      changes: [],
      diagnostics: [
        {
          severity: 'error',
          code: 'tenant-mismatch',
          message: `connected to tenant ${observed.tenantId}, but the policy is for ${desired.tenantId} (tenant.id): the whole plan is refused. Check AZURE_TENANT_ID and the credentials, or the policy's tenant.id`,
        },
      ],
    };
  }
  const index = indexTenant(observed);
  const diagnostics: Diagnostic[] = [];
  const principals = [...desired.principals].sort((a, b) => (a.userPrincipalName < b.userPrincipalName ? -1 : a.userPrincipalName > b.userPrincipalName ? 1 : 0));
  const drafts: PrincipalDraft[] = [];
  const claims = claimDeletedUsers(principals, index);
  for (const principal of principals) {
    const own: Diagnostic[] = [];
    const draft = planPrincipal(principal, desired, observed, index, claims, options.now, own);
    diagnostics.push(...own);
    // Errors block that principal's changes; the rest of the plan still applies (docs/reconciliation.md §7).
    if (draft && !hasErrors(own)) drafts.push(draft);
  }
  applySeats(drafts, index, diagnostics);
  return { changes: drafts.flatMap(changesOf), diagnostics: diagnostics.sort(byPrincipalThenCode) };
}

function planPrincipal(
  principal: DesiredPrincipal,
  desired: DesiredState,
  observed: ObservedTenant,
  index: TenantIndex,
  claims: DeletedClaims,
  now: string,
  diagnostics: Diagnostic[],
): PrincipalDraft | undefined {
  const upn = principal.userPrincipalName;
  const location: Location = locatePrincipal(principal, desired.defaults, index, claims, now, diagnostics);
  if (location.kind === 'blocked') return undefined;
  const resolved = resolveLicenses(principal.licenses, index, upn, diagnostics);
  // A license that does not resolve is an error: the principal is skipped, so nothing more is said of it.
  if (resolved === undefined) return undefined;
  const licenses: readonly ResolvedLicense[] = resolved;

  let target: ObservedUser | undefined;
  let create: CreateUserChange | undefined;
  if (location.kind === 'gone') {
    const expired = location.expired.map((u) => (u.deletedDateTime ? `${u.id}, deleted ${u.deletedDateTime.slice(0, 10)}` : u.id)).join('; ');
    const history = expired ? ` (purged after 30 days: ${expired})` : '';
    if (principal.kind === 'mailbox') {
      diagnostics.push(needsExchangeDiagnostic(principal));
      return undefined;
    }
    if (desired.defaults.whenPurged === 'report') {
      diagnostics.push({
        severity: 'error',
        code: 'not-restorable',
        userPrincipalName: upn,
        message: `not in the tenant and nothing to restore${history}; create it yourself, or set defaults.whenPurged: create to have tenantctl create a new, empty user`,
      });
      return undefined;
    }
    // A new user may not take an address an active or soft-deleted object holds (docs/graph-behaviour.md §5).
    const domain = upn.slice(upn.lastIndexOf('@') + 1);
    const wanted = [...new Set([upn, `${mailNicknameOf(upn)}@${domain}`.toLowerCase()])];
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
    const usageLocation = principal.usageLocation ?? desired.defaults.usageLocation;
    create = {
      action: 'create-user',
      userPrincipalName: upn,
      reason: `not in the tenant and nothing to restore${history}; whenPurged is create: a new, empty user`,
      details: {
        displayName: principal.displayName,
        mailNickname: mailNicknameOf(upn),
        accountEnabled: principal.accountEnabled,
        ...(usageLocation === undefined ? {} : { usageLocation }),
      },
    };
  } else {
    target = location.user;
  }

  if (principal.kind === 'mailbox' && location.kind === 'active' && !location.restore) {
    const check = checkMailboxType(principal, observed.mailboxes.get(location.user.id));
    if (check) diagnostics.push(check);
  }
  if (principal.kind === 'user' && target) {
    const history = checkMailboxHistory(upn, target, licenses, now);
    if (history) diagnostics.push(history);
  }

  const delta = planLicenseDelta(licenses, target, { prune: desired.defaults.pruneLicenses, groupNames: observed.groupNames, skus: index.skusById, upn }, diagnostics);
  const objectId = target?.id;
  const restore = location.kind === 'active' || location.kind === 'restore' ? location.restore : undefined;
  const usage = planUsageLocation(principal, desired, target, create, delta.add.length > 0, diagnostics);
  const currentEnabled = create ? create.details.accountEnabled : (target?.accountEnabled ?? principal.accountEnabled);
  const signIn: SignInChange | undefined =
    currentEnabled === principal.accountEnabled
      ? undefined
      : {
          action: principal.accountEnabled ? 'enable-sign-in' : 'block-sign-in',
          userPrincipalName: upn,
          ...(objectId === undefined ? {} : { objectId }),
          reason: principal.kind === 'mailbox' ? `a ${principal.mailboxType} mailbox's account must not sign in` : `the policy says accountEnabled: ${principal.accountEnabled}`,
          details: { from: currentEnabled, to: principal.accountEnabled },
        };
  return {
    principal,
    ...(objectId === undefined ? {} : { objectId }),
    ...(restore ? { restore } : {}),
    ...(create ? { create } : {}),
    ...(usage ? { usage } : {}),
    add: delta.add,
    remove: delta.remove,
    ...(signIn ? { signIn } : {}),
  };
}

/**
 * A usage location is needed before licenses are added (Graph refuses otherwise): the principal's
 * own when it differs, else the default when there is none.
 */
function planUsageLocation(
  principal: DesiredPrincipal,
  desired: DesiredState,
  target: ObservedUser | undefined,
  create: CreateUserChange | undefined,
  adding: boolean,
  diagnostics: Diagnostic[],
): SetUsageLocationChange | undefined {
  if (!adding) return undefined;
  const current = create ? (create.details.usageLocation ?? null) : (target?.usageLocation ?? null);
  const wanted = principal.usageLocation ?? (current ? undefined : desired.defaults.usageLocation);
  if (wanted === undefined) {
    if (!current) {
      diagnostics.push({
        severity: 'error',
        code: 'missing-usage-location',
        userPrincipalName: principal.userPrincipalName,
        message: 'has no usage location, and Graph assigns no license without one; set usageLocation on the principal or defaults.usageLocation',
      });
    }
    return undefined;
  }
  if (wanted === current) return undefined;
  return {
    action: 'set-usage-location',
    userPrincipalName: principal.userPrincipalName,
    ...(target ? { objectId: target.id } : {}),
    reason: current ? `the policy says ${wanted} (now ${current}); set before licensing` : `licenses need a usage location and it has none; ${principal.usageLocation ? 'the policy says' : 'the default is'} ${wanted}`,
    details: { from: current, to: wanted },
  };
}

function mailNicknameOf(upn: string): string {
  return splitUserPrincipalName(upn).localPart.replace(/[^A-Za-z0-9._-]/gu, '').slice(0, 64) || 'user';
}

function changesOf(draft: PrincipalDraft): Change[] {
  const upn = draft.principal.userPrincipalName;
  const objectId = draft.objectId;
  const idPart = objectId === undefined ? {} : { objectId };
  const changes: Change[] = [];
  if (draft.restore) changes.push(draft.restore);
  if (draft.create) changes.push(draft.create);
  if (draft.add.length > 0 && draft.usage) changes.push(draft.usage);
  if (draft.add.length > 0) {
    const names = draft.add.map((l) => l.skuPartNumber).join(', ');
    changes.push({ action: 'assign-licenses', userPrincipalName: upn, ...idPart, reason: `the policy declares ${names}`, details: { add: draft.add } });
  }
  if (draft.remove.length > 0 && objectId !== undefined) {
    changes.push({ action: 'remove-licenses', userPrincipalName: upn, objectId, reason: 'pruneLicenses: direct licenses the policy does not list are removed', details: { remove: draft.remove } });
  }
  if (draft.signIn) changes.push(draft.signIn);
  return changes.sort((a, b) => ACTION_ORDER.indexOf(a.action) - ACTION_ORDER.indexOf(b.action));
}

/** By principal, then as compareDiagnostics orders them (plan diagnostics have no location: severity, code, message). */
function byPrincipalThenCode(a: Diagnostic, b: Diagnostic): number {
  const ua = a.userPrincipalName ?? '';
  const ub = b.userPrincipalName ?? '';
  if (ua !== ub) return ua < ub ? -1 : 1;
  return compareDiagnostics(a, b);
}
