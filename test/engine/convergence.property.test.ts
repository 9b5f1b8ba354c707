/**
 * Convergence (docs/architecture.md principles 1 and 14): for random policies and tenants,
 * plan → applyPlan → plan has no changes left, every change applied, and apply introduced no new
 * error (what remains are diagnostics that no write can fix: conflicts, seat shortfalls, synced
 * users, mailboxes that need Exchange, …). Policies come from the planning builders; tenants are
 * emulator seeds, so the same case runs on the in-memory adapter (fast, many runs; built through
 * the emulator's own seed loading, test/support/memory-seed.ts) and on the Graph adapter against
 * the emulator (a handful of runs). Principals declare attributes and managers, get E3 directly or
 * through a licensing group, and some are protected: those the plan leaves exactly as they were.
 */
import fc from 'fast-check';
import type { ValueOf } from '../support/principal-arbitraries.ts';
import { principalArbitrary, principalOf, slotArb, upnAt } from '../support/principal-arbitraries.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesiredLicense, DesiredPrincipal, DesiredState, OnUpnConflict, WhenMissing } from '../../src/domain/desired.ts';
import type { ObservedTenant } from '../../src/domain/observed.ts';
import { planReconciliation } from '../../src/domain/planner.ts';
import type { Seed } from '../../src/emulator/directory/model.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import type { ApplyResult } from '../../src/engine/apply.ts';
import { applyPlan } from '../../src/engine/apply.ts';
import { readRequestFor } from '../../src/engine/reconcile.ts';
import { createMemoryTenant } from '../../src/tenant/memory/tenant.ts';
import type { TenantReader, TenantWriter } from '../../src/tenant/port.ts';
import { reseed } from '../support/apply-e2e.ts';
import type { UserDraft } from '../support/emulator.ts';
import { contoso, E3, EXCHANGE_PLAN_2, EXCHANGE_STANDARD, YAMMER } from '../support/emulator.ts';
import { graphTenantFor } from '../support/graph-tenant.ts';
import { memoryInputFromSeed } from '../support/memory-seed.ts';
import { daysAgo, declaredUser, desired, desiredLicense, groupSetLicense, NOW, SWAY as SWAY_PLAN } from '../support/planning.ts';
import { planOf } from '../support/plans.ts';
import { countingGuid } from '../support/seeds.ts';


const GROUP = '9a000000-0000-4000-8000-000000000001';
/** A licensing group that assigns E3, named by the policy's `e3group` license set. */
const E3_GROUP = '9a000000-0000-4000-8000-0000000000e3';
const E3_GROUP_NAME = 'Licensing E3';
const PHONE = '+31 20 123 4567';

// ---- tenants: emulator seeds --------------------------------------------------------------------

const e3Arb = fc.constantFrom<'none' | 'full' | 'no-sway' | 'no-yammer-sway'>('none', 'none', 'full', 'no-sway', 'no-yammer-sway');

function directLicensesOf(e3: ValueOf<typeof e3Arb>): NonNullable<UserDraft['assignedLicenses']> {
  switch (e3) {
    case 'none':
      return [];
    case 'full':
      return [{ skuId: E3, disabledPlans: [] }];
    case 'no-sway':
      return [{ skuId: E3, disabledPlans: [SWAY_PLAN] }];
    case 'no-yammer-sway':
      return [{ skuId: E3, disabledPlans: [YAMMER, SWAY_PLAN] }];
  }
}

const activeArb = fc.record({
  slot: slotArb,
  accountEnabled: fc.boolean(),
  usageLocation: fc.constantFrom(null, 'NL', 'DE'),
  e3: e3Arb,
  inGroup: fc.boolean(),
  purpose: fc.constantFrom<'user' | 'shared'>('user', 'user', 'shared'),
  /** Days since the Exchange plan was removed (only for users without E3). */
  exchangeRemoved: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
  jobTitle: fc.constantFrom<string | null>(null, 'Engineer', 'Sales Lead'),
  department: fc.constantFrom<string | null>(null, 'Sales'),
  businessPhones: fc.constantFrom<string[]>([], [PHONE]),
  /** The index (among the active users) of its manager, when it is another active user. */
  manager: fc.option(fc.nat({ max: 4 }), { nil: undefined }),
  inE3Group: fc.boolean(),
});

