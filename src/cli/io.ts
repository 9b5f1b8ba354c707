/** The process's streams and environment, passed in so the CLI can run inside tests. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Asks a yes/no question on the terminal; undefined when there is none (apply then needs --auto-approve). */
  readonly confirm?: (question: string) => Promise<boolean>;
  /** The time to plan for (ISO 8601): the clock, or the fixed TENANTCTL_NOW; injected so that tests fix it. */
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
