import type { Change } from './plan.ts';
import { canonicalChange } from './plan-format.ts';

/**
 * A change's identity: the same change in two plans made at different times. No reason, no countdown (days
 * left shrink while nothing changes), and no manager's id (the manager is named by its UPN; a saved plan has no
 * id for a manager the plan creates, a fresh plan after an interrupted apply does). `withObject` false leaves
 * out the object id too: a saved change for a user the plan creates names none, and the fresh plan names the
 * created user. The apply gate compares saved and fresh plans by it; watch tells new drift from drift seen.
 */
export function changeIdentity(change: Change, withObject = true): string {
  const { reason: _reason, details, objectId, ...rest } = canonicalChange(change);
  const { daysLeft: _daysLeft, toObjectId: _toObjectId, ...kept } = details as Record<string, unknown>;
  return JSON.stringify({ ...rest, ...(withObject && objectId !== undefined ? { objectId } : {}), details: kept });
}
