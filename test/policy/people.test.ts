// The keys of issue 13: declared attributes and managers, protected principals, whenMissing (and the
// old whenPurged), defaults.protected, and license sets given through a group. Positions were worked
// out by hand from the YAML text, as in diagnostic-codes.test.ts: `policy(...)` puts `apiVersion` on
// line 1 and `kind` on line 2, so its first argument is line 3. Columns are 1-based.
import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_NAMES } from '../../src/domain/attributes.ts';
import type { DesiredPrincipal, DesiredState } from '../../src/domain/desired.ts';
import { digestPolicy } from '../../src/engine/digest.ts';
import type { PolicyResult } from '../../src/policy/assemble.ts';
import { assemblePolicy } from '../../src/policy/assemble.ts';

const encoder = new TextEncoder();

function policy(...lines: readonly string[]): string {
  return ['apiVersion: tenantctl/v1', 'kind: TenantPolicy', ...lines, ''].join('\n');
}

/** Files named p0.yaml, p1.yaml, … */
function load(...files: readonly string[]): PolicyResult {
  return assemblePolicy(files.map((text, index) => ({ file: `p${index}.yaml`, bytes: encoder.encode(text) })));
}

function brief(result: PolicyResult): string[] {
  return result.diagnostics.map((d) => `${d.location?.file}:${d.location?.line}:${d.location?.column} ${d.severity} ${d.code}`);
}

function desiredOf(result: PolicyResult): DesiredState {
  expect(result.diagnostics.filter((d) => d.severity !== 'info'), brief(result).join('\n')).toEqual([]);
  expect(result.desired).toBeDefined();
  return result.desired as DesiredState;
}

function principal(result: PolicyResult, upn: string): DesiredPrincipal {
  const found = desiredOf(result).principals.find((p) => p.userPrincipalName === upn);
  expect(found, upn).toBeDefined();
  return found as DesiredPrincipal;
}

/** Alice on lines 4 and 5 of a `users:` list that starts on line 3; further lines start at line 6. */
const ALICE = ['users:', '  - userPrincipalName: alice@contoso.com', '    displayName: Alice Jansen'];

/** Graph's maximum lengths (https://learn.microsoft.com/graph/api/resources/user); employeeType has none documented. */
const MAX_LENGTH: Readonly<Record<string, number>> = {
  givenName: 64,
  surname: 64,
  jobTitle: 128,
  department: 64,
  companyName: 64,
  officeLocation: 128,
  employeeId: 16,
  employeeType: 256,
  city: 128,
  country: 128,
  mobilePhone: 64,
};

