/**
 * The port's writes as Graph requests (src/tenant/graph/writer.ts): exactly which method, URL and body each
 * write sends through the write batcher, which are safe to repeat, and which refusals are read as "done"
 * (a member already, a reference already gone). The references name the cloud's Graph, whatever origin
 * the requests go to.
 */
import { describe, expect, it } from 'vitest';
import { GRAPH_VERSION } from '../../src/tenant/graph/client.ts';
import { resolveGraphEndpoint } from '../../src/tenant/graph/clouds.ts';
import { GraphRequestError } from '../../src/tenant/graph/errors.ts';
import { createGraphTenant } from '../../src/tenant/graph/index.ts';
import { createGraphWriter } from '../../src/tenant/graph/writer.ts';
import type { WriteBatcher, WriteRequest } from '../../src/tenant/graph/write-batch.ts';

const USER = 'aaaa0000-0000-4000-8000-00000000000a';
const MANAGER = 'bbbb0000-0000-4000-8000-00000000000b';
const GROUP = '9a000000-0000-4000-8000-000000000001';
const BASE = 'https://graph.microsoft.us/v1.0';

/** A batcher that records each write and answers it from `answer` (a body, or an error to throw). */
function recordingBatcher(answer: (request: WriteRequest) => unknown = () => undefined): WriteBatcher & { sent: WriteRequest[] } {
  const sent: WriteRequest[] = [];
  return {
    sent,
    async submit(request) {
      sent.push(request);
      const outcome = answer(request);
      if (outcome instanceof Error) throw outcome;
      return { body: outcome, requestId: 'req-ok' };
    },
  };
}

function refusal(status: number, code: string, message: string): GraphRequestError {
  return new GraphRequestError({ status, code, message, requestId: `req-${status}`, idempotent: true });
}

const ALREADY = refusal(400, 'Request_BadRequest', "One or more added object references already exist for the following modified properties: 'members'.");
const NOT_FOUND = refusal(404, 'Request_ResourceNotFound', "Resource 'x' does not exist or one of its queried reference-property objects are not present.");

