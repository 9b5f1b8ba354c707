import { RETENTION_DAYS } from '../../domain/clock.ts';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Plan } from '../../domain/plan.ts';
import { describeSku } from '../../domain/sku-catalog.ts';
import type { RunningEmulator } from '../../emulator/server.ts';
import { startEmulator } from '../../emulator/server.ts';
import { planTenant } from '../../engine/reconcile.ts';
import { loadPolicy } from '../../policy/load.ts';
import { renderValidationText } from '../../render/diagnostics.ts';
import { renderPlanJson } from '../../domain/plan-format.ts';
import { renderPlanText } from '../../render/plan-text.ts';
import { connectGraphTenant } from '../../tenant/graph/index.ts';
import type { GraphTenant } from '../../tenant/graph/index.ts';
import { runApplyCommand } from '../apply.ts';
import type { Outcome } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import { logSettings, requestLogFor } from '../log.ts';
import { useColour } from '../io.ts';
import type { DemoCast } from './demo-tenant.ts';
import { castDemo, DEMO_CLIENT_ID, DEMO_DRIFT_DAYS, DEMO_STALE_JOB_TITLE, demoSeed } from './demo-tenant.ts';

export interface DemoOptions {
  /** The demo app's secret; a fresh random one by default. Never printed (tests pass a known one to check). */
  readonly clientSecret?: string;
  /**
   * Called with the demo's emulator once it runs (`started`, before the first plan) and when the story is
   * told (`finished`, before it closes), so that a test can read the tenant before and after.
   */
  readonly observe?: (moment: 'started' | 'finished', emulator: RunningEmulator) => Promise<void> | void;
}

const WIDTH = 100;

/**
 * `tenantctl demo` (issue 5): a drifted copy of the policies/ tenant in an embedded emulator on
 * 127.0.0.1, then plan → apply → plan, told in plain words. The apply is the real one: the plan of
 * step 1 is saved and `tenantctl apply PLAN.json --auto-approve` runs it. Exit 0 when the story
 * ends as it should (everything applied, and the third plan has no changes), 1 otherwise.
 */
