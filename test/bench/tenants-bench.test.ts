/**
 * The pure helpers of `npm run bench:tenants` (bench/tenants/repository.ts): the many-tenant repository it writes
 * (checked with tenantctl's own loader), the report check, the request count, the results table. No emulator, no
 * timing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticTenantsState } from '../../bench/synthetic-tenant.ts';
import type { ReportTenant, TenantsRun } from '../../bench/tenants/repository.ts';
import { checkReport, graphRequests, resultsTable, speedUp, tenantFolderName, writeTenantsRepository } from '../../bench/tenants/repository.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { discoverTenants } from '../../src/policy/tenants.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-bench-tenants-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const states = syntheticTenantsState(40, 3);
const written = writeTenantsRepository(dir, states);

const tenant = (name: string, tenantId: string | null, exitCode: number): ReportTenant => ({ name, tenantId, exitCode, changes: 1, errors: exitCode === 1 ? 1 : 0, problems: exitCode === 1 ? 'cannot sign in' : null });
const run = (concurrency: number, wallSeconds: number): TenantsRun => ({ concurrency, exitCode: 0, wallSeconds, peakRssMiB: 200, tenantctlCpuSeconds: 10, emulatorCpuSeconds: 2, graphRequests: 300 });

describe('bench:tenants helpers', () => {
  it('names the tenant folders t01 … and widens past 99', () => {
    expect(tenantFolderName(0, 50)).toBe('t01');
    expect(tenantFolderName(49, 50)).toBe('t50');
    expect(tenantFolderName(4, 120)).toBe('t005');
  });

  it('writes a many-tenant repository tenantctl loads: each tenant its id, the shared defaults included, half its ordinary users', async () => {
    expect(written.map((w) => w.name)).toEqual(['t01', 't02', 't03']);
    expect(written.map((w) => w.tenantId)).toEqual(states.map((s) => s.tenantId));
    expect(readFileSync(path.join(dir, 'common', 'defaults.yaml'), 'utf8')).toContain('defaults: {usageLocation: NL}');
    expect(readFileSync(path.join(dir, 'tenants', 't02', 'tenant.yaml'), 'utf8')).toContain(`tenant: {id: ${states[1]?.tenantId}}\ninclude: [../../common/defaults.yaml]`);
    const found = await discoverTenants('tenants', { cwd: dir });
    expect(found.tenants.map((t) => t.name)).toEqual(['t01', 't02', 't03']);
    for (const [i, folder] of found.tenants.entries()) {
      const policy = await loadPolicy([folder.dir], { cwd: dir, requireTenantId: true });
      expect(policy.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(policy.desired?.tenantId).toBe(states[i]?.tenantId);
      const ordinary = states[i]?.users.filter((u) => (u.mailboxSettings?.userPurpose ?? 'user') === 'user').length ?? 0;
      expect(written[i]?.declaredUsers).toBe(Math.round(ordinary / 2));
    }
  });

  it('checks the report: every tenant present under its id, none failed (error findings are planned, not failed)', () => {
    const ok = { tenants: written.map((w) => tenant(w.name, w.tenantId, 0)) };
    expect(checkReport(ok, written)).toMatchObject({ tenants: 3, failed: [], missing: [], changes: 3, ok: true });
    const failed = { tenants: written.map((w, i) => tenant(w.name, w.tenantId, i === 1 ? 1 : 2)) };
    expect(checkReport(failed, written)).toMatchObject({ failed: [{ name: 't02', problems: 'cannot sign in', errorFindings: [] }], ok: false });
    const finding = { severity: 'error', code: 'synced-from-on-premises', userPrincipalName: 'a@contoso2.com' };
    const withFinding = { tenants: written.map((w, i) => ({ ...tenant(w.name, w.tenantId, i === 1 ? 1 : 0), problems: null, result: { diagnostics: i === 1 ? [finding, { severity: 'warning', code: 'w' }] : [] } })) };
    // Planned, with an error finding: exits 1 by design, not a failure.
    expect(checkReport(withFinding, written)).toMatchObject({ failed: [], withFindings: ['t02'], ok: true });
    const wrongId = { tenants: written.map((w, i) => tenant(w.name, i === 2 ? written[0]?.tenantId ?? null : w.tenantId, 0)) };
    expect(checkReport(wrongId, written)).toMatchObject({ missing: ['t03'], ok: false });
    expect(checkReport({}, written)).toMatchObject({ tenants: 0, missing: ['t01', 't02', 't03'], ok: false });
  });

  it('counts the requests on the wire (a $batch once) and the tenants they reached', () => {
    const log = [
      { seq: 1, method: 'GET', path: '/v1.0/users', status: 200, tenantId: 'a' },
      { seq: 2, method: 'POST', path: '/v1.0/$batch', status: 200, tenantId: 'b' },
      { seq: 3, method: 'GET', path: '/v1.0/users/x/mailboxSettings', status: 200, inBatch: 2, tenantId: 'b' },
      { seq: 4, method: 'GET', path: '/v1.0/subscribedSkus', status: 200, tenantId: 'a' },
    ];
    expect(graphRequests(log)).toEqual({ requests: 3, batchItems: 1, tenants: 2 });
    expect(graphRequests([])).toEqual({ requests: 0, batchItems: 0, tenants: 0 });
  });

  it('tabulates the runs with the speed-up against concurrency 1', () => {
    const runs = [run(1, 100), run(4, 40), run(8, 50)];
    expect(runs.map((r) => speedUp(r, runs))).toEqual([1, 2.5, 2]);
    expect(speedUp(run(4, 40), [run(4, 40)])).toBeNull();
    const table = resultsTable(runs).split('\n');
    expect(table[0]).toBe('| concurrency | wall | peak RSS | tenantctl CPU | emulator CPU | Graph requests | speed-up vs 1 |');
    expect(table[3]).toBe('| 4 | 40.0 s | 200 MiB | 10.0 s | 2.0 s | 300 | 2.50× |');
    expect(table).toHaveLength(5);
  });
});
