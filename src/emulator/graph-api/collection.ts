import type { CollectionQuery } from './odata.ts';
import { decodeSkipToken, encodeSkipToken } from './odata.ts';
import type { GraphRequest } from './router.ts';

/**
 * One page of a collection. Unordered collections page by id (stable while the tenant changes:
 * no item is returned twice); ordered ones by offset. `@odata.nextLink` is the full URL of the
 * next page with every other query option kept (docs/graph-behaviour.md §4).
 */
export function pageOf<T extends { readonly id: string }>(
  items: readonly T[],
  query: CollectionQuery,
  request: GraphRequest,
  options: { sortedById: boolean },
): { items: readonly T[]; nextLink?: string } {
  const position = query.skipToken === undefined ? {} : decodeSkipToken(query.skipToken);
  let start = 0;
  if (options.sortedById && position.after !== undefined) start = firstAfter(items, position.after);
  else if (position.offset !== undefined) start = Math.max(0, position.offset);
  const end = Math.min(items.length, start + query.top);
  const page = items.slice(start, end);
  if (end >= items.length) return { items: page };
  const last = page.at(-1);
  const token = options.sortedById && last ? encodeSkipToken({ after: last.id }) : encodeSkipToken({ offset: end });
  const next = new URLSearchParams(request.query);
  next.set('$skiptoken', token);
  return { items: page, nextLink: `${request.baseUrl}/v1.0${request.path}?${next.toString().replace(/%24/gu, '$')}` };
}

/** Index of the first item whose id sorts after `id` (items sorted by id). */
function firstAfter(items: readonly { readonly id: string }[], id: string): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((items[mid] as { id: string }).id <= id) low = mid + 1;
    else high = mid;
  }
  return low;
}

export function collectionBody(context: string, value: readonly unknown[], page: { nextLink?: string }, count: number | undefined): Record<string, unknown> {
  return {
    '@odata.context': context,
    ...(count === undefined ? {} : { '@odata.count': count }),
    value,
    ...(page.nextLink === undefined ? {} : { '@odata.nextLink': page.nextLink }),
  };
}
