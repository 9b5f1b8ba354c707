/**
 * `tenantctl apply --auto-approve` end to end against the emulator, for every plan scenario of
 * test/cli/plan-scenarios.test.ts that has changes (docs/reconciliation.md): afterwards the tenant
 * (`GET /_emulator/state`) holds the declared state, restored objects kept their ids, seats that
 * tenantctl assigned are within the subscription, and a second plan has nothing left to do.
 * Then the saved-plan flow: `plan --out` and `apply PLAN.json` run exactly the saved changes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change, Plan } from '../../src/domain/plan.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import type { StateDump } from '../support/apply-e2e.ts';
import {
  activeUser, directLicenses, duplicates, lastSeq, overAssigned, planJson, policyDir, RECONCILER_SECRET, readState, requestsSince, reseed,
  skusAssignedInto, successfulCreates, successfulRestores, tempDir, tenantctl, writesIn,
} from '../support/apply-e2e.ts';
import type { SeedDraft } from '../support/emulator.ts';
import { ALICE, BOB, CAROL, contoso, DAVE, E3, EXCHANGE_STANDARD, OLD_ALICE, SUPPORT, userIn, YAMMER } from '../support/emulator.ts';
import { tokenFor } from '../support/seeds.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());

const SALES = '78bf875b-9343-4edc-9130-0d39581135aa';

interface Scenario {
  readonly name: string;
  readonly seed: (draft: SeedDraft) => void;
  readonly yaml: string;
  /** Apply's exit code; undefined where it is asserted by a test of its own (see the seat shortfall). */
  readonly applyExit: 0 | 1 | undefined;
  /** Diagnostics (`severity code`) that the second plan may still hold: nothing any write can fix. */
  readonly remaining?: readonly string[];
  /** What holds before apply, where the scenario is about a change the plan does not show. */
  readonly expectBefore?: (url: string) => Promise<void>;
  /** What this scenario's principals look like afterwards. */
  readonly expectState: (state: StateDump, url: string) => void | Promise<void>;
}

const none = (): void => undefined;
const addSales = (d: SeedDraft): void => {
  d.deletedUsers.push({ id: SALES, userPrincipalName: 'sales@contoso.com', displayName: 'Sales', accountEnabled: false, mail: 'sales@contoso.com', proxyAddresses: ['SMTP:sales@contoso.com'], mailboxSettings: { userPurpose: 'shared' }, deletedDateTime: '2026-11-15T00:00:00Z' });
};
const carolLostExchange = (removed: string) => (d: SeedDraft): void => {
  const carol = userIn(d, CAROL);
  carol.usageLocation = 'NL';
  const [removal] = carol.assignedPlans ?? [];
  if (removal) removal.assignedDateTime = removed;
};

async function mailboxStatus(url: string, id: string): Promise<number> {
  const token = await tokenFor(url, contoso());
  const response = await fetch(`${url}/v1.0/users/${id}/mailboxSettings`, { headers: { Authorization: `Bearer ${token}` } });
  await response.body?.cancel();
  return response.status;
}

function byId(state: StateDump, id: string): StateDump['users'][number] | undefined {
  return state.users.find((u) => u.id === id);
}

