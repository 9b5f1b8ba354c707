import type { ChangeOutcome, FailureInfo } from '../domain/outcome.ts';
import type { Change, ChangeAction, Plan } from '../domain/plan.ts';
import { groupByPrincipal, objectAfterChanges } from '../domain/principal-changes.ts';
import type { TenantReader, TenantWriter, WriteReceipt } from '../tenant/port.ts';
import { TenantError } from '../tenant/port.ts';

export type { ChangeOutcome, FailureInfo } from '../domain/outcome.ts';

/**
 * The executor: runs a reviewed plan through the tenant writer and nothing else. Per principal,
 * steps run in plan order (restore/create → usage location → licenses → sign-in); principals run
 * concurrently in a bounded pool. A failed step skips the principal's later steps; other
 * principals go on (docs/architecture.md principle 11). Every step is idempotent: one that already
 * happened (an earlier, interrupted run) counts as done.
 */
export interface ApplyOptions {
  /** Principals worked on at once. */
  readonly concurrency?: number;
  /** A strong random password for users that must be created; never logged. */
  readonly newPassword: () => string;
  /** Called as each change ends, in completion order (progress, audit log). */
  readonly onOutcome?: (outcome: ChangeOutcome) => void;
}

export interface ApplyResult {
  readonly outcomes: readonly ChangeOutcome[];
}

/** Enough principals at once to fill `$batch` requests of 20 writes. */
const DEFAULT_CONCURRENCY = 20;

export async function applyPlan(plan: Plan, tenant: TenantReader & TenantWriter, options: ApplyOptions): Promise<ApplyResult> {
  const queue = groupByPrincipal(plan.changes).map((group) => group.changes);
  const outcomes: ChangeOutcome[] = [];
  const record = (outcome: ChangeOutcome): void => {
    outcomes.push(outcome);
    options.onOutcome?.(outcome);
  };
  const worker = async (): Promise<void> => {
    for (let changes = queue.shift(); changes; changes = queue.shift()) await applyPrincipal(changes, tenant, options, record);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, queue.length)) }, worker));
  // Report in plan order, whatever order the pool finished in.
  const order = new Map(plan.changes.map((c, i) => [c, i]));
  return { outcomes: outcomes.sort((a, b) => (order.get(a.change) ?? 0) - (order.get(b.change) ?? 0)) };
}

async function applyPrincipal(changes: readonly Change[], tenant: TenantReader & TenantWriter, options: ApplyOptions, record: (outcome: ChangeOutcome) => void): Promise<void> {
  // Later steps name the object by id when the plan knows it (the restored one, or the active user), else by UPN.
  const target = objectAfterChanges(changes);
  let principal = target?.kind === 'existing' ? target.id : (changes[0]?.userPrincipalName ?? '');
  let failedStep: ChangeAction | undefined;
  for (const change of changes) {
    if (failedStep) {
      record({ change, status: 'skipped', reason: `its ${describeAction(failedStep)} failed` });
      continue;
    }
    try {
      const note = await applyChange(change, principal, tenant, options);
      if (change.action === 'create-user' && note.objectId) principal = note.objectId;
      record({ change, status: 'applied', ...(note.text ? { note: note.text } : {}), requestId: note.requestId });
    } catch (error) {
      failedStep = change.action;
      record({ change, status: 'failed', error: failureOf(error) });
    }
  }
}

/** What a step that succeeded reports: a note when an earlier run had done it, the new user's id, the write's request id. */
interface StepResult {
  readonly text?: string;
  readonly objectId?: string;
  readonly requestId: string | null;
}

async function applyChange(change: Change, principal: string, tenant: TenantReader & TenantWriter, options: ApplyOptions): Promise<StepResult> {
  switch (change.action) {
    case 'restore-user': {
      const options_ = { autoReconcileProxyConflict: change.details.autoReconcileProxyConflict, ...(change.details.newUserPrincipalName ? { newUserPrincipalName: change.details.newUserPrincipalName } : {}) };
      return await idempotent(
        () => tenant.restoreDeletedUser(change.objectId, options_),
        // Restored already (by an earlier run whose answer was lost): the object is active again.
        async () => (await tenant.readUser(change.objectId)) !== undefined,
        'it was already restored',
      );
    }
    case 'create-user': {
      let objectId: string | undefined;
      const result = await idempotent(
        async () => {
          const created = await tenant.createUser({ ...change.details, userPrincipalName: change.userPrincipalName, password: options.newPassword() });
          objectId = created.objectId;
          return { requestId: created.requestId };
        },
        async () => {
          objectId = (await tenant.readUser(change.userPrincipalName))?.id;
          return objectId !== undefined;
        },
        'it already exists',
      );
      return { ...result, ...(objectId ? { objectId } : {}) };
    }
    case 'set-usage-location':
      return await tenant.setUsageLocation(principal, change.details.to);
    case 'assign-licenses':
      return await tenant.assignLicenses(principal, change.details.add.map((l) => ({ skuId: l.skuId, disabledPlans: l.disabledPlans })), []);
    case 'remove-licenses':
      return await tenant.assignLicenses(principal, [], change.details.remove.map((l) => l.skuId));
    case 'enable-sign-in':
    case 'block-sign-in':
      return await tenant.setAccountEnabled(principal, change.details.to);
  }
}

/**
 * A step that is not safe to repeat blindly (restore, create): when it fails in a way that may
 * hide its outcome (no answer, or a 404/conflict that an earlier success would explain), the
 * tenant is asked whether it already happened; if not, it is tried once more. Done earlier, it
 * has no request id: no write of this run was answered with success.
 */
async function idempotent(step: () => Promise<WriteReceipt>, happened: () => Promise<boolean>, note: string): Promise<{ text?: string; requestId: string | null }> {
  try {
    return { requestId: (await step()).requestId };
  } catch (error) {
    if (!mayHaveHappened(error)) throw error;
    if (await happened()) return { text: note, requestId: null };
    if (!isTransient(error)) throw error;
  }
  // It did not happen and the failure was transient: once more; if that answer is lost too, ask again.
  try {
    return { requestId: (await step()).requestId };
  } catch (error) {
    if (isTransient(error) && (await happened())) return { text: note, requestId: null };
    throw error;
  }
}

/** No answer, or a server error: the tenant may or may not have done it. */
function isTransient(error: unknown): boolean {
  return error instanceof TenantError && error.mayHaveTakenEffect;
}

/** Failures an earlier success would also explain: the object is no longer deleted, or already exists. */
function mayHaveHappened(error: unknown): boolean {
  return error instanceof TenantError && (error.mayHaveTakenEffect || error.kind === 'not-found' || error.kind === 'upn-conflict');
}

/** The tenant's answer as reported; anything else (a bug, an unreadable answer, a failed sign-in) by its message. */
function failureOf(error: unknown): FailureInfo {
  if (error instanceof TenantError) return { status: error.status, code: error.code, message: error.message, requestId: error.requestId };
  return { status: null, code: 'Error', message: error instanceof Error ? error.message : String(error), requestId: null };
}

function describeAction(action: ChangeAction): string {
  switch (action) {
    case 'restore-user':
      return 'restore';
    case 'create-user':
      return 'creation';
    case 'set-usage-location':
      return 'usage location';
    case 'assign-licenses':
      return 'license assignment';
    case 'remove-licenses':
      return 'license removal';
    case 'enable-sign-in':
    case 'block-sign-in':
      return 'sign-in change';
  }
}