describe('declared attributes', () => {
  it('reads every attribute a user declares, and only those, with displayName always', () => {
    const alice = principal(
      load(
        policy(
          ...ALICE,
          '    givenName: Alice',
          '    surname: Jansen',
          '    jobTitle: Accountant',
          '    department: Finance',
          '    companyName: Contoso',
          '    officeLocation: Amsterdam, floor 3',
          '    employeeId: E-10442',
          '    employeeType: Employee',
          '    city: Amsterdam',
          '    country: Netherlands',
          '    mobilePhone: "+31 6 1234 5678"',
          '    businessPhones: ["+31 20 123 4567"]',
        ),
      ),
      'alice@contoso.com',
    );
    expect(alice.attributes).toEqual({
      displayName: 'Alice Jansen',
      givenName: 'Alice',
      surname: 'Jansen',
      jobTitle: 'Accountant',
      department: 'Finance',
      companyName: 'Contoso',
      officeLocation: 'Amsterdam, floor 3',
      employeeId: 'E-10442',
      employeeType: 'Employee',
      city: 'Amsterdam',
      country: 'Netherlands',
      mobilePhone: '+31 6 1234 5678',
      businessPhones: ['+31 20 123 4567'],
    });
    expect(Object.keys(alice.attributes).sort()).toEqual([...ATTRIBUTE_NAMES].sort());
  });

  it('manages only the declared keys: a user that declares only jobTitle has {displayName, jobTitle}', () => {
    const alice = principal(load(policy(...ALICE, '    jobTitle: Accountant')), 'alice@contoso.com');
    expect(alice.attributes).toEqual({ displayName: 'Alice Jansen', jobTitle: 'Accountant' });
    expect(alice).not.toHaveProperty('manager');
  });

  it('reads null, "", an empty value, [] and [""] as declared and unset (null)', () => {
    const alice = principal(
      load(policy(...ALICE, '    givenName: null', '    surname: ""', '    department:', '    businessPhones: []', '    mobilePhone: ~')),
      'alice@contoso.com',
    );
    expect(alice.attributes).toEqual({ displayName: 'Alice Jansen', givenName: null, surname: null, department: null, businessPhones: null, mobilePhone: null });
    const bob = principal(
      load(policy('users:', '  - userPrincipalName: bob@contoso.com', '    displayName: Bob', '    businessPhones: [""]')),
      'bob@contoso.com',
    );
    expect(bob.attributes).toEqual({ displayName: 'Bob', businessPhones: null });
  });

  it('keeps values exactly as written (case and inner spaces)', () => {
    const alice = principal(load(policy(...ALICE, '    department: "sales  EMEA"')), 'alice@contoso.com');
    expect(alice.attributes.department).toBe('sales  EMEA');
  });

  it('reads attributes, a manager and protected on mailboxes too', () => {
    const result = load(
      policy(
        'mailboxes:',
        '  - userPrincipalName: Support@contoso.com',
        '    displayName: Support',
        '    type: shared',
        '    department: Service desk',
        '    manager: Alice@Contoso.com',
        '    protected: true',
      ),
    );
    expect(principal(result, 'support@contoso.com')).toMatchObject({
      kind: 'mailbox',
      attributes: { displayName: 'Support', department: 'Service desk' },
      manager: 'alice@contoso.com',
      protected: true,
      whenMissing: 'report',
    });
  });

  it.each(Object.entries(MAX_LENGTH))('%s: at most %i characters, as Graph allows', (name, max) => {
    const fits = principal(load(policy(...ALICE, `    ${name}: ${'x'.repeat(max)}`)), 'alice@contoso.com');
    expect(fits.attributes[name as keyof typeof fits.attributes]).toBe('x'.repeat(max));
    const result = load(policy(...ALICE, `    ${name}: ${'x'.repeat(max + 1)}`));
    expect(result.desired).toBeUndefined();
    // `    <name>: `: the value starts 4 + name + 2 characters in
    expect(brief(result)).toEqual([`p0.yaml:6:${name.length + 7} error invalid-value`]);
    expect(result.diagnostics[0]?.message).toBe(`users[0].${name} (alice@contoso.com) is longer than ${max} characters`);
  });

  it('refuses a number, a list or a mapping for a string attribute, at the value', () => {
    // `    jobTitle: 42`: the value is column 15
    const result = load(policy(...ALICE, '    jobTitle: 42', '    city: [Amsterdam]', '    country: {name: NL}'));
    expect(brief(result)).toEqual(['p0.yaml:6:15 error invalid-type', 'p0.yaml:7:11 error invalid-type', 'p0.yaml:8:14 error invalid-type']);
    expect(result.diagnostics[0]?.message).toBe('users[0].jobTitle (alice@contoso.com) must be a string or empty (null), not the number 42');
  });

  it('refuses two business phones (Graph keeps one), and one longer than 64 characters', () => {
    // `    businessPhones: [`: the list starts at column 21
    const two = load(policy(...ALICE, '    businessPhones: ["+31 20 1", "+31 20 2"]'));
    expect(brief(two)).toEqual(['p0.yaml:6:21 error invalid-value']);
    expect(two.diagnostics[0]?.message).toBe('users[0].businessPhones (alice@contoso.com) may hold at most 1 item, not 2: Graph keeps one business phone number');
    // the item's opening quote is column 22
    const long = load(policy(...ALICE, `    businessPhones: ["${'1'.repeat(65)}"]`));
    expect(brief(long)).toEqual(['p0.yaml:6:22 error invalid-value']);
    const text = load(policy(...ALICE, '    businessPhones: "+31 20 1"'));
    expect(brief(text)).toEqual(['p0.yaml:6:21 error invalid-type']);
    expect(text.diagnostics[0]?.message).toContain('must be a list or empty (null)');
  });

  it('refuses an attribute the policy does not know, with a suggestion', () => {
    const result = load(policy(...ALICE, '    jobtitle: Accountant'));
    expect(brief(result)).toEqual(['p0.yaml:6:5 error unknown-key']);
    expect(result.diagnostics[0]?.message).toContain('did you mean `jobTitle`?');
  });

  it('refuses a control character in an attribute', () => {
    // `    jobTitle: "Acc\u001bountant"`: written as an escape, the value is pointed at from its quote, column 15
    const escaped = load(policy(...ALICE, '    jobTitle: "Acc\\u001bountant"'));
    expect(brief(escaped)).toEqual(['p0.yaml:6:15 error invalid-value']);
    expect(escaped.diagnostics[0]?.message).toContain('users[0].jobTitle (alice@contoso.com) contains the control character U+001B');
  });
});

