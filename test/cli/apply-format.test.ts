/**
 * `tenantctl apply --format text|json` end to end against the emulator (docs/cli-reference.md §4):
 * with json, stdout holds one JSON document and nothing else (the plan's preview goes to stderr),
 * whatever happened — everything applied, a failed change, errors in the plan, nothing to do — and
 * the document says what the tenant shows afterwards. The exit codes are those of text. Refusals
 * print no document. The text view keeps its streams and its order.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import {
  activeUser, cliEnv, directLicenses, FOUR_CHANGE_POLICY, lastSeq, policyDir, RECONCILER_SECRET, readState, requestsSince, reseed, tempDir, tenantctl, writesIn,
} from '../support/apply-e2e.ts';
import type { CliRun } from '../support/cli.ts';
import type { SeedDraft } from '../support/emulator.ts';
import { BOB, CAROL, contoso, DAVE, E3, FIXTURE_NOW, SUPPORT, TENANT_ID, userIn, YAMMER } from '../support/emulator.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());

interface ApplyJson {
  readonly formatVersion: number;
  readonly tenantId: string;
  readonly outcomes: readonly {
    readonly action: string;
    readonly userPrincipalName: string;
    readonly objectId?: string;
    readonly status: 'applied' | 'failed' | 'skipped';
    readonly note?: string;
    readonly reason?: string;
    readonly error?: { readonly status: number | null; readonly code: string; readonly message: string; readonly requestId: string | null };
  }[];
  readonly summary: { readonly applied: Readonly<Record<string, number>>; readonly failed: number; readonly skipped: number };
  readonly blocked: readonly { readonly severity: string; readonly code: string; readonly userPrincipalName?: string; readonly message: string }[];
}

/** A JWT, as the token endpoint issues them. */
const JWT = /eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*/u;

/** stdout is exactly one JSON document: parsing the whole of it succeeds. */
function documentOf(run: CliRun): ApplyJson {
  expect(run.stdout.endsWith('}\n'), run.stdout).toBe(true);
  return JSON.parse(run.stdout) as ApplyJson;
}

const brief = (json: ApplyJson): string[] => json.outcomes.map((o) => `${o.status} ${o.action} ${o.userPrincipalName}`);

/** A new user's initial password, as engine/passwords.ts makes it: 24 base64url characters, then "!aA1". */
const NEW_USER_PASSWORD = /[\w-]{24}!aA1/u;
/** The plan's line on how a created person signs in: the only place the output may say "password". */
const SIGN_IN_LINE = 'signs in with a Temporary Access Pass or a password reset the administrator issues (the initial password is random and never shown)';

function expectNoSecrets(run: CliRun): void {
  for (const output of [run.stdout, run.stderr]) {
    expect(output).not.toContain(RECONCILER_SECRET);
    expect(output).not.toMatch(JWT);
    expect(output).not.toMatch(NEW_USER_PASSWORD);
    expect(output.replaceAll(SIGN_IN_LINE, '').toLowerCase()).not.toContain('password');
  }
}

/** Support signed in although it is a shared mailbox; Dave deleted; Carol without a usage location: FOUR_CHANGE_POLICY's four changes. */
async function fourChangeTenant(): Promise<void> {
  await reseed(emulator.url, contoso((d) => {
    userIn(d, SUPPORT).accountEnabled = true;
  }));
}

async function expectFourChangesHeld(): Promise<void> {
  const state = await readState(emulator.url);
  expect(state.users.find((u) => u.id === DAVE)).toMatchObject({ userPrincipalName: 'dave@contoso.com', accountEnabled: true });
  expect(state.users.find((u) => u.id === CAROL)?.usageLocation).toBe('NL');
  expect(directLicenses(state.users.find((u) => u.id === CAROL))).toEqual([`${E3}:`]);
  expect(state.users.find((u) => u.id === SUPPORT)?.accountEnabled).toBe(false);
}

