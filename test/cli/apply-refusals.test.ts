/**
 * What `tenantctl apply` refuses (docs/cli-reference.md §4, docs/architecture.md principle 10): each refusal exits
 * 1 with a message that says why and what to do, and writes nothing: the emulator's request log
 * holds no POST/PATCH/DELETE under /v1.0 from the refusing run (reads, and `$batch`es of reads, are
 * fine). And nothing apply prints or logs holds the client secret or a token.
 */
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/domain/plan.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import type { CliRun } from '../support/cli.ts';
import { runTenantctl } from '../support/cli.ts';
import {
  activeUser, cliEnv, FOUR_CHANGE_POLICY as POLICY, lastSeq, planJson, policyDir, RECONCILER_SECRET, readState, requestsSince, reseed, tempDir, tenantctl, writePolicy, writesIn,
} from '../support/apply-e2e.ts';
import { BOB, CAROL, contoso, DAVE, E3, FIXTURE_NOW, SUPPORT, userIn } from '../support/emulator.ts';
import { tokenFor } from '../support/seeds.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());


type Graph = (method: string, route: string, body: unknown) => Promise<Response>;

const OTHER_TENANT = '11111111-0000-4000-8000-000000000001';
/** A JWT, as the token endpoint issues them: three base64url parts, the first `{"` encoded. */
const JWT = /eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*/u;

async function freshTenant(): Promise<void> {
  await reseed(emulator.url, contoso((d) => {
    userIn(d, SUPPORT).accountEnabled = true;
  }));
}

/** Runs apply; returns the run and the writes it made. */
async function applyAndLog(args: readonly string[], options: { env?: Record<string, string> } = {}): Promise<{ run: CliRun; writes: string[] }> {
  const since = await lastSeq(emulator.url);
  const run = await runTenantctl(['apply', ...args], { env: options.env ?? cliEnv(emulator.url), now: FIXTURE_NOW });
  const writes = writesIn(await requestsSince(emulator.url, since)).map((e) => `${e.method} ${e.path} → ${e.status}`);
  return { run, writes };
}

function expectRefused(result: { run: CliRun; writes: string[] }, message: RegExp): void {
  expect(result.run.code, result.run.stdout + result.run.stderr).toBe(1);
  expect(result.run.stderr).toMatch(message);
  expect(result.run.stderr).toContain('Nothing was changed.');
  expect(result.run.stdout).not.toMatch(/Apply complete/u);
  expect(result.writes).toEqual([]);
  expect(result.run.stdout + result.run.stderr).not.toContain(RECONCILER_SECRET);
  expect(result.run.stdout + result.run.stderr).not.toMatch(JWT);
}

/** `plan --out` into a fresh directory: the saved plan's path and its content. */
async function savePlan(dir: string): Promise<{ file: string; plan: Plan }> {
  const file = path.join(tempDir(), 'p.json');
  const run = await tenantctl(emulator.url, ['plan', dir, '--out', file]);
  expect(run.code, run.stderr).toBe(0);
  return { file, plan: JSON.parse(readFileSync(file, 'utf8')) as Plan };
}

/** The saved plan at `file`, edited. */
function editPlan(file: string, edit: (plan: Record<string, unknown>) => void): void {
  const plan = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(plan);
  writeFileSync(file, JSON.stringify(plan));
}

async function expectUntouched(): Promise<void> {
  const state = await readState(emulator.url);
  expect(state.users.map((u) => u.id)).not.toContain(DAVE);
  expect(activeUser(state, 'carol@contoso.com')?.usageLocation ?? null).toBeNull();
  expect(activeUser(state, 'support@contoso.com')?.accountEnabled).toBe(true);
}