describe('manager', () => {
  it('is lower-cased; null means "must have none"; absent means not managed', () => {
    const result = load(
      policy(
        'users:',
        '  - {userPrincipalName: alice@contoso.com, displayName: Alice, manager: Bob.de-Vries@Contoso.COM}',
        '  - {userPrincipalName: bob.de-vries@contoso.com, displayName: Bob, manager: null}',
        '  - {userPrincipalName: carol@contoso.com, displayName: Carol}',
      ),
    );
    expect(principal(result, 'alice@contoso.com').manager).toBe('bob.de-vries@contoso.com');
    expect(principal(result, 'bob.de-vries@contoso.com').manager).toBeNull();
    expect(principal(result, 'carol@contoso.com')).not.toHaveProperty('manager');
    // The manager is not an attribute: it is managed through Graph's manager reference.
    expect(principal(result, 'alice@contoso.com').attributes).toEqual({ displayName: 'Alice' });
  });

  it('may name someone the policy does not declare (the plan checks the tenant)', () => {
    expect(principal(load(policy(...ALICE, '    manager: ceo@contoso.com')), 'alice@contoso.com').manager).toBe('ceo@contoso.com');
  });

  it('must be a valid UPN: invalid-upn at the manager', () => {
    // `    manager: `: the value starts at column 14
    const result = load(policy(...ALICE, '    manager: bob@@contoso.com'));
    expect(brief(result)).toEqual(['p0.yaml:6:14 error invalid-upn']);
    expect(result.diagnostics[0]?.message).toContain('users[0].manager (alice@contoso.com) "bob@@contoso.com" is not valid: a UPN is local-part@domain');
    expect(brief(load(policy(...ALICE, '    manager: ""')))).toEqual(['p0.yaml:6:14 error invalid-upn']);
    const number = load(policy(...ALICE, '    manager: 7'));
    expect(brief(number)).toEqual(['p0.yaml:6:14 error invalid-type']);
    expect(number.diagnostics[0]?.message).toContain('must be a string or empty (null), not the number 7');
  });

  it('is not the principal itself: invalid-manager at the manager, whatever the case', () => {
    const result = load(policy(...ALICE, '    manager: ALICE@contoso.com'));
    expect(brief(result)).toEqual(['p0.yaml:6:14 error invalid-manager']);
    expect(result.diagnostics[0]).toMatchObject({
      userPrincipalName: 'alice@contoso.com',
      message: 'alice@contoso.com names itself as its manager; name another UPN, or write `manager: null` for no manager',
    });
    expect(result.desired).toBeUndefined();
  });

  it('on a principal with an invalid UPN, is still checked, but not compared with that UPN', () => {
    const result = load(policy('users:', '  - userPrincipalName: bob@@contoso.com', '    displayName: Bob', '    manager: bob@@contoso.com'));
    expect(brief(result)).toEqual(['p0.yaml:4:24 error invalid-upn', 'p0.yaml:6:14 error invalid-upn']);
  });
});

