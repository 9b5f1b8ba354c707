/**
 * The tenant port's error (src/tenant/errors.ts): one constructor decides kind, retryable and
 * mayHaveTakenEffect from the answer, so the Graph adapter's `GraphRequestError` and the in-memory
 * adapter's `TenantError` agree for the same failure. The transient failures (no answer, 5xx, 429)
 * only the Graph adapter can meet are checked here; the refusals both meet, in the contract suite.
 */
import { describe, expect, it } from 'vitest';
import { TenantError } from '../../src/tenant/errors.ts';
import { GraphRequestError } from '../../src/tenant/graph/errors.ts';
import { createMemoryTenant } from '../../src/tenant/memory/tenant.ts';
import { TenantError as PortTenantError } from '../../src/tenant/port.ts';
import { contoso, DAVE } from '../support/emulator.ts';
import { memoryInputFromSeed } from '../support/memory-seed.ts';

const portView = (error: TenantError): Record<string, unknown> => ({
  kind: error.kind, retryable: error.retryable, mayHaveTakenEffect: error.mayHaveTakenEffect, status: error.status, code: error.code, message: error.message, requestId: error.requestId,
});

describe('TenantError', () => {
  it('is what the port exports', () => {
    expect(PortTenantError).toBe(TenantError);
  });

  it.each([
    { status: 0, idempotent: false, kind: 'network', retryable: false, mayHaveTakenEffect: true },
    { status: 0, idempotent: true, kind: 'network', retryable: true, mayHaveTakenEffect: true },
    { status: 500, idempotent: false, kind: 'unavailable', retryable: false, mayHaveTakenEffect: true },
    { status: 502, idempotent: true, kind: 'unavailable', retryable: true, mayHaveTakenEffect: true },
    { status: 503, idempotent: false, kind: 'unavailable', retryable: true, mayHaveTakenEffect: true },
    { status: 504, idempotent: false, kind: 'unavailable', retryable: false, mayHaveTakenEffect: true },
    { status: 429, idempotent: false, kind: 'throttled', retryable: true, mayHaveTakenEffect: false },
    { status: 424, idempotent: true, kind: 'other', retryable: true, mayHaveTakenEffect: false },
    { status: 404, idempotent: true, kind: 'not-found', retryable: false, mayHaveTakenEffect: false },
    { status: 403, idempotent: true, kind: 'forbidden', retryable: false, mayHaveTakenEffect: false },
    { status: 400, idempotent: true, kind: 'other', retryable: false, mayHaveTakenEffect: false },
  ])('status $status (idempotent: $idempotent): $kind, retryable $retryable, may have taken effect $mayHaveTakenEffect', ({ status, idempotent, kind, retryable, mayHaveTakenEffect }) => {
    const answer = { status, code: 'Code', message: 'Message.', requestId: 'req', idempotent };
    const port = new TenantError(answer);
    const graph = new GraphRequestError({ ...answer, method: 'POST', path: '/users', clientRequestId: 'cli', retryAfterMs: 10 });
    expect({ kind: port.kind, retryable: port.retryable, mayHaveTakenEffect: port.mayHaveTakenEffect }).toEqual({ kind, retryable, mayHaveTakenEffect });
    // The Graph adapter's error is the port's, with more: the engine reads both alike.
    expect(graph).toBeInstanceOf(TenantError);
    expect(portView(graph)).toEqual(portView(port));
  });

  it('classifies by the details it was given, without keeping them', () => {
    const message = 'Another object with the same value for property userPrincipalName already exists.';
    const error = new TenantError({ status: 400, code: 'Request_BadRequest', message: 'Conflict.', details: [{ code: 'ObjectConflict', message, target: 'userPrincipalName' }] });
    expect(error.kind).toBe('upn-conflict');
    expect(error).not.toHaveProperty('details');
  });

  it('says what happened in its string and JSON forms', () => {
    const error = new TenantError({ status: 503, code: 'ServiceUnavailable', message: 'Try later.', requestId: 'req-1' });
    expect({ name: error.name, text: String(error) }).toEqual({ name: 'TenantError', text: 'TenantError: 503 ServiceUnavailable: Try later.' });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'TenantError', status: 503, code: 'ServiceUnavailable', kind: 'unavailable', retryable: true, mayHaveTakenEffect: true, message: 'Try later.', requestId: 'req-1',
    });
    expect(JSON.parse(JSON.stringify(new GraphRequestError({ status: 0, code: 'NetworkError', message: 'No answer.' })))).toMatchObject({ name: 'GraphRequestError', kind: 'network', mayHaveTakenEffect: true });
  });

  it('is what the in-memory adapter throws: its own, not the Graph adapter\'s', async () => {
    const tenant = createMemoryTenant(memoryInputFromSeed(contoso()));
    const error = await tenant.restoreDeletedUser(DAVE, { autoReconcileProxyConflict: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TenantError);
    expect(error).not.toBeInstanceOf(GraphRequestError);
    expect(error).toMatchObject({ name: 'TenantError', kind: 'proxy-conflict', status: 400, code: 'Request_BadRequest', retryable: false, mayHaveTakenEffect: false });
  });
});
