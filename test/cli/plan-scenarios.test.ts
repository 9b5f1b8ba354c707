/**
 * `tenantctl plan` end to end against the emulator over HTTP, one seed per scenario of
 * docs/reconciliation.md, asserting the JSON plan and the exit code.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/domain/plan.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { lastSeq, readState, requestsSince, writesIn } from '../support/apply-e2e.ts';
import { runTenantctl } from '../support/cli.ts';
import type { SeedDraft } from '../support/emulator.ts';
import { CAROL, contoso, DAVE, E3, FIXTURE_NOW, READER, SUPPORT, TENANT_ID, userIn, withApp } from '../support/emulator.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());

const RECONCILER_SECRET = 'emulator-secret-reconciler';

/** A policy file in a fresh directory: the header, then the given YAML. */
function policy(yaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-plan-'));
  writeFileSync(path.join(dir, 'policy.yaml'), `apiVersion: tenantctl/v1\nkind: TenantPolicy\nlicenses:\n  e3: {sku: ENTERPRISEPACK}\n  e3-no-yammer: {sku: ENTERPRISEPACK, disabledPlans: [YAMMER_ENTERPRISE]}\n${yaml}`);
  return dir;
}

async function plan(seed: (draft: SeedDraft) => void, yaml: string, options: { app?: 'reader' } = {}): Promise<{ code: number; plan: Plan; stderr: string }> {
  const reseed = await fetch(`${emulator.url}/_emulator/seed`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(contoso(seed)) });
  expect(reseed.status).toBe(200);
  const env = {
    TENANTCTL_GRAPH_URL: emulator.url,
    AZURE_TENANT_ID: TENANT_ID,
    AZURE_CLIENT_ID: options.app === 'reader' ? READER : '5e1c0000-0000-4000-8000-00000000a001',
    AZURE_CLIENT_SECRET: options.app === 'reader' ? 'emulator-secret-reader' : RECONCILER_SECRET,
  };
  const run = await runTenantctl(['plan', policy(yaml), '--format', 'json', '--detailed-exitcode'], { env, now: FIXTURE_NOW });
  expect(run.stdout.length, run.stderr).toBeGreaterThan(0);
  expect(run.stdout + run.stderr).not.toContain(RECONCILER_SECRET);
  return { code: run.code, plan: JSON.parse(run.stdout) as Plan, stderr: run.stderr };
}

const none = (): void => undefined;
const actions = (p: Plan): string[] => p.changes.map((c) => `${c.action} ${c.userPrincipalName}`);
const codes = (p: Plan): string[] => p.diagnostics.map((d) => `${d.severity} ${d.code}${d.userPrincipalName ? ` ${d.userPrincipalName}` : ''}`);