describe('protected principals', () => {
  it('by their own flag', () => {
    const result = load(policy(...ALICE, '    protected: true', '  - {userPrincipalName: bob@contoso.com, displayName: Bob, protected: false}'));
    expect(principal(result, 'alice@contoso.com').protected).toBe(true);
    expect(principal(result, 'bob@contoso.com').protected).toBe(false);
    expect(desiredOf(result).defaults.protected).toEqual([]);
  });

  it('by defaults.protected, compared case-insensitively; the list is lower case, sorted, each once, declared or not', () => {
    const result = load(
      policy(
        'defaults:',
        '  protected: [Zed@contoso.com, BreakGlass@Contoso.onmicrosoft.com, breakglass@contoso.onmicrosoft.com]',
        'users:',
        '  - {userPrincipalName: breakglass@contoso.onmicrosoft.com, displayName: Break glass}',
        '  - {userPrincipalName: alice@contoso.com, displayName: Alice}',
      ),
    );
    expect(desiredOf(result).defaults.protected).toEqual(['breakglass@contoso.onmicrosoft.com', 'zed@contoso.com']);
    expect(principal(result, 'breakglass@contoso.onmicrosoft.com').protected).toBe(true);
    expect(principal(result, 'alice@contoso.com').protected).toBe(false);
  });

  it('the flag and the list together are no conflict', () => {
    const result = load(policy('defaults:', '  protected: [alice@contoso.com]', ...ALICE, '    protected: true'));
    expect(principal(result, 'alice@contoso.com').protected).toBe(true);
  });

  it('refuses a flag that is not a boolean, and an entry of defaults.protected that is not a UPN', () => {
    // `    protected: "yes"`: the quote is column 16
    const flag = load(policy(...ALICE, '    protected: "yes"'));
    expect(brief(flag)).toEqual(['p0.yaml:6:16 error invalid-type']);
    expect(flag.diagnostics[0]?.message).toContain('without quotes');
    // `  protected: [ok@contoso.com, `: 30 characters, the second item starts at column 31
    const entry = load(policy('defaults:', '  protected: [ok@contoso.com, not a upn]'));
    expect(brief(entry)).toEqual(['p0.yaml:4:31 error invalid-upn']);
    expect(entry.diagnostics[0]?.message).toContain('defaults.protected[1] "not a upn" is not valid');
    const notList = load(policy('defaults:', '  protected: alice@contoso.com'));
    expect(brief(notList)).toEqual(['p0.yaml:4:14 error invalid-type']);
  });

  it('defaults.protected in two files: the same accounts in any order and case, or a conflict naming both', () => {
    const same = load(policy('defaults:', '  protected: [a@contoso.com, B@contoso.com]'), policy('defaults:', '  protected: [b@contoso.com, a@contoso.com, a@contoso.com]'));
    expect(desiredOf(same).defaults.protected).toEqual(['a@contoso.com', 'b@contoso.com']);
    const different = load(policy('defaults:', '  protected: [a@contoso.com]'), policy('defaults:', '  protected: [a@contoso.com, b@contoso.com]'));
    expect(brief(different)).toEqual(['p1.yaml:4:14 error conflicting-setting']);
    expect(different.diagnostics[0]?.message).toContain('p0.yaml:4:14');
  });
});

