/**
 * Random faults for `POST /_emulator/faults`, reproducible by seed: injected 429s, 5xx answers,
 * connection resets and latency, so that client retries and idempotency are tested without a tenant.
 * Pure: the injector draws from its own seeded PRNG, never from Math.random or a clock.
 */

export interface FaultConfig {
  /** An unsigned 32-bit integer; the same seed and call sequence give the same decisions. */
  readonly seed: number;
  /** Probabilities per request, mutually exclusive: their sum is at most 1. */
  readonly throttle: number;
  readonly error5xx: number;
  readonly reset: number;
  /** Added delay, drawn uniformly from the integers in [min, max]. */
  readonly latencyMs: readonly [number, number];
  /** Injected 429s and 503s carry no `Retry-After`, so the client's backoff path is tested (§11). */
  readonly omitRetryAfter?: boolean;
  /** The 5xx statuses injected, equally likely; default all four (500, 502, 503, 504). */
  readonly statuses5xx?: readonly (500 | 502 | 503 | 504)[];
}

export type FaultKind = 'none' | 'throttle' | 'error5xx' | 'reset-before' | 'reset-after';

export interface FaultDecision {
  readonly latencyMs: number;
  /**
   * `reset-before`: drop the connection before the handler runs (nothing happened).
   * `reset-after`: run the handler, then drop the connection: the write happened but its response
   * is lost, which is what makes a client prove that its retries are idempotent.
   */
  readonly fault: FaultKind;
  readonly status5xx?: 500 | 502 | 503 | 504;
  readonly retryAfterSeconds?: number;
}

export interface FaultInjector {
  next(): FaultDecision;
}

const MAX_LATENCY_MS = 10_000;
const MAX_SEED = 0xffff_ffff;
const KNOWN_FIELDS = ['seed', 'throttle', 'error5xx', 'reset', 'latencyMs', 'omitRetryAfter', 'statuses5xx'];

/**
 * Parses the body of `POST /_emulator/faults`. `{}` gives undefined (no faults). Fields left out
 * default to seed 0, probability 0 and latency [0, 0]. Throws an Error naming the offending field.
 */
export function parseFaultConfig(json: unknown): FaultConfig | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('faults: expected a JSON object');
  }
  const input = json as Record<string, unknown>;
  const keys = Object.keys(input);
  for (const key of keys) {
    if (!KNOWN_FIELDS.includes(key)) throw new Error(`faults.${key}: unknown field (expected one of ${KNOWN_FIELDS.join(', ')})`);
  }
  if (keys.length === 0) return undefined;

  const seed = input['seed'] ?? 0;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new Error(`faults.seed must be an integer from 0 to ${MAX_SEED} (got ${JSON.stringify(seed)})`);
  }
  const throttle = probability(input, 'throttle');
  const error5xx = probability(input, 'error5xx');
  const reset = probability(input, 'reset');
  if (throttle + error5xx + reset > 1 + 1e-9) {
    throw new Error(`faults.throttle + faults.error5xx + faults.reset must be at most 1 (got ${throttle + error5xx + reset})`);
  }
  const statuses = statuses5xx(input['statuses5xx']);
  const config: FaultConfig = { seed, throttle, error5xx, reset, latencyMs: latencyRange(input['latencyMs']), ...(statuses === undefined ? {} : { statuses5xx: statuses }) };
  const omit = input['omitRetryAfter'];
  if (omit === undefined) return config;
  if (typeof omit !== 'boolean') throw new Error(`faults.omitRetryAfter must be a boolean (got ${JSON.stringify(omit)})`);
  return { ...config, omitRetryAfter: omit };
}

function statuses5xx(value: unknown): FaultConfig['statuses5xx'] {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => (STATUSES_5XX as readonly unknown[]).includes(v))) {
    throw new Error(`faults.statuses5xx must be a non-empty list of ${STATUSES_5XX.join(', ')} (got ${JSON.stringify(value)})`);
  }
  return [...new Set(value as (500 | 502 | 503 | 504)[])];
}

