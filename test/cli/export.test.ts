/**
 * `tenantctl export` end to end against the emulator (export → validate → plan finds nothing to
 * change), its refusal to overwrite, and `exportPolicy` on its own (set naming, defaults, mailboxes).
 * Issue 14's row (set names that say which plans are off, a `$schema` that works where the policy
 * lives, an enabled shared mailbox exported as a mailbox and reported) is in export-issue14.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/domain/plan.ts';
import type { ObservedTenant, ObservedUser } from '../../src/domain/observed.ts';
import type { Seed } from '../../src/emulator/directory/model.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { generateSyntheticSeed } from '../../src/emulator/synthetic/synthetic.ts';
import { exportPolicy, mailboxCandidates, PUBLISHED_SCHEMA_URL } from '../../src/policy/export.ts';
import { runTenantctl } from '../support/cli.ts';
import { ALICE, BOB, CAROL, contoso, DAVE, E3, FIXTURE_NOW, OLD_ALICE, RECONCILER, SUPPORT, TENANT_ID, userIn, YAMMER } from '../support/emulator.ts';

/** No node_modules/tenantctl under the test's working directory: this version's schema on unpkg. */
const SCHEMA_LINE = `# yaml-language-server: $schema=${PUBLISHED_SCHEMA_URL}\n`;

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());

async function reseed(seed: Seed): Promise<void> {
  const response = await fetch(`${emulator.url}/_emulator/seed`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(seed) });
  expect(response.status).toBe(200);
}

function envFor(seed: Seed, url: string): Record<string, string> {
  const app = seed.apps[0];
  if (!app) throw new Error('the seed has no app');
  return { TENANTCTL_GRAPH_URL: url, AZURE_TENANT_ID: seed.tenantId, AZURE_CLIENT_ID: app.clientId, AZURE_CLIENT_SECRET: app.clientSecret ?? '' };
}

const contosoEnv = (): Record<string, string> => ({ TENANTCTL_GRAPH_URL: emulator.url, AZURE_TENANT_ID: TENANT_ID, AZURE_CLIENT_ID: RECONCILER, AZURE_CLIENT_SECRET: 'emulator-secret-reconciler' });

/** export → validate → plan --format json --detailed-exitcode, in a fresh directory. */
async function roundTrip(env: Record<string, string>): Promise<{ out: string; summary: string; stderr: string; validate: number; planCode: number; plan: Plan }> {
  const cwd = mkdtempSync(path.join(tmpdir(), 'tenantctl-export-'));
  const exported = await runTenantctl(['export'], { env, cwd, now: FIXTURE_NOW });
  expect(exported.code, exported.stderr).toBe(0);
  const out = path.join(cwd, 'policies.exported');
  const validate = await runTenantctl(['validate', out], { cwd, now: FIXTURE_NOW });
  expect(validate.stderr + validate.stdout).not.toContain('error');
  const planned = await runTenantctl(['plan', out, '--format', 'json', '--detailed-exitcode'], { env, cwd, now: FIXTURE_NOW });
  expect(planned.stdout.length, planned.stderr).toBeGreaterThan(0);
  return { out, summary: exported.stdout, stderr: exported.stderr, validate: validate.code, planCode: planned.code, plan: JSON.parse(planned.stdout) as Plan };
}

const codes = (p: Plan): string[] => p.diagnostics.map((d) => `${d.severity} ${d.code}${d.userPrincipalName ? ` ${d.userPrincipalName}` : ''}`);

