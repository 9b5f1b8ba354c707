import process from 'node:process';
import { createInterface } from 'node:readline/promises';
import { runCli } from './program.ts';

/** A yes/no question on the terminal; only "yes" confirms (as Terraform asks). */
async function confirmOnTerminal(question: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await terminal.question(question)).trim() === 'yes';
  } finally {
    terminal.close();
  }
}

/** The process edge: the only place that sets the exit code. */
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  ...(process.stdin.isTTY ? { confirm: confirmOnTerminal } : {}),
  // TENANTCTL_NOW fixes the planning time (tests, the demo, reproducing a plan); real time otherwise.
  now: () => process.env.TENANTCTL_NOW ?? new Date().toISOString(),
  clock: () => new Date().toISOString(),
  waitForStop: () =>
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
});
process.exitCode = code;
