import { describe, expect, it } from 'vitest';
import { createFaultInjector, mulberry32, parseFaultConfig } from '../../src/emulator/controls/faults.ts';
import type { FaultConfig, FaultDecision } from '../../src/emulator/controls/faults.ts';

const ISSUE_EXAMPLE = { seed: 1, throttle: 0.1, error5xx: 0.05, reset: 0.01, latencyMs: [0, 20] };

function config(overrides: Partial<FaultConfig> = {}): FaultConfig {
  const parsed = parseFaultConfig(ISSUE_EXAMPLE);
  if (parsed === undefined) throw new Error('the issue example parses to a config');
  return { ...parsed, ...overrides };
}

function draw(faultConfig: FaultConfig, count: number): FaultDecision[] {
  const injector = createFaultInjector(faultConfig);
  return Array.from({ length: count }, () => injector.next());
}

function share(decisions: readonly FaultDecision[], predicate: (decision: FaultDecision) => boolean): number {
  return decisions.filter(predicate).length / decisions.length;
}

describe('parseFaultConfig', () => {
  it('gives undefined (no faults) for {}', () => {
    expect(parseFaultConfig({})).toBeUndefined();
  });

  it('parses the issue example', () => {
    expect(parseFaultConfig(ISSUE_EXAMPLE)).toEqual(ISSUE_EXAMPLE);
  });

  it('injects only the 5xx statuses listed, and refuses others', () => {
    const config = parseFaultConfig({ seed: 3, error5xx: 1, statuses5xx: [503] });
    const injector = createFaultInjector(config ?? { seed: 0, throttle: 0, error5xx: 0, reset: 0, latencyMs: [0, 0] });
    const decisions = Array.from({ length: 50 }, () => injector.next());
    expect(new Set(decisions.map((d) => d.status5xx))).toEqual(new Set([503]));
    expect(decisions.every((d) => d.retryAfterSeconds !== undefined)).toBe(true);
    expect(() => parseFaultConfig({ error5xx: 1, statuses5xx: [501] })).toThrow(/faults\.statuses5xx must be a non-empty list of 500, 502, 503, 504/u);
    expect(() => parseFaultConfig({ error5xx: 1, statuses5xx: [] })).toThrow(/statuses5xx/u);
  });

  it('defaults the fields left out', () => {
    expect(parseFaultConfig({ throttle: 0.5, omitRetryAfter: true })).toEqual({
      seed: 0, throttle: 0.5, error5xx: 0, reset: 0, latencyMs: [0, 0], omitRetryAfter: true,
    });
  });

  it.each([
    { name: 'not an object', json: 'faults', field: 'faults' },
    { name: 'null', json: null, field: 'faults' },
    { name: 'unknown field', json: { latency: [0, 1] }, field: 'faults.latency' },
    { name: 'negative seed', json: { seed: -1 }, field: 'faults.seed' },
    { name: 'fractional seed', json: { seed: 1.5 }, field: 'faults.seed' },
    { name: 'probability above 1', json: { throttle: 1.5 }, field: 'faults.throttle' },
    { name: 'negative probability', json: { error5xx: -0.1 }, field: 'faults.error5xx' },
    { name: 'string probability', json: { reset: '0.1' }, field: 'faults.reset' },
    { name: 'probabilities summing above 1', json: { throttle: 0.6, error5xx: 0.3, reset: 0.2 }, field: 'faults.throttle + faults.error5xx + faults.reset' },
    { name: 'latency min above max', json: { latencyMs: [20, 10] }, field: 'faults.latencyMs' },
    { name: 'latency above 10 s', json: { latencyMs: [0, 10_001] }, field: 'faults.latencyMs' },
    { name: 'negative latency', json: { latencyMs: [-1, 10] }, field: 'faults.latencyMs' },
    { name: 'latency with one bound', json: { latencyMs: [10] }, field: 'faults.latencyMs' },
    { name: 'fractional latency', json: { latencyMs: [0, 1.5] }, field: 'faults.latencyMs' },
    { name: 'non-boolean omitRetryAfter', json: { omitRetryAfter: 1 }, field: 'faults.omitRetryAfter' },
  ])('rejects $name, naming $field', ({ json, field }) => {
    expect(() => parseFaultConfig(json)).toThrow(field);
  });
});