const deletedArb = fc.record({
  slot: slotArb,
  days: fc.integer({ min: 0, max: 40 }),
  accountEnabled: fc.boolean(),
  usageLocation: fc.constantFrom(null, 'NL'),
  e3: e3Arb,
  /** Another pool address as a secondary proxy address (kept only when an active user holds it). */
  alias: fc.option(slotArb, { nil: undefined }),
  synced: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  purpose: fc.constantFrom<'user' | 'shared'>('user', 'user', 'shared'),
});

const seedArb: fc.Arbitrary<Seed> = fc
  .record({
    active: fc.uniqueArray(activeArb, { selector: (u) => u.slot, maxLength: 5 }),
    // One deleted object per UPN: several are a known problem, pinned down by its own test below.
    deleted: fc.uniqueArray(deletedArb, { selector: (u) => u.slot, maxLength: 4 }),
    e3Seats: fc.integer({ min: 0, max: 6 }),
    exchangeSeats: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ active, deleted, e3Seats, exchangeSeats }) =>
    contoso((d) => {
      const activeId = (i: number): string => countingGuid(i + 1, '1111');
      // Memberships of licensing groups are written with GroupMember.ReadWrite.All (docs/permissions.md).
      for (const app of d.apps) if (app.roles.includes('User.ReadWrite.All')) app.roles.push('GroupMember.ReadWrite.All');
      const [e3, exchange] = d.subscribedSkus;
      if (e3) e3.prepaidUnits.enabled = e3Seats;
      if (exchange) exchange.prepaidUnits.enabled = exchangeSeats;
      d.users = active.map((u, i): UserDraft => {
        const upn = upnAt(u.slot);
        const licenses = directLicensesOf(u.e3);
        return {
          id: countingGuid(i + 1, '1111'),
          userPrincipalName: upn,
          displayName: upn.split('@')[0] ?? upn,
          accountEnabled: u.accountEnabled,
          usageLocation: u.usageLocation,
          mail: upn,
          proxyAddresses: [`SMTP:${upn}`],
          assignedLicenses: licenses,
          ...(licenses.length === 0 && u.exchangeRemoved !== undefined
            ? { assignedPlans: [{ assignedDateTime: daysAgo(u.exchangeRemoved), capabilityStatus: 'Deleted' as const, service: 'exchange', servicePlanId: EXCHANGE_PLAN_2 }] }
            : {}),
          mailboxSettings: { userPurpose: u.purpose },
          jobTitle: u.jobTitle,
          department: u.department,
          businessPhones: u.businessPhones,
          ...(u.manager !== undefined && u.manager < active.length && u.manager !== i ? { manager: activeId(u.manager) } : {}),
        };
      });
      const activeSlots = new Set(active.map((u) => u.slot));
      d.deletedUsers = deleted.map((u, i): UserDraft => {
        const upn = upnAt(u.slot);
        // Aliases name active users' addresses only (proxy conflicts on restore). Two deleted users that
        // share an address, or one that holds the address a create needs, are known problems (tests below).
        const alias = u.alias !== undefined && activeSlots.has(u.alias) && u.alias !== u.slot ? u.alias : undefined;
        return {
          id: countingGuid(i + 1, '2222'),
          userPrincipalName: upn,
          displayName: `${upn.split('@')[0] ?? upn} (deleted)`,
          accountEnabled: u.accountEnabled,
          usageLocation: u.usageLocation,
          mail: upn,
          proxyAddresses: [`SMTP:${upn}`, ...(alias === undefined ? [] : [`smtp:${upnAt(alias)}`])],
          onPremisesSyncEnabled: u.synced ? true : null,
          assignedLicenses: directLicensesOf(u.e3),
          mailboxSettings: { userPurpose: u.purpose },
          deletedDateTime: daysAgo(u.days + 0.25),
        };
      });
      const members = active.flatMap((u, i) => (u.inGroup ? [activeId(i)] : []));
      const e3Members = active.flatMap((u, i) => (u.inE3Group ? [activeId(i)] : []));
      d.groups = [
        ...(members.length === 0 ? [] : [{ id: GROUP, displayName: 'Exchange Plan 1 users', assignedLicenses: [{ skuId: EXCHANGE_STANDARD, disabledPlans: [] }], members }]),
        { id: E3_GROUP, displayName: E3_GROUP_NAME, assignedLicenses: [{ skuId: E3, disabledPlans: [] }], members: e3Members },
      ];
    }),
  );

