/**
 * Issue 14, end to end against the emulator: `apply plan.json` compares with the policy the plan was
 * made from (recorded in it); `--only UPN` plans and applies a subset (seats counted across the whole
 * policy); without a terminal, apply prints each change and its outcome as it lands; every audit
 * line carries the Graph request id of the write that made the change.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.ts';
import type { Plan } from '../../src/domain/plan.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import {
  activeUser, cliEnv, directLicenses, FOUR_CHANGE_POLICY, lastSeq, readState, requestsSince, reseed, tenantctl, writePolicy, writesIn,
} from '../support/apply-e2e.ts';
import { tenantWorkDir } from '../support/apply-e2e.ts';
import { BOB, contoso, E3, FIXTURE_NOW, SUPPORT, userIn } from '../support/emulator.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());

/** Contoso with Support's sign-in enabled: FOUR_CHANGE_POLICY restores Dave, licenses Carol (two changes) and blocks Support. */
const drifted = (): ReturnType<typeof contoso> => contoso((d) => {
  userIn(d, SUPPORT).accountEnabled = true;
});

const workDir = tenantWorkDir;

const run = (args: readonly string[], cwd: string) => tenantctl(emulator.url, args, { cwd });

describe('apply plan.json uses the policy the plan was made from', () => {
  beforeEach(() => reseed(emulator.url, drifted()));

  it('plan tenants/prod --out plan.json, then apply plan.json: applies (the issue\'s row)', async () => {
    const { cwd } = workDir(FOUR_CHANGE_POLICY);
    const plan = await run(['plan', 'tenants/prod', '--out', 'plan.json'], cwd);
    expect(plan.code, plan.stderr).toBe(0);
    const saved = JSON.parse(readFileSync(path.join(cwd, 'plan.json'), 'utf8')) as Plan;
    expect(saved.policyPaths).toEqual(['tenants/prod']);
    expect(saved.formatVersion).toBe(2);

    const apply = await run(['apply', 'plan.json', '--auto-approve'], cwd);
    expect(apply.stderr).not.toContain('policy changed');
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('Apply complete: 1 restored, 1 usage location set, 1 licensed, 1 blocked.');
    const state = await readState(emulator.url);
    expect(activeUser(state, 'dave@contoso.com')).toBeDefined();
    expect(directLicenses(activeUser(state, 'carol@contoso.com'))).toEqual([`${E3}:`]);
    // Converged: a fresh plan of the same policy has nothing to do.
    const again = await run(['plan', 'tenants/prod', '--detailed-exitcode'], cwd);
    expect(again.code, again.stdout).toBe(0);
  });

  it('refuses when that policy changed, naming what it compared and how to compare with another; writes nothing', async () => {
    const { cwd, policy } = workDir(FOUR_CHANGE_POLICY);
    expect((await run(['plan', 'tenants/prod', '--out', 'plan.json'], cwd)).code).toBe(0);
    writePolicy(policy, FOUR_CHANGE_POLICY.replace('displayName: Carol Bakker,', 'displayName: Carol Bakker, whenMissing: report,'));
    const since = await lastSeq(emulator.url);
    const apply = await run(['apply', 'plan.json', '--auto-approve'], cwd);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toBe('tenantctl apply: the policy changed since plan.json was made (its digest differs): compared with the policy in tenants/prod (recorded in plan.json); pass --policy PATH to compare with another, or run plan again\nNothing was changed.\n');
    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);
  });

  it('--policy overrides the recorded paths, and the refusal says so', async () => {
    const { cwd } = workDir(FOUR_CHANGE_POLICY);
    expect((await run(['plan', 'tenants/prod', '--out', 'plan.json'], cwd)).code).toBe(0);
    mkdirSync(path.join(cwd, 'other'));
    writePolicy(path.join(cwd, 'other'), 'users:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol}\n');
    const apply = await run(['apply', 'plan.json', '--policy', 'other', '--auto-approve'], cwd);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain('compared with the policy in other (--policy); pass --policy PATH to compare with another');
  });
});

