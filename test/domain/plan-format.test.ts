import { describe, expect, it } from 'vitest';
import type { Change, Plan } from '../../src/domain/plan.ts';
import { ACTION_ORDER } from '../../src/domain/plan.ts';
import { MAX_SAVED_PLAN_BYTES, parseSavedPlan, renderPlanJson, SavedPlanError } from '../../src/domain/plan-format.ts';
import {
  assignLicenses, blockSignIn, convergedPlan, createUser, everyActionPlan, groupMember, license, LICENSING_E3, planOf, restoreUser, setManager,
  tenantMismatchPlan, updateAttributes,
} from '../support/plans.ts';

const golden = (name: string): string => `../fixtures/golden/${name}`;

/** The same data with every object's keys in reverse order: what a planner built differently would give. */
function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)])) as T;
}

/**
 * Golden saved plans (docs/cli-reference.md §12). A change here changes a public format: check that
 * formatVersion should not move. Accept with `npx vitest run test/domain/plan-format.test.ts -u` (the path before -u: vitest 5 reads `-u <word>` as the update mode).
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
    expect(text.split('\n')[1]).toBe('  "formatVersion": 2,');
    expect(JSON.stringify(JSON.parse(text), null, 2)).toBe(text.trimEnd());
  });
});

describe('shape', () => {
  const json = JSON.parse(renderPlanJson(everyActionPlan())) as Record<string, unknown> & { changes: Record<string, unknown>[]; diagnostics: Record<string, unknown>[] };

  it('has the saved-plan keys, in order', () => {
    expect(Object.keys(json)).toEqual(['formatVersion', 'tenantId', 'createdAt', 'policyDigest', 'changes', 'diagnostics', 'protectedPrincipals', 'summary']);
    expect(Object.keys(json.summary as object)).toEqual([...ACTION_ORDER, 'protected']);
    expect((json.summary as Record<string, unknown>).protected).toBe(2);
    expect(json.protectedPrincipals).toEqual(['breakglass@contoso.com', 'root@contoso.com']);
  });

  it.each<[string, Plan]>([
    ['none', planOf([blockSignIn('a@contoso.com')])],
    ['an empty list', planOf([blockSignIn('a@contoso.com')], [], { protectedPrincipals: [] })],
  ])('writes no protectedPrincipals and no protected count for %s', (_name, plan) => {
    const written = JSON.parse(renderPlanJson(plan)) as Record<string, unknown>;
    expect(Object.keys(written)).toEqual(['formatVersion', 'tenantId', 'createdAt', 'policyDigest', 'changes', 'diagnostics', 'summary']);
    expect(written.summary).toEqual({ 'block-sign-in': 1 });
  });

  it('keeps exact before/after of attributes, a manager and a membership', () => {
    const plan = planOf([
      updateAttributes('a@contoso.com', [['jobTitle', 'Engineer', 'Senior Engineer'], ['businessPhones', null, ['+31 20 123 4567']], ['department', 'Sales', null]]),
      setManager('a@contoso.com', null, 'b@contoso.com'),
      groupMember('add-group-member', 'a@contoso.com', LICENSING_E3),
    ]);
    const changes = (JSON.parse(renderPlanJson(plan)) as { changes: { details: unknown }[] }).changes;
    expect(changes.map((c) => c.details)).toEqual([
      { attributes: [{ attribute: 'jobTitle', from: 'Engineer', to: 'Senior Engineer' }, { attribute: 'businessPhones', from: null, to: ['+31 20 123 4567'] }, { attribute: 'department', from: 'Sales', to: null }] },
      { from: null, to: 'b@contoso.com' },
      { groupId: LICENSING_E3.id, groupName: 'Licensing E3', licenses: ['ENTERPRISEPACK'] },
    ]);
  });

  it('writes a new user\'s attributes, and no password', () => {
    const plan = planOf([createUser('v@contoso.com', { attributes: [{ attribute: 'jobTitle', value: 'Engineer' }], password: 'Secret-1!' } as never)]);
    const text = renderPlanJson(plan);
    expect((JSON.parse(text) as { changes: { details: unknown }[] }).changes[0]?.details).toEqual({ displayName: 'v', mailNickname: 'v', accountEnabled: true, attributes: [{ attribute: 'jobTitle', value: 'Engineer' }] });
    expect(text).not.toContain('Secret-1!');
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

/**
 * Reading a saved plan back: the reader is driven by the same tables as the writer, so everything
 * the writer emits reads back as the same plan, and anything else is refused naming the field.
 */
