// Properties of the planner (docs/architecture.md principles 2 and 14): deterministic, insensitive to
// the order of its inputs, total (never throws), scoped to the principals the policy names, and
// safe with seats. Two families of inputs, both built on the planning builders:
// - `realistic`: a small pool of UPNs and the E3/E5 SKUs, so that principals, active and deleted
//   users, licenses, groups and mailboxes collide often (conflicts, restores, seat shortfalls);
//   what Graph guarantees holds (unique active UPNs, unique ids, distinct SKUs).
// - `nonsense`: anything goes (arbitrary strings, empty strings, duplicate UPNs and ids, unknown
//   SKUs, negative and non-finite seats, future or missing deletion times).
import fc from 'fast-check';
import type { ValueOf } from '../support/principal-arbitraries.ts';
import { principalArbitrary, principalOf, slotArb, upnAt } from '../support/principal-arbitraries.ts';
import { describe, expect, it } from 'vitest';
import type { DesiredLicense, DesiredPrincipal, DesiredState, MailboxType, OnUpnConflict, WhenMissing } from '../../src/domain/desired.ts';
import type { ObservedLicenseState, ObservedMailbox, ObservedPlan, ObservedSku, ObservedTenant, ObservedUser } from '../../src/domain/observed.ts';
import type { Change } from '../../src/domain/plan.ts';
import { ACTION_ORDER } from '../../src/domain/plan.ts';
import type { RenameTemplatePart } from '../../src/domain/rename-template.ts';
import {
  daysAgo,
  declaredMailbox,
  declaredUser,
  deletedUser,
  desired,
  desiredLicense,
  directLicense,
  E3,
  E5,
  e5,
  EXCHANGE_PLAN_2,
  exchangePlan,
  groupLicense,
  groupSetLicense,
  guid,
  holding,
  licensingGroup,
  mailboxOf,
  noMailbox,
  NOW,
  planAt,
  sku,
  SWAY,
  TENANT,
  tenant,
  user,
  YAMMER,
} from '../support/planning.ts';

const RUNS = { numRuns: 400 };
const GROUP = guid(950);
const OTHER_TENANT = '0b1d2c3e-0000-4000-8000-0000000000ff';

/** A deterministic shuffle (mulberry32), so a failing case can be replayed from its seed. */
function permute<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
}

function rarely<T>(often: fc.Arbitrary<T>, seldom: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 6, arbitrary: often }, { weight: 1, arbitrary: seldom });
}

// ---------------------------------------------------------------------------------------------
// Realistic states
// ---------------------------------------------------------------------------------------------

const declaredLicensesArb: fc.Arbitrary<DesiredLicense[]> = fc
  .record({
    e3: fc.option(fc.record({ ref: fc.constantFrom('ENTERPRISEPACK', E3, 'enterprisepack'), plans: fc.subarray(['SWAY', 'YAMMER_ENTERPRISE', 'EXCHANGE_S_ENTERPRISE']) })),
    e5: fc.option(fc.subarray(['YAMMER_ENTERPRISE'])),
    unknown: rarely(fc.constant(false), fc.constant(true)),
    unknownPlan: rarely(fc.constant(false), fc.constant(true)),
  })
  .map(({ e3, e5: e5Plans, unknown, unknownPlan }) => [
    ...(e3 ? [desiredLicense(e3.ref, unknownPlan ? [...e3.plans, 'NOPE_PLAN'] : e3.plans)] : []),
    ...(e5Plans ? [desiredLicense('SPE_E5', e5Plans)] : []),
    ...(unknown ? [desiredLicense('NOT_A_SKU')] : []),
  ]);

const principalArb = principalArbitrary(declaredLicensesArb);

/** What issue 13 added to a principal: attributes, a manager, protection, whenMissing and a license set through a group. */
const extrasArb = fc.record({
  attributes: fc.record({ jobTitle: fc.constantFrom('Engineer', 'engineer', null, ''), department: fc.constantFrom('Sales', null) }, { requiredKeys: [] }),
  manager: fc.option(fc.oneof(fc.constant(null), slotArb.map(upnAt), fc.constant('ghost@contoso.com')), { nil: undefined }),
  protected: rarely(fc.constant(false), fc.constant(true)),
  whenMissing: fc.constantFrom<WhenMissing>('create', 'create', 'report'),
  groupSet: fc.constantFrom<string | undefined>(undefined, undefined, 'Licensed staff', GROUP, 'No such group'),
  groupSku: fc.constantFrom('ENTERPRISEPACK', 'SPE_E5'),
});

