import { createHash } from 'node:crypto';
import type { Diagnostic } from '../domain/diagnostics.ts';
import type { DesiredState } from '../domain/desired.ts';
import { selectHeals } from '../domain/heal.ts';
import type { ObservedTenant } from '../domain/observed.ts';
import { changeIdentity } from '../domain/change-identity.ts';
import type { Change, Plan } from '../domain/plan.ts';
import type { ChangeOutcome } from '../engine/apply.ts';
import { applyPlan } from '../engine/apply.ts';
import { digestPolicy } from '../engine/digest.ts';
import { planObserved, readRequestFor, recordedPolicyPaths } from '../engine/reconcile.ts';
import { loadPolicy } from '../policy/load.ts';
import { readPolicySources } from '../policy/includes.ts';
import type { ReadTenantRequest, TenantDeltaReader, TenantReader, TenantWriter } from '../tenant/port.ts';
import { TenantError } from '../tenant/port.ts';
import { createBreaker } from './breaker.ts';
import { applyReread, namedIds } from './view.ts';

/**
 * `tenantctl watch` (docs/watch.md): read the whole tenant once, then follow the users' delta query; after each
 * round that names users, plan again with the same pure planner and heal what the merged policy allows
 * (`watch.heal`), under the breaker (`watch.maxChangesPerHour`); report the rest. Side effects are injected: the
 * tenant, the clock, sleeping, the password maker, and where events go (log lines, metrics).
 */

export interface WatchOptions {
  readonly paths: readonly string[];
  readonly cwd: string;
  /** Between two delta rounds. */
  readonly intervalMs: number;
  /** A full read again after this long (group memberships and anything the users' delta does not carry). */
  readonly fullReadEveryMs: number;
  /** Report what would be healed; write nothing. */
  readonly dryRun: boolean;
  /** TENANTCTL_NOW: the planner's time, fixed (tests, reproducing). */
  readonly fixedNow?: string;
}

/**
 * Why the whole tenant was read: at start, a link the tenant no longer knows, a new policy, the schedule, or after
 * a heal the users' reads cannot show (a created user has no id in the plan; group memberships are read with groups).
 */
export type FullReadReason = 'start' | 'delta-expired' | 'policy-changed' | 'scheduled' | 'after-heal';

export type WatchTenant = TenantReader & TenantWriter & TenantDeltaReader;

export interface WatchEvents {
  /** A full read finished: the users and deleted users it saw. */
  fullRead(info: { readonly reason: FullReadReason; readonly users: number; readonly deletedUsers: number }): void;
  /** A delta round finished; `ids` is what it named (none: an idle round). */
  round(info: { readonly changed: number; readonly softDeleted: number; readonly purged: number }): void;
  /** The plan after a read: the drift, split into what will be healed and what is only reported. */
  planned(info: { readonly plan: Plan; readonly heal: readonly Change[]; readonly report: readonly Change[]; readonly blockers: readonly Diagnostic[] }): void;
  /** A finding first seen (an error or warning the plan holds, such as a deleted user Graph cannot restore). */
  finding(diagnostic: Diagnostic): void;
  /** Drift first seen (a change not in the previous plan), healable or not. */
  drift(info: { readonly change: Change; readonly healable: boolean }): void;
  /** Each healing write's outcome, as apply reports it (the audit log takes these). */
  healed(outcome: ChangeOutcome): void;
  /** The breaker stopped healing: more heals than the policy allows in an hour. */
  breaker(info: { readonly tripped: boolean; readonly reason: string }): void;
  /** The policy files changed: read again (valid), or kept as they were (invalid, with why). */
  policy(info: { readonly valid: boolean; readonly diagnostics: readonly Diagnostic[] }): void;
  /** A round that failed (it is tried again next interval). */
  failure(info: { readonly stage: 'full-read' | 'delta' | 'policy'; readonly error: unknown }): void;
}