const shortOfSeats = (d: SeedDraft): void => {
  const [e3] = d.subscribedSkus;
  if (e3) e3.prepaidUnits.enabled = 2;
  userIn(d, SUPPORT).accountEnabled = true;
};
const SHORTFALL_POLICY = 'defaults: {usageLocation: NL}\nusers:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, licenses: [e3]}\nmailboxes:\n  - {userPrincipalName: support@contoso.com, displayName: Contoso Support, type: shared}\n';

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'restore user: Dave comes back with his id and his license',
    // Nothing else holds Dave's addresses here: a plain restore.
    seed: (d) => {
      userIn(d, SUPPORT).proxyAddresses = ['SMTP:support@contoso.com'];
    },
    yaml: 'defaults: {restore: {autoReconcileProxyConflict: false}}\nusers:\n  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser, licenses: [e3]}\n',
    applyExit: 0,
    expectState: (state) => {
      expect(byId(state, DAVE)).toMatchObject({ userPrincipalName: 'dave@contoso.com', accountEnabled: true });
      expect(directLicenses(byId(state, DAVE))).toEqual([`${E3}:`]);
      expect(state.deletedUsers.map((u) => u.id)).not.toContain(DAVE);
    },
  },
  {
    name: 'restore shared mailbox: Sales comes back, sign-in blocked, still shared',
    seed: addSales,
    yaml: 'mailboxes:\n  - {userPrincipalName: sales@contoso.com, displayName: Sales, type: shared}\n',
    applyExit: 0,
    expectState: async (state, url) => {
      expect(byId(state, SALES)).toMatchObject({ userPrincipalName: 'sales@contoso.com', accountEnabled: false, mailboxSettings: { userPurpose: 'shared' } });
      expect(await mailboxStatus(url, SALES)).toBe(200);
    },
  },
  {
    name: 'UPN conflict with rename: the old Alice is restored as alice.restored@contoso.com; the new hire keeps her UPN',
    seed: none,
    yaml: 'defaults: {restore: {onUpnConflict: rename}}\nusers:\n  - {userPrincipalName: alice@contoso.com, displayName: Alice Jansen, licenses: [e3]}\n',
    applyExit: 0,
    expectState: (state) => {
      expect(byId(state, OLD_ALICE)).toMatchObject({ userPrincipalName: 'alice.restored@contoso.com' });
      expect(directLicenses(byId(state, OLD_ALICE))).toEqual([`${E3}:`]);
      expect(byId(state, ALICE)).toMatchObject({ userPrincipalName: 'alice@contoso.com' });
      expect(byId(state, OLD_ALICE)?.proxyAddresses.map((a) => a.toLowerCase())).not.toContain('smtp:alice@contoso.com');
    },
  },
  {
    name: 'proxy conflict with autoReconcileProxyConflict: Dave is restored without helpdesk@, which Support keeps',
    seed: none,
    yaml: 'defaults: {restore: {autoReconcileProxyConflict: true}}\nusers:\n  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser, licenses: [e3]}\n',
    applyExit: 0,
    expectState: (state) => {
      expect(byId(state, DAVE)).toMatchObject({ userPrincipalName: 'dave@contoso.com' });
      expect(byId(state, DAVE)?.proxyAddresses.map((a) => a.toLowerCase())).not.toContain('smtp:helpdesk@contoso.com');
      expect(byId(state, SUPPORT)?.proxyAddresses).toContain('smtp:helpdesk@contoso.com');
    },
  },
  {
    name: 'purged user with whenMissing create: a new Erin with her usage location and license',
    seed: none,
    yaml: 'defaults: {whenMissing: create, usageLocation: NL}\nusers:\n  - {userPrincipalName: erin@contoso.com, displayName: Erin Smit, licenses: [e3]}\n',
    applyExit: 0,
    expectState: (state) => {
      const erin = activeUser(state, 'erin@contoso.com');
      expect(erin).toMatchObject({ displayName: 'Erin Smit', usageLocation: 'NL', accountEnabled: true });
      expect(directLicenses(erin)).toEqual([`${E3}:`]);
    },
  },
  {
    name: 'license removed 10 days ago: the license returns and so does the mailbox',
    seed: carolLostExchange('2026-11-12T09:00:00Z'),
    yaml: 'users:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, licenses: [e3]}\n',
    applyExit: 0,
    expectBefore: async (url) => {
      expect(await mailboxStatus(url, CAROL)).toBe(404);
    },
    expectState: async (state, url) => {
      expect(directLicenses(byId(state, CAROL))).toEqual([`${E3}:`]);
      expect(await mailboxStatus(url, CAROL)).toBe(200);
    },
  },
  {
    name: 'license removed 40 days ago: the license returns with a new mailbox',
    seed: carolLostExchange('2026-10-13T09:00:00Z'),
    yaml: 'users:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, licenses: [e3]}\n',
    applyExit: 0,
    expectState: async (state, url) => {
      expect(directLicenses(byId(state, CAROL))).toEqual([`${E3}:`]);
      expect(await mailboxStatus(url, CAROL)).toBe(200);
    },
  },
  {
    name: 'seat shortfall: Carol is left unlicensed, the others apply',
    seed: shortOfSeats,
    yaml: SHORTFALL_POLICY,
    // The exit code: 'seat shortfall: apply exits 1 …' below.
    applyExit: undefined,
    remaining: ['error seat-shortfall', 'warning seat-shortfall', 'info mailbox-recoverable'],
    expectState: (state) => {
      expect(directLicenses(byId(state, CAROL))).toEqual([]);
      expect(byId(state, SUPPORT)?.accountEnabled).toBe(false);
      const e3 = state.subscribedSkus.find((s) => s.skuId === E3);
      expect(e3?.consumedUnits).toBeLessThanOrEqual(e3?.prepaidUnits.enabled ?? 0);
    },
  },
  {
    name: 'no usage location, a default: set, then licensed',
    seed: none,
    yaml: 'defaults: {usageLocation: NL}\nusers:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, licenses: [e3]}\n',
    applyExit: 0,
    expectState: (state) => {
      expect(byId(state, CAROL)?.usageLocation).toBe('NL');
      expect(directLicenses(byId(state, CAROL))).toEqual([`${E3}:`]);
    },
  },
  {
    name: 'disabled plans differ: Bob\'s E3 is replaced in place with the declared plans',
    seed: none,
    yaml: 'users:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3]}\n',
    applyExit: 0,
    expectState: (state) => {
      expect(directLicenses(byId(state, BOB))).toEqual([`${E3}:`]);
      // Replaced in place: the seat count did not move (Bob and the new-hire Alice).
      expect(state.subscribedSkus.find((s) => s.skuId === E3)?.consumedUnits).toBe(2);
    },
  },
  {
    name: 'shared mailbox with sign-in enabled: blocked',
    seed: (d) => {
      userIn(d, SUPPORT).accountEnabled = true;
    },
    yaml: 'mailboxes:\n  - {userPrincipalName: support@contoso.com, displayName: Contoso Support, type: shared}\n',
    applyExit: 0,
    expectState: (state) => {
      expect(byId(state, SUPPORT)).toMatchObject({ accountEnabled: false, mailboxSettings: { userPurpose: 'shared' } });
    },
  },
];

