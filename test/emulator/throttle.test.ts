import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  createThrottler,
  formatLimitPercentage,
  parseThrottleLimits,
  resourceUnitCost,
  throttleScope,
  throttledResponseBody,
} from '../../src/emulator/graph-api/throttle.ts';
import type { Admission, RequestCost, ThrottleLimits, Throttler } from '../../src/emulator/graph-api/throttle.ts';

const READ: RequestCost = { resourceUnits: 1, isWrite: false };
const WRITE: RequestCost = { resourceUnits: 1, isWrite: true };
const APP = '9a3d526c-b3c1-4479-ba74-197b5c5751ae';
const TENANT = '0785ef7c-2d7a-4542-b048-95bcab406e0b';

function limits(overrides: Partial<ThrottleLimits>): ThrottleLimits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

function rejected(admission: Admission): Extract<Admission, { admitted: false }> {
  if (admission.admitted) throw new Error('expected a rejection');
  return admission;
}

function admitMany(throttler: Throttler, count: number, cost: RequestCost, nowMs: number, appId = APP): void {
  for (let index = 0; index < count; index += 1) {
    expect(throttler.admit(appId, cost, nowMs).admitted).toBe(true);
  }
}

describe('resourceUnitCost', () => {
  it.each([
    { name: 'GET users', method: 'GET', path: '/users', query: '', expected: 2 },
    { name: 'GET subscribedSkus', method: 'GET', path: '/subscribedSkus', query: '', expected: 3 },
    { name: 'GET users/{id}/licenseDetails', method: 'GET', path: '/users/6e4e5a4a-0000-4000-8000-000000000001/licenseDetails', query: '', expected: 2 },
    { name: 'GET users/{upn}/licenseDetails', method: 'GET', path: '/users/bob@contoso.com/licenseDetails', query: '', expected: 2 },
    { name: 'GET me/licenseDetails', method: 'GET', path: '/me/licenseDetails', query: '', expected: 2 },
    { name: 'GET users/{id}/memberOf (me/memberOf in the table)', method: 'GET', path: '/users/6e4e5a4a-0000-4000-8000-000000000001/memberOf', query: '', expected: 2 },
    { name: 'GET users/{id}/memberOf/microsoft.graph.group (not in the table)', method: 'GET', path: '/users/6e4e5a4a-0000-4000-8000-000000000001/memberOf/microsoft.graph.group', query: '', expected: 1 },
    { name: 'GET users/{id} is an unlisted path', method: 'GET', path: '/users/6e4e5a4a-0000-4000-8000-000000000001', query: '', expected: 1 },
    { name: 'GET users/{id}/mailboxSettings', method: 'GET', path: '/users/bob@contoso.com/mailboxSettings', query: '', expected: 1 },
    { name: 'GET deleted users', method: 'GET', path: '/directory/deletedItems/microsoft.graph.user', query: '', expected: 1 },
    { name: 'path case and trailing slash', method: 'get', path: '/Users/', query: '', expected: 2 },
    { name: 'POST users', method: 'POST', path: '/users', query: '', expected: 1 },
    { name: 'POST assignLicense', method: 'POST', path: '/users/bob@contoso.com/assignLicense', query: '', expected: 1 },
    { name: 'PATCH user', method: 'PATCH', path: '/users/bob@contoso.com', query: '', expected: 1 },
    { name: 'PUT', method: 'PUT', path: '/users/bob@contoso.com/manager/$ref', query: '', expected: 1 },
    { name: 'DELETE user', method: 'DELETE', path: '/users/bob@contoso.com', query: '', expected: 1 },
    { name: '$select -1', method: 'GET', path: '/subscribedSkus', query: '$select=skuId', expected: 2 },
    { name: '$expand +1', method: 'GET', path: '/users', query: '$expand=manager', expected: 3 },
    { name: '$top below 20 -1', method: 'GET', path: '/users', query: '$top=19', expected: 1 },
    { name: '$top of 20 has no effect', method: 'GET', path: '/users', query: '$top=20', expected: 2 },
    { name: '$top that is not a number has no effect', method: 'GET', path: '/users', query: '$top=abc', expected: 2 },
    { name: 'all modifiers', method: 'GET', path: '/subscribedSkus', query: '$select=skuId&$expand=x&$top=5', expected: 2 },
    { name: 'option names are case-insensitive', method: 'GET', path: '/subscribedSkus', query: '$SELECT=skuId', expected: 2 },
    { name: 'option names need their $', method: 'GET', path: '/subscribedSkus', query: 'select=skuId', expected: 3 },
    { name: 'minimum 1 for a GET', method: 'GET', path: '/users', query: '$select=id&$top=10', expected: 1 },
    { name: 'minimum 1 for a write', method: 'PATCH', path: '/users/x', query: '$select=id', expected: 1 },
  ])('$name costs $expected', ({ method, path, query, expected }) => {
    const cost = resourceUnitCost({ method, path, query: new URLSearchParams(query) });
    expect(cost).toEqual({ resourceUnits: expected, isWrite: ['POST', 'PATCH', 'PUT', 'DELETE'].includes(method) });
  });
});

