import type { Diagnostic } from './diagnostics.ts';
import type { Change, RestoreUserChange } from './plan.ts';
import { normaliseUserPrincipalName } from './upn.ts';

/**
 * A plan seen per principal: the one home of "which changes and diagnostics are this principal's" and
 * "which object the principal is once its changes are applied". Apply, the apply gate, the Pulumi
 * provider and the renderers all read a plan this way.
 */

export interface PrincipalChanges {
  /** As the plan spells it (the first change's spelling). */
  readonly userPrincipalName: string;
  /** In plan order, which is the order they run in (ACTION_ORDER). */
  readonly changes: readonly Change[];
}

/** Changes by principal (UPNs compared case-insensitively), principals in order of their first change. */
export function groupByPrincipal(changes: readonly Change[]): readonly PrincipalChanges[] {
  const groups = new Map<string, { userPrincipalName: string; changes: Change[] }>();
  for (const change of changes) {
    const key = normaliseUserPrincipalName(change.userPrincipalName);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { userPrincipalName: change.userPrincipalName, changes: [change] });
    else group.changes.push(change);
  }
  return [...groups.values()];
}

export interface PrincipalShare {
  readonly changes: readonly Change[];
  readonly diagnostics: readonly Diagnostic[];
}

type PlanParts = { readonly changes: readonly Change[]; readonly diagnostics: readonly Diagnostic[] };

const indexed = new WeakMap<PlanParts, PlanByPrincipal>();

/** Each principal's changes and diagnostics, looked up by `shareOf`. */
export class PlanByPrincipal {
  readonly #shares = new Map<string, { changes: Change[]; diagnostics: Diagnostic[] }>();

  /** The index of this plan object, made once however often it is asked for (10,000 Pulumi resources each ask). */
  static of(plan: PlanParts): PlanByPrincipal {
    let index = indexed.get(plan);
    if (!index) indexed.set(plan, (index = new PlanByPrincipal(plan)));
    return index;
  }

  constructor(plan: PlanParts) {
    for (const group of groupByPrincipal(plan.changes)) this.#entry(group.userPrincipalName).changes.push(...group.changes);
    for (const diagnostic of plan.diagnostics) {
      if (diagnostic.userPrincipalName !== undefined) this.#entry(diagnostic.userPrincipalName).diagnostics.push(diagnostic);
    }
  }

  /** The principal's changes and diagnostics (none when the plan leaves it alone). */
  shareOf(userPrincipalName: string): PrincipalShare {
    return this.#shares.get(normaliseUserPrincipalName(userPrincipalName)) ?? { changes: [], diagnostics: [] };
  }

  #entry(userPrincipalName: string): { changes: Change[]; diagnostics: Diagnostic[] } {
    const key = normaliseUserPrincipalName(userPrincipalName);
    let found = this.#shares.get(key);
    if (!found) this.#shares.set(key, (found = { changes: [], diagnostics: [] }));
    return found;
  }
}

/** The object a principal is once its changes are applied. */
export type ObjectAfterChanges =
  /** An object that exists now (its id as the plan spells it): the active user, or the deleted one being restored. */
  | { readonly kind: 'existing'; readonly id: string }
  /** A user the changes create; its id is known only once created. */
  | { readonly kind: 'new' }
  /** The changes do not say (the principal has none, or only a restore under another name). */
  | undefined;

/**
 * Which object a principal's changes end on: a created user; else the object the later steps name (the
 * planner gives them the restored object's or the active user's id); else the restored object when it
 * comes back under its own name. A restore under another name (onUpnConflict: rename) leaves the UPN
 * with whoever holds it now, so the changes alone do not say.
 */
export function objectAfterChanges(changes: readonly Change[]): ObjectAfterChanges {
  if (changes.some((c) => c.action === 'create-user')) return { kind: 'new' };
  for (const change of changes) {
    if (change.action !== 'restore-user' && change.action !== 'create-user' && change.objectId !== undefined) return { kind: 'existing', id: change.objectId };
  }
  const restore = changes.find((c) => c.action === 'restore-user');
  if (restore && restoredUnderOwnName(restore)) return { kind: 'existing', id: restore.objectId };
  return undefined;
}

/**
 * Whether a restore brings the object back under the principal's own UPN: with no new UPN, or with the
 * principal's own as the new one (a deleted user found by its address is restored under the declared
 * UPN). Not so for onUpnConflict: rename, which leaves the UPN with whoever holds it now.
 */
export function restoredUnderOwnName(restore: RestoreUserChange): boolean {
  const renamed = restore.details.newUserPrincipalName;
  return renamed === undefined || normaliseUserPrincipalName(renamed) === normaliseUserPrincipalName(restore.userPrincipalName);
}