function withExtras(principal: DesiredPrincipal, extras: ValueOf<typeof extrasArb> | undefined): DesiredPrincipal {
  if (!extras) return principal;
  const licenses = extras.groupSet === undefined ? principal.licenses : [...principal.licenses, groupSetLicense('staff', extras.groupSku, extras.groupSet)];
  const manager = extras.manager === undefined || extras.manager === principal.userPrincipalName ? {} : { manager: extras.manager };
  const common = { attributes: extras.attributes, protected: extras.protected, licenses, ...manager };
  return principal.kind === 'user' ? { ...principal, ...common, whenMissing: extras.whenMissing } : { ...principal, ...common };
}

const desiredArb: fc.Arbitrary<DesiredState> = fc
  .record({
    principals: fc.uniqueArray(principalArb, { selector: (p) => p.slot, maxLength: 5 }),
    usageLocation: fc.option(fc.constantFrom('NL', 'DE'), { nil: null }),
    autoReconcileProxyConflict: fc.boolean(),
    onUpnConflict: fc.constantFrom<OnUpnConflict>('fail', 'rename'),
    renameTo: fc.constantFrom('{localPart}.restored@{domain}', 'old-{objectId}@{domain}', '{localPart}@contoso.com'),
    pruneLicenses: fc.boolean(),
    extras: fc.array(extrasArb, { maxLength: 5 }),
    defaultsProtected: fc.subarray([upnAt(0), upnAt(3), 'nobody@contoso.com'], { maxLength: 1 }),
    tenantId: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: fc.constant(TENANT) }, { weight: 1, arbitrary: fc.constant(OTHER_TENANT) }),
  })
  .map((d) =>
    desired(
      d.principals.map((p, i) => withExtras(principalOf(p), d.extras[i])).map((p) => (d.defaultsProtected.includes(p.userPrincipalName) ? { ...p, protected: true } : p)),
      { usageLocation: d.usageLocation, protected: d.defaultsProtected, pruneLicenses: d.pruneLicenses, restore: { autoReconcileProxyConflict: d.autoReconcileProxyConflict, onUpnConflict: d.onUpnConflict, renameTo: d.renameTo } },
      d.tenantId,
    ),
  );

const heldArb = fc.record({
  e3: fc.constantFrom('none', 'none', 'direct', 'direct-sway', 'group', 'group-error', 'group+direct'),
  e5: fc.constantFrom('none', 'none', 'direct', 'group'),
});

function statesOf(held: ValueOf<typeof heldArb>): ObservedLicenseState[] {
  const states: ObservedLicenseState[] = [];
  if (held.e3 === 'direct' || held.e3 === 'group+direct') states.push(directLicense(E3));
  if (held.e3 === 'direct-sway') states.push(directLicense(E3, [SWAY]));
  if (held.e3 === 'group' || held.e3 === 'group+direct') states.push(groupLicense(E3, GROUP));
  if (held.e3 === 'group-error') states.push(groupLicense(E3, GROUP, { state: 'Error', error: 'CountViolation' }));
  if (held.e5 === 'direct') states.push(directLicense(E5));
  if (held.e5 === 'group') states.push(groupLicense(E5, GROUP));
  return states;
}

const exchangeHistoryArb = fc.option(fc.record({ status: fc.constantFrom<'Enabled' | 'Deleted'>('Enabled', 'Deleted'), days: fc.integer({ min: 0, max: 60 }) }), { nil: undefined });

const commonUserArb = {
  slot: slotArb,
  accountEnabled: fc.boolean(),
  usageLocation: fc.constantFrom(null, 'NL', 'DE'),
  held: heldArb,
  exchange: exchangeHistoryArb,
  /** Another pool address as a secondary proxy address: address matches and proxy conflicts. */
  alias: fc.option(slotArb, { nil: undefined }),
  attributes: fc.option(fc.record({ jobTitle: fc.constantFrom('Engineer', 'engineer', null), department: fc.constantFrom('Sales', null) }, { requiredKeys: [] }), { nil: undefined }),
  /** The manager: an active user by position, none, or not read. */
  manager: fc.option(fc.oneof(fc.constant<number | null>(null), fc.nat({ max: 4 })), { nil: undefined }),
  member: fc.boolean(),
};