/** The principal a change names in the tenant afterwards: the planned object id, else the (new) UPN. */
function targetOf(state: StateDump, change: Change): StateDump['users'][number] | undefined {
  if ('objectId' in change && change.objectId !== undefined) return byId(state, change.objectId);
  return activeUser(state, change.userPrincipalName);
}

/** What every applied plan must leave behind, whatever the scenario: each change's `after`. */
function expectChangesHeld(state: StateDump, plan: Plan): void {
  for (const change of plan.changes) {
    const target = targetOf(state, change);
    expect(target, `${change.action} ${change.userPrincipalName}`).toBeDefined();
    switch (change.action) {
      case 'restore-user':
        expect(target?.userPrincipalName).toBe(change.details.newUserPrincipalName ?? change.userPrincipalName);
        break;
      case 'create-user':
        expect(target).toMatchObject({ displayName: change.details.displayName, accountEnabled: change.details.accountEnabled });
        break;
      case 'set-usage-location':
        expect(target?.usageLocation).toBe(change.details.to);
        break;
      case 'assign-licenses':
        for (const l of change.details.add) expect(directLicenses(target)).toContain(`${l.skuId}:${[...l.disabledPlans].sort().join(',')}`);
        break;
      case 'remove-licenses':
        for (const l of change.details.remove) expect(directLicenses(target).some((held) => held.startsWith(l.skuId))).toBe(false);
        break;
      case 'enable-sign-in':
      case 'block-sign-in':
        expect(target?.accountEnabled).toBe(change.details.to);
        break;
    }
  }
}

const codes = (plan: Plan): string[] => plan.diagnostics.map((d) => `${d.severity} ${d.code}`);

