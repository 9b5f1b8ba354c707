import path from 'node:path';
import { groupReferences } from '../domain/group-plan.ts';
import type { AttributeName } from '../domain/attributes.ts';
import { ATTRIBUTE_NAMES, isAttributeName } from '../domain/attributes.ts';
import type { DesiredState } from '../domain/desired.ts';
import type { Diagnostic } from '../domain/diagnostics.ts';
import { checkPermissions, readNeeds, writeNeeds } from '../domain/permissions.ts';
import type { ObservedTenant } from '../domain/observed.ts';
import type { Plan } from '../domain/plan.ts';
import { PLAN_FORMAT_VERSION, summarise } from '../domain/plan.ts';
import { checkSelection, partialPlan, selectedChanges } from '../domain/partial-plan.ts';
import { planReconciliation } from '../domain/planner.ts';
import { protectedPrincipals } from '../domain/protected.ts';
import type { PolicyResult } from '../policy/load.ts';
import { DEFAULT_POLICY_PATHS, loadPolicy } from '../policy/load.ts';
import type { ReadTenantRequest, TenantReader } from '../tenant/port.ts';
import { digestPolicy, digestPolicyYielding } from './digest.ts';

export type PlanOutcome =
  /**
   * The policy itself is invalid, or (`selection`) it is valid but `only` names principals it does not
   * declare (`undeclared-principal`): nothing was read from the tenant.
   */
  | { readonly kind: 'invalid-policy'; readonly diagnostics: readonly Diagnostic[]; readonly selection?: true }
  /**
   * `observed`: the tenant the plan was made from; absent when the permission preflight stopped before reading it.
   * `declaredPrincipals`: how many users and mailboxes the policy declares (the apply gate's mass-removal guard).
   * `applyBlockers`: the plan's diagnostics that forbid applying anything with these credentials: they reach
   * another tenant (`tenant-mismatch`), or lack a permission to read or to make the plan's changes
   * (`missing-permission`; for apply these are warnings in the plan, since a read-only identity may plan).
   */
  | { readonly kind: 'planned'; readonly plan: Plan; readonly observed?: ObservedTenant; readonly applyBlockers: readonly Diagnostic[]; readonly declaredPrincipals: number };

export interface PlanTenantInput {
  readonly paths: readonly string[];
  readonly cwd: string;
  readonly reader: TenantReader;
  /** The local clock (ISO 8601): the plan's time only when the tenant did not say its own (ObservedTenant.readAt). */
  readonly now: string;
  /** A fixed time for the plan (TENANTCTL_NOW: tests, the demo, reproducing a plan): before the tenant's and the local clock. */
  readonly fixedNow?: string;
  /**
   * `--only`: a partial plan for these principals (UPNs the policy declares). The plan is made for the
   * whole policy, then only their changes and diagnostics are kept (src/domain/partial-plan.ts).
   */
  readonly only?: readonly string[];
  /** The policy at `paths`, already read (a many-tenant run reads each tenant's first, for its tenant id): not read again. */
  readonly policy?: PolicyResult;
}

/**
 * The policy paths as a plan records them (Plan.policyPaths): relative to the working directory, with
 * `/` separators, the default (policies/) when none were given. `apply PLAN.json` reads them again.
 */
export function recordedPolicyPaths(paths: readonly string[], cwd: string): readonly string[] {
  return (paths.length > 0 ? paths : DEFAULT_POLICY_PATHS).map((given) => {
    const relative = path.relative(cwd, path.resolve(cwd, given));
    return relative === '' ? '.' : relative.split(path.sep).join('/');
  });
}

/**
 * load → read → plan: validates the policy, checks the credentials' permissions for reading,
 * reads the tenant in bulk, plans, and checks the permissions the plan's apply will need.
 */
export async function planTenant(input: PlanTenantInput): Promise<PlanOutcome> {
  const policy = input.policy ?? (await loadPolicy(input.paths, { cwd: input.cwd }));
  const desired = policy.desired;
  if (!desired) return { kind: 'invalid-policy', diagnostics: policy.diagnostics };
  // The policy's warnings belong in the review; its notes (such as an unused license set) stay with validate.
  const policyWarnings = policy.diagnostics.filter((d) => d.severity !== 'info');
  // An --only that names an undeclared principal is refused before the tenant is read.
  const undeclared = input.only === undefined ? [] : checkSelection(input.only, desired.principals.map((p) => p.userPrincipalName));
  if (undeclared.length > 0) return { kind: 'invalid-policy', diagnostics: undeclared, selection: true };
  const policyPaths = recordedPolicyPaths(input.paths, input.cwd);
  const select = (plan: Plan): Plan => (input.only === undefined ? plan : partialPlan(plan, input.only, desired.principals.length));
  const roles = await input.reader.readGrantedRoles();
  const request = readRequestFor(desired);
  // Licensing groups the policy names are read with their members: that needs the group permission up front.
  const namesGroups = (request.groups ?? []).length > 0;
  const missingForRead = checkPermissions(readNeeds(desired, { groupsRead: namesGroups }), roles);
  if (missingForRead.length > 0) {
    const guarded = protectedPrincipals(desired);
    const createdAt = input.fixedNow ?? input.now;
    return { kind: 'planned', applyBlockers: missingForRead, declaredPrincipals: desired.principals.length, plan: select({ formatVersion: PLAN_FORMAT_VERSION, tenantId: desired.tenantId ?? '', createdAt, policyDigest: digestPolicy(desired), policyPaths, changes: [], diagnostics: [...policyWarnings, ...missingForRead], ...withProtected(guarded), summary: summarise([], guarded) }) };
  }
  // The digest is hashed while the tenant's pages are in flight (it yields between principals).
  const reading = input.reader.readTenant(request);
  // Awaited below; this only keeps its failure from counting as unhandled while the digest yields.
  reading.catch(() => undefined);
  const policyDigest = await digestPolicyYielding(desired);
  const observed = await reading;
  // The tenant's clock decides the 30-day window, unless TENANTCTL_NOW fixes it (docs/reconciliation.md).
  const now = input.fixedNow ?? observed.readAt ?? input.now;
  return planObserved({ desired, observed, now, roles, policyDigest, policyPaths, policyWarnings, ...(input.only === undefined ? {} : { only: input.only }) });
}