describe('whenMissing', () => {
  it('defaults to create; a user may say report; mailboxes are always report', () => {
    const result = load(
      policy(
        ...ALICE,
        '  - {userPrincipalName: bob@contoso.com, displayName: Bob, whenMissing: report}',
        'mailboxes:',
        '  - {userPrincipalName: support@contoso.com, displayName: Support, type: shared}',
      ),
    );
    expect(desiredOf(result).defaults.whenMissing).toBe('create');
    expect(principal(result, 'alice@contoso.com').whenMissing).toBe('create');
    expect(principal(result, 'bob@contoso.com').whenMissing).toBe('report');
    expect(principal(result, 'support@contoso.com').whenMissing).toBe('report');
  });

  it('defaults.whenMissing applies to users that set none; their own wins', () => {
    const result = load(
      policy('defaults:', '  whenMissing: report', ...ALICE, '  - {userPrincipalName: bob@contoso.com, displayName: Bob, whenMissing: create}'),
    );
    expect(desiredOf(result).defaults.whenMissing).toBe('report');
    expect(principal(result, 'alice@contoso.com').whenMissing).toBe('report');
    expect(principal(result, 'bob@contoso.com').whenMissing).toBe('create');
  });

  it('refuses other values, with a suggestion, and refuses the key on a mailbox', () => {
    // `    whenMissing: `: the value starts at column 18
    const value = load(policy(...ALICE, '    whenMissing: Report'));
    expect(brief(value)).toEqual(['p0.yaml:6:18 error invalid-value']);
    expect(value.diagnostics[0]?.message).toContain('must be one of create, report, not "Report"; did you mean report?');
    const mailbox = load(policy('mailboxes:', '  - userPrincipalName: support@contoso.com', '    displayName: Support', '    type: shared', '    whenMissing: create'));
    expect(brief(mailbox)).toEqual(['p0.yaml:7:5 error unknown-key']);
    expect(mailbox.diagnostics[0]?.message).toContain('Graph cannot create a mailbox');
  });

  it('reads the old defaults.whenPurged as defaults.whenMissing, with a warning at the key naming the new one', () => {
    const result = load(policy('defaults:', '  whenPurged: report', ...ALICE));
    expect(brief(result)).toEqual(['p0.yaml:4:3 warning deprecated-setting']);
    expect(result.diagnostics[0]?.message).toBe('defaults.whenPurged is deprecated: write defaults.whenMissing (same values: create or report)');
    expect(result.desired?.defaults.whenMissing).toBe('report');
    expect(result.desired?.principals[0]?.whenMissing).toBe('report');
    expect(result.desired?.defaults).not.toHaveProperty('whenPurged');
  });

  it('warns at every place the old key is written', () => {
    const result = load(policy('defaults:', '  whenPurged: create'), policy('defaults: {whenPurged: create}'));
    expect(brief(result)).toEqual(['p0.yaml:4:3 warning deprecated-setting', 'p1.yaml:3:12 warning deprecated-setting']);
    expect(result.desired?.defaults.whenMissing).toBe('create');
  });

  it('the old and the new key with the same value: only the warning', () => {
    const result = load(policy('defaults:', '  whenPurged: report', '  whenMissing: report'));
    expect(brief(result)).toEqual(['p0.yaml:4:3 warning deprecated-setting']);
    expect(result.desired?.defaults.whenMissing).toBe('report');
  });

  it('the old and the new key with different values: a conflict naming both places, in one file or two', () => {
    // `  whenPurged: ` and `  whenMissing: `: the values are columns 15 and 16
    const one = load(policy('defaults:', '  whenPurged: report', '  whenMissing: create'));
    expect(brief(one)).toEqual(['p0.yaml:4:3 warning deprecated-setting', 'p0.yaml:4:15 error conflicting-setting']);
    const conflict = one.diagnostics[1];
    expect(conflict?.message).toBe(
      'defaults.whenPurged is "report" here but defaults.whenMissing is "create" at p0.yaml:5:16; defaults.whenPurged is the old name of defaults.whenMissing: delete defaults.whenPurged and keep the value you want in defaults.whenMissing',
    );
    expect(conflict?.related).toEqual([{ file: 'p0.yaml', line: 5, column: 16 }]);
    expect(one.desired).toBeUndefined();
    const two = load(policy('defaults:', '  whenMissing: report'), policy('defaults:', '  whenPurged: create'));
    expect(brief(two)).toEqual(['p1.yaml:4:3 warning deprecated-setting', 'p1.yaml:4:15 error conflicting-setting']);
    expect(two.diagnostics[1]?.related).toEqual([{ file: 'p0.yaml', line: 4, column: 16 }]);
  });
});

