import { errorEnvelope, GraphError, newRequestId } from './errors.ts';
import type { Caller, PipelineContext } from './pipeline.ts';
import { executeGraphRequest, faultResponse } from './pipeline.ts';
import type { GraphRequest, GraphResponse } from './router.ts';

/**
 * JSON batching (docs/graph-behaviour.md §10): at most 20 requests with unique ids; each item is authorised,
 * throttled and answered on its own; an item whose dependency failed answers 424.
 */
export const MAX_BATCH_REQUESTS = 20;

interface BatchItem {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly dependsOn: readonly string[];
}

export interface BatchItemLog {
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

function outerBadRequest(message: string): GraphError {
  return new GraphError(400, 'BadRequest', message);
}

/** Checks the batch envelope; a malformed batch is an outer 400 and runs nothing. */
export function parseBatch(body: unknown): BatchItem[] {
  const requests = (body as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests)) throw outerBadRequest('The batch request must be a JSON object with a "requests" array.');
  if (requests.length > MAX_BATCH_REQUESTS) throw outerBadRequest(`Batch request exceeds the limit of ${MAX_BATCH_REQUESTS} requests.`);
  const seen = new Set<string>();
  const items = requests.map((raw: unknown, index): BatchItem => {
    const item = raw as Record<string, unknown> | null;
    if (typeof item !== 'object' || item === null) throw outerBadRequest(`requests[${index}] is not an object.`);
    const { id, method, url } = item;
    if (typeof id !== 'string' || id === '') throw outerBadRequest(`requests[${index}] has no id.`);
    if (typeof method !== 'string' || typeof url !== 'string') throw outerBadRequest(`Request '${id}' needs a method and a url.`);
    if (seen.has(id.toLowerCase())) throw outerBadRequest(`Batch request contains duplicate request id '${id}'.`);
    seen.add(id.toLowerCase());
    const headers = Object.fromEntries(Object.entries((item.headers as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    const dependsOn = Array.isArray(item.dependsOn) ? item.dependsOn.map(String) : [];
    return { id, method: method.toUpperCase(), url, headers, body: item.body, dependsOn };
  });
  for (const item of items) {
    for (const dependency of item.dependsOn) {
      if (!seen.has(dependency.toLowerCase())) throw outerBadRequest(`Request '${item.id}' depends on '${dependency}', which is not in the batch.`);
    }
  }
  return items;
}

/** Runs the items in order (dependencies first) and answers each. */
export function executeBatch(items: readonly BatchItem[], caller: Caller, context: PipelineContext, baseUrl: string, log: (entry: BatchItemLog) => void): { responses: unknown[] } {
  const statusById = new Map<string, number>();
  const pending = [...items];
  const responses: unknown[] = [];
  while (pending.length > 0) {
    const index = pending.findIndex((item) => item.dependsOn.every((d) => statusById.has(d.toLowerCase())));
    // A cycle leaves nothing runnable: its items fail as their dependencies never succeed.
    const item = pending.splice(index >= 0 ? index : 0, 1)[0] as BatchItem;
    const response = runItem(item, statusById, caller, context, baseUrl);
    statusById.set(item.id.toLowerCase(), response.status);
    log({ id: item.id, method: item.method, path: pathOf(item.url), status: response.status });
    responses.push(batchResponse(item.id, response));
  }
  return { responses };
}

/** An item's answer; a non-JSON body comes back base64-encoded (docs/graph-behaviour.md §10). */
function batchResponse(id: string, response: GraphResponse): Record<string, unknown> {
  if (response.text !== undefined) {
    return { id, status: response.status, headers: { 'Content-Type': 'text/plain', ...response.headers }, body: Buffer.from(response.text, 'utf8').toString('base64') };
  }
  return { id, status: response.status, headers: { 'Content-Type': 'application/json', ...response.headers }, ...(response.body === undefined ? {} : { body: response.body }) };
}

function pathOf(url: string): string {
  const relative = url.startsWith('/') ? url : `/${url}`;
  return relative.split('?')[0] ?? relative;
}

function runItem(item: BatchItem, statusById: ReadonlyMap<string, number>, caller: Caller, context: PipelineContext, baseUrl: string): GraphResponse {
  const ids = { requestId: newRequestId(), clientRequestId: item.headers['client-request-id'] ?? newRequestId(), nowMs: context.realNowMs() };
  const failed = item.dependsOn.find((d) => (statusById.get(d.toLowerCase()) ?? 424) >= 400);
  if (failed !== undefined) {
    return { status: 424, body: errorEnvelope(new GraphError(424, 'FailedDependency', `The request depends on request '${failed}', which failed.`), ids) };
  }
  if (/^https?:/iu.test(item.url) || /^\/?v1\.0\//iu.test(item.url) || /^\/?\$batch/iu.test(item.url)) {
    return { status: 400, body: errorEnvelope(new GraphError(400, 'BadRequest', 'The url of a batch item must be relative to the version, e.g. /users/{id}.'), ids) };
  }
  if (item.body !== undefined && item.headers['content-type'] === undefined) {
    return { status: 400, body: errorEnvelope(new GraphError(400, 'BadRequest', 'A batch item with a body must have a Content-Type header.'), ids) };
  }
  // Throttling and 5xx faults hit items one by one (§10); resets and latency belong to the connection.
  const decision = context.faults?.next();
  const injected = faultResponse(decision && (decision.fault === 'throttle' || decision.fault === 'error5xx') ? decision : undefined, ids);
  if (injected) return injected;
  const [path = '', search = ''] = (item.url.startsWith('/') ? item.url : `/${item.url}`).split('?', 2);
  const request: GraphRequest = { method: item.method, path, query: new URLSearchParams(search), headers: item.headers, body: item.body, baseUrl };
  return executeGraphRequest(request, caller, context, ids);
}
