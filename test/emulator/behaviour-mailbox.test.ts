/**
 * Behaviour tests for mailbox detection: `GET /users/{id|upn}/mailboxSettings[/userPurpose]` and
 * the mailbox following the Exchange licence (docs/graph-behaviour.md §8, §9), through the Microsoft Graph
 * JavaScript SDK and raw fetch. A test marked `it.fails` documents a disagreement between the
 * emulator and docs/graph-behaviour.md.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ALICE,
  BOB,
  CAROL,
  contextFragment,
  contoso,
  E3,
  EXCHANGE_PLAN_2,
  expectRawError,
  expectSdkError,
  READER,
  SUPPORT,
  useHarness,
  userIn,
} from '../support/emulator.ts';

const harness = useHarness();

const NO_MAILBOX = { status: 404, code: 'MailboxNotEnabledForRESTAPI', message: 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.' };
const POWER_BI_STANDARD = 'a403ebcc-fae0-4ca2-8c8c-7a907fd6c235';
const EXCHANGE_FOUNDATION = '113feb6c-3fe4-4440-bddc-54d774bf0318';

function settings(user: string): Promise<Record<string, unknown>> {
  return harness().sdk().api(`/users/${user}/mailboxSettings`).get() as Promise<Record<string, unknown>>;
}

function purpose(user: string): Promise<Record<string, unknown>> {
  return harness().sdk().api(`/users/${user}/mailboxSettings/userPurpose`).get() as Promise<Record<string, unknown>>;
}

function assign(user: string, body: unknown): Promise<unknown> {
  return harness().sdk().api(`/users/${user}/assignLicense`).post(body);
}

describe('a licensed user’s mailbox (§9)', () => {
  beforeAll(async () => {
    await harness().reseed();
  });

  it('returns the full object with userPurpose as a plain string (contract 17)', async () => {
    const body = await settings(BOB);
    expect(contextFragment(body)).toBe(`#users('${BOB}')/mailboxSettings`);
    expect(body.userPurpose).toBe('user');
    for (const field of ['automaticRepliesSetting', 'timeZone', 'language', 'workingHours', 'dateFormat', 'timeFormat', 'delegateMeetingMessageDeliveryOptions', 'archiveFolder']) {
      expect(body, field).toHaveProperty(field);
    }
    expect(body.language).toEqual({ locale: expect.any(String), displayName: expect.any(String) });
    expect(body.workingHours).toEqual({ daysOfWeek: expect.any(Array), startTime: expect.any(String), endTime: expect.any(String), timeZone: { name: expect.any(String) } });
  });

  it('returns /userPurpose in the value form with its property-path context', async () => {
    const body = await purpose(BOB);
    expect(body).toEqual({ '@odata.context': expect.any(String), value: 'user' });
    expect(contextFragment(body)).toBe(`#users('${BOB}')/mailboxSettings/userPurpose`);
  });

  it('takes a userPrincipalName in the path', async () => {
    expect((await purpose('bob@contoso.com')).value).toBe('user');
    expect((await settings('bob@contoso.com')).userPurpose).toBe('user');
  });

  it('returns mailboxSettings on $select for a single user (§4)', async () => {
    const body = (await harness().sdk().api(`/users/${BOB}`).select(['id', 'mailboxSettings']).get()) as Record<string, unknown>;
    expect(body.mailboxSettings).toEqual(expect.objectContaining({ userPurpose: 'user' }));
  });

  it('needs MailboxSettings.Read: the User.Read.All app gets 403 Authorization_RequestDenied (§13)', async () => {
    await expectSdkError(harness().sdk(READER).api(`/users/${BOB}/mailboxSettings/userPurpose`).get(), {
      status: 403,
      code: 'Authorization_RequestDenied',
      message: 'Insufficient privileges to complete the operation.',
    });
  });
});

describe('a shared mailbox (§9)', () => {
  beforeAll(async () => {
    await harness().reseed();
  });

  it('exists without any licence and reports userPurpose "shared" in both forms', async () => {
    const user = (await harness().sdk().api(`/users/${SUPPORT}`).select(['accountEnabled', 'assignedLicenses']).get()) as Record<string, unknown>;
    expect(user).toMatchObject({ accountEnabled: false, assignedLicenses: [] });
    expect((await settings(SUPPORT)).userPurpose).toBe('shared');
    expect((await purpose(SUPPORT)).value).toBe('shared');
  });
});

describe('room and equipment mailboxes (§9)', () => {
  const ROOM = '0b1f5a1e-1111-4000-8000-000000000005';
  const BEAMER = '0b1f5a1e-1111-4000-8000-000000000006';

  beforeAll(async () => {
    await harness().reseed(
      contoso((draft) => {
        draft.users.push(
          { id: ROOM, userPrincipalName: 'room.amstel@contoso.com', displayName: 'Room Amstel', accountEnabled: false, mail: 'room.amstel@contoso.com', proxyAddresses: ['SMTP:room.amstel@contoso.com'], mailboxSettings: { userPurpose: 'room' } },
          { id: BEAMER, userPrincipalName: 'beamer@contoso.com', displayName: 'Beamer 1', accountEnabled: false, mail: 'beamer@contoso.com', proxyAddresses: ['SMTP:beamer@contoso.com'], mailboxSettings: { userPurpose: 'equipment' } },
        );
      }),
    );
  });

  it('exist without any licence', async () => {
    expect((await purpose(ROOM)).value).toBe('room');
    expect((await settings(BEAMER)).userPurpose).toBe('equipment');
  });
});

describe('no mailbox: 404 MailboxNotEnabledForRESTAPI (§8, §9, contract 16)', () => {
  beforeEach(async () => {
    await harness().reseed(
      contoso((draft) => {
        userIn(draft, CAROL).usageLocation = 'NL';
        draft.subscribedSkus.push({
          skuId: POWER_BI_STANDARD,
          skuPartNumber: 'POWER_BI_STANDARD',
          prepaidUnits: { enabled: 10, suspended: 0, warning: 0, lockedOut: 0 },
          servicePlans: [
            { servicePlanId: EXCHANGE_FOUNDATION, servicePlanName: 'EXCHANGE_S_FOUNDATION' },
            { servicePlanId: '2049e525-b859-401b-b2a0-e0a31c4b1fe4', servicePlanName: 'BI_AZURE_P0' },
          ],
        });
      }),
    );
  });

  it('answers for a user whose Exchange licence was removed (Carol, seeded Deleted 10 days ago), in both forms', async () => {
    await expectSdkError(settings(CAROL), NO_MAILBOX);
    await expectSdkError(purpose(CAROL), NO_MAILBOX);
    const raw = await harness().raw('GET', `/users/${CAROL}/mailboxSettings`);
    const error = expectRawError(raw, NO_MAILBOX);
    expect(Object.keys(error).sort()).toEqual(['code', 'innerError', 'message']);
  });

  it('answers as soon as the licence is removed, and the mailbox comes back when it is re-assigned', async () => {
    expect((await purpose(ALICE)).value).toBe('user');
    await assign(ALICE, { addLicenses: [], removeLicenses: [E3] });
    await expectSdkError(settings(ALICE), NO_MAILBOX);
    await expectSdkError(purpose(ALICE), NO_MAILBOX);
    await assign(ALICE, { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] });
    expect((await purpose(ALICE)).value).toBe('user');
    expect((await settings(ALICE)).userPurpose).toBe('user');
  });

  it('answers when the licence stays but its Exchange plan is disabled, and recovers when re-enabled (§8)', async () => {
    await assign(ALICE, { addLicenses: [{ skuId: E3, disabledPlans: [EXCHANGE_PLAN_2] }], removeLicenses: [] });
    await expectSdkError(purpose(ALICE), NO_MAILBOX);
    await assign(ALICE, { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] });
    expect((await purpose(ALICE)).value).toBe('user');
  });

  it('reconnects Carol’s mailbox when she is re-licensed within the 30 days', async () => {
    await assign(CAROL, { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] });
    expect((await settings(CAROL)).userPurpose).toBe('user');
  });

  it('provisions a mailbox again when Carol is re-licensed after the 30 days, the plan Enabled again (§8)', async () => {
    await harness().setClock('2026-12-20T00:00:00Z');
    await expectSdkError(purpose(CAROL), NO_MAILBOX);
    await assign(CAROL, { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] });
    expect((await purpose(CAROL)).value).toBe('user');
    const user = (await harness().sdk().api(`/users/${CAROL}`).select(['assignedPlans']).get()) as { assignedPlans: Record<string, unknown>[] };
    expect(user.assignedPlans.filter((p) => p.servicePlanId === EXCHANGE_PLAN_2)).toEqual([{ assignedDateTime: '2026-12-20T00:00:00Z', capabilityStatus: 'Enabled', service: 'exchange', servicePlanId: EXCHANGE_PLAN_2 }]);
  });

  it('does not count EXCHANGE_S_FOUNDATION as a mailbox plan (§8)', async () => {
    await assign(CAROL, { addLicenses: [{ skuId: POWER_BI_STANDARD, disabledPlans: [] }], removeLicenses: [] });
    const user = (await harness().sdk().api(`/users/${CAROL}`).select(['assignedPlans']).get()) as { assignedPlans: Record<string, unknown>[] };
    expect(user.assignedPlans.find((p) => p.servicePlanId === EXCHANGE_FOUNDATION)).toMatchObject({ capabilityStatus: 'Enabled', service: 'exchange' });
    await expectSdkError(purpose(CAROL), NO_MAILBOX);
  });

  it('provisions the mailbox of a newly created and licensed user immediately (no provisioning delay set)', async () => {
    const created = (await harness().sdk().api('/users').post({
      accountEnabled: true,
      displayName: 'Hanna Mulder',
      mailNickname: 'hanna',
      userPrincipalName: 'hanna@contoso.com',
      usageLocation: 'NL',
      passwordProfile: { forceChangePasswordNextSignIn: true, password: 'xWwvJ]6NMw+bWH-d' },
    })) as Record<string, unknown>;
    const id = String(created.id);
    await expectSdkError(purpose(id), NO_MAILBOX);
    await assign(id, { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] });
    expect((await purpose(id)).value).toBe('user');
  });
});
