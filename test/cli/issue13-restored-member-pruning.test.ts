/**
 * Group licensing and a soft-deleted member, with pruneLicenses (issue 13; found by an adversarial review).
 * Dave (soft-deleted) was a member of "Exchange Plan 1 users" (his deleted copy's licenseAssignmentStates say
 * assignedByGroup). The policy declares Dave with E3 only and pruneLicenses: true. Restoring Dave brings the
 * membership back, so the first plan restores him and removes the membership (src/domain/group-plan.ts
 * planLeaving reads a deleted copy's memberships as isMember does): plan → apply → plan is empty. It used to
 * leave the removal to the second plan.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { planJson, policyDir, readState, reseed, tenantctl } from '../support/apply-e2e.ts';
import { BOB, contoso, DAVE, EXCHANGE_GROUP, RECONCILER } from '../support/emulator.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());

describe('a restored user that was a member of a licensing group its sets do not name', () => {
  it('pruneLicenses: the first plan restores it and removes the membership; one apply converges', async () => {
    await reseed(emulator.url, contoso((d) => {
      for (const app of d.apps) if (app.clientId === RECONCILER) app.roles.push('GroupMember.ReadWrite.All');
      for (const sku of d.subscribedSkus) sku.prepaidUnits.enabled = 10;
      const group = d.groups.find((g) => g.id === EXCHANGE_GROUP);
      if (group) group.members = [BOB, DAVE];
    }));
    const dir = policyDir(
      'defaults: {pruneLicenses: true, usageLocation: NL}\nusers:\n'
        + '  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser, licenses: [e3]}\n'
        + '---\napiVersion: tenantctl/v1\nkind: TenantPolicy\nlicenses:\n  mail: {sku: EXCHANGESTANDARD, group: Exchange Plan 1 users}\n',
    );
    const { plan } = await planJson(emulator.url, dir);
    expect(plan.changes.map((c) => `${c.action} ${c.userPrincipalName}`)).toEqual(['restore-user dave@contoso.com', 'remove-group-member dave@contoso.com']);

    const applied = await tenantctl(emulator.url, ['apply', dir, '--auto-approve']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect((await readState(emulator.url)).groups.find((g) => g.id === EXCHANGE_GROUP)?.members).toEqual([BOB]);
    expect((await planJson(emulator.url, dir)).plan.changes).toEqual([]);
  });
});
