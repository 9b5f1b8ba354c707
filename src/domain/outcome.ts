import type { Change } from './plan.ts';

/**
 * What became of one change when apply ran it: the executor (src/engine/apply.ts) makes these, the
 * apply views (src/render/apply-*.ts), the audit log and the Pulumi provider read them.
 */
export type ChangeOutcome =
  /**
   * `note`: an earlier, interrupted run had already done it ("it was already restored").
   * `requestId`: Graph's request id of the write that did it; null when none answered with success
   * (a step an earlier run had done) or the answer carried none.
   */
  | { readonly change: Change; readonly status: 'applied'; readonly note?: string; readonly requestId?: string | null }
  | { readonly change: Change; readonly status: 'failed'; readonly error: FailureInfo }
  /** `reason`: why it was not tried ("its license assignment failed"). */
  | { readonly change: Change; readonly status: 'skipped'; readonly reason: string };

/** The tenant's answer to a failed change, already redacted by the tenant adapter; null when no answer came. */
export interface FailureInfo {
  readonly status: number | null;
  readonly code: string;
  readonly message: string;
  readonly requestId: string | null;
}
