import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/cli/exit-codes.ts';
import { exitCodeFor } from '../../src/cli/exit-codes.ts';

describe('exit codes (docs/cli-reference.md §10)', () => {
  it.each<[string, Outcome, number]>([
    ['success', { kind: 'success' }, 0],
    ['changes without --detailed-exitcode', { kind: 'changes-present', detailedExitCode: false }, 0],
    ['changes with --detailed-exitcode', { kind: 'changes-present', detailedExitCode: true }, 2],
    ['invalid input', { kind: 'invalid-input' }, 1],
    ['usage error', { kind: 'usage-error' }, 1],
    ['internal error', { kind: 'internal-error' }, 1],
  ])('%s exits %i', (_name, outcome, code) => {
    expect(exitCodeFor(outcome)).toBe(code);
  });
});
