/**
 * The tenant port's contract for the users delta (port.ts TenantDeltaReader): the same cases for every
 * adapter. Each case seeds, takes `startUserDelta` (no changes), changes the tenant (through the writer, or the
 * subject's delete and purge hooks: the port has no delete), and asserts what the next round names and what
 * `readUsers` reads of it: the users as `readTenant` reads them.
 */
import { describe, expect, it } from 'vitest';
import type { Seed } from '../../src/emulator/directory/model.ts';
import type { ReadTenantRequest, TenantDeltaReader, TenantReader, TenantWriter, UserDeltaRound } from '../../src/tenant/port.ts';
import { TenantError } from '../../src/tenant/port.ts';
import { ALICE, BOB, CAROL, contoso, DAVE, E3, FRANK, OLD_ALICE, SUPPORT } from '../support/emulator.ts';

export interface DeltaContractSubject {
  readonly tenant: TenantReader & TenantWriter & TenantDeltaReader;
  /** Moves the directory clock (`POST /_emulator/clock`, or `setNow`). */
  setNow(iso: string): Promise<void>;
  /** Soft-deletes an active user: `DELETE /users/{id}`, or the memory tenant's hook. */
  deleteUser(id: string): Promise<void>;
  /** Deletes a soft-deleted user for good: `DELETE /directory/deletedItems/{id}`, or the memory tenant's hook. */
  purgeUser(id: string): Promise<void>;
}

export type MakeDeltaSubject = (seed: Seed) => Promise<DeltaContractSubject>;

const REQUEST: ReadTenantRequest = { mailboxUserPrincipalNames: ['support@contoso.com', 'bob@contoso.com', 'carol@contoso.com'] };

function lists(round: UserDeltaRound): { changed: string[]; softDeleted: string[]; purged: string[] } {
  return { changed: [...round.changed].sort(), softDeleted: [...round.softDeleted].sort(), purged: [...round.purged].sort() };
}

