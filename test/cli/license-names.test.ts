// Issue 14, the rows about names: a SKU written as the admin center's product name, "Microsoft 365 E3", and a
// disabled plan written as its display name, through the CLI against the emulator (contoso: the tenant holds
// ENTERPRISEPACK; Bob has it without Yammer, Carol has no license).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { activeUser, directLicenses, lastSeq, planJson, policyDir, RECONCILER_SECRET, readState, requestsSince, reseed, tenantctl, writesIn } from '../support/apply-e2e.ts';
import { contoso, E3, YAMMER } from '../support/emulator.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());

/** More license sets after the header's e3 and e3-no-yammer, then Bob and Carol with the given sets. */
function policy(sets: string, bob: string, carol: string): string {
  return policyDir(`${sets}users:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [${bob}]}\n  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, usageLocation: NL, licenses: [${carol}]}\n`);
}

describe('`sku: Office 365 E3` (the admin center\'s product name)', () => {
  const sets = '  staff: {sku: Office 365 E3, disabledPlans: [Yammer Enterprise]}\n';

  it('validate accepts it: no warning, exit 0', async () => {
    const run = await tenantctl(emulator.url, ['validate', policy(sets, 'staff', 'staff')]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toMatch(/warning|unknown-sku|Buy it/u);
  });

  it('plan resolves it to the tenant\'s ENTERPRISEPACK (never "buy it"), and apply assigns ENTERPRISEPACK', async () => {
    await reseed(emulator.url, contoso());
    const dir = policy(sets, 'staff', 'staff');
    const since = await lastSeq(emulator.url);
    const planned = await planJson(emulator.url, dir);
    expect(planned.code, planned.run.stderr).toBe(2);
    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);
    expect(planned.plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(JSON.stringify(planned.plan)).not.toContain('Buy it');
    // Bob already holds ENTERPRISEPACK without Yammer: nothing for him; Carol gets it, saved by part number and plan name.
    expect(planned.plan.changes.map((c) => [c.action, c.userPrincipalName])).toEqual([['set-usage-location', 'carol@contoso.com'], ['assign-licenses', 'carol@contoso.com']]);
    expect(planned.plan.changes.find((c) => c.action === 'assign-licenses')?.details).toEqual({ add: [{ skuId: E3, skuPartNumber: 'ENTERPRISEPACK', disabledPlans: [YAMMER], disabledPlanNames: ['YAMMER_ENTERPRISE'] }] });

    const applied = await tenantctl(emulator.url, ['apply', dir, '--auto-approve']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout + applied.stderr).not.toContain(RECONCILER_SECRET);
    expect(directLicenses(activeUser(await readState(emulator.url), 'carol@contoso.com'))).toEqual([`${E3}:${YAMMER}`]);
    expect((await planJson(emulator.url, dir)).code).toBe(0);
  });
});

describe('`sku: Microsoft 365 E3`', () => {
  const sets = '  m365: {sku: Microsoft 365 E3}\n';

  it('validate accepts it as SPE_E3\'s product name: exit 0, no suggestion of Microsoft_365_E3', async () => {
    const run = await tenantctl(emulator.url, ['validate', policy(sets, 'e3-no-yammer', 'm365')]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toContain('Microsoft_365_E3');
  });

  it('a misspelling is answered with SPE_E3 (Microsoft 365 E3), not the 500-seat Microsoft_365_E3', async () => {
    const run = await tenantctl(emulator.url, ['validate', policy('  m365: {sku: Microsoft 365 E-3}\n', 'e3-no-yammer', 'm365')]);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).toContain('Did you mean SPE_E3 (Microsoft 365 E3)');
    expect(run.stdout + run.stderr).not.toContain('Microsoft_365_E3');
  });

  it('plan names SPE_E3 as the SKU the tenant lacks, exit 1, nothing written', async () => {
    await reseed(emulator.url, contoso());
    const since = await lastSeq(emulator.url);
    const planned = await planJson(emulator.url, policy(sets, 'e3-no-yammer', 'm365'));
    expect(planned.code).toBe(1);
    expect(planned.plan.changes).toEqual([]);
    expect(planned.plan.diagnostics.find((d) => d.code === 'unknown-sku')?.message).toContain('the tenant has no subscribed SKU SPE_E3 (Microsoft 365 E3); its SKUs are: ENTERPRISEPACK (Office 365 E3)');
    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);
  });
});

describe('`disabledPlans: [Yammer]`', () => {
  const sets = '  staff: {sku: ENTERPRISEPACK, disabledPlans: [Yammer]}\n';

  it('validate: exit 1 with one suggestion, YAMMER_ENTERPRISE (Yammer Enterprise), not the list of plans', async () => {
    const run = await tenantctl(emulator.url, ['validate', policy(sets, 'staff', 'staff')]);
    expect(run.code).toBe(1);
    const output = run.stdout + run.stderr;
    expect(output).toContain('unknown-service-plan  ENTERPRISEPACK (Office 365 E3) has no service plan Yammer; did you mean YAMMER_ENTERPRISE (Yammer Enterprise)?');
    expect(output).not.toContain('EXCHANGE_S_ENTERPRISE');
  });

  it('plan refuses with the same suggestion, exit 1, nothing written', async () => {
    await reseed(emulator.url, contoso());
    const since = await lastSeq(emulator.url);
    const run = await tenantctl(emulator.url, ['plan', policy(sets, 'staff', 'staff')]);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain('did you mean YAMMER_ENTERPRISE (Yammer Enterprise)?');
    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);
  });
});
