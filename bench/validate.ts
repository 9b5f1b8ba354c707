/**
 * Validate benchmark (issue 15, lever 3): `tenantctl validate` of a 50,000-user policy, run as its
 * own process, as bench/plan.ts writes its policy (every other ordinary user of the synthetic
 * tenant with the licenses it holds directly, and 500 shared mailboxes). Prints the wall time of
 * each run and the median.
 *
 *   npm run bench:validate               # 50,000 users, median of 3
 *   node bench/validate.ts 50000 5       # users declared, runs
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSyntheticSeed, parseSyntheticSpec } from '../src/emulator/synthetic/synthetic.ts';

const repo = new URL('../', import.meta.url).pathname;
const cli = path.join(repo, 'bin/tenantctl.js');
const declaredUsers = Number(process.argv[2] ?? 50_000);
const runs = Number(process.argv[3] ?? 3);

interface State {
  readonly tenantId: string;
  readonly users: readonly { userPrincipalName: string; displayName: string; assignedLicenses?: readonly { skuId: string }[]; mailboxSettings?: { userPurpose: string } }[];
  readonly subscribedSkus: readonly { skuId: string; skuPartNumber: string }[];
}

/** The policy bench/plan.ts writes for a tenant of twice the declared users. */
function writePolicy(state: State, file: string): void {
  const names = new Map(state.subscribedSkus.map((s) => [s.skuId, s.skuPartNumber]));
  const lines = ['apiVersion: tenantctl/v1', 'kind: TenantPolicy', `tenant: {id: ${state.tenantId}}`, 'defaults: {usageLocation: NL}', 'users:'];
  const ordinary = state.users.filter((u) => (u.mailboxSettings?.userPurpose ?? 'user') === 'user');
  const order = [...ordinary.filter((_, i) => i % 2 === 0), ...ordinary.filter((_, i) => i % 2 === 1)].slice(0, declaredUsers);
  for (const user of order) {
    const licenses = (user.assignedLicenses ?? []).map((l) => `{sku: ${names.get(l.skuId)}}`);
    lines.push(`  - {userPrincipalName: ${user.userPrincipalName}, displayName: "${user.displayName}", licenses: [${licenses.join(', ')}]}`);
  }
  lines.push('mailboxes:');
  for (const mailbox of state.users.filter((u) => u.mailboxSettings?.userPurpose === 'shared').slice(0, 500)) {
    lines.push(`  - {userPrincipalName: ${mailbox.userPrincipalName}, displayName: "${mailbox.displayName}", type: shared}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

const users = declaredUsers * 2;
const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-bench-validate-'));
try {
  const state = generateSyntheticSeed(parseSyntheticSpec(`users=${users},deleted=${Math.round(users / 20)},skus=20,seed=7`)) as unknown as State;
  const file = path.join(dir, 'policy.yaml');
  writePolicy(state, file);
  const times: number[] = [];
  let exitCode: number | null = null;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const run = spawnSync(process.execPath, [cli, 'validate', file], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    times.push(performance.now() - started);
    exitCode = run.status;
    if (run.status !== 0) throw new Error(`validate exited ${run.status}: ${run.stdout.toString().slice(-2000)}${run.stderr.toString().slice(-2000)}`);
  }
  const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? Number.NaN;
  console.log(
    JSON.stringify(
      {
        declaredUsers,
        declaredMailboxes: 500,
        policyBytes: statSync(file).size,
        exitCode,
        runsSeconds: times.map((t) => Number((t / 1000).toFixed(2))),
        medianSeconds: Number((median / 1000).toFixed(2)),
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
