import { restoredUnderOwnName } from './principal-changes.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { PrincipalDraft } from './draft.ts';
import type { ObservedUser } from './observed.ts';
import type { SetManagerChange } from './plan.ts';
import type { TenantIndex } from './tenant-index.ts';

/**
 * Managers, once every principal is drafted (docs/reconciliation.md, "Attributes"): a declared manager
 * is an active user, or a principal this plan restores under its own UPN or creates. Otherwise the
 * principal gets `manager-not-found` and none of its changes; that may take a manager away from
 * another principal in turn, so this repeats until nothing more is dropped.
 */
export function planManagers(drafts: readonly PrincipalDraft[], index: TenantIndex, users: readonly ObservedUser[], declared: ReadonlySet<string>, diagnostics: Diagnostic[]): PrincipalDraft[] {
  if (!drafts.some((d) => d.manager !== undefined)) return [...drafts];
  let kept = [...drafts];
  const reported = new Set<string>();
  for (;;) {
    const planned = plannedObjects(kept, index);
    const missing = kept.filter((d) => !d.protected && typeof d.manager?.to === 'string' && !index.activeByUpn.has(d.manager.to) && !planned.has(d.manager.to));
    for (const draft of kept) {
      const to = draft.manager?.to;
      const upn = draft.principal.userPrincipalName;
      if (typeof to !== 'string' || index.activeByUpn.has(to) || planned.has(to) || reported.has(upn)) continue;
      reported.add(upn);
      diagnostics.push({ severity: 'error', code: 'manager-not-found', userPrincipalName: upn, message: notFoundMessage(to, index, declared) });
    }
    if (missing.length === 0) break;
    kept = kept.filter((d) => !missing.includes(d));
  }
  const planned = plannedObjects(kept, index);
  const names = activeNames(kept, users);
  for (const draft of kept) {
    const change = managerChange(draft, index, planned, names);
    if (change) draft.setManager = change;
  }
  return kept;
}

/** Principals this plan brings into being under their own UPN: restored (with the id) or created (no id yet). Protected ones are left alone, so they are not. */
function plannedObjects(drafts: readonly PrincipalDraft[], index: TenantIndex): ReadonlyMap<string, { readonly id?: string }> {
  const planned = new Map<string, { readonly id?: string }>();
  for (const draft of drafts) {
    const upn = draft.principal.userPrincipalName;
    if (draft.protected || index.activeByUpn.has(upn)) continue;
    if (draft.create) planned.set(upn, {});
    else if (draft.restore && restoredUnderOwnName(draft.restore)) planned.set(upn, { id: draft.restore.objectId });
  }
  return planned;
}

/** The UPNs of the active users that are someone's manager now, by id (only those a draft needs). */
function activeNames(drafts: readonly PrincipalDraft[], users: readonly ObservedUser[]): ReadonlyMap<string, string> {
  const wanted = new Set(drafts.flatMap((d) => (d.manager?.currentId ? [d.manager.currentId.toLowerCase()] : [])));
  const names = new Map<string, string>();
  if (wanted.size === 0) return names;
  for (const user of users) if (wanted.has(user.id.toLowerCase())) names.set(user.id.toLowerCase(), user.userPrincipalName.toLowerCase());
  return names;
}

function managerChange(draft: PrincipalDraft, index: TenantIndex, planned: ReadonlyMap<string, { readonly id?: string }>, names: ReadonlyMap<string, string>): SetManagerChange | undefined {
  const intent = draft.manager;
  if (!intent) return undefined;
  const current = intent.currentId?.toLowerCase() ?? null;
  let toObjectId: string | undefined;
  if (intent.to !== null) {
    const active = index.activeByUpn.get(intent.to);
    const coming = planned.get(intent.to);
    if (!active && !coming) return undefined;
    toObjectId = active?.id ?? coming?.id;
    if (toObjectId !== undefined && toObjectId.toLowerCase() === current) return undefined;
  } else if (current === null) {
    return undefined;
  }
  const from = current === null ? null : (names.get(current) ?? current);
  const upn = draft.principal.userPrincipalName;
  return {
    action: 'set-manager',
    userPrincipalName: upn,
    ...(draft.objectId === undefined ? {} : { objectId: draft.objectId }),
    reason:
      intent.to === null
        ? `the policy says manager: null (now ${from ?? 'none'})`
        : `the policy says manager ${intent.to} (now ${from ?? 'none'})${toObjectId === undefined ? '; created by this plan, so apply sets it last' : ''}`,
    details: { from, to: intent.to, ...(toObjectId === undefined ? {} : { toObjectId }) },
  };
}

function notFoundMessage(manager: string, index: TenantIndex, declared: ReadonlySet<string>): string {
  if (declared.has(manager)) {
    return `its manager ${manager} is declared, but this plan neither finds, restores nor creates it (see that principal's diagnostics): fix that first; this principal changes nothing until then`;
  }
  if (index.deletedByUpn.has(manager)) {
    return `its manager ${manager} is not an active user: it is deleted. Declare it in the policy so that this plan restores it, or name another manager; this principal changes nothing until then`;
  }
  return `its manager ${manager} is not an active user in the tenant, and this plan neither creates nor restores it: fix the UPN, or declare the manager in the policy; this principal changes nothing until then`;
}
