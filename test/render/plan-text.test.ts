import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/domain/plan.ts';
import { REFUSAL, renderPlanSummary, renderPlanText } from '../../src/render/plan-text.ts';
import {
  assignLicenses, blockSignIn, convergedPlan, createUser, diagnostic, enableSignIn, everyActionPlan, groupMember, license, LICENSING_E3, LICENSING_EMS,
  planOf, removeLicenses, restoreUser, setManager, setUsageLocation, tenantMismatchPlan, updateAttributes,
} from '../support/plans.ts';

const golden = (name: string): string => `../fixtures/golden/${name}`;

/**
 * Golden renderings of `tenantctl plan` for a terminal. A change to wording or layout shows up as a
 * diff to review; accept it with `npx vitest run test/render -u` (the path before -u: vitest 5 reads `-u <word>` as the update mode) and commit the golden files.
 */
describe.each([
  ['every-action', everyActionPlan],
  ['converged', convergedPlan],
  ['tenant-mismatch', tenantMismatchPlan],
])('plan text for the %s plan', (name, build) => {
  it('matches the golden file', async () => {
    await expect(renderPlanText(build(), { color: false })).toMatchFileSnapshot(golden(`plan-${name}.txt`));
  });

  it('has no ANSI escapes without colour', () => {
    expect(renderPlanText(build(), { color: false })).not.toContain('\u001b[');
  });
});

const restores = (n: number): ReturnType<typeof restoreUser>[] => Array.from({ length: n }, (_, i) => restoreUser(`r${i}@contoso.com`));
const licensed = (n: number): ReturnType<typeof assignLicenses>[] => Array.from({ length: n }, (_, i) => assignLicenses(`l${i}@contoso.com`, [license('ENTERPRISEPACK')]));

describe('summary line', () => {
  it.each<[string, Plan, string]>([
    ['no changes', planOf([]), 'No changes. The tenant matches the policy.'],
    ['no changes, only notes and warnings', convergedPlan(), 'No changes. The tenant matches the policy.'],
    ['no changes but errors', planOf([], [diagnostic('error', 'not-restorable', 'x@contoso.com', 'purged')]), 'No changes. The tenant does not match the policy yet: fix the errors above.'],
    ['one restore', planOf([restoreUser('a@contoso.com')]), 'Plan: 1 to restore.'],
    ['the example from the issue', planOf([...restores(2), ...licensed(5), blockSignIn('s@contoso.com')]), 'Plan: 2 to restore, 5 to license, 1 to block.'],
    ['every action, given out of order', planOf([
      blockSignIn('a@contoso.com'), enableSignIn('b@contoso.com'), removeLicenses('c@contoso.com', ['EMS']), assignLicenses('d@contoso.com', [license('EMS')]),
      setUsageLocation('e@contoso.com', 'NL'), createUser('f@contoso.com'), restoreUser('g@contoso.com'),
    ]), 'Plan: 1 to restore, 1 to create, 1 to set usage location, 1 to license, 1 to unlicense, 1 to enable, 1 to block.'],
    ['the new actions', planOf([
      groupMember('remove-group-member', 'a@contoso.com', LICENSING_EMS), groupMember('add-group-member', 'b@contoso.com', LICENSING_E3), setManager('c@contoso.com', null, 'x@contoso.com'),
      updateAttributes('d@contoso.com', [['jobTitle', null, 'Engineer']]),
    ]), 'Plan: 1 to update attributes, 1 to set manager, 1 to add to a group, 1 to remove from a group.'],
    ['protected principals', planOf([blockSignIn('a@contoso.com')], [], { protectedPrincipals: ['b@contoso.com', 'c@contoso.com'] }), 'Plan: 1 to block. 2 protected principals left alone.'],
    ['no changes, one protected principal', planOf([], [], { protectedPrincipals: ['b@contoso.com'] }), 'No changes. The tenant matches the policy. 1 protected principal left alone.'],
    ['thousands grouped', planOf(restores(2500)), 'Plan: 2,500 to restore.'],
    ['wrong tenant, even with changes', { ...tenantMismatchPlan(), ...planOf(restores(1), tenantMismatchPlan().diagnostics) }, REFUSAL],
  ])('%s', (_name, plan, expected) => {
    expect(renderPlanSummary(plan)).toBe(expected);
    expect(renderPlanText(plan, { color: false }).trimEnd().split('\n').at(-1)).toBe(expected);
  });
});