describe('--only UPN', () => {
  beforeEach(() => reseed(emulator.url, drifted()));

  it('plan --only: only that principal\'s changes, with the partial-plan warning', async () => {
    const { cwd } = workDir(FOUR_CHANGE_POLICY);
    const plan = await run(['plan', 'tenants/prod', '--only', 'carol@contoso.com', '--format', 'json', '--detailed-exitcode'], cwd);
    expect(plan.code, plan.stderr).toBe(2);
    const json = JSON.parse(plan.stdout) as Plan;
    expect(json.only).toEqual(['carol@contoso.com']);
    expect(json.changes.map((c) => `${c.action} ${c.userPrincipalName}`)).toEqual(['set-usage-location carol@contoso.com', 'assign-licenses carol@contoso.com']);
    expect(json.diagnostics[0]).toMatchObject({ severity: 'warning', code: 'partial-plan' });
    const text = await run(['plan', 'tenants/prod', '--only', 'carol@contoso.com', '--only', 'dave@contoso.com'], cwd);
    expect(text.stdout).toMatch(/warning {2}partial-plan {2}this plan is partial \(--only\): it covers 2 of the 3 principals/u);
    expect(text.stdout).not.toContain('support@contoso.com');
  });

  it('an --only UPN the policy does not declare: an error with a suggestion, exit 1, nothing read', async () => {
    const { cwd } = workDir(FOUR_CHANGE_POLICY);
    const since = await lastSeq(emulator.url);
    for (const command of ['plan', 'apply']) {
      const result = await run([command, 'tenants/prod', '--only', 'carl@contoso.com', '--auto-approve'].filter((a) => command === 'apply' || a !== '--auto-approve'), cwd);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('undeclared-principal');
      expect(result.stderr).toContain('--only carl@contoso.com: the policy declares no such principal, so there is nothing to plan for it; did you mean carol@contoso.com?');
    }
    expect(await requestsSince(emulator.url, since)).toEqual([]);
  });

  it('apply --only with policy paths changes only that principal', async () => {
    const { cwd } = workDir(FOUR_CHANGE_POLICY);
    const apply = await run(['apply', 'tenants/prod', '--only', 'support@contoso.com', '--auto-approve'], cwd);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('partial-plan');
    expect(apply.stdout).toContain('Apply complete: 1 blocked.');
    const state = await readState(emulator.url);
    expect(activeUser(state, SUPPORT_UPN)?.accountEnabled).toBe(false);
    expect(activeUser(state, 'dave@contoso.com')).toBeUndefined();
    expect(directLicenses(activeUser(state, 'carol@contoso.com'))).toEqual([]);
  });

  it('a saved partial plan is applied against the same subset; --only another subset with it is refused', async () => {
    const { cwd } = workDir(FOUR_CHANGE_POLICY);
    expect((await run(['plan', 'tenants/prod', '--only', 'carol@contoso.com', '--out', 'p.json'], cwd)).code).toBe(0);
    const since = await lastSeq(emulator.url);
    const other = await run(['apply', 'p.json', '--only', 'dave@contoso.com', '--auto-approve'], cwd);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('p.json covers only carol@contoso.com (--only), and a saved plan is applied exactly as reviewed');
    expect(await requestsSince(emulator.url, since)).toEqual([]);

    const apply = await run(['apply', 'p.json', '--auto-approve'], cwd);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('Apply complete: 1 usage location set, 1 licensed.');
    const state = await readState(emulator.url);
    expect(directLicenses(activeUser(state, 'carol@contoso.com'))).toEqual([`${E3}:`]);
    expect(activeUser(state, 'dave@contoso.com')).toBeUndefined();
  });

  it('one free seat, two principals want it: --only the later one in UPN order does not get it', async () => {
    await reseed(emulator.url, contoso((d) => {
      userIn(d, BOB).assignedLicenses = [];
      const [e3] = d.subscribedSkus;
      if (e3) e3.prepaidUnits.enabled = 2;
    }));
    const { cwd } = workDir('defaults: {usageLocation: NL}\nusers:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, licenses: [e3]}\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3]}\n');
    const apply = await run(['apply', 'tenants/prod', '--only', 'carol@contoso.com', '--auto-approve'], cwd);
    // Carol's seat-shortfall is an error of the plan: apply exits 1, and gives Carol nothing.
    expect(apply.code).toBe(1);
    expect(apply.stdout).toContain('seat-shortfall');
    let state = await readState(emulator.url);
    expect(directLicenses(activeUser(state, 'carol@contoso.com'))).toEqual([]);
    // The seat is still Bob's to take. The shortfall is in his partial plan too, as a warning: it concerns Carol, whom it leaves out.
    const bob = await run(['apply', 'tenants/prod', '--only', 'bob@contoso.com', '--auto-approve'], cwd);
    expect(bob.code, bob.stdout + bob.stderr).toBe(0);
    expect(bob.stdout).toContain('Apply complete: 1 licensed.');
    state = await readState(emulator.url);
    expect(directLicenses(activeUser(state, 'bob@contoso.com'))).toEqual([`${E3}:`]);
  });
});

const SUPPORT_UPN = 'support@contoso.com';

/** apply with its own streams; `tty` says whether stderr is a terminal. */
async function applyWith(args: readonly string[], cwd: string, tty: boolean): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['apply', ...args], {
    stdout: { write: (text: string) => (stdout += text), isTTY: tty },
    stderr: { write: (text: string) => (stderr += text), isTTY: tty },
    cwd,
    env: cliEnv(emulator.url),
    now: () => FIXTURE_NOW,
    clock: () => new Date().toISOString(),
    waitForStop: () => Promise.resolve(),
  });
  return { code, stdout, stderr };
}