describe('parseThrottleLimits', () => {
  it('restores the defaults from {}', () => {
    expect(parseThrottleLimits({})).toEqual(DEFAULT_LIMITS);
    expect(DEFAULT_LIMITS).toEqual({ resourceUnits: 8000, resourceUnitWindowSeconds: 10, writes: 3000, writeWindowSeconds: 150 });
  });

  it('merges a partial object over the defaults', () => {
    expect(parseThrottleLimits({ writeWindowSeconds: 15, omitRetryAfter: true })).toEqual({
      ...DEFAULT_LIMITS,
      writeWindowSeconds: 15,
      omitRetryAfter: true,
    });
  });

  it.each([
    { name: 'not an object', json: [], field: 'limits' },
    { name: 'null', json: null, field: 'limits' },
    { name: 'unknown field', json: { requests: 5 }, field: 'limits.requests' },
    { name: 'fractional budget', json: { writes: 1.5 }, field: 'limits.writes' },
    { name: 'zero budget', json: { resourceUnits: 0 }, field: 'limits.resourceUnits' },
    { name: 'string budget', json: { writes: '3000' }, field: 'limits.writes' },
    { name: 'zero window', json: { writeWindowSeconds: 0 }, field: 'limits.writeWindowSeconds' },
    { name: 'infinite window', json: { resourceUnitWindowSeconds: Number.POSITIVE_INFINITY }, field: 'limits.resourceUnitWindowSeconds' },
    { name: 'non-boolean omitRetryAfter', json: { omitRetryAfter: 'yes' }, field: 'limits.omitRetryAfter' },
  ])('rejects $name, naming $field', ({ json, field }) => {
    expect(() => parseThrottleLimits(json)).toThrow(field);
  });
});

