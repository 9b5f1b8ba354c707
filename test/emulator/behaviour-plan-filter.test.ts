/**
 * `$filter` lambdas on `assignedPlans` (docs/graph-behaviour.md §4, §8): Graph's filter documentation lists
 * `assignedPlans/any(a:a/servicePlanId eq … and a/capabilityStatus eq '…')` as an advanced query, so the emulator
 * serves it only with `ConsistencyLevel: eventual` and `$count=true`, and refuses it otherwise with the §1 text.
 */
import { describe, expect, it } from 'vitest';
import { ALICE, BOB, CAROL, type Collection, EXCHANGE_PLAN_1, EXCHANGE_PLAN_2, expectSdkError, useHarness } from '../support/emulator.ts';

const harness = useHarness();
const EVENTUAL = { ConsistencyLevel: 'eventual' };
const REMOVED_EXCHANGE = "assignedPlans/any(p:p/service eq 'exchange' and p/capabilityStatus eq 'Deleted')";
const ADVANCED_ANY =
  "Operator 'any' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information";

async function advanced(filter: string, select = ['id', 'assignedPlans']): Promise<Collection> {
  return (await harness().sdk().api('/users').headers(EVENTUAL).filter(filter).select(select).count(true).top(999).get()) as Collection;
}

const ids = (body: Collection): string[] => body.value.map((u) => String(u.id)).sort();

describe('GET /users?$filter=assignedPlans/any(…)', () => {
  it('lists the users with a removed Exchange plan, their plans as selected, and counts them', async () => {
    const body = await advanced(REMOVED_EXCHANGE);
    expect(ids(body)).toEqual([CAROL]);
    expect(body['@odata.count']).toBe(1);
    expect(body.value[0]).toEqual({ id: CAROL, assignedPlans: [{ assignedDateTime: '2026-11-12T09:00:00Z', capabilityStatus: 'Deleted', service: 'exchange', servicePlanId: EXCHANGE_PLAN_2 }] });
  });

  it('matches every condition on one plan: a bare Guid, a status, case-insensitive values', async () => {
    expect(ids(await advanced(`assignedPlans/any(a:a/servicePlanId eq ${EXCHANGE_PLAN_2} and a/capabilityStatus eq 'enabled')`))).toEqual([ALICE, BOB].sort());
    expect(ids(await advanced(`assignedPlans/any(a:a/servicePlanId eq ${EXCHANGE_PLAN_1.toUpperCase()})`))).toEqual([BOB]);
    // Bob's Exchange plans are Enabled; none of his plans is both Exchange Plan 1 and Deleted.
    expect(ids(await advanced(`assignedPlans/any(a:a/servicePlanId eq ${EXCHANGE_PLAN_1} and a/capabilityStatus eq 'Deleted')`))).toEqual([]);
  });

  it('refuses the lambda without the advanced-query pair, with the §1 text', async () => {
    await expectSdkError(harness().sdk().api('/users').filter(REMOVED_EXCHANGE).get(), { status: 400, code: 'Request_UnsupportedQuery', message: ADVANCED_ANY });
    await expectSdkError(harness().sdk().api('/users').headers(EVENTUAL).filter(REMOVED_EXCHANGE).get(), { status: 400, code: 'Request_UnsupportedQuery', message: ADVANCED_ANY });
  });

  it('refuses a lambda that does not declare its variable, uses another one, or compares with anything but eq', async () => {
    for (const filter of [
      "assignedPlans/any(p/service eq 'exchange')",
      "assignedPlans/any(p:q/service eq 'exchange')",
      "assignedPlans/any(p:p/service eq 'exchange' and q/capabilityStatus eq 'Deleted')",
      "assignedPlans/any(p:p/service ne 'exchange')",
      "assignedPlans/any(p:p/service eq 'exchange'",
    ]) {
      await expect(advanced(filter), filter).rejects.toMatchObject({ statusCode: 400, code: 'Request_UnsupportedQuery' });
    }
  });
});
