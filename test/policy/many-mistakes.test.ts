// `tenantctl validate` reports every problem at once (docs/policy-reference.md §8): several different
// mistakes in one file, and mistakes in several files, all come back from one run, in
// file, line, column order, each message saying how to fix it.
import { describe, expect, it } from 'vitest';
import { compareDiagnostics } from '../../src/domain/diagnostics.ts';
import type { Diagnostic } from '../../src/domain/diagnostics.ts';
import { assemblePolicy } from '../../src/policy/assemble.ts';
import type { PolicySource } from '../../src/policy/source.ts';

const encoder = new TextEncoder();

/** A file from numbered lines: `lines[0]` is line 1. */
function file(name: string, lines: readonly string[]): PolicySource {
  return { file: name, bytes: encoder.encode(`${lines.join('\n')}\n`) };
}

function brief(d: Diagnostic): { code: string; severity: string; at: string } {
  return { code: d.code, severity: d.severity, at: `${d.location?.file}:${d.location?.line}:${d.location?.column}` };
}

function messageOf(diagnostics: readonly Diagnostic[], code: string): string {
  const found = diagnostics.filter((d) => d.code === code);
  expect(found, code).toHaveLength(1);
  return found[0]?.message ?? '';
}

describe('one file with many different mistakes', () => {
  const source = file('policies/tenant.yaml', [
    /*  1 */ 'apiVersion: tenantctl/v1',
    /*  2 */ 'kind: TenantPolicy',
    /*  3 */ 'defaults:',
    /*  4 */ '  usageLocaton: NL', //                         unknown-key at 4:3
    /*  5 */ 'licenses:',
    /*  6 */ '  e3:',
    /*  7 */ '    sku: ENTERPRISEPACK',
    /*  8 */ '    disabledPlans: [YAMMER_ENTERPRSE]', //      unknown-service-plan at 8:21
    /*  9 */ 'users:',
    /* 10 */ '  - userPrincipalName: alice@contoso.com',
    /* 11 */ '    displayName: Alice',
    /* 12 */ '    licenses: [e5]', //                         unknown-license-set at 12:16
    /* 13 */ '  - userPrincipalName: bob@@contoso.com', //     invalid-upn at 13:24
    /* 14 */ '    displayName: Bob',
    /* 15 */ '  - userPrincipalName: carol@contoso.com',
    /* 16 */ '    displayName: Carol',
    /* 17 */ '    licenses: [e3]',
    /* 18 */ '    usageLocation: UK', //                      invalid-country-code at 18:20
    /* 19 */ '  - userPrincipalName: Alice@Contoso.com', //    duplicate-principal at 19:24
    /* 20 */ '    displayName: Alice again',
    /* 21 */ '    accountEnabled: "no"', //                   invalid-type at 21:21
  ]);
  const result = assemblePolicy([source]);

  it('reports all of them, in order, with their positions', () => {
    expect(result.diagnostics.map(brief)).toEqual([
      { code: 'unknown-key', severity: 'error', at: 'policies/tenant.yaml:4:3' },
      { code: 'unknown-service-plan', severity: 'error', at: 'policies/tenant.yaml:8:21' },
      { code: 'unknown-license-set', severity: 'error', at: 'policies/tenant.yaml:12:16' },
      { code: 'invalid-upn', severity: 'error', at: 'policies/tenant.yaml:13:24' },
      { code: 'invalid-country-code', severity: 'error', at: 'policies/tenant.yaml:18:20' },
      { code: 'duplicate-principal', severity: 'error', at: 'policies/tenant.yaml:19:24' },
      { code: 'invalid-type', severity: 'error', at: 'policies/tenant.yaml:21:21' },
    ]);
    expect(result.desired).toBeUndefined();
    expect(result.files).toEqual(['policies/tenant.yaml']);
  });

  it('says how to fix each one', () => {
    const d = result.diagnostics;
    expect(messageOf(d, 'unknown-key')).toContain('did you mean `usageLocation`?');
    expect(messageOf(d, 'unknown-service-plan')).toContain('did you mean YAMMER_ENTERPRISE (Yammer Enterprise)?');
    expect(messageOf(d, 'unknown-license-set')).toContain('did you mean "e3"?');
    expect(messageOf(d, 'invalid-upn')).toContain('local-part@domain');
    expect(messageOf(d, 'invalid-country-code')).toContain('did you mean GB?');
    expect(messageOf(d, 'duplicate-principal')).toContain('policies/tenant.yaml:10:24');
    expect(messageOf(d, 'invalid-type')).toContain('write true or false, without quotes');
  });

  it('names the principal a diagnostic is about', () => {
    const duplicate = result.diagnostics.find((d) => d.code === 'duplicate-principal');
    expect(duplicate?.userPrincipalName).toBe('alice@contoso.com');
    expect(duplicate?.related).toEqual([{ file: 'policies/tenant.yaml', line: 10, column: 24 }]);
    expect(result.diagnostics.find((d) => d.code === 'unknown-license-set')?.userPrincipalName).toBe('alice@contoso.com');
  });
});

