/**
 * A partial plan (`--only`, src/domain/partial-plan.ts): made for the whole policy, then only the named
 * principals' share kept, with a warning that says what was left out; an --only UPN the policy does
 * not declare is an error with suggestions.
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/domain/plan.ts';
import { PLAN_FORMAT_VERSION } from '../../src/domain/plan.ts';
import { checkSelection, describeSelection, onlySelection, partialPlan, sameSelection, selectedChanges } from '../../src/domain/partial-plan.ts';
import { actionLines, declaredUser, desired, desiredLicense, planAt, sku, tenant, user } from '../support/planning.ts';

const e3 = desiredLicense('ENTERPRISEPACK');

/** The planner's result as a plan (the engine adds the rest). */
function asPlan(result: ReturnType<typeof planAt>): Plan {
  return { formatVersion: PLAN_FORMAT_VERSION, tenantId: 't', createdAt: 'now', policyDigest: 'd', changes: result.changes, diagnostics: result.diagnostics, summary: {} };
}

describe('partialPlan', () => {
  // One free E3 seat and two declared principals who want it: the full plan gives it to bob (first in UPN order).
  const state = desired(['carol', 'bob'].map((n) => declaredUser(`${n}@contoso.com`, { licenses: [e3] })));
  const observed = tenant({ users: ['carol', 'bob'].map((n) => user(`${n}@contoso.com`)), skus: [sku({ enabledUnits: 2, consumedUnits: 1 })] });
  const full = asPlan(planAt(state, observed));

  it('--only the later principal in UPN order does not take the seat the full plan gives to the first', () => {
    expect(actionLines(full.changes)).toEqual(['assign-licenses bob@contoso.com']);
    const partial = partialPlan(full, ['Carol@Contoso.com'], 2);
    expect(partial.changes).toEqual([]);
    expect(partial.only).toEqual(['carol@contoso.com']);
    // Carol's own seat-shortfall stays with her; bob's share is gone.
    expect(partial.diagnostics.filter((d) => d.userPrincipalName !== undefined).map((d) => `${d.code} ${d.userPrincipalName}`)).toEqual(['seat-shortfall carol@contoso.com']);
    expect(partial.summary).toEqual({});
  });

  it('--only the first keeps its assignment, its summary, and the warning naming what was left out', () => {
    const partial = partialPlan(full, ['bob@contoso.com'], 2);
    expect(actionLines(partial.changes)).toEqual(['assign-licenses bob@contoso.com']);
    expect(partial.summary).toEqual({ 'assign-licenses': 1 });
    const [warning] = partial.diagnostics;
    expect(warning).toEqual({ severity: 'warning', code: 'partial-plan', message: expect.stringContaining('it covers 1 of the 2 principals the policy declares and leaves 1 out') as string });
    expect(warning?.message).toContain('seats were counted across the whole policy');
    expect(partial.diagnostics.some((d) => d.userPrincipalName === 'carol@contoso.com')).toBe(false);
  });

  it('says how many of the full plan\'s changes were left out', () => {
    const partial = partialPlan(full, ['carol@contoso.com'], 2);
    expect(partial.diagnostics[0]?.message).toContain('leaves 1 out, with 1 change a full plan would make');
  });

  it('keeps the diagnostics about no principal (they concern the whole plan)', () => {
    const plan: Plan = { ...full, diagnostics: [{ severity: 'warning', code: 'missing-permission', message: 'x' }, ...full.diagnostics] };
    expect(partialPlan(plan, ['carol@contoso.com'], 2).diagnostics.map((d) => d.code)).toContain('missing-permission');
  });

  it('an empty --only list is no selection', () => {
    expect(partialPlan(full, [], 2)).toBe(full);
    expect(selectedChanges(full.changes, [])).toBe(full.changes);
  });
});

describe('checkSelection', () => {
  const declared = ['alice@contoso.com', 'bob@contoso.com'];

  it('accepts declared UPNs in any case', () => {
    expect(checkSelection(['ALICE@contoso.com', 'bob@contoso.com'], declared)).toEqual([]);
  });

  it('names an undeclared UPN as an error, with the closest declared ones', () => {
    expect(checkSelection(['alcie@contoso.com'], declared)).toEqual([
      { severity: 'error', code: 'undeclared-principal', userPrincipalName: 'alcie@contoso.com', message: '--only alcie@contoso.com: the policy declares no such principal, so there is nothing to plan for it; did you mean alice@contoso.com?' },
    ]);
  });

  it('says what --only takes when nothing is close', () => {
    expect(checkSelection(['zed@fabrikam.com'], declared)[0]?.message).toContain('--only takes the userPrincipalName of a declared user or mailbox');
  });
});

describe('selections', () => {
  it('are lower case, sorted and unique; compared as such', () => {
    expect(onlySelection(['B@x.com', 'a@x.com', 'b@x.com'])).toEqual(['a@x.com', 'b@x.com']);
    expect(sameSelection(['b@x.com', 'A@x.com'], ['a@x.com', 'b@x.com'])).toBe(true);
    expect(sameSelection(undefined, ['a@x.com'])).toBe(false);
    expect(sameSelection(undefined, [])).toBe(true);
    expect(describeSelection(undefined)).toBe('the whole policy');
    expect(describeSelection(['b@x.com', 'a@x.com'])).toBe('only a@x.com, b@x.com (--only)');
  });
});
