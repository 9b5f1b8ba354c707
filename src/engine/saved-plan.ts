import type { Change, Plan } from '../domain/plan.ts';
import { PLAN_FORMAT_VERSION } from '../domain/plan.ts';

/** A saved plan that cannot be used; the message says why and what to do. */
export class SavedPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SavedPlanError';
  }
}

const ACTIONS = new Set(['restore-user', 'create-user', 'set-usage-location', 'assign-licenses', 'remove-licenses', 'enable-sign-in', 'block-sign-in']);

/** Reads a plan saved by `tenantctl plan --out`; refuses a formatVersion it does not know. */
export function parseSavedPlan(text: string, file: string): Plan {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SavedPlanError(`${file} is not JSON; save a plan with: tenantctl plan --out ${file}`);
  }
  const plan = json as Partial<Plan> | null;
  if (typeof plan !== 'object' || plan === null) throw new SavedPlanError(`${file} is not a saved plan`);
  if (plan.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new SavedPlanError(`${file} has formatVersion ${JSON.stringify(plan.formatVersion)}; this tenantctl reads only ${PLAN_FORMAT_VERSION}. Make the plan again with this version: tenantctl plan --out ${file}`);
  }
  if (typeof plan.tenantId !== 'string' || typeof plan.policyDigest !== 'string' || !Array.isArray(plan.changes) || !Array.isArray(plan.diagnostics)) {
    throw new SavedPlanError(`${file} is not a complete saved plan (tenantId, policyDigest, changes and diagnostics are required)`);
  }
  plan.changes.forEach((change: unknown, index) => {
    const c = change as Partial<Change> | null;
    if (typeof c !== 'object' || c === null || typeof c.action !== 'string' || !ACTIONS.has(c.action) || typeof c.userPrincipalName !== 'string' || typeof c.details !== 'object') {
      throw new SavedPlanError(`${file}: changes[${index}] is not a change tenantctl knows`);
    }
  });
  return plan as Plan;
}

/** A change as apply compares it: no reason, and no countdown (days left shrink while nothing changes). */
function comparable(change: Change): string {
  const { reason: _reason, ...rest } = change;
  const details = { ...(rest.details as unknown as Record<string, unknown>) };
  delete details.daysLeft;
  return JSON.stringify({ ...rest, details });
}

/**
 * The principals whose changes a fresh plan would make differently: the tenant (or the policy's
 * meaning for them) changed since the saved plan was made.
 */
export function stalePrincipals(saved: Plan, fresh: Plan): string[] {
  const group = (plan: Plan): Map<string, string[]> => {
    const map = new Map<string, string[]>();
    for (const change of plan.changes) map.set(change.userPrincipalName, [...(map.get(change.userPrincipalName) ?? []), comparable(change)]);
    return map;
  };
  const before = group(saved);
  const now = group(fresh);
  return [...before.keys()].filter((upn) => JSON.stringify(before.get(upn)) !== JSON.stringify(now.get(upn) ?? [])).sort();
}