const activeArb = fc.record({ ...commonUserArb, upperCase: fc.boolean(), mailbox: fc.constantFrom<string | undefined>(undefined, 'shared', 'user', 'room', 'none') });
const deletedArb = fc.record({ ...commonUserArb, days: fc.oneof(fc.integer({ min: 0, max: 45 }), fc.double({ min: 0, max: 45, noNaN: true })), synced: rarely(fc.constant(false), fc.constant(true)) });

type UserValue = { [K in keyof typeof commonUserArb]: ValueOf<(typeof commonUserArb)[K]> };

function userFields(u: UserValue): Partial<ObservedUser> {
  const upn = upnAt(u.slot);
  const plans: ObservedPlan[] = u.exchange ? [exchangePlan(u.exchange.status, daysAgo(u.exchange.days))] : [];
  return {
    accountEnabled: u.accountEnabled,
    usageLocation: u.usageLocation,
    proxyAddresses: [`SMTP:${upn}`, ...(u.alias === undefined || u.alias === u.slot ? [] : [`smtp:${upnAt(u.alias)}`])],
    ...holding(statesOf(u.held)),
    assignedPlans: plans,
    ...(u.attributes === undefined ? {} : { attributes: u.attributes }),
    ...(u.manager === undefined ? {} : { managerId: u.manager === null ? null : guid(1000 + u.manager) }),
  };
}

const skuSeatsArb = fc.option(fc.record({ enabled: fc.integer({ min: -2, max: 6 }), consumed: fc.integer({ min: 0, max: 8 }) }), { nil: undefined, freq: 10 });

const observedArb: fc.Arbitrary<ObservedTenant> = fc
  .record({
    active: fc.uniqueArray(activeArb, { selector: (u) => u.slot, maxLength: 5 }),
    deleted: fc.array(deletedArb, { maxLength: 5 }),
    e3: skuSeatsArb,
    e5: skuSeatsArb,
    groupAssigns: fc.constantFrom<string[]>([E3], [E3, E5], [E5]),
    groupRead: fc.boolean(),
  })
  .map(({ active, deleted, e3, e5: e5Seats, groupAssigns, groupRead }) => {
    const users = active.map((u, i) => {
      const upn = upnAt(u.slot);
      return user(u.upperCase ? upn.toUpperCase() : upn, { id: guid(1000 + i), ...userFields(u) });
    });
    const deletedUsers = deleted.map((u, i) => deletedUser(upnAt(u.slot), daysAgo(u.days), { id: guid(2000 + i), onPremisesSyncEnabled: u.synced ? true : null, ...userFields(u) }));
    const mailboxes: [string, ObservedMailbox][] = active.flatMap((u, i) => {
      const id = guid(1000 + i);
      if (u.mailbox === undefined) return [];
      return [[id, u.mailbox === 'none' ? noMailbox : mailboxOf(u.mailbox)]];
    });
    const skus: ObservedSku[] = [...(e3 ? [sku({ enabledUnits: e3.enabled, consumedUnits: e3.consumed })] : []), ...(e5Seats ? [e5({ enabledUnits: e5Seats.enabled, consumedUnits: e5Seats.consumed })] : [])];
    const staff = licensingGroup('Licensed staff', groupAssigns, active.flatMap((u, i) => (u.member ? [guid(1000 + i)] : [])), GROUP);
    return tenant({ users, deleted: deletedUsers, skus, mailboxes, groups: [[GROUP, 'Licensed staff']], ...(groupRead ? { licensingGroups: [staff] } : {}) });
  });

// ---------------------------------------------------------------------------------------------
// Nonsense states
// ---------------------------------------------------------------------------------------------

