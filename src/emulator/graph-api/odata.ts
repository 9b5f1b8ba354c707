import { unsupportedQuery } from './errors.ts';

/**
 * The OData query options the emulator understands, and Graph's answers to the rest
 * (docs/graph-behaviour.md §1, §4): `$top` 1–999, `$count` only with `ConsistencyLevel: eventual`,
 * a `$filter` subset, opaque `$skiptoken` paging.
 */
export interface CollectionQuery {
  readonly select: readonly string[] | undefined;
  readonly top: number;
  readonly filter: FilterClause[] | undefined;
  readonly count: boolean;
  readonly orderBy: { readonly property: string; readonly descending: boolean } | undefined;
  readonly skipToken: string | undefined;
}

export type FilterClause =
  | { readonly kind: 'eq' | 'ne'; readonly property: string; readonly value: string | boolean | null }
  | { readonly kind: 'in'; readonly property: string; readonly values: readonly (string | boolean | null)[] }
  | { readonly kind: 'startswith' | 'endswith'; readonly property: string; readonly value: string }
  | { readonly kind: 'count-eq-zero' | 'count-ne-zero'; readonly property: string }
  /** `p/any(x:x/a eq v and x/b eq w)`: some element of the collection `p` has every listed value. */
  | { readonly kind: 'any'; readonly property: string; readonly conditions: readonly { readonly path: string; readonly value: string | boolean | null }[] };

type FilterOperator = 'eq' | 'ne' | 'in' | 'startswith' | 'endswith' | 'count' | 'any';

/**
 * Operators that are advanced queries: they need `ConsistencyLevel: eventual` and `$count=true` (docs/graph-behaviour.md §4).
 * `any` is here because the emulator serves lambdas only on `assignedPlans`, where Graph's filter documentation
 * lists them as advanced queries.
 */
const ADVANCED: ReadonlySet<FilterOperator> = new Set(['ne', 'endswith', 'count', 'any']);

export interface CollectionRules {
  /** Properties `$filter` may name, with the operators Graph allows on each here. */
  readonly filterable: Readonly<Record<string, readonly FilterOperator[]>>;
  readonly orderable: readonly string[];
  /** `$orderby` on these needs the advanced-query pair (docs/graph-behaviour.md §1). */
  readonly orderNeedsAdvanced?: readonly string[];
  readonly defaultTop: number;
  /** Whether `$expand` is allowed (the caller parses it: user-view.ts's parseManagerExpand). */
  readonly expand?: boolean;
}

const KNOWN_OPTIONS = new Set(['$select', '$filter', '$top', '$count', '$orderby', '$skiptoken', '$search', '$expand', '$skip']);

/** Whether the request carries `ConsistencyLevel: eventual`. */
export function isEventual(headers: Readonly<Record<string, string | undefined>>): boolean {
  return (headers.consistencylevel ?? '').toLowerCase() === 'eventual';
}

