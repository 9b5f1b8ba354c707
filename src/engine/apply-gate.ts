import { tenantShows } from '../domain/change-made.ts';
import type { ObservedTenant } from '../domain/observed.ts';
import type { ChangeOutcome } from '../domain/outcome.ts';
import type { Change, Plan } from '../domain/plan.ts';
import { summarise } from '../domain/plan.ts';
import { changeIdentity } from '../domain/change-identity.ts';
import { groupByPrincipal, PlanByPrincipal } from '../domain/principal-changes.ts';
import { describeSelection, sameSelection } from '../domain/partial-plan.ts';
import { protectedTouched } from '../domain/protected.ts';
import type { PlanOutcome } from './reconcile.ts';

/** A fresh plan of the tenant, made with the credentials that are about to write. */
export type FreshPlan = Extract<PlanOutcome, { readonly kind: 'planned' }>;

/** Why nothing may be written. Front ends may word a refusal their own way; the decision is made here only. */
export type RefusalCode =
  /** The reviewed plan (or the stack's state) is for another tenant than the credentials reach. */
  | 'other-tenant'
  /** The policy's digest differs from the one the reviewer saw. */
  | 'policy-changed'
  /** A fresh plan would change some principal the reviewed plan touches differently. */
  | 'stale-plan'
  /** The credentials reach another tenant, or lack a permission the changes need. */
  | 'credentials'
  /** More changes than the caller's limit (`--max-changes`). */
  | 'too-many-changes'
  /** License removals (direct, or a licensing group's membership) from more principals than MASS_REMOVAL allows, without `allowLicenseRemovals`. */
  | 'mass-removal'
  /** A change for a principal the policy protects (`protected: true`, `defaults.protected`): refused whatever the options. */
  | 'protected';

export interface ApplyRefusal {
  readonly kind: 'refused';
  readonly code: RefusalCode;
  /** Why, and what to do, in one sentence or a short list. */
  readonly reason: string;
}

/**
 * What may be applied, or why nothing may be. `done`: the outcomes of the reviewed plan's changes
 * that the tenant already shows as made (an earlier apply of the same plan was interrupted), applied
 * with a note; `plan` holds the rest.
 */
export type ApplyGate = { readonly kind: 'go'; readonly plan: Plan; readonly done: readonly ChangeOutcome[] } | ApplyRefusal;

/**
 * What the person who approved the writes saw. A saved plan (`tenantctl plan --out`) carries it all;
 * a Pulumi program saw the policy's digest and, in the stack's state, the tenant it wrote before.
 */
export type Reviewed =
  | { readonly kind: 'saved-plan'; readonly plan: Plan; readonly name: string }
  | { readonly kind: 'program'; readonly name: string; readonly policyDigest?: string; readonly tenantId?: string };

export interface ApplyGateInput {
  /** A plan made just now, of the same policy, with the applying credentials. */
  readonly fresh: FreshPlan;
  /** What was reviewed; without it the fresh plan is applied (after the interactive confirmation of `apply PATH…`). */
  readonly reviewed?: Reviewed;
  /** Only this principal's share of the plan goes through (the Pulumi provider writes one resource at a time). */
  readonly principal?: string;
  /**
   * Which policy the fresh plan was made from, as a refusal names it ("the policy in tenants/prod
   * (recorded in plan.json)"): see savedPlanPolicy (saved-plan-fresh.ts). Without it the refusal names no source.
   */
  readonly policySource?: string;
  /** Refuse a plan with more changes than this. */
  readonly maxChanges?: number;
  /** Let license removals from many principals through (`--allow-license-removals`): see MASS_REMOVAL. */
  readonly allowLicenseRemovals?: boolean;
  /**
   * `preview` answers whether the plan may be shown as what will happen: only the checks a read-only
   * identity passes (same tenant, same policy, no error that blocks the whole plan). Default `apply`.
   */
  readonly purpose?: 'apply' | 'preview';
}

/**
 * The one rule for whether a plan may be applied (docs/reconciliation.md §9, §10): what was reviewed
 * runs only while it is still true — same tenant, same policy, and a fresh plan would change every
 * principal it touches in the same way — and any plan only with credentials that can make its
 * changes, and within `maxChanges`. The CLI, the library's `applySavedPlan` and the Pulumi provider
 * all ask here.
 */
