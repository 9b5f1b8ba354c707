import { describe, expect, it } from 'vitest';
import type { ObservedTenant, ObservedUser } from '../../src/domain/observed.ts';
import { assemblePolicy } from '../../src/policy/assemble.ts';
import { exportPolicy } from '../../src/policy/export.ts';

/** Issue 12: messages describe values as written, and control characters never pass. */

function load(text: string) {
  return assemblePolicy([{ file: 'p.yaml', bytes: new TextEncoder().encode(`apiVersion: tenantctl/v1\nkind: TenantPolicy\n${text}`) }]);
}

const messages = (text: string): string[] => load(text).diagnostics.map((d) => d.message);

describe('type errors describe the value as written', () => {
  it('names a number too large to represent by its spelling, not as null', () => {
    const found = messages('users:\n  - {userPrincipalName: a@contoso.com, displayName: 1e999999}\n');
    expect(found).toContain('users[0].displayName (a@contoso.com) must be a string, not a number (1e999999 is too large)');
    expect(found.join('\n')).not.toContain('null');
  });

  it('names a negative one too, and keeps the digits of an ordinary number', () => {
    expect(messages('users:\n  - {userPrincipalName: a@contoso.com, displayName: -1e999999}\n')).toContain(
      'users[0].displayName (a@contoso.com) must be a string, not a number (-1e999999 is too large in magnitude)',
    );
    expect(messages('users:\n  - {userPrincipalName: a@contoso.com, displayName: 12345678901234567890}\n')).toContain(
      'users[0].displayName (a@contoso.com) must be a string, not the number 12345678901234567890',
    );
    expect(messages('users:\n  - {userPrincipalName: a@contoso.com, displayName: .inf}\n')).toContain(
      'users[0].displayName (a@contoso.com) must be a string, not the number .inf',
    );
  });

  it('shows an enum value as written', () => {
    expect(messages('defaults: {whenPurged: 1e999999}\n').join('\n')).toContain('not 1e999999');
  });

  it('calls a !!binary value binary data, not a mapping', () => {
    const found = messages('users:\n  - {userPrincipalName: a@contoso.com, displayName: !!binary aGVsbG8=}\n');
    expect(found).toContain('users[0].displayName (a@contoso.com) must be a string, not binary data (a !!binary value of 5 bytes)');
    expect(found.join('\n')).not.toContain('mapping');
  });

  it('does not take a !!binary, !!set or !!omap for a mapping where a mapping belongs', () => {
    expect(messages('users:\n  - !!binary aGVsbG8=\n')).toEqual(['users[0] must be a mapping, not binary data (a !!binary value of 5 bytes)']);
    expect(messages('licenses: !!binary aGVsbG8=\n')).toEqual(['licenses must be a mapping, not binary data (a !!binary value of 5 bytes)']);
    const set = load('tenant: !!set {id}\n');
    expect(set.desired).toBeUndefined();
    expect(set.diagnostics.map((d) => d.message)).toEqual(['tenant must be a mapping, not a set (!!set)']);
    expect(messages('defaults: !!omap [whenPurged: create]\n')).toEqual(['defaults must be a mapping, not an ordered mapping (!!omap or !!pairs)']);
  });

  it('calls a !!set a set', () => {
    expect(messages('users:\n  - {userPrincipalName: a@contoso.com, displayName: !!set {x}}\n')).toContain(
      'users[0].displayName (a@contoso.com) must be a string, not a set (!!set)',
    );
  });
});

describe('control characters', () => {
  it('rejects an ANSI escape sequence in a display name, naming the field and U+001B, at the character', () => {
    const result = load('users:\n  - userPrincipalName: a@contoso.com\n    displayName: "Alice\\e[31m red"\n');
    expect(result.desired).toBeUndefined();
    const found = result.diagnostics.filter((d) => d.message.includes('control character'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ severity: 'error', code: 'invalid-value', location: { file: 'p.yaml', line: 5, column: 18 } });
    expect(found[0]?.message).toContain('users[0].displayName (a@contoso.com)');
    expect(found[0]?.message).toContain('U+001B');
    expect(found[0]?.message).not.toContain('\u001b');
  });

  it.each([
    ['NUL', '\\0', 'U+0000'],
    ['a tab', '\\t', 'U+0009'],
    ['a line feed', '\\n', 'U+000A'],
    ['DEL', '\\x7f', 'U+007F'],
    ['a C1 control', '\\x85', 'U+0085'],
    ['CSI', '\\x9b', 'U+009B'],
  ])('rejects %s', (_name, escape, code) => {
    const found = messages(`users:\n  - {userPrincipalName: a@contoso.com, displayName: "A${escape}B"}\n`);
    expect(found.some((m) => m.includes(`control character ${code}`))).toBe(true);
  });

  it('rejects one in a license-set name (a key) and in a UPN', () => {
    const result = load('licenses:\n  "e3\\e]0;pwned\\a": {sku: ENTERPRISEPACK}\nusers:\n  - {userPrincipalName: "b\\x9b@contoso.com", displayName: B}\n');
    const found = result.diagnostics.filter((d) => d.message.includes('control character'));
    expect(found.map((d) => d.message)).toEqual([
      expect.stringMatching(/^licenses: a key contains the control character U\+001B/u),
      expect.stringMatching(/^users\[0\]\.userPrincipalName contains the control character U\+009B/u),
    ]);
    expect(found[0]?.location).toMatchObject({ line: 4, column: 3 });
  });

  it('accepts names outside the control ranges (accents, non-Latin scripts, emoji)', () => {
    const result = load('users:\n  - {userPrincipalName: a@contoso.com, displayName: "Zoë Ŝ 山田 \u00a0🙂"}\n');
    expect(result.diagnostics).toEqual([]);
  });
});

describe('export', () => {
  // displayName is always managed (issue 13): export cannot write another name than the tenant's without
  // planning a change, so an account whose display name a policy cannot hold is skipped, with the reason.
  it('skips an account whose display name has control characters, and what it writes validates', () => {
    const user = (id: string, upn: string, displayName: string): ObservedUser => ({
      id, userPrincipalName: upn, displayName, accountEnabled: true, usageLocation: 'NL', mail: upn, proxyAddresses: [], onPremisesSyncEnabled: null,
      assignedLicenses: [], licenseAssignmentStates: [], assignedPlans: [], deletedDateTime: null,
    });
    const observed: ObservedTenant = {
      tenantId: '8f3c1a52-0000-4000-8000-000000000001',
      users: [user('u1', 'eve@contoso.com', 'Eve\u001b[2J\u001b]0;owned\u0007 Smith'), user('u2', 'bell@contoso.com', '\u0007\u009b')],
      deletedUsers: [],
      skus: [],
      mailboxes: new Map(),
      groupNames: new Map(),
    };
    const exported = exportPolicy(observed);
    const sources = exported.files.map((f) => ({ file: f.name, bytes: new TextEncoder().encode(f.text) }));
    const result = assemblePolicy(sources);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.desired?.principals).toEqual([]);
    expect(exported.skipped.map((s) => [s.userPrincipalName, s.reason])).toEqual([
      ['eve@contoso.com', expect.stringContaining('has a control character')],
      ['bell@contoso.com', expect.stringContaining('has a control character')],
    ]);
  });
});