describe('Throttler', () => {
  it('answers an exact Retry-After, rounded up to the millisecond', () => {
    const throttler = createThrottler(limits({ writes: 3, writeWindowSeconds: 10 }));
    throttler.admit(APP, WRITE, 1000);
    throttler.admit(APP, WRITE, 1500);
    throttler.admit(APP, WRITE, 2000);
    const rejection = rejected(throttler.admit(APP, WRITE, 8872));
    expect(rejection.retryAfterSeconds).toBe(2.128);
    expect(rejection.information).toBe('WriteLimitExceeded');
    expect(throttler.admit(APP, WRITE, 10_999).admitted).toBe(false);
    expect(throttler.admit(APP, WRITE, 11_000).admitted).toBe(true);
  });

  it('rounds a fractional wait up and answers at least 0.001 s', () => {
    const throttler = createThrottler(limits({ writes: 1, writeWindowSeconds: 1 }));
    throttler.admit(APP, WRITE, 0);
    expect(rejected(throttler.admit(APP, WRITE, 0.4)).retryAfterSeconds).toBe(1);
    expect(rejected(throttler.admit(APP, WRITE, 999.5)).retryAfterSeconds).toBe(0.001);
  });

  it('waits for enough units to free up, not just the oldest entry', () => {
    const throttler = createThrottler(limits({ resourceUnits: 4, resourceUnitWindowSeconds: 1 }));
    throttler.admit(APP, { resourceUnits: 1, isWrite: false }, 0);
    throttler.admit(APP, { resourceUnits: 2, isWrite: false }, 100);
    throttler.admit(APP, { resourceUnits: 1, isWrite: false }, 200);
    const rejection = rejected(throttler.admit(APP, { resourceUnits: 3, isWrite: false }, 300));
    expect(rejection.information).toBe('ResourceUnitLimitExceeded');
    expect(rejection.retryAfterSeconds).toBe(0.8);
    expect(throttler.admit(APP, { resourceUnits: 3, isWrite: false }, 1100).admitted).toBe(true);
  });

  it('waits for both budgets and names the binding one', () => {
    const throttler = createThrottler(limits({ resourceUnits: 2, resourceUnitWindowSeconds: 1, writes: 2, writeWindowSeconds: 5 }));
    throttler.admit(APP, WRITE, 0);
    throttler.admit(APP, WRITE, 0);
    const rejection = rejected(throttler.admit(APP, WRITE, 0));
    expect(rejection).toMatchObject({ information: 'WriteLimitExceeded', retryAfterSeconds: 5 });
    expect(rejected(throttler.admit(APP, READ, 0))).toMatchObject({ information: 'ResourceUnitLimitExceeded', retryAfterSeconds: 1 });
  });

  it('consumes nothing for a rejected request', () => {
    const throttler = createThrottler(limits({ writes: 10, writeWindowSeconds: 1 }));
    admitMany(throttler, 10, WRITE, 0);
    for (let nowMs = 0; nowMs < 1000; nowMs += 1) expect(throttler.admit(APP, WRITE, nowMs).admitted).toBe(false);
    admitMany(throttler, 10, WRITE, 1000);
    expect(throttler.admit(APP, WRITE, 1000).admitted).toBe(false);
  });

  it('reports the limit percentage only above 0.8, for the fuller budget', () => {
    const throttler = createThrottler(limits({ writes: 10, writeWindowSeconds: 100 }));
    const percentages = Array.from({ length: 10 }, () => throttler.admit(APP, WRITE, 0))
      .map((admission) => (admission.admitted ? admission.limitPercentage : undefined));
    expect(percentages).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, 0.9, 1]);
    expect(throttler.admit(APP, READ, 0)).toEqual({ admitted: true, limitPercentage: 1 });
    expect(rejected(throttler.admit(APP, WRITE, 0)).limitPercentage).toBe(1.1);
  });

  it('caps the limit percentage of a rejection at 1.8', () => {
    const throttler = createThrottler(limits({ resourceUnits: 2, resourceUnitWindowSeconds: 1 }));
    throttler.admit(APP, { resourceUnits: 2, isWrite: false }, 0);
    expect(rejected(throttler.admit(APP, { resourceUnits: 2, isWrite: false }, 0)).limitPercentage).toBe(1.8);
  });

  it('admits a cost above the whole budget into an empty window only', () => {
    const throttler = createThrottler(limits({ resourceUnits: 2, resourceUnitWindowSeconds: 1 }));
    expect(throttler.admit(APP, { resourceUnits: 3, isWrite: false }, 0).admitted).toBe(true);
    expect(rejected(throttler.admit(APP, { resourceUnits: 3, isWrite: false }, 500)).retryAfterSeconds).toBe(0.5);
    expect(throttler.admit(APP, { resourceUnits: 3, isWrite: false }, 1000).admitted).toBe(true);
  });

  it('keeps apps apart', () => {
    const throttler = createThrottler(limits({ writes: 2 }));
    admitMany(throttler, 2, WRITE, 0, 'app-a');
    expect(throttler.admit('app-a', WRITE, 0).admitted).toBe(false);
    admitMany(throttler, 2, WRITE, 0, 'app-b');
  });

  it('applies setLimits to recorded usage and forgets it on reset', () => {
    const throttler = createThrottler(limits({ writes: 5 }));
    admitMany(throttler, 3, WRITE, 0);
    throttler.setLimits(limits({ writes: 3 }));
    expect(throttler.limits.writes).toBe(3);
    expect(throttler.admit(APP, WRITE, 0).admitted).toBe(false);
    throttler.setLimits(limits({ writes: 4 }));
    admitMany(throttler, 1, WRITE, 0);
    throttler.reset();
    admitMany(throttler, 4, WRITE, 0);
    expect(throttler.trackedEntryCount()).toBe(2);
  });

  it('omits Retry-After when configured to', () => {
    const throttler = createThrottler(limits({ writes: 1, omitRetryAfter: true }));
    throttler.admit(APP, WRITE, 0);
    expect(rejected(throttler.admit(APP, WRITE, 0)).retryAfterSeconds).toBeUndefined();
  });

  it('treats time going backwards as no time passing', () => {
    const throttler = createThrottler(limits({ writes: 1, writeWindowSeconds: 1 }));
    throttler.admit(APP, WRITE, 5000);
    expect(rejected(throttler.admit(APP, WRITE, 4000)).retryAfterSeconds).toBe(1);
  });

  it('keeps memory bounded: same-millisecond admissions share an entry, expired entries and idle apps go', () => {
    const throttler = createThrottler(limits({ resourceUnits: 8000, resourceUnitWindowSeconds: 10 }));
    admitMany(throttler, 5000, READ, 0);
    expect(throttler.trackedEntryCount()).toBe(1);
    for (let nowMs = 0; nowMs < 100_000; nowMs += 2) throttler.admit(APP, READ, nowMs);
    expect(throttler.trackedEntryCount()).toBeLessThanOrEqual(5000);
    for (let app = 0; app < 5000; app += 1) throttler.admit(`app-${app}`, READ, 200_000);
    throttler.admit(APP, READ, 300_000);
    for (let count = 0; count < 5000; count += 1) throttler.admit(APP, READ, 300_000 + count);
    expect(throttler.trackedEntryCount()).toBeLessThanOrEqual(5001);
  });
});

