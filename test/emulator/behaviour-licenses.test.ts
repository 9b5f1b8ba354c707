/**
 * Behaviour tests for licensing: assignLicense (validation order and texts, seats, group licences),
 * licenseAssignmentStates, assignedPlans history, licenseDetails and subscribedSkus (docs/graph-behaviour.md
 * §6, §7, §8), through the Microsoft Graph JavaScript SDK and raw fetch. A test marked `it.fails`
 * documents a disagreement between the emulator and docs/graph-behaviour.md.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SeedDraft } from '../support/emulator.ts';
import {
  ALICE,
  BOB,
  CAROL,
  contextFragment,
  contoso,
  DEFAULT_USER_PROPERTIES,
  E3,
  EXCHANGE_GROUP,
  EXCHANGE_PLAN_1,
  EXCHANGE_PLAN_2,
  EXCHANGE_STANDARD,
  expectSdkError,
  propertyNames,
  skuIn,
  TENANT_ID,
  useHarness,
  userIn,
  YAMMER,
} from '../support/emulator.ts';

const harness = useHarness();

/** Power BI (free), a real SKU the fixture does not own: its only Exchange plan is EXCHANGE_S_FOUNDATION. */
const POWER_BI_STANDARD = 'a403ebcc-fae0-4ca2-8c8c-7a907fd6c235';
/** Office 365 E5, the doc's example: a valid GUID the tenant does not own. */
const ENTERPRISEPREMIUM = 'c7df2760-2c81-4ef7-b578-5b5392b571df';

/** The fixture with Carol given a usage location (so that she can be licensed). */
function carolLocated(tweak?: (draft: SeedDraft) => void): ReturnType<typeof contoso> {
  return contoso((draft) => {
    userIn(draft, CAROL).usageLocation = 'NL';
    tweak?.(draft);
  });
}

/** Adds POWER_BI_STANDARD with this many seats. */
function withPowerBi(draft: SeedDraft, seats: number): void {
  draft.subscribedSkus.push({
    skuId: POWER_BI_STANDARD,
    skuPartNumber: 'POWER_BI_STANDARD',
    prepaidUnits: { enabled: seats, suspended: 0, warning: 0, lockedOut: 0 },
    servicePlans: [
      { servicePlanId: '113feb6c-3fe4-4440-bddc-54d774bf0318', servicePlanName: 'EXCHANGE_S_FOUNDATION' },
      { servicePlanId: '2049e525-b859-401b-b2a0-e0a31c4b1fe4', servicePlanName: 'BI_AZURE_P0' },
      { servicePlanId: 'c948ea65-2053-4a5a-8a62-9eaaaf11b522', servicePlanName: 'PURVIEW_DISCOVERY' },
    ],
  });
}

interface Sku {
  id: string;
  skuId: string;
  skuPartNumber: string;
  consumedUnits: number;
  prepaidUnits: { enabled: number; lockedOut: number; suspended: number; warning: number };
  servicePlans: { servicePlanId: string; servicePlanName: string; provisioningStatus: string; appliesTo: string }[];
  [key: string]: unknown;
}

async function consumed(skuId: string): Promise<number | undefined> {
  const body = (await harness().sdk().api('/subscribedSkus').get()) as { value: Sku[] };
  return body.value.find((s) => s.skuId === skuId)?.consumedUnits;
}

async function licensing(id: string): Promise<Record<string, unknown>> {
  return (await harness().sdk().api(`/users/${id}`).select(['assignedLicenses', 'licenseAssignmentStates', 'assignedPlans']).get()) as Record<string, unknown>;
}

function assign(id: string, body: unknown): Promise<unknown> {
  return harness().sdk().api(`/users/${id}/assignLicense`).post(body);
}

const MISSING = (parameter: string): string => `One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing parameters are: ${parameter}.`;
const NOT_GUID = "Cannot convert a primitive value to the expected type 'Edm.Guid'. See the inner exception for more details";
const NOT_COMPANY = (skuId: string): string => `License ${skuId} does not correspond to a valid company License.`;
const NO_LOCATION = 'License assignment cannot be done for user with invalid usage location.';
const NO_SEATS = (skuId: string): string => `Subscription with SKU ${skuId} does not have any available licenses.`;
const INHERITED = 'User license is inherited from a group membership and it cannot be removed directly from the user.';

