// Which of a plan's changes `tenantctl watch` heals on its own and which it reports (src/domain/heal.ts): a table
// of named cases, the planner's own plans for the drift watch exists for, and a property over any change list.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HEAL_ACTIONS, NEEDS, selectHeals } from '../../src/domain/heal.ts';
import type { Change, ChangeAction } from '../../src/domain/plan.ts';
import { ACTION_ORDER } from '../../src/domain/plan.ts';
import { declaredMailbox, declaredUser, deletedUser, desired, desiredLicense, E3, license, mailboxOf, planAt, tenant, user } from '../support/planning.ts';

const ID = '00000000-0000-4000-8000-00000000000a';

/** A change of `action` for `upn`, with plausible details; `manager` is a set-manager's `details.to`. */
function changeOf(upn: string, action: ChangeAction, manager: string | null = null): Change {
  const base = { userPrincipalName: upn, reason: `${action} for ${upn}` };
  switch (action) {
    case 'restore-user':
      return {
        ...base,
        action,
        objectId: ID,
        details: { deletedDateTime: '2026-11-20T00:00:00Z', restorableUntil: '2026-12-20T00:00:00Z', daysLeft: 28, autoReconcileProxyConflict: true, conflictingAddresses: [], licenses: [] },
      };
    case 'create-user':
      return { ...base, action, details: { displayName: upn, mailNickname: upn.split('@')[0] ?? upn, accountEnabled: true } };
    case 'update-attributes':
      return { ...base, action, objectId: ID, details: { attributes: [{ attribute: 'jobTitle', from: null, to: 'Engineer' }] } };
    case 'set-manager':
      return { ...base, action, objectId: ID, details: { from: null, to: manager } };
    case 'set-usage-location':
      return { ...base, action, objectId: ID, details: { from: null, to: 'NL' } };
    case 'assign-licenses':
      return { ...base, action, objectId: ID, details: { add: [{ skuId: E3, skuPartNumber: 'ENTERPRISEPACK', disabledPlans: [], disabledPlanNames: [] }] } };
    case 'add-group-member':
    case 'remove-group-member':
      return { ...base, action, objectId: ID, details: { groupId: '00000000-0000-4000-8000-0000000000b1', groupName: 'Licensing E5', licenses: ['SPE_E5'] } };
    case 'remove-licenses':
      return { ...base, action, objectId: ID, details: { remove: [{ skuId: '06ebc4ee-1bb5-47dd-8120-11324bc54e06', skuPartNumber: 'SPE_E5' }] } };
    case 'enable-sign-in':
      return { ...base, action, objectId: ID, details: { from: false, to: true } };
    case 'block-sign-in':
      return { ...base, action, objectId: ID, details: { from: true, to: false } };
  }
}

/** `upn action` for each change, to compare selections at a glance. */
const lines = (changes: readonly Change[]): string[] => changes.map((c) => `${c.userPrincipalName} ${c.action}`);

interface Case {
  readonly name: string;
  readonly heal?: readonly ChangeAction[];
  readonly changes: readonly Change[];
  readonly healed: readonly string[];
}

const ann = 'ann@contoso.com';
const bob = 'bob@contoso.com';
const carl = 'carl@contoso.com';

