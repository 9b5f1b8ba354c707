/**
 * Errors at the edge: one classification of Graph's answers into kinds, retryability as a
 * property, and no token or secret in any message, string or JSON form of an error.
 */
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.ts';
import { GraphHttp } from '../../src/tenant/graph/client.ts';
import { classifyGraphError } from '../../src/tenant/errors.ts';
import { AuthenticationError, GraphRequestError, graphErrorFromEnvelope } from '../../src/tenant/graph/errors.ts';
import { redact } from '../../src/tenant/graph/redact.ts';
import { contoso } from '../support/emulator.ts';
import { graphTenantFor } from '../support/graph-tenant.ts';

const conflict = (target: string): unknown => ({ code: 'ObjectConflict', message: `Another object with the same value for property ${target} already exists.`, target });

describe('classifyGraphError', () => {
  it.each([
    { kind: 'upn-conflict', status: 400, code: 'Request_BadRequest', message: 'Another object with the same value for property userPrincipalName already exists.', details: [conflict('userPrincipalName')] },
    { kind: 'proxy-conflict', status: 400, code: 'Request_BadRequest', message: 'Another object with the same value for property proxyAddresses already exists.', details: [conflict('proxyAddresses'), { code: 'ConflictingObjects', message: 'x' }] },
    { kind: 'proxy-conflict', status: 400, code: 'Request_BadRequest', message: 'conflict', details: [conflict('proxyAddresses')] },
    { kind: 'invalid-upn', status: 400, code: 'Request_BadRequest', message: 'Property userPrincipalName is invalid.', details: [{ code: 'InvalidCharacter', message: 'Property userPrincipalName is invalid.', target: 'userPrincipalName' }] },
    { kind: 'unknown-sku', status: 400, code: 'Request_BadRequest', message: 'License 6fd2c87f-b296-42f0-b197-1e91e994b901 does not correspond to a valid company License.', details: [] },
    { kind: 'invalid-usage-location', status: 400, code: 'Request_BadRequest', message: 'License assignment cannot be done for user with invalid usage location.', details: [] },
    { kind: 'no-seats', status: 400, code: 'Request_BadRequest', message: 'Subscription with SKU 6fd2c87f-b296-42f0-b197-1e91e994b900 does not have any available licenses.', details: [] },
    { kind: 'mutually-exclusive', status: 400, code: 'Request_BadRequest', message: 'License assignment failed because service plans a,b are mutually exclusive.', details: [] },
    { kind: 'group-inherited', status: 400, code: 'Request_BadRequest', message: 'User license is inherited from a group membership and it cannot be removed directly from the user.', details: [] },
    { kind: 'no-mailbox', status: 404, code: 'MailboxNotEnabledForRESTAPI', message: 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.', details: [] },
    { kind: 'no-mailbox', status: 404, code: 'MailboxNotEnabledForRESTAPI', message: 'REST API is not yet supported for this mailbox.', details: [] },
    { kind: 'no-mailbox', status: 404, code: 'MailboxNotSupportedForRESTAPI', message: 'Mailbox is not supported.', details: [] },
    { kind: 'no-mailbox', status: 404, code: 'ErrorNonExistentMailbox', message: 'REST API is not yet supported for this mailbox.', details: [] },
    { kind: 'not-found', status: 404, code: 'Request_ResourceNotFound', message: "Resource 'x' does not exist or one of its queried reference-property objects are not present.", details: [] },
    { kind: 'unauthenticated', status: 401, code: 'InvalidAuthenticationToken', message: 'Access token is empty.', details: [] },
    { kind: 'forbidden', status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.', details: [] },
    { kind: 'throttled', status: 429, code: 'TooManyRequests', message: 'Please retry again later.', details: [] },
    { kind: 'unavailable', status: 503, code: 'ServiceUnavailable', message: 'x', details: [] },
    // Delta query (docs/graph-behaviour.md §21): an expired or unknown token, Graph's synchronization reset.
    { kind: 'delta-expired', status: 400, code: 'syncStateNotFound', message: 'The sync state generation is not found. The delta token is expired and data must be synchronized again.', details: [] },
    { kind: 'delta-expired', status: 410, code: 'resyncRequired', message: 'Resync required.', details: [] },
    { kind: 'delta-expired', status: 410, code: 'HTTP410', message: 'Gone.', details: [] },
    { kind: 'other', status: 400, code: 'Request_BadRequest', message: 'Something else.', details: [] },
  ])('$status $code "$message" → $kind', ({ kind, status, code, message, details }) => {
    const error = graphErrorFromEnvelope(status, { error: { code, message, details } }, {});
    expect(error.kind).toBe(kind);
    expect(classifyGraphError({ status, code: error.code, message, details: error.details })).toBe(kind);
  });

  it.each([
    { status: 429, idempotent: false, retryable: true },
    { status: 503, idempotent: false, retryable: true },
    { status: 504, idempotent: true, retryable: true },
    { status: 504, idempotent: false, retryable: false },
    { status: 500, idempotent: true, retryable: true },
    { status: 0, idempotent: true, retryable: true },
    { status: 0, idempotent: false, retryable: false },
    { status: 424, idempotent: true, retryable: true },
    { status: 400, idempotent: true, retryable: false },
    { status: 404, idempotent: true, retryable: false },
  ])('status $status (idempotent: $idempotent) is retryable: $retryable', ({ status, idempotent, retryable }) => {
    expect(new GraphRequestError({ status, code: 'x', message: 'x', idempotent }).retryable).toBe(retryable);
  });

  it('reads status, code, message, ids, details and Retry-After from the envelope (innerError or innererror)', () => {
    const error = graphErrorFromEnvelope(400, { error: { code: 'Request_BadRequest', message: 'm', details: [{ code: 'ObjectConflict', message: 'd', target: 'proxyAddresses', blockedWord: '' }], innererror: { 'request-id': 'req', 'client-request-id': 'cli' } } }, { retryAfterMs: 2128, method: 'POST', path: '/users' });
    expect(error.toJSON()).toMatchObject({ status: 400, code: 'Request_BadRequest', message: 'm', requestId: 'req', clientRequestId: 'cli', retryAfterMs: 2128, details: [{ code: 'ObjectConflict', message: 'd', target: 'proxyAddresses' }] });
    expect(String(error)).toBe('GraphRequestError: 400 Request_BadRequest: m (POST /users) [request-id req, client-request-id cli]');
  });
});

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlcyI6WyJVc2VyLlJlYWQuQWxsIl19.c2lnbmF0dXJlLXZhbHVl';
const SECRET = 'abc8Q~Xy0123456789abcdefghijABCDEFGHIJ_-';

describe('redaction', () => {
  it.each([
    `Authorization: Bearer ${JWT}`,
    `{"authorization":"Bearer ${JWT}"}`,
    `token ${JWT} leaked`,
    `client_secret=${SECRET}&scope=x`,
    `"client_secret": "${SECRET}"`,
    `the secret is ${SECRET}.`,
    `access_token=${JWT}`,
  ])('removes credentials from %s', (text) => {
    const clean = redact(text);
    expect(clean).not.toContain(JWT);
    expect(clean).not.toContain(SECRET);
    expect(clean).toContain('[redacted]');
  });

  it('removes a password echoed as JSON, plain or quoted inside a string', () => {
    const password = 'Kq7plainPasswordValue!aA1';
    for (const text of [`{"password":"${password}"}`, `{"error":"echo: {\\"password\\":\\"${password}\\"}"}`, `passwordProfile: '${password}'`]) {
      expect(redact(text)).not.toContain(password);
    }
  });

  it('keeps them out of every form of a GraphRequestError and an AuthenticationError', () => {
    const error = new GraphRequestError({ status: 401, code: 'InvalidAuthenticationToken', message: `Token ${JWT} is bad; Authorization: Bearer ${JWT}`, details: [{ code: 'x', message: `client_secret=${SECRET}`, target: null }] });
    const auth = new AuthenticationError('client-secret', `AADSTS7000215: Invalid client secret provided: ${SECRET} / plain-secret-value`, ['plain-secret-value']);
    for (const text of [error.message, String(error), JSON.stringify(error), auth.message, String(auth)]) {
      expect(text).not.toContain(JWT);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('plain-secret-value');
    }
  });

  it('keeps the bearer token out of errors whose body echoes the Authorization header', async () => {
    const echo = (async (_url: unknown, init: RequestInit = {}) => {
      const authorization = new Headers(init.headers).get('authorization') ?? '';
      return new Response(JSON.stringify({ error: { code: 'InvalidAuthenticationToken', message: `Rejected header: Authorization: ${authorization}; token was ${authorization.slice(7)}` } }), { status: 401, headers: { 'Content-Type': 'application/json' } });
    }) as typeof fetch;
    const client = new GraphHttp({ graphUrl: new URL('https://graph.microsoft.com'), accessToken: async () => JWT, fetch: echo, retry: { sleep: async () => {}, random: () => 0, nowMs: () => 0 } });
    const error = await client.get('/users').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphRequestError);
    for (const text of [(error as Error).message, String(error), JSON.stringify(error)]) expect(text).not.toContain(JWT.split('.')[1]);
  });

  it('never puts the emulator client secret or token in an authentication error', async () => {
    const seed = contoso((d) => { (d.apps[0] as { clientSecret: string }).clientSecret = 'the-right-secret-0123456789'; });
    const emulator = await startEmulator({ seed, port: 0 });
    try {
      const wrong = { ...seed, apps: [{ ...(seed.apps[0] as (typeof seed.apps)[number]), clientSecret: 'a-wrong-secret-9876543210' }] };
      const error = await graphTenantFor(emulator.url, wrong).tenant.readGrantedRoles().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(String(error)).toMatch(/invalid_client: AADSTS7000215/u);
      for (const text of [String(error), JSON.stringify(error), (error as Error).stack ?? '']) {
        expect(text).not.toContain('a-wrong-secret-9876543210');
        expect(text).not.toContain('the-right-secret-0123456789');
      }
    } finally {
      await emulator.close();
    }
  });
});