describe('tenantctl export against the emulator', () => {
  it('Contoso: the export validates and plans converged; the re-created Alice stays a reported upn-conflict', async () => {
    await reseed(contoso());
    const result = await roundTrip(contosoEnv());
    expect(result.summary).toBe('Exported 3 users, 1 mailbox, 2 license sets to policies.exported/ (00-tenant.yaml, people.yaml).\n');
    expect(result.validate).toBe(0);
    const tenantFile = readFileSync(path.join(result.out, '00-tenant.yaml'), 'utf8');
    const peopleFile = readFileSync(path.join(result.out, 'people.yaml'), 'utf8');
    expect(tenantFile.startsWith(SCHEMA_LINE)).toBe(true);
    expect(peopleFile.startsWith(SCHEMA_LINE)).toBe(true);
    expect(parse(tenantFile)).toEqual({
      apiVersion: 'tenantctl/v1',
      kind: 'TenantPolicy',
      tenant: { id: TENANT_ID },
      defaults: { usageLocation: 'NL', whenMissing: 'report', pruneLicenses: false },
      licenses: { enterprisepack: { sku: 'ENTERPRISEPACK' }, 'enterprisepack-no-yammer': { sku: 'ENTERPRISEPACK', disabledPlans: ['YAMMER_ENTERPRISE'] } },
      mailboxes: [{ userPrincipalName: 'support@contoso.com', displayName: 'Contoso Support', type: 'shared', licenses: [] }],
    });
    expect(peopleFile).toContain('licenses: [enterprisepack-no-yammer]');
    // No changes. The one error is the planner's, and right: a restorable deleted alice@contoso.com
    // (deleted 2026-11-10) and an active one created after it; no policy setting says "keep the new
    // one and leave the deleted one alone" (onUpnConflict: rename would plan a restore).
    expect(result.plan.changes).toEqual([]);
    expect(codes(result.plan).filter((c) => c.startsWith('error'))).toEqual(['error upn-conflict alice@contoso.com']);
    expect(result.planCode).toBe(1);
  });

  it('Contoso without the deleted Alice: plan --detailed-exitcode exits 0 with no changes', async () => {
    await reseed(contoso((d) => void (d.deletedUsers = d.deletedUsers.filter((u) => u.id !== OLD_ALICE))));
    const result = await roundTrip(contosoEnv());
    expect(result.plan.changes).toEqual([]);
    expect(codes(result.plan).filter((c) => c.startsWith('error'))).toEqual([]);
    expect(result.planCode).toBe(0);
  });

  it("asks Exchange only about accounts without an enabled Exchange plan: the licensed people's plans are read, not guessed", async () => {
    await reseed(contoso());
    const cwd = mkdtempSync(path.join(tmpdir(), 'tenantctl-export-'));
    await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });
    const exported = await runTenantctl(['export'], { env: contosoEnv(), cwd, now: FIXTURE_NOW });
    expect(exported.code, exported.stderr).toBe(0);
    const asked = emulator.requests().filter((r) => r.inBatch !== undefined && r.path.includes('/mailboxSettings')).map((r) => r.path.split('/')[2]);
    // Bob and Alice hold E3 with Exchange Online enabled; Carol lost hers, the support mailbox is blocked.
    expect(asked.sort()).toEqual([CAROL, SUPPORT].sort());
  });

  it('writes the attributes and managers it finds (not unset ones, not a manager it cannot name), and plan still finds no changes', async () => {
    await reseed(
      contoso((d) => {
        d.deletedUsers = d.deletedUsers.filter((u) => u.id !== OLD_ALICE);
        Object.assign(userIn(d, BOB), { givenName: 'Bob', surname: 'de Vries', jobTitle: 'Controller', department: 'Finance', businessPhones: ['+31 20 123 4567'], employeeId: 'E-10442', manager: ALICE });
        // Alice's manager is Dave, soft-deleted: Graph does not show him, and the policy could not name him.
        Object.assign(userIn(d, ALICE), { jobTitle: '', city: 'Utrecht', manager: DAVE });
        Object.assign(userIn(d, CAROL), { mobilePhone: '+31 6 1234 5678', manager: BOB });
      }),
    );
    const result = await roundTrip(contosoEnv());
    const people = parse(readFileSync(path.join(result.out, 'people.yaml'), 'utf8')) as { users: Record<string, unknown>[] };
    expect(people.users).toEqual([
      { userPrincipalName: 'alice@contoso.com', displayName: 'Alice (new hire)', city: 'Utrecht', licenses: ['enterprisepack'] },
      {
        userPrincipalName: 'bob@contoso.com',
        displayName: 'Bob de Vries',
        givenName: 'Bob',
        surname: 'de Vries',
        jobTitle: 'Controller',
        department: 'Finance',
        employeeId: 'E-10442',
        businessPhones: ['+31 20 123 4567'],
        manager: 'alice@contoso.com',
        licenses: ['enterprisepack-no-yammer'],
      },
      { userPrincipalName: 'carol@contoso.com', displayName: 'Carol Bakker', mobilePhone: '+31 6 1234 5678', manager: 'bob@contoso.com' },
    ]);
    expect(result.validate).toBe(0);
    expect(result.plan.changes).toEqual([]);
    expect(codes(result.plan).filter((c) => c.startsWith('error'))).toEqual([]);
    expect(result.planCode).toBe(0);
  });

  it('a synthetic 10,000-user tenant: export, validate, plan converged', async () => {
    const seed = generateSyntheticSeed({ users: 10_000, deleted: 0, skus: 5, seed: 3 });
    // Its own emulator, started with the seed: the shared one is reseeded by the other tests.
    const synthetic = await startEmulator({ seed, port: 0 });
    const started = performance.now();
    const result = await roundTrip(envFor(seed, synthetic.url)).finally(() => synthetic.close());
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`synthetic 10,000 users: ${result.summary.trim()} round trip ${seconds} s; plan diagnostics: ${JSON.stringify(countBy(codes(result.plan)))}`);
    expect(result.stderr).toBe('');
    expect(result.validate).toBe(0);
    expect(result.plan.changes).toEqual([]);
    expect(codes(result.plan).filter((c) => c.startsWith('error'))).toEqual([]);
    expect(result.planCode).toBe(0);
    const people = parse(readFileSync(path.join(result.out, 'people.yaml'), 'utf8')) as { users: unknown[] };
    const tenant = parse(readFileSync(path.join(result.out, '00-tenant.yaml'), 'utf8')) as { mailboxes?: unknown[] };
    expect(people.users.length + (tenant.mailboxes?.length ?? 0)).toBe(10_000);
  }, 60_000);

  it('a synthetic tenant with soft-deleted users, group licenses and many SKUs: export, validate, plan converged', async () => {
    const seed = generateSyntheticSeed({ users: 3_000, deleted: 300, skus: 12, seed: 5 });
    expect(seed.groups?.length ?? 0).toBeGreaterThan(0);
    expect(seed.deletedUsers.length).toBeGreaterThan(0);
    const synthetic = await startEmulator({ seed, port: 0 });
    const result = await roundTrip(envFor(seed, synthetic.url)).finally(() => synthetic.close());
    expect(result.validate).toBe(0);
    expect(result.plan.changes).toEqual([]);
    // The only errors are the ones the Contoso test explains: a user re-created under the UPN of a
    // still-restorable deleted one (a synced deleted one says to restore it in AD instead).
    const errors = codes(result.plan).filter((c) => c.startsWith('error'));
    expect(errors.filter((c) => !/^error (upn-conflict|synced-from-on-premises) /u.test(c))).toEqual([]);
    const deletedUpns = new Set(seed.deletedUsers.map((u) => u.userPrincipalName.toLowerCase()));
    for (const error of errors) expect(deletedUpns.has(error.split(' ')[2] ?? '')).toBe(true);
    expect(result.planCode).toBe(errors.length > 0 ? 1 : 0);
  }, 60_000);

  it('refuses to overwrite an earlier export unless --force', async () => {
    await reseed(contoso());
    const cwd = mkdtempSync(path.join(tmpdir(), 'tenantctl-export-'));
    const out = path.join(cwd, 'adopted');
    expect((await runTenantctl(['export', '--out', 'adopted'], { env: contosoEnv(), cwd })).code).toBe(0);
    writeFileSync(path.join(out, 'people.yaml'), '# edited by hand\n');
    const again = await runTenantctl(['export', '--out', 'adopted'], { env: contosoEnv(), cwd });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('refusing to overwrite');
    expect(readFileSync(path.join(out, 'people.yaml'), 'utf8')).toBe('# edited by hand\n');
    const forced = await runTenantctl(['export', '--out', 'adopted', '--force'], { env: contosoEnv(), cwd });
    expect(forced.code).toBe(0);
    expect(readFileSync(path.join(out, 'people.yaml'), 'utf8')).toContain('bob@contoso.com');
    expect(existsSync(path.join(out, '00-tenant.yaml'))).toBe(true);
  });
});

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) {
    const key = v.split(' ').slice(0, 2).join(' ');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

// ---- exportPolicy on its own --------------------------------------------------------------------

const SWAY = 'a23b959c-7ce8-4e57-9140-b90eb88a9e97';
const GROUP = '9a000000-0000-4000-8000-000000000001';

function user(id: string, upn: string, options: { enabled?: boolean; location?: string | null; direct?: string[][]; group?: boolean } = {}): ObservedUser {
  const direct = (options.direct ?? []).map((disabledPlans) => ({ skuId: E3, disabledPlans, assignedByGroup: null, state: 'Active', error: 'None' }));
  const group = options.group ? [{ skuId: E3, disabledPlans: [], assignedByGroup: GROUP, state: 'Active', error: 'None' }] : [];
  return {
    id,
    userPrincipalName: upn,
    displayName: upn.split('@')[0] ?? upn,
    accountEnabled: options.enabled ?? true,
    usageLocation: options.location === undefined ? 'NL' : options.location,
    mail: upn,
    proxyAddresses: [],
    onPremisesSyncEnabled: null,
    assignedLicenses: [...direct, ...group].map((l) => ({ skuId: l.skuId, disabledPlans: l.disabledPlans })),
    licenseAssignmentStates: [...direct, ...group],
    assignedPlans: [],
    deletedDateTime: null,
  };
}

function tenantOf(users: ObservedUser[], purposes: Record<string, string> = {}): ObservedTenant {
  return {
    tenantId: TENANT_ID.toUpperCase(),
    users,
    deletedUsers: [],
    skus: [{ skuId: E3, skuPartNumber: 'ENTERPRISEPACK', enabledUnits: 10, consumedUnits: 3, servicePlans: [{ servicePlanId: YAMMER, servicePlanName: 'YAMMER_ENTERPRISE' }, { servicePlanId: SWAY, servicePlanName: 'SWAY' }] }],
    mailboxes: new Map(Object.entries(purposes).map(([id, userPurpose]) => [id, { kind: 'mailbox' as const, userPurpose }])),
    groupNames: new Map(),
  };
}

describe('exportPolicy', () => {
  const files = (t: ObservedTenant): { tenant: Record<string, unknown>; people: { users: Record<string, unknown>[] } } => {
    const result = exportPolicy(t);
    const text = (name: string): string => result.files.find((f) => f.name === name)?.text ?? '';
    return { tenant: parse(text('00-tenant.yaml')) as Record<string, unknown>, people: parse(text('people.yaml')) as { users: Record<string, unknown>[] } };
  };

  it('names one set per (SKU, disabled plans): the most used variant plain, the others by the plans they disable; plans by name; group licenses not declared', () => {
    const { tenant, people } = files(
      tenantOf([
        user('u1', 'zed@contoso.com', { direct: [[SWAY, YAMMER]] }),
        user('u2', 'amy@contoso.com', { direct: [[YAMMER]] }),
        user('u3', 'bea@contoso.com', { direct: [[YAMMER]] }),
        user('u4', 'cat@contoso.com', { direct: [[]] }),
        user('u5', 'dan@contoso.com', { group: true }),
        user('u6', 'eve@contoso.com', { direct: [[YAMMER.toUpperCase(), SWAY]] }),
      ]),
    );
    // Two variants used twice: the one with fewer plans off is the plain one.
    expect(tenant.licenses).toEqual({
      enterprisepack: { sku: 'ENTERPRISEPACK', disabledPlans: ['YAMMER_ENTERPRISE'] },
      'enterprisepack-no-sway-yammer': { sku: 'ENTERPRISEPACK', disabledPlans: ['SWAY', 'YAMMER_ENTERPRISE'] },
      'enterprisepack-all-plans': { sku: 'ENTERPRISEPACK' },
    });
    expect(people.users.map((u) => [u.userPrincipalName, u.licenses])).toEqual([
      ['amy@contoso.com', ['enterprisepack']],
      ['bea@contoso.com', ['enterprisepack']],
      ['cat@contoso.com', ['enterprisepack-all-plans']],
      ['dan@contoso.com', undefined],
      ['eve@contoso.com', ['enterprisepack-no-sway-yammer']],
      ['zed@contoso.com', ['enterprisepack-no-sway-yammer']],
    ]);
  });

  it('infers defaults.usageLocation (most common, ties alphabetical) and writes only differing ones; accountEnabled only when false', () => {
    const tie = files(tenantOf([user('a', 'a@contoso.com', { location: 'NL' }), user('b', 'b@contoso.com', { location: 'DE' }), user('c', 'c@contoso.com', { location: null })]));
    expect(tie.tenant.defaults).toEqual({ usageLocation: 'DE', whenMissing: 'report', pruneLicenses: false });
    expect(tie.people.users).toEqual([
      { userPrincipalName: 'a@contoso.com', displayName: 'a', usageLocation: 'NL' },
      { userPrincipalName: 'b@contoso.com', displayName: 'b' },
      { userPrincipalName: 'c@contoso.com', displayName: 'c' },
    ]);
    const most = files(tenantOf([user('a', 'a@contoso.com', { location: 'NL', enabled: false }), user('b', 'b@contoso.com', { location: 'DE' }), user('c', 'c@contoso.com', { location: 'NL' })]));
    expect((most.tenant.defaults as Record<string, unknown>).usageLocation).toBe('NL');
    expect(most.people.users[0]).toEqual({ userPrincipalName: 'a@contoso.com', displayName: 'a', accountEnabled: false });
    expect(files(tenantOf([user('a', 'a@contoso.com', { location: null })])).tenant.defaults).toEqual({ whenMissing: 'report', pruneLicenses: false });
  });

  it('writes only attributes the policy can hold as they are, managers it can name, and skips an account whose display name it cannot hold', () => {
    const withProfile = (u: ObservedUser, extra: Partial<ObservedUser>): ObservedUser => ({ ...u, ...extra });
    const result = exportPolicy(
      tenantOf([
        withProfile(user('a', 'amy@contoso.com'), {
          attributes: { jobTitle: 'Head of\u0007 Sales', department: 'Sales', employeeId: 'E-1234567890123456', surname: null, city: '', businessPhones: ['+31 20 1', '+31 20 2'], mobilePhone: '+31 6 1' },
          managerId: 'B',
        }),
        withProfile(user('b', 'bea@contoso.com'), { attributes: { businessPhones: ['+31 20 3'], country: 'Netherlands' }, managerId: 'b' }),
        withProfile(user('c', 'cat@contoso.com'), { managerId: 'gone' }),
        withProfile(user('d', 'dan@contoso.com'), { displayName: 'Dan\u001b[31m' }),
        withProfile(user('e', 'eve@contoso.com'), { displayName: '  ' }),
        withProfile(user('f', 'fay@contoso.com'), { managerId: 'd' }),
      ]),
    );
    const people = parse(result.files.find((f) => f.name === 'people.yaml')?.text ?? '') as { users: Record<string, unknown>[] };
    expect(people.users).toEqual([
      // jobTitle has a control character, employeeId is longer than the schema's 16, two business phones are one too many.
      { userPrincipalName: 'amy@contoso.com', displayName: 'amy', department: 'Sales', mobilePhone: '+31 6 1', manager: 'bea@contoso.com' },
      // Nobody is their own manager; an id the export cannot name is left out.
      { userPrincipalName: 'bea@contoso.com', displayName: 'bea', country: 'Netherlands', businessPhones: ['+31 20 3'] },
      { userPrincipalName: 'cat@contoso.com', displayName: 'cat' },
      // Dan is skipped (his display name), yet still named as a manager: the planner finds managers in the tenant.
      { userPrincipalName: 'fay@contoso.com', displayName: 'fay', manager: 'dan@contoso.com' },
    ]);
    expect(result.skipped).toEqual([
      { userPrincipalName: 'dan@contoso.com', reason: 'its display name has a control character, which the policy cannot hold; correct it in the tenant, then export again' },
      { userPrincipalName: 'eve@contoso.com', reason: 'it has no display name (the policy requires one); set one in the tenant, then export again' },
    ]);
  });

  it('types blocked shared/room/equipment accounts and enabled shared ones as mailboxes (reported); an enabled room and user mailboxes stay users; bad UPNs are skipped', () => {
    const observed = tenantOf(
      [
        user('s', 'support@contoso.com', { enabled: false }),
        user('r', 'room1@contoso.com', { enabled: false, direct: [[]] }),
        user('e', 'beamer@contoso.com', { enabled: false }),
        user('x', 'open-shared@contoso.com', { enabled: true }),
        user('t', 'teams-room@contoso.com', { enabled: true }),
        user('l', 'left@contoso.com', { enabled: false }),
        user('q', 'bad name@contoso.com'),
      ],
      { s: 'shared', r: 'Room', e: 'equipment', x: 'shared', t: 'room', l: 'user' },
    );
    const result = exportPolicy(observed);
    expect(result).toMatchObject({ users: 2, mailboxes: 4, licenseSets: 1, skipped: [{ userPrincipalName: 'bad name@contoso.com' }] });
    expect(result.findings).toEqual([
      {
        userPrincipalName: 'open-shared@contoso.com',
        message:
          "open-shared@contoso.com is a shared mailbox whose sign-in is enabled: exported as a mailbox; the next plan blocks its sign-in (a shared mailbox's account must not sign in) — review before applying",
        planChanges: true,
      },
      {
        userPrincipalName: 'teams-room@contoso.com',
        message:
          'teams-room@contoso.com is a room mailbox whose sign-in is enabled, as a Teams Rooms resource account\'s must be: exported as a user, so tenantctl leaves its sign-in alone; move it under mailboxes only if nothing signs in with it',
        planChanges: false,
      },
    ]);
    const { tenant, people } = files(observed);
    expect(tenant.tenant).toEqual({ id: TENANT_ID });
    expect(tenant.mailboxes).toEqual([
      { userPrincipalName: 'beamer@contoso.com', displayName: 'beamer', type: 'equipment', licenses: [] },
      { userPrincipalName: 'open-shared@contoso.com', displayName: 'open-shared', type: 'shared', licenses: [] },
      { userPrincipalName: 'room1@contoso.com', displayName: 'room1', type: 'room', licenses: ['enterprisepack'] },
      { userPrincipalName: 'support@contoso.com', displayName: 'support', type: 'shared', licenses: [] },
    ]);
    expect(people.users).toEqual([
      { userPrincipalName: 'left@contoso.com', displayName: 'left', accountEnabled: false },
      { userPrincipalName: 'teams-room@contoso.com', displayName: 'teams-room' },
    ]);
  });

  it('asks Exchange about blocked accounts and enabled ones without an Exchange Online mailbox plan, not about a licensed person', () => {
    const EXCHANGE_S_ENTERPRISE = 'efb87545-963c-4e0d-99df-69c6916d9eb0';
    const licensed = { ...user('p', 'Person@contoso.com'), assignedPlans: [{ servicePlanId: EXCHANGE_S_ENTERPRISE, capabilityStatus: 'Enabled', service: 'exchange', assignedDateTime: '2026-01-01T00:00:00Z' }] };
    const lapsed = { ...user('o', 'lapsed@contoso.com'), assignedPlans: [{ servicePlanId: EXCHANGE_S_ENTERPRISE, capabilityStatus: 'Deleted', service: 'exchange', assignedDateTime: '2026-01-01T00:00:00Z' }] };
    const blockedLicensed = { ...licensed, id: 'b', userPrincipalName: 'Blocked@contoso.com', accountEnabled: false };
    const deleted = { ...user('d', 'gone@contoso.com'), deletedDateTime: '2026-11-01T00:00:00Z' };
    expect(mailboxCandidates([licensed, lapsed, blockedLicensed, user('s', 'Shared@contoso.com'), deleted])).toEqual(['lapsed@contoso.com', 'blocked@contoso.com', 'shared@contoso.com']);
  });
});