const CASES: readonly Case[] = [
  { name: 'nothing to do', changes: [], healed: [] },
  {
    name: 'the defaults heal a restore, the licenses with their usage location, and a blocked sign-in',
    changes: [changeOf(ann, 'restore-user'), changeOf(bob, 'set-usage-location'), changeOf(bob, 'assign-licenses'), changeOf(carl, 'block-sign-in')],
    healed: [`${ann} restore-user`, `${bob} set-usage-location`, `${bob} assign-licenses`, `${carl} block-sign-in`],
  },
  {
    name: 'the defaults report what takes something away or was never reviewed as drift: create, remove, attributes, manager, memberships, enable',
    changes: (['create-user', 'update-attributes', 'set-manager', 'add-group-member', 'remove-licenses', 'remove-group-member', 'enable-sign-in'] as const).map((action, i) =>
      changeOf(`u${i}@contoso.com`, action, action === 'set-manager' ? ann : null),
    ),
    healed: [],
  },
  {
    name: 'a purged user: licenses after a create that is reported are reported too, the whole principal',
    changes: [changeOf(ann, 'create-user'), changeOf(ann, 'set-usage-location'), changeOf(ann, 'assign-licenses'), changeOf(bob, 'restore-user')],
    healed: [`${bob} restore-user`],
  },
  {
    name: 'a restored user: what is not allowed is reported, what is allowed after the restore is healed',
    changes: [changeOf(ann, 'restore-user'), changeOf(ann, 'update-attributes'), changeOf(ann, 'set-usage-location'), changeOf(ann, 'assign-licenses'), changeOf(ann, 'enable-sign-in')],
    healed: [`${ann} restore-user`, `${ann} set-usage-location`, `${ann} assign-licenses`],
  },
  {
    name: 'a restore that is not allowed: the principal is reported whole, its licenses and sign-in too',
    heal: ['assign-licenses', 'set-usage-location', 'block-sign-in'],
    changes: [changeOf(ann, 'restore-user'), changeOf(ann, 'assign-licenses'), changeOf(ann, 'block-sign-in'), changeOf(bob, 'block-sign-in')],
    healed: [`${bob} block-sign-in`],
  },
  {
    name: 'licenses allowed, their usage location not: the principal is reported whole',
    heal: ['restore-user', 'assign-licenses'],
    changes: [changeOf(ann, 'restore-user'), changeOf(ann, 'set-usage-location'), changeOf(ann, 'assign-licenses')],
    healed: [],
  },
  {
    name: 'a usage location without the licenses it is planned for is reported, even when allowed',
    heal: ['set-usage-location'],
    changes: [changeOf(ann, 'set-usage-location'), changeOf(ann, 'assign-licenses'), changeOf(bob, 'set-usage-location')],
    healed: [],
  },
  {
    name: 'creating allowed: a purged user comes back whole',
    heal: [...DEFAULT_HEAL_ACTIONS, 'create-user'],
    changes: [changeOf(ann, 'create-user'), changeOf(ann, 'set-usage-location'), changeOf(ann, 'assign-licenses')],
    healed: [`${ann} create-user`, `${ann} set-usage-location`, `${ann} assign-licenses`],
  },
  {
    name: 'a license removed only once its replacement is given: removal allowed, assignment not, the principal is reported',
    heal: ['remove-licenses', 'set-usage-location'],
    changes: [changeOf(ann, 'set-usage-location'), changeOf(ann, 'assign-licenses'), changeOf(ann, 'remove-licenses'), changeOf(bob, 'remove-licenses')],
    healed: [`${bob} remove-licenses`],
  },
  {
    name: 'a membership left only once the new one is joined',
    heal: ['remove-group-member'],
    changes: [changeOf(ann, 'add-group-member'), changeOf(ann, 'remove-group-member')],
    healed: [],
  },
  {
    name: 'a manager allowed, but the manager itself has to be created and that is not: the principal is reported',
    heal: ['set-manager', 'block-sign-in'],
    changes: [changeOf(ann, 'create-user'), changeOf(bob, 'set-manager', 'Ann@Contoso.com'), changeOf(bob, 'block-sign-in'), changeOf(carl, 'set-manager', null)],
    healed: [`${carl} set-manager`],
  },
  {
    name: 'a manager whose restore is healed: the manager link heals too',
    heal: ['restore-user', 'set-manager'],
    changes: [changeOf(ann, 'restore-user'), changeOf(bob, 'set-manager', ann)],
    healed: [`${ann} restore-user`, `${bob} set-manager`],
  },
  {
    name: 'managers in a chain: one reported restore reports everyone who waits on it, however far',
    heal: ['restore-user', 'set-manager'],
    changes: [
      changeOf(carl, 'set-manager', bob),
      changeOf(carl, 'restore-user'),
      changeOf(bob, 'restore-user'),
      changeOf(bob, 'set-manager', ann),
      changeOf(bob, 'update-attributes'),
      changeOf(ann, 'create-user'),
      changeOf('dan@contoso.com', 'set-manager', carl),
    ],
    healed: [],
  },
  {
    name: 'UPNs compared case-insensitively: one principal, whatever the spelling',
    heal: ['assign-licenses', 'set-usage-location'],
    changes: [changeOf('Ann@Contoso.com', 'restore-user'), changeOf(ann, 'set-usage-location'), changeOf(ann, 'assign-licenses')],
    healed: [],
  },
  {
    name: 'an empty list heals nothing',
    heal: [],
    changes: [changeOf(ann, 'restore-user'), changeOf(bob, 'block-sign-in')],
    healed: [],
  },
];

