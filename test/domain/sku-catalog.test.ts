import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderSkuCatalogModule, SkuCatalogInputError } from '../../scripts/sku-catalog-render.ts';
import {
  catalogSkuCount,
  describeServicePlan,
  describeSku,
  describeSkuOf,
  findCatalogServicePlan,
  findCatalogSkus,
  isProductNameOf,
  matchCatalogSkus,
  matchServicePlans,
  SKU_CATALOG_SOURCE,
  suggestCatalogSkus,
  suggestServicePlanNames,
  suggestServicePlans,
  suggestSkuPartNumbers,
  suggestSkus,
} from '../../src/domain/sku-catalog.ts';
import type { CatalogSku } from '../../src/domain/sku-catalog.ts';

const SKUS_JSON = fileURLToPath(new URL('../../scripts/data/licensing-skus.json', import.meta.url));
const DATA_FILE = fileURLToPath(new URL('../../src/domain/sku-catalog.data.ts', import.meta.url));

const E3_ID = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const EXCHANGE_S_ENTERPRISE_ID = 'efb87545-963c-4e0d-99df-69c6916d9eb0';
const MCOPSTN5_IDS = ['54a152dc-90de-4996-93d2-bc47e670fc06', 'd43177b5-475b-4880-92d4-d54c27b5efbd'];

function onlySku(ref: string): CatalogSku {
  const found = findCatalogSkus(ref);
  expect(found).toHaveLength(1);
  const sku = found[0];
  if (sku === undefined) throw new Error(`no SKU ${ref}`);
  return sku;
}

