/**
 * `@odata.context` with and without `$select`, for every collection and entity the emulator serves
 * that accepts `$select`. Graph's documented answers list the selected properties, as OData's context
 * URL does for projections: `#users(id,displayName)`, `#groups(id,displayName,deletedDateTime)` for a
 * deletedItems cast (https://learn.microsoft.com/graph/api/directory-deleteditems-list),
 * `#directoryObjects(id,displayName,…)` for a group's members, `#organization(createdDateTime)`, and
 * `…/$entity` after them for a single entity. Properties are named as the resource spells them, even
 * when `$select` wrote them in another case (the deletedItems page selects `DisplayName` and answers
 * `displayName`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { BOB, contextFragment, contoso, DAVE, EXCHANGE_GROUP, propertyNames, useHarness, withApp } from '../support/emulator.ts';

const harness = useHarness();
/** An app that may read everything asked here, /organization included (Directory.Read.All). */
const DIRECTORY_READER = '5e1c0000-0000-4000-8000-00000000a0d1';

beforeAll(async () => {
  await harness().reseed(contoso((draft) => withApp(draft, DIRECTORY_READER, ['Directory.Read.All'])));
});

async function get(path: string): Promise<Record<string, unknown>> {
  const response = await harness().raw('GET', path, { app: DIRECTORY_READER });
  expect(response.status, response.text).toBe(200);
  return response.json ?? {};
}

function items(body: Record<string, unknown>): Record<string, unknown>[] {
  return body.value as Record<string, unknown>[];
}

describe('@odata.context with $select (OData projections, as Graph answers them)', () => {
  it.each([
    ['GET /users', '/users', '#users'],
    ['GET /users?$select', '/users?$select=id,displayName', '#users(id,displayName)'],
    ['GET /users?$select in another case', '/users?$select=DisplayName,ID', '#users(displayName,id)'],
    ['GET /users/{id}', `/users/${BOB}`, '#users/$entity'],
    ['GET /users/{id}?$select', `/users/${BOB}?$select=id,displayName`, '#users(id,displayName)/$entity'],
    ['GET deletedItems/microsoft.graph.user', '/directory/deletedItems/microsoft.graph.user', '#users'],
    ['GET deletedItems/microsoft.graph.user?$select (the doc’s selection)', '/directory/deletedItems/microsoft.graph.user?$select=id,DisplayName,deletedDateTime', '#users(id,displayName,deletedDateTime)'],
    ['GET deletedItems/{id}', `/directory/deletedItems/${DAVE}`, '#directoryObjects/$entity'],
    ['GET deletedItems/{id}?$select', `/directory/deletedItems/${DAVE}?$select=id,displayName`, '#directoryObjects(id,displayName)/$entity'],
    ['GET /subscribedSkus', '/subscribedSkus', '#subscribedSkus'],
    ['GET /subscribedSkus?$select', '/subscribedSkus?$select=skuId,SKUPartNumber', '#subscribedSkus(skuId,skuPartNumber)'],
    ['GET /organization', '/organization', '#organization'],
    ['GET /organization?$select', '/organization?$select=displayName', '#organization(displayName)'],
    ['GET /organization?$select of a property the emulator does not model', '/organization?$select=createdDateTime', '#organization(createdDateTime)'],
    ['GET /groups', '/groups', '#groups'],
    ['GET /groups?$select', '/groups?$select=id,displayName,assignedLicenses', '#groups(id,displayName,assignedLicenses)'],
    ['GET /groups/{id}/members', `/groups/${EXCHANGE_GROUP}/members`, '#directoryObjects'],
    ['GET /groups/{id}/members?$select', `/groups/${EXCHANGE_GROUP}/members?$select=id,displayName`, '#directoryObjects(id,displayName)'],
    ['GET /users/{id}/licenseDetails', `/users/${BOB}/licenseDetails`, `#users('${BOB}')/licenseDetails`],
    ['GET /users/{id}/licenseDetails?$select', `/users/${BOB}/licenseDetails?$select=skuId,skuPartNumber`, `#users('${BOB}')/licenseDetails(skuId,skuPartNumber)`],
  ])('%s → %s', async (_name, path, fragment) => {
    expect(contextFragment(await get(path))).toBe(fragment);
  });

  it('names the selected properties once, in the order $select gave them', async () => {
    expect(contextFragment(await get('/subscribedSkus?$select=skuPartNumber,skuId,skuPartNumber'))).toBe('#subscribedSkus(skuPartNumber,skuId)');
  });

  it('keeps Graph’s host in the context, not the emulator’s', async () => {
    expect((await get('/subscribedSkus?$select=skuId'))['@odata.context']).toBe('https://graph.microsoft.com/v1.0/$metadata#subscribedSkus(skuId)');
  });
});

describe('$select returns the properties the context names (and id)', () => {
  it('subscribedSkus', async () => {
    for (const sku of items(await get('/subscribedSkus?$select=skuId,SKUPartNumber'))) expect(propertyNames(sku)).toEqual(['id', 'skuId', 'skuPartNumber']);
  });

  it('organization', async () => {
    expect(items(await get('/organization?$select=displayName')).map(propertyNames)).toEqual([['displayName', 'id']]);
  });

  it('licenseDetails: $select is applied, not only named', async () => {
    const all = items(await get(`/users/${BOB}/licenseDetails`));
    const selected = items(await get(`/users/${BOB}/licenseDetails?$select=skuId,skuPartNumber`));
    expect(all.length).toBeGreaterThan(0);
    for (const details of all) expect(propertyNames(details)).toEqual(['id', 'servicePlans', 'skuId', 'skuPartNumber']);
    expect(selected.map(propertyNames)).toEqual(all.map(() => ['id', 'skuId', 'skuPartNumber']));
    expect(selected.map((d) => d.skuId)).toEqual(all.map((d) => d.skuId));
  });

  it('a deleted user read by id', async () => {
    expect(propertyNames(await get(`/directory/deletedItems/${DAVE}?$select=id,displayName`))).toEqual(['displayName', 'id']);
  });
});
