import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { pageOf } from '../../src/emulator/graph-api/collection.ts';
import { seedWithUsers, tokenFor } from '../support/seeds.ts';

const EXTRA_USERS = 2_500;
let emulator: RunningEmulator;
let token: string;
let total: number;

beforeAll(async () => {
  const seed = seedWithUsers(EXTRA_USERS);
  emulator = await startEmulator({ seed, port: 0, limits: { resourceUnits: 10_000_000, writes: 10_000_000 } });
  token = await tokenFor(emulator.url, seed);
  total = seed.users.length;
});
afterAll(() => emulator.close());

interface Page {
  readonly value: { id: string; accountEnabled?: boolean }[];
  readonly '@odata.nextLink'?: string;
}

/** Follows nextLinks as given, as a client must (docs/graph-behaviour.md §4), returning every id seen. */
async function readAll(first: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pages = 0;
  for (let url: string | undefined = first; url; ) {
    const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const page = (await response.json()) as Page;
    pages++;
    ids.push(...page.value.map((u) => u.id));
    url = page['@odata.nextLink'];
  }
  return { ids, pages };
}

// Every $top from 1 to 999 over HTTP would be ~19,000 requests; the pager is exercised for every
// value through a sample that covers each boundary: tiny pages, divisors and non-divisors of the
// total, the default and the maximum.
const TOPS = [1, 2, 3, 7, 19, 20, 99, 100, 101, 250, 499, 500, 501, 626, 998, 999];

describe('paging /users', () => {
  it.each(TOPS)('$top=%i returns every user exactly once', async (top) => {
    const { ids, pages } = await readAll(`${emulator.url}/v1.0/users?$top=${top}&$select=id,userPrincipalName`);
    expect(ids.length).toBe(total);
    expect(new Set(ids).size).toBe(total);
    expect(pages).toBe(Math.ceil(total / top));
  });

  it('pages by 100 without $top, and keeps $select and $filter in the nextLink', async () => {
    const first = await fetch(`${emulator.url}/v1.0/users?$select=id,accountEnabled&$filter=accountEnabled eq true`, { headers: { Authorization: `Bearer ${token}` } });
    const page = (await first.json()) as Page;
    expect(page.value).toHaveLength(100);
    expect(page.value.every((u) => u.accountEnabled === true && Object.keys(u).sort().join() === 'accountEnabled,id')).toBe(true);
    const next = new URL(page['@odata.nextLink'] ?? '');
    expect(next.searchParams.get('$select')).toBe('id,accountEnabled');
    expect(next.searchParams.get('$filter')).toBe('accountEnabled eq true');
    expect(next.searchParams.get('$skiptoken')).toMatch(/^RFNwdAIAAQ/);
    const { ids } = await readAll(page['@odata.nextLink'] ?? '');
    expect(ids.length + 100).toBe(emulator.store().activeUsers().filter((u) => u.accountEnabled).length);
  });

  it('pages an ordered listing ($orderby displayName desc) by offset, every user once, in order', async () => {
    const seen: { id: string; displayName: string }[] = [];
    for (let url: string | undefined = `${emulator.url}/v1.0/users?$orderby=displayName desc&$top=499&$select=id,displayName`; url; ) {
      const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      const page = (await response.json()) as { value: { id: string; displayName: string }[]; '@odata.nextLink'?: string };
      seen.push(...page.value);
      url = page['@odata.nextLink'];
    }
    const key = (name: string): string => name.toLowerCase();
    // Ties keep the id order (a stable sort of the id-ordered users).
    const expected = [...emulator.store().activeUsers()].sort((a, b) => (key(a.displayName) < key(b.displayName) ? 1 : key(a.displayName) > key(b.displayName) ? -1 : 0));
    expect(seen.map((u) => u.id)).toEqual(expected.map((u) => u.id));
  });

  it('never returns a user twice while users are deleted and created between pages', async () => {
    const seen: string[] = [];
    let url: string | undefined = `${emulator.url}/v1.0/users?$top=300&$select=id`;
    let round = 0;
    while (url) {
      const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
      const page = (await response.json()) as Page;
      seen.push(...page.value.map((u) => u.id));
      url = page['@odata.nextLink'];
      // Change the tenant under the reader: delete one user, create one.
      await fetch(`${emulator.url}/v1.0/users/user${round * 7}@contoso.com`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
      await fetch(`${emulator.url}/v1.0/users`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ accountEnabled: true, displayName: `New ${round}`, mailNickname: `new${round}`, userPrincipalName: `new${round}@contoso.com`, passwordProfile: { password: 'xWwvJ]6NMw+bWH-d' } }),
      });
      round++;
    }
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('returns every user exactly once for every $top from 1 to 999 (the pager, without HTTP)', () => {
    const users = emulator.store().activeUsers();
    const request = { method: 'GET', path: '/users', query: new URLSearchParams(), headers: {}, body: undefined, baseUrl: emulator.url };
    for (let top = 1; top <= 999; top++) {
      const seen = new Set<string>();
      let skipToken: string | undefined;
      let pages = 0;
      do {
        const page = pageOf(users, { select: undefined, top, filter: undefined, count: false, orderBy: undefined, skipToken }, request, { sortedById: true });
        for (const user of page.items) seen.add(user.id);
        pages++;
        skipToken = page.nextLink === undefined ? undefined : (new URL(page.nextLink).searchParams.get('$skiptoken') ?? undefined);
      } while (skipToken !== undefined);
      if (seen.size !== users.length || pages !== Math.ceil(users.length / top)) expect({ top, seen: seen.size, pages }).toEqual({ top, seen: users.length, pages: Math.ceil(users.length / top) });
    }
  });

  it('rejects a token that is not its own', async () => {
    const response = await fetch(`${emulator.url}/v1.0/users?$skiptoken=not-a-token`, { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('Request_UnsupportedQuery');
  });
});