const text = fc.string({ maxLength: 12 });
const upnish = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('alice@contoso.com', 'ALICE@contoso.com', 'bob@contoso.com', 'alice.restored@contoso.com', '', '@', 'x', 'no-at-sign') }, { weight: 1, arbitrary: text });
const idish = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(guid(1), guid(2), guid(3), guid(3).toUpperCase(), '') }, fc.uuid(), text);
const skuIdish = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(E3, E5, E3.toUpperCase(), '') }, fc.uuid(), text);
const planIdish = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(SWAY, YAMMER, EXCHANGE_PLAN_2, EXCHANGE_PLAN_2.toUpperCase(), '') }, text);
const numberish = fc.oneof({ weight: 8, arbitrary: fc.integer() }, { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0.5) });
/** Valid ISO times from 2020 to 2031: past, recent and future. */
const isoTime = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2031-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const malformedTime = fc.oneof(fc.constantFrom('', 'yesterday', '2026-13-45T99:00:00Z'), text);

function nonsenseUserArb(time: fc.Arbitrary<string>, deleted: boolean): fc.Arbitrary<ObservedUser> {
  return fc
    .record({
      id: idish,
      userPrincipalName: upnish,
      prefixed: fc.boolean(),
      displayName: text,
      accountEnabled: fc.boolean(),
      usageLocation: fc.option(fc.oneof(fc.constantFrom('NL', ''), text)),
      mail: fc.option(upnish),
      proxyAddresses: fc.array(fc.oneof(fc.constantFrom('SMTP:alice@contoso.com', 'smtp:bob@contoso.com', 'smtp:', 'SMTP:'), upnish), { maxLength: 3 }),
      onPremisesSyncEnabled: fc.option(fc.boolean()),
      assignedLicenses: fc.array(fc.record({ skuId: skuIdish, disabledPlans: fc.array(planIdish, { maxLength: 2 }) }), { maxLength: 3 }),
      licenseAssignmentStates: fc.array(
        fc.record({
          skuId: skuIdish,
          disabledPlans: fc.array(planIdish, { maxLength: 2 }),
          assignedByGroup: fc.option(fc.oneof(fc.constant(GROUP), text)),
          state: fc.oneof(fc.constantFrom('Active', 'ActiveWithError', 'Error', 'Disabled'), text),
          error: fc.option(fc.oneof(fc.constantFrom('None', 'CountViolation'), text)),
        }),
        { maxLength: 3 },
      ),
      assignedPlans: fc.array(
        fc.record({ assignedDateTime: time, capabilityStatus: fc.oneof(fc.constantFrom('Enabled', 'Deleted'), text), service: fc.constantFrom('exchange', ''), servicePlanId: planIdish }),
        { maxLength: 3 },
      ),
      deletedDateTime: deleted ? fc.option(time) : fc.option(time, { freq: 1 }),
    })
    .map(({ prefixed, userPrincipalName, deletedDateTime, ...rest }) => {
      if (!deleted) return user(userPrincipalName, { ...rest, deletedDateTime });
      const built = deletedUser(userPrincipalName, deletedDateTime ?? '', { ...rest, deletedDateTime });
      return prefixed ? built : { ...built, userPrincipalName };
    });
}

const nonsenseSkuArb: fc.Arbitrary<ObservedSku> = fc
  .record({
    skuId: skuIdish,
    skuPartNumber: fc.oneof(fc.constantFrom('ENTERPRISEPACK', 'SPE_E5', 'MCOPSTN5', ''), text),
    enabledUnits: numberish,
    consumedUnits: numberish,
    servicePlans: fc.array(fc.record({ servicePlanId: planIdish, servicePlanName: fc.oneof(fc.constantFrom('SWAY', 'EXCHANGE_S_ENTERPRISE', 'YAMMER_ENTERPRISE', ''), text) }), { maxLength: 4 }),
  })
  .map((overrides) => sku(overrides));

const templateArb: fc.Arbitrary<RenameTemplatePart[]> = fc.array(
  fc.oneof(
    text.map((t): RenameTemplatePart => ({ kind: 'text', text: t })),
    fc.constantFrom<RenameTemplatePart>({ kind: 'placeholder', name: 'localPart' }, { kind: 'placeholder', name: 'domain' }, { kind: 'placeholder', name: 'objectId' }),
  ),
  { maxLength: 4 },
);

