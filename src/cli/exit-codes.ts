/**
 * Exit codes are a public contract (docs/cli-reference.md §10), decided here and nowhere else:
 * 0 success and no changes; 1 error (invalid input, Graph failure, a failed change,
 * a usage mistake, a bug); 2 success with changes, only with --detailed-exitcode.
 */
export type Outcome =
  | { readonly kind: 'success' }
  | { readonly kind: 'changes-present'; readonly detailedExitCode: boolean }
  | { readonly kind: 'invalid-input' }
  | { readonly kind: 'usage-error' }
  | { readonly kind: 'internal-error' };

export type ExitCode = 0 | 1 | 2;

export function exitCodeFor(outcome: Outcome): ExitCode {
  switch (outcome.kind) {
    case 'success':
      return 0;
    case 'changes-present':
      return outcome.detailedExitCode ? 2 : 0;
    case 'invalid-input':
    case 'usage-error':
    case 'internal-error':
      return 1;
  }
}

/**
 * One outcome for several tenants run on their own (`--tenants`): an error in any tenant is the run's error (exit 1);
 * else changes in any (exit 2 with --detailed-exitcode); else success. No tenant is an error of usage.
 */
export function aggregateOutcomes(outcomes: readonly Outcome[]): Outcome {
  if (outcomes.length === 0) return { kind: 'usage-error' };
  const failed = outcomes.find((o) => o.kind === 'invalid-input' || o.kind === 'usage-error' || o.kind === 'internal-error');
  if (failed) return failed.kind === 'internal-error' ? failed : { kind: 'invalid-input' };
  return outcomes.find((o) => o.kind === 'changes-present') ?? { kind: 'success' };
}
