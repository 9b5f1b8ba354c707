/** Graph JSON → observed tenant: the variants Graph is known to send (docs/graph-behaviour.md §8, §9). */
import { describe, expect, it } from 'vitest';
import { GraphResponseError } from '../../src/tenant/graph/errors.ts';
import { toLicensingGroup, toMemberId, toObservedMailbox, toObservedSku, toObservedUser, toReadAt, userSelect, USER_SELECT } from '../../src/tenant/graph/mapping.ts';

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

describe('declared attributes, managers, groups and the Date header', () => {
  const user = { id: 'AAAA0000-0000-4000-8000-00000000000A', userPrincipalName: 'ann@contoso.com', displayName: 'Ann', jobTitle: 'Lead', department: null, businessPhones: ['+31 20 555 0000', 7], city: 'Utrecht' };

  it('reads only the attributes asked for: null when Graph answers null or leaves one out, businessPhones as a list of text', () => {
    const observed = toObservedUser(user, { attributes: ['displayName', 'jobTitle', 'department', 'businessPhones', 'mobilePhone'], managers: false });
    expect(observed.attributes).toEqual({ jobTitle: 'Lead', department: null, businessPhones: ['+31 20 555 0000'], mobilePhone: null });
    expect('managerId' in observed).toBe(false);
    expect(toObservedUser({ ...user, businessPhones: null }, { attributes: ['businessPhones'], managers: false }).attributes).toEqual({ businessPhones: null });
    expect('attributes' in toObservedUser(user)).toBe(false);
    expect('attributes' in toObservedUser(user, { attributes: ['displayName'], managers: false })).toBe(false);
  });

  it('reads the expanded manager id in lower case, null when the property is absent or null, and refuses a manager without an id', () => {
    const extras = { attributes: [], managers: true };
    expect(toObservedUser({ ...user, manager: { '@odata.type': '#microsoft.graph.user', id: 'BBBB0000-0000-4000-8000-00000000000B' } }, extras).managerId).toBe('bbbb0000-0000-4000-8000-00000000000b');
    expect(toObservedUser(user, extras).managerId).toBeNull();
    expect(toObservedUser({ ...user, manager: null }, extras).managerId).toBeNull();
    expect(() => toObservedUser({ ...user, manager: { '@odata.type': '#microsoft.graph.user' } }, extras)).toThrow(/manager of user .* has no id/u);
  });

  it('selects the attributes asked for after the planner\'s own, once each', () => {
    expect(userSelect(USER_SELECT, { attributes: ['displayName', 'jobTitle', 'businessPhones'], managers: true })).toEqual([...USER_SELECT, 'jobTitle', 'businessPhones']);
    expect(userSelect(USER_SELECT, { attributes: [], managers: false })).toEqual([...USER_SELECT]);
  });

  it('reads a license-assigning group and a member id in lower case', () => {
    expect(toLicensingGroup({ id: '9A000000-0000-4000-8000-000000000001', displayName: 'E3 users', assignedLicenses: [{ skuId: '6FD2C87F-B296-42F0-B197-1E91E994B900', disabledPlans: ['7547A3FE-08EE-4CCB-B430-5077C5041653'] }] })).toEqual({
      id: '9a000000-0000-4000-8000-000000000001', displayName: 'E3 users', assignedLicenses: [{ skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900', disabledPlans: ['7547a3fe-08ee-4ccb-b430-5077c5041653'] }],
    });
    expect(toMemberId({ '@odata.type': '#microsoft.graph.user', id: 'AAAA0000-0000-4000-8000-00000000000A' })).toBe('aaaa0000-0000-4000-8000-00000000000a');
    expect(() => toMemberId({})).toThrow(GraphResponseError);
  });

  it.each([
    { header: 'Sun, 22 Nov 2026 00:00:00 GMT', readAt: '2026-11-22T00:00:00Z' },
    { header: 'Tue, 01 Dec 2026 10:11:12 GMT', readAt: '2026-12-01T10:11:12Z' },
    { header: 'Sat, 29 Feb 2028 23:59:59 GMT', readAt: '2028-02-29T23:59:59Z' },
    { header: null, readAt: null },
    { header: '', readAt: null },
    { header: '2026-11-22T00:00:00Z', readAt: null },
    { header: 'Sunday, 22-Nov-26 00:00:00 GMT', readAt: null },
    { header: 'Mon, 31 Feb 2026 00:00:00 GMT', readAt: null },
    { header: 'Sun, 22 Foo 2026 00:00:00 GMT', readAt: null },
    { header: 'Sun, 22 Nov 2026 25:00:00 GMT', readAt: null },
  ])('reads the Date header $header as $readAt', ({ header, readAt }) => {
    expect(toReadAt(header)).toBe(readAt);
  });
});