const FOUR_APPLIED = ['applied set-usage-location carol@contoso.com', 'applied assign-licenses carol@contoso.com', 'applied restore-user dave@contoso.com', 'applied block-sign-in support@contoso.com'];

/** `tenantctl apply ARGS` with a terminal to confirm on that answers `answer`; both streams also into one log, in order. */
async function applyOnTerminal(args: readonly string[], answer: string): Promise<CliRun & { questions: string[] }> {
  let stdout = '';
  let stderr = '';
  const questions: string[] = [];
  const code = await runCli(['apply', ...args], {
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
    cwd: process.cwd(),
    env: cliEnv(emulator.url),
    now: () => FIXTURE_NOW,
    clock: () => new Date().toISOString(),
    confirm: (question) => {
      questions.push(question);
      return Promise.resolve(answer === 'yes');
    },
    waitForStop: () => Promise.resolve(),
  });
  return { code, stdout, stderr, questions };
}

/** `tenantctl apply ARGS` with stdout and stderr into one log, as a terminal shows them. */
async function applyInterleaved(args: readonly string[]): Promise<{ code: number; log: string[] }> {
  const log: string[] = [];
  const code = await runCli(['apply', ...args], {
    stdout: { write: (text: string) => log.push(`stdout: ${text}`), isTTY: false },
    stderr: { write: (text: string) => log.push(`stderr: ${text}`), isTTY: false },
    cwd: process.cwd(),
    env: cliEnv(emulator.url),
    now: () => FIXTURE_NOW,
    clock: () => new Date().toISOString(),
    waitForStop: () => Promise.resolve(),
  });
  return { code, log };
}

/** Graph reserves a new user's mailNickname on every verified domain: a deleted user holding erin@contoso.onmicrosoft.com makes creating Erin fail. */
const erinTaken = (d: SeedDraft): void => {
  d.deletedUsers.push({ id: '78bf875b-9343-4edc-9130-0d39581135ee', userPrincipalName: 'erin.old@contoso.com', displayName: 'Erin (old)', mail: 'erin.old@contoso.com', proxyAddresses: ['SMTP:erin.old@contoso.com', 'smtp:erin@contoso.onmicrosoft.com'], deletedDateTime: '2026-11-15T00:00:00Z' });
};
const ERIN_POLICY = 'defaults: {whenMissing: create, usageLocation: NL}\nusers:\n  - {userPrincipalName: erin@contoso.com, displayName: Erin Smit, licenses: [e3]}\n';

/** Two E3 seats, both taken: Carol cannot be licensed (an error in the plan); Support is blocked all the same. */
const shortOfSeats = (d: SeedDraft): void => {
  const [e3] = d.subscribedSkus;
  if (e3) e3.prepaidUnits.enabled = 2;
  userIn(d, SUPPORT).accountEnabled = true;
};
const SHORTFALL_POLICY = 'defaults: {usageLocation: NL}\nusers:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, licenses: [e3]}\nmailboxes:\n  - {userPrincipalName: support@contoso.com, displayName: Contoso Support, type: shared}\n';

