// The policy's `watch` section (issue 16): what `tenantctl watch` may heal without a person, and the breaker's
// limit. Positions are worked out by hand: `policy(...)` puts apiVersion on line 1, kind on line 2, so the first
// line given is line 3. Columns are 1-based.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/domain/diagnostics.ts';
import { formatLocation } from '../../src/domain/diagnostics.ts';
import { DEFAULT_HEAL_ACTIONS, DEFAULT_MAX_CHANGES_PER_HOUR } from '../../src/domain/heal.ts';
import { ACTION_ORDER } from '../../src/domain/plan.ts';
import { assemblePolicy } from '../../src/policy/assemble.ts';
import type { PolicySource } from '../../src/policy/source.ts';

function policy(file: string, ...lines: readonly string[]): PolicySource {
  return { file, bytes: new TextEncoder().encode(['apiVersion: tenantctl/v1', 'kind: TenantPolicy', ...lines, ''].join('\n')) };
}

const brief = (d: Diagnostic): string => `${d.location ? formatLocation(d.location) : '-'} ${d.severity} ${d.code} ${d.message}`;

describe('watch: defaults', () => {
  it('heals restores, licenses, the usage location they need and blocked sign-in, at most 60 an hour, when the policy says nothing', () => {
    const result = assemblePolicy([policy('p.yaml', 'users:', '  - userPrincipalName: a@contoso.com', '    displayName: A')]);
    expect(result.diagnostics).toEqual([]);
    expect(result.desired?.watch).toEqual({ heal: ['restore-user', 'set-usage-location', 'assign-licenses', 'block-sign-in'], maxChangesPerHour: 60 });
    expect(DEFAULT_HEAL_ACTIONS).toEqual(['restore-user', 'set-usage-location', 'assign-licenses', 'block-sign-in']);
    expect(DEFAULT_MAX_CHANGES_PER_HOUR).toBe(60);
  });

  it('fills in the key the section leaves out', () => {
    expect(assemblePolicy([policy('p.yaml', 'watch: {}')]).desired?.watch).toEqual({ heal: DEFAULT_HEAL_ACTIONS, maxChangesPerHour: 60 });
    expect(assemblePolicy([policy('p.yaml', 'watch:', '  maxChangesPerHour: 5')]).desired?.watch).toEqual({ heal: DEFAULT_HEAL_ACTIONS, maxChangesPerHour: 5 });
    expect(assemblePolicy([policy('p.yaml', 'watch:', '  heal: [restore-user]')]).desired?.watch).toEqual({ heal: ['restore-user'], maxChangesPerHour: 60 });
  });
});

describe('watch: values', () => {
  it('keeps the listed actions once each, in the order changes run, whatever order they are written in', () => {
    const result = assemblePolicy([policy('p.yaml', 'watch:', '  heal: [block-sign-in, create-user, restore-user, remove-licenses]', '  maxChangesPerHour: 10000')]);
    expect(result.diagnostics).toEqual([]);
    expect(result.desired?.watch).toEqual({ heal: ['restore-user', 'create-user', 'remove-licenses', 'block-sign-in'], maxChangesPerHour: 10000 });
  });

  it('accepts every plan action, and an empty list (heal nothing: report only)', () => {
    const all = assemblePolicy([policy('p.yaml', 'watch:', `  heal: [${[...ACTION_ORDER].reverse().join(', ')}]`, '  maxChangesPerHour: 1')]);
    expect(all.diagnostics).toEqual([]);
    expect(all.desired?.watch).toEqual({ heal: ACTION_ORDER, maxChangesPerHour: 1 });
    const none = assemblePolicy([policy('p.yaml', 'watch:', '  heal: []')]);
    expect(none.diagnostics).toEqual([]);
    expect(none.desired?.watch.heal).toEqual([]);
  });
});