export function gateApply(input: ApplyGateInput): ApplyGate {
  const { fresh, reviewed } = input;
  const refuse = (code: RefusalCode, reason: string): ApplyRefusal => ({ kind: 'refused', code, reason });
  const blockers = input.purpose === 'preview' ? fresh.applyBlockers.filter((d) => d.severity === 'error') : fresh.applyBlockers;
  const credentials = (): ApplyRefusal => {
    const what = blockers.some((d) => d.code === 'tenant-mismatch') ? 'the credentials reach another tenant' : 'these credentials cannot make the plan\'s changes';
    return refuse('credentials', `${what}:\n${blockers.map((d) => `  ${d.code}  ${d.message}`).join('\n')}`);
  };
  // The tenant the credentials reach. A plan the permission preflight stopped read nothing: its
  // tenant is only what the policy declares and its changes are none, so nothing can be compared
  // with what was reviewed, and the missing permission is the answer.
  const reached = fresh.observed?.tenantId;
  if (reached === undefined && blockers.length > 0) return credentials();
  const expectedTenant = reviewed?.kind === 'saved-plan' ? reviewed.plan.tenantId : reviewed?.tenantId;
  if (reviewed && expectedTenant !== undefined && reached !== undefined && expectedTenant.toLowerCase() !== reached.toLowerCase()) {
    return refuse('other-tenant', `${reviewed.name} is for tenant ${expectedTenant}, but the credentials reach ${reached}`);
  }
  const expectedDigest = reviewed?.kind === 'saved-plan' ? reviewed.plan.policyDigest : reviewed?.policyDigest;
  if (reviewed && expectedDigest !== undefined && expectedDigest !== fresh.plan.policyDigest) {
    const compared = input.policySource === undefined ? '' : `: compared with ${input.policySource}; pass --policy PATH to compare with another, or`;
    return refuse('policy-changed', `the policy changed since ${reviewed.name} was made (its digest differs)${compared === '' ? ';' : compared} run plan again`);
  }
  // Like with like: a partial plan (--only) is checked against a fresh plan of the same principals.
  if (reviewed?.kind === 'saved-plan' && !sameSelection(reviewed.plan.only, fresh.plan.only)) {
    return refuse('stale-plan', `${reviewed.name} covers ${describeSelection(reviewed.plan.only)}, but the fresh plan covers ${describeSelection(fresh.plan.only)}; apply a saved plan with the --only it was made with (or none), or run plan again`);
  }
  // Defence in depth (docs/reconciliation.md): the planner makes no change for a protected principal, so
  // a change for one was not made by this policy's planner; no option lets it through.
  const touched = protectedTouched(reviewed?.kind === 'saved-plan' ? reviewed.plan.changes : fresh.plan.changes, fresh.plan.protectedPrincipals ?? [], fresh.observed);
  if (touched.length > 0) {
    const source = reviewed?.kind === 'saved-plan' ? reviewed.name : 'the plan';
    return refuse('protected', `${source} changes ${touched.join(', ')}, which the policy protects (protected: true or defaults.protected): tenantctl never writes to ${touched.length === 1 ? 'it' : 'them'}; run plan again`);
  }
  const compared = reviewed?.kind === 'saved-plan' ? compareWithFresh(reviewed.plan, fresh.plan, fresh.observed) : { stale: [], done: new Set<Change>() };
  if (compared.stale.length > 0) return refuse('stale-plan', `plan is stale: ${compared.stale.join(', ')} changed since it was made; run plan again`);
  // Apply checks its own credentials (the fresh plan's): a plan made by a read-only identity carries these as warnings.
  if (blockers.length > 0) return credentials();
  // A saved plan's changes run exactly as reviewed (the stale check proved a fresh plan makes the
  // same ones); what blocks a principal is never taken from the file: the fresh plan's diagnostics are.
  const whole = reviewed?.kind === 'saved-plan' ? withoutDone({ ...reviewed.plan, diagnostics: fresh.plan.diagnostics }, compared.done) : fresh.plan;
  const plan = input.principal === undefined ? whole : shareOfPlan(whole, input.principal);
  if (input.purpose !== 'preview' && input.maxChanges !== undefined && plan.changes.length > input.maxChanges) {
    return refuse('too-many-changes', `the plan has ${plan.changes.length} changes, more than --max-changes ${input.maxChanges}`);
  }
  const removing = new Set(plan.changes.filter(removesLicenses).map((c) => c.userPrincipalName.toLowerCase())).size;
  const limit = massRemovalLimit(fresh.declaredPrincipals);
  if (input.purpose !== 'preview' && !input.allowLicenseRemovals && removing > limit) {
    return refuse('mass-removal', `the plan removes licenses from ${removing} of the ${fresh.declaredPrincipals} principals the policy declares, more than ${limit}; review it, then apply with --allow-license-removals`);
  }
  return { kind: 'go', plan, done: [...compared.done].map((change) => ({ change, status: 'applied', note: ALREADY_DONE })) };
}

/**
 * The second guard against a plan that takes much away (docs/reconciliation.md §9): license removals
 * (pruneLicenses: direct ones, and memberships of licensing groups) from more than 10 principals and more than a tenth of those declared need an
 * explicit allowance, even without `--max-changes`.
 */
