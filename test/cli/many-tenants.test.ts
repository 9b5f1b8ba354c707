/**
 * Many tenants from one repository, end to end against one emulator serving three tenants (issue 17,
 * docs/many-tenants.md): validate, plan (one report, a section per tenant), apply with one tenant's Graph failing
 * (the other two are applied; exit 1), a second plan with no changes in those two, and credentials pinned to
 * another tenant refused before anything is read.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManyTenantSeed, Seed } from '../../src/emulator/directory/model.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { generateSyntheticTenants } from '../../src/emulator/synthetic/synthetic-tenants.ts';
import { runTenantctl } from '../support/cli.ts';
import { startWatchChild } from '../support/watch-child.ts';

const NAMES = ['acme', 'contoso', 'fabrikam'] as const;
const seed: ManyTenantSeed = generateSyntheticTenants({ users: 40, deleted: 2, skus: 3, seed: 11, tenants: 3 });
const tenantOf = (i: number): Seed => seed.tenants[i] as Seed;

let emulator: RunningEmulator;
let cwd: string;

/** Three tenants sharing common/licenses.yaml; each declares five ordinary users as they are, and blocks the first. */
function writeRepository(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-tenants-'));
  mkdirSync(path.join(dir, 'common'));
  writeFileSync(path.join(dir, 'common', 'licenses.yaml'), 'apiVersion: tenantctl/v1\nkind: TenantPolicy\ndefaults: {usageLocation: NL}\n');
  NAMES.forEach((name, i) => {
    const tenant = tenantOf(i);
    const folder = path.join(dir, 'tenants', name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'tenant.yaml'), `apiVersion: tenantctl/v1\nkind: TenantPolicy\ntenant: {id: ${tenant.tenantId}}\ninclude: [../../common/licenses.yaml]\n`);
    const names = new Map(tenant.subscribedSkus.map((s) => [s.skuId, s.skuPartNumber]));
    const people = tenant.users.filter((u) => u.accountEnabled !== false && (u.mailboxSettings?.userPurpose ?? 'user') === 'user' && u.onPremisesSyncEnabled !== true).slice(0, 5);
    // As they are (their direct licenses), but the first is to be blocked: one change per tenant.
    const lines = people.map((u, j) => {
      const licenses = (u.assignedLicenses ?? []).map((l) => `{sku: ${names.get(l.skuId) ?? ''}${l.disabledPlans.length > 0 ? `, disabledPlans: [${l.disabledPlans.join(', ')}]` : ''}}`);
      return `  - {userPrincipalName: ${u.userPrincipalName}, displayName: "${u.displayName}", licenses: [${licenses.join(', ')}]${j === 0 ? ', accountEnabled: false' : ''}}`;
    });
    declared[i] = people.map((u) => u.userPrincipalName);
    writeFileSync(path.join(folder, 'people.yaml'), `apiVersion: tenantctl/v1\nkind: TenantPolicy\nusers:\n${lines.join('\n')}\n`);
  });
  return dir;
}

/** The UPNs tenant `i`'s people.yaml declares, in order. */
const declared: string[][] = [];
function declaredIn(i: number): string[] {
  return declared[i] ?? [];
}

async function tokenOf(tenant: Seed): Promise<string> {
  const app = tenant.apps[0];
  const answer = await fetch(`${emulator.url}/${tenant.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app?.clientId ?? '', client_secret: app?.clientSecret ?? '', scope: 'https://graph.microsoft.com/.default' }),
  });
  return ((await answer.json()) as { access_token: string }).access_token;
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  const app = tenantOf(0).apps[0];
  return { TENANTCTL_GRAPH_URL: emulator.url, AZURE_CLIENT_ID: app?.clientId ?? '', AZURE_CLIENT_SECRET: app?.clientSecret ?? '', ...extra };
}

async function requestsOf(tenantId: string): Promise<{ path: string; method: string }[]> {
  return ((await (await fetch(`${emulator.url}/_emulator/requests?tenant=${tenantId}`)).json()) as { requests: { path: string; method: string }[] }).requests;
}

async function reseedTenant(tenantId: string, tenant: Seed): Promise<void> {
  const answer = await fetch(`${emulator.url}/_emulator/seed?tenant=${tenantId}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(tenant) });
  expect(answer.status, await answer.text()).toBe(200);
}

beforeAll(async () => {
  emulator = await startEmulator({ seed, port: 0 });
  cwd = writeRepository();
});
afterAll(() => emulator.close());