describe('selectHeals: named cases', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const { heal, report, reasons } = selectHeals(c.changes, { heal: c.heal ?? DEFAULT_HEAL_ACTIONS });
      expect(lines(heal)).toEqual(c.healed);
      expect(lines(report)).toEqual(lines(c.changes.filter((change) => !heal.includes(change))));
      for (const change of report) expect(reasons.get(change), `${change.userPrincipalName} ${change.action}`).toEqual(expect.any(String));
      expect(reasons.size).toBe(report.length);
    });
  }

  it('says why a change is reported', () => {
    const purged = [changeOf(ann, 'create-user'), changeOf(ann, 'set-usage-location'), changeOf(ann, 'assign-licenses')];
    const { reasons } = selectHeals([...purged, changeOf(bob, 'update-attributes'), changeOf(carl, 'set-usage-location')], { heal: DEFAULT_HEAL_ACTIONS });
    expect([...reasons.values()]).toEqual([
      'its set-usage-location needs its create-user, which watch.heal does not allow; the principal is left for a person, not half-changed',
      'its set-usage-location needs its create-user, which watch.heal does not allow; the principal is left for a person, not half-changed',
      'its set-usage-location needs its create-user, which watch.heal does not allow; the principal is left for a person, not half-changed',
      'watch.heal does not allow update-attributes',
      'set-usage-location heals only with the assign-licenses it is planned for',
    ]);
  });
});

describe('selectHeals on the planner’s plans', () => {
  const e3 = [desiredLicense('ENTERPRISEPACK')];

  it('a declared user deleted a minute ago: restored, nothing else', () => {
    const deleted = deletedUser('ann@contoso.com', '2026-11-21T23:59:00Z', { assignedLicenses: [license(E3)] });
    const plan = planAt(desired([declaredUser('ann@contoso.com', { licenses: e3 })]), tenant({ deleted: [deleted] }));
    const { heal, report } = selectHeals(plan.changes, { heal: DEFAULT_HEAL_ACTIONS });
    expect(lines(heal)).toEqual(['ann@contoso.com restore-user']);
    expect(report).toEqual([]);
  });

  it('a license removed by hand: given back, with nothing else', () => {
    const plan = planAt(desired([declaredUser('ann@contoso.com', { licenses: e3 })]), tenant({ users: [user('ann@contoso.com')] }));
    const { heal, report } = selectHeals(plan.changes, { heal: DEFAULT_HEAL_ACTIONS });
    expect(lines(heal)).toEqual(['ann@contoso.com assign-licenses']);
    expect(report).toEqual([]);
  });

  it('a user with no usage location loses its license: the usage location and the license come back together', () => {
    const plan = planAt(desired([declaredUser('ann@contoso.com', { licenses: e3 })]), tenant({ users: [user('ann@contoso.com', { usageLocation: null })] }));
    expect(lines(selectHeals(plan.changes, { heal: DEFAULT_HEAL_ACTIONS }).heal)).toEqual(['ann@contoso.com set-usage-location', 'ann@contoso.com assign-licenses']);
  });

  it('a purged user: reported whole, not created (unless create-user is allowed)', () => {
    const plan = planAt(desired([declaredUser('ann@contoso.com', { licenses: e3 })]), tenant());
    expect(lines(plan.changes)).toEqual(['ann@contoso.com create-user', 'ann@contoso.com assign-licenses']);
    const byDefault = selectHeals(plan.changes, { heal: DEFAULT_HEAL_ACTIONS });
    expect(byDefault.heal).toEqual([]);
    expect(byDefault.report).toEqual(plan.changes);
    expect(selectHeals(plan.changes, { heal: [...DEFAULT_HEAL_ACTIONS, 'create-user'] }).heal).toEqual(plan.changes);
  });

  it('a shared mailbox whose sign-in was enabled: blocked again', () => {
    const plan = planAt(desired([declaredMailbox('support@contoso.com')]), tenant({ users: [user('support@contoso.com', { accountEnabled: true })], mailboxes: [['support@contoso.com', mailboxOf('shared')]] }));
    expect(lines(selectHeals(plan.changes, { heal: DEFAULT_HEAL_ACTIONS }).heal)).toEqual(['support@contoso.com block-sign-in']);
  });
});

