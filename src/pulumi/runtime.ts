import type { ObservedUser } from '../domain/observed.ts';
import type { ObjectAfterChanges } from '../domain/principal-changes.ts';
import { objectAfterChanges } from '../domain/principal-changes.ts';
import type { ChangeOutcome } from '../engine/apply.ts';
import { applyPlan } from '../engine/apply.ts';
import type { ApplyRefusal, FreshPlan } from '../engine/apply-gate.ts';
import { gateApply } from '../engine/apply-gate.ts';
import { newUserPassword } from '../engine/passwords.ts';
import { planTenant } from '../engine/reconcile.ts';
import { renderValidationText } from '../render/diagnostics.ts';
import type { GraphTenant } from '../tenant/graph/index.ts';
import { connectGraphTenant } from '../tenant/graph/index.ts';
import type { CheckFailure, PrincipalInputs, PrincipalOutputs, PrincipalPlan } from './inputs.ts';
import { CONFIG_NAMESPACE } from './config.ts';
import { checkInputs, describeErrors, diffPrincipal } from './inputs.ts';

/**
 * The dynamic provider's engine side, loaded lazily by the thin provider object in `provider.ts`
 * (Pulumi serializes that object into state; this module is never serialized).
 *
 * One **session** per provider process and policy: the first call reads the tenant in bulk and plans
 * the whole policy exactly as `tenantctl plan` does (seats across the plan, restores first, one deleted
 * object per principal); every resource's diff, create and update then takes its principal's share of
 * that plan. A preview of 10,000 principals therefore costs the same few bulk requests as one
 * `tenantctl plan`, never a request per principal.
 *
 * The state a session needs lives on the provider object (`holder`), which Pulumi deserializes once per
 * process: module state would be shared between providers, and a provider's own fields are not.
 */

/** Stack configuration keys the provider reads in `configure` (namespace `tenantctl`). */
const STACK_SETTINGS = {
  graphUrl: 'TENANTCTL_GRAPH_URL',
  cloud: 'TENANTCTL_CLOUD',
  tenantId: 'AZURE_TENANT_ID',
  clientId: 'AZURE_CLIENT_ID',
  clientSecret: 'AZURE_CLIENT_SECRET',
} as const;

/** What `configure` received: stack config that overrides the environment of the same meaning. */
type ProviderSettings = Partial<Record<keyof typeof STACK_SETTINGS, string>>;

/** The provider object as this module sees it: somewhere to keep settings and sessions. */
export interface ProviderHolder {
  tenantctl?: ProviderState;
}

interface ProviderState {
  settings: ProviderSettings;
  sessions: Map<string, Promise<Session>>;
}

interface Session {
  /** The tenant plan, made once per provider process with the provider's credentials. */
  readonly fresh: FreshPlan;
  readonly tenant: GraphTenant;
  readonly activeByUpn: ReadonlyMap<string, ObservedUser>;
  readonly activeById: ReadonlyMap<string, ObservedUser>;
  /** The plan's protected principals (lower case): tenantctl writes nothing to them. */
  readonly protectedPrincipals: ReadonlySet<string>;
}

function stateOf(holder: ProviderHolder): ProviderState {
  holder.tenantctl ??= { settings: {}, sessions: new Map() };
  return holder.tenantctl;
}

/** `configure`: keeps the stack's connection settings on the provider object, never in a resource. */
export function configure(holder: ProviderHolder, config: { get(key: string): string | undefined }): void {
  const settings: ProviderSettings = {};
  for (const key of Object.keys(STACK_SETTINGS) as (keyof typeof STACK_SETTINGS)[]) {
    const value = config.get(`${CONFIG_NAMESPACE}:${key}`);
    if (value !== undefined && value !== '') settings[key] = value;
  }
  stateOf(holder).settings = settings;
}

/** The environment the Graph adapter sees: the process's, with stack config on top. */
function connectionEnv(settings: ProviderSettings, env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = { ...env };
  for (const [key, variable] of Object.entries(STACK_SETTINGS)) {
    const value = settings[key as keyof ProviderSettings];
    if (value !== undefined) merged[variable] = value;
  }
  return merged;
}

async function openSession(holder: ProviderHolder, inputs: PrincipalInputs): Promise<Session> {
  const state = stateOf(holder);
  const key = JSON.stringify(inputs.policy.paths);
  let session = state.sessions.get(key);
  if (!session) {
    session = startSession(state.settings, inputs.policy.paths);
    // A failed read stays failed for this process: 10,000 resources must not each sign in or read the
    // tenant again against a service that is failing (the adapter already retried); run Pulumi again.
    state.sessions.set(key, session);
  }
  return await session;
}

