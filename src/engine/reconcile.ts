import type { Diagnostic } from '../domain/diagnostics.ts';
import { checkPermissions, readNeeds, writeNeeds } from '../domain/permissions.ts';
import type { ObservedTenant } from '../domain/observed.ts';
import type { Plan } from '../domain/plan.ts';
import { PLAN_FORMAT_VERSION, summarise } from '../domain/plan.ts';
import { planReconciliation } from '../domain/planner.ts';
import { loadPolicy } from '../policy/load.ts';
import type { TenantReader } from '../tenant/port.ts';
import { digestPolicy } from './digest.ts';

export type PlanOutcome =
  /** The policy itself is invalid: nothing was read from the tenant. */
  | { readonly kind: 'invalid-policy'; readonly diagnostics: readonly Diagnostic[] }
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
  /** The plan's time (injected; the CLI passes the real clock). */
  readonly now: string;
}

/**
 * load → read → plan: validates the policy, checks the credentials' permissions for reading,
 * reads the tenant in bulk, plans, and checks the permissions the plan's apply will need.
 */
export async function planTenant(input: PlanTenantInput): Promise<PlanOutcome> {
  const policy = await loadPolicy(input.paths, { cwd: input.cwd });
  const desired = policy.desired;
  if (!desired) return { kind: 'invalid-policy', diagnostics: policy.diagnostics };
  // The policy's warnings belong in the review; its notes (such as an unused license set) stay with validate.
  const policyWarnings = policy.diagnostics.filter((d) => d.severity !== 'info');
  const roles = await input.reader.readGrantedRoles();
  const policyDigest = digestPolicy(desired);
  const missingForRead = checkPermissions(readNeeds(desired, { groupsRead: false }), roles);
  if (missingForRead.length > 0) {
    return { kind: 'planned', applyBlockers: missingForRead, declaredPrincipals: desired.principals.length, plan: { formatVersion: PLAN_FORMAT_VERSION, tenantId: desired.tenantId ?? '', createdAt: input.now, policyDigest, changes: [], diagnostics: [...policyWarnings, ...missingForRead], summary: {} } };
  }
  const observed = await input.reader.readTenant({ mailboxUserPrincipalNames: desired.principals.filter((p) => p.kind === 'mailbox').map((p) => p.userPrincipalName) });
  const result = planReconciliation(desired, observed, { now: input.now });
  const groupsRead = observed.groupNames.size > 0;
  // Writes the credentials lack are warnings: the plan is right, and apply checks its own credentials.
  const missingForApply = [
    ...checkPermissions(groupsRead ? readNeeds(desired, { groupsRead }) : [], roles),
    ...checkPermissions(writeNeeds(result.changes.map((c) => c.action)), roles, { for: 'apply' }),
  ];
  // The planner refuses a policy for another tenant as a whole, with this one diagnostic.
  const otherTenant = result.diagnostics.filter((d) => d.code === 'tenant-mismatch');
  return {
    kind: 'planned',
    observed,
    applyBlockers: [...missingForApply, ...otherTenant],
    declaredPrincipals: desired.principals.length,
    plan: {
      formatVersion: PLAN_FORMAT_VERSION,
      tenantId: observed.tenantId,
      createdAt: input.now,
      policyDigest,
      changes: result.changes,
      diagnostics: [...policyWarnings, ...missingForApply, ...result.diagnostics],
      summary: summarise(result.changes),
    },
  };
}
