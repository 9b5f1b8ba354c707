/**
 * A partial plan (`--only`, src/domain/partial-plan.ts): made for the whole policy, then only the named
 * principals' share kept, with a warning that says what was left out; an --only UPN the policy does
 * not declare is an error with suggestions.
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/domain/plan.ts';
import { PLAN_FORMAT_VERSION } from '../../src/domain/plan.ts';
import { parseSavedPlan, renderPlanJson } from '../../src/domain/plan-format.ts';
import { checkSelection, describeSelection, onlySelection, partialPlan, sameSelection, selectedChanges } from '../../src/domain/partial-plan.ts';
import { hasErrors } from '../../src/domain/diagnostics.ts';
import { actionLines, daysAgo, declaredUser, deletedUser, desired, desiredLicense, planAt, sku, tenant, user } from '../support/planning.ts';

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

describe('partialPlan and the SKU-wide seat-shortfall error', () => {
  // Bob and Carol want the one free E3 seat (Bob gets it); Alice only has her sign-in blocked.
  const state = desired([
    declaredUser('alice@contoso.com', { accountEnabled: false }),
    ...['carol', 'bob'].map((n) => declaredUser(`${n}@contoso.com`, { licenses: [e3] })),
  ]);
  const observed = tenant({ users: ['alice', 'carol', 'bob'].map((n) => user(`${n}@contoso.com`)), skus: [sku({ enabledUnits: 2, consumedUnits: 1 })] });
  const full = asPlan(planAt(state, observed));
  const shortfall = (plan: Plan) => plan.diagnostics.filter((d) => d.code === 'seat-shortfall' && d.userPrincipalName === undefined);

  it('the full plan has it as an error', () => {
    expect(shortfall(full).map((d) => d.severity)).toEqual(['error']);
  });

  it('--only a principal who is not short of a seat: a warning that says it concerns principals outside the partial plan, and no error', () => {
    for (const only of [['alice@contoso.com'], ['bob@contoso.com']]) {
      const partial = partialPlan(full, only, 3);
      expect(hasErrors(partial.diagnostics), only[0]).toBe(false);
      expect(shortfall(partial)).toEqual([{ ...shortfall(full)[0], severity: 'warning', message: expect.stringContaining('this concerns principals outside this partial plan') as string }]);
    }
    expect(actionLines(partialPlan(full, ['alice@contoso.com'], 3).changes)).toEqual(['block-sign-in alice@contoso.com']);
  });

  it('--only a principal who is short of a seat (alone or with others): still an error', () => {
    for (const only of [['carol@contoso.com'], ['alice@contoso.com', 'carol@contoso.com']]) {
      expect(shortfall(partialPlan(full, only, 3))).toEqual(shortfall(full));
    }
  });
});

describe('partialPlan and a manager the full plan brings into being', () => {
  // Bob's declared manager Boss is deleted: the full plan restores Boss, then sets Bob's manager to the restored object.
  const boss = deletedUser('boss@contoso.com', daysAgo(2), { displayName: 'boss' });
  const bob = user('bob@contoso.com', { managerId: null, accountEnabled: false });
  const restored = asPlan(planAt(desired([declaredUser('boss@contoso.com'), declaredUser('bob@contoso.com', { manager: 'boss@contoso.com' })]), tenant({ users: [bob], deleted: [boss] })));
  // Boss does not exist at all: the full plan creates Boss, and Bob's set-manager names Boss by UPN.
  const created = asPlan(planAt(desired([declaredUser('boss@contoso.com'), declaredUser('bob@contoso.com', { manager: 'boss@contoso.com' })]), tenant({ users: [bob] })));

  it('the full plans set Bob\'s manager to the restored (or created) Boss', () => {
    expect(actionLines(restored.changes)).toEqual(['set-manager bob@contoso.com', 'enable-sign-in bob@contoso.com', 'restore-user boss@contoso.com']);
    expect(actionLines(created.changes)).toEqual(['set-manager bob@contoso.com', 'enable-sign-in bob@contoso.com', 'create-user boss@contoso.com']);
  });

  it.each([
    ['restores', () => restored],
    ['creates', () => created],
  ])('--only bob when the full plan %s the manager: no set-manager, and a warning for bob naming the manager and the --only to add', (how, plan) => {
    const partial = partialPlan(plan(), ['bob@contoso.com'], 2);
    expect(actionLines(partial.changes)).toEqual(['enable-sign-in bob@contoso.com']);
    // The engine counts the permissions apply needs from the same selection.
    expect(selectedChanges(plan().changes, ['bob@contoso.com'])).toEqual(partial.changes);
    expect(partial.summary).toEqual({ 'enable-sign-in': 1 });
    expect(partial.diagnostics.filter((d) => d.userPrincipalName === 'bob@contoso.com')).toEqual([
      { severity: 'warning', code: 'partial-plan', userPrincipalName: 'bob@contoso.com', message: `its manager boss@contoso.com is not set: the full plan ${how} boss@contoso.com, and this partial plan leaves it out. Add --only boss@contoso.com to set the manager in the same apply` },
    ]);
    expect(hasErrors(partial.diagnostics)).toBe(false);
    // Saved with --out, the plan reads back as it was.
    expect(parseSavedPlan(renderPlanJson(partial), 'p.json').diagnostics).toEqual(partial.diagnostics);
  });

  it('--only bob and the manager: the set-manager is kept (apply sets it after the restore or creation)', () => {
    for (const plan of [restored, created]) {
      const partial = partialPlan(plan, ['bob@contoso.com', 'boss@contoso.com'], 2);
      expect(partial.changes).toEqual(plan.changes);
      expect(partial.diagnostics.map((d) => d.code)).toEqual(['partial-plan']);
    }
  });

  it('a manager who is an active user is set whatever the selection', () => {
    const carol = user('carol@contoso.com');
    const plan = asPlan(planAt(desired([declaredUser('carol@contoso.com'), declaredUser('bob@contoso.com', { manager: 'carol@contoso.com' })]), tenant({ users: [bob, carol] })));
    expect(actionLines(partialPlan(plan, ['bob@contoso.com'], 2).changes)).toEqual(['set-manager bob@contoso.com', 'enable-sign-in bob@contoso.com']);
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