describe('assignLicense: each error and its text (§6, contract 13)', () => {
  beforeEach(async () => {
    await harness().reseed(carolLocated((draft) => withPowerBi(draft, 0)));
  });

  it('1. removeLicenses omitted', async () => {
    await expectSdkError(assign(ALICE, { addLicenses: [{ skuId: E3, disabledPlans: [] }] }), { status: 400, code: 'Request_BadRequest', message: MISSING('removeLicenses') });
  });

  it('1. addLicenses omitted', async () => {
    await expectSdkError(assign(ALICE, { removeLicenses: [] }), { status: 400, code: 'Request_BadRequest', message: MISSING('addLicenses') });
  });

  it.each([
    { name: 'skuId', body: { addLicenses: [{ skuId: 'ENTERPRISEPACK', disabledPlans: [] }], removeLicenses: [] } },
    { name: 'a disabled plan', body: { addLicenses: [{ skuId: E3, disabledPlans: ['YAMMER_ENTERPRISE'] }], removeLicenses: [] } },
    { name: 'a removed skuId', body: { addLicenses: [], removeLicenses: ['6fd2c87f'] } },
  ])('2. a non-GUID $name', async ({ body }) => {
    await expectSdkError(assign(ALICE, body), { status: 400, code: 'Request_BadRequest', message: NOT_GUID });
  });

  it('3. an added SKU the tenant does not own', async () => {
    await expectSdkError(assign(ALICE, { addLicenses: [{ skuId: ENTERPRISEPREMIUM, disabledPlans: [] }], removeLicenses: [] }), { status: 400, code: 'Request_BadRequest', message: NOT_COMPANY(ENTERPRISEPREMIUM) });
  });

  it('3. a removed SKU the tenant does not own', async () => {
    await expectSdkError(assign(ALICE, { addLicenses: [], removeLicenses: [ENTERPRISEPREMIUM] }), { status: 400, code: 'Request_BadRequest', message: NOT_COMPANY(ENTERPRISEPREMIUM) });
  });

  it('4. no usage location', async () => {
    await harness().sdk().api(`/users/${CAROL}`).patch({ usageLocation: null });
    await expectSdkError(assign(CAROL, { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] }), { status: 400, code: 'Request_BadRequest', message: NO_LOCATION });
  });

  it('5. no seat left', async () => {
    // EXCHANGESTANDARD's one seat is Bob's, through the group.
    await expectSdkError(assign(CAROL, { addLicenses: [{ skuId: EXCHANGE_STANDARD, disabledPlans: [] }], removeLicenses: [] }), { status: 400, code: 'Request_BadRequest', message: NO_SEATS(EXCHANGE_STANDARD) });
  });

  it('7. removing a group-inherited licence directly', async () => {
    await expectSdkError(assign(BOB, { addLicenses: [], removeLicenses: [EXCHANGE_STANDARD] }), { status: 400, code: 'Request_BadRequest', message: INHERITED });
  });

  it('accepts two empty collections ("Required. Can be an empty collection.")', async () => {
    const before = await licensing(ALICE);
    const body = (await assign(ALICE, { addLicenses: [], removeLicenses: [] })) as Record<string, unknown>;
    expect(body.id).toBe(ALICE);
    expect(await licensing(ALICE)).toEqual(before);
  });
});