describe('license sets given through a group', () => {
  it('carries the group to every principal holding the set: trimmed, an object id in lower case', () => {
    const result = load(
      policy(
        'licenses:',
        '  e5: {sku: SPE_E5, group: "  Licensing - E5  "}',
        '  e3: {sku: ENTERPRISEPACK, group: 0B2E4C5D-0000-4000-8000-0000000000E3}',
        '  f3: {sku: SPE_F1}',
        'users:',
        '  - {userPrincipalName: alice@contoso.com, displayName: Alice, licenses: [e5, f3]}',
        '  - {userPrincipalName: bob@contoso.com, displayName: Bob, licenses: [e3]}',
      ),
    );
    expect(principal(result, 'alice@contoso.com').licenses).toEqual([
      { sku: 'SPE_E5', disabledPlans: [], licenseSet: 'e5', group: 'Licensing - E5' },
      { sku: 'SPE_F1', disabledPlans: [], licenseSet: 'f3' },
    ]);
    expect(principal(result, 'bob@contoso.com').licenses).toEqual([
      { sku: 'ENTERPRISEPACK', disabledPlans: [], licenseSet: 'e3', group: '0b2e4c5d-0000-4000-8000-0000000000e3' },
    ]);
    expect(desiredOf(result).licenseSets.get('e5')?.group).toBe('Licensing - E5');
  });

  it('refuses a group on an inline license (unknown-key at the key, saying what to do)', () => {
    // `      - {sku: SPE_E5, `: the key `group` starts at column 23
    const result = load(policy(...ALICE, '    licenses:', '      - {sku: SPE_E5, group: Licensing - E5}'));
    expect(brief(result)).toEqual(['p0.yaml:7:23 error unknown-key']);
    expect(result.diagnostics[0]?.message).toBe(
      'users[0].licenses[0] (alice@contoso.com): an inline license cannot name a `group`; declare a license set under `licenses:` with `sku` and `group`, and refer to it by name',
    );
  });

  it('refuses an empty, blank or too long group name, and one that is not a string', () => {
    // The set is used by nobody: that note (unused-license-set) is left out.
    const at = (value: string): string[] => brief(load(policy('licenses:', '  e5:', '    sku: SPE_E5', `    group: ${value}`))).filter((d) => !d.includes(' info '));
    // `    group: `: the value starts at column 12
    expect(at('""')).toEqual(['p0.yaml:6:12 error invalid-value']);
    expect(at('"   "')).toEqual(['p0.yaml:6:12 error invalid-value']);
    expect(at('g'.repeat(257))).toEqual(['p0.yaml:6:12 error invalid-value']);
    expect(at('[a]')).toEqual(['p0.yaml:6:12 error invalid-type']);
    const blank = load(policy('licenses:', '  e5:', '    sku: SPE_E5', '    group: "   "'));
    expect(blank.diagnostics.find((d) => d.code === 'invalid-value')?.message).toBe('licenses.e5.group "   " is not valid: name the licensing group by its object id or its display name');
  });
});

describe('the policy digest', () => {
  const digest = (...lines: string[]): string => {
    const { desired } = load(policy(...lines));
    expect(desired).toBeDefined();
    return digestPolicy(desired as DesiredState);
  };

  it('changes with every new key: attributes, manager, protected, whenMissing, defaults and groups', () => {
    const base = ['licenses:', '  e5: {sku: SPE_E5}', ...ALICE, '    licenses: [e5]'];
    const variants = [
      base,
      [...base, '    jobTitle: Accountant'],
      [...base, '    jobTitle: accountant'],
      [...base, '    jobTitle: null'],
      [...base, '    manager: bob@contoso.com'],
      [...base, '    manager: null'],
      [...base, '    protected: true'],
      [...base, '    whenMissing: report'],
      ['defaults: {whenMissing: report}', ...base],
      ['defaults: {protected: [zed@contoso.com]}', ...base],
      ['licenses:', '  e5: {sku: SPE_E5, group: Licensing - E5}', ...ALICE, '    licenses: [e5]'],
    ];
    const digests = variants.map((lines) => digest(...lines));
    expect(new Set(digests).size).toBe(variants.length);
  });

  it('does not change with how a key is written: the old whenPurged, the case of a manager, the order of defaults.protected', () => {
    expect(digest('defaults: {whenPurged: report}', ...ALICE)).toBe(digest('defaults: {whenMissing: report}', ...ALICE));
    expect(digest(...ALICE, '    manager: Bob@Contoso.com')).toBe(digest(...ALICE, '    manager: bob@contoso.com'));
    expect(digest('defaults: {protected: [b@contoso.com, A@contoso.com]}', ...ALICE)).toBe(digest('defaults: {protected: [a@contoso.com, b@contoso.com]}', ...ALICE));
  });
});