describe('Graph writer: attributes, manager and group members', () => {
  it('updateAttributes sends PATCH /users/{id} with exactly the given keys, null to unset, safe to repeat', async () => {
    const batcher = recordingBatcher();
    const receipt = await createGraphWriter(batcher, { graphBase: BASE }).updateAttributes(USER, { businessPhones: ['+31 20 555 0000'], department: null, jobTitle: 'Lead' });
    expect(receipt).toEqual({ requestId: 'req-ok' });
    expect(batcher.sent).toEqual([{ method: 'PATCH', url: `/users/${USER}`, body: { jobTitle: 'Lead', department: null, businessPhones: ['+31 20 555 0000'] }, idempotent: true }]);
    expect(Object.keys(batcher.sent[0]?.body as object)).toEqual(['jobTitle', 'department', 'businessPhones']);
  });

  it("setManager PUTs the manager reference with the cloud's Graph in @odata.id, or DELETEs it; a 404 on removal is done", async () => {
    const batcher = recordingBatcher((r) => (r.method === 'DELETE' ? NOT_FOUND : undefined));
    const writer = createGraphWriter(batcher, { graphBase: BASE });
    await writer.setManager(USER, MANAGER);
    expect(await writer.setManager(USER, null)).toEqual({ requestId: 'req-404' });
    expect(batcher.sent).toEqual([
      { method: 'PUT', url: `/users/${USER}/manager/$ref`, body: { '@odata.id': `${BASE}/users/${MANAGER}` }, idempotent: true },
      { method: 'DELETE', url: `/users/${USER}/manager/$ref`, body: undefined, idempotent: true },
    ]);
  });

  it('a 404 setting a manager is not done: the manager does not exist', async () => {
    const writer = createGraphWriter(recordingBatcher(() => NOT_FOUND), { graphBase: BASE });
    await expect(writer.setManager(USER, MANAGER)).rejects.toBe(NOT_FOUND);
  });

  it('addGroupMember POSTs the directory object reference, safe to repeat; "already exist" is done with its request id, another 400 is not', async () => {
    const batcher = recordingBatcher(() => ALREADY);
    const writer = createGraphWriter(batcher, { graphBase: BASE });
    expect(await writer.addGroupMember(GROUP, USER)).toEqual({ requestId: 'req-400' });
    expect(batcher.sent).toEqual([{ method: 'POST', url: `/groups/${GROUP}/members/$ref`, body: { '@odata.id': `${BASE}/directoryObjects/${USER}` }, idempotent: true }]);
    const other = refusal(400, 'Request_BadRequest', "Invalid object identifier 'x'.");
    await expect(createGraphWriter(recordingBatcher(() => other), { graphBase: BASE }).addGroupMember(GROUP, USER)).rejects.toBe(other);
    await expect(createGraphWriter(recordingBatcher(() => NOT_FOUND), { graphBase: BASE }).addGroupMember(GROUP, USER)).rejects.toBe(NOT_FOUND);
  });

  it('removeGroupMember DELETEs the member reference; a 404 is done', async () => {
    const batcher = recordingBatcher(() => NOT_FOUND);
    expect(await createGraphWriter(batcher, { graphBase: BASE }).removeGroupMember(GROUP, USER)).toEqual({ requestId: 'req-404' });
    expect(batcher.sent).toEqual([{ method: 'DELETE', url: `/groups/${GROUP}/members/${USER}/$ref`, body: undefined, idempotent: true }]);
  });

  it('a 404 naming the group or the user the reference hangs on is not done: that object is missing', async () => {
    const missing = (id: string): GraphRequestError => refusal(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
    await expect(createGraphWriter(recordingBatcher(() => missing(GROUP)), { graphBase: BASE }).removeGroupMember(GROUP, USER)).rejects.toBeInstanceOf(GraphRequestError);
    await expect(createGraphWriter(recordingBatcher(() => missing(GROUP.toUpperCase())), { graphBase: BASE }).removeGroupMember(GROUP, USER)).rejects.toBeInstanceOf(GraphRequestError);
    await expect(createGraphWriter(recordingBatcher(() => missing(USER)), { graphBase: BASE }).setManager(USER, null)).rejects.toBeInstanceOf(GraphRequestError);
    // The member's own 404 (not a member any more) is done.
    expect(await createGraphWriter(recordingBatcher(() => missing(USER)), { graphBase: BASE }).removeGroupMember(GROUP, USER)).toEqual({ requestId: 'req-404' });
  });

  it('updateAttributes empties businessPhones with [] (a collection Graph does not take null for)', async () => {
    const batcher = recordingBatcher();
    await createGraphWriter(batcher, { graphBase: BASE }).updateAttributes(USER, { businessPhones: null, jobTitle: null });
    expect(batcher.sent[0]?.body).toEqual({ jobTitle: null, businessPhones: [] });
  });

  it('createUser sends the set attributes in the POST body, not the unset ones, and never repeats the create', async () => {
    const batcher = recordingBatcher(() => ({ id: USER.toUpperCase() }));
    const created = await createGraphWriter(batcher, { graphBase: BASE }).createUser({
      userPrincipalName: 'erin@contoso.com', displayName: 'Erin', mailNickname: 'erin', accountEnabled: true, password: 'Xw9!long-random-password',
      attributes: { displayName: 'ignored: the input has its own', givenName: 'Erin', department: null, businessPhones: ['+31 20 555 0000'] },
    });
    expect(created).toEqual({ objectId: USER, requestId: 'req-ok' });
    const [request] = batcher.sent;
    expect(request?.idempotent).toBe(false);
    expect(request?.body).toEqual({
      accountEnabled: true, displayName: 'Erin', mailNickname: 'erin', userPrincipalName: 'erin@contoso.com', givenName: 'Erin', businessPhones: ['+31 20 555 0000'],
      passwordProfile: { password: 'Xw9!long-random-password', forceChangePasswordNextSignIn: true },
    });
  });

  it("the adapter names the cloud's Graph in references, also when the requests go elsewhere (the emulator, a proxy)", async () => {
    const bodies: unknown[] = [];
    const fakeFetch = (async (_input: unknown, init: RequestInit = {}) => {
      const batch = JSON.parse(String(init.body)) as { requests: { id: string; body?: unknown }[] };
      bodies.push(...batch.requests.map((r) => r.body));
      const responses = batch.requests.map((r) => ({ id: r.id, status: 204, headers: {} }));
      return new Response(JSON.stringify({ responses }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }) as typeof fetch;
    const tenant = createGraphTenant({
      endpoint: resolveGraphEndpoint({ cloud: 'china', graphUrl: 'http://127.0.0.1:4010' }),
      tokens: { getAccessToken: async () => 'token', getClaims: async () => ({}) },
      fetch: fakeFetch,
      retry: { sleep: async () => undefined, random: () => 0.5, nowMs: () => 0 },
    });
    await tenant.addGroupMember(GROUP, USER);
    await tenant.setManager(USER, MANAGER);
    expect(bodies).toEqual([
      { '@odata.id': `https://microsoftgraph.chinacloudapi.cn/${GRAPH_VERSION}/directoryObjects/${USER}` },
      { '@odata.id': `https://microsoftgraph.chinacloudapi.cn/${GRAPH_VERSION}/users/${MANAGER}` },
    ]);
  });

  it('sends PUT and DELETE one request each when writes are not batched; 204 answers carry no body', async () => {
    const seen: string[] = [];
    const fakeFetch = (async (input: unknown, init: RequestInit = {}) => {
      seen.push(`${init.method ?? 'GET'} ${String(input).replace('https://graph.microsoft.com/v1.0', '')} ${init.body === undefined || init.body === null ? '' : String(init.body)}`.trim());
      return new Response(null, { status: 204, headers: { 'request-id': 'r-1' } });
    }) as typeof fetch;
    const tenant = createGraphTenant({
      endpoint: resolveGraphEndpoint({}),
      tokens: { getAccessToken: async () => 'token', getClaims: async () => ({}) },
      fetch: fakeFetch,
      retry: { sleep: async () => undefined, random: () => 0.5, nowMs: () => 0 },
      batchWrites: false,
    });
    expect(await tenant.setManager(USER, MANAGER)).toEqual({ requestId: 'r-1' });
    expect(await tenant.removeGroupMember(GROUP, USER)).toEqual({ requestId: 'r-1' });
    expect(seen).toEqual([
      `PUT /users/${USER}/manager/$ref {"@odata.id":"https://graph.microsoft.com/v1.0/users/${MANAGER}"}`,
      `DELETE /groups/${GROUP}/members/${USER}/$ref`,
    ]);
  });
});