describe('assignLicense: validation order (§6, contract 13)', () => {
  beforeEach(async () => {
    await harness().reseed(contoso((draft) => withPowerBi(draft, 0)));
  });

  it('missing parameter before a non-GUID', async () => {
    await expectSdkError(assign(ALICE, { addLicenses: [{ skuId: 'nope', disabledPlans: [] }] }), { status: 400, code: 'Request_BadRequest', message: MISSING('removeLicenses') });
  });

  it('non-GUID before an unknown SKU', async () => {
    await expectSdkError(assign(ALICE, { addLicenses: [{ skuId: ENTERPRISEPREMIUM, disabledPlans: [] }], removeLicenses: ['nope'] }), { status: 400, code: 'Request_BadRequest', message: NOT_GUID });
  });

  it('unknown SKU before a missing usage location', async () => {
    await expectSdkError(assign(CAROL, { addLicenses: [{ skuId: ENTERPRISEPREMIUM, disabledPlans: [] }], removeLicenses: [] }), { status: 400, code: 'Request_BadRequest', message: NOT_COMPANY(ENTERPRISEPREMIUM) });
  });

  it('missing usage location before no seats', async () => {
    await expectSdkError(assign(CAROL, { addLicenses: [{ skuId: EXCHANGE_STANDARD, disabledPlans: [] }], removeLicenses: [] }), { status: 400, code: 'Request_BadRequest', message: NO_LOCATION });
  });

  it('no seats before a group-inherited removal', async () => {
    await expectSdkError(assign(BOB, { addLicenses: [{ skuId: POWER_BI_STANDARD, disabledPlans: [] }], removeLicenses: [EXCHANGE_STANDARD] }), { status: 400, code: 'Request_BadRequest', message: NO_SEATS(POWER_BI_STANDARD) });
  });

  it('is atomic: a failing request changes nothing', async () => {
    await harness().reseed(carolLocated());
    const before = await consumed(E3);
    await expectSdkError(assign(CAROL, { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [ENTERPRISEPREMIUM] }), { status: 400, code: 'Request_BadRequest', message: NOT_COMPANY(ENTERPRISEPREMIUM) });
    expect(await consumed(E3)).toBe(before);
    expect((await licensing(CAROL)).assignedLicenses).toEqual([]);
  });
});

describe('assignLicense: success (§6, §8)', () => {
  beforeEach(async () => {
    await harness().reseed(carolLocated());
  });

  it('answers 200 with the user (#users/$entity, default set plus assignedLicenses); consumedUnits follows', async () => {
    // Active users consume seats; soft-deleted ones do not (their licenses come back on restore,
    // past the seat count if need be: §2). E3 starts at 2 (Bob and Alice).
    expect(await consumed(E3)).toBe(2);
    const body = (await assign(CAROL, { addLicenses: [{ skuId: E3, disabledPlans: [YAMMER] }], removeLicenses: [] })) as Record<string, unknown>;
    expect(contextFragment(body)).toBe('#users/$entity');
    expect(propertyNames(body)).toEqual([...DEFAULT_USER_PROPERTIES, 'assignedLicenses'].sort());
    expect(body.assignedLicenses).toEqual([{ skuId: E3, disabledPlans: [YAMMER] }]);
    expect(await consumed(E3)).toBe(3);
    await assign(CAROL, { addLicenses: [], removeLicenses: [E3] });
    expect(await consumed(E3)).toBe(2);
    expect((await licensing(CAROL)).assignedLicenses).toEqual([]);
  });

  it('takes a userPrincipalName in the path', async () => {
    const body = (await harness().sdk().api('/users/carol@contoso.com/assignLicense').post({ addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] })) as Record<string, unknown>;
    expect(body.id).toBe(CAROL);
  });

  it('records a direct assignment in licenseAssignmentStates: assignedByGroup null, Active, error "None" (contract 14)', async () => {
    await assign(CAROL, { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] });
    expect((await licensing(CAROL)).licenseAssignmentStates).toEqual([
      { skuId: E3, disabledPlans: [], assignedByGroup: null, state: 'Active', error: 'None', lastUpdatedDateTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/u) },
    ]);
  });

  it('replaces disabledPlans of an assigned SKU in place, needing no seat', async () => {
    await harness().reseed(contoso((draft) => (skuIn(draft, E3).prepaidUnits.enabled = 2)));
    expect(await consumed(E3)).toBe(2);
    await expectSdkError(assign(ALICE, { addLicenses: [{ skuId: EXCHANGE_STANDARD, disabledPlans: [] }], removeLicenses: [] }), { status: 400, code: 'Request_BadRequest', message: NO_SEATS(EXCHANGE_STANDARD) });
    const body = (await assign(BOB, { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] })) as Record<string, unknown>;
    expect(body.assignedLicenses).toEqual(expect.arrayContaining([{ skuId: E3, disabledPlans: [] }]));
    expect(await consumed(E3)).toBe(2);
    const states = (await licensing(BOB)).licenseAssignmentStates as Record<string, unknown>[];
    expect(states.filter((s) => s.skuId === E3)).toEqual([expect.objectContaining({ disabledPlans: [], assignedByGroup: null, state: 'Active', error: 'None' })]);
  });
});