function probability(input: Record<string, unknown>, field: string): number {
  const value = input[field] ?? 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new Error(`faults.${field} must be a probability from 0 to 1 (got ${JSON.stringify(value)})`);
  }
  return value;
}

function latencyRange(value: unknown): readonly [number, number] {
  if (value === undefined) return [0, 0];
  const valid = Array.isArray(value)
    && value.length === 2
    && value.every((bound) => typeof bound === 'number' && Number.isInteger(bound) && bound >= 0 && bound <= MAX_LATENCY_MS)
    && (value[0] as number) <= (value[1] as number);
  if (!valid) {
    throw new Error(`faults.latencyMs must be [min, max] integers with 0 <= min <= max <= ${MAX_LATENCY_MS} (got ${JSON.stringify(value)})`);
  }
  return [value[0] as number, value[1] as number];
}

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator, public domain): uniform floats in [0, 1). Small,
 * fast and statistically fine for test faults; not for anything secret.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATUSES_5XX = [500, 502, 503, 504] as const;
/** Injected Retry-After, in milliseconds: short, so tests stay fast, and fractional like Graph's `2.128` (§11). */
const RETRY_AFTER_MIN_MS = 50;
const RETRY_AFTER_MAX_MS = 500;

/**
 * Decides the fault for each request in turn. Every call draws exactly four numbers (latency,
 * fault, variant, Retry-After) whatever it decides, so decision `n` depends only on the seed and
 * `n`, and changing one probability never shifts the latencies or the other draws.
 *
 * - Fault: one draw against the cumulative probabilities throttle, error5xx, reset (mutually
 *   exclusive, so each is observed at its configured rate).
 * - 5xx: 500, 502, 503 and 504 (or those `statuses5xx` lists) equally likely. Only 503 carries `Retry-After`: Graph documents it
 *   for 503 ("You may repeat the request after a delay, the length of which may be specified in a
 *   Retry-After header") and not for 500, 502 or 504 (https://learn.microsoft.com/graph/errors).
 * - Reset: before or after the handler, equally likely.
 * - 429s and 503s carry a Retry-After of 0.05 to 0.5 s in whole milliseconds, unless `omitRetryAfter`.
 */
export function createFaultInjector(config: FaultConfig): FaultInjector {
  const random = mulberry32(config.seed);
  const [minLatencyMs, maxLatencyMs] = config.latencyMs;
  return {
    next() {
      const latencyDraw = random();
      const faultDraw = random();
      const variantDraw = random();
      const retryDraw = random();
      const latencyMs = minLatencyMs + Math.min(maxLatencyMs - minLatencyMs, Math.floor(latencyDraw * (maxLatencyMs - minLatencyMs + 1)));
      const retryAfter: { retryAfterSeconds?: number } = config.omitRetryAfter === true
        ? {}
        : { retryAfterSeconds: (RETRY_AFTER_MIN_MS + Math.floor(retryDraw * (RETRY_AFTER_MAX_MS - RETRY_AFTER_MIN_MS + 1))) / 1000 };

      if (faultDraw < config.throttle) return { latencyMs, fault: 'throttle', ...retryAfter };
      if (faultDraw < config.throttle + config.error5xx) {
        const statuses = config.statuses5xx ?? STATUSES_5XX;
        const status5xx = statuses[Math.floor(variantDraw * statuses.length)] ?? 500;
        return status5xx === 503
          ? { latencyMs, fault: 'error5xx', status5xx, ...retryAfter }
          : { latencyMs, fault: 'error5xx', status5xx };
      }
      if (faultDraw < config.throttle + config.error5xx + config.reset) {
        return { latencyMs, fault: variantDraw < 0.5 ? 'reset-before' : 'reset-after' };
      }
      return { latencyMs, fault: 'none' };
    },
  };
}
