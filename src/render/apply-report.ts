import type { Diagnostic } from '../domain/diagnostics.ts';
import type { ChangeOutcome } from '../domain/outcome.ts';
import type { Plan } from '../domain/plan.ts';

/** What one apply did, as the apply views (apply-text.ts, apply-json.ts) read it: the plan it ran and one outcome per change, in plan order. */
export interface ApplyReport {
  readonly plan: Plan;
  readonly outcomes: readonly ChangeOutcome[];
}

/**
 * The plan's errors. Apply leaves alone each principal an error names and applies the rest
 * (docs/reconciliation.md §7), then exits 1; the views say so.
 */
export function blockingErrors(plan: Plan): readonly Diagnostic[] {
  return plan.diagnostics.filter((d) => d.severity === 'error');
}