describe('sentences', () => {
  const text = (plan: Plan): string => renderPlanText(plan, { color: false });

  it.each<[string, Plan, string]>([
    ['restore', planOf([restoreUser('alice@contoso.com')]), '  + will be restored — deleted 2026-11-10, restorable until 2026-12-10 (18 days left)'],
    ['restore found by address, under the declared UPN', planOf([restoreUser('alice@contoso.com', { newUserPrincipalName: 'Alice@contoso.com' })]),
      '  + will be restored (found by its address, under this UPN) — deleted'],
    ['restore with rename', planOf([restoreUser('alice@contoso.com', { newUserPrincipalName: 'alice.restored@contoso.com' })]),
      '  + will be restored as alice.restored@contoso.com (an active user holds alice@contoso.com) — deleted'],
    ['proxy conflicts dropped', planOf([restoreUser('alice@contoso.com', { conflictingAddresses: ['smtp:a@contoso.com', 'smtp:b@contoso.com'] })]),
      '; proxy addresses an active object holds will be dropped: smtp:a@contoso.com, smtp:b@contoso.com'],
    ['licenses come back', planOf([restoreUser('alice@contoso.com', { licenses: ['ENTERPRISEPACK'] })]), '; its license comes back: ENTERPRISEPACK (Office 365 E3)'],
    ['create', planOf([createUser('carol@contoso.com')]), '  + will be created (no deleted copy to restore)\n  + displayName: "carol"\n  + signs in with a Temporary Access Pass or a password reset the administrator issues'],
    ['create with attributes', planOf([createUser('carol@contoso.com', { displayName: 'Carol', usageLocation: 'NL', accountEnabled: false, attributes: [{ attribute: 'jobTitle', value: 'Engineer' }, { attribute: 'businessPhones', value: ['+31 20 123 4567'] }] })]),
      '  + will be created (no deleted copy to restore)\n  + displayName: "Carol"\n  + jobTitle: "Engineer"\n  + businessPhones: ["+31 20 123 4567"]\n  + usage location: NL\n  + sign-in: blocked\n  + signs in with'],
    ['attributes, one per line', planOf([updateAttributes('tom@contoso.com', [['jobTitle', 'Engineer', 'Senior Engineer'], ['department', null, 'Sales'], ['businessPhones', ['+31 20 123 4567'], null]])]),
      'tom@contoso.com\n  ~ jobTitle: "Engineer" → "Senior Engineer"\n  ~ department: (none) → "Sales"\n  ~ businessPhones: ["+31 20 123 4567"] → (none)\n'],
    ['a manager', planOf([setManager('tom@contoso.com', 'alice@contoso.com', 'bob@contoso.com')]), '  ~ manager: alice@contoso.com → bob@contoso.com'],
    ['a first manager', planOf([setManager('tom@contoso.com', null, 'bob@contoso.com')]), '  ~ manager: (none) → bob@contoso.com'],
    ['no manager', planOf([setManager('tom@contoso.com', 'bob@contoso.com', null)]), '  ~ manager: bob@contoso.com → (none)'],
    ['a membership', planOf([groupMember('add-group-member', 'uma@contoso.com', LICENSING_E3)]), '  + member of "Licensing E3" (gives ENTERPRISEPACK)'],
    ['a membership removed', planOf([groupMember('remove-group-member', 'uma@contoso.com', LICENSING_EMS)]), '  - no longer a member of "Licensing EMS" (takes away EMS)'],
    ['usage location from empty', planOf([setUsageLocation('dave@contoso.com', 'NL')]), '  ~ usage location will be set to NL (was empty)'],
    ['usage location from another', planOf([setUsageLocation('dave@contoso.com', 'NL', 'US')]), '  ~ usage location will be set to NL (was US)'],
    ['new license with disabled plans', planOf([assignLicenses('dave@contoso.com', [license('ENTERPRISEPACK', ['YAMMER_ENTERPRISE', 'SWAY'])])]),
      '  + will get ENTERPRISEPACK (Office 365 E3) without YAMMER_ENTERPRISE, SWAY'],
    ['disabled plans replaced', planOf([assignLicenses('dave@contoso.com', [license('ENTERPRISEPACK', ['YAMMER_ENTERPRISE'], [])])]),
      '  ~ ENTERPRISEPACK (Office 365 E3) will have YAMMER_ENTERPRISE disabled (was: none)'],
    ['all plans enabled again', planOf([assignLicenses('dave@contoso.com', [license('ENTERPRISEPACK', [], ['SWAY'])])]),
      '  ~ ENTERPRISEPACK (Office 365 E3) will have no plans disabled (was: SWAY)'],
    ['remove', planOf([removeLicenses('erin@contoso.com', ['POWER_BI_PRO'])]), '  - will lose the direct license POWER_BI_PRO (Power BI Pro)'],
    ['enable', planOf([enableSignIn('erin@contoso.com')]), '  ~ sign-in will be enabled'],
    ['block', planOf([blockSignIn('support@contoso.com')]), '  - sign-in will be blocked'],
  ])('%s', (_name, plan, expected) => {
    expect(text(plan)).toContain(expected);
  });

  it('counts the restore clock from `now` when a saved plan is shown later', () => {
    const plan = planOf([restoreUser('alice@contoso.com')]);
    expect(renderPlanText(plan, { color: false, now: '2026-12-05T12:00:00Z' })).toContain('(4 days left)');
    expect(renderPlanText(plan, { color: false, now: new Date('2026-12-10T08:00:00Z') })).toContain('(less than a day left)');
    expect(renderPlanText(plan, { color: false, now: '2026-12-11T00:00:00Z' })).toContain('(the restore window has closed)');
  });

  it('groups changes by principal, in plan order, whatever the case of the UPN', () => {
    const out = text(planOf([restoreUser('b@contoso.com'), setUsageLocation('a@contoso.com', 'NL'), assignLicenses('B@contoso.com', [license('EMS')])]));
    expect(out.indexOf('b@contoso.com\n')).toBeLessThan(out.indexOf('a@contoso.com\n'));
    expect(out).toMatch(/b@contoso\.com\n {2}\+ will be restored[^\n]*\n {2}\+ will get EMS/);
  });
});

