/**
 * `apply --audit-log FILE` (docs/cli-reference.md §11): the file is opened before the tenant is read,
 * so a path that cannot be written is refused before any Graph request; each line carries the time
 * its outcome was known (the real clock, not the planning time TENANTCTL_NOW fixes) and, for an
 * applied change, the request id Graph answered its write with, the same one the JSON view shows.
 * What a kill mid-apply leaves in the file: test/engine/apply-audit-crash.test.ts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { runTenantctl } from '../support/cli.ts';
import { cliEnv, FOUR_CHANGE_POLICY, lastSeq, policyDir, readState, requestsSince, reseed, tempDir, activeUser } from '../support/apply-e2e.ts';
import { contoso, FIXTURE_NOW, SUPPORT, userIn } from '../support/emulator.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());

async function fourChangeTenant(): Promise<void> {
  await reseed(emulator.url, contoso((d) => {
    userIn(d, SUPPORT).accountEnabled = true;
  }));
}

/** A clock that moves on by one second each time it is read, from 2027-01-01. */
function steppingClock(): { clock: () => string; readings: string[] } {
  const readings: string[] = [];
  return {
    readings,
    clock: () => {
      const time = new Date(Date.UTC(2027, 0, 1, 0, 0, readings.length)).toISOString();
      readings.push(time);
      return time;
    },
  };
}

const lines = (file: string): Record<string, unknown>[] => readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('apply --audit-log', () => {
  it.each([
    ['in a directory that does not exist', () => path.join(tempDir(), 'missing', 'audit.jsonl'), /--audit-log: cannot write .*missing\/audit\.jsonl: the directory .*missing does not exist/u],
    ['that is a directory', () => {
      const dir = path.join(tempDir(), 'a-directory');
      mkdirSync(dir);
      return dir;
    }, /--audit-log: cannot write .*a-directory: it is a directory/u],
  ])('a path %s is refused before the tenant is read: exit 1, nothing changed, no Graph request', async (_name, makePath, message) => {
    await fourChangeTenant();
    const since = await lastSeq(emulator.url);
    const run = await runTenantctl(['apply', policyDir(FOUR_CHANGE_POLICY), '--auto-approve', '--audit-log', makePath()], { env: cliEnv(emulator.url), now: FIXTURE_NOW });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('Nothing was changed.');
    expect(run.stderr).not.toMatch(/internal error/iu);
    expect(await requestsSince(emulator.url, since)).toEqual([]);
    expect(activeUser(await readState(emulator.url), 'carol@contoso.com')?.usageLocation ?? null).toBeNull();
  });

  it('each applied line carries the request id Graph answered its write with (as the JSON view does) and the clock\'s time, not the planning time', async () => {
    await fourChangeTenant();
    const audit = path.join(tempDir(), 'audit.jsonl');
    writeFileSync(audit, '{"earlier":"run"}\n');
    const { clock, readings } = steppingClock();
    const run = await runTenantctl(['apply', policyDir(FOUR_CHANGE_POLICY), '--auto-approve', '--format', 'json', '--audit-log', audit], { env: cliEnv(emulator.url), now: FIXTURE_NOW, clock });
    expect(run.code, run.stderr).toBe(0);
    const [earlier, ...logged] = lines(audit);
    // Appended: what was there stays.
    expect(earlier).toEqual({ earlier: 'run' });
    expect(logged.map((l) => l.outcome)).toEqual(['applied', 'applied', 'applied', 'applied']);
    // One clock reading per line, in the order the outcomes were known; never TENANTCTL_NOW.
    expect(logged.map((l) => l.time)).toEqual(readings);
    expect(readings).toHaveLength(4);
    const ids = logged.map((l) => l.requestId);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/u);
    const document = JSON.parse(run.stdout) as { outcomes: { action: string; userPrincipalName: string; status: string; requestId?: string }[] };
    const fromJson = new Map(document.outcomes.map((o) => [`${o.action} ${o.userPrincipalName}`, o.requestId]));
    expect(new Map(logged.map((l) => [`${String(l.action)} ${String(l.userPrincipalName)}`, l.requestId]))).toEqual(fromJson);
  });
});

describe('apply --audit-log on a device that refuses writes', () => {
  it.runIf(process.platform === 'linux')('applies every change, says how many lines are missing and why, and exits 1 (/dev/full)', async () => {
    await fourChangeTenant();
    const run = await runTenantctl(['apply', policyDir(FOUR_CHANGE_POLICY), '--auto-approve', '--audit-log', '/dev/full'], { env: cliEnv(emulator.url), now: FIXTURE_NOW });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    // The writes were under way: they all ran; the log's failure is reported, not hidden.
    expect(run.stdout).toMatch(/^Apply complete: 1 restored, 1 usage location set, 1 licensed, 1 blocked\.$/mu);
    expect(run.stderr).toContain('tenantctl apply: the audit log /dev/full could not be written (no space left on the device); 4 of 4 outcomes are missing from it.');
    expect(run.stderr).not.toMatch(/internal error/iu);
    expect(activeUser(await readState(emulator.url), 'support@contoso.com')?.accountEnabled).toBe(false);
  });
});