describe('many tenants from one repository', () => {
  it('validates every tenant with its shared include', async () => {
    const run = await runTenantctl(['validate', '--tenants', 'tenants'], { cwd });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const name of NAMES) expect(run.stdout).toContain(name);
  });

  it('plans each tenant in one report; applies the others when one tenant\'s sign-in fails (consent revoked; exit 1); plans again with no changes there', async () => {
    const plan = await runTenantctl(['plan', '--tenants', 'tenants', '--format', 'markdown', '--detailed-exitcode'], { cwd, env: env() });
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toMatch(/^# tenantctl plan: 3 tenants, none failed/mu);
    for (const [i, name] of NAMES.entries()) {
      expect(plan.stdout).toContain(`## ${name} (${tenantOf(i).tenantId})`);
      expect(plan.stdout).toMatch(new RegExp(`\\| ${name} \\| ${tenantOf(i).tenantId} \\| 1 \\| 0 \\| changes \\|`, 'u'));
    }

    // contoso's administrator revoked the app's consent: its sign-in fails; acme and fabrikam are applied.
    const broken = tenantOf(1);
    await reseedTenant(broken.tenantId, { ...broken, apps: [] });
    const apply = await runTenantctl(['apply', '--tenants', 'tenants', '--auto-approve', '--concurrency', '2'], { cwd, env: env() });
    await reseedTenant(broken.tenantId, broken);
    expect(apply.code).toBe(1);
    expect(apply.stdout).toMatch(/contoso\s+\S+\s+–\s+1\s+error/u);
    expect(apply.stdout).toContain('cannot sign in');
    expect(apply.stdout).toMatch(/acme\s+\S+\s+1\s+0\s+changes/u);
    expect(apply.stdout).toMatch(/fabrikam\s+\S+\s+1\s+0\s+changes/u);

    const again = await runTenantctl(['plan', '--tenants', 'tenants', '--format', 'json', '--detailed-exitcode'], { cwd, env: env() });
    const report = JSON.parse(again.stdout) as { tenants: { name: string; changes: number | null; exitCode: number }[] };
    expect(report.tenants.map((t) => [t.name, t.changes])).toEqual([['acme', 0], ['contoso', 1], ['fabrikam', 0]]);
    expect(again.code).toBe(2);
  }, 120_000);

  it('refuses a tenant whose credentials are pinned to another tenant before anything is read; the others run', async () => {
    const [acme, contoso] = [tenantOf(0).tenantId, tenantOf(1).tenantId];
    await fetch(`${emulator.url}/_emulator/requests?tenant=${acme}`, { method: 'DELETE' });
    await fetch(`${emulator.url}/_emulator/requests?tenant=${contoso}`, { method: 'DELETE' });
    const run = await runTenantctl(['plan', '--tenants', 'tenants', '--only-tenant', 'acme', '--only-tenant', 'contoso'], { cwd, env: env({ TENANTCTL_TENANT_ACME_TENANT_ID: contoso }) });
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toContain(`TENANTCTL_TENANT_ACME_TENANT_ID names tenant ${contoso}, but tenants/acme's policy is for tenant ${acme}`);
    expect(await requestsOf(acme)).toEqual([]);
    expect((await requestsOf(contoso)).length).toBeGreaterThan(0);
    expect(run.stdout).not.toContain('fabrikam');
  }, 120_000);

  it('watches every tenant in one process: a deletion in one is restored under its old id, log lines and metrics name the tenant', async () => {
    const fabrikam = tenantOf(2);
    const watch = startWatchChild(emulator.url, cwd, ['--tenants', 'tenants', '--interval', '200ms', '--port', '0'], env(), []);
    try {
      const listening = await watch.waitFor((l) => l.event === 'listening');
      // Every tenant's start-up plan, healed (the first declared user of each is blocked by default).
      for (const name of NAMES) await watch.waitFor((l) => l.event === 'plan' && l.tenant === name && l.heal === 0);
      const victim = fabrikam.users.find((u) => u.userPrincipalName === declaredIn(2)[1]);
      const token = await tokenOf(fabrikam);
      const from = watch.lines().length;
      expect((await fetch(`${emulator.url}/v1.0/users/${victim?.id ?? ''}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } })).status).toBe(204);
      const healed = await watch.waitFor((l) => l.event === 'heal' && l.action === 'restore-user' && l.outcome === 'applied', from);
      expect(healed).toMatchObject({ tenant: 'fabrikam', objectId: victim?.id });
      const metrics = await (await fetch(`${String(listening.url)}/metrics`)).text();
      expect(metrics).toContain('tenantctl_watch_heals_total{tenant="fabrikam",action="restore-user",result="applied"} 1');
      // Ready once every tenant has had a delta round after its full read: asked until it says so (the suite's timeout is the only deadline).
      let ready = await fetch(`${String(listening.url)}/readyz`);
      while (ready.status !== 200) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        ready = await fetch(`${String(listening.url)}/readyz`);
      }
      expect(((await (await fetch(`${String(listening.url)}/readyz?verbose`)).json()) as { detail: Record<string, unknown> }).detail).toHaveProperty('fabrikam');
      watch.stop();
      expect((await watch.exit).code, watch.output()).toBe(0);
    } finally {
      watch.kill();
    }
  }, 120_000);

  it('reads a tenant only with its own token: a token for one tenant finds nothing of another', async () => {
    const [acme, contoso] = [tenantOf(0), tenantOf(1)];
    const app = acme.apps[0];
    const token = ((await (await fetch(`${emulator.url}/${acme.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app?.clientId ?? '', client_secret: app?.clientSecret ?? '', scope: 'https://graph.microsoft.com/.default' }),
    })).json()) as { access_token: string }).access_token;
    const other = contoso.users[0]?.id ?? '';
    const answer = await fetch(`${emulator.url}/v1.0/users/${other}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(404);
  });
});