describe('selectHeals: properties', () => {
  const upns = ['ann@contoso.com', 'bob@contoso.com', 'Bob@Contoso.com', 'carl@contoso.com', 'dan@contoso.com'];
  /** One principal's changes as the planner orders them: a subset of the actions (never both restore and create), in ACTION_ORDER. */
  const principalArb = fc
    .record({ upn: fc.constantFrom(...upns), actions: fc.subarray([...ACTION_ORDER]), manager: fc.option(fc.constantFrom(...upns), { nil: null }) })
    .map(({ upn, actions, manager }) => actions.filter((a) => !(a === 'create-user' && actions.includes('restore-user'))).map((a) => changeOf(upn, a, manager)));
  /** Several principals' changes, interleaved (each principal's own order kept). */
  const changesArb = fc
    .uniqueArray(principalArb, { maxLength: 6, selector: (group) => group[0]?.userPrincipalName.toLowerCase() })
    .chain((groups) => {
      const tokens = groups.flatMap((group, g) => group.map(() => g));
      return fc.shuffledSubarray(tokens, { minLength: tokens.length }).map((order) => {
        const next = groups.map(() => 0);
        return order.map((g) => (groups[g] as Change[])[(next[g] = (next[g] as number) + 1) - 1] as Change);
      });
    });
  const healArb = fc.oneof(fc.constant(DEFAULT_HEAL_ACTIONS), fc.subarray([...ACTION_ORDER]));

  it('splits the changes in two (order kept), heals only allowed kinds, and heals nothing that waits on a reported change', () => {
    fc.assert(
      fc.property(changesArb, healArb, (changes, allowed) => {
        const { heal, report, reasons } = selectHeals(changes, { heal: allowed });
        // heal ∪ report = changes, disjoint, each in the input's order.
        expect(heal.length + report.length).toBe(changes.length);
        expect(heal).toEqual(changes.filter((c) => heal.includes(c)));
        expect(report).toEqual(changes.filter((c) => !heal.includes(c)));
        expect(heal.filter((c) => report.includes(c))).toEqual([]);
        // Every healed change's kind is allowed; every reported one has a reason.
        for (const change of heal) expect(allowed).toContain(change.action);
        for (const change of report) expect(reasons.has(change)).toBe(true);
        // No healed change needs a reported change of the same principal (restated here, not read from NEEDS).
        const principal = (c: Change): string => c.userPrincipalName.toLowerCase();
        const needs = (later: ChangeAction, earlier: ChangeAction): boolean =>
          (earlier === 'restore-user' || earlier === 'create-user') ? later !== 'restore-user' && later !== 'create-user'
          : earlier === 'set-usage-location' ? later === 'assign-licenses'
          : earlier === 'assign-licenses' || earlier === 'add-group-member' ? later === 'remove-licenses' || later === 'remove-group-member'
          : false;
        for (const healed of heal) {
          for (const reported of report) {
            if (principal(healed) === principal(reported)) expect(needs(healed.action, reported.action), `${healed.action} after ${reported.action}`).toBe(false);
          }
          // Nor a manager that is restored or created and reported.
          if (healed.action === 'set-manager' && healed.details.to !== null) {
            const to = healed.details.to.toLowerCase();
            expect(report.some((r) => principal(r) === to && (r.action === 'restore-user' || r.action === 'create-user'))).toBe(false);
          }
        }
        // A usage location heals only with the licenses it is for.
        for (const healed of heal.filter((c) => c.action === 'set-usage-location')) {
          expect(heal.some((c) => c.action === 'assign-licenses' && principal(c) === principal(healed))).toBe(true);
        }
        // Never half a principal when what it is waiting for is reported: a principal with a reported change its healed ones need has none healed.
        for (const healed of heal) expect(NEEDS[healed.action].every((n) => !report.some((r) => principal(r) === principal(healed) && r.action === n))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('heals everything when everything is allowed, but a usage location without licenses', () => {
    fc.assert(
      fc.property(changesArb, (changes) => {
        const { heal } = selectHeals(changes, { heal: ACTION_ORDER });
        const lone = changes.filter((c) => c.action === 'set-usage-location' && !changes.some((o) => o.action === 'assign-licenses' && o.userPrincipalName.toLowerCase() === c.userPrincipalName.toLowerCase()));
        expect(heal).toEqual(changes.filter((c) => !lone.includes(c)));
      }),
    );
  });
});