describe('tenantctl plan against the emulator', () => {
  it('converged: no changes, exit 0 with --detailed-exitcode', async () => {
    const result = await plan(none, 'users:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3-no-yammer]}\n');
    expect(result.plan.changes).toEqual([]);
    expect(result.plan.formatVersion).toBe(2);
    expect(result.plan.tenantId).toBe(TENANT_ID);
    expect(result.plan.policyDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.code).toBe(0);
  });

  it('restore user: the deleted Dave comes back with his id; exit 2', async () => {
    const result = await plan(none, 'defaults: {restore: {autoReconcileProxyConflict: true}}\nusers:\n  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser, licenses: [e3]}\n');
    expect(actions(result.plan)).toEqual(['restore-user dave@contoso.com']);
    expect(result.plan.changes[0]).toMatchObject({ objectId: DAVE, details: { deletedDateTime: '2026-11-01T09:00:00Z', restorableUntil: '2026-12-01T09:00:00Z', daysLeft: 9, licenses: [E3] } });
    expect(result.code).toBe(2);
  });

  it('restore shared mailbox', async () => {
    const result = await plan(
      (d) => d.deletedUsers.push({ id: '78bf875b-9343-4edc-9130-0d39581135aa', userPrincipalName: 'sales@contoso.com', displayName: 'Sales', accountEnabled: false, mail: 'sales@contoso.com', proxyAddresses: ['SMTP:sales@contoso.com'], mailboxSettings: { userPurpose: 'shared' }, deletedDateTime: '2026-11-15T00:00:00Z' }),
      'mailboxes:\n  - {userPrincipalName: sales@contoso.com, displayName: Sales, type: shared}\n',
    );
    expect(actions(result.plan)).toEqual(['restore-user sales@contoso.com']);
    expect(result.code).toBe(2);
  });

  it('UPN conflict with fail: an error, nothing for Alice, exit 1', async () => {
    const result = await plan(none, 'defaults: {restore: {onUpnConflict: fail}}\nusers:\n  - {userPrincipalName: alice@contoso.com, displayName: Alice Jansen, licenses: [e3]}\n');
    expect(result.plan.changes).toEqual([]);
    expect(codes(result.plan)).toContain('error upn-conflict alice@contoso.com');
    expect(result.code).toBe(1);
  });

  it('UPN conflict with rename: restored as alice.restored@contoso.com', async () => {
    const result = await plan(none, 'defaults: {restore: {onUpnConflict: rename}}\nusers:\n  - {userPrincipalName: alice@contoso.com, displayName: Alice Jansen, licenses: [e3]}\n');
    expect(result.plan.changes[0]).toMatchObject({ action: 'restore-user', objectId: '78bf875b-9343-4edc-9130-0d3958113563', details: { newUserPrincipalName: 'alice.restored@contoso.com', conflictingAddresses: ['alice@contoso.com'] } });
    expect(result.code).toBe(2);
  });

  it.each([
    ['without autoReconcileProxyConflict: an error', false, 'error proxy-conflict dave@contoso.com', 1],
    ['with autoReconcileProxyConflict: restored, the address dropped', true, 'warning proxy-conflict dave@contoso.com', 2],
  ])('proxy conflict %s', async (_name, reconcile, diagnostic, exit) => {
    const result = await plan(none, `defaults: {restore: {autoReconcileProxyConflict: ${reconcile}}}\nusers:\n  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser, licenses: [e3]}\n`);
    expect(codes(result.plan)).toContain(diagnostic);
    expect(result.code).toBe(exit);
  });

  it('purged user with report: not-restorable, exit 1', async () => {
    const result = await plan(none, 'defaults: {whenMissing: report}\nusers:\n  - {userPrincipalName: erin@contoso.com, displayName: Erin Smit}\n');
    expect(codes(result.plan)).toEqual(['error not-restorable erin@contoso.com']);
    expect(result.code).toBe(1);
  });

  it('purged user with create: a new user with its usage location', async () => {
    const result = await plan(none, 'defaults: {whenMissing: create, usageLocation: NL}\nusers:\n  - {userPrincipalName: erin@contoso.com, displayName: Erin Smit, licenses: [e3]}\n');
    expect(actions(result.plan)).toEqual(['create-user erin@contoso.com', 'assign-licenses erin@contoso.com']);
    expect(result.plan.changes[0]).toMatchObject({ details: { displayName: 'Erin Smit', mailNickname: 'erin', accountEnabled: true, usageLocation: 'NL' } });
  });

  it('synced user: restore it in Active Directory', async () => {
    const result = await plan(none, 'users:\n  - {userPrincipalName: frank@contoso.com, displayName: Frank Meijer}\n');
    expect(codes(result.plan)).toEqual(['error synced-from-on-premises frank@contoso.com']);
    expect(result.code).toBe(1);
  });

  it.each([
    ['10 days ago: recoverable by the license', '2026-11-12T09:00:00Z', 'info mailbox-recoverable carol@contoso.com'],
    ['40 days ago: lost, a new mailbox', '2026-10-13T09:00:00Z', 'warning mailbox-lost carol@contoso.com'],
  ])('license removed %s', async (_name, removed, diagnostic) => {
    const result = await plan(
      (d) => {
        const carol = userIn(d, CAROL);
        carol.usageLocation = 'NL';
        const [removal] = carol.assignedPlans ?? [];
        if (removal) removal.assignedDateTime = removed;
      },
      'users:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, licenses: [e3]}\n',
    );
    expect(codes(result.plan)).toEqual([diagnostic]);
    expect(actions(result.plan)).toEqual(['assign-licenses carol@contoso.com']);
  });

  it('seat shortfall: an error naming the SKU, needed and available', async () => {
    const result = await plan(
      (d) => {
        const [e3] = d.subscribedSkus;
        if (e3) e3.prepaidUnits.enabled = 2;
      },
      'defaults: {usageLocation: NL}\nusers:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, licenses: [e3]}\n',
    );
    const shortfall = result.plan.diagnostics.find((d) => d.code === 'seat-shortfall');
    expect(shortfall?.message).toContain('ENTERPRISEPACK (Office 365 E3): 1 seat needed, 0 available');
    expect(actions(result.plan)).toEqual([]);
    expect(result.code).toBe(1);
  });

  it('group license: satisfied by the group, no direct assignment', async () => {
    const result = await plan(none, 'users:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3-no-yammer, {sku: EXCHANGESTANDARD}]}\n');
    expect(codes(result.plan)).toEqual(['info license-from-group bob@contoso.com']);
    expect(result.plan.diagnostics[0]?.message).toContain('"Exchange Plan 1 users"');
    expect(result.plan.changes).toEqual([]);
  });

  it.each([
    ['no default: an error', '', ['error missing-usage-location carol@contoso.com', 'info mailbox-recoverable carol@contoso.com'], []],
    ['a default: set before licensing', 'defaults: {usageLocation: NL}\n', ['info mailbox-recoverable carol@contoso.com'], ['set-usage-location carol@contoso.com', 'assign-licenses carol@contoso.com']],
  ])('no usage location, %s', async (_name, defaults, diagnostics, changes) => {
    const result = await plan(none, `${defaults}users:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, licenses: [e3]}\n`);
    expect(codes(result.plan)).toEqual(diagnostics);
    expect(actions(result.plan)).toEqual(changes);
  });

  it('disabled plans differ: the license is re-assigned with the declared plans', async () => {
    const result = await plan(none, 'users:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3]}\n');
    expect(result.plan.changes).toEqual([
      expect.objectContaining({ action: 'assign-licenses', details: { add: [expect.objectContaining({ skuId: E3, disabledPlans: [], replaces: { disabledPlans: ['7547a3fe-08ee-4ccb-b430-5077c5041653'], disabledPlanNames: ['YAMMER_ENTERPRISE'] } })] } }),
    ]);
  });

  it('shared mailbox with sign-in enabled: blocked', async () => {
    const result = await plan((d) => (userIn(d, SUPPORT).accountEnabled = true), 'mailboxes:\n  - {userPrincipalName: support@contoso.com, displayName: Contoso Support, type: shared}\n');
    expect(result.plan.changes).toEqual([expect.objectContaining({ action: 'block-sign-in', objectId: SUPPORT, details: { from: true, to: false } })]);
    expect(result.code).toBe(2);
  });

  it('tenant mismatch: the whole plan is refused', async () => {
    const result = await plan(none, 'tenant: {id: 11111111-0000-4000-8000-000000000001}\nusers:\n  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser}\n');
    expect(result.plan.changes).toEqual([]);
    expect(codes(result.plan)).toEqual(['error tenant-mismatch']);
    expect(result.code).toBe(1);
  });

  it('missing permission: named with the fix', async () => {
    const result = await plan(none, 'users:\n  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser}\n', { app: 'reader' });
    const missing = result.plan.diagnostics.filter((d) => d.code === 'missing-permission');
    expect(missing.map((d) => d.message)).toEqual([expect.stringContaining('LicenseAssignment.Read.All')]);
    expect(missing[0]?.message).toContain('API permissions');
    expect(missing.map((d) => d.severity)).toEqual(['error']);
    expect(result.code).toBe(1);
  });

  it('missing write permission: a reader that can read plans a restore (exit 2, a warning naming User.DeleteRestore.All); apply with it refuses and writes nothing', async () => {
    const readOnly = '5e1c0000-0000-4000-8000-00000000a0ff';
    const reseed = await fetch(`${emulator.url}/_emulator/seed`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(contoso((d) => withApp(d, readOnly, ['User.Read.All', 'LicenseAssignment.Read.All', 'MailboxSettings.Read', 'GroupMember.Read.All']))),
    });
    expect(reseed.status).toBe(200);
    const env = { TENANTCTL_GRAPH_URL: emulator.url, AZURE_TENANT_ID: TENANT_ID, AZURE_CLIENT_ID: readOnly, AZURE_CLIENT_SECRET: `secret-${readOnly}` };
    const dir = policy('defaults: {restore: {autoReconcileProxyConflict: true}}\nusers:\n  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser, licenses: [e3]}\n');

    const planned = await runTenantctl(['plan', dir, '--format', 'json', '--detailed-exitcode'], { env, now: FIXTURE_NOW });
    expect(planned.code, planned.stderr).toBe(2);
    const result = JSON.parse(planned.stdout) as Plan;
    expect(actions(result)).toEqual(['restore-user dave@contoso.com']);
    const missing = result.diagnostics.filter((d) => d.code === 'missing-permission');
    expect(missing).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringContaining('application permission User.DeleteRestore.All, needed to apply this plan') })]);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);

    const since = await lastSeq(emulator.url);
    const applied = await runTenantctl(['apply', dir, '--auto-approve'], { env, now: FIXTURE_NOW });
    expect(applied.code, applied.stdout + applied.stderr).toBe(1);
    expect(applied.stderr).toMatch(/these credentials cannot make the plan's changes:\n {2}missing-permission .*User\.DeleteRestore\.All/u);
    expect(applied.stderr).toContain('Nothing was changed.');
    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);
    const state = await readState(emulator.url);
    expect(state.deletedUsers.map((u) => u.id)).toContain(DAVE);
    expect(state.users.map((u) => u.id)).not.toContain(DAVE);
  });
});