async function startSession(settings: ProviderSettings, paths: readonly string[]): Promise<Session> {
  // This module is the provider process's edge: environment, directory and clock are read here.
  const env = process.env;
  const cwd = process.cwd();
  const tenant = connectGraphTenant({ env: connectionEnv(settings, env) }).tenant;
  // TENANTCTL_NOW fixes the planning time, as for the CLI; else the tenant's clock, else this one.
  const fixedNow = env.TENANTCTL_NOW;
  const outcome = await planTenant({ paths, cwd, reader: tenant, now: new Date().toISOString(), ...(fixedNow === undefined || fixedNow === '' ? {} : { fixedNow }) });
  if (outcome.kind === 'invalid-policy') {
    const text = renderValidationText({ diagnostics: outcome.diagnostics, files: [] }, { color: false });
    throw new Error(`the policy at ${paths.join(', ')} is invalid (the provider runs in ${cwd}):\n${text}`);
  }
  const users = outcome.observed?.users ?? [];
  return {
    fresh: outcome,
    tenant,
    activeByUpn: new Map(users.map((u) => [u.userPrincipalName.toLowerCase(), u])),
    activeById: new Map(users.map((u) => [u.id.toLowerCase(), u])),
    protectedPrincipals: new Set(outcome.plan.protectedPrincipals ?? []),
  };
}

/** What a resource's operation asks the apply gate: a preview (diff, refresh) or a write (create, update). */
interface GateRequest {
  readonly purpose: 'preview' | 'write';
  /** The tenant the stack's state was written for, when it has one. */
  readonly olds?: Readonly<Record<string, unknown>>;
  /** Refresh does not run the program: the policy may have changed since the state was written. */
  readonly checkDigest?: boolean;
}

/**
 * The principal's share of the plan, after the apply gate (src/engine/apply-gate.ts) — the same rule as
 * `tenantctl apply` — lets it through: the stack's tenant is the one the credentials reach, the program
 * saw the policy the provider planned, nothing blocks the whole plan, and for a write, the credentials
 * can make the changes. Throws the gate's refusal, worded for a Pulumi user.
 */
function principalPlan(session: Session, inputs: PrincipalInputs, request: GateRequest): PrincipalPlan {
  const upn = inputs.userPrincipalName;
  const stackTenant = typeof request.olds?.tenantId === 'string' ? request.olds.tenantId : undefined;
  const gate = gateApply({
    fresh: session.fresh,
    reviewed: { kind: 'program', name: 'this stack\'s state', ...(stackTenant === undefined ? {} : { tenantId: stackTenant }), ...(request.checkDigest === false ? {} : { policyDigest: inputs.policy.digest }) },
    principal: upn,
    // A preview may run with read-only credentials: their missing write permissions only stop writes.
    purpose: request.purpose === 'write' ? 'apply' : 'preview',
  });
  if (gate.kind === 'refused') throw new Error(refusalMessage(gate, session, inputs, request));
  const own = gate.plan.diagnostics;
  // What the plan would change on a protected principal is information (`protected-drift`), kept for `leftAlone`.
  const leftAlone = own.filter((d) => d.code === 'protected-drift');
  return { changes: gate.plan.changes, errors: own.filter((d) => d.severity === 'error'), warnings: own.filter((d) => d.severity === 'warning'), leftAlone };
}

function isProtected(session: Session, upn: string): boolean {
  return session.protectedPrincipals.has(upn.toLowerCase());
}

/** The gate's refusal as a Pulumi user needs it: which stack setting or command fixes it. */
function refusalMessage(refusal: ApplyRefusal, session: Session, inputs: PrincipalInputs, request: GateRequest): string {
  switch (refusal.code) {
    case 'other-tenant':
      return `${refusal.reason}; check AZURE_TENANT_ID or tenantctl:tenantId, or use another stack`;
    case 'policy-changed':
      return `the policy at ${inputs.policy.paths.join(', ')} changed while Pulumi was running (program saw ${inputs.policy.digest}, the provider reads ${session.fresh.plan.policyDigest}); run the command again`;
    case 'credentials':
      return request.purpose === 'write' ? `${inputs.userPrincipalName}: not changed: ${refusal.reason}` : refusal.reason;
    case 'stale-plan':
    case 'too-many-changes':
    case 'mass-removal':
    case 'protected':
      return refusal.reason;
  }
}

