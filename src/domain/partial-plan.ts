import type { Diagnostic } from './diagnostics.ts';
import type { Change, Plan } from './plan.ts';
import { summarise } from './plan.ts';
import { PlanByPrincipal } from './principal-changes.ts';
import { closestMatches } from './suggest.ts';
import { normaliseUserPrincipalName, splitUserPrincipalName } from './upn.ts';

/**
 * A partial plan (`--only UPN`, docs/cli-reference.md §3): the plan is made for the whole policy —
 * seats are counted across every declared principal, so a partial apply never takes a seat the full
 * plan gives to someone else — and then only the named principals' changes and diagnostics are kept.
 * This module is the one home of that selection; the engine (src/engine/reconcile.ts) applies it.
 */

/**
 * The `--only` list as a plan records it: lower case, sorted, each once. Undefined for none (a whole
 * plan): an empty `--only` list selects nothing and is no selection.
 */
export function onlySelection(only: readonly string[] | undefined): readonly string[] | undefined {
  if (only === undefined || only.length === 0) return undefined;
  return [...new Set(only.map(normaliseUserPrincipalName))].sort();
}

/** Whether two plans cover the same principals: both whole, or partial for the same list. */
export function sameSelection(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = onlySelection(a);
  const y = onlySelection(b);
  if (x === undefined || y === undefined) return x === y;
  return x.length === y.length && x.every((upn, i) => upn === y[i]);
}

/** How a selection reads in a message: "the whole policy", or "only a@x, b@y (--only)". */
export function describeSelection(only: readonly string[] | undefined): string {
  const selection = onlySelection(only);
  return selection === undefined ? 'the whole policy' : `only ${selection.join(', ')} (--only)`;
}

/**
 * An `undeclared-principal` error for each `--only` UPN the policy does not declare, with the closest
 * declared UPNs as suggestions. None when every one is declared.
 */
export function checkSelection(only: readonly string[], declared: readonly string[]): Diagnostic[] {
  const known = new Set(declared.map(normaliseUserPrincipalName));
  const diagnostics: Diagnostic[] = [];
  for (const upn of onlySelection(only) ?? []) {
    if (known.has(upn)) continue;
    const close = closeUpns(upn, declared);
    const hint = close.length > 0 ? `; did you mean ${close.join(' or ')}?` : '; --only takes the userPrincipalName of a declared user or mailbox';
    diagnostics.push({
      severity: 'error',
      code: 'undeclared-principal',
      userPrincipalName: upn,
      message: `--only ${upn}: the policy declares no such principal, so there is nothing to plan for it${hint}`,
    });
  }
  return diagnostics;
}

/** The changes of the `--only` principals, in plan order. */
export function selectedChanges(changes: readonly Change[], only: readonly string[]): readonly Change[] {
  const index = PlanByPrincipal.of({ changes, diagnostics: [] });
  const kept = new Set((onlySelection(only) ?? []).flatMap((upn) => index.shareOf(upn).changes));
  return onlySelection(only) === undefined ? changes : changes.filter((c) => kept.has(c));
}

/**
 * The declared UPNs closest to `upn`: by local part among those of its domain (a shared domain would
 * make every UPN look close), else by the whole UPN (a mistyped domain).
 */
function closeUpns(upn: string, declared: readonly string[]): string[] {
  const { localPart, domain } = splitUserPrincipalName(upn);
  const sameDomain = declared.filter((d) => splitUserPrincipalName(normaliseUserPrincipalName(d)).domain === domain);
  if (sameDomain.length === 0) return closestMatches(upn, declared);
  const byLocal = new Map(sameDomain.map((d) => [splitUserPrincipalName(normaliseUserPrincipalName(d)).localPart, d]));
  return closestMatches(localPart, byLocal.keys()).map((local) => byLocal.get(local) ?? local);
}

/**
 * The plan's share for the `--only` principals: their changes and diagnostics, plus the diagnostics
 * about no principal (they concern the whole plan), and a `partial-plan` warning first that says how
 * many declared principals (and how many of the full plan's changes) were left out. `declared` is how
 * many principals the policy declares. Protected principals stay listed: the gate refuses a change for
 * any of them, whatever the selection.
 */
export function partialPlan(plan: Plan, only: readonly string[], declared: number): Plan {
  const selection = onlySelection(only);
  if (selection === undefined) return plan;
  const index = PlanByPrincipal.of(plan);
  const shares = selection.map((upn) => index.shareOf(upn));
  const changes = new Set(shares.flatMap((s) => s.changes));
  const diagnostics = new Set(shares.flatMap((s) => s.diagnostics));
  const kept = plan.changes.filter((c) => changes.has(c));
  const leftOut = Math.max(0, declared - selection.length);
  const changesLeftOut = plan.changes.length - kept.length;
  const warning: Diagnostic = {
    severity: 'warning',
    code: 'partial-plan',
    message:
      `this plan is partial (--only): it covers ${selection.length} of the ${declared} principals the policy declares and leaves ${leftOut} out` +
      `${changesLeftOut > 0 ? `, with ${changesLeftOut} change${changesLeftOut === 1 ? '' : 's'} a full plan would make` : ''}; ` +
      'seats were counted across the whole policy. Run plan without --only for the rest',
  };
  return {
    ...plan,
    only: selection,
    changes: kept,
    diagnostics: [warning, ...plan.diagnostics.filter((d) => d.userPrincipalName === undefined || diagnostics.has(d))],
    summary: summarise(kept, plan.protectedPrincipals ?? []),
  };
}