describe('tenantctl apply --auto-approve against the emulator', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    await reseed(emulator.url, contoso(scenario.seed));
    const dir = policyDir(scenario.yaml);
    await scenario.expectBefore?.(emulator.url);
    const before = await planJson(emulator.url, dir);
    expect(before.plan.changes.length, 'the scenario has changes').toBeGreaterThan(0);
    const since = await lastSeq(emulator.url);

    const applied = await tenantctl(emulator.url, ['apply', dir, '--auto-approve']);
    if (scenario.applyExit !== undefined) expect(applied.code, applied.stderr).toBe(scenario.applyExit);
    expect(applied.stdout).toMatch(/Apply complete: /u);
    expect(applied.stderr).not.toMatch(/^failed /mu);
    expect(applied.stdout + applied.stderr).not.toContain(RECONCILER_SECRET);

    const state = await readState(emulator.url);
    expectChangesHeld(state, before.plan);
    await scenario.expectState(state, emulator.url);
    expect(overAssigned(state, skusAssignedInto([before.plan]))).toEqual([]);
    const log = await requestsSince(emulator.url, since);
    expect(duplicates(successfulRestores(log))).toEqual([]);
    expect(successfulCreates(log)).toBe(before.plan.changes.filter((c) => c.action === 'create-user').length);

    const after = await planJson(emulator.url, dir);
    expect(after.plan.changes).toEqual([]);
    if (after.code !== 0) {
      expect(after.code).toBe(1);
      for (const code of codes(after.plan)) expect(scenario.remaining ?? [], `${code} is left after apply`).toContain(code);
    }
  });

  // docs/reconciliation.md §7 (an error blocks apply for its principal; the rest of the plan still applies) and
  // docs/cli-reference.md §10 (exit 1 on any error): apply blocks Carol and applies the rest, then exits 1, so that a pipeline learns
  // that Carol was left out (as it does when the error leaves nothing to apply at all).
  it('seat shortfall: apply exits 1 because an error blocked Carol, after applying the rest', async () => {
    await reseed(emulator.url, contoso(shortOfSeats));
    const applied = await tenantctl(emulator.url, ['apply', policyDir(SHORTFALL_POLICY), '--auto-approve']);
    expect(byId(await readState(emulator.url), SUPPORT)?.accountEnabled).toBe(false);
    expect(applied.code, applied.stdout).toBe(1);
  });

  it('group license: nothing to apply, nothing written, exit 0', async () => {
    await reseed(emulator.url, contoso());
    const dir = policyDir('users:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3-no-yammer, {sku: EXCHANGESTANDARD}]}\n');
    const since = await lastSeq(emulator.url);
    const applied = await tenantctl(emulator.url, ['apply', dir, '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Nothing to apply.');
    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);
    const bob = byId(await readState(emulator.url), BOB);
    expect(directLicenses(bob)).toEqual([`${E3}:${YAMMER}`]);
    expect(bob?.licenseAssignmentStates.filter((s) => s.assignedByGroup !== null).map((s) => s.skuId)).toEqual([EXCHANGE_STANDARD]);
  });
});

describe('the saved-plan flow: plan --out, then apply PLAN.json', () => {
  it('applies exactly the saved changes, one write each, and converges', async () => {
    await reseed(emulator.url, contoso((d) => {
      addSales(d);
      userIn(d, SUPPORT).accountEnabled = true;
    }));
    const dir = policyDir(
      'defaults: {usageLocation: NL, whenMissing: create, restore: {autoReconcileProxyConflict: true}}\n'
      + 'users:\n'
      + '  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser, licenses: [e3]}\n'
      + '  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, licenses: [e3]}\n'
      + '  - {userPrincipalName: erin@contoso.com, displayName: Erin Smit}\n'
      + '  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3]}\n'
      + 'mailboxes:\n'
      + '  - {userPrincipalName: sales@contoso.com, displayName: Sales, type: shared}\n'
      + '  - {userPrincipalName: support@contoso.com, displayName: Contoso Support, type: shared}\n',
    );
    const out = path.join(tempDir(), 'p.json');
    const planned = await tenantctl(emulator.url, ['plan', dir, '--out', out]);
    expect(planned.code, planned.stderr).toBe(0);
    const saved = JSON.parse(readFileSync(out, 'utf8')) as Plan;
    expect(saved.changes.map((c) => `${c.action} ${c.userPrincipalName}`)).toEqual([
      'assign-licenses bob@contoso.com',
      'set-usage-location carol@contoso.com',
      'assign-licenses carol@contoso.com',
      'restore-user dave@contoso.com',
      'create-user erin@contoso.com',
      'restore-user sales@contoso.com',
      'block-sign-in support@contoso.com',
    ]);
    const since = await lastSeq(emulator.url);

    const applied = await tenantctl(emulator.url, ['apply', out, '--policy', dir, '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Apply complete: 2 restored, 1 created, 1 usage location set, 2 licensed, 1 blocked.');

    // One write per saved change, to the object the change names, and nothing else.
    const writes = writesIn(await requestsSince(emulator.url, since)).map((e) => `${e.method} ${e.status} ${e.path}`).sort();
    const state = await readState(emulator.url);
    const erin = activeUser(state, 'erin@contoso.com');
    expect(writes).toEqual([
      `PATCH 204 /users/${CAROL}`,
      `PATCH 204 /users/${SUPPORT}`,
      `POST 200 /directory/deletedItems/${DAVE}/restore`,
      `POST 200 /directory/deletedItems/${SALES}/restore`,
      `POST 200 /users/${BOB}/assignLicense`,
      `POST 200 /users/${CAROL}/assignLicense`,
      'POST 201 /users',
    ].sort());
    expect(erin).toMatchObject({ displayName: 'Erin Smit', usageLocation: 'NL' });
    expectChangesHeld(state, saved);

    const after = await planJson(emulator.url, dir);
    expect(after.plan.changes).toEqual([]);
    expect(after.code, after.run.stdout).toBe(0);
  });
});
