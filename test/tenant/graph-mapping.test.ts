/** Graph JSON → observed tenant: the variants Graph is known to send (docs/graph-behaviour.md §8, §9). */
import { describe, expect, it } from 'vitest';
import { GraphResponseError } from '../../src/tenant/graph/errors.ts';
import { toObservedMailbox, toObservedSku, toObservedUser } from '../../src/tenant/graph/mapping.ts';

describe('toObservedMailbox', () => {
  it.each([
    { name: 'the userPurpose property answer', body: { '@odata.context': 'x', value: 'shared' }, purpose: 'shared' },
    { name: 'the full settings with a string', body: { timeZone: 'UTC', userPurpose: 'room' }, purpose: 'room' },
    { name: 'the full settings with {value} (doc example 1)', body: { userPurpose: { value: 'user' } }, purpose: 'user' },
    { name: 'a property answer whose value is {value}', body: { value: { value: 'equipment' } }, purpose: 'equipment' },
  ])('reads $name', ({ body, purpose }) => {
    expect(toObservedMailbox(body)).toEqual({ kind: 'mailbox', userPurpose: purpose });
  });

  it('refuses an answer without a purpose', () => {
    expect(() => toObservedMailbox({ timeZone: 'UTC' })).toThrow(GraphResponseError);
  });
});

describe('toObservedUser and toObservedSku', () => {
  it('lower-cases ids, reads error null or "None", and fills what Graph leaves out', () => {
    const user = toObservedUser({
      id: 'AAAA0000-0000-4000-8000-00000000000A',
      userPrincipalName: 'Ann@Contoso.com',
      assignedLicenses: [{ skuId: '6FD2C87F-B296-42F0-B197-1E91E994B900', disabledPlans: ['7547A3FE-08EE-4CCB-B430-5077C5041653'] }],
      licenseAssignmentStates: [{ skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900', disabledPlans: [], assignedByGroup: '9A000000-0000-4000-8000-000000000001', state: 'Active', error: null, lastUpdatedDateTime: 'x' }],
      assignedPlans: [{ assignedDateTime: '2026-11-12T09:00:00Z', capabilityStatus: 'Deleted', service: 'exchange', servicePlanId: 'EFB87545-963C-4E0D-99DF-69C6916D9EB0' }],
    });
    expect(user).toEqual({
      id: 'aaaa0000-0000-4000-8000-00000000000a',
      userPrincipalName: 'Ann@Contoso.com',
      displayName: '',
      accountEnabled: true,
      usageLocation: null,
      mail: null,
      proxyAddresses: [],
      onPremisesSyncEnabled: null,
      assignedLicenses: [{ skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900', disabledPlans: ['7547a3fe-08ee-4ccb-b430-5077c5041653'] }],
      licenseAssignmentStates: [{ skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900', disabledPlans: [], assignedByGroup: '9a000000-0000-4000-8000-000000000001', state: 'Active', error: null }],
      assignedPlans: [{ assignedDateTime: '2026-11-12T09:00:00Z', capabilityStatus: 'Deleted', service: 'exchange', servicePlanId: 'efb87545-963c-4e0d-99df-69c6916d9eb0' }],
      deletedDateTime: null,
      createdDateTime: null,
    });
    expect(() => toObservedUser({ userPrincipalName: 'x@contoso.com' })).toThrow(/has no id/u);
  });

  it('reads seats, allowing consumed above enabled', () => {
    expect(toObservedSku({ skuId: 'ABC', skuPartNumber: 'E3', prepaidUnits: { enabled: 2 }, consumedUnits: 3, servicePlans: [{ servicePlanId: 'P', servicePlanName: 'EXCHANGE_S_ENTERPRISE' }] })).toEqual({
      skuId: 'abc', skuPartNumber: 'E3', enabledUnits: 2, consumedUnits: 3, servicePlans: [{ servicePlanId: 'p', servicePlanName: 'EXCHANGE_S_ENTERPRISE' }],
    });
  });
});
