/**
 * The tenant port's contract: the same cases for every adapter (docs/architecture.md principle 5). Each
 * case builds its adapter from an emulator seed, acts through the port, and asserts the end state
 * as the adapter's own reader sees it, or the port's error (`TenantError`: kind, retryable,
 * mayHaveTakenEffect, status, code, request id) and an unchanged tenant. Every adapter is held to the
 * same expected error, so the engine cannot tell them apart by how they fail.
 */
import { describe, expect, it } from 'vitest';
import type { AttributeName } from '../../src/domain/attributes.ts';
import type { ObservedGroup, ObservedTenant, ObservedUser } from '../../src/domain/observed.ts';
import type { Seed } from '../../src/emulator/directory/model.ts';
import type { ReadTenantRequest, TenantErrorKind, TenantReader, TenantWriter } from '../../src/tenant/port.ts';
import { TenantError } from '../../src/tenant/port.ts';
import type { SeedDraft } from '../support/emulator.ts';
import { ALICE, BOB, CAROL, contoso, DAVE, E3, EXCHANGE_GROUP, EXCHANGE_PLAN_1, EXCHANGE_PLAN_2, EXCHANGE_STANDARD, FIXTURE_NOW, FRANK, OLD_ALICE, SUPPORT, TENANT_ID, YAMMER, skuIn, userIn } from '../support/emulator.ts';
import { expectedObservedTenant } from '../support/memory-seed.ts';

export interface ContractSubject {
  readonly tenant: TenantReader & TenantWriter;
  /** Moves the directory clock: `POST /_emulator/clock`, or the memory tenant's `setNow`. */
  setNow(iso: string): Promise<void>;
}

export type MakeSubject = (seed: Seed) => Promise<ContractSubject>;

const DECLARED_MAILBOXES = ['support@contoso.com', 'bob@contoso.com', 'carol@contoso.com', 'nobody@contoso.com'];
const RECONCILER_ROLES = ['User.Read.All', 'User.ReadWrite.All', 'User.DeleteRestore.All', 'LicenseAssignment.Read.All', 'LicenseAssignment.ReadWrite.All', 'MailboxSettings.Read', 'GroupMember.Read.All'];

async function read(subject: ContractSubject, mailboxes: readonly string[] = DECLARED_MAILBOXES): Promise<ObservedTenant> {
  return subject.tenant.readTenant({ mailboxUserPrincipalNames: mailboxes });
}

type Extras = Omit<ReadTenantRequest, 'mailboxUserPrincipalNames'>;

/** A read that also asks for attributes, managers or groups. */
async function readWith(subject: ContractSubject, extras: Extras): Promise<ObservedTenant> {
  return subject.tenant.readTenant({ mailboxUserPrincipalNames: DECLARED_MAILBOXES, ...extras });
}

const PROFILE: readonly AttributeName[] = ['givenName', 'jobTitle', 'department', 'city', 'businessPhones'];
const EXCHANGE_GROUP_NAME = 'Exchange Plan 1 users';
/** A second license-assigning group of the same name, and a group that assigns no license. */
const TWIN_GROUP = '9a000000-0000-4000-8000-000000000002';
const PLAIN_GROUP = '9a000000-0000-4000-8000-000000000003';
const NO_SUCH_GROUP = '9a000000-0000-4000-8000-0000000000ff';

function groupOf(tenant: ObservedTenant, id: string): ObservedGroup {
  const group = tenant.groups?.find((g) => g.id === id);
  if (!group) throw new Error(`no group ${id} read`);
  return group;
}

/** The reconciler may write group memberships (the fixture's app reads groups only). */
function withMembershipWrites(d: SeedDraft): void {
  const roles = d.apps[0]?.roles;
  if (roles && !roles.includes('GroupMember.ReadWrite.All')) roles.push('GroupMember.ReadWrite.All');
}

function groupStates(user: ObservedUser, groupId: string): { skuId: string; state: string; error: string | null }[] {
  return user.licenseAssignmentStates.filter((s) => s.assignedByGroup === groupId).map((s) => ({ skuId: s.skuId, state: s.state, error: s.error }));
}

function userOf(tenant: ObservedTenant, id: string): ObservedUser {
  const user = tenant.users.find((u) => u.id === id);
  if (!user) throw new Error(`no active user ${id}`);
  return user;
}

function seatsOf(tenant: ObservedTenant, skuId: string): { enabled: number; consumed: number } {
  const sku = tenant.skus.find((s) => s.skuId === skuId);
  if (!sku) throw new Error(`no SKU ${skuId}`);
  return { enabled: sku.enabledUnits, consumed: sku.consumedUnits };
}

function planOf(user: ObservedUser, servicePlanId: string): { status: string; date: string } | undefined {
  const plan = user.assignedPlans.find((p) => p.servicePlanId === servicePlanId);
  return plan && { status: plan.capabilityStatus, date: plan.assignedDateTime };
}

