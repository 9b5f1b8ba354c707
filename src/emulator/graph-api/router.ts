import type { TenantStore } from '../directory/store.ts';
import { GraphError } from './errors.ts';
import type { GraphOperation } from './permissions.ts';

/** One Graph call as a handler sees it: already authenticated, body parsed. */
export interface GraphRequest {
  readonly method: string;
  /** The path after `/v1.0`, e.g. `/users/abc/assignLicense`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: unknown;
  /** `http://127.0.0.1:PORT`, for nextLinks. */
  readonly baseUrl: string;
}

export interface GraphResponse {
  readonly status: number;
  readonly body?: unknown;
  /** Plain text (`/$count`); otherwise JSON. */
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Handler = (request: GraphRequest, params: Readonly<Record<string, string>>, store: TenantStore) => GraphResponse;

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Segments; `{name}` captures one. Literal segments match case-insensitively. */
  readonly pattern: string;
  readonly operation: GraphOperation;
  readonly handle: Handler;
}

export interface RouteMatch {
  readonly route: Route;
  readonly params: Readonly<Record<string, string>>;
}

function segmentsOf(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/** Finds the route for a method and path; a known path with another method is 405, an unknown one 400. */
export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch {
  const segments = segmentsOf(path).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  let pathMatched = false;
  for (const route of routes) {
    const pattern = segmentsOf(route.pattern);
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matched = pattern.every((part, i) => {
      const segment = segments[i] as string;
      if (part.startsWith('{')) {
        params[part.slice(1, -1)] = segment;
        return true;
      }
      return part.toLowerCase() === segment.toLowerCase();
    });
    if (!matched) continue;
    pathMatched = true;
    if (route.method === method) return { route, params };
  }
  if (pathMatched) throw new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
  throw new GraphError(400, 'Request_BadRequest', `Resource not found for the segment '${segments.at(-1) ?? ''}'.`);
}
