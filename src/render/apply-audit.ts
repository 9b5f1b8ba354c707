import type { ChangeOutcome } from '../domain/outcome.ts';
import { changeIdentity } from '../domain/plan-format.ts';

/**
 * One line of the audit log (`apply --audit-log FILE`, docs/cli-reference.md §11): the time the
 * outcome was known, which change (action, principal, object), its outcome, and for an applied
 * change Graph's request id of the write that made it (null, with the note, for a step an earlier
 * run had done: no write of this run made it); for a failure Graph's code, message and request id
 * (null when no answer came); for a skip the reason and a null request id (nothing was sent). Every
 * line has `requestId`. One JSON object and a newline.
 * Fields are picked by name: never a change's details, a password or a token.
 */
export function renderAuditLine(outcome: ChangeOutcome, time: string): string {
  return `${JSON.stringify({
    time,
    ...changeIdentity(outcome.change),
    outcome: outcome.status,
    ...(outcome.status === 'failed' ? { code: outcome.error.code, message: outcome.error.message, requestId: outcome.error.requestId } : {}),
    ...(outcome.status === 'skipped' ? { reason: outcome.reason, requestId: null } : {}),
    ...(outcome.status === 'applied' ? { requestId: outcome.requestId ?? null, ...(outcome.note ? { note: outcome.note } : {}) } : {}),
  })}\n`;
}
