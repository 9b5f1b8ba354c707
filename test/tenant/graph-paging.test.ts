/**
 * Paging (src/tenant/graph/reader.ts `readAllPages`) with an injected fetch: every page is read,
 * nextLinks are followed as given with the headers resent, and a nextLink Graph sends twice ends
 * the read with an error instead of a loop that never ends.
 */
import { describe, expect, it } from 'vitest';
import { GraphHttp } from '../../src/tenant/graph/client.ts';
import { GraphResponseError } from '../../src/tenant/graph/errors.ts';
import { readAllPages } from '../../src/tenant/graph/reader.ts';

const ORIGIN = 'https://graph.microsoft.com';

/** A fetch answering each URL from `pages` (`{value, next}`), recording the URLs and their ConsistencyLevel header. */
function pagedFetch(pages: Readonly<Record<string, { value: unknown[]; next?: string }>>): typeof fetch & { calls: { url: string; consistency: string | null }[] } {
  const calls: { url: string; consistency: string | null }[] = [];
  const fake = async (input: unknown, init: RequestInit = {}): Promise<Response> => {
    const url = String(input);
    calls.push({ url, consistency: new Headers(init.headers).get('ConsistencyLevel') });
    const page = pages[url];
    if (!page) return new Response(JSON.stringify({ error: { code: 'NotFound', message: url } }), { status: 404, headers: { 'Content-Type': 'application/json' } });
    const body = { value: page.value, ...(page.next === undefined ? {} : { '@odata.nextLink': page.next }) };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
  };
  return Object.assign(fake as typeof fetch, { calls });
}

function http(fetchImpl: typeof fetch): GraphHttp {
  return new GraphHttp({ graphUrl: new URL(ORIGIN), accessToken: async () => 'token', fetch: fetchImpl, retry: { sleep: async () => undefined, random: () => 0.5, nowMs: () => 0 } });
}

describe('readAllPages', () => {
  it('follows nextLinks as given to the last page, resending the headers', async () => {
    const fake = pagedFetch({
      [`${ORIGIN}/v1.0/groups`]: { value: [1, 2], next: `${ORIGIN}/v1.0/groups?$skiptoken=a` },
      [`${ORIGIN}/v1.0/groups?$skiptoken=a`]: { value: [3], next: `${ORIGIN}/v1.0/groups?$skiptoken=b` },
      [`${ORIGIN}/v1.0/groups?$skiptoken=b`]: { value: [4] },
    });
    const items = await readAllPages(http(fake), '/groups', 'groups', (item) => item, { headers: { ConsistencyLevel: 'eventual' } });
    expect(items).toEqual([1, 2, 3, 4]);
    expect(fake.calls.map((c) => c.url.replace(ORIGIN, ''))).toEqual(['/v1.0/groups', '/v1.0/groups?$skiptoken=a', '/v1.0/groups?$skiptoken=b']);
    expect(fake.calls.every((c) => c.consistency === 'eventual')).toBe(true);
  });

  it('refuses a nextLink it was already sent, instead of reading forever', async () => {
    const fake = pagedFetch({
      [`${ORIGIN}/v1.0/users`]: { value: [1], next: `${ORIGIN}/v1.0/users?$skiptoken=a` },
      [`${ORIGIN}/v1.0/users?$skiptoken=a`]: { value: [2], next: `${ORIGIN}/v1.0/users?$skiptoken=a` },
    });
    const error = await readAllPages(http(fake), '/users', 'users', (item) => item).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphResponseError);
    expect(String(error)).toMatch(/same @odata\.nextLink twice while listing users/u);
    expect(fake.calls).toHaveLength(2);
  });
});
