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
  /** `observed`: the tenant the plan was made from; absent when the permission preflight stopped before reading it. */
  | { readonly kind: 'planned'; readonly plan: Plan; readonly observed?: ObservedTenant };

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
    return { kind: 'planned', plan: { formatVersion: PLAN_FORMAT_VERSION, tenantId: desired.tenantId ?? '', createdAt: input.now, policyDigest, changes: [], diagnostics: [...policyWarnings, ...missingForRead], summary: {} } };
  }
  const observed = await input.reader.readTenant({ mailboxUserPrincipalNames: desired.principals.filter((p) => p.kind === 'mailbox').map((p) => p.userPrincipalName) });
  const result = planReconciliation(desired, observed, { now: input.now });
  const groupsRead = observed.groupNames.size > 0;
  // Writes the credentials lack are warnings: the plan is right, and apply checks its own credentials.
  const missingForApply = [
    ...checkPermissions(groupsRead ? readNeeds(desired, { groupsRead }) : [], roles),
    ...checkPermissions(writeNeeds(result.changes.map((c) => c.action)), roles, { for: 'apply' }),
  ];
  return {
    kind: 'planned',
    observed,
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