describe('licenseAssignmentStates: direct and group (§8)', () => {
  beforeAll(async () => {
    await harness().reseed();
  });

  it('tells Bob’s direct E3 from his group Exchange Plan 1; assignedLicenses lists both alike', async () => {
    const bob = await licensing(BOB);
    const states = bob.licenseAssignmentStates as Record<string, unknown>[];
    expect(states).toHaveLength(2);
    expect(states).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ skuId: E3, disabledPlans: [YAMMER], assignedByGroup: null, state: 'Active', error: 'None' }),
        expect.objectContaining({ skuId: EXCHANGE_STANDARD, disabledPlans: [], assignedByGroup: EXCHANGE_GROUP, state: 'Active', error: 'None' }),
      ]),
    );
    expect(bob.assignedLicenses).toEqual(expect.arrayContaining([{ skuId: E3, disabledPlans: [YAMMER] }, { skuId: EXCHANGE_STANDARD, disabledPlans: [] }]));
  });

  it('marks a group licence that found no seat with CountViolation (Alice: the one seat is Bob’s)', async () => {
    const states = (await licensing(ALICE)).licenseAssignmentStates as Record<string, unknown>[];
    expect(states.find((s) => s.skuId === EXCHANGE_STANDARD)).toEqual(
      expect.objectContaining({ assignedByGroup: EXCHANGE_GROUP, error: 'CountViolation', state: expect.stringMatching(/^(Error|ActiveWithError)$/u) }),
    );
    expect(await consumed(EXCHANGE_STANDARD)).toBe(1);
  });
});

