/**
 * The pure helpers of `npm run bench:watch` (bench/watch/stats.ts): percentiles, the wave schedule with an
 * injected random source, picking whom to delete, the arguments. No emulator, no timing.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ARGS, median, parseArgs, percentile, pickDistinct, seededRandom, summarise, waveDelays, waveSizes } from '../../bench/watch/stats.ts';

describe('bench:watch helpers', () => {
  it('takes the nearest-rank percentile and the median', () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i); // 20 … 1, unsorted on purpose
    expect(percentile(values, 95)).toBe(19);
    expect(percentile(values, 100)).toBe(20);
    expect(percentile(values, 50)).toBe(10);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 95)).toBeNaN();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('summarises latencies against the goal of one interval plus 5 s', () => {
    const ms = Array.from({ length: 50 }, (_, i) => (i + 1) * 700); // 0.7 s … 35 s
    const at30 = summarise(ms, 30_000);
    expect(at30).toMatchObject({ count: 50, medianSeconds: 17.85, p95Seconds: 33.6, maxSeconds: 35, goalSeconds: 35, goalMet: true });
    expect(summarise(ms, 5_000).goalMet).toBe(false);
    expect(summarise([], 5_000).goalMet).toBe(false);
  });

  it('schedules a wave at moments uniform in [0, interval), from the random source given', () => {
    const fixed = [0.5, 0, 0.999, 0.25];
    let i = 0;
    expect(waveDelays(4, 30_000, () => fixed[i++] ?? 0)).toEqual([0, 7_500, 15_000, 29_970]);
    const delays = waveDelays(1000, 5_000, seededRandom(1));
    expect(delays.every((d) => d >= 0 && d < 5_000)).toBe(true);
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(waveDelays(5, 5_000, seededRandom(9))).toEqual(waveDelays(5, 5_000, seededRandom(9)));
    expect(waveSizes(50, 5)).toEqual(Array(10).fill(5));
    expect(waveSizes(12, 5)).toEqual([5, 5, 2]);
    expect(waveSizes(0, 5)).toEqual([]);
  });

  it('picks distinct users, repeatably for a seed', () => {
    const pool = Array.from({ length: 100 }, (_, i) => i);
    const picked = pickDistinct(pool, 50, seededRandom(16));
    expect(new Set(picked).size).toBe(50);
    expect(picked).toEqual(pickDistinct(pool, 50, seededRandom(16)));
    expect(pool).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(() => pickDistinct([1, 2], 3, seededRandom(1))).toThrow(/cannot pick 3 of 2/u);
  });

  it('reads the arguments, with the issue\'s defaults', () => {
    expect(parseArgs([])).toEqual(DEFAULT_ARGS);
    expect(DEFAULT_ARGS).toMatchObject({ intervals: ['30s', '5s'], deletions: 50, idleUsers: 100_000 });
    expect(parseArgs(['--users=500', '--intervals=2s', '--deletions=10', '--idle-users=0'])).toMatchObject({ users: 500, intervals: ['2s'], deletions: 10, idleUsers: 0 });
    expect(() => parseArgs(['--users=many'])).toThrow(/whole number/u);
    expect(() => parseArgs(['--colour=red'])).toThrow(/--colour/u);
    expect(() => parseArgs(['users=5'])).toThrow(/--name=value/u);
  });
});
