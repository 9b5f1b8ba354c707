/**
 * Test files share worker processes (vitest.config.ts: `isolate: false`), so a file must leave the
 * process as it found it. This setup file runs around every test file and fails the file that
 * changes the environment, the working directory, the global fetch or Error.stackTraceLimit, or leaves fake timers on,
 * instead of letting that change surface as a flake in whichever file runs next.
 */
import { afterAll, beforeAll, vi } from 'vitest';

let env: Record<string, string | undefined>;
let cwd: string;
let fetchBefore: typeof fetch;
let stackTraceLimit: number;

beforeAll(() => {
  env = { ...process.env };
  cwd = process.cwd();
  fetchBefore = globalThis.fetch;
  stackTraceLimit = Error.stackTraceLimit;
});

afterAll(() => {
  const changed = [...new Set([...Object.keys(env), ...Object.keys(process.env)])].filter((key) => env[key] !== process.env[key]).sort();
  const problems = [
    ...(changed.length > 0 ? [`changed process.env ${changed.join(', ')}`] : []),
    ...(process.cwd() !== cwd ? [`changed the working directory to ${process.cwd()}`] : []),
    ...(globalThis.fetch !== fetchBefore ? ['replaced the global fetch'] : []),
    ...(vi.isFakeTimers() ? ['left fake timers on'] : []),
    ...(Error.stackTraceLimit !== stackTraceLimit ? [`changed Error.stackTraceLimit to ${Error.stackTraceLimit}`] : []),
  ];
  if (problems.length > 0) throw new Error(`this test file ${problems.join('; ')} and did not restore it: files share worker processes (vitest.config.ts)`);
});
