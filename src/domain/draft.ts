import type { DesiredPrincipal } from './desired.ts';
import type { LicenseDelta } from './license-plan.ts';
import type {
  Change,
  CreateUserChange,
  GroupMemberChange,
  PlannedLicense,
  RestoreUserChange,
  SetManagerChange,
  SetUsageLocationChange,
  SignInChange,
  UpdateAttributesChange,
} from './plan.ts';
import { ACTION_ORDER } from './plan.ts';

/** A new membership of a licensing group, with the SKUs it takes a seat of (those the user does not hold yet). */
export interface PlannedMembership {
  readonly change: GroupMemberChange;
  readonly seats: readonly string[];
}

/** The declared manager (a UPN, or null for none) and the one the object has now (its id, or null). */
export interface ManagerIntent {
  readonly to: string | null;
  readonly currentId: string | null;
}

/** One principal's planned work before managers are resolved and seats are counted across the plan. */
export interface PrincipalDraft {
  readonly principal: DesiredPrincipal;
  /** Planned as usual, but reported as drift and never changed (docs/reconciliation.md, "Protected principals"). */
  readonly protected: boolean;
  readonly objectId?: string;
  readonly restore?: RestoreUserChange;
  readonly create?: CreateUserChange;
  readonly attributes?: UpdateAttributesChange;
  /** Absent when the policy does not manage the manager, or the tenant's was not read. */
  readonly manager?: ManagerIntent;
  /** Set by the manager pass, once every principal's draft is known. */
  setManager?: SetManagerChange;
  /** Set only so that licenses can be assigned: dropped when seats leave nothing to add. */
  readonly usage?: SetUsageLocationChange;
  add: PlannedLicense[];
  readonly remove: LicenseDelta['remove'];
  /** Memberships to add; seats may drop some. */
  join: PlannedMembership[];
  readonly leave: readonly GroupMemberChange[];
  readonly signIn?: SignInChange;
}

/** A draft's changes, in the order they run (ACTION_ORDER). */
export function changesOf(draft: PrincipalDraft): Change[] {
  const upn = draft.principal.userPrincipalName;
  const objectId = draft.objectId;
  const idPart = objectId === undefined ? {} : { objectId };
  const changes: Change[] = [];
  if (draft.restore) changes.push(draft.restore);
  if (draft.create) changes.push(draft.create);
  if (draft.attributes) changes.push(draft.attributes);
  if (draft.setManager) changes.push(draft.setManager);
  if (draft.add.length > 0 && draft.usage) changes.push(draft.usage);
  if (draft.add.length > 0) {
    const names = draft.add.map((l) => l.skuPartNumber).join(', ');
    changes.push({ action: 'assign-licenses', userPrincipalName: upn, ...idPart, reason: `the policy declares ${names}`, details: { add: draft.add } });
  }
  for (const membership of draft.join) changes.push(membership.change);
  if (draft.remove.length > 0 && objectId !== undefined) {
    changes.push({ action: 'remove-licenses', userPrincipalName: upn, objectId, reason: 'pruneLicenses: direct licenses the policy does not list are removed', details: { remove: draft.remove } });
  }
  changes.push(...draft.leave);
  if (draft.signIn) changes.push(draft.signIn);
  return changes.sort((a, b) => ACTION_ORDER.indexOf(a.action) - ACTION_ORDER.indexOf(b.action));
}
