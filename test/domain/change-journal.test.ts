/** The users' change journal behind the delta query (src/domain/change-journal.ts). */
import { describe, expect, it } from 'vitest';
import { ChangeJournal, DELTA_TOKEN_LIFETIME_MS, isExpired } from '../../src/domain/change-journal.ts';

const DAY = 24 * 60 * 60 * 1000;

describe('ChangeJournal', () => {
  it('numbers changes and names each id once, under its last change, after a position', () => {
    const journal = new ChangeJournal();
    expect(journal.latest).toBe(0);
    journal.record('A', 'changed', 0);
    const seq = journal.record('b', 'changed', 0);
    journal.record('c', 'changed', 0);
    journal.record('b', 'soft-deleted', 0);
    journal.record('c', 'soft-deleted', 0);
    journal.record('c', 'changed', 0);
    journal.record('d', 'soft-deleted', 0);
    journal.record('d', 'purged', 0);
    expect(journal.latest).toBe(8);
    expect(journal.changesSince(0)).toEqual({ changed: ['a', 'c'], softDeleted: ['b'], purged: ['d'] });
    expect(journal.changesSince(seq)).toEqual({ changed: ['c'], softDeleted: ['b'], purged: ['d'] });
    expect(journal.changesSince(seq, 4)).toEqual({ changed: ['c'], softDeleted: ['b'], purged: [] });
    expect(journal.changesSince(8)).toEqual({ changed: [], softDeleted: [], purged: [] });
  });

  it('expires tokens older than seven days of the directory clock', () => {
    expect(DELTA_TOKEN_LIFETIME_MS).toBe(7 * DAY);
    expect(isExpired(0, 7 * DAY)).toBe(false);
    expect(isExpired(0, 7 * DAY + 1)).toBe(true);
    const journal = new ChangeJournal();
    journal.record('a', 'changed', 0);
    expect(journal.knows(1, 0, 7 * DAY)).toBe(true);
    expect(journal.knows(1, 0, 8 * DAY)).toBe(false);
  });

  it('does not know positions it never gave, nor those before what it forgot', () => {
    const journal = new ChangeJournal();
    journal.record('a', 'changed', 0);
    expect(journal.knows(2, 0, 0)).toBe(false);
    expect(journal.knows(0.5, 0, 0)).toBe(false);
    journal.forgetAll();
    expect(journal.knows(0, 0, 0)).toBe(false);
    expect(journal.knows(1, 0, 0)).toBe(true);
    journal.record('b', 'changed', 0);
    expect(journal.changesSince(1)).toEqual({ changed: ['b'], softDeleted: [], purged: [] });
    // Entries older than a token's lifetime are dropped as new ones come: positions before them are unknown.
    journal.record('c', 'changed', 9 * DAY);
    expect(journal.knows(1, 9 * DAY, 9 * DAY)).toBe(false);
    expect(journal.knows(2, 9 * DAY, 9 * DAY)).toBe(true);
    expect(journal.changesSince(2)).toEqual({ changed: ['c'], softDeleted: [], purged: [] });
  });
});
