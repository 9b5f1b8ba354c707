/**
 * The pure parts of `npm run bench:watch` (bench/watch.ts): percentiles of the deletion-to-restore times, the
 * random moments of a wave of deletions, picking whom to delete, the arguments. No clock, no I/O; the random
 * source is passed in (a seeded one, so that a run can be repeated).
 */

/** A seeded source of numbers uniform in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The nearest-rank percentile (p in (0, 100]) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? Number.NaN;
}

/** The median as the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export interface LatencySummary {
  readonly count: number;
  readonly medianSeconds: number;
  readonly p95Seconds: number;
  readonly maxSeconds: number;
  /** Issue 16's goal: p95 within one poll interval plus 5 s. */
  readonly goalSeconds: number;
  readonly goalMet: boolean;
}

const seconds = (ms: number): number => Number((ms / 1000).toFixed(2));

export function summarise(latenciesMs: readonly number[], intervalMs: number): LatencySummary {
  const p95 = percentile(latenciesMs, 95);
  const goal = intervalMs + 5000;
  return {
    count: latenciesMs.length,
    medianSeconds: seconds(median(latenciesMs)),
    p95Seconds: seconds(p95),
    maxSeconds: seconds(Math.max(...latenciesMs)),
    goalSeconds: seconds(goal),
    goalMet: latenciesMs.length > 0 && p95 <= goal,
  };
}

/** The delays (ms, ascending) at which a wave's `count` deletions happen: uniform in [0, intervalMs). */
export function waveDelays(count: number, intervalMs: number, random: () => number): number[] {
  return Array.from({ length: count }, () => Math.floor(random() * intervalMs)).sort((a, b) => a - b);
}

/** How `total` deletions split into waves of at most `perWave`: e.g. 50 by 5 is ten waves of 5. */
export function waveSizes(total: number, perWave: number): number[] {
  const sizes: number[] = [];
  for (let left = total; left > 0; left -= perWave) sizes.push(Math.min(perWave, left));
  return sizes;
}

/** `count` distinct items of `pool`, drawn with `random` (a partial Fisher–Yates shuffle of a copy). */
export function pickDistinct<T>(pool: readonly T[], count: number, random: () => number): T[] {
  if (count > pool.length) throw new Error(`cannot pick ${count} of ${pool.length}`);
  const copy = [...pool];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, count);
}

export interface BenchArgs {
  /** Users in the tenant of the deletion runs. */
  readonly users: number;
  readonly intervals: readonly string[];
  readonly deletions: number;
  readonly perWave: number;
  /** Users in the tenant of the idle run (0: no idle run). */
  readonly idleUsers: number;
  readonly idleInterval: string;
  readonly idlePolls: number;
  readonly seed: number;
}

export const DEFAULT_ARGS: BenchArgs = { users: 10_000, intervals: ['30s', '5s'], deletions: 50, perWave: 5, idleUsers: 100_000, idleInterval: '5s', idlePolls: 20, seed: 16 };

/** `--users=N --intervals=30s,5s --deletions=50 --per-wave=5 --idle-users=100000 --idle-interval=5s --idle-polls=20 --seed=16`. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const values = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)=(.*)$/u.exec(arg);
    if (!match?.[1] || match[2] === undefined) throw new Error(`unknown argument ${JSON.stringify(arg)}: give --name=value`);
    values.set(match[1], match[2]);
  }
  const whole = (name: string, fallback: number): number => {
    const text = values.get(name);
    values.delete(name);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}=${text}: give a whole number`);
    return n;
  };
  const intervalsText = values.get('intervals');
  values.delete('intervals');
  const idleInterval = values.get('idle-interval') ?? DEFAULT_ARGS.idleInterval;
  values.delete('idle-interval');
  const args: BenchArgs = {
    users: whole('users', DEFAULT_ARGS.users),
    intervals: intervalsText === undefined ? DEFAULT_ARGS.intervals : intervalsText.split(',').filter((s) => s !== ''),
    deletions: whole('deletions', DEFAULT_ARGS.deletions),
    perWave: Math.max(1, whole('per-wave', DEFAULT_ARGS.perWave)),
    idleUsers: whole('idle-users', DEFAULT_ARGS.idleUsers),
    idleInterval,
    idlePolls: whole('idle-polls', DEFAULT_ARGS.idlePolls),
    seed: whole('seed', DEFAULT_ARGS.seed),
  };
  if (values.size > 0) throw new Error(`unknown argument(s): ${[...values.keys()].map((k) => `--${k}`).join(', ')}`);
  return args;
}
