/** The process's streams and environment, passed in so the CLI can run inside tests. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Asks a yes/no question on the terminal; undefined when there is none (apply then needs --auto-approve). */
  readonly confirm?: (question: string) => Promise<boolean>;
  /**
   * The local clock, or the fixed TENANTCTL_NOW (ISO 8601); injected so that tests fix it. A plan's time
   * is TENANTCTL_NOW when set, else the tenant's own clock, else this (planningTime).
   */
  readonly now: () => string;
  /** The real time (ISO 8601), never fixed by TENANTCTL_NOW: when something happened (the audit log's `time`). */
  readonly clock: () => string;
  /** Resolves when the process is asked to stop (SIGINT, SIGTERM). */
  readonly waitForStop: () => Promise<void>;
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColour(io: CliIo): boolean {
  return io.stdout.isTTY === true && (io.env.NO_COLOR ?? '') === '' && io.env.TERM !== 'dumb';
}

/**
 * The planning time's sources, for planTenant: TENANTCTL_NOW fixes it (tests, the demo, reproducing a
 * plan); else the tenant's own clock decides, and the local clock is the last resort.
 */
export function planningTime(io: CliIo): { readonly now: string; readonly fixedNow?: string } {
  const fixed = io.env.TENANTCTL_NOW;
  return fixed === undefined || fixed === '' ? { now: io.now() } : { now: io.now(), fixedNow: fixed };
}