describe('diagnostics', () => {
  it('come first: errors, then warnings, then notes', () => {
    const out = renderPlanText(everyActionPlan(), { color: false });
    const severities = out.split('\n').map((line) => /^(error|warning|info) {2}/.exec(line)?.[1]).filter((s) => s !== undefined);
    expect(severities).toEqual(['error', 'error', 'error', 'warning', 'warning', 'info', 'info', 'info']);
    expect(out.indexOf('info  ')).toBeLessThan(out.indexOf('tenantctl will make these changes:'));
    expect(out).toContain('error  upn-conflict  frank@contoso.com: An active user holds frank@contoso.com;');
    expect(out).toContain('warning  seat-shortfall  ENTERPRISEPACK (Office 365 E3): the plan needs 3 seats');
  });

  it('mark the principals that apply will skip', () => {
    expect(renderPlanText(everyActionPlan(), { color: false })).toContain('greg@contoso.com (skipped by apply: unknown-service-plan)');
  });

  it('refuse the whole plan for the wrong tenant, and list no changes', () => {
    const plan = { ...tenantMismatchPlan(), ...planOf([restoreUser('alice@contoso.com')], tenantMismatchPlan().diagnostics) };
    const out = renderPlanText(plan, { color: false });
    expect(out).toContain('The whole plan is refused');
    expect(out).not.toContain('will be restored');
  });

  it('still list notes when nothing changes', () => {
    expect(renderPlanText(convergedPlan(), { color: false })).toMatch(/^info {2}undeclared-license {2}hank@contoso\.com: /);
  });
});

describe('colour', () => {
  const coloured = renderPlanText(everyActionPlan(), { color: true });

  it.each([
    ['restores and additions green', '\u001b[32m+\u001b[0m will be restored'],
    ['changes yellow', '\u001b[33m~\u001b[0m usage location will be set'],
    ['removals red', '\u001b[31m-\u001b[0m will lose'],
    ['blocks red', '\u001b[31m-\u001b[0m sign-in will be blocked'],
    ['errors red', '\u001b[31merror\u001b[0m  upn-conflict'],
    ['warnings yellow', '\u001b[33mwarning\u001b[0m  restore-window-closing'],
  ])('paints %s', (_name, expected) => {
    expect(coloured).toContain(expected);
  });

  it('paints attribute and manager changes yellow, a membership green and its removal red', () => {
    expect(coloured).toContain('\u001b[33m~\u001b[0m jobTitle: "Engineer" → "Senior Engineer"');
    expect(coloured).toContain('\u001b[33m~\u001b[0m manager: alice@contoso.com → bob@contoso.com');
    expect(coloured).toContain('\u001b[32m+\u001b[0m member of "Licensing E3"');
    expect(coloured).toContain('\u001b[31m-\u001b[0m no longer a member of "Licensing EMS"');
  });

  it('never lets an attribute value write escapes to the terminal', () => {
    const out = renderPlanText(planOf([updateAttributes('a@contoso.com', [['jobTitle', null, 'x\u001b]0;pwned\u0007']])]), { color: false });
    expect(out).not.toContain('\u001b');
    expect(out).toContain('jobTitle: (none) → "x\\u001b]0;pwned\\u0007"');
  });

  it('never lets tenant data write escapes to the terminal', () => {
    const plan = planOf([blockSignIn('evil@contoso.com')], [diagnostic('warning', 'mailbox-type-mismatch', 'evil@contoso.com', 'name \u001b]0;pwned\u0007 \u001b[2J')]);
    const out = renderPlanText(plan, { color: false });
    expect(out).not.toContain('\u001b');
    expect(out).toContain('name \\u001b]0;pwned\\u0007 \\u001b[2J');
  });
});
