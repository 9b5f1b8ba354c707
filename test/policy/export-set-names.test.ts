/**
 * exportPolicy's license-set names on their own: a SKU's most used variant plain, the others after
 * the plans they disable; a numbered suffix only where names collide; never longer than 64; the same
 * names whatever order the tenant lists its users in.
 */
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { ObservedSku, ObservedTenant, ObservedUser } from '../../src/domain/observed.ts';
import { exportPolicy } from '../../src/policy/export.ts';

const TENANT = '8f3c1a52-0000-4000-8000-000000000001';
const id = (n: number, prefix = 'aaaaaaaa'): string => `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

function sku(skuId: string, partNumber: string, plans: readonly string[]): ObservedSku {
  return { skuId, skuPartNumber: partNumber, enabledUnits: 100, consumedUnits: 0, servicePlans: plans.map((name, i) => ({ servicePlanId: id(i + 1, skuId.slice(0, 8)), servicePlanName: name })) };
}

function holder(n: number, skuId: string, disabledPlans: readonly string[]): ObservedUser {
  const state = { skuId, disabledPlans: [...disabledPlans], assignedByGroup: null, state: 'Active', error: 'None' };
  return {
    id: id(n, 'bbbbbbbb'),
    userPrincipalName: `u${n}@contoso.com`,
    displayName: `u${n}`,
    accountEnabled: true,
    usageLocation: 'NL',
    mail: null,
    proxyAddresses: [],
    onPremisesSyncEnabled: null,
    assignedLicenses: [{ skuId, disabledPlans: [...disabledPlans] }],
    licenseAssignmentStates: [state],
    assignedPlans: [],
    deletedDateTime: null,
  };
}

function licensesOf(skus: ObservedSku[], users: ObservedUser[]): Record<string, { sku: string; disabledPlans?: string[] }> {
  const observed: ObservedTenant = { tenantId: TENANT, users, deletedUsers: [], skus, mailboxes: new Map(), groupNames: new Map() };
  const text = exportPolicy(observed, { schemaReference: 'x.json' }).files.find((f) => f.name === '00-tenant.yaml')?.text ?? '';
  return (parse(text) as { licenses: Record<string, { sku: string; disabledPlans?: string[] }> }).licenses;
}

const PLANS = ['YAMMER_ENTERPRISE', 'SWAY', 'FORMS_PLAN_E3', 'TEAMS1', 'KAIZALA_O365_P3', 'POWER_VIRTUAL_AGENTS_O365_P2', 'WHITEBOARD_PLAN2', 'MICROSOFT_SEARCH', 'VIVA_LEARNING_SEEDED'];
const E3 = 'cccccccc-0000-4000-8000-000000000001';
const plan = (name: string, skuId = E3): string => id(PLANS.indexOf(name) + 1, skuId.slice(0, 8));

describe('license-set names', () => {
  it('short words for the plans (filler words and plan numbers dropped), sorted; all-plans for the variant with none off when it is not the most used', () => {
    const e3 = sku(E3, 'ENTERPRISEPACK', PLANS);
    const names = licensesOf([e3], [
      holder(1, E3, [plan('YAMMER_ENTERPRISE')]),
      holder(2, E3, [plan('YAMMER_ENTERPRISE')]),
      holder(3, E3, []),
      holder(4, E3, [plan('TEAMS1'), plan('FORMS_PLAN_E3'), plan('KAIZALA_O365_P3')]),
      holder(5, E3, [plan('WHITEBOARD_PLAN2')]),
    ]);
    expect(names).toEqual({
      enterprisepack: { sku: 'ENTERPRISEPACK', disabledPlans: ['YAMMER_ENTERPRISE'] },
      'enterprisepack-all-plans': { sku: 'ENTERPRISEPACK' },
      'enterprisepack-no-forms-kaizala-teams': { sku: 'ENTERPRISEPACK', disabledPlans: ['FORMS_PLAN_E3', 'KAIZALA_O365_P3', 'TEAMS1'] },
      'enterprisepack-no-whiteboard': { sku: 'ENTERPRISEPACK', disabledPlans: ['WHITEBOARD_PLAN2'] },
    });
  });

  it('too long for 64 characters: as many plans as fit, then -and-N-more; where that collides, a numbered suffix', () => {
    const e3 = sku(E3, 'ENTERPRISEPACK', PLANS);
    const many = ['POWER_VIRTUAL_AGENTS_O365_P2', 'VIVA_LEARNING_SEEDED', 'MICROSOFT_SEARCH'];
    const names = licensesOf([e3], [
      holder(1, E3, []),
      holder(2, E3, []),
      holder(3, E3, []),
      holder(4, E3, [...many, 'WHITEBOARD_PLAN2'].map((p) => plan(p))),
      holder(5, E3, [...many, 'WHITEBOARD_PLAN2'].map((p) => plan(p))),
      holder(6, E3, [...many, 'SWAY'].map((p) => plan(p))),
    ]);
    const keys = Object.keys(names);
    // Both would be `…-no-microsoft_search-and-3-more`: the more used one keeps it.
    expect(keys).toEqual(['enterprisepack', 'enterprisepack-no-microsoft_search-and-3-more', 'enterprisepack-no-microsoft_search-and-3-more-2']);
    expect(names['enterprisepack-no-microsoft_search-and-3-more']?.disabledPlans).toEqual(['MICROSOFT_SEARCH', 'POWER_VIRTUAL_AGENTS_O365_P2', 'VIVA_LEARNING_SEEDED', 'WHITEBOARD_PLAN2']);
    for (const key of keys) expect(key.length).toBeLessThanOrEqual(64);
  });

  it('a part number longer than a set name may be: every name within 64 characters, still saying which plans are off', () => {
    const long = 'Power_Pages_vTrial_for_Makers_and_Developers_Extended_Capacity_Add_On_For_Government_Clouds';
    const skuId = 'dddddddd-0000-4000-8000-000000000001';
    const pages = sku(skuId, long, PLANS);
    const yammer = id(PLANS.indexOf('YAMMER_ENTERPRISE') + 1, skuId.slice(0, 8));
    const names = Object.keys(licensesOf([pages], [holder(1, skuId, [yammer]), holder(2, skuId, [yammer]), holder(3, skuId, []), holder(4, skuId, PLANS.map((_, i) => id(i + 1, skuId.slice(0, 8))))]));
    expect(names).toHaveLength(3);
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(64);
      expect(name).toMatch(/^[a-z][a-z0-9_-]*$/u);
    }
    expect(names.some((n) => n.endsWith('-all-plans'))).toBe(true);
    expect(names.some((n) => n.includes('-no-'))).toBe(true);
  });

  it('two subscribed SKUs with one part number: the second gets -2 (and its sets say so by id)', () => {
    const other = 'dddddddd-0000-4000-8000-000000000002';
    const names = licensesOf([sku(E3, 'ENTERPRISEPACK', PLANS), sku(other, 'ENTERPRISEPACK', PLANS)], [holder(1, E3, []), holder(2, other, []), holder(3, other, [plan('SWAY', other)])]);
    expect(names).toEqual({
      enterprisepack: { sku: E3 },
      'enterprisepack-2': { sku: other },
      'enterprisepack-no-sway': { sku: other, disabledPlans: ['SWAY'] },
    });
  });

  it('a disabled plan the SKU does not list: named by its id', () => {
    const unknown = 'eeeeeeee-1234-4000-8000-000000000009';
    const names = licensesOf([sku(E3, 'ENTERPRISEPACK', PLANS)], [holder(1, E3, []), holder(2, E3, []), holder(3, E3, [unknown])]);
    expect(names['enterprisepack-no-plan_eeeeeeee']).toEqual({ sku: 'ENTERPRISEPACK', disabledPlans: [unknown] });
  });

  it('the same names and files whatever order the users come in', () => {
    const e3 = sku(E3, 'ENTERPRISEPACK', PLANS);
    const users = PLANS.flatMap((p, i) => Array.from({ length: (i % 3) + 1 }, (_, j) => holder(i * 10 + j, E3, [plan(p), ...(j === 2 ? [plan('SWAY')] : [])])));
    const forward = licensesOf([e3], users);
    const backward = licensesOf([e3], [...users].reverse());
    expect(JSON.stringify(backward)).toBe(JSON.stringify(forward));
    expect(Object.keys(forward).filter((k) => /-\d+$/u.test(k))).toEqual([]);
  });
});