describe('a client that waits exactly Retry-After', () => {
  /**
   * Sends `cost` requests back to back over virtual time and returns the units admitted in
   * `durationMs`. The clock counts whole microseconds so that float error does not accumulate.
   */
  function simulate(throttler: Throttler, cost: RequestCost, durationMs: number, perRequestMs: number): number {
    let nowUs = 0;
    let admitted = 0;
    while (nowUs < durationMs * 1000) {
      const admission = throttler.admit(APP, cost, nowUs / 1000);
      if (admission.admitted) {
        admitted += cost.isWrite ? 1 : cost.resourceUnits;
        nowUs += Math.round(perRequestMs * 1000);
      } else {
        // As a client would: through the header's text.
        nowUs += Math.round(Number.parseFloat(String(admission.retryAfterSeconds)) * 1_000_000);
      }
    }
    return admitted;
  }

  it.each([
    { name: 'instant requests, benchmark write budget', writeWindowSeconds: 15, perRequestMs: 0 },
    { name: '3 ms requests, benchmark write budget', writeWindowSeconds: 15, perRequestMs: 3 },
    { name: '0.7 ms requests, benchmark write budget', writeWindowSeconds: 15, perRequestMs: 0.7 },
    { name: '4.3 ms requests, default write budget', writeWindowSeconds: 150, perRequestMs: 4.3 },
  ])('reaches at least 99 % of the write budget over 10 windows: $name', ({ writeWindowSeconds, perRequestMs }) => {
    const throttler = createThrottler(parseThrottleLimits({ writeWindowSeconds }));
    const windows = 10;
    const writes = simulate(throttler, WRITE, windows * writeWindowSeconds * 1000, perRequestMs);
    expect(writes / (windows * 3000)).toBeGreaterThanOrEqual(0.99);
    expect(writes).toBeLessThanOrEqual(windows * 3000);
  });

  it('reaches at least 99 % of the RU budget over 10 windows with GET users', () => {
    const throttler = createThrottler(DEFAULT_LIMITS);
    const units = simulate(throttler, { resourceUnits: 2, isWrite: false }, 100_000, 0.25);
    expect(units / 80_000).toBeGreaterThanOrEqual(0.99);
    expect(units).toBeLessThanOrEqual(80_000);
  });
});

