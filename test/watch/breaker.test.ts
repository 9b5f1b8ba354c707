// The breaker of `tenantctl watch` (src/watch/breaker.ts), on a fake clock: a sliding window of 60 minutes, and
// a trip that lasts until reset.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BREAKER_WINDOW_MS, createBreaker } from '../../src/watch/breaker.ts';

const MINUTE = 60_000;

function clock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void; set: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms), set: (ms) => (time = ms) };
}

describe('breaker', () => {
  it('allows up to the limit within an hour, and trips on the heal that would pass it', () => {
    const time = clock();
    const breaker = createBreaker({ maxPerHour: 3, now: time.now });
    expect(breaker.allow(1)).toBe(true);
    time.advance(10 * MINUTE);
    expect(breaker.allow(2)).toBe(true);
    expect(breaker.recent()).toBe(3);
    expect(breaker.tripped).toBe(false);
    expect(breaker.trippedAt).toBeUndefined();
    expect(breaker.reason).toBeUndefined();
    time.advance(MINUTE);
    expect(breaker.allow(1)).toBe(false);
    expect(breaker.tripped).toBe(true);
    expect(breaker.trippedAt).toBe(time.now());
    expect(breaker.reason).toBe(
      'healing 1 more change would make 4 within 60 minutes, more than watch.maxChangesPerHour (3); healing is stopped and every change is reported until watch is restarted',
    );
    // What was refused is not counted.
    expect(breaker.recent()).toBe(3);
  });

  it('counts a sliding window: heals older than 60 minutes no longer count', () => {
    const time = clock();
    const breaker = createBreaker({ maxPerHour: 2, now: time.now });
    expect(breaker.allow(1)).toBe(true);
    time.advance(30 * MINUTE);
    expect(breaker.allow(1)).toBe(true);
    time.advance(30 * MINUTE - 1);
    expect(breaker.recent()).toBe(2); // the first heal is 59:59.999 old
    time.advance(1);
    expect(breaker.recent()).toBe(1); // and now 60:00 old: out of the window
    expect(breaker.allow(1)).toBe(true);
    expect(breaker.tripped).toBe(false);
    expect(BREAKER_WINDOW_MS).toBe(60 * MINUTE);
  });

  it('trips on one round bigger than the limit, counting none of it', () => {
    const time = clock();
    const breaker = createBreaker({ maxPerHour: 60, now: time.now });
    expect(breaker.allow(61)).toBe(false);
    expect(breaker.tripped).toBe(true);
    expect(breaker.recent()).toBe(0);
    expect(breaker.reason).toContain('healing 61 more changes would make 61 within 60 minutes, more than watch.maxChangesPerHour (60)');
  });

  it('stays tripped however much time passes, until reset; reset forgets what was counted', () => {
    const time = clock();
    const breaker = createBreaker({ maxPerHour: 1, now: time.now });
    expect(breaker.allow(1)).toBe(true);
    expect(breaker.allow(1)).toBe(false);
    const at = time.now();
    time.advance(48 * 60 * MINUTE);
    expect(breaker.allow(1)).toBe(false);
    expect(breaker.allow(0)).toBe(false);
    expect(breaker.tripped).toBe(true);
    expect(breaker.trippedAt).toBe(at);
    breaker.reset();
    expect(breaker.tripped).toBe(false);
    expect(breaker.trippedAt).toBeUndefined();
    expect(breaker.reason).toBeUndefined();
    expect(breaker.recent()).toBe(0);
    expect(breaker.allow(1)).toBe(true);
    expect(breaker.allow(1)).toBe(false);
  });

  it('allow(0) asks only whether healing is on', () => {
    const time = clock();
    const breaker = createBreaker({ maxPerHour: 1, now: time.now });
    expect(breaker.allow(1)).toBe(true);
    expect(breaker.allow(0)).toBe(true);
    expect(breaker.tripped).toBe(false);
  });

  it('takes a new limit for the heals to come, and a changed limit does not close a tripped breaker', () => {
    const time = clock();
    const breaker = createBreaker({ maxPerHour: 2, now: time.now });
    expect(breaker.allow(2)).toBe(true);
    breaker.configure({ maxPerHour: 3 });
    expect(breaker.maxPerHour).toBe(3);
    expect(breaker.allow(1)).toBe(true);
    expect(breaker.allow(1)).toBe(false);
    breaker.configure({ maxPerHour: 100 });
    expect(breaker.tripped).toBe(true);
    expect(breaker.allow(1)).toBe(false);
  });

  it('keeps counting when the clock goes back (a heal "in the future" still counts)', () => {
    const time = clock();
    const breaker = createBreaker({ maxPerHour: 2, now: time.now });
    expect(breaker.allow(2)).toBe(true);
    time.advance(-10 * MINUTE);
    expect(breaker.recent()).toBe(2);
    expect(breaker.allow(1)).toBe(false);
  });

  it('refuses a limit or a count that is not a whole number', () => {
    const time = clock();
    expect(() => createBreaker({ maxPerHour: 0, now: time.now })).toThrow(RangeError);
    expect(() => createBreaker({ maxPerHour: 1.5, now: time.now })).toThrow(RangeError);
    const breaker = createBreaker({ maxPerHour: 5, now: time.now });
    expect(() => breaker.allow(-1)).toThrow(RangeError);
    expect(() => breaker.allow(0.5)).toThrow(RangeError);
    expect(() => breaker.configure({ maxPerHour: Number.NaN })).toThrow(RangeError);
  });

  it('never lets more than the limit through within any 60 minutes, and trips exactly when it refuses', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.record({ wait: fc.integer({ min: 0, max: 40 * MINUTE }), n: fc.integer({ min: 0, max: 8 }) }), { maxLength: 60 }), (max, steps) => {
        const time = clock(0);
        const breaker = createBreaker({ maxPerHour: max, now: time.now });
        const allowed: { at: number; n: number }[] = [];
        for (const { wait, n } of steps) {
          time.advance(wait);
          const within = allowed.filter((a) => time.now() - a.at < BREAKER_WINDOW_MS).reduce((sum, a) => sum + a.n, 0);
          const wasTripped = breaker.tripped;
          const ok = breaker.allow(n);
          expect(ok).toBe(!wasTripped && within + n <= max);
          if (ok) allowed.push({ at: time.now(), n });
          expect(breaker.tripped).toBe(wasTripped || !ok);
        }
        for (const a of allowed) {
          const inWindow = allowed.filter((b) => b.at >= a.at && b.at - a.at < BREAKER_WINDOW_MS).reduce((sum, b) => sum + b.n, 0);
          expect(inWindow).toBeLessThanOrEqual(max);
        }
      }),
    );
  });
});
