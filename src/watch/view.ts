import type { ObservedSku, ObservedTenant } from '../domain/observed.ts';
import type { ReadUsersResult, UserDeltaRound } from '../tenant/port.ts';

/**
 * The watch's picture of the tenant between full reads (docs/watch.md): the full read's ObservedTenant, with the
 * users each delta round names read again. Pure: the loop reads, this only merges.
 */

/** Every user id a round names: changed, soft-deleted or purged. */
export function namedIds(round: UserDeltaRound): string[] {
  return [...new Set([...round.changed, ...round.softDeleted, ...round.purged].map((id) => id.toLowerCase()))].sort();
}

export interface Reread {
  /** The users read again. */
  readonly ids: readonly string[];
  /** Those Graph said were deleted for good (`@removed` reason `deleted`). */
  readonly purged: ReadonlySet<string>;
  readonly result: ReadUsersResult;
  /** The SKUs read again (seats move with licenses). */
  readonly skus?: readonly ObservedSku[];
}

/**
 * The view after users were read again: each is replaced by what the read found (active, soft-deleted), or
 * dropped when Graph said it was purged. One found nowhere that Graph did not call purged (a replica that has not
 * caught up) keeps its old entry and is `unresolved`: the loop reads it again next round, rather than take a
 * soft-deleted user for a purged one (and plan to create it).
 */
export function applyReread(view: ObservedTenant, reread: Reread): { readonly view: ObservedTenant; readonly unresolved: readonly string[] } {
  const found = new Set([...reread.result.users, ...reread.result.deletedUsers].map((u) => u.id));
  const unresolved = reread.ids.filter((id) => !found.has(id) && !reread.purged.has(id));
  const replaced = new Set(reread.ids.filter((id) => found.has(id) || reread.purged.has(id)));
  const mailboxes = new Map([...view.mailboxes].filter(([id]) => !replaced.has(id)));
  for (const [id, mailbox] of reread.result.mailboxes) if (replaced.has(id)) mailboxes.set(id, mailbox);
  return {
    unresolved,
    view: {
      ...view,
      users: [...view.users.filter((u) => !replaced.has(u.id)), ...reread.result.users.filter((u) => replaced.has(u.id))],
      deletedUsers: [...view.deletedUsers.filter((u) => !replaced.has(u.id)), ...reread.result.deletedUsers.filter((u) => replaced.has(u.id))],
      mailboxes,
      ...(reread.skus === undefined ? {} : { skus: reread.skus }),
    },
  };
}
