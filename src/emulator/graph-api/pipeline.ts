import type { FaultDecision, FaultInjector } from '../controls/faults.ts';
import type { TenantStore } from '../directory/store.ts';
import { errorEnvelope, GraphError, innerErrorDate, insufficientPrivileges, newRequestId } from './errors.ts';
import { isAuthorised } from './permissions.ts';
import type { GraphRequest, GraphResponse, Route } from './router.ts';
import { matchRoute } from './router.ts';
import { DELTA_ROUTES } from './routes-delta.ts';
import { DIRECTORY_ROUTES } from './routes-directory.ts';
import { MEMBER_OF_ROUTES } from './routes-member-of.ts';
import { USER_ROUTES } from './routes-users.ts';
import type { Throttler } from './throttle.ts';
import { formatLimitPercentage, resourceUnitCost, throttledResponseBody, throttleScope } from './throttle.ts';

// The delta function first: `/users/delta` would otherwise match `/users/{id}`.
export const ROUTES: readonly Route[] = [...DELTA_ROUTES, ...USER_ROUTES, ...DIRECTORY_ROUTES, ...MEMBER_OF_ROUTES];

/** Who is calling, from a verified token. */
export interface Caller {
  readonly appId: string;
  readonly roles: ReadonlySet<string>;
}

/** What every Graph call shares: the tenant, the budgets, the faults, the real clock. */
export interface PipelineContext {
  readonly store: TenantStore;
  readonly throttler: Throttler;
  readonly faults: FaultInjector | undefined;
  /** Real time, for throttling windows (never the directory clock). */
  readonly realNowMs: () => number;
}

const GENERIC_5XX: Readonly<Record<number, [string, string]>> = {
  500: ['InternalServerError', 'An internal server error occurred.'],
  502: ['BadGateway', 'The server received an invalid response from an upstream server.'],
  503: ['ServiceUnavailable', 'The service is temporarily unavailable. Please retry later.'],
  504: ['GatewayTimeout', 'The server did not receive a timely response from an upstream server.'],
};

/** The response an injected throttle or 5xx fault gives, or undefined when the request goes on. */
export function faultResponse(decision: FaultDecision | undefined, ids: { requestId: string; clientRequestId: string; nowMs: number }): GraphResponse | undefined {
  if (!decision) return undefined;
  const retryAfter: Record<string, string> = decision.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(decision.retryAfterSeconds) };
  if (decision.fault === 'throttle') {
    return { status: 429, body: throttledResponseBody(ids.requestId, innerErrorDate(ids.nowMs)), headers: retryAfter };
  }
  if (decision.fault === 'error5xx') {
    const status = decision.status5xx ?? 503;
    const [code, message] = GENERIC_5XX[status] ?? ['ServiceUnavailable', 'The service is temporarily unavailable.'];
    return { status, body: errorEnvelope(new GraphError(status, code, message), ids), headers: retryAfter };
  }
  return undefined;
}

/**
 * One Graph call after authentication (alone or as a `$batch` item): route, permission,
 * throttling budget, handler. Every failure becomes Graph's envelope; nothing throws.
 */
export function executeGraphRequest(request: GraphRequest, caller: Caller, context: PipelineContext, ids: { requestId: string; clientRequestId: string }): GraphResponse {
  const nowMs = context.realNowMs();
  // Identity responses carry their cost, errors included (docs/graph-behaviour.md §10's 403 item, §11).
  let costHeader: Record<string, string> = {};
  try {
    const { route, params } = matchRoute(ROUTES, request.method, request.path);
    const cost = resourceUnitCost({ method: request.method, path: request.path, query: request.query });
    costHeader = { 'x-ms-resource-unit': String(cost.resourceUnits) };
    if (!isAuthorised(caller.roles, route.operation)) throw insufficientPrivileges();
    const admission = context.throttler.admit(caller.appId, cost, nowMs);
    if (!admission.admitted) {
      return {
        status: 429,
        body: throttledResponseBody(ids.requestId, innerErrorDate(nowMs)),
        headers: {
          ...(admission.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(admission.retryAfterSeconds) }),
          'x-ms-throttle-limit-percentage': formatLimitPercentage(admission.limitPercentage),
          'x-ms-throttle-scope': throttleScope(caller.appId, context.store.tenantId, admission.information),
          'x-ms-throttle-information': admission.information,
        },
      };
    }
    const response = route.handle(request, params, context.store);
    return {
      ...response,
      headers: {
        ...response.headers,
        ...costHeader,
        ...(admission.limitPercentage === undefined ? {} : { 'x-ms-throttle-limit-percentage': formatLimitPercentage(admission.limitPercentage) }),
      },
    };
  } catch (error) {
    if (error instanceof GraphError) return { status: error.status, body: errorEnvelope(error, { ...ids, nowMs }), headers: { ...error.headers, ...costHeader } };
    // A bug in the emulator: say so in Graph's shape, so that the client's error path is exercised honestly.
    const message = `Emulator bug: ${error instanceof Error ? error.message : String(error)}`;
    return { status: 500, body: errorEnvelope(new GraphError(500, 'InternalServerError', message), { ...ids, nowMs }) };
  }
}

export function requestIds(headers: Readonly<Record<string, string | undefined>>): { requestId: string; clientRequestId: string } {
  const requestId = newRequestId();
  return { requestId, clientRequestId: headers['client-request-id'] ?? newRequestId() };
}