const nonsensePrincipalArb: fc.Arbitrary<DesiredPrincipal> = fc
  .record({
    upn: upnish,
    kind: fc.constantFrom('user', 'mailbox'),
    mailboxType: fc.constantFrom<MailboxType>('shared', 'room', 'equipment'),
    displayName: text,
    licenses: fc.array(
      fc.record({ sku: fc.oneof(fc.constantFrom('ENTERPRISEPACK', E3, 'SPE_E5', 'MCOPSTN5', '', 'NOPE'), text), disabledPlans: fc.array(fc.oneof(fc.constantFrom('SWAY', YAMMER, 'EXCHANGE_S_ENTERPRISE', ''), text), { maxLength: 3 }) }),
      { maxLength: 3 },
    ),
    usageLocation: fc.option(fc.oneof(fc.constantFrom('NL', ''), text), { nil: undefined }),
    accountEnabled: fc.boolean(),
  })
  .map((p) => {
    const usage = p.usageLocation === undefined ? {} : { usageLocation: p.usageLocation };
    return p.kind === 'mailbox'
      ? declaredMailbox(p.upn, p.mailboxType, { displayName: p.displayName, licenses: p.licenses, ...usage })
      : declaredUser(p.upn, { displayName: p.displayName, licenses: p.licenses, accountEnabled: p.accountEnabled, ...usage });
  });

function nonsenseArb(time: fc.Arbitrary<string>): fc.Arbitrary<{ state: DesiredState; observed: ObservedTenant }> {
  return fc
    .record({
      principals: fc.array(nonsensePrincipalArb, { maxLength: 6 }),
      usageLocation: fc.option(fc.oneof(fc.constantFrom('NL', ''), text), { nil: null }),
      autoReconcileProxyConflict: fc.boolean(),
      onUpnConflict: fc.constantFrom<OnUpnConflict>('fail', 'rename'),
      renameTemplate: templateArb,
      whenMissing: fc.constantFrom<WhenMissing>('report', 'create'),
      pruneLicenses: fc.boolean(),
      desiredTenant: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.constant(TENANT) }, { weight: 1, arbitrary: text }),
      observedTenant: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(TENANT, TENANT.toUpperCase()) }, { weight: 1, arbitrary: text }),
      users: fc.array(nonsenseUserArb(time, false), { maxLength: 5 }),
      deleted: fc.array(nonsenseUserArb(time, true), { maxLength: 5 }),
      skus: fc.array(nonsenseSkuArb, { maxLength: 4 }),
      mailboxes: fc.array(fc.tuple(idish, fc.oneof(fc.constant(noMailbox), fc.oneof(fc.constantFrom('shared', 'user', 'Shared', ''), text).map(mailboxOf))), { maxLength: 3 }),
      groups: fc.array(fc.tuple(fc.oneof(fc.constant(GROUP), text), text), { maxLength: 2 }),
    })
    .map((n) => {
      const base = desired(n.principals, { usageLocation: n.usageLocation, whenMissing: n.whenMissing, pruneLicenses: n.pruneLicenses, restore: { autoReconcileProxyConflict: n.autoReconcileProxyConflict, onUpnConflict: n.onUpnConflict } }, n.desiredTenant);
      const state: DesiredState = { ...base, defaults: { ...base.defaults, restore: { ...base.defaults.restore, renameTemplate: n.renameTemplate } } };
      const observed = tenant({ users: n.users, deleted: n.deleted, skus: n.skus, mailboxes: n.mailboxes, groups: n.groups, tenantId: n.observedTenant });
      return { state, observed };
    });
}

const realistic = fc.record({ state: desiredArb, observed: observedArb });
const nonsense = nonsenseArb(fc.oneof(isoTime, fc.constant(NOW)));

// ---------------------------------------------------------------------------------------------
// Helpers over plans
// ---------------------------------------------------------------------------------------------

function objectIdOf(change: Change): string | undefined {
  return 'objectId' in change ? change.objectId : undefined;
}

function addressKey(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('smtp:') ? lower.slice(5) : lower;
}

/**
 * Ids of the users a declared UPN matches, worked out independently of the planner (docs/reconciliation.md
 * §2, docs/graph-behaviour.md §1): active users by UPN; deleted users by UPN with the id prefix removed, or
 * by mail or proxy address; all case-insensitive.
 */