export interface PlanObservedInput {
  readonly desired: DesiredState;
  readonly observed: ObservedTenant;
  /** The plan's time (the tenant's clock, or TENANTCTL_NOW). */
  readonly now: string;
  /** The application permissions the credentials carry (readGrantedRoles). */
  readonly roles: readonly string[];
  readonly policyDigest: string;
  readonly policyPaths: readonly string[];
  /** The policy's warnings, kept in the plan's diagnostics. */
  readonly policyWarnings: readonly Diagnostic[];
  readonly only?: readonly string[];
}

/**
 * The plan of a policy against a tenant already read: the pure planner's changes and diagnostics, with the
 * permissions the apply will need. `plan` and `tenantctl watch` (after each delta round) make plans here.
 */
export function planObserved(input: PlanObservedInput): Extract<PlanOutcome, { kind: 'planned' }> {
  const { desired, observed, now, roles, policyDigest, policyPaths, policyWarnings } = input;
  const select = (plan: Plan): Plan => (input.only === undefined ? plan : partialPlan(plan, input.only, desired.principals.length));
  const namesGroups = groupReferences(desired).length > 0;
  const result = planReconciliation(desired, observed, { now });
  // Seats, managers and claims on deleted users are decided for the whole policy; --only keeps a share.
  const changes = input.only === undefined ? result.changes : selectedChanges(result.changes, input.only);
  const groupsRead = namesGroups || observed.groupNames.size > 0;
  // Writes the credentials lack are warnings: the plan is right, and apply checks its own credentials.
  const missingForApply = [
    ...checkPermissions(groupsRead ? readNeeds(desired, { groupsRead }) : [], roles),
    ...checkPermissions(writeNeeds(changes.map((c) => c.action)), roles, { for: 'apply' }),
  ];
  // The planner refuses a policy for another tenant as a whole, with this one diagnostic.
  const otherTenant = result.diagnostics.filter((d) => d.code === 'tenant-mismatch');
  return {
    kind: 'planned',
    observed,
    applyBlockers: [...missingForApply, ...otherTenant],
    declaredPrincipals: desired.principals.length,
    plan: select({
      formatVersion: PLAN_FORMAT_VERSION,
      tenantId: observed.tenantId,
      createdAt: now,
      policyDigest,
      policyPaths,
      changes: result.changes,
      diagnostics: [...policyWarnings, ...missingForApply, ...result.diagnostics],
      ...withProtected(result.protectedPrincipals),
      summary: summarise(result.changes, result.protectedPrincipals),
    }),
  };
}

/**
 * What the tenant read must hold for this policy, and no more: the declared attributes beyond
 * displayName (always read), managers only when some principal declares one, and the licensing groups
 * the policy names (by id or display name, as written).
 */
export function readRequestFor(desired: DesiredState): ReadTenantRequest {
  const declared = new Set<AttributeName>();
  for (const principal of desired.principals) for (const name of Object.keys(principal.attributes)) if (isAttributeName(name)) declared.add(name);
  const attributes = ATTRIBUTE_NAMES.filter((name) => name !== 'displayName' && declared.has(name));
  // Every group a license set names, held by a principal or not: a member that holds no set naming it is pruned.
  const groups = groupReferences(desired);
  return {
    mailboxUserPrincipalNames: desired.principals.filter((p) => p.kind === 'mailbox').map((p) => p.userPrincipalName),
    ...(attributes.length > 0 ? { attributes } : {}),
    ...(desired.principals.some((p) => p.manager !== undefined) ? { managers: true } : {}),
    ...(groups.length > 0 ? { groups } : {}),
  };
}

/** `protectedPrincipals` only when there are some: a plan without any has no such field. */
function withProtected(protectedPrincipals: readonly string[]): { readonly protectedPrincipals?: readonly string[] } {
  return protectedPrincipals.length > 0 ? { protectedPrincipals } : {};
}