describe('tenantctl apply refuses, writes nothing and exits 1', () => {
  it.each([
    [
      'Carol was located and licensed through Graph',
      /plan is stale: carol@contoso\.com changed since it was made; run plan again/u,
      async (graph: Graph): Promise<void> => {
        expect((await graph('PATCH', `/users/${CAROL}`, { usageLocation: 'BE' })).status).toBe(204);
        expect((await graph('POST', `/users/${CAROL}/assignLicense`, { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] })).status).toBe(200);
      },
    ],
    [
      // Restored as the plan would, then blocked: the fresh plan would enable his sign-in, which the saved plan does not.
      'Dave was restored and blocked by someone else',
      /plan is stale: dave@contoso\.com changed since it was made; run plan again/u,
      async (graph: Graph): Promise<void> => {
        expect((await graph('POST', `/directory/deletedItems/${DAVE}/restore`, { autoReconcileProxyConflict: true })).status).toBe(200);
        expect((await graph('PATCH', `/users/${DAVE}`, { accountEnabled: false })).status).toBe(204);
      },
    ],
  ])('a stale saved plan: %s after the plan was made', async (_name, message, drift) => {
    await freshTenant();
    const dir = policyDir(POLICY);
    const { file } = await savePlan(dir);
    const token = await tokenFor(emulator.url, contoso());
    await drift(async (method, route, body) => {
      const response = await fetch(`${emulator.url}/v1.0${route}`, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      await response.body?.cancel();
      return response;
    });
    const result = await applyAndLog([file, '--policy', dir, '--auto-approve']);
    expectRefused(result, message);
    // Support was not touched by anyone, and its block from the stale plan did not run either.
    expect(activeUser(await readState(emulator.url), 'support@contoso.com')?.accountEnabled).toBe(true);
  });

  it('a policy whose tenant.id is another tenant', async () => {
    await freshTenant();
    const result = await applyAndLog([policyDir(`tenant: {id: ${OTHER_TENANT}}\n${POLICY}`), '--auto-approve']);
    expectRefused(result, /the credentials reach another tenant:\n {2}tenant-mismatch {2}connected to tenant/u);
    expect(result.run.stdout).toBe('');
    await expectUntouched();
  });

  it('a saved plan made for another tenant', async () => {
    await freshTenant();
    const dir = policyDir(POLICY);
    const { file } = await savePlan(dir);
    editPlan(file, (p) => {
      p.tenantId = OTHER_TENANT;
    });
    const result = await applyAndLog([file, '--policy', dir, '--auto-approve']);
    expectRefused(result, new RegExp(`is for tenant ${OTHER_TENANT}, but the credentials reach 8f3c1a52`, 'u'));
    await expectUntouched();
  });

  it.each([
    ['3', 3],
    ['"1"', '1'],
    ['missing', undefined],
  ])('a saved plan with formatVersion %s', async (_name, version) => {
    await freshTenant();
    const dir = policyDir(POLICY);
    const { file } = await savePlan(dir);
    editPlan(file, (p) => {
      if (version === undefined) delete p.formatVersion;
      else p.formatVersion = version;
    });
    const result = await applyAndLog([file, '--policy', dir, '--auto-approve']);
    expectRefused(result, /formatVersion .*this tenantctl reads 1 and 2\. Make the plan again/u);
    await expectUntouched();
  });

  it('a saved plan whose policy changed since (digest)', async () => {
    await freshTenant();
    const dir = policyDir(POLICY);
    const { file, plan: saved } = await savePlan(dir);
    // A change of meaning that leaves the plan as it was (Carol is active: what to do were she missing does not
    // come into it), so that only the digest can tell the saved plan from the policy.
    const changed = POLICY.replace('displayName: Carol Bakker, licenses: [e3]}', 'displayName: Carol Bakker, licenses: [e3], whenMissing: report}');
    expect(changed).not.toBe(POLICY);
    writePolicy(dir, changed);
    const fresh = await planJson(emulator.url, dir);
    expect(fresh.plan.changes).toEqual(saved.changes);
    expect(fresh.plan.policyDigest).not.toBe(saved.policyDigest);
    const result = await applyAndLog([file, '--policy', dir, '--auto-approve']);
    // The refusal names what it compared, and how to compare with another policy.
    expectRefused(result, new RegExp(`the policy changed since .*p\\.json was made \\(its digest differs\\): compared with the policy in ${dir.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')} \\(--policy\\); pass --policy PATH to compare with another, or run plan again`, 'u'));
    await expectUntouched();
  });

  it('a saved plan applied without the policy it was made from', async () => {
    await freshTenant();
    const dir = policyDir(POLICY);
    const { file } = await savePlan(dir);
    const other = policyDir('users:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol}\n');
    const result = await applyAndLog([file, '--policy', other, '--auto-approve']);
    expectRefused(result, /digest differs/u);
    await expectUntouched();
  });

  it.each([
    ['a policy directory', false],
    ['a saved plan', true],
  ])('--max-changes smaller than the plan (%s)', async (_name, saved) => {
    await freshTenant();
    const dir = policyDir(POLICY);
    const args = saved ? [(await savePlan(dir)).file, '--policy', dir] : [dir];
    const result = await applyAndLog([...args, '--max-changes', '3', '--auto-approve']);
    expectRefused(result, /the plan has 4 changes, more than --max-changes 3/u);
    await expectUntouched();
  });

  it.each(['lots', '1e3', '0x10', ' 5', '5 ', '-1', '2.5', '', '99999999999999999999'])('--max-changes %j, which is not digits only', async (value) => {
    await freshTenant();
    const since = await lastSeq(emulator.url);
    const result = await applyAndLog([policyDir(POLICY), `--max-changes=${value}`, '--auto-approve']);
    expectRefused(result, new RegExp(`--max-changes takes a whole number of changes \\(digits only, such as 50\\), not ${JSON.stringify(value).replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}`, 'u'));
    // Refused before the tenant is read.
    expect(await requestsSince(emulator.url, since)).toEqual([]);
    await expectUntouched();
  });

  it.each([
    ['a policy directory', false],
    ['a saved plan', true],
  ])('no confirmation: no terminal and no --auto-approve (%s)', async (_name, saved) => {
    await freshTenant();
    const dir = policyDir(POLICY);
    const args = saved ? [(await savePlan(dir)).file, '--policy', dir] : [dir];
    const result = await applyAndLog(args);
    expectRefused(result, /there is no terminal to confirm on; review the plan, then run with --auto-approve/u);
    await expectUntouched();
  });

  it('an invalid policy: nothing is even read', async () => {
    await freshTenant();
    const since = await lastSeq(emulator.url);
    const result = await applyAndLog([policyDir('users:\n  - {userPrincipalName: not-an-upn, displayName: X, licenses: [nope]}\n'), '--auto-approve']);
    expectRefused(result, /the policy is invalid; run tenantctl validate/u);
    expect(result.run.stderr).toMatch(/invalid-upn/u);
    expect(result.run.stderr).toMatch(/unknown-license-set/u);
    expect(await requestsSince(emulator.url, since)).toEqual([]);
    await expectUntouched();
  });

  it.each<[string, (plan: Record<string, unknown>) => void, string]>([
    ['a detail of the wrong type', (p) => { ((p.changes as Record<string, unknown>[])[3]?.details as Record<string, unknown>).to = 'no'; }, 'changes[3].details.to must be a boolean, not "no"'],
    ['an unknown action', (p) => { ((p.changes as Record<string, unknown>[])[3] as Record<string, unknown>).action = 'delete-user'; }, 'changes[3].action must be one of restore-user, create-user, update-attributes, set-manager, set-usage-location, assign-licenses, add-group-member, remove-licenses, remove-group-member, enable-sign-in, block-sign-in, not "delete-user"'],
    ['a missing field', (p) => { delete ((p.changes as Record<string, unknown>[])[2] as Record<string, unknown>).objectId; }, 'changes[2].objectId is missing'],
  ])('a hand-corrupted saved plan (%s), named by its field, before anything is read', async (_name, corrupt, problem) => {
    await freshTenant();
    const dir = policyDir(POLICY);
    const { file } = await savePlan(dir);
    editPlan(file, corrupt);
    const since = await lastSeq(emulator.url);
    const result = await applyAndLog([file, '--policy', dir, '--auto-approve']);
    expectRefused(result, new RegExp(`p\\.json is not a plan tenantctl wrote: ${problem.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}\\. Nothing was changed; make the plan again with: tenantctl plan --out`, 'u'));
    expect(await requestsSince(emulator.url, since)).toEqual([]);
    await expectUntouched();
  });

  it('a saved plan larger than a reviewed plan can be, refused by its size before it is read', async () => {
    await freshTenant();
    const file = path.join(tempDir(), 'p.json');
    // A sparse file: 51 MiB by its size, nothing on disk.
    writeFileSync(file, '');
    truncateSync(file, 51 * 1024 * 1024);
    const since = await lastSeq(emulator.url);
    const result = await applyAndLog([file, '--policy', policyDir(POLICY), '--auto-approve']);
    expectRefused(result, /p\.json is 51 MiB; a saved plan is at most 50 MiB\. Nothing was read from it; make the plan again with: tenantctl plan --out/u);
    expect(await requestsSince(emulator.url, since)).toEqual([]);
    await expectUntouched();
  });

  it('a saved plan that is not a plan', async () => {
    await freshTenant();
    const file = path.join(tempDir(), 'p.json');
    writeFileSync(file, 'not json');
    const result = await applyAndLog([file, '--policy', policyDir(POLICY), '--auto-approve']);
    expectRefused(result, /p\.json is not JSON; save a plan with: tenantctl plan --out/u);
    await expectUntouched();
  });
});