describe('mulberry32', () => {
  it('draws reproducible floats in [0, 1)', () => {
    const first = mulberry32(42);
    const second = mulberry32(42);
    const draws = Array.from({ length: 1000 }, () => first());
    expect(Array.from({ length: 1000 }, () => second())).toEqual(draws);
    expect(draws.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(new Set(draws).size).toBe(1000);
  });
});

describe('createFaultInjector', () => {
  it('gives the same sequence for the same seed', () => {
    expect(draw(config(), 1000)).toEqual(draw(config(), 1000));
  });

  it('gives a different sequence for a different seed', () => {
    expect(draw(config({ seed: 2 }), 100)).not.toEqual(draw(config(), 100));
  });

  it('draws the same latencies whatever the probabilities', () => {
    const latencies = (faultConfig: FaultConfig): number[] => draw(faultConfig, 500).map((decision) => decision.latencyMs);
    expect(latencies(config({ throttle: 0, error5xx: 0, reset: 0 }))).toEqual(latencies(config()));
  });

  describe('over 20,000 draws', () => {
    const decisions = draw(config({ latencyMs: [5, 25] }), 20_000);
    const errors = decisions.filter((decision) => decision.fault === 'error5xx');
    const resets = decisions.filter((decision) => decision.fault.startsWith('reset'));

    it.each([
      { fault: 'throttle', expected: 0.1 },
      { fault: 'error5xx', expected: 0.05 },
      { fault: 'reset', expected: 0.01 },
      { fault: 'none', expected: 0.84 },
    ])('observes $fault at $expected within 0.01', ({ fault, expected }) => {
      expect(Math.abs(share(decisions, (decision) => decision.fault.startsWith(fault)) - expected)).toBeLessThan(0.01);
    });

    it.each([500, 502, 503, 504])('splits the 5xx evenly: %i at a quarter within 0.05', (status) => {
      expect(Math.abs(share(errors, (decision) => decision.status5xx === status) - 0.25)).toBeLessThan(0.05);
    });

    it('splits resets between before and after the handler', () => {
      expect(Math.abs(share(resets, (decision) => decision.fault === 'reset-after') - 0.5)).toBeLessThan(0.15);
      expect(resets.some((decision) => decision.fault === 'reset-before')).toBe(true);
    });

    it('keeps latency within [min, max] and reaches both ends', () => {
      const latencies = decisions.map((decision) => decision.latencyMs);
      expect(latencies.every((latency) => Number.isInteger(latency) && latency >= 5 && latency <= 25)).toBe(true);
      expect(Math.min(...latencies)).toBe(5);
      expect(Math.max(...latencies)).toBe(25);
    });

    it('gives throttles and 503s a fractional Retry-After of 0.05 to 0.5 s, and no other decision one', () => {
      for (const decision of decisions) {
        const expectsRetryAfter = decision.fault === 'throttle' || decision.status5xx === 503;
        expect(decision.retryAfterSeconds !== undefined).toBe(expectsRetryAfter);
        if (decision.retryAfterSeconds !== undefined) {
          expect(decision.retryAfterSeconds).toBeGreaterThanOrEqual(0.05);
          expect(decision.retryAfterSeconds).toBeLessThanOrEqual(0.5);
          expect(Math.round(decision.retryAfterSeconds * 1000) / 1000).toBe(decision.retryAfterSeconds);
        }
      }
    });
  });

  it('omits Retry-After when configured to', () => {
    const decisions = draw(config({ throttle: 0.5, error5xx: 0.5, reset: 0, omitRetryAfter: true }), 1000);
    expect(decisions.some((decision) => decision.fault === 'throttle')).toBe(true);
    expect(decisions.every((decision) => decision.retryAfterSeconds === undefined)).toBe(true);
  });

  it('injects nothing when every probability is 0', () => {
    const decisions = draw(config({ throttle: 0, error5xx: 0, reset: 0, latencyMs: [0, 0] }), 1000);
    expect(decisions.every((decision) => decision.fault === 'none' && decision.latencyMs === 0)).toBe(true);
  });

  it('always faults when the probabilities sum to 1', () => {
    const decisions = draw(config({ throttle: 0.5, error5xx: 0.25, reset: 0.25 }), 1000);
    expect(decisions.some((decision) => decision.fault === 'none')).toBe(false);
  });
});
