import { describe, expect, it } from 'vitest';
import type { Change, Plan } from '../../src/domain/plan.ts';
import { renderPlanJson } from '../../src/render/plan-json.ts';
import { assignLicenses, convergedPlan, createUser, everyActionPlan, license, planOf, restoreUser, tenantMismatchPlan } from '../support/plans.ts';

const golden = (name: string): string => `../fixtures/golden/${name}`;

/** The same data with every object's keys in reverse order: what a planner built differently would give. */
function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)])) as T;
}

/**
 * Golden saved plans (docs/cli-reference.md §12). A change here changes a public format: check that
 * formatVersion should not move. Accept with `npx vitest run test/render -u` (the path before -u: vitest 5 reads `-u <word>` as the update mode).
 */
describe.each([
  ['every-action', everyActionPlan],
  ['converged', convergedPlan],
  ['tenant-mismatch', tenantMismatchPlan],
])('plan json for the %s plan', (name, build) => {
  it('matches the golden file', async () => {
    await expect(renderPlanJson(build())).toMatchFileSnapshot(golden(`plan-${name}.json`));
  });

  it('does not depend on the key order of the plan objects', () => {
    expect(renderPlanJson(reverseKeys(build()))).toBe(renderPlanJson(build()));
  });

  it('is JSON with a 2-space indent and a trailing newline', () => {
    const text = renderPlanJson(build());
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "formatVersion": 1,');
    expect(JSON.stringify(JSON.parse(text), null, 2)).toBe(text.trimEnd());
  });
});

describe('shape', () => {
  const json = JSON.parse(renderPlanJson(everyActionPlan())) as Record<string, unknown> & { changes: Record<string, unknown>[]; diagnostics: Record<string, unknown>[] };

  it('has the saved-plan keys, in order', () => {
    expect(Object.keys(json)).toEqual(['formatVersion', 'tenantId', 'createdAt', 'policyDigest', 'changes', 'diagnostics', 'summary']);
    expect(Object.keys(json.summary as object)).toEqual(['restore-user', 'create-user', 'set-usage-location', 'assign-licenses', 'remove-licenses', 'enable-sign-in', 'block-sign-in']);
  });

  it.each<[string, Change, readonly string[]]>([
    ['with an object id', restoreUser('a@contoso.com'), ['action', 'userPrincipalName', 'objectId', 'reason', 'details']],
    ['without one (a new user)', createUser('b@contoso.com'), ['action', 'userPrincipalName', 'reason', 'details']],
  ])('writes a change %s', (_name, change, keys) => {
    const [written] = (JSON.parse(renderPlanJson(planOf([change]))) as { changes: object[] }).changes;
    expect(Object.keys(written ?? {})).toEqual(keys);
  });

  it('writes userPrincipalName on a diagnostic only when it names one', () => {
    expect(json.diagnostics.map((d) => Object.keys(d).join(','))).toContain('severity,code,message');
    expect(json.diagnostics.map((d) => Object.keys(d).join(','))).toContain('severity,code,userPrincipalName,message');
  });

  it('keeps exact before/after of licenses', () => {
    const plan: Plan = planOf([assignLicenses('a@contoso.com', [license('ENTERPRISEPACK', ['YAMMER_ENTERPRISE'], ['SWAY'])])]);
    const [change] = (JSON.parse(renderPlanJson(plan)) as { changes: { details: unknown }[] }).changes;
    expect(change?.details).toEqual({
      add: [{
        skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900',
        skuPartNumber: 'ENTERPRISEPACK',
        disabledPlans: ['7547a3fe-08ee-4ccb-b430-5077c5041653'],
        disabledPlanNames: ['YAMMER_ENTERPRISE'],
        replaces: { disabledPlans: ['a23b959c-7ce8-4e57-9140-b90eb88a9e97'], disabledPlanNames: ['SWAY'] },
      }],
    });
  });
});