/**
 * The call fails with the port's error of this kind, status and code, refused outright (not to be sent
 * again as it is, and not carried out), with a request id to report; and the tenant is unchanged.
 */
async function expectFailure(subject: ContractSubject, call: () => Promise<unknown>, expected: { kind: TenantErrorKind; status: number; code?: string }): Promise<TenantError> {
  const before = await read(subject);
  let caught: unknown;
  try {
    await call();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected the call to fail').toBeInstanceOf(TenantError);
  const error = caught as TenantError;
  expect({ kind: error.kind, status: error.status, code: error.code, retryable: error.retryable, mayHaveTakenEffect: error.mayHaveTakenEffect }).toEqual({
    kind: expected.kind, status: expected.status, code: expected.code ?? 'Request_BadRequest', retryable: false, mayHaveTakenEffect: false,
  });
  expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/u);
  expect(error.message).not.toBe('');
  expect(await read(subject)).toEqual(before);
  return error;
}

export function runTenantContract(name: string, makeSubject: MakeSubject): void {
  describe(`tenant port contract: ${name}`, () => {
    describe('reading', () => {
      it('reads the seeded tenant fully and exactly: users, deleted users, SKUs, declared mailboxes, group names', async () => {
        const seed = contoso();
        const tenant = await read(await makeSubject(seed));
        expect(tenant).toEqual(expectedObservedTenant(seed, DECLARED_MAILBOXES));
      });

      it("lists an active user's Exchange plans only when it holds a removed one, unless every user's are asked for", async () => {
        const subject = await makeSubject(contoso());
        const lean = await read(subject);
        // Carol lost her mailbox with a license: her history is read. Bob's plans are all Enabled: not read.
        expect(planOf(userOf(lean, CAROL), EXCHANGE_PLAN_2)).toEqual({ status: 'Deleted', date: '2026-11-12T09:00:00Z' });
        expect(userOf(lean, BOB).assignedPlans).toEqual([]);
        const all = await readWith(subject, { planHistory: 'all' });
        expect(all).toEqual(expectedObservedTenant(contoso(), DECLARED_MAILBOXES, { planHistory: 'all' }));
        expect(userOf(all, BOB).assignedPlans.length).toBeGreaterThan(0);
        expect(userOf(all, CAROL).assignedPlans).toEqual(userOf(lean, CAROL).assignedPlans);
        // Deleted users keep theirs in both reads.
        expect(all.deletedUsers).toEqual(lean.deletedUsers);
      });

      it('reads what the planner relies on in the fixture', async () => {
        const tenant = await read(await makeSubject(contoso()));
        expect(tenant.tenantId).toBe(TENANT_ID);
        expect(tenant.users.map((u) => u.id).sort()).toEqual([BOB, ALICE, CAROL, SUPPORT].sort());
        const bob = userOf(tenant, BOB);
        expect(bob).toMatchObject({ userPrincipalName: 'bob@contoso.com', accountEnabled: true, usageLocation: 'NL', mail: 'bob@contoso.com', proxyAddresses: ['SMTP:bob@contoso.com'], deletedDateTime: null });
        expect(bob.assignedLicenses).toEqual(expect.arrayContaining([{ skuId: E3, disabledPlans: [YAMMER] }, { skuId: EXCHANGE_STANDARD, disabledPlans: [] }]));
        expect(bob.licenseAssignmentStates).toEqual(expect.arrayContaining([expect.objectContaining({ skuId: EXCHANGE_STANDARD, assignedByGroup: EXCHANGE_GROUP, state: 'Active' })]));
        // One seat of the group's SKU: Bob got it, Alice's group assignment is in error.
        expect(userOf(tenant, ALICE).licenseAssignmentStates).toEqual(expect.arrayContaining([expect.objectContaining({ skuId: EXCHANGE_STANDARD, assignedByGroup: EXCHANGE_GROUP, state: 'Error', error: 'CountViolation' })]));
        expect(planOf(userOf(tenant, CAROL), EXCHANGE_PLAN_2)).toEqual({ status: 'Deleted', date: '2026-11-12T09:00:00Z' });
        expect(tenant.deletedUsers.map((u) => [u.id, u.userPrincipalName, u.deletedDateTime]).sort()).toEqual([
          [OLD_ALICE, '78bf875b93434edc91300d3958113563alice@contoso.com', '2026-11-10T09:00:00Z'],
          [DAVE, '78bf875b93434edc91300d3958113564dave@contoso.com', '2026-11-01T09:00:00Z'],
          [FRANK, '78bf875b93434edc91300d3958113566frank@contoso.com', '2026-11-20T09:00:00Z'],
        ]);
        expect(tenant.deletedUsers.find((u) => u.id === FRANK)?.onPremisesSyncEnabled).toBe(true);
        expect(seatsOf(tenant, E3)).toEqual({ enabled: 5, consumed: 2 });
        expect(seatsOf(tenant, EXCHANGE_STANDARD)).toEqual({ enabled: 1, consumed: 1 });
        expect(tenant.skus.find((s) => s.skuId === E3)?.servicePlans).toContainEqual({ servicePlanId: EXCHANGE_PLAN_2, servicePlanName: 'EXCHANGE_S_ENTERPRISE' });
        expect([...tenant.mailboxes].sort()).toEqual([[BOB, { kind: 'mailbox', userPurpose: 'user' }], [CAROL, { kind: 'none' }], [SUPPORT, { kind: 'mailbox', userPurpose: 'shared' }]].sort());
        expect([...tenant.groupNames]).toEqual([[EXCHANGE_GROUP, 'Exchange Plan 1 users']]);
      });

      it('reads no mailboxes when none are declared, and no group names when no license comes from a group', async () => {
        const tenant = await read(await makeSubject(contoso((d) => { d.groups = []; })), []);
        expect(tenant.mailboxes.size).toBe(0);
        expect(tenant.groupNames.size).toBe(0);
        expect(userOf(tenant, BOB).assignedLicenses).toEqual([{ skuId: E3, disabledPlans: [YAMMER] }]);
      });

      it('reads the roles granted to the app', async () => {
        const roles = await (await makeSubject(contoso())).tenant.readGrantedRoles();
        expect([...roles].sort()).toEqual([...RECONCILER_ROLES].sort());
      });
    });

    describe('restoreDeletedUser', () => {
      it('restores under a new UPN, dropping proxy addresses an active user holds; the license comes back and consumes a seat', async () => {
        const subject = await makeSubject(contoso());
        await subject.tenant.restoreDeletedUser(OLD_ALICE, { newUserPrincipalName: 'alice.jansen@contoso.com', autoReconcileProxyConflict: true });
        const tenant = await read(subject);
        expect(tenant.deletedUsers.map((u) => u.id)).not.toContain(OLD_ALICE);
        expect(userOf(tenant, OLD_ALICE)).toMatchObject({ userPrincipalName: 'alice.jansen@contoso.com', mail: 'alice.jansen@contoso.com', proxyAddresses: ['SMTP:alice.jansen@contoso.com'], deletedDateTime: null });
        expect(userOf(tenant, OLD_ALICE).assignedLicenses).toEqual([{ skuId: E3, disabledPlans: [] }]);
        expect(seatsOf(tenant, E3)).toEqual({ enabled: 5, consumed: 3 });
      });

      it('restores under the original UPN (prefix removed) when it is free', async () => {
        const subject = await makeSubject(contoso((d) => { d.users = d.users.filter((u) => u.id !== ALICE); d.groups = []; }));
        await subject.tenant.restoreDeletedUser(OLD_ALICE, { autoReconcileProxyConflict: false });
        expect(userOf(await read(subject), OLD_ALICE)).toMatchObject({ userPrincipalName: 'alice@contoso.com', proxyAddresses: ['SMTP:alice.jansen@contoso.com', 'smtp:alice@contoso.com'] });
      });

      it('fails with upn-conflict when an active user holds the UPN, even with autoReconcileProxyConflict', async () => {
        const subject = await makeSubject(contoso());
        const error = await expectFailure(subject, () => subject.tenant.restoreDeletedUser(OLD_ALICE, { autoReconcileProxyConflict: true }), { kind: 'upn-conflict', status: 400 });
        // The report names what conflicts (Graph's own text, from both adapters).
        expect(error.message).toMatch(/\buserPrincipalName\b/u);
      });

      it('fails with proxy-conflict when an active user holds an address and autoReconcileProxyConflict is false', async () => {
        const subject = await makeSubject(contoso());
        const error = await expectFailure(subject, () => subject.tenant.restoreDeletedUser(DAVE, { autoReconcileProxyConflict: false }), { kind: 'proxy-conflict', status: 400 });
        expect(error.message).toMatch(/\bproxyAddresses\b/u);
      });

      it('brings licenses back past the seat count', async () => {
        const subject = await makeSubject(contoso((d) => { skuIn(d, E3).prepaidUnits.enabled = 2; }));
        await subject.tenant.restoreDeletedUser(DAVE, { autoReconcileProxyConflict: true });
        const tenant = await read(subject);
        expect(userOf(tenant, DAVE).proxyAddresses).toEqual(['SMTP:dave@contoso.com']);
        expect(seatsOf(tenant, E3)).toEqual({ enabled: 2, consumed: 3 });
      });

      it('fails with not-found for an unknown id, and for a user purged after 30 days', async () => {
        const subject = await makeSubject(contoso());
        await expectFailure(subject, () => subject.tenant.restoreDeletedUser('00000000-0000-4000-8000-00000000dead', { autoReconcileProxyConflict: true }), { kind: 'not-found', status: 404, code: 'Request_ResourceNotFound' });
        await subject.setNow('2026-12-11T00:00:00Z');
        expect((await read(subject)).deletedUsers.map((u) => u.id)).toEqual([FRANK]);
        await expectFailure(subject, () => subject.tenant.restoreDeletedUser(OLD_ALICE, { newUserPrincipalName: 'alice.jansen@contoso.com', autoReconcileProxyConflict: true }), { kind: 'not-found', status: 404, code: 'Request_ResourceNotFound' });
      });
    });

    describe('createUser', () => {
      const input = { userPrincipalName: 'erin.new@contoso.com', displayName: 'Erin New', mailNickname: 'erin.new', accountEnabled: true, usageLocation: 'NL', password: 'Xw9!long-random-password' };

      it('creates an enabled user without licenses and returns its id', async () => {
        const subject = await makeSubject(contoso());
        const { objectId } = await subject.tenant.createUser(input);
        const user = userOf(await read(subject), objectId);
        expect(user).toMatchObject({ userPrincipalName: 'erin.new@contoso.com', displayName: 'Erin New', accountEnabled: true, usageLocation: 'NL', assignedLicenses: [], deletedDateTime: null });
      });

      it('fails with upn-conflict for a UPN an active user holds', async () => {
        const subject = await makeSubject(contoso());
        await expectFailure(subject, () => subject.tenant.createUser({ ...input, userPrincipalName: 'BOB@contoso.com', mailNickname: 'bob2' }), { kind: 'upn-conflict', status: 400 });
      });

      it('fails with proxy-conflict when the mail nickname makes an address a deleted user still reserves', async () => {
        const subject = await makeSubject(contoso());
        await expectFailure(subject, () => subject.tenant.createUser({ ...input, userPrincipalName: 'dave.new@contoso.com', mailNickname: 'dave' }), { kind: 'proxy-conflict', status: 400 });
      });

      it('fails with invalid-upn for an unverified domain', async () => {
        const subject = await makeSubject(contoso());
        await expectFailure(subject, () => subject.tenant.createUser({ ...input, userPrincipalName: 'erin@fabrikam.com' }), { kind: 'invalid-upn', status: 400 });
      });
    });

    describe('setUsageLocation and setAccountEnabled', () => {
      it('sets the usage location, by id or by UPN', async () => {
        const subject = await makeSubject(contoso());
        await subject.tenant.setUsageLocation(CAROL, 'BE');
        expect(userOf(await read(subject), CAROL).usageLocation).toBe('BE');
        await subject.tenant.setUsageLocation('Carol@contoso.com', 'NL');
        expect(userOf(await read(subject), CAROL).usageLocation).toBe('NL');
      });

      it('fails with invalid-usage-location for a code that is no country, and not-found for an unknown user', async () => {
        const subject = await makeSubject(contoso());
        await expectFailure(subject, () => subject.tenant.setUsageLocation(CAROL, 'XX'), { kind: 'invalid-usage-location', status: 400 });
        await expectFailure(subject, () => subject.tenant.setUsageLocation('nobody@contoso.com', 'NL'), { kind: 'not-found', status: 404, code: 'Request_ResourceNotFound' });
      });

      it('blocks and enables sign-in', async () => {
        const subject = await makeSubject(contoso());
        await subject.tenant.setAccountEnabled(BOB, false);
        await subject.tenant.setAccountEnabled('support@contoso.com', true);
        const tenant = await read(subject);
        expect([userOf(tenant, BOB).accountEnabled, userOf(tenant, SUPPORT).accountEnabled]).toEqual([false, true]);
      });

      it('fails with not-found for a soft-deleted user', async () => {
        const subject = await makeSubject(contoso());
        await expectFailure(subject, () => subject.tenant.setAccountEnabled(DAVE, true), { kind: 'not-found', status: 404, code: 'Request_ResourceNotFound' });
      });
    });

    describe('assignLicenses', () => {
      it('adds a license: a seat is consumed and the lost mailbox comes back (Exchange plan Enabled again)', async () => {
        const subject = await makeSubject(contoso((d) => { userIn(d, CAROL).usageLocation = 'NL'; }));
        await subject.tenant.assignLicenses(CAROL, [{ skuId: E3, disabledPlans: [YAMMER] }], []);
        // No removed plan left: only a read of every user's plans lists hers.
        expect(userOf(await read(subject), CAROL).assignedPlans).toEqual([]);
        const tenant = await readWith(subject, { planHistory: 'all' });
        expect(userOf(tenant, CAROL).assignedLicenses).toEqual([{ skuId: E3, disabledPlans: [YAMMER] }]);
        expect(userOf(tenant, CAROL).licenseAssignmentStates).toEqual([{ skuId: E3, disabledPlans: [YAMMER], assignedByGroup: null, state: 'Active', error: 'None' }]);
        expect(planOf(userOf(tenant, CAROL), EXCHANGE_PLAN_2)).toEqual({ status: 'Enabled', date: FIXTURE_NOW });
        expect(planOf(userOf(tenant, CAROL), YAMMER)).toBeUndefined();
        expect(seatsOf(tenant, E3)).toEqual({ enabled: 5, consumed: 3 });
        expect(tenant.mailboxes.get(CAROL)).toEqual({ kind: 'mailbox', userPurpose: 'user' });
      });

      it('removes a direct license: the seat is freed and the Exchange plan stays listed as Deleted, dated now', async () => {
        const subject = await makeSubject(contoso());
        await subject.tenant.assignLicenses(ALICE, [], [E3]);
        const tenant = await read(subject);
        expect(userOf(tenant, ALICE).assignedLicenses).toEqual([]);
        expect(planOf(userOf(tenant, ALICE), EXCHANGE_PLAN_2)).toEqual({ status: 'Deleted', date: FIXTURE_NOW });
        expect(seatsOf(tenant, E3)).toEqual({ enabled: 5, consumed: 1 });
        expect((await read(subject, ['alice@contoso.com'])).mailboxes.get(ALICE)).toEqual({ kind: 'none' });
      });

      it('re-adding a held SKU replaces its disabled plans without a seat, and repeating it changes nothing', async () => {
        const subject = await makeSubject(contoso((d) => { skuIn(d, E3).prepaidUnits.enabled = 2; }));
        await subject.tenant.assignLicenses(BOB, [{ skuId: E3, disabledPlans: [] }], []);
        const once = await readWith(subject, { planHistory: 'all' });
        await subject.tenant.assignLicenses(BOB, [{ skuId: E3, disabledPlans: [] }], []);
        expect(await readWith(subject, { planHistory: 'all' })).toEqual(once);
        expect(userOf(once, BOB).assignedLicenses).toContainEqual({ skuId: E3, disabledPlans: [] });
        // The readers keep only Exchange mailbox plans of assignedPlans (src/domain/observed.ts): Yammer is not read.
        expect(planOf(userOf(once, BOB), YAMMER)).toBeUndefined();
        expect(seatsOf(once, E3)).toEqual({ enabled: 2, consumed: 2 });
        expect(planOf(userOf(once, BOB), EXCHANGE_PLAN_1)?.status).toBe('Enabled');
      });

      it('fails with unknown-sku for a SKU the tenant does not have', async () => {
        const subject = await makeSubject(contoso());
        await expectFailure(subject, () => subject.tenant.assignLicenses(BOB, [{ skuId: '11111111-2222-4333-8444-555555555555', disabledPlans: [] }], []), { kind: 'unknown-sku', status: 400 });
      });

      it('fails with invalid-usage-location for a user without one', async () => {
        const subject = await makeSubject(contoso());
        await expectFailure(subject, () => subject.tenant.assignLicenses(CAROL, [{ skuId: E3, disabledPlans: [] }], []), { kind: 'invalid-usage-location', status: 400 });
      });

      it('fails with no-seats when a newly added SKU has no free seat', async () => {
        const subject = await makeSubject(contoso((d) => { userIn(d, CAROL).usageLocation = 'NL'; }));
        await expectFailure(subject, () => subject.tenant.assignLicenses(CAROL, [{ skuId: EXCHANGE_STANDARD, disabledPlans: [] }], []), { kind: 'no-seats', status: 400 });
      });

      it('fails with group-inherited when removing a license that comes from a group', async () => {
        const subject = await makeSubject(contoso());
        await expectFailure(subject, () => subject.tenant.assignLicenses(BOB, [], [EXCHANGE_STANDARD]), { kind: 'group-inherited', status: 400 });
      });

      it('fails with not-found for a soft-deleted user', async () => {
        const subject = await makeSubject(contoso());
        await expectFailure(subject, () => subject.tenant.assignLicenses(OLD_ALICE, [{ skuId: E3, disabledPlans: [] }], []), { kind: 'not-found', status: 404, code: 'Request_ResourceNotFound' });
      });
    });

    describe('reading attributes, managers, groups and the clock', () => {
      const profiled = (d: SeedDraft): void => {
        Object.assign(userIn(d, BOB), { givenName: 'Bob', jobTitle: 'Engineer', department: 'Sales', city: 'Amsterdam', businessPhones: ['+31 20 123 4567'] });
        Object.assign(userIn(d, DAVE), { jobTitle: 'Helpdesk' });
      };

      it('reads only the attributes asked for: null when unset, businessPhones as a list, deleted users too', async () => {
        const seed = contoso(profiled);
        const subject = await makeSubject(seed);
        const tenant = await readWith(subject, { attributes: PROFILE });
        expect(tenant).toEqual(expectedObservedTenant(seed, DECLARED_MAILBOXES, { attributes: PROFILE }));
        expect(userOf(tenant, BOB).attributes).toEqual({ givenName: 'Bob', jobTitle: 'Engineer', department: 'Sales', city: 'Amsterdam', businessPhones: ['+31 20 123 4567'] });
        expect(userOf(tenant, CAROL).attributes).toMatchObject({ department: null, city: null, businessPhones: [] });
        expect(tenant.deletedUsers.find((u) => u.id === DAVE)?.attributes).toMatchObject({ jobTitle: 'Helpdesk' });
        // Only the keys asked for: no others, and none at all when none are asked for (nor for displayName alone).
        expect(Object.keys(userOf(await readWith(subject, { attributes: ['displayName', 'city'] }), BOB).attributes ?? {})).toEqual(['city']);
        for (const extras of [{}, { attributes: ['displayName'] as AttributeName[] }]) {
          const plain = userOf(await readWith(subject, extras), BOB);
          expect('attributes' in plain, JSON.stringify(extras)).toBe(false);
          expect('managerId' in plain).toBe(false);
        }
      });

      it("reads each user's manager id only when asked: null for none, and for a manager that is soft-deleted", async () => {
        const seed = contoso((d) => { userIn(d, CAROL).manager = BOB; userIn(d, ALICE).manager = OLD_ALICE; userIn(d, DAVE).manager = BOB; });
        const subject = await makeSubject(seed);
        const tenant = await readWith(subject, { managers: true });
        expect(tenant).toEqual(expectedObservedTenant(seed, DECLARED_MAILBOXES, { managers: true }));
        expect([userOf(tenant, CAROL).managerId, userOf(tenant, ALICE).managerId, userOf(tenant, BOB).managerId]).toEqual([BOB, null, null]);
        expect(tenant.deletedUsers.find((u) => u.id === DAVE)?.managerId).toBe(BOB);
        expect('managerId' in userOf(await read(subject), CAROL)).toBe(false);
      });

      it('reads the groups named, by id or by display name in any case, with their members; every group of a name; a name that is no license-assigning group is left out', async () => {
        const seed = contoso((d) => {
          d.groups.push({ id: TWIN_GROUP, displayName: EXCHANGE_GROUP_NAME, assignedLicenses: [{ skuId: E3, disabledPlans: [YAMMER] }], members: [CAROL] });
          d.groups.push({ id: PLAIN_GROUP, displayName: 'Plain group', assignedLicenses: [], members: [BOB] });
        });
        const subject = await makeSubject(seed);
        const byId = await readWith(subject, { groups: [EXCHANGE_GROUP.toUpperCase(), 'Plain group', NO_SUCH_GROUP] });
        expect(byId).toEqual(expectedObservedTenant(seed, DECLARED_MAILBOXES, { groups: [EXCHANGE_GROUP, 'Plain group', NO_SUCH_GROUP] }));
        expect(byId.groups).toEqual([{ id: EXCHANGE_GROUP, displayName: EXCHANGE_GROUP_NAME, assignedLicenses: [{ skuId: EXCHANGE_STANDARD, disabledPlans: [] }], memberIds: [BOB, ALICE].sort() }]);
        const byName = await readWith(subject, { groups: ['exchange PLAN 1 users'] });
        expect(byName.groups?.map((g) => [g.id, g.memberIds])).toEqual([[EXCHANGE_GROUP, [BOB, ALICE].sort()], [TWIN_GROUP, [CAROL]]]);
        expect(groupOf(byName, TWIN_GROUP).assignedLicenses).toEqual([{ skuId: E3, disabledPlans: [YAMMER] }]);
        expect((await read(subject)).groups ?? []).toEqual([]);
      });

      it('reads the group names when groups are named, also when no license comes from a group', async () => {
        const seed = contoso((d) => {
          for (const g of d.groups) g.members = [];
        });
        const subject = await makeSubject(seed);
        expect((await read(subject)).groupNames.size).toBe(0);
        const tenant = await readWith(subject, { groups: [EXCHANGE_GROUP_NAME] });
        expect([...tenant.groupNames]).toEqual([[EXCHANGE_GROUP, EXCHANGE_GROUP_NAME]]);
        expect(tenant.groups).toEqual([{ id: EXCHANGE_GROUP, displayName: EXCHANGE_GROUP_NAME, assignedLicenses: [{ skuId: EXCHANGE_STANDARD, disabledPlans: [] }], memberIds: [] }]);
      });

      it("reads the tenant's clock: the directory's time, as it moves", async () => {
        const subject = await makeSubject(contoso());
        expect((await read(subject)).readAt).toBe(FIXTURE_NOW);
        await subject.setNow('2026-12-01T10:11:12Z');
        expect((await read(subject)).readAt).toBe('2026-12-01T10:11:12Z');
      });
    });

    describe('updateAttributes', () => {
      it('sets exactly the attributes given, unsets those given null, and leaves the others as they are', async () => {
        const subject = await makeSubject(contoso((d) => { Object.assign(userIn(d, BOB), { givenName: 'Bob', jobTitle: 'Engineer', department: 'Sales', city: 'Amsterdam' }); }));
        await subject.tenant.updateAttributes(BOB, { displayName: 'Bob Builder', jobTitle: 'Lead', department: null, businessPhones: ['+31 20 555 0000'] });
        let bob = userOf(await readWith(subject, { attributes: PROFILE }), BOB);
        expect(bob.displayName).toBe('Bob Builder');
        expect(bob.attributes).toEqual({ givenName: 'Bob', jobTitle: 'Lead', department: null, city: 'Amsterdam', businessPhones: ['+31 20 555 0000'] });
        await subject.tenant.updateAttributes('bob@contoso.com', { businessPhones: null, city: 'Utrecht' });
        bob = userOf(await readWith(subject, { attributes: PROFILE }), BOB);
        expect(bob.attributes).toEqual({ givenName: 'Bob', jobTitle: 'Lead', department: null, city: 'Utrecht', businessPhones: [] });
      });

      it('refuses two business phones, an empty string and an unset displayName; not-found for a soft-deleted user', async () => {
        const subject = await makeSubject(contoso());
        for (const attributes of [{ businessPhones: ['+31 20 555 0000', '+31 20 555 0001'] }, { jobTitle: '' }, { displayName: null }]) {
          const error = await expectFailure(subject, () => subject.tenant.updateAttributes(BOB, attributes), { kind: 'other', status: 400 });
          expect(error.message).toMatch(new RegExp(`'${Object.keys(attributes)[0] ?? ''}'`, 'u'));
        }
        await expectFailure(subject, () => subject.tenant.updateAttributes(DAVE, { jobTitle: 'Helpdesk' }), { kind: 'not-found', status: 404, code: 'Request_ResourceNotFound' });
      });

      it('creates a user with its attributes', async () => {
        const subject = await makeSubject(contoso());
        const { objectId } = await subject.tenant.createUser({
          userPrincipalName: 'erin.new@contoso.com', displayName: 'Erin New', mailNickname: 'erin.new', accountEnabled: true, password: 'Xw9!long-random-password',
          attributes: { givenName: 'Erin', jobTitle: 'Engineer', department: null, businessPhones: ['+31 20 555 0000'] },
        });
        expect(userOf(await readWith(subject, { attributes: PROFILE }), objectId).attributes).toEqual({ givenName: 'Erin', jobTitle: 'Engineer', department: null, city: null, businessPhones: ['+31 20 555 0000'] });
      });
    });

    describe('setManager', () => {
      it('sets, replaces and removes the manager; removing none again is done', async () => {
        const subject = await makeSubject(contoso());
        const managerOf = async (id: string): Promise<string | null | undefined> => userOf(await readWith(subject, { managers: true }), id).managerId;
        await subject.tenant.setManager(CAROL, BOB);
        expect(await managerOf(CAROL)).toBe(BOB);
        await subject.tenant.setManager('carol@contoso.com', ALICE);
        expect(await managerOf(CAROL)).toBe(ALICE);
        await subject.tenant.setManager(CAROL, null);
        expect(await managerOf(CAROL)).toBeNull();
        const before = await readWith(subject, { managers: true });
        const done = await subject.tenant.setManager(CAROL, null);
        expect(done.requestId).toMatch(/^[0-9a-f-]{36}$/u);
        expect(await readWith(subject, { managers: true })).toEqual(before);
      });

      it('fails with not-found for a manager that is not an active user, and for a soft-deleted user; refuses a user as its own manager', async () => {
        const subject = await makeSubject(contoso());
        await expectFailure(subject, () => subject.tenant.setManager(CAROL, DAVE), { kind: 'not-found', status: 404, code: 'Request_ResourceNotFound' });
        await expectFailure(subject, () => subject.tenant.setManager(DAVE, BOB), { kind: 'not-found', status: 404, code: 'Request_ResourceNotFound' });
        await expectFailure(subject, () => subject.tenant.setManager(CAROL, CAROL), { kind: 'other', status: 400 });
        // Removing the manager of a user that is not active is not "done": the user is missing.
        await expectFailure(subject, () => subject.tenant.setManager(DAVE, null), { kind: 'not-found', status: 404, code: 'Request_ResourceNotFound' });
        expect(userOf(await readWith(subject, { managers: true }), CAROL).managerId).toBeNull();
      });
    });

    describe('addGroupMember and removeGroupMember', () => {
      it("adds a member: the group's license is assigned and takes a seat", async () => {
        const subject = await makeSubject(contoso((d) => { withMembershipWrites(d); skuIn(d, EXCHANGE_STANDARD).prepaidUnits.enabled = 3; }));
        await subject.tenant.addGroupMember(EXCHANGE_GROUP, CAROL);
        const tenant = await readWith(subject, { groups: [EXCHANGE_GROUP] });
        expect(groupOf(tenant, EXCHANGE_GROUP).memberIds).toEqual([BOB, ALICE, CAROL].sort());
        expect(groupStates(userOf(tenant, CAROL), EXCHANGE_GROUP)).toEqual([{ skuId: EXCHANGE_STANDARD, state: 'Active', error: 'None' }]);
        expect(userOf(tenant, CAROL).assignedLicenses).toEqual([{ skuId: EXCHANGE_STANDARD, disabledPlans: [] }]);
        expect(seatsOf(tenant, EXCHANGE_STANDARD)).toEqual({ enabled: 3, consumed: 3 });
      });

      it('adds a member without a free seat: the assignment is in error (CountViolation) and takes no seat', async () => {
        const subject = await makeSubject(contoso(withMembershipWrites));
        await subject.tenant.addGroupMember(EXCHANGE_GROUP, CAROL);
        const tenant = await readWith(subject, { groups: [EXCHANGE_GROUP] });
        expect(groupOf(tenant, EXCHANGE_GROUP).memberIds).toContain(CAROL);
        expect(groupStates(userOf(tenant, CAROL), EXCHANGE_GROUP)).toEqual([{ skuId: EXCHANGE_STANDARD, state: 'Error', error: 'CountViolation' }]);
        expect(userOf(tenant, CAROL).assignedLicenses).toEqual([]);
        expect(seatsOf(tenant, EXCHANGE_STANDARD)).toEqual({ enabled: 1, consumed: 1 });
      });

      it('adding a member already in the group is done: it answers a request id and changes nothing', async () => {
        const subject = await makeSubject(contoso(withMembershipWrites));
        const before = await readWith(subject, { groups: [EXCHANGE_GROUP] });
        const done = await subject.tenant.addGroupMember(EXCHANGE_GROUP, BOB);
        expect(done.requestId).toMatch(/^[0-9a-f-]{36}$/u);
        expect(await readWith(subject, { groups: [EXCHANGE_GROUP] })).toEqual(before);
      });

      it("removes a member: the group's license goes and its seat is free; removing one that is not a member is done", async () => {
        const subject = await makeSubject(contoso(withMembershipWrites));
        await subject.tenant.removeGroupMember(EXCHANGE_GROUP, BOB);
        const tenant = await readWith(subject, { groups: [EXCHANGE_GROUP] });
        expect(groupOf(tenant, EXCHANGE_GROUP).memberIds).toEqual([ALICE]);
        expect(groupStates(userOf(tenant, BOB), EXCHANGE_GROUP)).toEqual([]);
        expect(userOf(tenant, BOB).assignedLicenses).toEqual([{ skuId: E3, disabledPlans: [YAMMER] }]);
        expect(seatsOf(tenant, EXCHANGE_STANDARD)).toEqual({ enabled: 1, consumed: 0 });
        for (const [group, user] of [[EXCHANGE_GROUP, BOB], [EXCHANGE_GROUP, CAROL]] as const) {
          const done = await subject.tenant.removeGroupMember(group, user);
          expect(done.requestId).toMatch(/^[0-9a-f-]{36}$/u);
        }
        expect(await readWith(subject, { groups: [EXCHANGE_GROUP] })).toEqual(tenant);
      });

      it('fails with not-found for a group that does not exist and for a user that is not active', async () => {
        const subject = await makeSubject(contoso(withMembershipWrites));
        await expectFailure(subject, () => subject.tenant.addGroupMember(NO_SUCH_GROUP, CAROL), { kind: 'not-found', status: 404, code: 'Request_ResourceNotFound' });
        await expectFailure(subject, () => subject.tenant.addGroupMember(EXCHANGE_GROUP, DAVE), { kind: 'not-found', status: 404, code: 'Request_ResourceNotFound' });
        // Removing from a group that does not exist is not "done": the group is missing, not the membership.
        await expectFailure(subject, () => subject.tenant.removeGroupMember(NO_SUCH_GROUP, BOB), { kind: 'not-found', status: 404, code: 'Request_ResourceNotFound' });
      });
    });

    describe('what a write that succeeds answers', () => {
      it('every write answers with the request id of the request that carried it out: one each, as an error carries one', async () => {
        const subject = await makeSubject(contoso(withMembershipWrites));
        const answers = [
          await subject.tenant.restoreDeletedUser(DAVE, { autoReconcileProxyConflict: true }),
          await subject.tenant.createUser({ userPrincipalName: 'erin.new@contoso.com', displayName: 'Erin New', mailNickname: 'erin.new', accountEnabled: true, usageLocation: 'NL', password: 'Xw9!long-random-password' }),
          await subject.tenant.setUsageLocation(CAROL, 'BE'),
          await subject.tenant.assignLicenses(CAROL, [{ skuId: E3, disabledPlans: [YAMMER] }], []),
          await subject.tenant.setAccountEnabled(BOB, false),
          await subject.tenant.updateAttributes(BOB, { jobTitle: 'Lead' }),
          await subject.tenant.setManager(CAROL, BOB),
          await subject.tenant.setManager(CAROL, null),
          await subject.tenant.addGroupMember(EXCHANGE_GROUP, CAROL),
          await subject.tenant.removeGroupMember(EXCHANGE_GROUP, CAROL),
        ];
        const ids = answers.map((a) => a.requestId);
        for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/u);
        expect(new Set(ids).size).toBe(ids.length);
      });
    });
  });
}