describe('parseSavedPlan', () => {
  type Json = Record<string, unknown>;
  const saved = (): Json & { changes: Json[]; diagnostics: Json[]; summary: Json } => JSON.parse(renderPlanJson(everyActionPlan())) as never;
  const refusal = (json: unknown): string => {
    try {
      parseSavedPlan(JSON.stringify(json), 'p.json');
    } catch (error) {
      expect(error).toBeInstanceOf(SavedPlanError);
      return (error as Error).message;
    }
    throw new Error('the plan was accepted');
  };
  const details = (json: Json, index: number): Json => (json.changes as Json[])[index]?.details as Json;

  it.each([
    ['every-action', everyActionPlan],
    ['converged', convergedPlan],
    ['tenant-mismatch', tenantMismatchPlan],
  ])('reads back what it wrote for the %s plan, to the same bytes', (_name, build) => {
    const text = renderPlanJson(build());
    expect(renderPlanJson(parseSavedPlan(text, 'p.json'))).toBe(text);
    expect(parseSavedPlan(text, 'p.json')).toEqual(JSON.parse(text));
  });

  it('reads a version 1 plan (saved before managers, memberships and protected principals) as a version 2 plan', () => {
    const text = renderPlanJson(convergedPlan()).replace('"formatVersion": 2,', '"formatVersion": 1,');
    expect(parseSavedPlan(text, 'p.json')).toEqual({ ...(JSON.parse(text) as object), formatVersion: 2 });
    expect(() => parseSavedPlan(text.replace('"formatVersion": 1,', '"formatVersion": 3,'), 'p.json')).toThrow('p.json has formatVersion 3; this tenantctl reads 1 and 2.');
  });

  it.each<[string, (json: ReturnType<typeof saved>) => void, string]>([
    ['a detail of the wrong type', (j) => { details(j, 0).daysLeft = '30'; }, 'changes[0].details.daysLeft must be a number, not "30"'],
    ['an unknown action', (j) => { (j.changes[8] as Json).action = 'delete-user'; }, `changes[8].action must be one of ${ACTION_ORDER.join(', ')}, not "delete-user"`],
    ['a missing detail', (j) => { delete details(j, 11).to; }, 'changes[11].details.to is missing'],
    ['a restore without its object', (j) => { delete (j.changes[0] as Json).objectId; }, 'changes[0].objectId is missing'],
    ['a creation that names an object', (j) => { (j.changes[3] as Json).objectId = '00000000-0000-4000-8000-000000000001'; }, 'changes[3].objectId is not a field of changes[3]'],
    ['an unknown detail', (j) => { details(j, 9).force = true; }, 'changes[9].details.force is not a field of changes[9].details'],
    ['a license without its SKU id', (j) => { ((details(j, 1).add as Json[])[0] as Json).skuId = 42; }, 'changes[1].details.add[0].skuId must be a string, not 42'],
    ['a sign-in change to "yes"', (j) => { details(j, 11).to = 'yes'; }, 'changes[11].details.to must be a boolean, not "yes"'],
    ['a removal list that is not a list', (j) => { details(j, 8).remove = { skuId: 'x' }; }, 'changes[8].details.remove must be a list, not {"skuId":"x"}'],
    ['a change that is not an object', (j) => { (j.changes as unknown[])[2] = 'restore dave'; }, 'changes[2] must be an object, not "restore dave"'],
    ['changes that are not a list', (j) => { (j as Json).changes = {}; }, 'changes must be a list, not {}'],
    ['a missing tenant', (j) => { delete j.tenantId; }, 'tenantId is missing'],
    ['an unknown severity', (j) => { (j.diagnostics[0] as Json).severity = 'fatal'; }, 'diagnostics[0].severity must be one of error, warning, info, not "fatal"'],
    ['an unknown top-level field', (j) => { j.approvedBy = 'me'; }, 'approvedBy is not a field of a plan'],
    ['a summary that disagrees with the changes', (j) => { j.summary['block-sign-in'] = 7; }, 'summary.block-sign-in is 7, but the plan has 1 block-sign-in change'],
    ['a summary missing a count', (j) => { delete j.summary['restore-user']; }, 'summary.restore-user is missing, but the plan has 2 restore-user changes'],
    ['a protected count that disagrees', (j) => { j.summary.protected = 3; }, 'summary.protected is 3, but the plan has 2 protected principals'],
    ['protected principals without their count', (j) => { delete j.summary.protected; }, 'summary.protected is missing, but the plan has 2 protected principals'],
    ['protected principals that are not a list', (j) => { j.protectedPrincipals = 'root@contoso.com'; }, 'protectedPrincipals must be a list, not "root@contoso.com"'],
    ['an attribute value that is a number', (j) => { ((details(j, 12).attributes as Json[])[0] as Json).to = 42; }, 'changes[12].details.attributes[0].to must be a string or a list of strings, not 42'],
    ['an attribute list holding a number', (j) => { ((details(j, 12).attributes as Json[])[0] as Json).to = ['+31', 42]; }, 'changes[12].details.attributes[0].to[1] must be a string, not 42'],
    ['an attribute tenantctl does not manage', (j) => { ((details(j, 12).attributes as Json[])[0] as Json).attribute = 'passwordProfile'; }, 'changes[12].details.attributes[0].attribute must be one of displayName, givenName, surname, jobTitle, department, companyName, officeLocation, employeeId, employeeType, city, country, mobilePhone, businessPhones, not "passwordProfile"'],
    ['an attribute update without its object', (j) => { delete (j.changes[12] as Json).objectId; }, 'changes[12].objectId is missing'],
    ['a manager change to a number', (j) => { details(j, 13).to = 7; }, 'changes[13].details.to must be a string, not 7'],
    ['a membership without its group', (j) => { delete details(j, 14).groupId; }, 'changes[14].details.groupId is missing'],
    ['a new user\'s password', (j) => { details(j, 16).password = 'Secret-1!'; }, 'changes[16].details.password is not a field of changes[16].details'],
  ])('refuses %s, naming the field', (_name, edit, problem) => {
    const json = saved();
    edit(json);
    expect(refusal(json)).toBe(`p.json is not a plan tenantctl wrote: ${problem}. Nothing was changed; make the plan again with: tenantctl plan --out p.json`);
  });

  it('writes and reads back the policy paths and the --only list (optional fields of version 2), after the digest', () => {
    const plan = planOf([blockSignIn('a@contoso.com')], [], { policyPaths: ['tenants/prod'], only: ['a@contoso.com'] });
    const text = renderPlanJson(plan);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['formatVersion', 'tenantId', 'createdAt', 'policyDigest', 'policyPaths', 'only', 'changes', 'diagnostics', 'summary']);
    expect(parseSavedPlan(text, 'p.json')).toEqual(plan);
    expect(renderPlanJson(parseSavedPlan(text, 'p.json'))).toBe(text);
  });

  it('reads a plan without policy paths or --only (made before they were recorded) as a whole plan', () => {
    const read = parseSavedPlan(renderPlanJson(convergedPlan()), 'p.json');
    expect(read.policyPaths).toBeUndefined();
    expect(read.only).toBeUndefined();
  });

  it.each<[string, (json: ReturnType<typeof saved>) => void, string]>([
    ['policy paths that are not a list', (j) => { j.policyPaths = 'tenants/prod'; }, 'policyPaths must be a list, not "tenants/prod"'],
    ['an empty --only list', (j) => { j.only = []; }, 'only must hold at least 1 item, not 0'],
    ['a partial plan with a change for a principal it does not name', (j) => { j.only = ['zed@contoso.com']; }, `changes[0] is for alice@contoso.com, which the partial plan's only list does not name`],
  ])('refuses %s', (_name, edit, problem) => {
    const json = saved();
    edit(json);
    expect(refusal(json)).toBe(`p.json is not a plan tenantctl wrote: ${problem}. Nothing was changed; make the plan again with: tenantctl plan --out p.json`);
  });

  it('refuses a text over MAX_SAVED_PLAN_BYTES before parsing it', () => {
    const text = `{"formatVersion": 1, "x": "${'a'.repeat(MAX_SAVED_PLAN_BYTES)}"}`;
    expect(() => parseSavedPlan(text, 'p.json')).toThrow(/^p\.json is 50 MiB; a saved plan is at most 50 MiB\. Nothing was read from it/u);
  });

  it('refuses JSON that is not an object', () => {
    expect(refusal([1, 2])).toBe('p.json is not a saved plan (a JSON object); save a plan with: tenantctl plan --out p.json');
  });

  /** Every value in the JSON, with its path as the reader names it (changes[1].details.add[0].skuId). */
  function leaves(value: unknown, path = ''): { path: string; value: unknown }[] {
    if (Array.isArray(value)) return value.flatMap((item, index) => leaves(item, `${path}[${index}]`));
    if (value !== null && typeof value === 'object') {
      return Object.entries(value).flatMap(([key, item]) => leaves(item, path === '' ? key : `${path}.${key}`));
    }
    return [{ path, value }];
  }
  const set = (json: Json, path: string, value: unknown): void => {
    const keys = path.replace(/\[(\d+)\]/gu, '.$1').split('.');
    const last = keys.pop() ?? '';
    const parent = keys.reduce<Json>((node, key) => node[key] as Json, json);
    parent[last] = value;
  };

  const jsonType = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

  /**
   * The JSON types a leaf may hold: its own, and for the fields that take more than one type, those
   * too (a usage location's and a manager's `from` and a manager's `to`: a string or null; an
   * attribute's value: a string, a list of strings or null).
   */
  function acceptedAt(json: ReturnType<typeof saved>, path: string, was: unknown): readonly string[] {
    if (/^changes\[\d+\]\.details\.attributes\[\d+\]\.(from|to|value)$/u.test(path)) return ['string', 'null', 'array'];
    const detail = /^changes\[(\d+)\]\.details\.(from|to)$/u.exec(path);
    const action = detail ? (json.changes[Number(detail[1])] as Json).action : undefined;
    if (action === 'set-manager' || (action === 'set-usage-location' && detail?.[2] === 'from')) return ['string', 'null'];
    return [jsonType(was)];
  }

  it('refuses a value of another type anywhere in the plan, naming its path (every field, every JSON type)', () => {
    const wrongs: readonly unknown[] = [42, 'x', true, [], {}, null];
    let tried = 0;
    const paths = new Set<string>();
    for (const { path, value: was } of leaves(saved())) {
      const accepted = acceptedAt(saved(), path, was);
      for (const wrong of wrongs) {
        if (accepted.includes(jsonType(wrong))) continue;
        const json = saved();
        set(json, path, wrong);
        expect(refusal(json), `${path} = ${JSON.stringify(wrong)}`).toContain(path);
        tried++;
        paths.add(path.replace(/\[\d+\]/gu, '[]'));
      }
    }
    expect(tried).toBeGreaterThan(300);
    // The fields of every action, the protected principals and their count are among those tried.
    for (const path of ['changes[].details.attributes[].to', 'changes[].details.attributes[].value', 'changes[].details.toObjectId', 'changes[].details.groupName', 'changes[].details.licenses[]', 'protectedPrincipals[]', 'summary.protected']) {
      expect(paths, path).toContain(path);
    }
  });

  it('reads every action back as written', () => {
    const plan = parseSavedPlan(renderPlanJson(everyActionPlan()), 'p.json');
    expect(new Set(plan.changes.map((c) => c.action))).toEqual(new Set(ACTION_ORDER));
    expect(plan.protectedPrincipals).toEqual(['breakglass@contoso.com', 'root@contoso.com']);
    expect(plan).toEqual(JSON.parse(renderPlanJson(everyActionPlan())));
  });
});
