/**
 * Issue 14's `export` row, against the emulator: license-set names that say which plans are off
 * (a 1,000-user synthetic tenant), a `$schema` comment that works where the policy lives, and an
 * enabled shared mailbox exported as a mailbox, reported, with the block-sign-in the next plan makes.
 */
import { reseed as reseedEmulator } from '../support/apply-e2e.ts';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/domain/plan.ts';
import type { Seed } from '../../src/emulator/directory/model.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { generateSyntheticSeed } from '../../src/emulator/synthetic/synthetic.ts';
import { PUBLISHED_SCHEMA_URL } from '../../src/policy/export.ts';
import { runTenantctl } from '../support/cli.ts';
import { contoso, FIXTURE_NOW, OLD_ALICE, RECONCILER, SUPPORT, TENANT_ID, userIn } from '../support/emulator.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());

const reseed = (seed: Seed): Promise<void> => reseedEmulator(emulator.url, seed);

const contosoEnv = (): Record<string, string> => ({ TENANTCTL_GRAPH_URL: emulator.url, AZURE_TENANT_ID: TENANT_ID, AZURE_CLIENT_ID: RECONCILER, AZURE_CLIENT_SECRET: 'emulator-secret-reconciler' });
const freshDirectory = (): string => mkdtempSync(path.join(tmpdir(), 'tenantctl-export14-'));
const SET_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/u;

interface LicenseSet {
  readonly sku: string;
  readonly disabledPlans?: string[];
}

describe('export names license sets after the plans they disable (a 1,000-user tenant)', () => {
  const seed = generateSyntheticSeed({ users: 1_000, deleted: 0, skus: 3, seed: 1 });
  const app = seed.apps[0];
  let synthetic: RunningEmulator;
  let env: Record<string, string>;
  beforeAll(async () => {
    synthetic = await startEmulator({ seed, port: 0 });
    env = { TENANTCTL_GRAPH_URL: synthetic.url, AZURE_TENANT_ID: seed.tenantId, AZURE_CLIENT_ID: app?.clientId ?? '', AZURE_CLIENT_SECRET: app?.clientSecret ?? '' };
  });
  afterAll(() => synthetic.close());

  it('no numbered names; each name is the part number, or says which plans are off; deterministic; validate accepts it and plan finds nothing to change', async () => {
    const cwd = freshDirectory();
    const first = await runTenantctl(['export', '--out', 'a'], { env, cwd, now: FIXTURE_NOW });
    expect(first.code, first.stderr).toBe(0);
    const second = await runTenantctl(['export', '--out', 'b'], { env, cwd, now: FIXTURE_NOW });
    expect(second.code).toBe(0);
    for (const file of ['00-tenant.yaml', 'people.yaml']) expect(readFileSync(path.join(cwd, 'b', file), 'utf8')).toBe(readFileSync(path.join(cwd, 'a', file), 'utf8'));

    const licenses = (parse(readFileSync(path.join(cwd, 'a', '00-tenant.yaml'), 'utf8')) as { licenses: Record<string, LicenseSet> }).licenses;
    const names = Object.keys(licenses);
    expect(names.length).toBeGreaterThan(50);
    expect(names.filter((name) => !SET_NAME.test(name))).toEqual([]);
    expect(names.filter((name) => /-\d+$/u.test(name))).toEqual([]);
    const plain = names.filter((name) => !name.includes('-'));
    // One plain name per SKU: its part number, for its most used variant.
    expect(plain.sort()).toEqual(['enterprisepack', 'powerapps_per_user', 'spe_e5']);
    for (const [name, set] of Object.entries(licenses)) {
      if (plain.includes(name)) continue;
      const base = set.sku.toLowerCase();
      expect(name.startsWith(`${base}-`), name).toBe(true);
      const said = name.slice(base.length + 1);
      if (said === 'all-plans') expect(set.disabledPlans, name).toBeUndefined();
      else if (!/-and-\d+-more$/u.test(said)) {
        // `no-` and one word per disabled plan (a plan's own words are joined by `_`).
        expect(said.startsWith('no-'), name).toBe(true);
        expect(said.slice(3).split('-').length, name).toBe(set.disabledPlans?.length);
      }
    }
    expect(licenses['enterprisepack-no-sway']).toEqual({ sku: 'ENTERPRISEPACK', disabledPlans: ['SWAY'] });
    expect(licenses['enterprisepack-no-forms-teams']).toEqual({ sku: 'ENTERPRISEPACK', disabledPlans: ['FORMS_PLAN_E3', 'TEAMS1'] });
    // Two of SPE_E5's plans shorten to one word (MIP_S_CLP1, MIP_S_CLP2): their whole names, told apart.
    expect(licenses['spe_e5-no-mip_s_clp1']).toEqual({ sku: 'SPE_E5', disabledPlans: ['MIP_S_CLP1'] });

    const validate = await runTenantctl(['validate', 'a'], { cwd, now: FIXTURE_NOW });
    expect(validate.code, validate.stderr + validate.stdout).toBe(0);
    const planned = await runTenantctl(['plan', 'a', '--format', 'json'], { env, cwd, now: FIXTURE_NOW });
    const plan = JSON.parse(planned.stdout) as Plan;
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  }, 60_000);
});