/** Before any write: a principal the plan blocks fails with the plan's reason. */
function refuseBlocked(upn: string, planned: PrincipalPlan): void {
  if (planned.errors.length > 0) throw new Error(describeErrors(upn, planned.errors));
}

/** What a protected principal's create or update says when there is nothing to adopt: it is never created or restored. */
function protectedAndMissing(upn: string, planned: PrincipalPlan): Error {
  const would = planned.leftAlone.map((d) => d.message);
  return new Error(`${upn}: protected: tenantctl writes nothing to it, and the tenant has no active user for it${would.length > 0 ? ` (${would.join('; ')})` : ''}; restore or create it yourself, or remove it from defaults.protected (or its protected: true)`);
}

/**
 * The object the principal is once its changes are applied (objectAfterChanges), else the active user
 * that holds its UPN (also after a restore under another UPN, which leaves the UPN with that user).
 */
function targetObject(session: Session, upn: string, planned: PrincipalPlan): ObjectAfterChanges {
  const after = objectAfterChanges(planned.changes);
  if (after?.kind === 'new') return after;
  if (after) return { kind: 'existing', id: after.id.toLowerCase() };
  const active = session.activeByUpn.get(upn.toLowerCase());
  return active ? { kind: 'existing', id: active.id.toLowerCase() } : undefined;
}

export function check(news: Readonly<Record<string, unknown>>): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
  return { inputs: { ...news }, failures: checkInputs(news) };
}

/** Inputs as the engine hands them over, checked again (state may have been written by another version or by hand). */
function asInputs(value: Readonly<Record<string, unknown>>): PrincipalInputs {
  const failures = checkInputs(value);
  if (failures.length > 0) throw new Error(`invalid resource inputs: ${failures.map((f) => `${f.property} ${f.reason}`).join('; ')}`);
  // State written by an earlier version (RESOURCE_SCHEMA_VERSION) lacks later inputs: read as not declared.
  const inputs = value as unknown as Partial<PrincipalInputs> & Pick<PrincipalInputs, 'kind' | 'licenses'>;
  const { manager, ...rest } = inputs as PrincipalInputs;
  return {
    ...rest,
    usageLocation: inputs.usageLocation ?? null,
    mailboxType: inputs.mailboxType ?? null,
    licenses: inputs.licenses.map((l) => ({ ...l, licenseSet: l.licenseSet ?? null, group: l.group ?? null })),
    attributes: inputs.attributes ?? {},
    ...(manager === undefined || manager === null ? {} : { manager }),
    protected: inputs.protected ?? false,
    whenMissing: inputs.whenMissing ?? (inputs.kind === 'mailbox' ? 'report' : 'create'),
  };
}

export async function diff(holder: ProviderHolder, id: string, olds: Readonly<Record<string, unknown>>, newInputs: Readonly<Record<string, unknown>>): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }> {
  const news = asInputs(newInputs);
  const session = await openSession(holder, news);
  const planned = principalPlan(session, news, { purpose: 'preview', olds });
  const result = diffPrincipal(id, olds, news, planned, targetObject(session, news.userPrincipalName, planned));
  return { changes: result.changes, replaces: [...result.replaces], deleteBeforeReplace: result.deleteBeforeReplace };
}

/**
 * Create: restore-or-adopt-or-create. The principal's share of the plan says which: a soft-deleted
 * object is restored (keeping its id), an active user is adopted as it is (with its drift repaired),
 * and only when nothing is left is a new user created (`whenMissing: create`, the default), or the
 * resource fails with the plan's reason (`whenMissing: report`, and always for a mailbox). A protected
 * principal is only adopted: its drift is reported in `leftAlone`, and nothing is written.
 */
export async function create(holder: ProviderHolder, newInputs: Readonly<Record<string, unknown>>): Promise<{ id: string; outs: PrincipalOutputs }> {
  const inputs = asInputs(newInputs);
  const session = await openSession(holder, inputs);
  const planned = principalPlan(session, inputs, { purpose: 'preview' });
  refuseBlocked(inputs.userPrincipalName, planned);
  const target = targetObject(session, inputs.userPrincipalName, planned);
  if (isProtected(session, inputs.userPrincipalName) && target?.kind !== 'existing') throw protectedAndMissing(inputs.userPrincipalName, planned);
  await applyPrincipal(session, inputs, planned, {});
  const id = target?.kind === 'existing' ? target.id : await createdObject(session, inputs.userPrincipalName);
  return { id, outs: outputs(inputs, id, session, planned) };
}