export function runDeltaContract(name: string, makeSubject: MakeDeltaSubject): void {
  describe(`tenant port contract, users delta: ${name}`, () => {
    it('starts from now: no changes, and a round with nothing changed names nobody', async () => {
      const subject = await makeSubject(contoso());
      const start = await subject.tenant.startUserDelta(REQUEST);
      expect(lists(start)).toEqual({ changed: [], softDeleted: [], purged: [] });
      expect(start.deltaLink).not.toBe('');
      const idle = await subject.tenant.readUserDelta(start.deltaLink);
      expect(lists(idle)).toEqual({ changed: [], softDeleted: [], purged: [] });
      expect(lists(await subject.tenant.readUserDelta(idle.deltaLink))).toEqual({ changed: [], softDeleted: [], purged: [] });
    });

    it('names a license change, then a soft delete, a restore and a purge, each in its own round', async () => {
      const subject = await makeSubject(contoso());
      let link = (await subject.tenant.startUserDelta(REQUEST)).deltaLink;
      const next = async (): Promise<ReturnType<typeof lists>> => {
        const round = await subject.tenant.readUserDelta(link);
        link = round.deltaLink;
        return lists(round);
      };
      await subject.tenant.assignLicenses(BOB, [], [E3]);
      expect(await next()).toEqual({ changed: [BOB], softDeleted: [], purged: [] });
      await subject.deleteUser(BOB);
      expect(await next()).toEqual({ changed: [], softDeleted: [BOB], purged: [] });
      await subject.tenant.restoreDeletedUser(DAVE, { autoReconcileProxyConflict: true });
      expect(await next()).toEqual({ changed: [DAVE], softDeleted: [], purged: [] });
      await subject.purgeUser(BOB);
      expect(await next()).toEqual({ changed: [], softDeleted: [], purged: [BOB] });
      expect(await next()).toEqual({ changed: [], softDeleted: [], purged: [] });
    });

    it('names a user under what became of it last when it changed twice between rounds', async () => {
      const subject = await makeSubject(contoso());
      const start = await subject.tenant.startUserDelta(REQUEST);
      await subject.tenant.setUsageLocation(CAROL, 'BE');
      await subject.deleteUser(CAROL);
      await subject.deleteUser(SUPPORT);
      await subject.tenant.restoreDeletedUser(SUPPORT, { autoReconcileProxyConflict: true });
      expect(lists(await subject.tenant.readUserDelta(start.deltaLink))).toEqual({ changed: [SUPPORT], softDeleted: [CAROL], purged: [] });
    });

    it('names the users purged when the clock passes their 30 days', async () => {
      const subject = await makeSubject(contoso());
      // Dave was deleted on 2026-11-01: his 30 days end on 2026-12-01 (Old Alice's on 2026-12-10).
      await subject.setNow('2026-11-28T00:00:00Z');
      const start = await subject.tenant.startUserDelta(REQUEST);
      await subject.setNow('2026-11-30T00:00:00Z');
      const quiet = await subject.tenant.readUserDelta(start.deltaLink);
      expect(lists(quiet)).toEqual({ changed: [], softDeleted: [], purged: [] });
      await subject.setNow('2026-12-02T00:00:00Z');
      expect(lists(await subject.tenant.readUserDelta(quiet.deltaLink))).toEqual({ changed: [], softDeleted: [], purged: [DAVE] });
    });

    it('reads the users a round names as readTenant reads them: active, soft-deleted, gone for good; with their declared mailboxes', async () => {
      const subject = await makeSubject(contoso());
      await subject.deleteUser(CAROL);
      const request: ReadTenantRequest = { ...REQUEST, planHistory: 'all' };
      const full = await subject.tenant.readTenant(request);
      const read = await subject.tenant.readUsers([BOB, SUPPORT, CAROL, FRANK, '00000000-0000-4000-8000-00000000dead', BOB.toUpperCase()], request);
      expect([...read.users].sort((a, b) => a.id.localeCompare(b.id))).toEqual(full.users.filter((u) => [BOB, SUPPORT].includes(u.id)).sort((a, b) => a.id.localeCompare(b.id)));
      expect([...read.deletedUsers].sort((a, b) => a.id.localeCompare(b.id))).toEqual(full.deletedUsers.filter((u) => [CAROL, FRANK].includes(u.id)).sort((a, b) => a.id.localeCompare(b.id)));
      expect([...read.mailboxes].sort()).toEqual([...full.mailboxes].filter(([id]) => [BOB, SUPPORT].includes(id)).sort());
      // The default plan history, as the full read: a user who holds no removed Exchange plan lists none.
      // Carol holds a removed Exchange plan (her history is read); Bob and Alice do not.
      await subject.tenant.restoreDeletedUser(CAROL, { autoReconcileProxyConflict: true });
      const lean = await subject.tenant.readUsers([BOB, ALICE, CAROL], REQUEST);
      const leanFull = await subject.tenant.readTenant(REQUEST);
      for (const id of [BOB, ALICE, CAROL]) expect(lean.users.find((u) => u.id === id), id).toEqual(leanFull.users.find((u) => u.id === id));
      expect(lean.users.find((u) => u.id === CAROL)?.assignedPlans.length).toBeGreaterThan(0);
      expect(lean.users.find((u) => u.id === BOB)?.assignedPlans).toEqual([]);
      expect((await subject.tenant.readUsers([OLD_ALICE], { ...REQUEST, managers: true })).deletedUsers.map((u) => u.id)).toEqual([OLD_ALICE]);
    });

    it('reads the SKUs as readTenant reads them', async () => {
      const subject = await makeSubject(contoso());
      await subject.tenant.assignLicenses(BOB, [], [E3]);
      expect(await subject.tenant.readSkus()).toEqual((await subject.tenant.readTenant(REQUEST)).skus);
    });

    it('fails with delta-expired for a link older than seven days, and for one the tenant did not issue', async () => {
      const subject = await makeSubject(contoso());
      const start = await subject.tenant.startUserDelta(REQUEST);
      await subject.setNow('2026-11-30T00:00:00Z');
      const expired = await subject.tenant.readUserDelta(start.deltaLink).catch((error: unknown) => error);
      expect(expired).toBeInstanceOf(TenantError);
      expect({ kind: (expired as TenantError).kind, status: (expired as TenantError).status, code: (expired as TenantError).code, retryable: (expired as TenantError).retryable }).toEqual({ kind: 'delta-expired', status: 400, code: 'syncStateNotFound', retryable: false });
      const fresh = await subject.tenant.startUserDelta(REQUEST);
      const garbled = `${fresh.deltaLink.slice(0, -6)}AAAAAA`;
      expect(await subject.tenant.readUserDelta(garbled).catch((error: unknown) => (error as TenantError).kind)).toBe('delta-expired');
      // A fresh link still works.
      expect(lists(await subject.tenant.readUserDelta(fresh.deltaLink))).toEqual({ changed: [], softDeleted: [], purged: [] });
    });
  });
}
