import { randomUUID } from 'node:crypto';
import type { ChangeJournal } from '../../domain/change-journal.ts';
import type { UserDeltaRound } from '../port.ts';
import { syncStateNotFound } from './errors.ts';

/**
 * The in-memory tenant's users delta (port.ts TenantDeltaReader), over its store's change journal
 * (src/domain/change-journal.ts): a link is an opaque string naming the journal position and when it was
 * issued; one that is older than seven days of the directory clock, or that this tenant did not issue, fails
 * as Graph's does (400 `syncStateNotFound`, kind `delta-expired`).
 */
const PREFIX = 'memory-delta:';

export class MemoryDelta {
  private readonly epoch = randomUUID();
  private readonly journal: ChangeJournal;
  private readonly nowMs: () => number;

  constructor(journal: ChangeJournal, nowMs: () => number) {
    this.journal = journal;
    this.nowMs = nowMs;
  }

  /** No changes; the link of now. */
  start(): UserDeltaRound {
    return { changed: [], softDeleted: [], purged: [], deltaLink: this.link(this.journal.latest) };
  }

  /** The users changed since the link, each under what became of it last, and the next link. */
  read(deltaLink: string): UserDeltaRound {
    const seq = this.positionOf(deltaLink);
    const until = this.journal.latest;
    return { ...this.journal.changesSince(seq, until), deltaLink: this.link(until) };
  }

  private link(seq: number): string {
    return `${PREFIX}${Buffer.from(JSON.stringify({ e: this.epoch, s: seq, t: this.nowMs() })).toString('base64url')}`;
  }

  private positionOf(deltaLink: string): number {
    let token: { e?: unknown; s?: unknown; t?: unknown } | undefined;
    try {
      token = deltaLink.startsWith(PREFIX) ? (JSON.parse(Buffer.from(deltaLink.slice(PREFIX.length), 'base64url').toString('utf8')) as typeof token) : undefined;
    } catch {
      token = undefined;
    }
    if (token?.e !== this.epoch || typeof token.s !== 'number' || typeof token.t !== 'number' || !this.journal.knows(token.s, token.t, this.nowMs())) throw syncStateNotFound();
    return token.s;
  }
}
