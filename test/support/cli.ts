import { runCli } from '../../src/cli/program.ts';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one tenantctl command line in-process, with its own streams, environment and planning time (`now`); `clock` (real time) by default the real one. */
export async function runTenantctl(args: readonly string[], options: { env?: Record<string, string | undefined>; cwd?: string; now?: string; clock?: () => string } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? {},
    now: () => options.now ?? '2026-11-22T00:00:00Z',
    clock: options.clock ?? (() => new Date().toISOString()),
    waitForStop: () => Promise.resolve(),
  });
  return { code, stdout, stderr };
}