export function parseCollectionQuery(query: URLSearchParams, headers: Readonly<Record<string, string | undefined>>, rules: CollectionRules): CollectionQuery {
  for (const key of query.keys()) {
    if (key.startsWith('$') && !KNOWN_OPTIONS.has(key)) throw unsupportedQuery(`Query option '${key}' is not allowed.`);
  }
  if (query.has('$skip')) throw unsupportedQuery("'$skip' is not supported by the service.");
  if (query.has('$expand') && rules.expand !== true) throw unsupportedQuery('The emulator does not support $expand on this collection.');
  const eventual = isEventual(headers);
  if (query.has('$search') && !eventual) {
    throw unsupportedQuery("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
  }
  if (query.has('$search')) throw unsupportedQuery('The emulator does not support $search.');

  const count = query.get('$count') === 'true';
  if (count && !eventual) throw unsupportedQuery('$count is not currently supported without the ConsistencyLevel:eventual header.');
  // An advanced query (docs/graph-behaviour.md §4): the header and `$count=true`.
  const advanced = eventual && count;
  const select = parseSelect(query.get('$select'));
  const filter = query.has('$filter') ? parseFilter(query.get('$filter') ?? '', rules, advanced) : undefined;
  const orderBy = parseOrderBy(query.get('$orderby'), rules, advanced);
  return { select, top: parseTop(query.get('$top'), rules.defaultTop), filter, count, orderBy, skipToken: query.get('$skiptoken') ?? undefined };
}

/** `$select` as a list; absent or empty means the default property set. */
export function parseSelect(raw: string | null): string[] | undefined {
  const names = (raw ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return names.length === 0 ? undefined : names;
}

/** `$top` 1..999, with the observed message (docs/graph-behaviour.md §4, emulator contract 10). */
export function parseTop(raw: string | null, defaultTop: number): number {
  if (raw === null) return defaultTop;
  const top = /^-?\d+$/u.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(top) || top < 1 || top > 999) throw unsupportedQuery(`Invalid page size specified: '${raw}'. Must be between 1 and 999 inclusive.`);
  return top;
}

function parseOrderBy(raw: string | null, rules: CollectionRules, advanced: boolean): CollectionQuery['orderBy'] {
  if (raw === null) return undefined;
  const [property = '', direction = 'asc', ...rest] = raw.trim().split(/\s+/u);
  if (rest.length > 0 || !rules.orderable.includes(property) || !['asc', 'desc'].includes(direction.toLowerCase())) {
    throw unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${property}' of resource 'User'.`);
  }
  if (rules.orderNeedsAdvanced?.includes(property) && !advanced) {
    throw unsupportedQuery(
      `Sorting by '${property}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information`,
    );
  }
  return { property, descending: direction.toLowerCase() === 'desc' };
}

type Token = { kind: 'string'; value: string } | { kind: 'word'; value: string } | { kind: 'punct'; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/u.test(c)) {
      i++;
    } else if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw unsupportedQuery(`Invalid filter clause: unterminated string literal.`);
        if (text[i] === "'" && text[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (text[i] === "'") {
          i++;
          break;
        } else {
          value += text[i];
          i++;
        }
      }
      tokens.push({ kind: 'string', value });
    } else if ('(),'.includes(c)) {
      tokens.push({ kind: 'punct', value: c });
      i++;
    } else {
      const match = /^[A-Za-z0-9_./$:-]+/u.exec(text.slice(i));
      if (!match) throw unsupportedQuery(`Invalid filter clause: unexpected '${c}'.`);
      tokens.push({ kind: 'word', value: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

const GUID_LITERAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;

/** Clauses joined by `and`: `p eq v`, `p in (v, …)`, `startswith(p, 'v')`, `assignedLicenses/$count ne 0`. */
export function parseFilter(text: string, rules: CollectionRules, advanced: boolean): FilterClause[] {
  const tokens = tokenize(text);
  const clauses: FilterClause[] = [];
  let i = 0;
  const next = (): Token | undefined => tokens[i++];
  const literal = (token: Token | undefined): string | boolean | null => {
    if (token?.kind === 'string') return token.value;
    if (token?.kind === 'word' && (token.value === 'true' || token.value === 'false')) return token.value === 'true';
    if (token?.kind === 'word' && token.value === 'null') return null;
    // A Guid literal is written bare: `x/servicePlanId eq 2e2ddb96-6af9-4b1d-a3f0-d6ecfd22edb2`.
    if (token?.kind === 'word' && GUID_LITERAL.test(token.value)) return token.value;
    throw unsupportedQuery(`Invalid filter clause: expected a literal, not '${token?.value ?? 'the end'}'.`);
  };
  const allow = (property: string, operator: FilterOperator, spelled: string): void => {
    if (!rules.filterable[property]?.includes(operator)) {
      throw unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${property}' of resource 'User'.`);
    }
    if (ADVANCED.has(operator) && !advanced) {
      throw unsupportedQuery(
        `Operator '${spelled}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information`,
      );
    }
  };
  // `property/any(x:x/path eq value and x/path eq value …)`, after the `property/any` word.
  const parseLambda = (property: string): FilterClause => {
    allow(property, 'any', 'any');
    if (next()?.value !== '(') throw unsupportedQuery(`Invalid filter clause: expected ( after ${property}/any.`);
    const conditions: { path: string; value: string | boolean | null }[] = [];
    let variable: string | undefined;
    for (;;) {
      const operand = next();
      const match = operand?.kind === 'word' ? /^(?:([A-Za-z_]\w*):)?([A-Za-z_]\w*)\/([A-Za-z_]\w*)$/u.exec(operand.value) : null;
      if (!match) throw unsupportedQuery(`Invalid filter clause: expected x:x/property or x/property in ${property}/any, not '${operand?.value ?? 'the end'}'.`);
      const [, declared, used, path] = match as unknown as [string, string | undefined, string, string];
      if (variable === undefined) {
        if (declared === undefined || declared !== used) throw unsupportedQuery(`Invalid filter clause: ${property}/any must declare its variable, as in ${property}/any(x:x/property eq 'value').`);
        variable = declared;
      } else if (declared !== undefined || used !== variable) {
        throw unsupportedQuery(`Invalid filter clause: unknown variable '${used}' in ${property}/any.`);
      }
      if (next()?.value.toLowerCase() !== 'eq') throw unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${property}' of resource 'User'.`);
      conditions.push({ path, value: literal(next()) });
      const after = next();
      if (after?.value === ')') break;
      if (after?.kind !== 'word' || after.value.toLowerCase() !== 'and') throw unsupportedQuery(`Invalid filter clause: expected and or ) in ${property}/any.`);
    }
    return { kind: 'any', property, conditions };
  };
  while (i < tokens.length) {
    const first = next();
    const functionName = first?.kind === 'word' ? first.value.toLowerCase() : '';
    if (functionName === 'startswith' || functionName === 'endswith') {
      if (next()?.value !== '(') throw unsupportedQuery(`Invalid filter clause: expected ( after ${first?.value ?? ''}.`);
      const property = next()?.value ?? '';
      if (next()?.value !== ',') throw unsupportedQuery(`Invalid filter clause: expected , in ${first?.value ?? ''}.`);
      const value = literal(next());
      if (next()?.value !== ')') throw unsupportedQuery(`Invalid filter clause: expected ) after ${first?.value ?? ''}.`);
      allow(property, functionName, functionName === 'endswith' ? 'endsWith' : 'startsWith');
      if (typeof value !== 'string') throw unsupportedQuery(`Invalid filter clause: ${first?.value ?? ''} takes a string.`);
      clauses.push({ kind: functionName, property, value });
    } else if (first?.kind === 'word' && first.value.toLowerCase().endsWith('/any')) {
      clauses.push(parseLambda(first.value.slice(0, -'/any'.length)));
    } else if (first?.kind === 'word') {
      const operator = next()?.value.toLowerCase();
      if (first.value.endsWith('/$count')) {
        const property = first.value.slice(0, -'/$count'.length);
        const value = next()?.value;
        if ((operator !== 'ne' && operator !== 'eq') || value !== '0') throw unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${property}' of resource 'User'.`);
        allow(property, 'count', operator);
        clauses.push({ kind: operator === 'eq' ? 'count-eq-zero' : 'count-ne-zero', property });
      } else if (operator === 'eq' || operator === 'ne') {
        allow(first.value, operator, operator);
        clauses.push({ kind: operator, property: first.value, value: literal(next()) });
      } else if (operator === 'in') {
        allow(first.value, 'in', 'in');
        if (next()?.value !== '(') throw unsupportedQuery('Invalid filter clause: expected ( after in.');
        const values: (string | boolean | null)[] = [];
        for (;;) {
          values.push(literal(next()));
          const separator = next()?.value;
          if (separator === ')') break;
          if (separator !== ',') throw unsupportedQuery('Invalid filter clause: expected , or ) in the list.');
        }
        if (values.length > 15) throw unsupportedQuery('Too many values in the in operator; at most 15 are supported.');
        clauses.push({ kind: 'in', property: first.value, values });
      } else {
        throw unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${first.value}' of resource 'User'.`);
      }
    } else {
      throw unsupportedQuery(`Invalid filter clause: unexpected '${first?.value ?? ''}'.`);
    }
    if (i < tokens.length) {
      const joiner = next();
      if (joiner?.kind !== 'word' || joiner.value.toLowerCase() !== 'and') throw unsupportedQuery(`Unsupported or invalid query filter clause: only 'and' joins clauses here.`);
    }
  }
  return clauses;
}

/** Whether an item passes every clause; `read` gives an item's property value. */
export function matchesFilter(clauses: readonly FilterClause[], read: (property: string) => unknown): boolean {
  const same = (actual: unknown, wanted: string | boolean | null): boolean =>
    typeof actual === 'string' && typeof wanted === 'string' ? actual.toLowerCase() === wanted.toLowerCase() : (actual ?? null) === wanted;
  return clauses.every((clause) => {
    const actual = read(clause.property);
    switch (clause.kind) {
      case 'eq':
        return same(actual, clause.value);
      case 'ne':
        return !same(actual, clause.value);
      case 'in':
        return clause.values.some((v) => same(actual, v));
      case 'startswith':
        return typeof actual === 'string' && actual.toLowerCase().startsWith(clause.value.toLowerCase());
      case 'endswith':
        return typeof actual === 'string' && actual.toLowerCase().endsWith(clause.value.toLowerCase());
      case 'count-eq-zero':
        return Array.isArray(actual) && actual.length === 0;
      case 'count-ne-zero':
        return Array.isArray(actual) && actual.length > 0;
      case 'any':
        return Array.isArray(actual) && actual.some((element: unknown) => {
          const record = typeof element === 'object' && element !== null ? (element as Record<string, unknown>) : {};
          return clause.conditions.every((condition) => same(record[condition.path], condition.value));
        });
    }
  });
}

/** Opaque paging tokens, shaped like directory tokens (docs/graph-behaviour.md §4). */
export function encodeSkipToken(position: { after?: string; offset?: number }): string {
  return `RFNwdAIAAQ${Buffer.from(JSON.stringify(position)).toString('base64url')}`;
}

export function decodeSkipToken(token: string): { after?: string; offset?: number } {
  try {
    if (!token.startsWith('RFNwdAIAAQ')) throw new Error('foreign');
    const position = JSON.parse(Buffer.from(token.slice(10), 'base64url').toString('utf8')) as { after?: unknown; offset?: unknown };
    return {
      ...(typeof position.after === 'string' ? { after: position.after } : {}),
      ...(typeof position.offset === 'number' ? { offset: position.offset } : {}),
    };
  } catch {
    throw unsupportedQuery('Invalid $skiptoken: it must be used exactly as returned in @odata.nextLink.');
  }
}