describe('tenantctl apply --format json', () => {
  it('policy paths with --auto-approve: one document on stdout, the plan on stderr, exit 0, and the tenant holds every change', async () => {
    await fourChangeTenant();
    const run = await tenantctl(emulator.url, ['apply', policyDir(FOUR_CHANGE_POLICY), '--auto-approve', '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const json = documentOf(run);
    expect(json).toMatchObject({ formatVersion: 1, tenantId: TENANT_ID, blocked: [] });
    expect(brief(json)).toEqual(FOUR_APPLIED);
    expect(json.outcomes.map((o) => o.objectId)).toEqual([CAROL, CAROL, DAVE, SUPPORT]);
    expect(json.summary).toEqual({ applied: { 'restore-user': 1, 'set-usage-location': 1, 'assign-licenses': 1, 'block-sign-in': 1 }, failed: 0, skipped: 0 });
    expect(run.stderr).toContain('Plan: 1 to restore, 1 to set usage location, 1 to license, 1 to block.');
    expect(run.stdout).not.toMatch(/Apply complete|Plan: /u);
    expectNoSecrets(run);
    await expectFourChangesHeld();
  });

  it('a saved plan: the document, and nothing else on either stream', async () => {
    await fourChangeTenant();
    const dir = policyDir(FOUR_CHANGE_POLICY);
    const file = path.join(tempDir(), 'p.json');
    expect((await tenantctl(emulator.url, ['plan', dir, '--out', file])).code).toBe(0);
    const run = await tenantctl(emulator.url, ['apply', file, '--policy', dir, '--auto-approve', '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(brief(documentOf(run))).toEqual(FOUR_APPLIED);
    await expectFourChangesHeld();
  });

  it('a failed change: exit 1, Graph\'s error with its request id, the skipped step and why; the user was not created', async () => {
    await reseed(emulator.url, contoso(erinTaken));
    const audit = path.join(tempDir(), 'audit.jsonl');
    const run = await tenantctl(emulator.url, ['apply', policyDir(ERIN_POLICY), '--auto-approve', '--format', 'json', '--audit-log', audit]);
    expect(run.code).toBe(1);
    const json = documentOf(run);
    expect(json.outcomes).toEqual([
      {
        action: 'create-user', userPrincipalName: 'erin@contoso.com', status: 'failed',
        error: { status: 400, code: expect.any(String), message: expect.stringContaining('proxyAddresses'), requestId: expect.stringMatching(/^[0-9a-f-]{36}$/u) },
      },
      { action: 'assign-licenses', userPrincipalName: 'erin@contoso.com', status: 'skipped', reason: 'its creation failed' },
    ]);
    expect(json.summary).toEqual({ applied: {}, failed: 1, skipped: 1 });
    // The same request id as the audit log's: one failure, told twice.
    const [logged] = readFileSync(audit, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as { requestId?: string });
    expect(json.outcomes[0]?.error?.requestId).toBe(logged?.requestId);
    expect(run.stderr).not.toMatch(/^failed /mu);
    expectNoSecrets(run);
    expect(activeUser(await readState(emulator.url), 'erin@contoso.com')).toBeUndefined();
  });

  it('errors in the plan: exit 1, the errors that blocked Carol under "blocked", and the rest applied', async () => {
    await reseed(emulator.url, contoso(shortOfSeats));
    const run = await tenantctl(emulator.url, ['apply', policyDir(SHORTFALL_POLICY), '--auto-approve', '--format', 'json']);
    expect(run.code, run.stderr).toBe(1);
    const json = documentOf(run);
    // The shortfall is the SKU's, so the error names Carol in its message (a plan-wide error has no userPrincipalName).
    expect(json.blocked).toEqual([{ severity: 'error', code: 'seat-shortfall', message: expect.stringContaining('not assigned to carol@contoso.com') }]);
    expect(json.outcomes.map((o) => o.userPrincipalName)).not.toContain('carol@contoso.com');
    expect(brief(json)).toContain('applied block-sign-in support@contoso.com');
    expect(run.stderr).not.toMatch(/in the plan: what they name was not applied/u);
    const state = await readState(emulator.url);
    expect(state.users.find((u) => u.id === SUPPORT)?.accountEnabled).toBe(false);
    expect(directLicenses(state.users.find((u) => u.id === CAROL))).toEqual([]);
  });

  it('nothing to apply: a document without outcomes, exit 0, nothing written', async () => {
    await reseed(emulator.url, contoso());
    const since = await lastSeq(emulator.url);
    const run = await tenantctl(emulator.url, ['apply', policyDir('users:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3-no-yammer, {sku: EXCHANGESTANDARD}]}\n'), '--auto-approve', '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect(documentOf(run)).toEqual({ formatVersion: 1, tenantId: TENANT_ID, outcomes: [], summary: { applied: {}, failed: 0, skipped: 0 }, blocked: [] });
    expect(run.stdout).not.toContain('Nothing to apply.');
    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);
    expect(directLicenses(activeUser(await readState(emulator.url), 'bob@contoso.com'))).toEqual([`${E3}:${YAMMER}`]);
    expect(activeUser(await readState(emulator.url), 'bob@contoso.com')?.id).toBe(BOB);
  });

  it('still asks on a terminal without --auto-approve; "yes" applies, and stdout is still only the document', async () => {
    await fourChangeTenant();
    const run = await applyOnTerminal([policyDir(FOUR_CHANGE_POLICY), '--format', 'json'], 'yes');
    expect(run.code, run.stderr).toBe(0);
    expect(run.questions).toEqual([`Apply these 4 changes to tenant ${TENANT_ID}? Only "yes" is accepted: `]);
    expect(run.stderr).toContain('Plan: 1 to restore');
    expect(brief(documentOf(run))).toEqual(FOUR_APPLIED);
    await expectFourChangesHeld();
  });

  it.each([
    ['no terminal and no --auto-approve', undefined, /there is no terminal to confirm on/u],
    ['a terminal, answered "no"', 'no', /not confirmed/u],
  ])('refused (%s): exit 1, no document, nothing written', async (_name, answer, message) => {
    await fourChangeTenant();
    const since = await lastSeq(emulator.url);
    const args = [policyDir(FOUR_CHANGE_POLICY), '--format', 'json'];
    const run = answer === undefined ? await tenantctl(emulator.url, ['apply', ...args]) : await applyOnTerminal(args, answer);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('Nothing was changed.');
    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);
    expect(activeUser(await readState(emulator.url), 'support@contoso.com')?.accountEnabled).toBe(true);
  });

  it('refuses a format it does not have before reading anything: exit 1, naming the choices', async () => {
    const since = await lastSeq(emulator.url);
    const run = await tenantctl(emulator.url, ['apply', policyDir(FOUR_CHANGE_POLICY), '--auto-approve', '--format', 'markdown']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/'markdown' is invalid\. Allowed choices are text, json\./u);
    expect(await requestsSince(emulator.url, since)).toEqual([]);
  });
});

describe('tenantctl apply, text (the default, and --format text)', () => {
  it('the plan on stdout, each change as it lands on stdout (no terminal), then the failed and skipped changes on stderr, then the summary on stdout', async () => {
    await reseed(emulator.url, contoso(erinTaken));
    const { code, log } = await applyInterleaved([policyDir(ERIN_POLICY), '--auto-approve', '--format', 'text']);
    expect(code).toBe(1);
    expect(log[0]).toMatch(/^stdout: .*Plan: 1 to create, 1 to license\.\n$/su);
    // The failure's line carries Graph's request id, as it lands and in the closing list.
    expect(log[1]).toMatch(/^stdout: failed {2}create-user {2}erin@contoso\.com: Request_\w+: .* \(request-id [\w-]+\)\n$/u);
    expect(log.slice(1).map((line) => line.replace(/: Request_\w+: .*/u, ': …'))).toEqual([
      'stdout: failed  create-user  erin@contoso.com: …\n',
      'stdout: skipped  assign-licenses  erin@contoso.com: its creation failed\n',
      'stderr: failed  create-user  erin@contoso.com: …\nskipped  assign-licenses  erin@contoso.com: its creation failed\n',
      'stdout: Apply complete: 1 failed, 1 skipped.\n',
    ]);
  });

  it('the summary on stdout, then the note on what the plan\'s errors left alone on stderr', async () => {
    await reseed(emulator.url, contoso(shortOfSeats));
    const { code, log } = await applyInterleaved([policyDir(SHORTFALL_POLICY), '--auto-approve']);
    expect(code).toBe(1);
    expect(log.slice(1)).toEqual([expect.stringMatching(/^stdout: applied {2}block-sign-in {2}support@contoso\.com {2}\(request-id [\w-]+\)\n$/u), 'stdout: Apply complete: 1 blocked.\n', expect.stringMatching(/^stderr: \d+ errors? in the plan: what they name was not applied\.\n$/u)]);
  });
});
