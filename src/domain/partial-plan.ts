import type { Diagnostic } from './diagnostics.ts';
import type { Change, Plan, SetManagerChange } from './plan.ts';
import { summarise } from './plan.ts';
import { PlanByPrincipal, restoredUnderOwnName } from './principal-changes.ts';
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

/**
 * The changes of the `--only` principals, in plan order: the selection partialPlan makes (without a
 * `set-manager` whose manager only a left-out principal's changes bring into being; see selectChanges).
 */
export function selectedChanges(changes: readonly Change[], only: readonly string[]): readonly Change[] {
  const selection = onlySelection(only);
  return selection === undefined ? changes : selectChanges(changes, selection).kept;
}

/** A `set-manager` a partial plan drops: its manager is restored or created by a left-out principal's changes. */
interface DroppedManager {
  readonly change: SetManagerChange;
  readonly manager: string;
  readonly how: 'restores' | 'creates';
}

/**
 * The one home of which changes a partial plan keeps: the selected principals' changes, except a
 * `set-manager` whose manager the full plan restores or creates outside the selection. Such a change
 * names an object that is still deleted (the restored one's id) or not yet there (a UPN to create), so
 * apply could only fail on it; it is dropped, and partialPlan says why.
 */
function selectChanges(
  changes: readonly Change[],
  selection: readonly string[],
  index = PlanByPrincipal.of({ changes, diagnostics: [] }),
): { readonly kept: readonly Change[]; readonly dropped: readonly DroppedManager[] } {
  const chosen = new Set(selection);
  const selected = new Set(selection.flatMap((upn) => index.shareOf(upn).changes));
  // Principals a left-out share brings into being under their own UPN.
  const comingOutside = new Map<string, 'restores' | 'creates'>();
  for (const change of changes) {
    const upn = normaliseUserPrincipalName(change.userPrincipalName);
    if (chosen.has(upn)) continue;
    if (change.action === 'create-user') comingOutside.set(upn, 'creates');
    else if (change.action === 'restore-user' && restoredUnderOwnName(change)) comingOutside.set(upn, 'restores');
  }
  const kept: Change[] = [];
  const dropped: DroppedManager[] = [];
  for (const change of changes) {
    if (!selected.has(change)) continue;
    const manager = change.action === 'set-manager' ? change.details.to : null;
    const how = manager === null ? undefined : comingOutside.get(normaliseUserPrincipalName(manager));
    if (change.action === 'set-manager' && manager !== null && how !== undefined) dropped.push({ change, manager, how });
    else kept.push(change);
  }
  return { kept, dropped };
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
 *
 * Two things of the full plan would otherwise fail a partial one for principals it leaves out: the
 * SKU-wide `seat-shortfall` error is kept as an error only when a selected principal is short of a seat
 * itself (else it is a warning that says it concerns others), and a `set-manager` whose manager a
 * left-out principal's changes restore or create is dropped with a `partial-plan` warning for that
 * principal, naming the manager to add with `--only`.
 */
export function partialPlan(plan: Plan, only: readonly string[], declared: number): Plan {
  const selection = onlySelection(only);
  if (selection === undefined) return plan;
  const index = PlanByPrincipal.of(plan);
  const shares = selection.map((upn) => index.shareOf(upn));
  const diagnostics = new Set(shares.flatMap((s) => s.diagnostics));
  const { kept, dropped } = selectChanges(plan.changes, selection, index);
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
  const shortOfSeats = [...diagnostics].some((d) => d.code === 'seat-shortfall');
  const keptDiagnostics = plan.diagnostics.flatMap((d): Diagnostic[] => {
    if (d.userPrincipalName !== undefined) return diagnostics.has(d) ? [d] : [];
    return [shortOfSeats ? d : outsideSelection(d)];
  });
  return {
    ...plan,
    only: selection,
    changes: kept,
    diagnostics: [warning, ...keptDiagnostics, ...dropped.map(managerLeftOut)],
    summary: summarise(kept, plan.protectedPrincipals ?? []),
  };
}

/** The SKU-wide seat-shortfall error, when no selected principal is short of a seat: a warning about the others. */
function outsideSelection(diagnostic: Diagnostic): Diagnostic {
  if (diagnostic.code !== 'seat-shortfall' || diagnostic.severity !== 'error') return diagnostic;
  return { ...diagnostic, severity: 'warning', message: `${diagnostic.message} (this concerns principals outside this partial plan: none of those it covers is short of a seat)` };
}

function managerLeftOut({ change, manager, how }: DroppedManager): Diagnostic {
  return {
    severity: 'warning',
    code: 'partial-plan',
    userPrincipalName: change.userPrincipalName,
    message: `its manager ${manager} is not set: the full plan ${how} ${manager}, and this partial plan leaves it out. Add --only ${manager} to set the manager in the same apply`,
  };
}