describe('sku-catalog.data.ts', () => {
  it('is what `npm run gen:skus` generates from scripts/data/licensing-skus.json (run it if this fails)', () => {
    const expected = renderSkuCatalogModule(JSON.parse(readFileSync(SKUS_JSON, 'utf8')));
    const committed = readFileSync(DATA_FILE, 'utf8').replace(/\r\n/g, '\n');
    // Compare lengths first so a stale file fails with a short message rather than a 200 KB diff.
    expect(committed.length, 'sku-catalog.data.ts is stale: run `npm run gen:skus`').toBe(expected.length);
    expect(committed === expected, 'sku-catalog.data.ts is stale: run `npm run gen:skus`').toBe(true);
  });

  it('names its source', () => {
    expect(SKU_CATALOG_SOURCE).toEqual({
      repo: 'MicrosoftDocs/entra-docs',
      path: 'docs/identity/users/licensing-service-plan-reference.md',
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      updated: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
  });

  it('holds 610 SKUs', () => {
    expect(catalogSkuCount()).toBe(610);
  });
});

describe('findCatalogSkus', () => {
  it('finds ENTERPRISEPACK (Office 365 E3) with its service plans', () => {
    const e3 = onlySku('ENTERPRISEPACK');
    expect(e3.skuId).toBe(E3_ID);
    expect(e3.skuPartNumber).toBe('ENTERPRISEPACK');
    expect(e3.productName).toBe('Office 365 E3');
    expect(e3.servicePlans).toContainEqual(expect.objectContaining({
      servicePlanName: 'EXCHANGE_S_ENTERPRISE',
      servicePlanId: EXCHANGE_S_ENTERPRISE_ID,
    }));
    expect(e3.servicePlans.map((p) => p.servicePlanName)).toContain('YAMMER_ENTERPRISE');
  });

  it.each([
    { name: 'lower-case skuId', ref: E3_ID },
    { name: 'upper-case skuId', ref: E3_ID.toUpperCase() },
    { name: 'part number', ref: 'ENTERPRISEPACK' },
    { name: 'lower-case part number', ref: 'enterprisepack' },
    { name: 'mixed-case part number', ref: 'EnterprisePack' },
  ])('finds the same SKU by $name', ({ ref }) => {
    expect(onlySku(ref)).toBe(onlySku('ENTERPRISEPACK'));
  });

  it.each([
    { name: 'unknown part number', ref: 'ENTERPRISEPAK' },
    { name: 'unknown GUID', ref: '00000000-0000-0000-0000-000000000000' },
    { name: 'empty string', ref: '' },
    { name: 'surrounding whitespace (exact match only)', ref: ' ENTERPRISEPACK' },
    { name: 'prefix (no partial match)', ref: 'ENTERPRISE' },
  ])('returns [] for $name', ({ ref }) => {
    expect(findCatalogSkus(ref)).toEqual([]);
  });

  it('returns both SKUs sharing the part number MCOPSTN5', () => {
    const both = findCatalogSkus('MCOPSTN5');
    expect(both.map((s) => s.skuId).sort()).toEqual([...MCOPSTN5_IDS].sort());
    expect(new Set(both.map((s) => s.productName)).size).toBe(2);
  });

  it('finds a part number that contains spaces', () => {
    expect(onlySku('o365_w/o teams bundle_m3').skuPartNumber).toBe('O365_w/o Teams Bundle_M3');
  });
});

describe('findCatalogServicePlan', () => {
  const e3 = onlySku('ENTERPRISEPACK');

  it.each([
    { name: 'name', ref: 'EXCHANGE_S_ENTERPRISE' },
    { name: 'lower-case name', ref: 'exchange_s_enterprise' },
    { name: 'id', ref: EXCHANGE_S_ENTERPRISE_ID },
    { name: 'upper-case id', ref: EXCHANGE_S_ENTERPRISE_ID.toUpperCase() },
  ])('finds EXCHANGE_S_ENTERPRISE in ENTERPRISEPACK by $name', ({ ref }) => {
    expect(findCatalogServicePlan(e3, ref)?.servicePlanId).toBe(EXCHANGE_S_ENTERPRISE_ID);
  });

  it('returns undefined for a plan the SKU does not include', () => {
    expect(findCatalogServicePlan(e3, 'AAD_PREMIUM_P2')).toBeUndefined();
    expect(findCatalogServicePlan(e3, 'YAMMER_ENTERPRSE')).toBeUndefined();
  });
});

describe('describeSku', () => {
  it.each([
    { name: 'part number', ref: 'ENTERPRISEPACK', expected: 'ENTERPRISEPACK (Office 365 E3)' },
    { name: 'part number in another case (catalog spelling shown)', ref: 'enterprisepack', expected: 'ENTERPRISEPACK (Office 365 E3)' },
    { name: 'skuId', ref: E3_ID, expected: 'ENTERPRISEPACK (Office 365 E3)' },
    { name: 'unknown reference', ref: 'NOT_A_SKU', expected: 'NOT_A_SKU' },
    { name: 'ambiguous part number', ref: 'MCOPSTN5', expected: 'MCOPSTN5' },
    {
      name: 'skuId of one MCOPSTN5',
      ref: '54a152dc-90de-4996-93d2-bc47e670fc06',
      expected: 'MCOPSTN5 (Skype for Business PSTN Domestic Calling (120 Minutes))',
    },
    {
      name: 'skuId of the other MCOPSTN5',
      ref: 'D43177B5-475B-4880-92D4-D54C27B5EFBD',
      expected: 'MCOPSTN5 (Skype for Business PSTN Calling Domestic Small)',
    },
  ])('$name', ({ ref, expected }) => {
    expect(describeSku(ref)).toBe(expected);
  });
});

describe('suggestions', () => {
  it('suggests ENTERPRISEPACK first for ENTERPRISEPAK', () => {
    const suggestions = suggestSkuPartNumbers('ENTERPRISEPAK');
    expect(suggestions[0]).toBe('ENTERPRISEPACK');
    expect(suggestions.length).toBeLessThanOrEqual(3);
  });

  it('is case-insensitive and honours max', () => {
    expect(suggestSkuPartNumbers('enterprisepak', 1)).toEqual(['ENTERPRISEPACK']);
  });

  it('suggests nothing for a reference far from every part number', () => {
    expect(suggestSkuPartNumbers('XYZZY_NOTHING_LIKE_A_SKU_AT_ALL')).toEqual([]);
  });

  it('lists MCOPSTN5 once although two SKUs share it', () => {
    expect(suggestSkuPartNumbers('MCOPSTN5', 10).filter((s) => s === 'MCOPSTN5')).toEqual(['MCOPSTN5']);
  });

  it('suggests YAMMER_ENTERPRISE for YAMMER_ENTERPRSE within ENTERPRISEPACK', () => {
    expect(suggestServicePlanNames(onlySku('ENTERPRISEPACK'), 'YAMMER_ENTERPRSE')[0]).toBe('YAMMER_ENTERPRISE');
  });
});

describe('product names (issue 14: the names the admin center shows)', () => {
  it.each([
    { ref: 'Office 365 E3', part: 'ENTERPRISEPACK' },
    { ref: 'office 365 e3', part: 'ENTERPRISEPACK' },
    { ref: '  Office   365 E3 ', part: 'ENTERPRISEPACK' },
    { ref: 'Microsoft 365 E3', part: 'SPE_E3' },
  ])('$ref is the product name of $part', ({ ref, part }) => {
    const match = matchCatalogSkus(ref);
    expect(match?.by).toBe('productName');
    expect(match?.skus.map((s) => s.skuPartNumber)).toEqual([part]);
    expect(describeSku(ref)).toBe(`${part} (${match?.skus[0]?.productName})`);
  });

  it('finds by skuId, then part number, then product name', () => {
    expect(matchCatalogSkus(E3_ID)?.by).toBe('skuId');
    expect(matchCatalogSkus('enterprisepack')?.by).toBe('partNumber');
    expect(matchCatalogSkus('Microsoft_365_E3')?.skus.map((s) => s.productName)).toEqual(['Microsoft 365 E3 (500 seats min)_HUB']);
    expect(matchCatalogSkus('Office 365')).toBeUndefined();
    expect(matchCatalogSkus('   ')).toBeUndefined();
  });

  it('returns every SKU of a product name two SKUs share', () => {
    expect(findCatalogSkus('Visio Plan 2').map((s) => s.skuPartNumber)).toEqual(['VISIO_PLAN2_DEPT', 'VISIOCLIENT']);
  });

  it('isProductNameOf: a tenant SKU by its skuId, or by its part number when the catalog does not know the id', () => {
    expect(isProductNameOf({ skuId: E3_ID, skuPartNumber: 'ENTERPRISEPACK' }, 'office 365 E3')).toBe(true);
    expect(isProductNameOf({ skuId: '00000000-0000-4000-8000-000000000001', skuPartNumber: 'ENTERPRISEPACK' }, 'Office 365 E3')).toBe(true);
    expect(isProductNameOf({ skuId: E3_ID, skuPartNumber: 'ENTERPRISEPACK' }, 'Microsoft 365 E3')).toBe(false);
    expect(describeSkuOf({ skuId: '00000000-0000-4000-8000-000000000001', skuPartNumber: 'NEWER_THAN_THE_CATALOG' })).toBe('NEWER_THAN_THE_CATALOG');
  });

  it('suggests SPE_E3 (Microsoft 365 E3) first for a misspelt product name, and exact names over distance', () => {
    expect(suggestCatalogSkus('Microsoft 365 E-3')[0]).toBe('SPE_E3 (Microsoft 365 E3)');
    expect(suggestCatalogSkus('Office 365 E3s')[0]).toBe('ENTERPRISEPACK (Office 365 E3)');
    expect(suggestSkuPartNumbers('Microsoft 365 E-3')).not.toContain('Microsoft_365_E3');
  });

  it('ranks the preferred SKUs (the tenant\'s) before closer catalog ones', () => {
    const [spe, hub] = [onlySku('SPE_E3'), onlySku('Microsoft_365_E3')];
    expect(suggestSkus('Microsoft_365_E3x', [spe, hub])[0]).toBe(hub);
    expect(suggestSkus('Microsoft_365_E3x', [spe, hub], 3, (s) => s === spe)[0]).toBe(spe);
  });
});

describe('service plan display names', () => {
  const e3 = onlySku('ENTERPRISEPACK');

  it.each(['Yammer Enterprise', 'YAMMER ENTERPRISE', ' yammer  enterprise'])('%j is YAMMER_ENTERPRISE in ENTERPRISEPACK', (ref) => {
    expect(findCatalogServicePlan(e3, ref)?.servicePlanName).toBe('YAMMER_ENTERPRISE');
  });

  it('finds display names for plans as the tenant lists them (id and name only)', () => {
    const tenantPlans = [{ servicePlanId: '7547a3fe-08ee-4ccb-b430-5077c5041653', servicePlanName: 'YAMMER_ENTERPRISE' }];
    expect(matchServicePlans(tenantPlans, 'Yammer Enterprise')).toEqual(tenantPlans);
    expect(describeServicePlan(tenantPlans[0] as (typeof tenantPlans)[number])).toBe('YAMMER_ENTERPRISE (Yammer Enterprise)');
  });

  it('returns both plans of a display name two plans of a SKU share', () => {
    expect(matchServicePlans(onlySku('TEAMS_EXPLORATORY').servicePlans, 'Microsoft Teams').map((p) => p.servicePlanName).sort()).toEqual(['MCO_TEAMS_IW', 'TEAMS1']);
    expect(findCatalogServicePlan(onlySku('TEAMS_EXPLORATORY'), 'Microsoft Teams')).toBeUndefined();
  });

  it('suggests YAMMER_ENTERPRISE (Yammer Enterprise) for "Yammer", and only that', () => {
    expect(suggestServicePlans(e3.servicePlans, 'Yammer').map(describeServicePlan)).toEqual(['YAMMER_ENTERPRISE (Yammer Enterprise)']);
    expect(suggestServicePlanNames(e3, 'Teams')[0]).toBe('TEAMS1');
  });

  it('describes a plan by its name alone when the catalog has no other name for it', () => {
    expect(describeServicePlan({ servicePlanId: '00000000-0000-4000-8000-000000000009', servicePlanName: 'UNKNOWN_PLAN' })).toBe('UNKNOWN_PLAN');
  });
});

describe('renderSkuCatalogModule', () => {
  const plan = { servicePlanName: 'EXCHANGE_S_ENTERPRISE', servicePlanId: EXCHANGE_S_ENTERPRISE_ID, friendlyName: 'Exchange Online (Plan 2)' };
  const sku = { productName: 'Office 365 E3', skuPartNumber: 'ENTERPRISEPACK', skuId: E3_ID, servicePlans: [plan] };
  const source = { repo: 'MicrosoftDocs/entra-docs', path: 'x.md', commit: 'a'.repeat(40), updated: '2025-10-29' };
  const valid = { source, skus: [sku] };

  it('renders a small valid input with no imports', () => {
    const out = renderSkuCatalogModule(valid);
    expect(out).not.toMatch(/^import /m);
    expect(out).toContain('CC BY 4.0');
    expect(out).toContain(`  ["${E3_ID}","ENTERPRISEPACK","Office 365 E3",[0]],`);
  });

  it('shares one plan row between SKUs and keeps differently spelt plans apart', () => {
    const same = { ...sku, skuId: '00000000-0000-0000-0000-000000000001', skuPartNumber: 'SAME' };
    const variant = { ...sku, skuId: '00000000-0000-0000-0000-000000000002', skuPartNumber: 'VARIANT', servicePlans: [{ ...plan, servicePlanName: 'exchange_s_enterprise' }] };
    const out = renderSkuCatalogModule({ source, skus: [sku, same, variant] });
    expect(out).toContain('"SAME","Office 365 E3",[0]]');
    expect(out).toContain('"VARIANT","Office 365 E3",[1]]');
    expect(out.match(new RegExp(EXCHANGE_S_ENTERPRISE_ID, 'g'))).toHaveLength(2);
  });

  it.each([
    { name: 'not an object', input: [], field: '(top level)' },
    { name: 'missing source', input: { skus: [sku] }, field: 'source' },
    { name: 'bad commit', input: { ...valid, source: { ...source, commit: 'main' } }, field: 'source.commit' },
    { name: 'multi-line repo', input: { ...valid, source: { ...source, repo: 'a\nb' } }, field: 'source.repo' },
    { name: 'skus not an array', input: { source, skus: {} }, field: 'skus' },
    { name: 'no skus', input: { source, skus: [] }, field: 'skus' },
    { name: 'missing productName', input: { source, skus: [{ ...sku, productName: undefined }] }, field: 'skus[0].productName' },
    { name: 'bad skuId', input: { source, skus: [{ ...sku, skuId: 'not-a-guid' }] }, field: 'skus[0].skuId' },
    { name: 'duplicate skuId', input: { source, skus: [sku, { ...sku, skuPartNumber: 'X' }] }, field: 'skus[1].skuId' },
    {
      name: 'bad servicePlanId',
      input: { source, skus: [{ ...sku, servicePlans: [plan, { ...plan, servicePlanId: 42 }] }] },
      field: 'skus[0].servicePlans[1].servicePlanId',
    },
    {
      name: 'friendlyName missing (must be a string or null)',
      input: { source, skus: [{ ...sku, servicePlans: [{ servicePlanName: 'X', servicePlanId: EXCHANGE_S_ENTERPRISE_ID }] }] },
      field: 'skus[0].servicePlans[0].friendlyName',
    },
    {
      name: 'plan listed twice in a SKU',
      input: { source, skus: [{ ...sku, servicePlans: [plan, plan] }] },
      field: 'skus[0].servicePlans[1].servicePlanId',
    },
  ])('rejects $name, naming $field', ({ input, field }) => {
    expect(() => renderSkuCatalogModule(input)).toThrow(SkuCatalogInputError);
    expect(() => renderSkuCatalogModule(input)).toThrow(`licensing-skus.json: ${field}: `);
  });
});