describe('apply plan.json --auto-approve in CI', () => {
  beforeEach(() => reseed(emulator.url, drifted()));

  it('without a terminal: one line per change and its outcome with its request id, then the summary; the audit log has the same ids', async () => {
    const { cwd } = workDir(FOUR_CHANGE_POLICY);
    expect((await run(['plan', 'tenants/prod', '--out', 'plan.json'], cwd)).code).toBe(0);
    const result = await applyWith(['plan.json', '--auto-approve', '--audit-log', 'audit.jsonl'], cwd, false);
    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout.trimEnd().split('\n');
    expect(out.at(-1)).toBe('Apply complete: 1 restored, 1 usage location set, 1 licensed, 1 blocked.');
    const landed = out.slice(0, -1).sort();
    expect(landed).toEqual([
      expect.stringMatching(/^applied {2}assign-licenses {2}carol@contoso\.com {2}\(request-id [\w-]+\)$/u),
      expect.stringMatching(/^applied {2}block-sign-in {2}support@contoso\.com {2}\(request-id [\w-]+\)$/u),
      expect.stringMatching(/^applied {2}restore-user {2}dave@contoso\.com {2}\(request-id [\w-]+\)$/u),
      expect.stringMatching(/^applied {2}set-usage-location {2}carol@contoso\.com {2}\(request-id [\w-]+\)$/u),
    ]);
    const audit = readFileSync(path.join(cwd, 'audit.jsonl'), 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(audit).toHaveLength(4);
    for (const line of audit) {
      expect(line.requestId, JSON.stringify(line)).toEqual(expect.stringMatching(/^[\w-]+$/u));
      // The id printed for the change is the one the audit log holds.
      expect(result.stdout).toContain(`${String(line.action)}  ${String(line.userPrincipalName)}  (request-id ${String(line.requestId)})`);
    }
  });

  it('with a terminal: the counter on stderr, no per-change lines', async () => {
    const { cwd } = workDir(FOUR_CHANGE_POLICY);
    expect((await run(['plan', 'tenants/prod', '--out', 'plan.json'], cwd)).code).toBe(0);
    const result = await applyWith(['plan.json', '--auto-approve'], cwd, true);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('Apply complete: 1 restored, 1 usage location set, 1 licensed, 1 blocked.\n');
    expect(result.stderr).toContain('4/4 changes');
  });

  it('--format json: stdout is the one document, without per-change lines', async () => {
    const { cwd } = workDir(FOUR_CHANGE_POLICY);
    expect((await run(['plan', 'tenants/prod', '--out', 'plan.json'], cwd)).code).toBe(0);
    const result = await applyWith(['plan.json', '--auto-approve', '--format', 'json'], cwd, false);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('applied  ');
    expect(() => JSON.parse(result.stdout) as unknown).not.toThrow();
  });

  it('a failed change: its line as it lands carries the Graph request id, and so does its audit line', async () => {
    // Graph reserves a new user's mailNickname on every verified domain: a deleted user holding erin@contoso.onmicrosoft.com makes creating Erin fail.
    await reseed(emulator.url, contoso((d) => {
      d.deletedUsers.push({ id: '78bf875b-9343-4edc-9130-0d39581135ee', userPrincipalName: 'erin.old@contoso.com', displayName: 'Erin (old)', mail: 'erin.old@contoso.com', proxyAddresses: ['SMTP:erin.old@contoso.com', 'smtp:erin@contoso.onmicrosoft.com'], deletedDateTime: '2026-11-15T00:00:00Z' });
    }));
    const { cwd } = workDir('defaults: {whenMissing: create, usageLocation: NL}\nusers:\n  - {userPrincipalName: erin@contoso.com, displayName: Erin Smit, licenses: [e3]}\n');
    const result = await applyWith(['tenants/prod', '--auto-approve', '--audit-log', 'audit.jsonl'], cwd, false);
    expect(result.code).toBe(1);
    const failed = /^failed {2}create-user {2}erin@contoso\.com: .* \(request-id ([\w-]+)\)$/mu.exec(result.stdout);
    expect(failed, result.stdout).not.toBeNull();
    expect(result.stdout).toMatch(/^skipped {2}assign-licenses {2}erin@contoso\.com: its creation failed$/mu);
    const audit = readFileSync(path.join(cwd, 'audit.jsonl'), 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(audit.map((l) => [l.outcome, l.requestId])).toEqual([['failed', failed?.[1]], ['skipped', null]]);
  });
});