export interface WatchDeps {
  readonly tenant: WatchTenant;
  /** Milliseconds since the epoch (local clock). */
  readonly clock: () => number;
  /** Resolves after `ms`, or as soon as `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly newPassword: () => string;
  readonly events: WatchEvents;
}

export type WatchResult =
  /** The policy was invalid at start: nothing was read. */
  | { readonly kind: 'invalid-policy'; readonly diagnostics: readonly Diagnostic[] }
  /** Stopped by the signal (SIGTERM), after the writes in flight ended. */
  | { readonly kind: 'stopped' };

interface Policy {
  readonly desired: DesiredState;
  readonly warnings: readonly Diagnostic[];
  readonly digest: string;
  readonly fingerprint: string;
  readonly request: ReadTenantRequest;
}

/** What the policy files say, as bytes: a change of any of them (added, removed, edited) changes it. */
async function fingerprintOf(paths: readonly string[], cwd: string): Promise<string> {
  // Included shared files too: editing common/licenses.yaml changes every policy that includes it.
  const { sources } = await readPolicySources(paths, { cwd });
  const hash = createHash('sha256');
  for (const source of sources) hash.update(`${source.file}\0${source.bytes.length}\0`).update(source.bytes);
  return hash.digest('hex');
}

async function readPolicy(options: WatchOptions): Promise<Policy | { readonly diagnostics: readonly Diagnostic[] }> {
  const fingerprint = await fingerprintOf(options.paths, options.cwd);
  const loaded = await loadPolicy(options.paths, { cwd: options.cwd });
  if (!loaded.desired) return { diagnostics: loaded.diagnostics };
  const desired = loaded.desired;
  return { desired, warnings: loaded.diagnostics.filter((d) => d.severity !== 'info'), digest: digestPolicy(desired), fingerprint, request: { ...readRequestFor(desired), planHistory: 'all' } };
}

/** How often one change is healed before watch only reports it (until the next full read). */
const MAX_TRIES = 3;

/** Rounds a user found nowhere (and not called purged) is read again before it is taken as gone. */
const MAX_UNRESOLVED_ROUNDS = 5;

export async function runWatch(options: WatchOptions, deps: WatchDeps, signal: AbortSignal): Promise<WatchResult> {
  const first = await readPolicy(options);
  if (!('desired' in first)) return { kind: 'invalid-policy', diagnostics: first.diagnostics };
  let policy: Policy = first;
  const { tenant, events } = deps;
  const breaker = createBreaker({ maxPerHour: policy.desired.watch.maxChangesPerHour, now: deps.clock });
  const policyPaths = recordedPolicyPaths(options.paths, options.cwd);
  let roles: readonly string[] = [];
  let view: ObservedTenant | undefined;
  let deltaLink = '';
  let fullReadAt = 0;
  /** Tenant clock minus local clock, from the full read's Date header: the planner's "now" is the tenant's. */
  let skewMs = 0;
  let seen = new Set<string>();
  let seenFindings = new Set<string>();
  let breakerReported = false;
  /** Heals tried per change since the last full read: one that keeps failing is tried MAX_TRIES times, then only reported. */
  const tries = new Map<string, number>();
  /** Healable drift was left after the last heal (a failure, a throttled write): heal again at the next interval. */
  let pending = false;
  /** Users a delta round named that are not read yet (a read failed) or were found nowhere: read at the next round. */
  const pendingIds = new Map<string, number>();
  /** Users Graph said were deleted for good, until they are read. */
  const purgedIds = new Set<string>();
  /** The fingerprint of policy files found invalid: reported once, not at every interval. */
  let rejectedFingerprint: string | undefined;

  const fullRead = async (reason: FullReadReason): Promise<void> => {
    // The link first: a change during the read is seen again in the next round, never missed.
    const start = await tenant.startUserDelta(policy.request);
    roles = await tenant.readGrantedRoles();
    const observed = await tenant.readTenant(policy.request);
    deltaLink = start.deltaLink;
    view = observed;
    tries.clear();
    pendingIds.clear();
    purgedIds.clear();
    fullReadAt = deps.clock();
    skewMs = observed.readAt === null || observed.readAt === undefined ? 0 : Date.parse(observed.readAt) - fullReadAt;
    events.fullRead({ reason, users: observed.users.length, deletedUsers: observed.deletedUsers.length });
  };

  const nowIso = (): string => options.fixedNow ?? new Date(deps.clock() + skewMs).toISOString();

  /**
   * Plans against the view; heals what the policy allows unless dry-run, blocked or the breaker is tripped; then
   * reads back what it healed and plans once more without healing, so that the log says where that left the tenant
   * (`changes: 0`: converged).
   */
  const reconcile = async (mayHeal = true): Promise<void> => {
    if (!view) return;
    const planned = planObserved({ desired: policy.desired, observed: view, now: nowIso(), roles, policyDigest: policy.digest, policyPaths, policyWarnings: policy.warnings });
    const { heal, report } = selectHeals(planned.plan.changes, policy.desired.watch);
    events.planned({ plan: planned.plan, heal, report, blockers: planned.applyBlockers });
    const keys = new Set(planned.plan.changes.map((c) => changeIdentity(c)));
    const healable = new Set(heal);
    for (const change of planned.plan.changes) if (!seen.has(changeIdentity(change))) events.drift({ change, healable: healable.has(change) });
    seen = keys;
    // Errors and warnings, each once while it lasts (a note is not news for an operator).
    const findings = planned.plan.diagnostics.filter((d) => d.severity !== 'info');
    const findingKeys = new Set(findings.map((d) => JSON.stringify(d)));
    for (const finding of findings) if (!seenFindings.has(JSON.stringify(finding))) events.finding(finding);
    seenFindings = findingKeys;
    // Credentials that cannot make the writes, or a policy for another tenant: report, heal nothing.
    const eligible = options.dryRun || planned.applyBlockers.length > 0 ? [] : heal.filter((c) => (tries.get(changeIdentity(c)) ?? 0) < MAX_TRIES);
    pending = eligible.length > 0;
    // SIGTERM: no new write (docs/watch.md §7).
    if (!mayHeal || eligible.length === 0 || signal.aborted) return;
    if (!breaker.allow(eligible.length)) {
      if (!breakerReported) events.breaker({ tripped: true, reason: breaker.reason ?? `more than ${policy.desired.watch.maxChangesPerHour} heals in an hour` });
      breakerReported = true;
      pending = false;
      return;
    }
    for (const change of eligible) tries.set(changeIdentity(change), (tries.get(changeIdentity(change)) ?? 0) + 1);
    const healPlan: Plan = { ...planned.plan, changes: eligible };
    await applyPlan(healPlan, tenant, { newPassword: deps.newPassword, onOutcome: (outcome) => events.healed(outcome), signal });
    // Read back what was healed: the next plan starts from what the tenant now holds. A created user has no id in
    // the plan, and memberships are read with their groups: then the whole tenant is read again.
    if (eligible.some((c) => c.action === 'create-user' || c.action === 'add-group-member' || c.action === 'remove-group-member')) {
      await fullRead('after-heal');
    } else {
      const ids = [...new Set(eligible.map((c) => ('objectId' in c ? c.objectId : undefined)).filter((id): id is string => typeof id === 'string'))];
      const result = await tenant.readUsers(ids, policy.request);
      view = applyReread(view, { ids, purged: new Set(), result, skus: await tenant.readSkus() }).view;
    }
    // What was healed is drift no longer; a heal that failed is reported again by the plan below.
    for (const change of eligible) seen.delete(changeIdentity(change));
    await reconcile(false);
  };

  const deltaRound = async (): Promise<void> => {
    if (!view) return;
    let round;
    try {
      round = await tenant.readUserDelta(deltaLink);
    } catch (error) {
      if (error instanceof TenantError && error.kind === 'delta-expired') {
        await fullRead('delta-expired');
        await reconcile();
        return;
      }
      throw error;
    }
    // The link moves on; the users it named stay pending until they are read, so a failed read loses none.
    deltaLink = round.deltaLink;
    for (const id of namedIds(round)) pendingIds.set(id, 0);
    for (const id of round.purged) purgedIds.add(id.toLowerCase());
    events.round({ changed: round.changed.length, softDeleted: round.softDeleted.length, purged: round.purged.length });
    const ids = [...pendingIds.keys()].sort();
    if (ids.length === 0) {
      if (pending) await reconcile();
      return;
    }
    const result = await tenant.readUsers(ids, policy.request);
    const merged = applyReread(view, { ids, purged: purgedIds, result, skus: await tenant.readSkus() });
    view = merged.view;
    const unresolved = new Set(merged.unresolved);
    for (const id of ids) {
      const rounds = (pendingIds.get(id) ?? 0) + 1;
      // Found, purged, or found nowhere for too long (then taken as gone at the next full read): no longer pending.
      if (!unresolved.has(id) || rounds >= MAX_UNRESOLVED_ROUNDS) {
        pendingIds.delete(id);
        purgedIds.delete(id);
      } else {
        pendingIds.set(id, rounds);
      }
    }
    await reconcile();
  };

  /** The policy files changed: a valid policy replaces the old one (and is read against a full read); an invalid one is reported and the old one kept. */
  const checkPolicy = async (): Promise<void> => {
    const fingerprint = await fingerprintOf(options.paths, options.cwd);
    if (fingerprint === policy.fingerprint || fingerprint === rejectedFingerprint) return;
    const next = await readPolicy(options);
    if (!('desired' in next)) {
      rejectedFingerprint = fingerprint;
      events.policy({ valid: false, diagnostics: next.diagnostics });
      return;
    }
    rejectedFingerprint = undefined;
    policy = next;
    breaker.configure({ maxPerHour: next.desired.watch.maxChangesPerHour });
    events.policy({ valid: true, diagnostics: next.warnings });
    await fullRead('policy-changed');
    await reconcile();
  };

  const step = async (stage: 'full-read' | 'delta' | 'policy', work: () => Promise<void>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      events.failure({ stage, error });
    }
  };

  await step('full-read', async () => {
    await fullRead('start');
    await reconcile();
  });
  while (!signal.aborted) {
    await deps.sleep(options.intervalMs, signal);
    if (signal.aborted) break;
    await step('policy', checkPolicy);
    if (view === undefined || deps.clock() - fullReadAt >= options.fullReadEveryMs) {
      await step('full-read', async () => {
        await fullRead(view === undefined ? 'start' : 'scheduled');
        await reconcile();
      });
    } else {
      await step('delta', deltaRound);
    }
  }
  return { kind: 'stopped' };
}