describe('mistakes in two files', () => {
  const a = file('policies/a-tenant.yaml', [
    /* 1 */ 'apiVersion: tenantctl/v1',
    /* 2 */ 'kind: TenantPolicy',
    /* 3 */ 'tenant:',
    /* 4 */ '  id: 8f3c1a52-0000-4000-8000-00000000001', //   invalid-guid at 4:7 (one digit short)
    /* 5 */ 'defaults:',
    /* 6 */ '  whenMissing: report',
    /* 7 */ 'licenses:',
    /* 8 */ '  e3:',
    /* 9 */ '    sku: ENTERPRISEPACK',
    /* 10 */ 'users:',
    /* 11 */ '  - userPrincipalName: dave@contoso.com',
    /* 12 */ '    displayName: Dave',
    /* 13 */ '    licenses: [e3]',
    /* 14 */ '    usageLocaton: NL', //                        unknown-key at 14:5
  ]);
  const b = file('policies/b-people.yaml', [
    /* 1 */ 'apiVersion: tenantctl/v1',
    /* 2 */ 'kind: TenantPolicy',
    /* 3 */ 'defaults:',
    /* 4 */ '  whenMissing: create', //                       conflicting-setting at 4:16
    /* 5 */ 'licenses:',
    /* 6 */ '  e3:', //                                       duplicate-license-set at 6:3
    /* 7 */ '    sku: SPE_E3',
    /* 8 */ 'users:',
    /* 9 */ '  - userPrincipalName: DAVE@contoso.com', //     duplicate-principal at 9:24
    /* 10 */ '    displayName: Dave',
    /* 11 */ '  - userPrincipalName: erin@contoso.com',
    /* 12 */ '    displayName: Erin',
    /* 13 */ '    licenses: [e33]', //                         unknown-license-set at 13:16
  ]);

  it('reports both files, sorted by file, line and column, whatever order the files come in', () => {
    const expected = [
      { code: 'invalid-guid', severity: 'error', at: 'policies/a-tenant.yaml:4:7' },
      { code: 'unknown-key', severity: 'error', at: 'policies/a-tenant.yaml:14:5' },
      { code: 'conflicting-setting', severity: 'error', at: 'policies/b-people.yaml:4:16' },
      { code: 'duplicate-license-set', severity: 'error', at: 'policies/b-people.yaml:6:3' },
      { code: 'duplicate-principal', severity: 'error', at: 'policies/b-people.yaml:9:24' },
      { code: 'unknown-license-set', severity: 'error', at: 'policies/b-people.yaml:13:16' },
    ];
    const forward = assemblePolicy([a, b]);
    expect(forward.diagnostics.map(brief)).toEqual(expected);
    expect(forward.desired).toBeUndefined();
    expect([...forward.diagnostics].sort(compareDiagnostics)).toEqual(forward.diagnostics);
    // Given the other way round, b's declarations come first, so the duplicates are reported in
    // a-tenant.yaml; the output is still sorted by file, line and column.
    const backward = assemblePolicy([b, a]).diagnostics;
    expect(backward.map(brief)).toEqual([
      { code: 'invalid-guid', severity: 'error', at: 'policies/a-tenant.yaml:4:7' },
      { code: 'conflicting-setting', severity: 'error', at: 'policies/a-tenant.yaml:6:16' },
      { code: 'duplicate-license-set', severity: 'error', at: 'policies/a-tenant.yaml:8:3' },
      { code: 'duplicate-principal', severity: 'error', at: 'policies/a-tenant.yaml:11:24' },
      { code: 'unknown-key', severity: 'error', at: 'policies/a-tenant.yaml:14:5' },
      { code: 'unknown-license-set', severity: 'error', at: 'policies/b-people.yaml:13:16' },
    ]);
  });

  it('names the first declaration of every duplicate, and suggests the name meant', () => {
    const { diagnostics } = assemblePolicy([a, b]);
    expect(messageOf(diagnostics, 'conflicting-setting')).toContain('policies/a-tenant.yaml:6:16');
    expect(messageOf(diagnostics, 'duplicate-license-set')).toContain('policies/a-tenant.yaml:8:3');
    expect(messageOf(diagnostics, 'duplicate-principal')).toContain('policies/a-tenant.yaml:11:24');
    expect(messageOf(diagnostics, 'unknown-license-set')).toContain('did you mean "e3"?');
    expect(messageOf(diagnostics, 'unknown-key')).toContain('did you mean `usageLocation`?');
    expect(messageOf(diagnostics, 'invalid-guid')).toContain('8f3c1a52-0000-4000-8000-000000000001');
    for (const code of ['conflicting-setting', 'duplicate-license-set', 'duplicate-principal']) {
      const d = diagnostics.find((x) => x.code === code);
      expect(d?.related?.[0]?.file, code).toBe('policies/a-tenant.yaml');
    }
  });
});
