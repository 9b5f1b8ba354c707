/**
 * A manager that the same plan restores through an address match (issue 13; found by an adversarial review).
 * OLD_ALICE (soft-deleted, original UPN alice@contoso.com, mail alice.jansen@contoso.com) is found for the
 * declared alice.jansen@contoso.com by its address and restored under that declared UPN (restore-user with
 * details.newUserPrincipalName = the principal's own UPN): she is the principal's object after the restore, so
 * another principal can name her as manager (restoredUnderOwnName in src/domain/principal-changes.ts). It used
 * to be reported as manager-not-found.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../../src/domain/plan.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { activeUser, planJson, policyDir, readState, reseed, tenantctl } from '../support/apply-e2e.ts';
import { CAROL, contoso, OLD_ALICE } from '../support/emulator.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());

describe('a manager the plan restores by address, under the declared UPN', () => {
  const POLICY = 'users:\n'
    + '  - {userPrincipalName: alice.jansen@contoso.com, displayName: Alice Jansen}\n'
    + '  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, manager: alice.jansen@contoso.com}\n';

  it('is found: carol gets set-manager to the restored object, not manager-not-found; one apply converges', async () => {
    await reseed(emulator.url, contoso());
    const dir = policyDir(POLICY);
    const { plan } = await planJson(emulator.url, dir);
    expect(plan.changes.find((c) => c.action === 'restore-user')).toMatchObject({ objectId: OLD_ALICE, details: { newUserPrincipalName: 'alice.jansen@contoso.com' } });
    expect(plan.diagnostics.filter((d) => d.code === 'manager-not-found')).toEqual([]);
    const manager = plan.changes.find((c): c is Extract<Change, { action: 'set-manager' }> => c.action === 'set-manager');
    expect(manager).toMatchObject({ userPrincipalName: 'carol@contoso.com', objectId: CAROL, details: { to: 'alice.jansen@contoso.com', toObjectId: OLD_ALICE } });

    const applied = await tenantctl(emulator.url, ['apply', dir, '--auto-approve']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(activeUser(await readState(emulator.url), 'carol@contoso.com')?.manager).toBe(OLD_ALICE);
    expect((await planJson(emulator.url, dir)).plan.changes).toEqual([]);
  });
});