export async function update(holder: ProviderHolder, id: string, olds: Readonly<Record<string, unknown>>, newInputs: Readonly<Record<string, unknown>>): Promise<{ outs: PrincipalOutputs }> {
  const news = asInputs(newInputs);
  const session = await openSession(holder, news);
  const planned = principalPlan(session, news, { purpose: 'preview', olds });
  refuseBlocked(news.userPrincipalName, planned);
  const target = targetObject(session, news.userPrincipalName, planned);
  if (isProtected(session, news.userPrincipalName) && target === undefined) throw protectedAndMissing(news.userPrincipalName, planned);
  if (target?.kind !== 'existing' || target.id !== id.toLowerCase()) {
    // diff replaces in this case; an update that would move the resource to another object writes nothing.
    throw new Error(`${news.userPrincipalName}: the tenant's ${news.userPrincipalName} is ${target?.kind === 'existing' ? `object ${target.id}` : 'a new object'}, not ${id}; nothing was changed: run pulumi preview again`);
  }
  await applyPrincipal(session, news, planned, olds);
  return { outs: outputs(news, id, session, planned) };
}

/**
 * Read (refresh): the object as the session's bulk snapshot has it. A soft-deleted or purged object is
 * gone as far as Pulumi is concerned (the next `up` restores it through create), so read answers no id.
 */
export async function read(holder: ProviderHolder, id: string, props: Readonly<Record<string, unknown>>): Promise<{ id?: string; props?: Record<string, unknown> }> {
  const inputs = asInputs(props);
  // Refresh does not run the program: the policy may have changed since this state was written.
  const session = await openSession(holder, inputs);
  const planned = principalPlan(session, inputs, { purpose: 'preview', olds: props, checkDigest: false });
  const user = session.activeById.get(id.toLowerCase());
  if (user === undefined) return {};
  return { id, props: { ...props, objectId: user.id, leftAlone: planned.leftAlone.map((d) => d.message) } };
}

/** Delete removes the resource from the stack only: tenantctl never deletes a user. */
export function remove(): void {
  // Nothing to do in the tenant, by design: tenantctl never deletes a user (docs/reconciliation.md §1).
}

/** Runs the principal's changes through the executor (nothing when it has none). */
async function applyPrincipal(session: Session, inputs: PrincipalInputs, planned: PrincipalPlan, olds: Readonly<Record<string, unknown>>): Promise<void> {
  const upn = inputs.userPrincipalName;
  // A protected principal has no change (the planner's rule), and the gate refuses a plan with one for it.
  if (planned.changes.length === 0) return;
  // A preview may run with read-only credentials; a write asks the gate again, as a write.
  const writing = principalPlan(session, inputs, { purpose: 'write', olds });
  const { outcomes } = await applyPlan({ ...session.fresh.plan, changes: writing.changes, diagnostics: [...writing.errors, ...writing.warnings], summary: {} }, session.tenant, { newPassword: newUserPassword, concurrency: 1 });
  const failed = outcomes.filter((o): o is Extract<ChangeOutcome, { status: 'failed' }> => o.status === 'failed');
  if (failed.length > 0) {
    const why = failed.map((o) => `${o.change.action} failed: ${o.error.message} (${o.error.code}${o.error.status === null ? '' : `, HTTP ${o.error.status}`}${o.error.requestId ? `, request-id ${o.error.requestId}` : ''})`);
    throw new Error(`${upn}: ${why.join('; ')}`);
  }
}

/** The id of a user made just now: one read, only for creations. */
async function createdObject(session: Session, upn: string): Promise<string> {
  const created = await session.tenant.readUser(upn);
  if (!created) throw new Error(`${upn}: created, but Graph does not list it yet; run pulumi refresh, then pulumi up`);
  return created.id.toLowerCase();
}

function outputs(inputs: PrincipalInputs, id: string, session: Session, planned: PrincipalPlan): PrincipalOutputs {
  return {
    ...inputs,
    objectId: id,
    tenantId: session.fresh.observed?.tenantId.toLowerCase() ?? session.fresh.plan.tenantId,
    warnings: planned.warnings.map((w) => w.message),
    lastChanges: planned.changes.map((c) => `${c.action}: ${c.reason}`),
    leftAlone: planned.leftAlone.map((d) => d.message),
  };
}
