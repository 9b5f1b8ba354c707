import type { ChangeAction } from '../domain/plan.ts';
import { ACTION_ORDER } from '../domain/plan.ts';
import type { ChangeOutcome } from '../domain/outcome.ts';
import type { ApplyReport } from './apply-report.ts';
import { blockingErrors } from './apply-report.ts';
import { printable } from './plan-text.ts';

/**
 * `tenantctl apply` for people (docs/cli-reference.md §4). Three parts, which the CLI writes in this
 * order: `failures` (stderr), `summary` (stdout: the result), `blocked` (stderr: the closing note on
 * why the run exits 1 although everything it tried applied). Each part is empty or whole lines.
 */
export interface ApplyTextView {
  /** One line per failed change (Graph's code, message and request id) and per skipped change (why); control characters escaped. */
  readonly failures: string;
  /** The summary line (summariseOutcomes) or, for a plan without changes, "Nothing to apply." */
  readonly summary: string;
  /** "N errors in the plan: what they name was not applied." when the plan held errors. */
  readonly blocked: string;
}

/**
 * With nothing to apply there is only "Nothing to apply.": the plan's errors were shown with the
 * plan (the preview, or the reviewed saved plan).
 */
export function renderApplyText(report: ApplyReport): ApplyTextView {
  if (report.plan.changes.length === 0) return { failures: '', summary: 'Nothing to apply.\n', blocked: '' };
  const errors = blockingErrors(report.plan).length;
  return {
    failures: report.outcomes.map(failureLine).join(''),
    summary: `${summariseOutcomes(report.outcomes)}\n`,
    blocked: errors === 0 ? '' : `${errors} error${errors === 1 ? '' : 's'} in the plan: what they name was not applied.\n`,
  };
}

/**
 * One change and its outcome, as it lands (`apply` without a terminal: a pipeline's log, docs/cli-reference.md
 * §4): `applied  restore-user  dave@contoso.com  (request-id …)`, with the note and "no request id"
 * for a step an earlier run had done; failed and skipped changes as in `failures`. Control characters escaped.
 */
export function renderOutcomeLine(outcome: ChangeOutcome): string {
  if (outcome.status !== 'applied') return failureLine(outcome);
  const { action, userPrincipalName } = outcome.change;
  const id = outcome.requestId ? `request-id ${printable(outcome.requestId)}` : 'no request id';
  return `applied  ${action}  ${printable(userPrincipalName)}  (${outcome.note ? `${printable(outcome.note)}; ` : ''}${id})\n`;
}

function failureLine(outcome: ChangeOutcome): string {
  const { action, userPrincipalName } = outcome.change;
  switch (outcome.status) {
    case 'applied':
      return '';
    case 'failed': {
      const { code, message, requestId } = outcome.error;
      return `failed  ${action}  ${printable(userPrincipalName)}: ${printable(code)}: ${printable(message)}${requestId ? ` (request-id ${printable(requestId)})` : ''}\n`;
    }
    case 'skipped':
      return `skipped  ${action}  ${printable(userPrincipalName)}: ${printable(outcome.reason)}\n`;
  }
}

/** What the summary line calls the applied changes of each action: for one, and for several. */
const APPLIED_WORDS: Readonly<Record<ChangeAction, readonly [string, string]>> = {
  'restore-user': ['restored', 'restored'],
  'create-user': ['created', 'created'],
  'update-attributes': ['updated', 'updated'],
  'set-manager': ['manager set', 'managers set'],
  'set-usage-location': ['usage location set', 'usage locations set'],
  'assign-licenses': ['licensed', 'licensed'],
  'add-group-member': ['added to a group', 'added to groups'],
  'remove-licenses': ['unlicensed', 'unlicensed'],
  'remove-group-member': ['removed from a group', 'removed from groups'],
  'enable-sign-in': ['enabled', 'enabled'],
  'block-sign-in': ['blocked', 'blocked'],
};

/**
 * "Apply complete: 3 restored, 5 licensed, 1 blocked, 1 failed." (no newline): applied changes per
 * action in plan order, then the failed and skipped ones; "Apply complete: nothing to do." for none.
 */
export function summariseOutcomes(outcomes: readonly ChangeOutcome[]): string {
  const count = (matches: (o: ChangeOutcome) => boolean): number => outcomes.filter(matches).length;
  const parts = [
    ...ACTION_ORDER.map((action) => {
      const n = count((o) => o.status === 'applied' && o.change.action === action);
      return [n, APPLIED_WORDS[action][n === 1 ? 0 : 1]] as const;
    }),
    [count((o) => o.status === 'failed'), 'failed'] as const,
    [count((o) => o.status === 'skipped'), 'skipped'] as const,
  ].filter(([n]) => n > 0).map(([n, word]) => `${n} ${word}`);
  return parts.length === 0 ? 'Apply complete: nothing to do.' : `Apply complete: ${parts.join(', ')}.`;
}