describe('assignedPlans: the Exchange plan after removal and re-add (§8, contract 15)', () => {
  beforeEach(async () => {
    await harness().reseed();
  });

  function exchangeEntries(user: Record<string, unknown>, planId: string): Record<string, unknown>[] {
    return (user.assignedPlans as Record<string, unknown>[]).filter((p) => p.servicePlanId === planId);
  }

  it('lists an Enabled exchange entry while the licence holds the plan', async () => {
    expect(exchangeEntries(await licensing(ALICE), EXCHANGE_PLAN_2)).toEqual([{ assignedDateTime: expect.any(String), capabilityStatus: 'Enabled', service: 'exchange', servicePlanId: EXCHANGE_PLAN_2 }]);
    // Bob also holds Plan 1 through the group.
    expect(exchangeEntries(await licensing(BOB), EXCHANGE_PLAN_1)).toEqual([expect.objectContaining({ capabilityStatus: 'Enabled', service: 'exchange' })]);
  });

  it('keeps the entry as Deleted, dated at the removal, then Enabled again, dated at the re-add', async () => {
    await harness().setClock('2026-11-23T10:15:00Z');
    await assign(ALICE, { addLicenses: [], removeLicenses: [E3] });
    expect(exchangeEntries(await licensing(ALICE), EXCHANGE_PLAN_2)).toEqual([{ assignedDateTime: '2026-11-23T10:15:00Z', capabilityStatus: 'Deleted', service: 'exchange', servicePlanId: EXCHANGE_PLAN_2 }]);
    await harness().setClock('2026-11-24T08:00:00Z');
    await assign(ALICE, { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] });
    expect(exchangeEntries(await licensing(ALICE), EXCHANGE_PLAN_2)).toEqual([{ assignedDateTime: '2026-11-24T08:00:00Z', capabilityStatus: 'Enabled', service: 'exchange', servicePlanId: EXCHANGE_PLAN_2 }]);
  });

  it('does the same when disabledPlans switches the Exchange plan off and on', async () => {
    await harness().setClock('2026-11-23T11:00:00Z');
    await assign(ALICE, { addLicenses: [{ skuId: E3, disabledPlans: [EXCHANGE_PLAN_2] }], removeLicenses: [] });
    expect(exchangeEntries(await licensing(ALICE), EXCHANGE_PLAN_2)).toEqual([expect.objectContaining({ assignedDateTime: '2026-11-23T11:00:00Z', capabilityStatus: 'Deleted' })]);
    await assign(ALICE, { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] });
    expect(exchangeEntries(await licensing(ALICE), EXCHANGE_PLAN_2)).toEqual([expect.objectContaining({ assignedDateTime: '2026-11-23T11:00:00Z', capabilityStatus: 'Enabled' })]);
  });

  it('shows a seeded Deleted entry (Carol, removed 10 days before now)', async () => {
    expect(exchangeEntries(await licensing(CAROL), EXCHANGE_PLAN_2)).toEqual([{ assignedDateTime: '2026-11-12T09:00:00Z', capabilityStatus: 'Deleted', service: 'exchange', servicePlanId: EXCHANGE_PLAN_2 }]);
  });

  it('keeps the Deleted entry and its date after the 30 days, so the client can tell the mailbox is lost', async () => {
    await harness().setClock('2026-12-20T00:00:00Z');
    expect(exchangeEntries(await licensing(CAROL), EXCHANGE_PLAN_2)).toEqual([{ assignedDateTime: '2026-11-12T09:00:00Z', capabilityStatus: 'Deleted', service: 'exchange', servicePlanId: EXCHANGE_PLAN_2 }]);
  });

  it('returns provisionedPlans as {capabilityStatus, provisioningStatus, service} on $select', async () => {
    const bob = (await harness().sdk().api(`/users/${BOB}`).select(['provisionedPlans']).get()) as { provisionedPlans: Record<string, unknown>[] };
    expect(bob.provisionedPlans.length).toBeGreaterThan(0);
    for (const plan of bob.provisionedPlans) expect(Object.keys(plan).sort()).toEqual(['capabilityStatus', 'provisioningStatus', 'service']);
    expect(bob.provisionedPlans).toContainEqual({ capabilityStatus: 'Enabled', provisioningStatus: 'Success', service: 'exchange' });
  });
});