describe('a person\'s account declared as a shared mailbox is not locked out', () => {
  it('plan names the error and apply blocks nobody: Bob, whose mailbox Exchange calls a user mailbox, can still sign in', async () => {
    await freshTenant();
    const dir = policyDir('mailboxes:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, type: shared}\n');
    const planned = await tenantctl(emulator.url, ['plan', dir]);
    expect(planned.code, planned.stdout + planned.stderr).toBe(1);
    expect(planned.stdout + planned.stderr).toMatch(/mailbox-type-mismatch[^\n]*user mailbox \(a person's\)/u);
    const { run, writes } = await applyAndLog([dir, '--auto-approve']);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(writes).toEqual([]);
    expect(activeUser(await readState(emulator.url), 'bob@contoso.com')?.accountEnabled).toBe(true);
  });
});

describe('an interrupted apply is finished from its reviewed plan', () => {
  it('what the tenant shows made is reported done, the rest is applied, and the next plan is empty', async () => {
    await freshTenant();
    const dir = policyDir(POLICY);
    const { file } = await savePlan(dir);
    // What a first apply of this plan made before it was killed: Dave restored, Carol's usage location set.
    const token = await tokenFor(emulator.url, contoso());
    for (const [method, route, body] of [['POST', `/directory/deletedItems/${DAVE}/restore`, { autoReconcileProxyConflict: true }], ['PATCH', `/users/${CAROL}`, { usageLocation: 'NL' }]] as const) {
      const response = await fetch(`${emulator.url}/v1.0${route}`, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status).toBeLessThan(300);
      await response.body?.cancel();
    }
    const { run, writes } = await applyAndLog([file, '--policy', dir, '--auto-approve', '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { outcomes: { action: string; userPrincipalName: string; status: string; note?: string }[] };
    expect(result.outcomes.map((o) => `${o.action} ${o.userPrincipalName} ${o.status}${o.note === undefined ? '' : ' (done before)'}`)).toEqual([
      'set-usage-location carol@contoso.com applied (done before)', 'assign-licenses carol@contoso.com applied', 'restore-user dave@contoso.com applied (done before)', 'block-sign-in support@contoso.com applied',
    ]);
    // Only the rest was written: Carol's license and Support's block.
    expect(writes.map((w) => w.replace(/ → \d+$/u, ''))).toEqual(expect.arrayContaining([expect.stringMatching(/assignLicense/u), expect.stringMatching(new RegExp(`PATCH /users/${SUPPORT}`, 'u'))]));
    expect(writes).toHaveLength(2);
    const again = await tenantctl(emulator.url, ['plan', dir]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });
});

describe('the mass-removal guard', () => {
  it('refuses a plan that prunes licenses from more than 10 principals and a tenth of those declared, until --allow-license-removals', async () => {
    // Twelve licensed copies of Bob that the policy declares with no license, under pruneLicenses.
    const bob = (await readState(emulator.url)).users.find((u) => u.id === BOB);
    if (bob === undefined) throw new Error('fixture has no Bob');
    const ids = Array.from({ length: 12 }, (_, i) => `0b1f5a1e-7777-4000-8000-${String(i + 1).padStart(12, '0')}`);
    await reseed(emulator.url, contoso((d) => {
      const template = userIn(d, BOB);
      for (const [i, id] of ids.entries()) d.users.push({ ...structuredClone(template), id, userPrincipalName: `pruned${i}@contoso.com`, mail: `pruned${i}@contoso.com`, mailNickname: `pruned${i}`, proxyAddresses: [`SMTP:pruned${i}@contoso.com`] });
    }));
    const users = ids.map((_, i) => `  - {userPrincipalName: pruned${i}@contoso.com, displayName: Pruned ${i}, licenses: []}`).join('\n');
    const dir = policyDir(`defaults: {pruneLicenses: true}\nusers:\n${users}\n`);

    const refused = await applyAndLog([dir, '--auto-approve']);
    expectRefused(refused, /the plan removes licenses from 12 of the 12 principals the policy declares, more than 10; review it, then apply with --allow-license-removals/u);

    const allowed = await applyAndLog([dir, '--auto-approve', '--allow-license-removals']);
    expect(allowed.run.code, allowed.run.stdout + allowed.run.stderr).toBe(0);
    const after = await readState(emulator.url);
    for (const id of ids) expect(after.users.find((u) => u.id === id)?.assignedLicenses).toEqual([]);
  });
});

describe('a saved plan is not trusted for what blocks a principal', () => {
  it('a plan whose errors were deleted from the file still exits 1 naming them: apply takes them from its fresh plan', async () => {
    await freshTenant();
    // Erin was purged: under whenMissing: report the plan names her in an error and apply leaves her alone.
    const dir = policyDir(POLICY.replace('mailboxes:\n', '  - {userPrincipalName: erin@contoso.com, displayName: Erin Smit, licenses: [e3], whenMissing: report}\nmailboxes:\n'));
    const file = path.join(tempDir(), 'p.json');
    const planned = await tenantctl(emulator.url, ['plan', dir, '--out', file]);
    expect(planned.code, planned.stderr).toBe(1);
    const plan = JSON.parse(readFileSync(file, 'utf8')) as Plan;
    expect(plan.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(['not-restorable']);
    editPlan(file, (p) => {
      p.diagnostics = [];
    });
    const { run } = await applyAndLog([file, '--policy', dir, '--auto-approve']);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^1 error in the plan: what they name was not applied\.$/mu);
    // The rest of the reviewed plan was applied.
    expect(activeUser(await readState(emulator.url), 'dave@contoso.com')?.id).toBe(DAVE);
  });
});

describe('secrets stay out of the output and the audit log', () => {
  it('a successful apply with an audit log: one line per change, no secret, no token', async () => {
    await freshTenant();
    const dir = policyDir(POLICY);
    const audit = path.join(tempDir(), 'audit.jsonl');
    const { run, writes } = await applyAndLog([dir, '--auto-approve', '--audit-log', audit]);
    expect(run.code, run.stderr).toBe(0);
    expect(writes).toHaveLength(4);
    const text = readFileSync(audit, 'utf8');
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => `${String(l.action)} ${String(l.userPrincipalName)} ${String(l.outcome)}`).sort()).toEqual([
      'assign-licenses carol@contoso.com applied',
      'block-sign-in support@contoso.com applied',
      'restore-user dave@contoso.com applied',
      'set-usage-location carol@contoso.com applied',
    ]);
    for (const output of [text, run.stdout, run.stderr]) {
      expect(output).not.toContain(RECONCILER_SECRET);
      expect(output).not.toMatch(JWT);
      expect(output.toLowerCase()).not.toContain('bearer');
    }
  });

  it('a failing apply: the Graph error is in the audit log and on stderr, the secret and token are not', async () => {
    // Graph reserves the new user's mailNickname on every verified domain (docs/graph-behaviour.md §5): a deleted
    // user holding erin@contoso.onmicrosoft.com makes the planned create fail, and its license step is skipped.
    await reseed(emulator.url, contoso((d) => {
      d.deletedUsers.push({ id: '78bf875b-9343-4edc-9130-0d39581135ee', userPrincipalName: 'erin.old@contoso.com', displayName: 'Erin (old)', mail: 'erin.old@contoso.com', proxyAddresses: ['SMTP:erin.old@contoso.com', 'smtp:erin@contoso.onmicrosoft.com'], deletedDateTime: '2026-11-15T00:00:00Z' });
    }));
    const dir = policyDir('defaults: {whenMissing: create, usageLocation: NL}\nusers:\n  - {userPrincipalName: erin@contoso.com, displayName: Erin Smit, licenses: [e3]}\n');
    const audit = path.join(tempDir(), 'audit.jsonl');
    const { run, writes } = await applyAndLog([dir, '--auto-approve', '--audit-log', audit]);
    expect(writes).toEqual(['POST /users → 400']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^failed {2}create-user {2}erin@contoso\.com: .*proxyAddresses.*request-id/mu);
    expect(run.stderr).toMatch(/^skipped {2}assign-licenses {2}erin@contoso\.com: its creation failed/mu);
    const text = readFileSync(audit, 'utf8');
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ action: 'create-user', outcome: 'failed', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/u) }),
      expect.objectContaining({ action: 'assign-licenses', outcome: 'skipped' }),
    ]);
    for (const output of [text, run.stdout, run.stderr]) {
      expect(output).not.toContain(RECONCILER_SECRET);
      expect(output).not.toMatch(JWT);
    }
  });
});