// ---- policies: the planning builders ------------------------------------------------------------

/** E3 through the licensing group: the `e3group` license set (by the group's name or its id). */
const e3GroupLicense = (byId: boolean): DesiredLicense => groupSetLicense('e3group', 'ENTERPRISEPACK', byId ? E3_GROUP : E3_GROUP_NAME);

const licensesArb: fc.Arbitrary<DesiredLicense[]> = fc
  .record({
    e3: fc.option(fc.subarray(['SWAY', 'YAMMER_ENTERPRISE'])),
    e3Group: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    exchange: fc.boolean(),
  })
  .map(({ e3, e3Group, exchange }) => [
    ...(e3Group ? [e3GroupLicense(false)] : e3 ? [desiredLicense('ENTERPRISEPACK', e3)] : []),
    ...(exchange ? [desiredLicense('EXCHANGESTANDARD')] : []),
  ]);

/** What a principal declares besides the basics: attributes (a key left out is not managed), a manager, protection. */
const profileArb = fc.record({
  jobTitle: fc.constantFrom<string | null | undefined>(undefined, undefined, null, 'Engineer', 'Senior Engineer'),
  department: fc.constantFrom<string | null | undefined>(undefined, 'Sales', null),
  businessPhones: fc.constantFrom<string[] | null | undefined>(undefined, [PHONE], null),
  /** A pool slot: its UPN as the manager (not the principal itself); null: must have none. */
  manager: fc.option(fc.option(slotArb, { nil: null }), { nil: undefined, freq: 2 }),
  protected: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

const principalArb = fc.record({ base: principalArbitrary(licensesArb), profile: profileArb });

function declaredPrincipal({ base, profile }: ValueOf<typeof principalArb>): DesiredPrincipal {
  const principal = principalOf(base);
  const upn = principal.userPrincipalName;
  const attributes = Object.fromEntries(
    (['jobTitle', 'department', 'businessPhones'] as const).flatMap((name) => (profile[name] === undefined ? [] : [[name, profile[name]]])),
  );
  const manager = profile.manager === undefined ? undefined : profile.manager === null ? null : upnAt(profile.manager);
  return { ...principal, attributes, protected: profile.protected, ...(manager === undefined || manager === upn ? {} : { manager }) };
}

const desiredArb: fc.Arbitrary<DesiredState> = fc
  .record({
    principals: fc.uniqueArray(principalArb, { selector: (p) => p.base.slot, minLength: 1, maxLength: 5 }),
    usageLocation: fc.option(fc.constantFrom('NL', 'DE'), { nil: null }),
    autoReconcileProxyConflict: fc.boolean(),
    onUpnConflict: fc.constantFrom<OnUpnConflict>('fail', 'rename'),
    whenMissing: fc.constantFrom<WhenMissing>('report', 'create'),
    pruneLicenses: fc.boolean(),
    /** `defaults.protected`: pool UPNs, declared or not. */
    protectedUpns: fc.oneof({ weight: 4, arbitrary: fc.constant<number[]>([]) }, { weight: 1, arbitrary: fc.uniqueArray(slotArb, { maxLength: 2 }) }),
  })
  .map((d) => {
    const guarded = d.protectedUpns.map(upnAt);
    // As the policy loader reads it: a principal listed in defaults.protected is protected.
    const principals = d.principals.map(declaredPrincipal).map((p) => (guarded.includes(p.userPrincipalName) ? { ...p, protected: true } : p));
    const state = desired(principals, {
      usageLocation: d.usageLocation,
      whenMissing: d.whenMissing,
      pruneLicenses: d.pruneLicenses,
      protected: guarded,
      restore: { autoReconcileProxyConflict: d.autoReconcileProxyConflict, onUpnConflict: d.onUpnConflict },
    });
    // The e3group set is named whether or not a principal holds it: pruning takes its members who do not.
    return { ...state, licenseSets: new Map([['e3group', e3GroupLicense(false)]]) };
  });

/** Every SKU with this many seats. */
function withSeats(seed: Seed, enabled: number): Seed {
  return { ...seed, subscribedSkus: seed.subscribedSkus.map((sku) => ({ ...sku, prepaidUnits: { ...sku.prepaidUnits, enabled } })) };
}

// Pruning frees seats that the plan hands to others; when seats are short, that needs an order the
// executor does not keep: a known problem, pinned down by its own test below. Here, pruning comes with seats to spare.
// KNOWN PROBLEM (reported, pinned down below): pruning takes a member out of the licensing group although
// the E3 it gives is the E3 the principal declares directly; here, such members are not in the group.
const caseArb = fc.record({ state: desiredArb, seed: seedArb }).map(({ state, seed }) => ({ state, seed: state.defaults.pruneLicenses ? withSeats(withoutDirectE3Members(seed, state), 50) : seed }));

/** The seed without E3-group members that the policy declares with E3 directly. */
function withoutDirectE3Members(seed: Seed, state: DesiredState): Seed {
  const direct = new Set(state.principals.filter((p) => p.licenses.some((l) => l.sku === 'ENTERPRISEPACK' && l.group === undefined)).map((p) => p.userPrincipalName));
  const ids = new Set(seed.users.filter((u) => direct.has(u.userPrincipalName)).map((u) => u.id));
  return { ...seed, groups: seed.groups.map((g) => (g.id === E3_GROUP ? { ...g, members: g.members.filter((id) => !ids.has(id)) } : g)) };
}

// ---- the property -------------------------------------------------------------------------------

type Tenant = TenantReader & TenantWriter;

interface Convergence {
  readonly result: ApplyResult;
  readonly firstErrors: string[];
  readonly second: ReturnType<typeof planReconciliation>;
  /** The protected principals as the tenant showed them before apply and after. */
  readonly protectedBefore: string;
  readonly protectedAfter: string;
}

/** The protected principals' users (active and deleted, by their UPN) and group memberships, as text to compare. */
function protectedView(observed: ObservedTenant, protectedPrincipals: readonly string[]): string {
  const guarded = new Set(protectedPrincipals);
  const upnOf = (upn: string): string => upn.toLowerCase().replace(/^[0-9a-f]{32}/u, '');
  const users = [...observed.users, ...observed.deletedUsers].filter((u) => guarded.has(upnOf(u.userPrincipalName)));
  const ids = new Set(users.map((u) => u.id));
  const memberships = (observed.groups ?? []).map((g) => `${g.id}: ${g.memberIds.filter((id) => ids.has(id)).join(',')}`);
  return JSON.stringify({ users, memberships });
}

function errorsOf(plan: ReturnType<typeof planReconciliation>): string[] {
  return plan.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.userPrincipalName ?? ''}`);
}

async function planApplyPlan(state: DesiredState, tenant: Tenant): Promise<Convergence> {
  const request = readRequestFor(state);
  const before = await tenant.readTenant(request);
  const first = planReconciliation(state, before, { now: NOW });
  let passwords = 0;
  const result = await applyPlan(planOf(first.changes, first.diagnostics, { protectedPrincipals: first.protectedPrincipals }), tenant, { newPassword: () => `Pw-${++passwords}-aA1!xYz9` });
  const after = await tenant.readTenant(request);
  const second = planReconciliation(state, after, { now: NOW });
  return { result, firstErrors: errorsOf(first), second, protectedBefore: protectedView(before, first.protectedPrincipals), protectedAfter: protectedView(after, first.protectedPrincipals) };
}

function expectConverged({ result, firstErrors, second, protectedBefore, protectedAfter }: Convergence): void {
  expect(protectedAfter, 'a protected principal changed').toBe(protectedBefore);
  const notApplied = result.outcomes.flatMap((o) => (o.status === 'failed' ? [`${o.change.action} ${o.change.userPrincipalName} failed: ${o.error.message}`] : o.status === 'skipped' ? [`${o.change.action} ${o.change.userPrincipalName} skipped: ${o.reason}`] : []));
  expect(notApplied).toEqual([]);
  expect(second.changes.map((c) => `${c.action} ${c.userPrincipalName}`)).toEqual([]);
  // A deleted user's mailbox cannot be read (Graph answers 404 for it), so what Exchange says of a
  // restored mailbox principal is first known by the next plan: a person's mailbox declared as shared
  // is an error then (mailbox-type-mismatch, needs-exchange), and the plan changes nothing of it.
  const restored = new Set(result.outcomes.filter((o) => o.change.action === 'restore-user').map((o) => o.change.userPrincipalName));
  const knownOnlyAfterRestore = (error: string): boolean => {
    const [code, upn] = error.split(' ');
    return (code === 'mailbox-type-mismatch' || code === 'needs-exchange') && restored.has(upn ?? '');
  };
  for (const error of errorsOf(second)) if (!knownOnlyAfterRestore(error)) expect(firstErrors, `apply introduced the error ${error}`).toContain(error);
}

describe('plan → apply → plan is empty', () => {
  it('on the in-memory adapter', async () => {
    let ids = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ state, seed }) => {
        const tenant = createMemoryTenant(memoryInputFromSeed(seed), { newId: () => countingGuid(++ids, '3333') });
        expectConverged(await planApplyPlan(state, tenant));
      }),
      { numRuns: 1000 },
    );
  });

  describe('on the Graph adapter against the emulator', () => {
    let emulator: RunningEmulator;
    beforeAll(async () => {
      emulator = await startEmulator({ seed: contoso(), port: 0 });
    });
    afterAll(() => emulator.close());

    it('a handful of runs', async () => {
      await fc.assert(
        fc.asyncProperty(caseArb, async ({ state, seed }) => {
          await reseed(emulator.url, seed);
          expectConverged(await planApplyPlan(state, graphTenantFor(emulator.url, seed).tenant));
        }),
        { numRuns: 12 },
      );
    });
  });
});

// ---- counterexamples the property found (reported; the generator above steers clear of them) ----

/** A deleted user for the seeds below: its own address, plus `aliases`. */
function gone(n: number, upn: string, options: { aliases?: string[]; days?: number; licensed?: boolean } = {}): UserDraft {
  return {
    id: countingGuid(n, '2222'),
    userPrincipalName: upn,
    displayName: upn,
    accountEnabled: true,
    usageLocation: 'NL',
    mail: upn,
    proxyAddresses: [`SMTP:${upn}`, ...(options.aliases ?? []).map((a) => `smtp:${a}`)],
    assignedLicenses: options.licensed ? [{ skuId: E3, disabledPlans: [] }] : [],
    deletedDateTime: daysAgo(options.days ?? 2),
  };
}

function present(n: number, upn: string, licensed: boolean): UserDraft {
  return { id: countingGuid(n, '1111'), userPrincipalName: upn, displayName: upn, accountEnabled: true, usageLocation: licensed ? 'NL' : null, mail: upn, proxyAddresses: [`SMTP:${upn}`], assignedLicenses: licensed ? [{ skuId: E3, disabledPlans: [] }] : [] };
}

async function convergeOnMemory(seed: Seed, state: DesiredState): Promise<void> {
  expectConverged(await planApplyPlan(state, createMemoryTenant(memoryInputFromSeed(seed))));
}

describe('known counterexamples', () => {
  // Two soft-deleted objects for dave@: the plan restores the most recent; the next plan sees an active
  // dave@ created before the older copy was deleted, so that copy is a leftover (info), not a UPN conflict.
  it('several deleted objects match: after the newest is restored, the older one is not an error', async () => {
    const seed = contoso((d) => {
      d.users = [];
      d.groups = [];
      d.deletedUsers = [gone(1, 'dave@contoso.com', { days: 5 }), gone(2, 'dave@contoso.com', { days: 1 })];
    });
    await convergeOnMemory(seed, desired([declaredUser('dave@contoso.com')]));
  });

  // A restore's addresses are checked against the objects the same plan restores first: with
  // autoReconcileProxyConflict false the second is reported (proxy-conflict), not left to fail.
  it('two deleted users that share an address are both restored (autoReconcileProxyConflict false)', async () => {
    const seed = contoso((d) => {
      d.users = [];
      d.groups = [];
      d.deletedUsers = [gone(1, 'alice@contoso.com'), gone(2, 'bob@contoso.com', { aliases: ['alice@contoso.com'] })];
    });
    await convergeOnMemory(seed, desired([declaredUser('alice@contoso.com'), declaredUser('bob@contoso.com')], { restore: { autoReconcileProxyConflict: false } }));
  });

  // A create is not planned while another object reserves the new user's address in the UPN's own
  // domain (docs/graph-behaviour.md §5). KNOWN LIMIT (reported): Graph reserves mailNickname@ every verified
  // domain, and the observed tenant does not list the domains, so another domain's address is missed.
  const cases = [
    ['a deleted user that another principal restores holds dave@contoso.com', [gone(1, 'carol@contoso.com', { aliases: ['dave@contoso.com'] })], ['carol@contoso.com', 'dave@contoso.com'], true],
    ['a deleted user holds erin@contoso.onmicrosoft.com', [gone(1, 'erin.old@contoso.com', { aliases: ['erin@contoso.onmicrosoft.com'] })], ['erin@contoso.com'], false],
  ] as const;
  for (const [name, deletedUsers, upns, fixed] of cases) (fixed ? it : it.fails)(`a create whose address is taken: ${name}`, async () => {
    const seed = contoso((d) => {
      d.users = [];
      d.groups = [];
      d.deletedUsers = [...deletedUsers];
    });
    await convergeOnMemory(seed, desired(upns.map((upn) => declaredUser(upn)), { whenMissing: 'create' }));
  });

  // With pruneLicenses, a member of a licensing group that holds no set naming the group keeps the membership
  // when the group gives a SKU the policy declares for it directly and it holds only through the group (an
  // undeclared-membership note): removing it would take the license away and the next plan would assign it again.
  it('pruning keeps a licensing-group membership whose SKU the principal declares directly and holds only through it', async () => {
    const seed = contoso((d) => {
      d.users = [present(1, 'erin@contoso.com', false)];
      d.deletedUsers = [];
      d.groups = [{ id: E3_GROUP, displayName: E3_GROUP_NAME, assignedLicenses: [{ skuId: E3, disabledPlans: [] }], members: [countingGuid(1, '1111')] }];
    });
    const state = desired([declaredUser('erin@contoso.com', { displayName: 'erin@contoso.com', licenses: [desiredLicense('ENTERPRISEPACK')] })], { pruneLicenses: true, usageLocation: null });
    await convergeOnMemory(seed, { ...state, licenseSets: new Map([['e3group', e3GroupLicense(false)]]) });
  });

  // KNOWN PROBLEM (reported): seats the plan frees (bob's restored E3, pruned) are counted for
  // alice's new E3, but principals are applied concurrently in no particular order: alice's
  // assignLicense runs while bob holds the seat and fails ("does not have any available licenses").
  it.fails('a seat freed by pruning another principal is assigned only after it is freed', async () => {
    const seed = contoso((d) => {
      const [e3] = d.subscribedSkus;
      if (e3) e3.prepaidUnits.enabled = 3;
      d.groups = [];
      d.users = [present(1, 'alice@contoso.com', false), present(2, 'carol@contoso.com', true), present(3, 'dave@contoso.com', true)];
      d.deletedUsers = [gone(1, 'bob@contoso.com', { licensed: true })];
    });
    await convergeOnMemory(seed, desired([declaredUser('alice@contoso.com', { licenses: [desiredLicense('ENTERPRISEPACK')] }), declaredUser('bob@contoso.com')], { pruneLicenses: true }));
  });
});
