/**
 * The Pulumi program's entry point (`main` in Pulumi.yaml). Pulumi's Node.js run harness imports it
 * (package.json says `"type": "module"`; Node 24 strips the types) and calls the default export.
 */
import { tenantProgram } from './program.ts';

// Pulumi's SDK records a stack trace for every promise it makes (for its leak report) and the run
// harness source-maps each one: with 10,000 principals that was two thirds of a preview (108 s → 38 s
// without it, test/pulumi/run-harness.test.ts). This process only declares resources and its own
// errors carry no stack (RunError), so traces are off here unless TENANTCTL_PULUMI_STACK_TRACES=1.
if (process.env.TENANTCTL_PULUMI_STACK_TRACES !== '1') Error.stackTraceLimit = 0;

export default () => tenantProgram({ cwd: process.cwd() });
