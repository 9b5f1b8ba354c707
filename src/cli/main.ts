import process from 'node:process';
import { runCli } from './program.ts';

/** The process edge: the only place that sets the exit code. */
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  // TENANTCTL_NOW fixes the planning time (tests, the demo, reproducing a plan); real time otherwise.
  now: () => process.env.TENANTCTL_NOW ?? new Date().toISOString(),
  waitForStop: () =>
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
});
process.exitCode = code;