describe('watch: validation', () => {
  it('names an unknown action where it is written, with a suggestion and the list of actions', () => {
    const result = assemblePolicy([policy('p.yaml', 'watch:', '  heal: [restore-user, create-users, licenses, everything]')]);
    expect(result.desired).toBeUndefined();
    const actions = ACTION_ORDER.join(', ');
    expect(result.diagnostics.map(brief)).toEqual([
      `p.yaml:4:24 error invalid-value watch.heal[1]: unknown plan action "create-users"; did you mean create-user? Plan actions: ${actions}`,
      `p.yaml:4:38 error invalid-value watch.heal[2]: unknown plan action "licenses"; did you mean assign-licenses? Plan actions: ${actions}`,
      `p.yaml:4:48 error invalid-value watch.heal[3]: unknown plan action "everything". Plan actions: ${actions}`,
    ]);
  });

  it('points at each entry of a block list', () => {
    const result = assemblePolicy([policy('p.yaml', 'watch:', '  heal:', '    - restore-user', '    - Block-Sign-In')]);
    expect(result.diagnostics.map(brief)).toEqual([
      `p.yaml:6:7 error invalid-value watch.heal[1]: unknown plan action "Block-Sign-In"; did you mean block-sign-in? Plan actions: ${ACTION_ORDER.join(', ')}`,
    ]);
  });

  it('bounds maxChangesPerHour to a whole number from 1 to 10000', () => {
    const at = (value: string): string[] => assemblePolicy([policy('p.yaml', 'watch:', `  maxChangesPerHour: ${value}`)]).diagnostics.map(brief);
    expect(at('0')).toEqual(['p.yaml:4:22 error invalid-value watch.maxChangesPerHour must be at least 1, not 0']);
    expect(at('-5')).toEqual(['p.yaml:4:22 error invalid-value watch.maxChangesPerHour must be at least 1, not -5']);
    expect(at('10001')).toEqual(['p.yaml:4:22 error invalid-value watch.maxChangesPerHour must be at most 10000, not 10001']);
    expect(at('1.5')).toEqual(['p.yaml:4:22 error invalid-type watch.maxChangesPerHour must be a whole number, not the number 1.5']);
    expect(at('"60"')).toEqual(['p.yaml:4:22 error invalid-type watch.maxChangesPerHour must be a whole number, not the string "60"']);
    expect(at('1')).toEqual([]);
    expect(at('10000')).toEqual([]);
  });

  it('refuses an action listed twice, a misspelt key and a section that is not a mapping', () => {
    expect(assemblePolicy([policy('p.yaml', 'watch:', '  heal: [restore-user, restore-user]')]).diagnostics.map(brief)).toEqual([
      'p.yaml:4:24 error invalid-value watch.heal lists "restore-user" twice; keep one',
    ]);
    expect(assemblePolicy([policy('p.yaml', 'watch:', '  heals: [restore-user]')]).diagnostics.map(brief)).toEqual([
      'p.yaml:4:3 error unknown-key watch: unknown key `heals`; did you mean `heal`?',
    ]);
    expect(assemblePolicy([policy('p.yaml', 'watch: [restore-user]')]).diagnostics.map(brief)).toEqual([
      'p.yaml:3:8 error invalid-type watch must be a mapping, not a list',
    ]);
    expect(assemblePolicy([policy('p.yaml', 'wacth: {}')]).diagnostics.map(brief)).toEqual([
      'p.yaml:3:1 error unknown-key top level: unknown key `wacth`; did you mean `watch`?',
    ]);
  });
});

describe('watch: in several files', () => {
  it('is an error naming both places when two files say different things', () => {
    const result = assemblePolicy([
      policy('a.yaml', 'watch:', '  heal: [restore-user, block-sign-in]', '  maxChangesPerHour: 60'),
      policy('b.yaml', 'watch:', '  heal: [restore-user, block-sign-in, create-user]', '  maxChangesPerHour: 500'),
    ]);
    expect(result.desired).toBeUndefined();
    expect(result.diagnostics.map(brief)).toEqual([
      'b.yaml:4:9 error conflicting-setting watch.heal is ["restore-user","block-sign-in","create-user"] here but ["restore-user","block-sign-in"] at a.yaml:4:9; set it in one file only',
      'b.yaml:5:22 error conflicting-setting watch.maxChangesPerHour is 500 here but 60 at a.yaml:5:22; set it in one file only',
    ]);
    expect(result.diagnostics.map((d) => d.related?.map(formatLocation))).toEqual([['a.yaml:4:9'], ['a.yaml:5:22']]);
  });

  it('is an error when a second file narrows or widens the list, but not when it repeats it in another order', () => {
    const narrowed = assemblePolicy([policy('a.yaml', 'watch:', '  heal: [restore-user, block-sign-in]'), policy('b.yaml', 'watch:', '  heal: []')]);
    expect(narrowed.diagnostics.map((d) => d.code)).toEqual(['conflicting-setting']);
    const same = assemblePolicy([policy('a.yaml', 'watch:', '  heal: [restore-user, block-sign-in]'), policy('b.yaml', 'watch:', '  heal: [block-sign-in, restore-user]')]);
    expect(same.diagnostics).toEqual([]);
    expect(same.desired?.watch.heal).toEqual(['restore-user', 'block-sign-in']);
  });

  it('takes each key from whichever file writes it', () => {
    const result = assemblePolicy([policy('a.yaml', 'watch:', '  heal: [restore-user]'), policy('b.yaml', 'watch:', '  maxChangesPerHour: 7')]);
    expect(result.diagnostics).toEqual([]);
    expect(result.desired?.watch).toEqual({ heal: ['restore-user'], maxChangesPerHour: 7 });
  });
});
