/**
 * Many-tenant plan benchmark (issue 17): one emulator process serving 50 synthetic tenants of 2,000 users
 * (`--synthetic users=2000,deleted=100,skus=20,seed=7,tenants=50`, one multi-tenant app consented in each), a
 * many-tenant repository (tenants/t01 … t50 including common/defaults.yaml, each declaring half its ordinary
 * users with their direct licenses), and `tenantctl plan --tenants tenants --format json --concurrency C` as a
 * child process under GNU time for each C. Records wall time, tenantctl's peak RSS and CPU, the emulator's CPU,
 * the Graph requests in the emulator's log (every tenant's; token requests are logged apart) and the exit code,
 * and checks the report holds every tenant with none failed.
 *
 *   npm run bench:tenants                                   # concurrency 1, 4 and 8, once each
 *   node bench/tenants.ts --concurrency=1,2,4,8 --runs=3    # more values, each series three times
 *   node bench/tenants.ts --tenants=3 --users=200           # a quick look
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { processCpuSeconds } from './emulator-process.ts';
import type { EmulatorProcess } from './emulator-process.ts';
import { requestLog, SYNTHETIC_SECRET, syntheticSpec, syntheticTenantsState, timeTenantctl } from './synthetic-tenant.ts';
import type { ReportTenant, TenantsRun } from './tenants/repository.ts';
import { checkReport, graphRequests, resultsTable, speedUp, writeTenantsRepository } from './tenants/repository.ts';

const repo = new URL('../', import.meta.url).pathname;
const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const users = Number(option('users', '2000'));
const tenantCount = Number(option('tenants', '50'));
const concurrencies = option('concurrency', '1,4,8').split(',').map(Number);
const runs = Number(option('runs', '1'));

/**
 * The emulator in its own process, ready once it prints `listening on URL`. (spawnEmulator also waits for an `app`
 * line at the start of a line; with many tenants the app lines are indented under each tenant.)
 */
async function startEmulator(spec: string): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, [path.join(repo, 'bin/tenantctl.js'), 'emulator', '--synthetic', spec, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const listening = /listening on (\S+)/u.exec(out);
      if (listening?.[1]) resolve(listening[1]);
    });
    child.on('exit', (code) => reject(new Error(`emulator exited ${code}: ${err}`)));
  });
  return { url, clientId: '', cpuSeconds: () => processCpuSeconds(child.pid ?? 0), stop: () => child.kill('SIGTERM') };
}

const spec = `${syntheticSpec(users)},tenants=${tenantCount}`;
const states = syntheticTenantsState(users, tenantCount);
const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-bench-tenants-'));
const emulator = await startEmulator(spec);
const results: (TenantsRun & { tokenRequests: number; tenantsInLog: number; tenantsInReport: number; failedTenants: number; tenantsWithErrorFindings: number; changes: number })[] = [];
try {
  const written = writeTenantsRepository(dir, states);
  const env = {
    TENANTCTL_GRAPH_URL: emulator.url,
    AZURE_CLIENT_ID: states[0]?.apps[0]?.clientId ?? '',
    AZURE_CLIENT_SECRET: SYNTHETIC_SECRET,
    TENANTCTL_NOW: states[0]?.now ?? '',
  };
  for (let run = 0; run < runs; run++) {
    for (const concurrency of concurrencies) {
      await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });
      const reportFile = path.join(dir, `report-${concurrency}.json`);
      const fd = openSync(reportFile, 'w');
      const cpuBefore = emulator.cpuSeconds();
      let timed;
      try {
        timed = await timeTenantctl(['plan', '--tenants', 'tenants', '--format', 'json', '--concurrency', String(concurrency)], env, { cwd: dir, stdout: fd });
      } finally {
        closeSync(fd);
      }
      const emulatorCpu = emulator.cpuSeconds() - cpuBefore;
      const requests = graphRequests(await requestLog(emulator.url));
      const tokens = ((await (await fetch(`${emulator.url}/_emulator/token-requests`)).json()) as { tokenRequests: unknown[] }).tokenRequests.length;
      let report: { tenants?: ReportTenant[] };
      try {
        report = JSON.parse(readFileSync(reportFile, 'utf8')) as { tenants?: ReportTenant[] };
      } catch {
        throw new Error(`plan --tenants (concurrency ${concurrency}) exited ${timed.code} without a JSON report: ${timed.stderr}`);
      }
      const check = checkReport(report, written);
      if (!check.ok || (timed.code !== 0 && timed.code !== 2 && !(timed.code === 1 && check.withFindings.length > 0))) {
        throw new Error(`plan --tenants (concurrency ${concurrency}) exited ${timed.code}: ${check.tenants} tenants in the report, missing ${JSON.stringify(check.missing)}, failed ${JSON.stringify(check.failed)}\n${timed.stderr}`);
      }
      results.push({
        concurrency,
        exitCode: timed.code,
        wallSeconds: Number((timed.wallMs / 1000).toFixed(2)),
        peakRssMiB: timed.peakRssMiB,
        tenantctlCpuSeconds: Number(timed.cpuSeconds.toFixed(2)),
        emulatorCpuSeconds: Number(emulatorCpu.toFixed(2)),
        graphRequests: requests.requests,
        tokenRequests: tokens,
        tenantsInLog: requests.tenants,
        tenantsInReport: check.tenants,
        failedTenants: check.failed.length,
        tenantsWithErrorFindings: check.withFindings.length,
        changes: check.changes,
      });
    }
  }
  console.log(
    JSON.stringify(
      {
        emulator: `--synthetic ${spec}`,
        tenants: written.length,
        usersPerTenant: users,
        declaredUsersPerTenant: written[0]?.declaredUsers ?? 0,
        runs: results.map((r) => ({ ...r, speedUp: speedUp(r, results) })),
      },
      null,
      2,
    ),
  );
  console.log(`\n${resultsTable(results)}`);
} finally {
  emulator.stop();
  rmSync(dir, { recursive: true, force: true });
}
