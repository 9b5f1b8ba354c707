import type { ChangeAction } from '../domain/plan.ts';
import { ACTION_ORDER } from '../domain/plan.ts';
import { canonicalDiagnostic, changeIdentity } from '../domain/plan-format.ts';
import type { ChangeOutcome } from '../domain/outcome.ts';
import type { ApplyReport } from './apply-report.ts';
import { blockingErrors } from './apply-report.ts';

/** The version of `tenantctl apply --format json`'s document; readers must reject one they do not know. */
export const APPLY_FORMAT_VERSION = 1;

/**
 * `tenantctl apply --format json` (docs/cli-reference.md §4): one document for pipelines, with the
 * outcome of every change in plan order, counts, and the plan's errors (what apply left alone).
 * Every object is built here key by key, so the key order is fixed whatever order the engine built
 * its objects in, and nothing is copied wholesale: a change's `details` (and anything a future
 * change might carry, such as a new user's password) never reaches the output. 2-space indent,
 * trailing newline, as the plan's JSON.
 */
export function renderApplyJson(report: ApplyReport): string {
  const json = {
    formatVersion: APPLY_FORMAT_VERSION,
    tenantId: report.plan.tenantId,
    outcomes: report.outcomes.map(outcomeJson),
    summary: summaryJson(report.outcomes),
    blocked: blockingErrors(report.plan).map(canonicalDiagnostic),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

function outcomeJson(outcome: ChangeOutcome): Record<string, unknown> {
  const json = { ...changeIdentity(outcome.change), status: outcome.status };
  switch (outcome.status) {
    case 'applied':
      return { ...json, requestId: outcome.requestId ?? null, ...(outcome.note === undefined ? {} : { note: outcome.note }) };
    case 'failed': {
      const { status, code, message, requestId } = outcome.error;
      return { ...json, error: { status, code, message, requestId } };
    }
    case 'skipped':
      return { ...json, reason: outcome.reason };
  }
}

/** Applied changes per action (actions that occur, in plan order), then the failed and skipped counts. */
function summaryJson(outcomes: readonly ChangeOutcome[]): Record<string, unknown> {
  const applied: Partial<Record<ChangeAction, number>> = {};
  for (const action of ACTION_ORDER) {
    const count = outcomes.filter((o) => o.status === 'applied' && o.change.action === action).length;
    if (count > 0) applied[action] = count;
  }
  return {
    applied,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    skipped: outcomes.filter((o) => o.status === 'skipped').length,
  };
}
