import { planAttributeUpdate } from './attribute-plan.ts';
import { planMissing } from './create-plan.ts';
import type { DesiredPrincipal, DesiredState } from './desired.ts';
import type { Diagnostic } from './diagnostics.ts';
import { compareDiagnostics, hasErrors } from './diagnostics.ts';
import type { ManagerIntent, PrincipalDraft } from './draft.ts';
import { changesOf } from './draft.ts';
import type { GroupContext } from './group-plan.ts';
import { namedGroups, planGroupLicensing } from './group-plan.ts';
import { planLicenseDelta, resolveLicenses } from './license-plan.ts';
import type { DeletedClaims, Location } from './locate.ts';
import { claimDeletedUsers, locatePrincipal } from './locate.ts';
import { checkMailboxHistory, checkMailboxType } from './mailbox-checks.ts';
import { planManagers } from './manager-plan.ts';
import type { ObservedTenant, ObservedUser } from './observed.ts';
import type { Change, CreateUserChange, SetUsageLocationChange, SignInChange } from './plan.ts';
import { asInformation, driftOf, isProtected, protectedPrincipals } from './protected.ts';
import { applySeats } from './seats.ts';
import type { TenantIndex } from './tenant-index.ts';
import { indexTenant } from './tenant-index.ts';

export type { PrincipalDraft } from './draft.ts';

export interface PlanOptions {
  /** The time the plan is for (ISO 8601). The planner never reads the clock. */
  readonly now: string;
}

export interface PlanResult {
  readonly changes: readonly Change[];
  readonly diagnostics: readonly Diagnostic[];
  /** UPNs (lower case, sorted) planned as information only: declared `protected: true`, and `defaults.protected`. */
  readonly protectedPrincipals: readonly string[];
}

interface PlanContext {
  readonly desired: DesiredState;
  readonly observed: ObservedTenant;
  readonly index: TenantIndex;
  readonly claims: DeletedClaims;
  readonly groups: GroupContext;
  readonly protectedUpns: ReadonlySet<string>;
  readonly now: string;
}

/**
 * The plan as a pure function of (desired state, observed tenant, now): per declared principal,
 * restore or create, attributes, usage location, licenses and memberships, sign-in; then managers
 * (which may name a principal the same plan creates), protected principals set aside as information,
 * and seats across the whole plan. Deterministic: principals are planned in UPN order, whatever order
 * policy or tenant lists them in.
 */
export function planReconciliation(desired: DesiredState, observed: ObservedTenant, options: PlanOptions): PlanResult {
  const protectedList = protectedPrincipals(desired);
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
      protectedPrincipals: protectedList,
    };
  }
  const index = indexTenant(observed);
  const principals = [...desired.principals].sort((a, b) => (a.userPrincipalName < b.userPrincipalName ? -1 : a.userPrincipalName > b.userPrincipalName ? 1 : 0));
  const groups = observed.groups ?? [];
  const context: PlanContext = {
    desired,
    observed,
    index,
    // Every principal claims its own deleted copies, protected ones (declared or not) too: nobody else restores them.
    claims: claimDeletedUsers(principals, index, protectedList),
    groups: { groups, named: namedGroups(desired, groups), index, prune: desired.defaults.pruneLicenses },
    protectedUpns: new Set(protectedList),
    now: options.now,
  };
  let diagnostics: Diagnostic[] = [];
  const drafted: PrincipalDraft[] = [];
  for (const principal of principals) {
    const own: Diagnostic[] = [];
    const draft = planPrincipal(principal, context, own);
    diagnostics.push(...own);
    // Errors block that principal's changes; the rest of the plan still applies (docs/reconciliation.md §7).
    // A protected principal's draft is kept either way: it is only reported.
    if (draft && (draft.protected || !hasErrors(own))) drafted.push(draft);
  }
  const drafts = planManagers(drafted, index, observed.users, new Set(principals.map((p) => p.userPrincipalName)), diagnostics);
  const active = drafts.filter((d) => !d.protected);
  for (const draft of drafts) if (draft.protected) diagnostics.push(...driftOf(changesOf(draft)));
  applySeats(active, index, diagnostics);
  diagnostics = asInformation(diagnostics, context.protectedUpns);
  return { changes: active.flatMap(changesOf), diagnostics: diagnostics.sort(byPrincipalThenCode), protectedPrincipals: protectedList };
}

function planPrincipal(principal: DesiredPrincipal, context: PlanContext, diagnostics: Diagnostic[]): PrincipalDraft | undefined {
  const { desired, observed, index, now } = context;
  const upn = principal.userPrincipalName;
  const location: Location = locatePrincipal(principal, desired.defaults, index, context.claims, now, diagnostics);
  if (location.kind === 'blocked') return undefined;
  // A license that does not resolve is an error: the principal is skipped, so nothing more is said of it.
  const licenses = resolveLicenses(principal.licenses, index, upn, diagnostics);
  if (licenses === undefined) return undefined;

  let target: ObservedUser | undefined;
  let create: CreateUserChange | undefined;
  if (location.kind === 'gone') {
    create = planMissing(principal, location.expired, desired.defaults, index, context.claims, now, diagnostics);
    if (!create) return undefined;
  } else {
    target = location.user;
  }
  const licensing = planGroupLicensing(principal, licenses, target, context.groups, diagnostics);
  if (licensing === undefined) return undefined;

  if (principal.kind === 'mailbox' && location.kind === 'active' && !location.restore) {
    const check = checkMailboxType(principal, observed.mailboxes.get(location.user.id));
    if (check) diagnostics.push(check);
  }
  if (principal.kind === 'user' && target) {
    const history = checkMailboxHistory(upn, target, licenses, now);
    if (history) diagnostics.push(history);
  }

  const delta = planLicenseDelta(
    licensing.direct,
    target,
    { prune: desired.defaults.pruneLicenses, groupNames: observed.groupNames, skus: index.skusById, upn, viaGroups: licensing.viaGroups },
    diagnostics,
  );
  const objectId = target?.id;
  const restore = location.kind === 'active' || location.kind === 'restore' ? location.restore : undefined;
  // A created user gets its attributes in the create; the others are compared with the object the later steps name.
  const attributes = target ? planAttributeUpdate(principal, target) : undefined;
  const manager = managerIntent(principal, target, create);
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
    protected: isProtected(principal, context.protectedUpns),
    ...(objectId === undefined ? {} : { objectId }),
    ...(restore ? { restore } : {}),
    ...(create ? { create } : {}),
    ...(attributes ? { attributes } : {}),
    ...(manager ? { manager } : {}),
    ...(usage ? { usage } : {}),
    add: delta.add,
    remove: delta.remove,
    join: licensing.join,
    leave: licensing.leave,
    ...(signIn ? { signIn } : {}),
  };
}

/** The declared manager against the current one; none when the policy does not manage it or the tenant's was not read. */
function managerIntent(principal: DesiredPrincipal, target: ObservedUser | undefined, create: CreateUserChange | undefined): ManagerIntent | undefined {
  if (principal.manager === undefined) return undefined;
  const currentId = create ? null : target?.managerId;
  if (currentId === undefined) return undefined;
  // The policy gives the manager's UPN lower case already.
  return { to: principal.manager, currentId };
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

/** By principal, then as compareDiagnostics orders them (plan diagnostics have no location: severity, code, message). */
function byPrincipalThenCode(a: Diagnostic, b: Diagnostic): number {
  const ua = a.userPrincipalName ?? '';
  const ub = b.userPrincipalName ?? '';
  if (ua !== ub) return ua < ub ? -1 : 1;
  return compareDiagnostics(a, b);
}
