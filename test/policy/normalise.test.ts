import { describe, expect, it } from 'vitest';
import { assemblePolicy } from '../../src/policy/assemble.ts';

function load(...files: string[]) {
  return assemblePolicy(files.map((text, index) => ({ file: `p${index}.yaml`, bytes: new TextEncoder().encode(`apiVersion: tenantctl/v1\nkind: TenantPolicy\n${text}`) })));
}

describe('normalisation to DesiredState', () => {
  it('applies defaults when nothing is set', () => {
    const { desired, diagnostics } = load('users:\n  - {userPrincipalName: a@contoso.com, displayName: A}\n');
    expect(diagnostics).toEqual([]);
    expect(desired?.tenantId).toBeUndefined();
    expect(desired?.defaults).toMatchObject({
      restore: { autoReconcileProxyConflict: true, onUpnConflict: 'fail', renameTo: '{localPart}.restored@{domain}' },
      whenMissing: 'create',
      pruneLicenses: false,
      protected: [],
    });
    expect(desired?.defaults.usageLocation).toBeUndefined();
    expect(desired?.principals).toEqual([
      {
        kind: 'user',
        userPrincipalName: 'a@contoso.com',
        displayName: 'A',
        licenses: [],
        accountEnabled: true,
        source: { file: 'p0.yaml', line: 4, column: 25 },
        attributes: { displayName: 'A' },
        protected: false,
        whenMissing: 'create',
      },
    ]);
  });

  it('lower-cases UPNs and tenant ids, resolves license sets and keeps inline licenses', () => {
    const { desired, diagnostics } = load(
      'tenant: {id: 8F3C1A52-0000-4000-8000-00000000000A}\nlicenses:\n  e3: {sku: enterprisepack, disabledPlans: [SWAY]}\n',
      'users:\n  - userPrincipalName: Alice.Jansen@Contoso.com\n    displayName: Alice\n    usageLocation: BE\n    accountEnabled: false\n    licenses: [e3, {sku: 6FD2C87F-B296-42F0-B197-1E91E994B901}]\n',
    );
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(desired?.tenantId).toBe('8f3c1a52-0000-4000-8000-00000000000a');
    const [alice] = desired?.principals ?? [];
    expect(alice).toMatchObject({ userPrincipalName: 'alice.jansen@contoso.com', usageLocation: 'BE', accountEnabled: false });
    expect(alice?.licenses).toEqual([
      { sku: 'enterprisepack', disabledPlans: ['SWAY'], licenseSet: 'e3' },
      { sku: '6fd2c87f-b296-42f0-b197-1e91e994b901', disabledPlans: [] },
    ]);
  });

  it('puts users before mailboxes and blocks sign-in for every mailbox', () => {
    const { desired } = load(
      'mailboxes:\n  - {userPrincipalName: room@contoso.com, displayName: Room, type: room}\nusers:\n  - {userPrincipalName: b@contoso.com, displayName: B}\n',
    );
    expect(desired?.principals.map((p) => [p.kind, p.userPrincipalName, p.accountEnabled])).toEqual([
      ['user', 'b@contoso.com', true],
      ['mailbox', 'room@contoso.com', false],
    ]);
    expect(desired?.principals[1]).toMatchObject({ mailboxType: 'room' });
  });

  it('accepts the same setting written identically in two files', () => {
    const { desired, diagnostics } = load('defaults: {usageLocation: NL}\n', 'defaults: {usageLocation: NL, pruneLicenses: true}\n');
    expect(diagnostics).toEqual([]);
    expect(desired?.defaults).toMatchObject({ usageLocation: 'NL', pruneLicenses: true });
  });

  it('reads several YAML documents in one file', () => {
    const { desired, diagnostics } = assemblePolicy([
      {
        file: 'multi.yaml',
        bytes: new TextEncoder().encode(
          'apiVersion: tenantctl/v1\nkind: TenantPolicy\nusers: [{userPrincipalName: a@contoso.com, displayName: A}]\n---\napiVersion: tenantctl/v1\nkind: TenantPolicy\nusers: [{userPrincipalName: b@contoso.com, displayName: B}]\n',
        ),
      },
    ]);
    expect(diagnostics).toEqual([]);
    expect(desired?.principals.map((p) => p.userPrincipalName)).toEqual(['a@contoso.com', 'b@contoso.com']);
  });

  it('gives no DesiredState when there is an error, but still one with warnings', () => {
    expect(load('users: [{userPrincipalName: a@contoso.com}]\n').desired).toBeUndefined();
    const withWarning = load('users: [{userPrincipalName: a@contoso.com, displayName: A, licenses: [{sku: CONTOSO_CUSTOM}]}]\n');
    expect(withWarning.diagnostics.map((d) => d.code)).toEqual(['unknown-sku']);
    expect(withWarning.desired).toBeDefined();
  });
});
