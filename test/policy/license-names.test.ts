// Issue 14: a SKU written as the admin center's product name, and a disabled plan written as the catalog's display
// name, are accepted offline (validate) and resolved by plan; what cannot be resolved gets a suggestion that names
// the part number or plan name, preferring exact names over string distance.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/domain/diagnostics.ts';
import { assemblePolicy } from '../../src/policy/assemble.ts';

function load(license: string) {
  const text = `apiVersion: tenantctl/v1\nkind: TenantPolicy\nlicenses:\n  staff: ${license}\nusers:\n  - {userPrincipalName: alice@contoso.com, displayName: Alice, licenses: [staff]}\n`;
  return assemblePolicy([{ file: 'p.yaml', bytes: new TextEncoder().encode(text) }]);
}

function only(diagnostics: readonly Diagnostic[]): Diagnostic {
  expect(diagnostics).toHaveLength(1);
  return diagnostics[0] as Diagnostic;
}

describe('SKU product names in the policy', () => {
  it.each(['Office 365 E3', 'office 365 e3', 'Office  365 E3 ', 'Microsoft 365 E3'])('accepts %j with no diagnostic, and keeps it as written for plan', (name) => {
    const { desired, diagnostics } = load(`{sku: "${name}"}`);
    expect(diagnostics).toEqual([]);
    expect(desired?.principals[0]?.licenses).toEqual([{ sku: name, disabledPlans: [], licenseSet: 'staff' }]);
  });

  it('warns about a product name two SKUs share, naming both part numbers', () => {
    const d = only(load('{sku: Visio Plan 2}').diagnostics);
    expect(d).toMatchObject({ severity: 'warning', code: 'ambiguous-sku', location: { file: 'p.yaml', line: 4 } });
    expect(d.message).toContain('VISIO_PLAN2_DEPT');
    expect(d.message).toContain('VISIOCLIENT');
    expect(d.message).toContain('write the part number');
  });

  it('suggests SPE_E3 (Microsoft 365 E3) first for a misspelt product name, not the 500-seat Microsoft_365_E3', () => {
    const d = only(load('{sku: Microsoft 365 E-3}').diagnostics);
    expect(d).toMatchObject({ severity: 'warning', code: 'unknown-sku' });
    expect(d.message).toContain('Did you mean SPE_E3 (Microsoft 365 E3)');
    expect(d.message).not.toContain('Microsoft_365_E3');
  });

  it('counts a product name and its part number as the same SKU for one user', () => {
    const text = 'apiVersion: tenantctl/v1\nkind: TenantPolicy\nusers:\n  - userPrincipalName: alice@contoso.com\n    displayName: Alice\n    licenses:\n      - sku: Office 365 E3\n      - sku: ENTERPRISEPACK\n';
    const { diagnostics } = assemblePolicy([{ file: 'p.yaml', bytes: new TextEncoder().encode(text) }]);
    expect(diagnostics.map((x) => x.code)).toEqual(['duplicate-sku']);
  });
});

describe('service plan display names in disabledPlans', () => {
  it.each(['Yammer Enterprise', 'yammer enterprise', 'YAMMER_ENTERPRISE', '7547a3fe-08ee-4ccb-b430-5077c5041653'])('accepts %j for ENTERPRISEPACK', (plan) => {
    expect(load(`{sku: ENTERPRISEPACK, disabledPlans: ["${plan}"]}`).diagnostics).toEqual([]);
  });

  it('accepts a display name with a SKU written as its product name', () => {
    expect(load('{sku: Office 365 E3, disabledPlans: [Yammer Enterprise, Sway]}').diagnostics).toEqual([]);
  });

  it('answers "Yammer" with one suggestion, YAMMER_ENTERPRISE (Yammer Enterprise), not the list of every plan', () => {
    const d = only(load('{sku: ENTERPRISEPACK, disabledPlans: [Yammer]}').diagnostics);
    expect(d).toMatchObject({ severity: 'error', code: 'unknown-service-plan', location: { file: 'p.yaml', line: 4 } });
    expect(d.message).toBe('ENTERPRISEPACK (Office 365 E3) has no service plan Yammer; did you mean YAMMER_ENTERPRISE (Yammer Enterprise)?');
  });

  it('refuses a display name two plans of the SKU share, naming both plans', () => {
    const d = only(load('{sku: TEAMS_EXPLORATORY, disabledPlans: [Microsoft Teams]}').diagnostics);
    expect(d).toMatchObject({ severity: 'error', code: 'unknown-service-plan' });
    expect(d.message).toContain('TEAMS1');
    expect(d.message).toContain('MCO_TEAMS_IW');
    expect(d.message).toContain("write the plan's name");
  });
});
