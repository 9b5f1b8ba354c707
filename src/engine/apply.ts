import type { AttributeSetting, DeclaredAttributes } from '../domain/attributes.ts';
import { normaliseAttributeValue } from '../domain/attributes.ts';
import type { ChangeOutcome, FailureInfo } from '../domain/outcome.ts';
import type { Change, ChangeAction, Plan, SetManagerChange } from '../domain/plan.ts';
import { groupByPrincipal, objectAfterChanges } from '../domain/principal-changes.ts';
import type { TenantReader, TenantWriter, WriteReceipt } from '../tenant/port.ts';
import { TenantError } from '../tenant/port.ts';

export type { ChangeOutcome, FailureInfo } from '../domain/outcome.ts';

/**
 * The executor: runs a reviewed plan through the tenant writer and nothing else. Per principal,
 * steps run in plan order (restore/create → attributes → usage location → licenses and group
 * memberships → sign-in); principals run concurrently in a bounded pool. Every `set-manager` runs
 * after all the plan's other steps, so that a manager the plan creates or restores exists first. A
 * failed step skips the principal's later steps (its manager too); other principals go on
 * (docs/architecture.md principle 11). Every step is idempotent: one that already happened (an
 * earlier, interrupted run) counts as done.
 */
export interface ApplyOptions {
  /** Principals worked on at once. */
  readonly concurrency?: number;
  /** A strong random password for users that must be created; never logged. */
  readonly newPassword: () => string;
  /** Called as each change ends, in completion order (progress, audit log). */
  readonly onOutcome?: (outcome: ChangeOutcome) => void;
  /**
   * Once aborted, no principal's steps are started (watch on SIGTERM): the steps under way finish, the rest get
   * no outcome.
   */
  readonly signal?: AbortSignal;
}

export interface ApplyResult {
  readonly outcomes: readonly ChangeOutcome[];
}

/** Enough principals at once to fill `$batch` requests of 20 writes. */
const DEFAULT_CONCURRENCY = 20;

export async function applyPlan(plan: Plan, tenant: TenantReader & TenantWriter, options: ApplyOptions): Promise<ApplyResult> {
  const outcomes: ChangeOutcome[] = [];
  const record = (outcome: ChangeOutcome): void => {
    outcomes.push(outcome);
    options.onOutcome?.(outcome);
  };
  const run: PlanRun = { tenant, options, record, created: new Map() };
  const principals = groupByPrincipal(plan.changes).map((group) => startPrincipal(group.changes));
  await inPool(principals, options, (principal) => applyPrincipal(principal, run));
  // Managers last: a manager the same plan creates or restores exists by now (docs/reconciliation.md §4).
  await inPool(principals.filter((p) => p.managers.length > 0), options, (principal) => applyManagers(principal, run));
  // Report in plan order, whatever order the pool finished in.
  const order = new Map(plan.changes.map((c, i) => [c, i]));
  return { outcomes: outcomes.sort((a, b) => (order.get(a.change) ?? 0) - (order.get(b.change) ?? 0)) };
}

/** What every step of one apply shares. */
interface PlanRun {
  readonly tenant: TenantReader & TenantWriter;
  readonly options: ApplyOptions;
  readonly record: (outcome: ChangeOutcome) => void;
  /** Object ids of the users this run created, by UPN (lower case): a manager created by the same plan. */
  readonly created: Map<string, string>;
}

/** One principal's progress through its steps. */
interface PrincipalRun {
  readonly userPrincipalName: string;
  /** Its steps but the manager, in plan order. */
  readonly steps: readonly Change[];
  /** Its set-manager change (deferred to the end of the plan). */
  readonly managers: readonly SetManagerChange[];
  /** The object later steps name: by id when the plan knows it (the restored object, or the active user) or once created, else the UPN. */
  target: string;
  /** Whether `target` is an object id (else a UPN). */
  targetIsId: boolean;
  failedStep?: ChangeAction;
}

function startPrincipal(changes: readonly Change[]): PrincipalRun {
  const target = objectAfterChanges(changes);
  const userPrincipalName = changes[0]?.userPrincipalName ?? '';
  return {
    userPrincipalName,
    steps: changes.filter((c) => c.action !== 'set-manager'),
    managers: changes.filter((c): c is SetManagerChange => c.action === 'set-manager'),
    target: target?.kind === 'existing' ? target.id : userPrincipalName,
    targetIsId: target?.kind === 'existing',
  };
}

/** Runs `work` over the items, at most `concurrency` at once. */
async function inPool<T>(items: readonly T[], options: Pick<ApplyOptions, 'concurrency' | 'signal'>, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async (): Promise<void> => {
    while (options.signal?.aborted !== true) {
      const item = queue.shift();
      if (item === undefined) return;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, queue.length)) }, worker));
}

async function applyPrincipal(principal: PrincipalRun, run: PlanRun): Promise<void> {
  for (const change of principal.steps) await applyStep(change, principal, run);
}

