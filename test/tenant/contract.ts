/**
 * The tenant port's contract: the same cases for every adapter (docs/architecture.md principle 5). Each
 * case builds its adapter from an emulator seed, acts through the port, and asserts the end state
 * as the adapter's own reader sees it, or the port's error (`TenantError`: kind, retryable,
 * mayHaveTakenEffect, status, code, request id) and an unchanged tenant. Every adapter is held to the
 * same expected error, so the engine cannot tell them apart by how they fail.
 */
import { describe, expect, it } from 'vitest';
import type { ObservedTenant, ObservedUser } from '../../src/domain/observed.ts';
import type { Seed } from '../../src/emulator/directory/model.ts';
import type { TenantErrorKind, TenantReader, TenantWriter } from '../../src/tenant/port.ts';
import { TenantError } from '../../src/tenant/port.ts';
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
        const tenant = await read(subject);
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
        const once = await read(subject);
        await subject.tenant.assignLicenses(BOB, [{ skuId: E3, disabledPlans: [] }], []);
        expect(await read(subject)).toEqual(once);
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

    describe('what a write that succeeds answers', () => {
      it('every write answers with the request id of the request that carried it out: one each, as an error carries one', async () => {
        const subject = await makeSubject(contoso());
        const answers = [
          await subject.tenant.restoreDeletedUser(DAVE, { autoReconcileProxyConflict: true }),
          await subject.tenant.createUser({ userPrincipalName: 'erin.new@contoso.com', displayName: 'Erin New', mailNickname: 'erin.new', accountEnabled: true, usageLocation: 'NL', password: 'Xw9!long-random-password' }),
          await subject.tenant.setUsageLocation(CAROL, 'BE'),
          await subject.tenant.assignLicenses(CAROL, [{ skuId: E3, disabledPlans: [YAMMER] }], []),
          await subject.tenant.setAccountEnabled(BOB, false),
        ];
        const ids = answers.map((a) => a.requestId);
        for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/u);
        expect(new Set(ids).size).toBe(ids.length);
      });
    });
  });
}