describe('export points $schema at the schema where the policy lives', () => {
  /** A working directory where the package is installed: node_modules/tenantctl/schemas/…, as npm puts it. */
  function installedIn(cwd: string): string {
    const schema = path.join(cwd, 'node_modules', 'tenantctl', 'schemas', 'tenant-policy.schema.json');
    mkdirSync(path.dirname(schema), { recursive: true });
    copyFileSync(path.join(import.meta.dirname, '..', '..', 'schemas', 'tenant-policy.schema.json'), schema);
    return schema;
  }
  const schemaOf = (file: string): string => /^# yaml-language-server: \$schema=(\S+)\n/u.exec(readFileSync(file, 'utf8'))?.[1] ?? '';

  it('installed under the working directory: the path from --out to node_modules/tenantctl (the README example for the default --out)', async () => {
    await reseed(contoso());
    const cwd = freshDirectory();
    const schema = installedIn(cwd);
    expect((await runTenantctl(['export'], { env: contosoEnv(), cwd })).code).toBe(0);
    expect((await runTenantctl(['export', '--out', 'tenants/prod'], { env: contosoEnv(), cwd })).code).toBe(0);
    for (const file of ['00-tenant.yaml', 'people.yaml']) {
      const byDefault = path.join(cwd, 'policies.exported', file);
      expect(schemaOf(byDefault)).toBe('../node_modules/tenantctl/schemas/tenant-policy.schema.json');
      const nested = path.join(cwd, 'tenants', 'prod', file);
      expect(schemaOf(nested)).toBe('../../node_modules/tenantctl/schemas/tenant-policy.schema.json');
      // It resolves, from where the file is, to the installed schema.
      expect(path.resolve(path.dirname(nested), schemaOf(nested))).toBe(schema);
    }
  });

  it('not installed there (npx, a global install): this version\'s schema on unpkg, never a path into tenantctl\'s own repository', async () => {
    await reseed(contoso());
    const cwd = freshDirectory();
    expect((await runTenantctl(['export', '--out', 'tenants/prod'], { env: contosoEnv(), cwd })).code).toBe(0);
    const reference = schemaOf(path.join(cwd, 'tenants', 'prod', '00-tenant.yaml'));
    expect(reference).toBe(PUBLISHED_SCHEMA_URL);
    expect(reference).toMatch(/^https:\/\/unpkg\.com\/tenantctl@\d+\.\d+\.\d+[^/]*\/schemas\/tenant-policy\.schema\.json$/u);
    expect(existsSync(path.join(cwd, 'schemas'))).toBe(false);
  });
});

describe('export: an enabled shared mailbox', () => {
  const MESSAGE =
    "support@contoso.com is a shared mailbox whose sign-in is enabled: exported as a mailbox; the next plan blocks its sign-in (a shared mailbox's account must not sign in) — review before applying\n";

  it('is exported under mailboxes, reported on stderr and in the summary; validate accepts it; plan shows exactly its block-sign-in', async () => {
    await reseed(
      contoso((d) => {
        d.deletedUsers = d.deletedUsers.filter((u) => u.id !== OLD_ALICE);
        userIn(d, SUPPORT).accountEnabled = true;
      }),
    );
    const cwd = freshDirectory();
    const exported = await runTenantctl(['export'], { env: contosoEnv(), cwd, now: FIXTURE_NOW });
    expect(exported.code).toBe(0);
    expect(exported.stderr).toBe(MESSAGE);
    expect(exported.stdout).toBe(
      'Exported 3 users, 1 mailbox, 2 license sets to policies.exported/ (00-tenant.yaml, people.yaml). 1 shared mailbox has sign-in enabled: the next plan blocks it; review before applying (listed above).\n',
    );
    const out = path.join(cwd, 'policies.exported');
    const tenantText = readFileSync(path.join(out, '00-tenant.yaml'), 'utf8');
    expect((parse(tenantText) as { mailboxes: unknown[] }).mailboxes).toEqual([{ userPrincipalName: 'support@contoso.com', displayName: 'Contoso Support', type: 'shared', licenses: [] }]);
    // And beside it in the file, for whoever reviews the export.
    expect(tenantText).toMatch(/# Sign-in enabled today: the next plan blocks it[^\n]*\n\s+- userPrincipalName: support@contoso\.com/u);
    expect(readFileSync(path.join(out, 'people.yaml'), 'utf8')).not.toContain('support@contoso.com');

    const validate = await runTenantctl(['validate', out], { cwd, now: FIXTURE_NOW });
    expect(validate.code, validate.stderr + validate.stdout).toBe(0);
    const planned = await runTenantctl(['plan', out, '--format', 'json', '--detailed-exitcode'], { env: contosoEnv(), cwd, now: FIXTURE_NOW });
    expect(planned.code, planned.stderr).toBe(2);
    const plan = JSON.parse(planned.stdout) as Plan;
    expect(plan.changes.map((c) => ({ action: c.action, userPrincipalName: c.userPrincipalName, reason: c.reason }))).toEqual([
      { action: 'block-sign-in', userPrincipalName: 'support@contoso.com', reason: "a shared mailbox's account must not sign in" },
    ]);
    expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('a blocked shared mailbox is no finding: nothing on stderr, no review sentence', async () => {
    await reseed(contoso((d) => void (d.deletedUsers = d.deletedUsers.filter((u) => u.id !== OLD_ALICE))));
    const exported = await runTenantctl(['export'], { env: contosoEnv(), cwd: freshDirectory(), now: FIXTURE_NOW });
    expect(exported.code).toBe(0);
    expect(exported.stderr).toBe('');
    expect(exported.stdout).toBe('Exported 3 users, 1 mailbox, 2 license sets to policies.exported/ (00-tenant.yaml, people.yaml).\n');
  });
});