async function applyManagers(principal: PrincipalRun, run: PlanRun): Promise<void> {
  for (const change of principal.managers) await applyStep(change, principal, run);
}

/** One step: skipped after an earlier step of its principal failed; a failure skips the principal's later steps. */
async function applyStep(change: Change, principal: PrincipalRun, run: PlanRun): Promise<void> {
  if (principal.failedStep) {
    run.record({ change, status: 'skipped', reason: `its ${describeAction(principal.failedStep)} failed` });
    return;
  }
  try {
    const note = await applyChange(change, principal, run);
    if (change.action === 'create-user' && note.objectId) {
      principal.target = note.objectId;
      principal.targetIsId = true;
      run.created.set(change.userPrincipalName.toLowerCase(), note.objectId);
    }
    run.record({ change, status: 'applied', ...(note.text ? { note: note.text } : {}), requestId: note.requestId });
  } catch (error) {
    principal.failedStep = change.action;
    run.record({ change, status: 'failed', error: failureOf(error) });
  }
}

/** What a step that succeeded reports: a note when an earlier run had done it, the new user's id, the write's request id. */
interface StepResult {
  readonly text?: string;
  readonly objectId?: string;
  readonly requestId: string | null;
}

async function applyChange(change: Change, principal: PrincipalRun, run: PlanRun): Promise<StepResult> {
  const { tenant, options } = run;
  const target = principal.target;
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
      const { attributes, ...details } = change.details;
      // The password goes straight to the adapter: it is in no change, outcome, note or log line.
      const input = { ...details, userPrincipalName: change.userPrincipalName, ...(attributes === undefined ? {} : { attributes: declaredAttributes(attributes) }) };
      const result = await idempotent(
        async () => {
          const created = await tenant.createUser({ ...input, password: options.newPassword() });
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
    case 'update-attributes':
      return await tenant.updateAttributes(target, Object.fromEntries(change.details.attributes.map((a) => [a.attribute, normaliseAttributeValue(a.to)])));
    case 'set-manager':
      return await tenant.setManager(target, change.details.to === null ? null : await managerIdOf(change, change.details.to, run));
    case 'set-usage-location':
      return await tenant.setUsageLocation(target, change.details.to);
    case 'assign-licenses':
      return await tenant.assignLicenses(target, change.details.add.map((l) => ({ skuId: l.skuId, disabledPlans: l.disabledPlans })), []);
    case 'add-group-member':
      return await tenant.addGroupMember(change.details.groupId, await userIdOf(change, principal, run));
    case 'remove-licenses':
      return await tenant.assignLicenses(target, [], change.details.remove.map((l) => l.skuId));
    case 'remove-group-member':
      return await tenant.removeGroupMember(change.details.groupId, await userIdOf(change, principal, run));
    case 'enable-sign-in':
    case 'block-sign-in':
      return await tenant.setAccountEnabled(target, change.details.to);
  }
}

/** A new user's attributes as the port takes them. */
function declaredAttributes(settings: readonly AttributeSetting[]): DeclaredAttributes {
  return Object.fromEntries(settings.map((s) => [s.attribute, normaliseAttributeValue(s.value)]));
}

/**
 * The object id a membership names (Graph adds and removes members by id): the plan's, else the user
 * this run created, else the active user that holds the UPN (created by an earlier, interrupted run).
 */
async function userIdOf(change: Change, principal: PrincipalRun, run: PlanRun): Promise<string> {
  if ('objectId' in change && change.objectId !== undefined) return change.objectId;
  if (principal.targetIsId) return principal.target;
  const found = await run.tenant.readUser(change.userPrincipalName);
  if (found === undefined) throw new Error(`${change.userPrincipalName} is not in the tenant, so it cannot be made a member; run plan again`);
  return found.id;
}

/** The declared manager's object id: as planned, else the user this run created, else the active user with that UPN. */
async function managerIdOf(change: SetManagerChange, manager: string, run: PlanRun): Promise<string> {
  if (change.details.toObjectId !== undefined) return change.details.toObjectId;
  const created = run.created.get(manager.toLowerCase());
  if (created !== undefined) return created;
  const found = await run.tenant.readUser(manager);
  if (found === undefined) throw new Error(`the manager ${manager} is not an active user in the tenant (its creation or restore did not happen); apply again once it exists, or run plan again`);
  return found.id;
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
    case 'update-attributes':
      return 'attribute update';
    case 'set-manager':
      return 'manager change';
    case 'set-usage-location':
      return 'usage location';
    case 'assign-licenses':
      return 'license assignment';
    case 'add-group-member':
      return 'group membership';
    case 'remove-licenses':
      return 'license removal';
    case 'remove-group-member':
      return 'group membership removal';
    case 'enable-sign-in':
    case 'block-sign-in':
      return 'sign-in change';
  }
}
