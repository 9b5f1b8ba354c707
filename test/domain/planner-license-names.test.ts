// Issue 14: SKUs written as the admin center's product name and plans written as the catalog's display name resolve
// against the tenant's own SKUs (by part number and plan name in the plan); never "buy" a SKU the tenant holds.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/domain/diagnostics.ts';
import type { ObservedSku } from '../../src/domain/observed.ts';
import { declaredUser, desired, desiredLicense, E3, planAt, sku, tenant, user, YAMMER } from '../support/planning.ts';

const SPE_E3 = '05e9a617-0261-4cee-bb44-138d3ef5d965';
const M365_E3_500_SEATS = '0c21030a-7e60-4ec7-9a0f-0042e0e0211a';
const VISIO_PLAN2_DEPT = '38b434d2-a15e-4cde-9a98-e737c75623e1';
const VISIOCLIENT = 'c5928f49-12ba-48f7-ada3-0d743a3601d5';

function planFor(skuRef: string, disabledPlans: string[], skus: ObservedSku[]) {
  const bob = user('bob@contoso.com');
  return { bob, result: planAt(desired([declaredUser('bob@contoso.com', { licenses: [desiredLicense(skuRef, disabledPlans)] })]), tenant({ users: [bob], skus })) };
}

function errors(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === 'error');
}

describe('a SKU written as its product name', () => {
  it.each(['Office 365 E3', 'office 365 e3', ' Office  365 E3'])('%j assigns the tenant\'s ENTERPRISEPACK, saved by part number', (name) => {
    const { bob, result } = planFor(name, ['Yammer Enterprise'], [sku()]);
    expect(errors(result.diagnostics)).toEqual([]);
    expect(result.changes).toEqual([
      expect.objectContaining({
        action: 'assign-licenses',
        objectId: bob.id,
        details: { add: [{ skuId: E3, skuPartNumber: 'ENTERPRISEPACK', disabledPlans: [YAMMER], disabledPlanNames: ['YAMMER_ENTERPRISE'] }] },
      }),
    ]);
  });

  it('"Microsoft 365 E3" is SPE_E3, not the 500-seat Microsoft_365_E3, when the tenant holds both', () => {
    const spe = sku({ skuId: SPE_E3, skuPartNumber: 'SPE_E3' });
    const hub = sku({ skuId: M365_E3_500_SEATS, skuPartNumber: 'Microsoft_365_E3' });
    const { result } = planFor('Microsoft 365 E3', [], [hub, spe]);
    expect(errors(result.diagnostics)).toEqual([]);
    expect(result.changes).toEqual([expect.objectContaining({ details: { add: [expect.objectContaining({ skuId: SPE_E3, skuPartNumber: 'SPE_E3' })] } })]);
  });

  it('a product name two catalog SKUs share resolves to the one the tenant holds', () => {
    const { result } = planFor('Visio Plan 2', [], [sku(), sku({ skuId: VISIOCLIENT, skuPartNumber: 'VISIOCLIENT' })]);
    expect(errors(result.diagnostics)).toEqual([]);
    expect(result.changes).toEqual([expect.objectContaining({ details: { add: [expect.objectContaining({ skuId: VISIOCLIENT, skuPartNumber: 'VISIOCLIENT' })] } })]);
  });

  it('is an error naming both part numbers when the tenant holds both SKUs of a shared product name', () => {
    const { result } = planFor('Visio Plan 2', [], [sku({ skuId: VISIO_PLAN2_DEPT, skuPartNumber: 'VISIO_PLAN2_DEPT' }), sku({ skuId: VISIOCLIENT, skuPartNumber: 'VISIOCLIENT' })]);
    expect(result.changes).toEqual([]);
    const [d] = errors(result.diagnostics);
    expect(d).toMatchObject({ code: 'unknown-sku', userPrincipalName: 'bob@contoso.com' });
    expect(d?.message).toContain('VISIO_PLAN2_DEPT');
    expect(d?.message).toContain('VISIOCLIENT');
    expect(d?.message).toContain('write the part number');
  });

  it('names the part number of a product the tenant lacks, and suggests none of the tenant\'s unrelated SKUs', () => {
    const { result } = planFor('Microsoft 365 E3', [], [sku()]);
    const [d] = errors(result.diagnostics);
    expect(d).toMatchObject({ code: 'unknown-sku' });
    expect(d?.message).toBe('the tenant has no subscribed SKU SPE_E3 (Microsoft 365 E3); its SKUs are: ENTERPRISEPACK (Office 365 E3). Buy it, or fix the policy');
  });

  it('suggests the tenant\'s own SKU for a misspelt product name, before the catalog\'s', () => {
    const { result } = planFor('Office 365 E3s', [], [sku()]);
    const [d] = errors(result.diagnostics);
    expect(d?.message).toContain('(did you mean ENTERPRISEPACK (Office 365 E3)?)');
  });
});

describe('a disabled plan written as its display name', () => {
  it('"Yammer" gets one suggestion, not the list of plans', () => {
    const { result } = planFor('ENTERPRISEPACK', ['Yammer'], [sku()]);
    expect(result.changes).toEqual([]);
    expect(errors(result.diagnostics)).toEqual([
      expect.objectContaining({ code: 'unknown-service-plan', message: 'ENTERPRISEPACK (Office 365 E3) in this tenant has no service plan Yammer; did you mean YAMMER_ENTERPRISE (Yammer Enterprise)?' }),
    ]);
  });

  it('a part number still resolves first (the 100k benchmark\'s policy writes part numbers and plan names)', () => {
    const { result } = planFor('ENTERPRISEPACK', ['YAMMER_ENTERPRISE'], [sku()]);
    expect(errors(result.diagnostics)).toEqual([]);
    expect(result.changes).toEqual([expect.objectContaining({ details: { add: [expect.objectContaining({ skuPartNumber: 'ENTERPRISEPACK', disabledPlanNames: ['YAMMER_ENTERPRISE'] })] } })]);
  });
});