const MASS_REMOVAL = { principals: 10, share: 0.1 } as const;

/** A change that takes licenses away: a direct removal, or leaving a licensing group. */
function removesLicenses(change: Change): boolean {
  return change.action === 'remove-licenses' || change.action === 'remove-group-member';
}

function massRemovalLimit(declared: number): number {
  return Math.max(MASS_REMOVAL.principals, Math.floor(declared * MASS_REMOVAL.share));
}

/** How a change the tenant already shows as made is reported: applied, by an earlier run. */
const ALREADY_DONE = 'already done: the tenant shows it';

/**
 * The outcome of the whole reviewed plan: the changes found done and the outcomes of the rest, in
 * the reviewed plan's order; `plan` is the reviewed plan, with the gate's diagnostics.
 */
export function wholeOutcome(gate: Extract<ApplyGate, { kind: 'go' }>, outcomes: readonly ChangeOutcome[], reviewed: Plan): { readonly plan: Plan; readonly outcomes: readonly ChangeOutcome[] } {
  if (gate.done.length === 0) return { plan: gate.plan, outcomes };
  const order = new Map(reviewed.changes.map((c, i) => [c, i]));
  const all = [...gate.done, ...outcomes].sort((a, b) => (order.get(a.change) ?? 0) - (order.get(b.change) ?? 0));
  return { plan: { ...gate.plan, changes: reviewed.changes, summary: reviewed.summary }, outcomes: all };
}

/** The plan without the changes the tenant already shows as made. */
function withoutDone(plan: Plan, done: ReadonlySet<Change>): Plan {
  if (done.size === 0) return plan;
  const changes = plan.changes.filter((c) => !done.has(c));
  return { ...plan, changes, summary: summarise(changes, plan.protectedPrincipals ?? []) };
}

/** One principal's share of a plan, as a plan: its changes and its own diagnostics. */
function shareOfPlan(plan: Plan, principal: string): Plan {
  const share = PlanByPrincipal.of(plan).shareOf(principal);
  return { ...plan, changes: share.changes, diagnostics: share.diagnostics, summary: summarise(share.changes, plan.protectedPrincipals ?? []) };
}

/**
 * A saved set-manager that names its manager's object must name the one the fresh plan does: apply
 * writes that id, and the UPN may belong to another object by now. One that names none (the plan
 * created the manager) matches whatever object the manager is now.
 */
function sameManagerObject(saved: Change, fresh: Change): boolean {
  if (saved.action !== 'set-manager' || fresh.action !== 'set-manager' || saved.details.toObjectId === undefined) return true;
  return saved.details.toObjectId.toLowerCase() === fresh.details.toObjectId?.toLowerCase();
}

/**
 * The saved plan against a fresh one, principal by principal. A principal is stale when the fresh
 * plan would change it in a way the saved plan does not (the tenant, or the policy's meaning for it,
 * changed since the plan was made), when the fresh plan has errors for it, or when a saved change
 * the fresh plan no longer needs is not what the tenant shows (someone else changed it otherwise).
 * Otherwise each such change is done — the tenant shows its "after", as after an interrupted apply of
 * this plan — and running the rest finishes the reviewed plan. A saved change that names no object
 * (its user is created by the plan) matches the fresh change for whichever object the user is now.
 */
function compareWithFresh(saved: Plan, fresh: Plan, observed: ObservedTenant | undefined): { readonly stale: string[]; readonly done: Set<Change> } {
  const now = PlanByPrincipal.of(fresh);
  const stale: string[] = [];
  const done = new Set<Change>();
  for (const group of groupByPrincipal(saved.changes)) {
    const share = now.shareOf(group.userPrincipalName);
    // Each fresh change's keys, computed once: with its object, and without.
    const unmatched = new Map(share.changes.map((c) => [c, { withObject: changeIdentity(c), withoutObject: changeIdentity(c, false) }]));
    const missing: Change[] = [];
    for (const change of group.changes) {
      const withObject = 'objectId' in change && change.objectId !== undefined;
      const key = changeIdentity(change, withObject);
      const match = [...unmatched].find(([fresh, keys]) => (withObject ? keys.withObject : keys.withoutObject) === key && sameManagerObject(change, fresh))?.[0];
      if (match) unmatched.delete(match);
      else missing.push(change);
    }
    const unexpected = unmatched.size > 0;
    const blocked = share.diagnostics.some((d) => d.severity === 'error');
    // A change the fresh plan no longer needs is done only when the tenant shows its "after".
    const madeByOthers = missing.some((change) => observed === undefined || !tenantShows(change, observed));
    if (unexpected || (missing.length > 0 && (blocked || madeByOthers))) stale.push(group.userPrincipalName);
    else for (const change of missing) done.add(change);
  }
  return { stale: stale.sort(), done };
}