function matchedIds(upn: string, observed: ObservedTenant): Set<string> {
  const ids = new Set<string>();
  const wanted = upn.toLowerCase();
  for (const u of observed.users) if (u.userPrincipalName.toLowerCase() === wanted) ids.add(u.id);
  for (const u of observed.deletedUsers) {
    const prefix = u.id.replace(/-/g, '').toLowerCase();
    const raw = u.userPrincipalName.toLowerCase();
    const original = raw.startsWith(prefix) ? raw.slice(prefix.length) : raw;
    const addresses = [...u.proxyAddresses, ...(u.mail ? [u.mail] : [])].map(addressKey);
    if (original === wanted || raw === wanted || addresses.includes(wanted)) ids.add(u.id);
  }
  return ids;
}

function expectScoped(state: DesiredState, observed: ObservedTenant, changes: readonly Change[]): void {
  const declared = new Set(state.principals.map((p) => p.userPrincipalName));
  for (const change of changes) {
    expect(declared).toContain(change.userPrincipalName);
    const id = objectIdOf(change);
    if (id !== undefined) expect(matchedIds(change.userPrincipalName, observed)).toContain(id);
  }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('the planner is deterministic', () => {
  it('same input (and a deep copy of it) → deep-equal output; the input is not mutated', () => {
    fc.assert(
      fc.property(realistic, ({ state, observed }) => {
        const before = structuredClone({ state, observed });
        const first = planAt(state, observed);
        expect(planAt(state, observed)).toEqual(first);
        expect(planAt(structuredClone(state), structuredClone(observed))).toEqual(first);
        expect({ state, observed }).toEqual(before);
      }),
      RUNS,
    );
  });

  it('also on nonsense', () => {
    fc.assert(
      fc.property(nonsense, ({ state, observed }) => {
        expect(planAt(structuredClone(state), structuredClone(observed))).toEqual(planAt(state, observed));
      }),
      RUNS,
    );
  });
});

describe('the planner is insensitive to input order', () => {
  it('of principals in the policy and of users, deleted users and SKUs in the tenant', () => {
    fc.assert(
      fc.property(realistic, fc.integer(), ({ state, observed }, seed) => {
        const shuffledState: DesiredState = { ...state, principals: permute(state.principals, seed) };
        const shuffledTenant: ObservedTenant = {
          ...observed,
          users: permute(observed.users, seed + 1),
          deletedUsers: permute(observed.deletedUsers, seed + 2),
          skus: permute(observed.skus, seed + 3),
          mailboxes: new Map(permute([...observed.mailboxes], seed + 4)),
        };
        expect(planAt(shuffledState, shuffledTenant)).toEqual(planAt(state, observed));
      }),
      RUNS,
    );
  });

  // docs/reconciliation.md §1 / docs/architecture.md principle 2 ("Output order is deterministic"): two subscribed
  // SKUs with one part number (MCOPSTN5 is such a pair in Microsoft's table, docs/graph-behaviour.md §7).
  // The unknown-sku message lists their skuIds in the order the tenant listed the SKUs.
  it('the ambiguous-part-number message does not depend on the order of SKUs', () => {
    const a = sku({ skuId: '54a152dc-90de-4996-93d2-bc47e670fc06', skuPartNumber: 'MCOPSTN5' });
    const b = sku({ skuId: 'd43177b5-475b-4880-92d4-d54c27b5efbd', skuPartNumber: 'MCOPSTN5' });
    const state = desired([declaredUser('bob@contoso.com', { licenses: [desiredLicense('MCOPSTN5')] })]);
    const bob = user('bob@contoso.com');
    expect(planAt(state, tenant({ users: [bob], skus: [b, a] }))).toEqual(planAt(state, tenant({ users: [bob], skus: [a, b] })));
  });
});

describe('the planner never throws', () => {
  it('on realistic states', () => {
    fc.assert(
      fc.property(realistic, ({ state, observed }) => {
        planAt(state, observed);
      }),
      RUNS,
    );
  });

  it('on nonsense: arbitrary strings, duplicate UPNs and ids, unknown SKUs, negative seats, future or missing deletion times', () => {
    fc.assert(
      fc.property(nonsense, ({ state, observed }) => {
        const plan = planAt(state, observed);
        for (const d of plan.diagnostics) expect(d.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });

  // docs/architecture.md principle 2 ("The planner is pure and total"). An empty or malformed
  // deletedDateTime on a deleted user that a declared principal matches throws
  // `RangeError: Invalid time value` (locate.ts daysUntilPurge → clock.ts addDays →
  // Date#toISOString); so does an empty assignedDateTime on an Exchange plan (mailbox-checks.ts).
  it('on a matched deleted user whose deletedDateTime is an empty string', () => {
    expect(() => planAt(desired([declaredUser('alice@contoso.com')]), tenant({ deleted: [deletedUser('alice@contoso.com', '')] }))).not.toThrow();
  });

  it('on an Exchange plan whose assignedDateTime is an empty string', () => {
    const alice = user('alice@contoso.com', { assignedPlans: [exchangePlan('Deleted', '')] });
    expect(() => planAt(desired([declaredUser('alice@contoso.com')]), tenant({ users: [alice] }))).not.toThrow();
  });

  it('on nonsense with malformed timestamps', () => {
    fc.assert(
      fc.property(nonsenseArb(fc.oneof(isoTime, malformedTime)), ({ state, observed }) => {
        planAt(state, observed);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the planner only touches principals the policy names', () => {
  it('every change is for a declared UPN and targets a user matched to it (realistic)', () => {
    fc.assert(
      fc.property(realistic, ({ state, observed }) => {
        expectScoped(state, observed, planAt(state, observed).changes);
      }),
      RUNS,
    );
  });

  it('every change is for a declared UPN and targets a user matched to it (nonsense)', () => {
    fc.assert(
      fc.property(nonsense, ({ state, observed }) => {
        expectScoped(state, observed, planAt(state, observed).changes);
      }),
      RUNS,
    );
  });
});

describe('seat safety', () => {
  it('new seats per SKU (one per principal, however many assignments give it) ≤ max(0, enabled − consumed − restored + pruned)', () => {
    fc.assert(
      fc.property(realistic, ({ state, observed }) => {
        const { changes } = planAt(state, observed);
        for (const s of observed.skus) {
          const skuId = s.skuId.toLowerCase();
          // A user takes one seat of a SKU whether it comes directly, through one group or through several.
          const taking = new Set<string>();
          let restored = 0;
          let pruned = 0;
          for (const c of changes) {
            if (c.action === 'assign-licenses' && c.details.add.some((l) => l.skuId === skuId && l.replaces === undefined)) taking.add(c.userPrincipalName);
            // A new membership takes a seat of each SKU its group assigns that the user does not hold yet.
            if (c.action === 'add-group-member' && assigns(observed, c.details.groupId, skuId) && !holds(observed, c.objectId, skuId)) taking.add(c.userPrincipalName);
            if (c.action === 'restore-user') restored += c.details.licenses.filter((id) => id === skuId).length;
            if (c.action === 'remove-licenses') pruned += c.details.remove.filter((l) => l.skuId === skuId).length;
          }
          expect(taking.size).toBeLessThanOrEqual(Math.max(0, s.enabledUnits - s.consumedUnits - restored + pruned));
        }
      }),
      RUNS,
    );
  });

  it('a license is only added for a SKU the tenant subscribes to', () => {
    fc.assert(
      fc.property(realistic, ({ state, observed }) => {
        const known = new Set(observed.skus.map((s) => s.skuId.toLowerCase()));
        for (const c of planAt(state, observed).changes) if (c.action === 'assign-licenses') for (const l of c.details.add) expect(known).toContain(l.skuId);
      }),
      RUNS,
    );
  });
});

function assigns(observed: ObservedTenant, groupId: string, skuId: string): boolean {
  return (observed.groups ?? []).some((g) => g.id === groupId && g.assignedLicenses.some((l) => l.skuId.toLowerCase() === skuId));
}

function holds(observed: ObservedTenant, objectId: string | undefined, skuId: string): boolean {
  const user = [...observed.users, ...observed.deletedUsers].find((u) => u.id === objectId);
  return user !== undefined && user.assignedLicenses.some((l) => l.skuId.toLowerCase() === skuId);
}

/** Within Entra's 30 days at NOW, worked out independently of the planner. */
function restorableAtNow(user: ObservedUser): boolean {
  const deleted = Date.parse(user.deletedDateTime ?? '');
  return Number.isFinite(deleted) && deleted + 30 * 86_400_000 > Date.parse(NOW);
}

describe('protected principals and creates', () => {
  it('a protected principal never has a change, and is listed in protectedPrincipals', () => {
    fc.assert(
      fc.property(realistic, ({ state, observed }) => {
        const plan = planAt(state, observed);
        const protectedUpns = new Set([...state.defaults.protected, ...state.principals.filter((p) => p.protected).map((p) => p.userPrincipalName)]);
        expect(plan.protectedPrincipals).toEqual([...protectedUpns].sort());
        for (const c of plan.changes) expect(protectedUpns).not.toContain(c.userPrincipalName);
        for (const d of plan.diagnostics) if (d.userPrincipalName !== undefined && protectedUpns.has(d.userPrincipalName)) expect(d.severity).toBe('info');
      }),
      RUNS,
    );
  });

  it('a user is never created while a restorable copy matches it (by UPN or address)', () => {
    fc.assert(
      fc.property(realistic, ({ state, observed }) => {
        for (const c of planAt(state, observed).changes.filter((x) => x.action === 'create-user')) {
          const matched = matchedIds(c.userPrincipalName, observed);
          for (const u of observed.deletedUsers) if (matched.has(u.id)) expect(restorableAtNow(u)).toBe(false);
          expect(observed.users.some((u) => u.userPrincipalName.toLowerCase() === c.userPrincipalName)).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it('a set-manager names a manager that is active, or that the plan restores or creates', () => {
    fc.assert(
      fc.property(realistic, ({ state, observed }) => {
        const { changes } = planAt(state, observed);
        for (const c of changes) {
          if (c.action !== 'set-manager' || c.details.to === null) continue;
          const to = c.details.to;
          const active = observed.users.find((u) => u.userPrincipalName.toLowerCase() === to);
          if (active) expect(c.details.toObjectId).toBe(active.id);
          else expect(changes.some((x) => x.userPrincipalName === to && (x.action === 'create-user' || x.action === 'restore-user'))).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('a principal whose manager is unknown gets no change', () => {
    fc.assert(
      fc.property(realistic, ({ state, observed }) => {
        const plan = planAt(state, observed);
        const dropped = new Set(plan.diagnostics.filter((d) => d.code === 'manager-not-found').map((d) => d.userPrincipalName));
        for (const c of plan.changes) expect(dropped).not.toContain(c.userPrincipalName);
      }),
      RUNS,
    );
  });
});

describe('the shape of every plan', () => {
  it('errors block their principal: no change for a principal with an error', () => {
    fc.assert(
      fc.property(realistic, ({ state, observed }) => {
        const plan = planAt(state, observed);
        const blocked = new Set(plan.diagnostics.flatMap((d) => (d.severity === 'error' && d.userPrincipalName !== undefined ? [d.userPrincipalName] : [])));
        for (const c of plan.changes) expect(blocked).not.toContain(c.userPrincipalName);
        if (plan.diagnostics.some((d) => d.code === 'tenant-mismatch')) expect(plan.changes).toEqual([]);
      }),
      RUNS,
    );
  });

  it('changes are ordered by principal UPN, then ACTION_ORDER; at most one change per action and principal (per group for memberships)', () => {
    fc.assert(
      fc.property(realistic, ({ state, observed }) => {
        const { changes } = planAt(state, observed);
        const keys = changes.map((c) => `${c.userPrincipalName}\u0000${ACTION_ORDER.indexOf(c.action).toString().padStart(2, '0')}`);
        expect([...keys].sort()).toEqual(keys);
        const unique = changes.map((c, i) => `${keys[i]}\u0000${c.action === 'add-group-member' || c.action === 'remove-group-member' ? c.details.groupId : ''}`);
        expect(new Set(unique).size).toBe(unique.length);
      }),
      RUNS,
    );
  });

  it('usage location changes only come with a license to add; a create carries its own', () => {
    fc.assert(
      fc.property(realistic, ({ state, observed }) => {
        const { changes } = planAt(state, observed);
        for (const c of changes.filter((x) => x.action === 'set-usage-location')) {
          expect(changes.some((x) => x.action === 'assign-licenses' && x.userPrincipalName === c.userPrincipalName)).toBe(true);
          expect(changes.some((x) => x.action === 'create-user' && x.userPrincipalName === c.userPrincipalName)).toBe(false);
        }
      }),
      RUNS,
    );
  });
});
