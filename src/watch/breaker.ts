/**
 * The breaker of `tenantctl watch` (the policy's `watch.maxChangesPerHour`): heals are counted over a sliding
 * window of 60 minutes, and a round of heals that would take the count past the limit trips it. A tripped
 * breaker stays tripped, whatever the clock does and whatever the policy says next, until `reset()`: in
 * practice until the process is restarted, which a person does on purpose once they have looked at why
 * (docs/policy-reference.md, `watch`). Pure: the clock is injected, nothing here reads time or does I/O.
 */

/** The window heals are counted over. */
export const BREAKER_WINDOW_MS = 60 * 60 * 1000;

export interface BreakerOptions {
  /** More heals than this within any 60 minutes trip the breaker (a positive integer). */
  readonly maxPerHour: number;
  /** Milliseconds since the epoch (or any monotonic origin); called on every `allow`. */
  readonly now: () => number;
}

export interface Breaker {
  /**
   * Asks to heal `n` changes now. True: they are counted as done now, go ahead. False: healing them would
   * make more than `maxPerHour` heals within the last 60 minutes, so the breaker trips (or was tripped
   * already) and nothing is counted. `allow(0)` is true unless tripped.
   */
  allow(n: number): boolean;
  /** Whether healing is stopped. */
  readonly tripped: boolean;
  /** When it tripped (the clock's value), while tripped. */
  readonly trippedAt: number | undefined;
  /** Why it tripped, in words for the log and /healthz, while tripped. */
  readonly reason: string | undefined;
  /** The limit in force. */
  readonly maxPerHour: number;
  /** Heals counted within the last 60 minutes. */
  recent(): number;
  /**
   * A new limit (a changed policy). It applies to the next `allow`; a tripped breaker stays tripped, since a
   * policy change pulled from Git says nothing about why healing was stopped.
   */
  configure(options: { readonly maxPerHour: number }): void;
  /** Closes the breaker and forgets the heals counted so far (what a restart does). */
  reset(): void;
}

export function createBreaker(options: BreakerOptions): Breaker {
  const { now } = options;
  let maxPerHour = checkedLimit(options.maxPerHour);
  /** Heals done, oldest first: when, and how many. */
  let done: { readonly at: number; readonly count: number }[] = [];
  let trip: { readonly at: number; readonly reason: string } | undefined;

  /** Heals within the window ending at `at`; forgets older ones. A clock that went back keeps what it counted. */
  const countAt = (at: number): number => {
    done = done.filter((entry) => at - entry.at < BREAKER_WINDOW_MS);
    return done.reduce((sum, entry) => sum + entry.count, 0);
  };

  return {
    allow(n) {
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`breaker: allow(${String(n)}): the number of heals must be a whole number, 0 or more`);
      if (trip) return false;
      if (n === 0) return true;
      const at = now();
      const recent = countAt(at);
      if (recent + n > maxPerHour) {
        trip = {
          at,
          reason: `healing ${n} more change${n === 1 ? '' : 's'} would make ${recent + n} within 60 minutes, more than watch.maxChangesPerHour (${maxPerHour}); healing is stopped and every change is reported until watch is restarted`,
        };
        return false;
      }
      done.push({ at, count: n });
      return true;
    },
    get tripped() {
      return trip !== undefined;
    },
    get trippedAt() {
      return trip?.at;
    },
    get reason() {
      return trip?.reason;
    },
    get maxPerHour() {
      return maxPerHour;
    },
    recent() {
      return countAt(now());
    },
    configure(next) {
      maxPerHour = checkedLimit(next.maxPerHour);
    },
    reset() {
      trip = undefined;
      done = [];
    },
  };
}

function checkedLimit(maxPerHour: number): number {
  if (!Number.isInteger(maxPerHour) || maxPerHour < 1) throw new RangeError(`breaker: maxPerHour must be a whole number, 1 or more, not ${String(maxPerHour)}`);
  return maxPerHour;
}
