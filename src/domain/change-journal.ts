import { DAY_MS } from './clock.ts';

/**
 * The users' change journal behind the delta query (`GET /users/delta`,
 * https://learn.microsoft.com/graph/delta-query-overview): every change to a user gets the next sequence
 * number; a delta token is a sequence number and the time it was issued; the changes since a token are
 * the ids recorded after it, each under its last change. One rule for the emulator's store and the memory
 * adapter's store. Pure: times are passed in (the directory clock), never read.
 */

/** What became of a user: changed (created, updated, restored), soft-deleted, or deleted for good. */
export type ChangeKind = 'changed' | 'soft-deleted' | 'purged';

/**
 * Delta links of identity resources live seven days (https://learn.microsoft.com/graph/delta-query-overview#token-duration,
 * https://devblogs.microsoft.com/microsoft365dev/duration-of-change-tracking-tokens-for-identity-and-education-resources/).
 */
export const DELTA_TOKEN_LIFETIME_MS = 7 * DAY_MS;

/** The ids changed since a token, each in the list of its last change (so each id once, in one list), in the order last changed. */
export interface JournalChanges {
  readonly changed: readonly string[];
  readonly softDeleted: readonly string[];
  readonly purged: readonly string[];
}

interface Entry {
  readonly seq: number;
  readonly id: string;
  readonly kind: ChangeKind;
  readonly atMs: number;
}

export class ChangeJournal {
  private entries: Entry[] = [];
  private last = 0;
  /** Entries up to this sequence number are forgotten: a token before it cannot be answered. */
  private floor = 0;

  /** The sequence number of the latest change (0 before any): what a token taken now carries. */
  get latest(): number {
    return this.last;
  }

  /** Records a change to user `id` at `atMs` (directory clock); entries older than a token's lifetime are forgotten. */
  record(id: string, kind: ChangeKind, atMs: number): number {
    this.last += 1;
    this.entries.push({ seq: this.last, id: id.toLowerCase(), kind, atMs });
    this.forgetOlderThan(atMs - DELTA_TOKEN_LIFETIME_MS);
    return this.last;
  }

  /** Forgets every entry so far (a seeded tenant's history: no token was taken before it). Tokens taken from now on work. */
  forgetAll(): void {
    this.entries = [];
    this.floor = this.last;
  }

  /** Whether a token with sequence number `seq`, issued at `issuedAtMs`, can still be answered at `nowMs`. */
  knows(seq: number, issuedAtMs: number, nowMs: number): boolean {
    return Number.isInteger(seq) && seq >= this.floor && seq <= this.last && !isExpired(issuedAtMs, nowMs);
  }

  /** The users changed after `seq`, up to `until` (default: the latest), each under its last change. */
  changesSince(seq: number, until: number = this.last): JournalChanges {
    const lastKind = new Map<string, ChangeKind>();
    for (const entry of this.entries) {
      if (entry.seq <= seq || entry.seq > until) continue;
      // Re-inserted so that the map's order is the order of last change.
      lastKind.delete(entry.id);
      lastKind.set(entry.id, entry.kind);
    }
    const changed: string[] = [];
    const softDeleted: string[] = [];
    const purged: string[] = [];
    for (const [id, kind] of lastKind) (kind === 'changed' ? changed : kind === 'soft-deleted' ? softDeleted : purged).push(id);
    return { changed, softDeleted, purged };
  }

  private forgetOlderThan(cutoffMs: number): void {
    let drop = 0;
    while (drop < this.entries.length && (this.entries[drop] as Entry).atMs < cutoffMs) drop += 1;
    if (drop === 0) return;
    this.floor = Math.max(this.floor, (this.entries[drop - 1] as Entry).seq);
    this.entries = this.entries.slice(drop);
  }
}

/** A token issued more than seven days of the directory clock ago is expired (a clock moved back does not revive or expire one). */
export function isExpired(issuedAtMs: number, nowMs: number): boolean {
  return !Number.isFinite(issuedAtMs) || nowMs - issuedAtMs > DELTA_TOKEN_LIFETIME_MS;
}
