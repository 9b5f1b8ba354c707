import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Refusal } from './controls/request-guard.ts';
import type { GraphResponse } from './graph-api/router.ts';

/**
 * The emulator's HTTP wire: request bodies read within their limits, and answers written as Graph
 * writes them (JSON with OData's content type and request ids) or as the controls' plain JSON.
 */

/** The largest request body of a Graph call, the token endpoint or a control other than `POST /_emulator/seed`. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/**
 * The largest body of `POST /_emulator/seed`: 256 MiB, a seed of some 400,000 users (a synthetic
 * user is about 600 bytes of JSON, a 10,000-user seed about 6 MB). Larger tenants, up to
 * MAX_SYNTHETIC_USERS, are loaded in the process
 * (`startEmulator({ seed })`, `tenantctl emulator --seed/--synthetic`): a body is read into one
 * string, and V8 strings end at 512 MiB.
 */
export const MAX_SEED_BODY_BYTES = 256 * 1024 * 1024;
const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
export function lowerCaseHeaders(request: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

/**
 * The body as text, or undefined when it is larger than `limit` bytes: then reading stops (the
 * stream is paused, not destroyed, so that the 413 can still be sent; it closes the connection).
 */
export function readBody(request: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        request.off('data', onData);
        request.off('end', onEnd);
        request.off('error', reject);
        request.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks).toString('utf8'));
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('error', reject);
  });
}

export function describeBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB (${bytes} bytes)` : `${bytes} bytes`;
}

/** A refused request; its unread body, if any, is not waited for: the connection is closed. */
export function refuse(response: ServerResponse, refusal: Refusal, unreadBody: boolean): void {
  send(response, refusal.status, { error: { code: refusal.code, message: refusal.message } }, unreadBody ? { Connection: 'close' } : {});
}

export function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, { ...(text === '' ? {} : { 'Content-Type': 'application/json; charset=utf-8' }), ...headers });
  response.end(text);
}

export function sendGraph(response: ServerResponse, reply: GraphResponse, ids: { requestId: string; clientRequestId: string }): void {
  const common = { 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId, 'OData-Version': '4.0', ...reply.headers };
  if (reply.text !== undefined) {
    response.writeHead(reply.status, { ...common, 'Content-Type': 'text/plain; charset=utf-8' });
    response.end(reply.text);
    return;
  }
  const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
  response.writeHead(reply.status, { ...common, ...(text === '' ? {} : { 'Content-Type': JSON_TYPE }) });
  response.end(text);
}