describe('GET /users/{id}/licenseDetails (§6)', () => {
  beforeAll(async () => {
    await harness().reseed();
  });

  it('lists each licence with skuId, skuPartNumber and its servicePlans, disabled ones marked', async () => {
    const body = (await harness().sdk().api(`/users/${BOB}/licenseDetails`).get()) as { value: Record<string, unknown>[] };
    expect(body.value.map((d) => d.skuPartNumber).sort()).toEqual(['ENTERPRISEPACK', 'EXCHANGESTANDARD']);
    for (const detail of body.value) expect(propertyNames(detail)).toEqual(['id', 'servicePlans', 'skuId', 'skuPartNumber']);
    const e3 = body.value.find((d) => d.skuId === E3);
    const plans = e3?.servicePlans as { servicePlanId: string; servicePlanName: string; provisioningStatus: string; appliesTo: string }[];
    expect(plans).toHaveLength(5);
    for (const plan of plans) expect(propertyNames(plan)).toEqual(['appliesTo', 'provisioningStatus', 'servicePlanId', 'servicePlanName']);
    expect(plans.find((p) => p.servicePlanId === YAMMER)?.provisioningStatus).toBe('Disabled');
    expect(plans.find((p) => p.servicePlanId === EXCHANGE_PLAN_2)?.provisioningStatus).toBe('Success');
  });

  it('costs 2 resource units (§11)', async () => {
    const response = await harness().raw('GET', `/users/${BOB}/licenseDetails`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ms-resource-unit')).toBe('2');
  });
});

describe('GET /subscribedSkus (§7)', () => {
  beforeAll(async () => {
    await harness().reseed();
  });

  it('lists every SKU in one page, #subscribedSkus, id = {tenantId}_{skuId}, the CSDL properties', async () => {
    const body = (await harness().sdk().api('/subscribedSkus').get()) as { value: Sku[]; '@odata.nextLink'?: string };
    expect(contextFragment(body)).toBe('#subscribedSkus');
    expect(body['@odata.nextLink']).toBeUndefined();
    expect(body.value.map((s) => s.skuPartNumber).sort()).toEqual(['ENTERPRISEPACK', 'EXCHANGESTANDARD']);
    for (const sku of body.value) {
      expect(propertyNames(sku)).toEqual(['accountId', 'accountName', 'appliesTo', 'capabilityStatus', 'consumedUnits', 'id', 'prepaidUnits', 'servicePlans', 'skuId', 'skuPartNumber', 'subscriptionIds']);
      expect(sku.id).toBe(`${TENANT_ID}_${sku.skuId}`);
      expect(propertyNames(sku.prepaidUnits)).toEqual(['enabled', 'lockedOut', 'suspended', 'warning']);
      expect(sku).toMatchObject({ appliesTo: 'User', capabilityStatus: 'Enabled' });
      for (const plan of sku.servicePlans) {
        expect(propertyNames(plan)).toEqual(['appliesTo', 'provisioningStatus', 'servicePlanId', 'servicePlanName']);
        expect(['User', 'Company']).toContain(plan.appliesTo);
        expect(['Success', 'Disabled', 'Error', 'PendingInput', 'PendingActivation', 'PendingProvisioning']).toContain(plan.provisioningStatus);
      }
      expect(Array.isArray(sku.subscriptionIds)).toBe(true);
    }
    const e3 = body.value.find((s) => s.skuId === E3);
    expect(e3).toMatchObject({ skuPartNumber: 'ENTERPRISEPACK', consumedUnits: 2, prepaidUnits: { enabled: 5, lockedOut: 0, suspended: 0, warning: 0 } });
    expect(body.value.find((s) => s.skuId === EXCHANGE_STANDARD)).toMatchObject({ consumedUnits: 1, prepaidUnits: { enabled: 1 } });
  });

  it('supports $select', async () => {
    const body = (await harness().sdk().api('/subscribedSkus').select(['skuId', 'consumedUnits']).get()) as { value: Record<string, unknown>[] };
    for (const sku of body.value) {
      expect(sku).toHaveProperty('skuId');
      expect(sku).toHaveProperty('consumedUnits');
      expect(sku).not.toHaveProperty('servicePlans');
    }
  });

  it('rejects $top with the exact text (contract 18)', async () => {
    await expectSdkError(harness().sdk().api('/subscribedSkus').top(1).get(), {
      status: 400,
      code: 'Request_UnsupportedQuery',
      message: 'This resource does not support custom page sizes. Please retry without a page size argument.',
    });
  });

  it('does not support $filter', async () => {
    const response = await harness().raw('GET', `/subscribedSkus?$filter=skuId eq ${E3}`);
    expect(response.status).toBe(400);
  });

  it('costs 3 resource units (§11)', async () => {
    const response = await harness().raw('GET', '/subscribedSkus');
    expect(response.headers.get('x-ms-resource-unit')).toBe('3');
  });
});

describe('POST /users/{id}/reprocessLicenseAssignment (§6 "Related calls")', () => {
  // docs/graph-behaviour.md endpoint summary and §6: `POST /users/{id}/reprocessLicenseAssignment` → 200 user
  // (test/fixtures/graph/v1.0-Prod.csdl line 24720). The emulator has no such route: 400 Request_BadRequest "Resource not found for
  // the segment 'reprocessLicenseAssignment'."
  it('answers 200 with the user', async () => {
    await harness().reseed();
    const response = await harness().raw('POST', `/users/${ALICE}/reprocessLicenseAssignment`);
    expect(response.status, response.text).toBe(200);
    expect(contextFragment(response.json)).toBe('#users/$entity');
    expect(response.json?.id).toBe(ALICE);
  });
});
