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
