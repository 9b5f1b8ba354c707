/**
 * `tenantctl watch` end to end against the emulator (docs/watch.md): a deletion is noticed by the users' delta
 * query and restored under its old id; a removed license is given back; a soft-deleted shared mailbox comes back
 * blocked; a purged user is reported, not created; an undeclared user's deletion is left alone; an invalid policy
 * change keeps the last valid one; SIGTERM stops it with exit 0. Every wait is for a log line, never for time.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { activeUser, directLicenses, lastSeq, policyDir, readState, requestsSince, successfulRestores, writePolicy, writesIn } from '../support/apply-e2e.ts';
import { ALICE, BOB, contoso, DAVE, E3, SUPPORT } from '../support/emulator.ts';
import { tokenFor } from '../support/seeds.ts';
import type { WatchChild, WatchLine } from '../support/watch-child.ts';
import { startWatchChild } from '../support/watch-child.ts';

const POLICY = [
  'defaults: {usageLocation: NL}',
  'users:',
  '  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3]}',
  '  - {userPrincipalName: dave@contoso.com, displayName: Dave, licenses: [e3]}',
  'mailboxes:',
  '  - {userPrincipalName: support@contoso.com, displayName: Contoso Support, type: shared}',
  '',
].join('\n');

let emulator: RunningEmulator;
let watch: WatchChild | undefined;

beforeEach(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});

afterEach(async () => {
  watch?.kill();
  await watch?.exit;
  watch = undefined;
  await emulator.close();
});

async function graph(method: string, pathAndQuery: string, body?: unknown): Promise<Response> {
  const token = await tokenFor(emulator.url, contoso());
  return fetch(`${emulator.url}/v1.0${pathAndQuery}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const heal = (action: string, upn: string) => (line: WatchLine): boolean => line.event === 'heal' && line.action === action && line.userPrincipalName === upn;

describe('tenantctl watch', () => {
  it('heals at start, then restores a deleted user under its old id, gives back a removed license and brings back a shared mailbox', async () => {
    const dir = policyDir(POLICY);
    watch = startWatchChild(emulator.url, dir, ['--interval', '200ms']);
    // Dave was soft-deleted before watch started: the first plan restores him and gives back his license.
    await watch.waitFor(heal('restore-user', 'dave@contoso.com'));
    await watch.waitFor((l) => l.event === 'plan' && l.heal === 0);
    expect(activeUser(await readState(emulator.url), 'dave@contoso.com')?.id).toBe(DAVE);

    // Bob deleted through Graph: noticed by the delta query and restored under the same object id.
    let from = watch.lines().length;
    expect((await graph('DELETE', `/users/${BOB}`)).status).toBe(204);
    const restored = await watch.waitFor(heal('restore-user', 'bob@contoso.com'), from);
    expect(restored).toMatchObject({ outcome: 'applied', objectId: BOB });
    expect(typeof restored.requestId).toBe('string');
    expect(activeUser(await readState(emulator.url), 'bob@contoso.com')?.id).toBe(BOB);

    // A declared license removed: assigned again.
    from = watch.lines().length;
    expect((await graph('POST', `/users/${BOB}/assignLicense`, { addLicenses: [], removeLicenses: [E3] })).status).toBe(200);
    await watch.waitFor((l) => heal('assign-licenses', 'bob@contoso.com')(l) && l.outcome === 'applied', from);
    expect(directLicenses(activeUser(await readState(emulator.url), 'bob@contoso.com'))).toEqual([`${E3}:`]);

    // The shared mailbox's account soft-deleted: restored, and it stays blocked.
    from = watch.lines().length;
    expect((await graph('DELETE', `/users/${SUPPORT}`)).status).toBe(204);
    await watch.waitFor(heal('restore-user', 'support@contoso.com'), from);
    const support = activeUser(await readState(emulator.url), 'support@contoso.com');
    expect(support?.id).toBe(SUPPORT);
    expect(support?.accountEnabled).toBe(false);

    // SIGTERM: stops with exit 0 after saying so.
    watch.stop();
    expect((await watch.exit).code).toBe(0);
    expect(watch.lines().some((l) => l.event === 'stopped')).toBe(true);
    // Each restore happened once.
    const restores = successfulRestores(await requestsSince(emulator.url, 0));
    expect([...restores.values()].every((n) => n === 1)).toBe(true);
    expect(watch.output()).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./u);
  }, 120_000);

  it('reports a purged user (creating is not healed by default) and leaves an undeclared user\'s deletion alone', async () => {
    // Dave, soft-deleted in the seed, is purged before watch starts: gone for good, the plan would create him.
    expect((await graph('DELETE', `/directory/deletedItems/${DAVE}`)).status).toBe(204);
    const dir = policyDir(POLICY);
    watch = startWatchChild(emulator.url, dir, ['--interval', '200ms']);
    const drift = await watch.waitFor((l) => l.event === 'drift' && l.action === 'create-user' && l.userPrincipalName === 'dave@contoso.com');
    expect(drift.healable).toBe(false);
    // The plan after the start's heals: nothing more to heal, every write of the start has landed.
    await watch.waitFor((l) => l.event === 'plan' && l.heal === 0);
    const since = await lastSeq(emulator.url);
    const from = watch.lines().length;
    // Alice is not declared: her deletion is followed (a delta round names her) and nothing is written.
    expect((await graph('DELETE', `/users/${ALICE}`)).status).toBe(204);
    await watch.waitFor((l) => l.event === 'delta' && Number(l.softDeleted) >= 1, from);
    await watch.waitFor((l) => l.event === 'plan', from);
    watch.stop();
    expect((await watch.exit).code).toBe(0);
    // Writes, $batch items included (watch writes through $batch), the envelope and token requests not.
    const writes = writesIn(await requestsSince(emulator.url, since));
    // Only the test's own deletion: watch wrote nothing, and never created Dave.
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([`DELETE /users/${ALICE}`]);
    expect(activeUser(await readState(emulator.url), 'alice@contoso.com')).toBeUndefined();
    expect(activeUser(await readState(emulator.url), 'dave@contoso.com')).toBeUndefined();
  }, 120_000);

  it('keeps the last valid policy when the files become invalid, and takes a valid change', async () => {
    const dir = policyDir(POLICY);
    watch = startWatchChild(emulator.url, dir, ['--interval', '200ms', '--dry-run']);
    await watch.waitFor((l) => l.event === 'drift' && l.action === 'restore-user');
    let from = watch.lines().length;
    writeFileSync(path.join(dir, 'policy.yaml'), 'apiVersion: tenantctl/v1\nkind: TenantPolicy\nusers: [{userPrincipalName: 12}]\n');
    const invalid = await watch.waitFor((l) => l.event === 'policy', from);
    expect(invalid).toMatchObject({ valid: false, kept: 'the last valid policy stays in force' });
    from = watch.lines().length;
    writePolicy(dir, POLICY.replace('  - {userPrincipalName: dave@contoso.com, displayName: Dave, licenses: [e3]}\n', ''));
    await watch.waitFor((l) => l.event === 'policy' && l.valid === true, from);
    await watch.waitFor((l) => l.event === 'full-read' && l.reason === 'policy-changed', from);
    watch.stop();
    expect((await watch.exit).code).toBe(0);
    // Dry run: nothing restored.
    expect(activeUser(await readState(emulator.url), 'dave@contoso.com')).toBeUndefined();
  }, 120_000);

  it('refuses an invalid policy at start, reading nothing (exit 1)', async () => {
    const dir = policyDir('users: [{userPrincipalName: 12}]\n');
    const since = await lastSeq(emulator.url);
    watch = startWatchChild(emulator.url, dir, ['--interval', '200ms']);
    expect((await watch.exit).code).toBe(1);
    expect(watch.output()).toContain('The policy is invalid');
    expect((await requestsSince(emulator.url, since)).filter((r) => !r.path.endsWith('/token'))).toEqual([]);
  }, 60_000);
});