describe('Throttler against a naive model', () => {
  interface Step { readonly gapMs: number; readonly units: number; readonly isWrite: boolean }

  /** Recomputes everything from the full history of admissions. */
  function naiveModel(testLimits: ThrottleLimits): (cost: RequestCost, nowMs: number) => { admitted: boolean; retryAfterSeconds?: number } {
    const history: { nowMs: number; units: number; isWrite: boolean }[] = [];
    const ruWindowMs = testLimits.resourceUnitWindowSeconds * 1000;
    const writeWindowMs = testLimits.writeWindowSeconds * 1000;
    function wait(entries: { nowMs: number; units: number }[], units: number, limit: number, windowMs: number, nowMs: number): number {
      const live = entries.filter((entry) => entry.nowMs + windowMs > nowMs);
      let excess = live.reduce((sum, entry) => sum + entry.units, 0) + units - limit;
      for (const entry of live) {
        if (excess <= 0) break;
        excess -= entry.units;
        if (excess <= 0) return entry.nowMs + windowMs - nowMs;
      }
      return 0;
    }
    return (cost, nowMs) => {
      const units = Math.min(cost.resourceUnits, testLimits.resourceUnits);
      const ruWait = wait(history, units, testLimits.resourceUnits, ruWindowMs, nowMs);
      const writes = history.filter((entry) => entry.isWrite).map((entry) => ({ nowMs: entry.nowMs, units: 1 }));
      const writeWait = cost.isWrite ? wait(writes, 1, testLimits.writes, writeWindowMs, nowMs) : 0;
      if (ruWait > 0 || writeWait > 0) return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil(Math.max(ruWait, writeWait))) / 1000 };
      history.push({ nowMs, units, isWrite: cost.isWrite });
      return { admitted: true };
    };
  }

  it('agrees on every decision and Retry-After, and no window ever holds more than the budget', () => {
    const step = fc.record({ gapMs: fc.integer({ min: 0, max: 400 }), units: fc.integer({ min: 1, max: 5 }), isWrite: fc.boolean() });
    fc.assert(fc.property(fc.array(step, { maxLength: 300 }), (steps: Step[]) => {
      const testLimits = limits({ resourceUnits: 12, resourceUnitWindowSeconds: 1, writes: 4, writeWindowSeconds: 2 });
      const throttler = createThrottler(testLimits);
      const model = naiveModel(testLimits);
      const admittedWrites: number[] = [];
      let nowMs = 0;
      for (const { gapMs, units, isWrite } of steps) {
        nowMs += gapMs;
        const cost = { resourceUnits: units, isWrite };
        const actual = throttler.admit(APP, cost, nowMs);
        const expected = model(cost, nowMs);
        expect(actual.admitted).toBe(expected.admitted);
        if (!actual.admitted) expect(actual.retryAfterSeconds).toBe(expected.retryAfterSeconds);
        if (actual.admitted && isWrite) admittedWrites.push(nowMs);
        expect(admittedWrites.filter((at) => at > nowMs - 2000).length).toBeLessThanOrEqual(4);
      }
    }));
  });
});

describe('formatLimitPercentage', () => {
  it.each([
    { value: 0.85, expected: '0.85' },
    { value: 0.8001, expected: '0.801' },
    { value: 1, expected: '1' },
    { value: 1.8, expected: '1.8' },
    { value: 0.9333333, expected: '0.934' },
  ])('$value -> $expected', ({ value, expected }) => {
    expect(formatLimitPercentage(value)).toBe(expected);
  });
});

describe('throttledResponseBody', () => {
  it('is the sample 429 body of the throttling doc, key order included', () => {
    const body = throttledResponseBody('94fb3b52-452a-4535-a601-69e0a90e3aa2', '2020-08-18T12:51:51');
    expect(JSON.stringify(body)).toBe(
      '{"error":{"code":"TooManyRequests","innerError":{"code":"429","date":"2020-08-18T12:51:51","message":"Please retry after",'
        + '"request-id":"94fb3b52-452a-4535-a601-69e0a90e3aa2","status":"429"},"message":"Please retry again later."}}',
    );
  });
});

describe('throttleScope', () => {
  it.each([
    { information: 'ResourceUnitLimitExceeded', expected: `Tenant_Application/ReadWrite/${APP}/${TENANT}` },
    { information: 'CPULimitExceeded', expected: `Tenant_Application/ReadWrite/${APP}/${TENANT}` },
    { information: 'WriteLimitExceeded', expected: `Tenant_Application/Write/${APP}/${TENANT}` },
  ] as const)('$information -> $expected', ({ information, expected }) => {
    expect(throttleScope(APP, TENANT, information)).toBe(expected);
  });
});