export async function runDemo(io: CliIo, options: DemoOptions = {}): Promise<Outcome> {
  const now = io.now();
  const policy = await loadPolicy([], { cwd: io.cwd });
  if (!policy.desired) {
    io.stderr.write(renderValidationText({ diagnostics: policy.diagnostics, files: [] }, { color: useColour(io) }));
    io.stderr.write('tenantctl demo: the demo reconciles the policy in policies/, which is invalid; run tenantctl validate for details.\n');
    return { kind: 'invalid-input' };
  }
  const desired = policy.desired;
  // TENANTCTL_LOG works here as for plan and apply (the demo takes no --log-level of its own).
  const logging = logSettings({}, io.env);
  if ('problem' in logging) {
    io.stderr.write(`error: ${logging.problem}\n`);
    return { kind: 'usage-error' };
  }
  const cast = castDemo(desired);
  const clientSecret = options.clientSecret ?? randomBytes(32).toString('base64url');
  const seed = demoSeed(desired, now, clientSecret);
  const emulator = await startEmulator({ seed, port: 0 });
  const workDir = await mkdtemp(path.join(tmpdir(), 'tenantctl-demo-'));
  try {
    await options.observe?.('started', emulator);
    const log = requestLogFor(logging, io);
    const tenant = connectGraphTenant({
      env: { TENANTCTL_GRAPH_URL: emulator.url, AZURE_TENANT_ID: seed.tenantId, AZURE_CLIENT_ID: DEMO_CLIENT_ID, AZURE_CLIENT_SECRET: clientSecret },
      ...(log === undefined ? {} : { log }),
    }).tenant;
    // One instant for the whole story: the emulator's clock stands still at it, and every plan is made at it.
    // apply's own notes go to the story (stdout), in order, not to stderr.
    const demoIo: CliIo = { stdout: io.stdout, stderr: { write: (text: string) => io.stdout.write(text) }, cwd: io.cwd, env: io.env, now: () => now, clock: io.clock, waitForStop: io.waitForStop };
    const say = (text = ''): void => void io.stdout.write(`${text}\n`);
    const colour = useColour(io);
    const heading = (text: string): void => say(colour ? `\n\u001b[1m${text}\u001b[0m` : `\n${text}`);
    const mailboxes = desired.principals.filter((p) => p.kind === 'mailbox').length;

    say(colour ? '\u001b[1mtenantctl demo: plan → apply → plan, against a tenant that drifted\u001b[0m' : 'tenantctl demo: plan → apply → plan, against a tenant that drifted');
    say();
    say(wrap(
      `The tenant is the one policies/ declares (${plural(desired.principals.length - mailboxes, 'user')}, ${plural(mailboxes, 'mailbox', 'mailboxes')}), served by ` +
      `tenantctl's Microsoft Graph emulator on ${emulator.url}, inside this process: no network, no credentials, nothing real is touched. ` +
      'It signs in as a demo app with only the permissions tenantctl needs and a secret made up for this run. Since the policy was last applied, the tenant drifted the way real ones do:',
    ));
    for (const line of driftLines(cast)) say(bullet(line));

    heading('Step 1 of 3: plan. What differs from the policy, and what apply would do about it.');
    say('$ tenantctl plan --out plan.json');
    const first = await planTenant({ paths: [], cwd: io.cwd, reader: tenant, now });
    if (first.kind === 'invalid-policy') return { kind: 'invalid-input' };
    io.stdout.write(renderPlanText(first.plan, { color: colour }));
    say();
    say(wrap(explainPlan(first.plan, cast)));

    heading('Step 2 of 3: apply. The reviewed plan, exactly.');
    const planFile = path.join(workDir, 'plan.json');
    await writeFile(planFile, renderPlanJson(first.plan), 'utf8');
    say('$ tenantctl apply plan.json --auto-approve');
    say(wrap(
      'Auto-approved for the demo; on a terminal, apply asks first. It re-reads the tenant and refuses the saved plan if anything it touches changed since step 1.',
    ));
    // Apply exits 1 here by design (the plan has errors: the purged user, the missing seat); whether
    // every change it could make was made shows in step 3: a failed change would still be planned.
    await runApplyCommand([planFile], { autoApprove: true }, demoIo, tenant);
    const kept = await reportRestoredIds(first.plan, tenant, say);

    const third = await planTenant({ paths: [], cwd: io.cwd, reader: tenant, now });
    if (third.kind === 'invalid-policy') return { kind: 'invalid-input' };
    const converged = third.plan.changes.length === 0;
    heading('Step 3 of 3: plan again.');
    if (converged) {
      say(wrap(
        'tenantctl keeps no state between runs: it reads the whole tenant again and plans from scratch, so a plan without changes means the tenant really is where the policy says, ' +
        'as far as writes can take it. What is left needs a person, because no Graph write can fix it:',
      ));
      for (const line of leftOver(first.plan, third.plan, cast)) say(bullet(line));
    } else {
      say(wrap('The plan below still has changes: apply did not converge the tenant. That should not happen (see the messages above).'));
    }
    say();
    say(wrap(
      'To run this against your own tenant: register an app in Entra ID with the application permissions User.Read.All, LicenseAssignment.Read.All, ' +
      'MailboxSettings.Read and GroupMember.Read.All (to plan) and User.DeleteRestore.All, LicenseAssignment.ReadWrite.All, User.ReadWrite.All and GroupMember.ReadWrite.All (to apply); ' +
      'set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or use a certificate, workload identity, a managed identity or az login); ' +
      'put your tenant\'s id and people in policies/; then:',
    ));
    say('    npx tenantctl plan --out plan.json      # review it, in a pull request if you like');
    say('    npx tenantctl apply plan.json');
    say();
    say('$ tenantctl plan');
    io.stdout.write(renderPlanText(third.plan, { color: colour }));

    await options.observe?.('finished', emulator);
    const completed = kept && converged;
    if (!completed) io.stderr.write('tenantctl demo: the story did not end as it should (see above): apply failed, or the last plan still has changes. This is a bug in tenantctl; please report it.\n');
    return completed ? { kind: 'success' } : { kind: 'invalid-input' };
  } finally {
    await emulator.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

/** The drift, one sentence per part of the cast. */
function driftLines(cast: DemoCast): string[] {
  const lines: string[] = [];
  const { deletedRecently, deletedLongAgo } = cast;
  if (deletedRecently && deletedLongAgo) {
    lines.push(`${deletedRecently.userPrincipalName} was deleted ${DEMO_DRIFT_DAYS.deletedRecently} days ago, and ${deletedLongAgo.userPrincipalName} ${DEMO_DRIFT_DAYS.deletedLongAgo} days ago. Entra purges deleted users after 30 days: ${deletedLongAgo.userPrincipalName} has ${RETENTION_DAYS - DEMO_DRIFT_DAYS.deletedLongAgo} days left.`);
  } else if (deletedRecently ?? deletedLongAgo) {
    lines.push(`${(deletedRecently ?? deletedLongAgo)?.userPrincipalName} was deleted ${deletedRecently ? DEMO_DRIFT_DAYS.deletedRecently : DEMO_DRIFT_DAYS.deletedLongAgo} days ago.`);
  }
  if (cast.deletedMailbox) lines.push(`The ${cast.deletedMailbox.mailboxType} mailbox ${cast.deletedMailbox.userPrincipalName} was deleted ${DEMO_DRIFT_DAYS.deletedMailbox} days ago.`);
  if (cast.licenseRemoved) {
    const licenses = cast.licenseRemoved.licenses.length === 1 ? 'license was' : 'licenses were';
    lines.push(`${cast.licenseRemoved.userPrincipalName}'s ${licenses} removed ${DEMO_DRIFT_DAYS.licenseRemoved} days ago, which disconnected the mailbox (Exchange keeps it 30 days).`);
  }
  if (cast.recreated) lines.push(`${cast.recreated.userPrincipalName} was deleted ${DEMO_DRIFT_DAYS.recreated} days ago, and the next day someone "fixed" it by creating a new, empty account under the same name.`);
  if (cast.purged) lines.push(`${cast.purged.userPrincipalName} was deleted ${DEMO_DRIFT_DAYS.purged} days ago: past the 30 days, so Entra has purged it for good.`);
  if (cast.waitingForSeat) lines.push(`${cast.waitingForSeat.user.userPrincipalName} has no ${describeSku(cast.waitingForSeat.sku.skuPartNumber)} license yet, and the tenant has bought one seat of it fewer than the policy needs.`);
  if (cast.signInEnabledMailbox) lines.push(`Someone can sign in to the ${cast.signInEnabledMailbox.mailboxType} mailbox ${cast.signInEnabledMailbox.userPrincipalName}; a ${cast.signInEnabledMailbox.mailboxType} mailbox's account must stay blocked.`);
  if (cast.newHire) lines.push(`${cast.newHire.userPrincipalName} was hired: HR added ${cast.newHire.displayName} to the policy, and the account does not exist yet.`);
  if (cast.attributeDrift) {
    const what = cast.attributeDrift.attributes.jobTitle === undefined ? 'display name' : `job title to "${DEMO_STALE_JOB_TITLE}"`;
    lines.push(`Someone changed ${cast.attributeDrift.userPrincipalName}'s ${what} in the admin center ${DEMO_DRIFT_DAYS.attributeChanged} days ago; the policy says otherwise.`);
  }
  if (cast.joinsGroup) {
    const set = cast.joinsGroup.licenses.find((l) => l.group !== undefined);
    if (set) lines.push(`${cast.joinsGroup.userPrincipalName} should have ${describeSku(set.sku)} through the licensing group "${set.group}", but is not a member of it.`);
  }
  if (cast.protectedDrift) lines.push(`Someone ${cast.protectedDrift.accountEnabled ? 'blocked' : 'enabled'} sign-in of ${cast.protectedDrift.userPrincipalName}, a break-glass account the policy marks protected.`);
  return lines;
}

/** What apply will do, and why restoring beats re-creating; from the plan itself. */
function explainPlan(plan: Plan, cast: DemoCast): string {
  const restores = plan.summary['restore-user'] ?? 0;
  const sentences: string[] = [];
  if (restores > 0) {
    const closing = cast.deletedLongAgo ? ` (for ${cast.deletedLongAgo.userPrincipalName}, in ${RETENTION_DAYS - DEMO_DRIFT_DAYS.deletedLongAgo} days)` : '';
    sentences.push(
      `Apply will restore ${plural(restores, 'deleted account')} rather than re-create ${restores === 1 ? 'it' : 'them'}: a restore brings back the same object, with its id, mailbox, OneDrive, group memberships and licenses. ` +
      `A tool that only knows "missing, so create" makes a new, empty account instead, and Entra purges the original with all its data when its 30 days run out${closing}.`,
    );
  }
  const renamed = plan.changes.find((c) => c.action === 'restore-user' && c.details.newUserPrincipalName !== undefined);
  if (renamed?.action === 'restore-user' && renamed.details.newUserPrincipalName) {
    sentences.push(`That mistake was already made for ${renamed.userPrincipalName}: the re-created account keeps the name, and the original comes back as ${renamed.details.newUserPrincipalName} (onUpnConflict: rename), data and all.`);
  }
  const licensed = cast.licenseRemoved && plan.changes.some((c) => c.action === 'assign-licenses' && c.userPrincipalName === cast.licenseRemoved?.userPrincipalName);
  if (licensed && cast.licenseRemoved) sentences.push(`${cast.licenseRemoved.userPrincipalName} gets ${cast.licenseRemoved.licenses.length === 1 ? 'its license' : 'its licenses'} back, which reconnects the mailbox.`);
  const blocked = plan.changes.filter((c) => c.action === 'block-sign-in').map((c) => c.userPrincipalName);
  if (blocked.length > 0) sentences.push(`Sign-in is blocked for ${blocked.join(', ')}.`);
  const created = plan.changes.filter((c) => c.action === 'create-user').map((c) => c.userPrincipalName);
  if (created.length > 0) {
    sentences.push(
      `${created.join(', ')} ${created.length === 1 ? 'is' : 'are'} created, because there is no deleted copy to restore, with the declared attributes and manager. ` +
      'The random initial password is never shown to anyone: the person signs in with a Temporary Access Pass or a password reset an administrator issues.',
    );
  }
  const corrected = plan.changes.filter((c) => c.action === 'update-attributes').map((c) => c.userPrincipalName);
  if (corrected.length > 0) sentences.push(`The attributes the policy declares are set back for ${corrected.join(', ')}; attributes it does not declare are never touched.`);
  const joins = plan.changes.filter((c) => c.action === 'add-group-member');
  if (joins.length > 0) sentences.push(`${joins.map((c) => c.userPrincipalName).join(', ')} ${joins.length === 1 ? 'joins' : 'join'} the licensing group instead of getting a direct license: Entra's group-based licensing does the rest.`);
  const protectedCount = plan.protectedPrincipals?.length ?? 0;
  if (protectedCount > 0) sentences.push(`${plural(protectedCount, 'protected principal')} ${protectedCount === 1 ? 'is' : 'are'} left alone whatever drifted: the plan only reports ${protectedCount === 1 ? 'it' : 'them'}.`);
  sentences.push('Nothing is deleted: tenantctl never deletes a user.');
  if (plan.diagnostics.some((d) => d.severity === 'error')) sentences.push('The errors above are reported, not guessed at; step 3 comes back to them.');
  return sentences.join(' ');
}

/** After apply: the restored accounts, read back by their old object ids. False when one is missing. */
async function reportRestoredIds(plan: Plan, tenant: GraphTenant, say: (text?: string) => void): Promise<boolean> {
  const restores = plan.changes.filter((c) => c.action === 'restore-user');
  if (restores.length === 0) return true;
  say();
  say('Restored, not re-created: each is the same object as before its deletion, read back by its old id:');
  let allBack = true;
  const width = Math.max(...restores.map((c) => (c.action === 'restore-user' ? (c.details.newUserPrincipalName ?? c.userPrincipalName).length : 0)));
  for (const change of restores) {
    if (change.action !== 'restore-user') continue;
    const user = await tenant.readUser(change.objectId);
    if (user === undefined) {
      allBack = false;
      say(`  ${change.userPrincipalName}: no active object has id ${change.objectId}`);
      continue;
    }
    const renamed = change.details.newUserPrincipalName === undefined ? '' : ` (the original ${change.userPrincipalName})`;
    say(`  ${user.userPrincipalName.padEnd(width)}  id ${user.id}${renamed}`);
  }
  return allBack;
}

/** What the last plan still reports, in words: nothing a Graph write can fix. */
function leftOver(first: Plan, plan: Plan, cast: DemoCast): string[] {
  const lines: string[] = [];
  const has = (code: string, upn?: string): boolean => plan.diagnostics.some((d) => d.code === code && (upn === undefined || d.userPrincipalName === upn));
  if (cast.purged && has('not-restorable', cast.purged.userPrincipalName)) {
    lines.push(`${cast.purged.userPrincipalName} was purged: its data is gone, and Graph cannot bring it back. Its policy entry says whenMissing: report, so tenantctl does not make an empty stand-in: create the account yourself, or remove that line and tenantctl creates a new one.`);
  }
  if (cast.protectedDrift && has('protected-drift', cast.protectedDrift.userPrincipalName)) {
    lines.push(`${cast.protectedDrift.userPrincipalName} is protected: its drift stays reported, and no option makes tenantctl write to it. A person looks at a break-glass account.`);
  }
  if (cast.waitingForSeat && has('seat-shortfall', cast.waitingForSeat.user.userPrincipalName)) {
    lines.push(`${describeSku(cast.waitingForSeat.sku.skuPartNumber)} is one seat short: buy one (or free one), and the next apply gives it to ${cast.waitingForSeat.user.userPrincipalName}.`);
  }
  const renamed = first.changes.find((c) => c.action === 'restore-user' && c.userPrincipalName === cast.recreated?.userPrincipalName);
  if (renamed?.action === 'restore-user' && renamed.details.newUserPrincipalName) {
    lines.push(`${renamed.userPrincipalName} now has two accounts: the empty one someone made, and the original, with its data, as ${renamed.details.newUserPrincipalName}. tenantctl never deletes a user, so which one to keep is yours to decide.`);
  }
  lines.push('Exchange-only work: Graph cannot create a mailbox or change its type, so for a declared mailbox that is purged or of the wrong type the plan prints the Exchange Online PowerShell command to run (New-Mailbox -Shared …, Set-Mailbox -Type Shared).');
  return lines;
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

function bullet(text: string): string {
  return wrap(text, '  - ', '    ');
}

/** Words wrapped at WIDTH columns; the first line starts with `first`, the rest with `rest`. */
function wrap(text: string, first = '', rest = first): string {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/u).filter((w) => w !== '')) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = rest;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}
