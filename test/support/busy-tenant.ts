/**
 * A tenant with some dozens of principals to repair, for the apply fault and crash tests: deleted
 * users to restore (with licenses that come back), unlicensed users without a usage location,
 * blocked users to enable, purged users to create, deleted shared mailboxes to restore. Plenty of
 * E3 seats, so that every change can succeed; the policy declares them all.
 */
import type { Seed } from '../../src/emulator/directory/model.ts';
import type { UserDraft } from './emulator.ts';
import { contoso, E3 } from './emulator.ts';
import { countingGuid } from './seeds.ts';

export interface BusyTenantSize {
  readonly deleted: number;
  readonly unlicensed: number;
  readonly blocked: number;
  readonly purged: number;
  readonly mailboxes: number;
}

export const BUSY: BusyTenantSize = { deleted: 20, unlicensed: 16, blocked: 8, purged: 8, mailboxes: 4 };

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export function busySeed(size: BusyTenantSize = BUSY): Seed {
  return contoso((d) => {
    const [e3] = d.subscribedSkus;
    if (e3) e3.prepaidUnits.enabled = 500;
    const deleted: UserDraft[] = [
      ...range(size.deleted).map((i) => ({
        id: countingGuid(i, 'dddd'),
        userPrincipalName: `gone${i}@contoso.com`,
        displayName: `Gone ${i}`,
        accountEnabled: true,
        usageLocation: 'NL',
        mail: `gone${i}@contoso.com`,
        proxyAddresses: [`SMTP:gone${i}@contoso.com`],
        // Half come back licensed; the others are licensed after their restore.
        assignedLicenses: i % 2 === 0 ? [{ skuId: E3, disabledPlans: [] }] : [],
        deletedDateTime: '2026-11-15T09:00:00Z',
      })),
      ...range(size.mailboxes).map((i) => ({
        id: countingGuid(i, 'bbbb'),
        userPrincipalName: `box${i}@contoso.com`,
        displayName: `Box ${i}`,
        accountEnabled: false,
        mail: `box${i}@contoso.com`,
        proxyAddresses: [`SMTP:box${i}@contoso.com`],
        mailboxSettings: { userPurpose: 'shared' as const },
        deletedDateTime: '2026-11-18T09:00:00Z',
      })),
    ];
    d.deletedUsers.push(...deleted);
    d.users.push(
      ...range(size.unlicensed).map((i) => ({ id: countingGuid(i, 'aaaa'), userPrincipalName: `new${i}@contoso.com`, displayName: `New ${i}`, accountEnabled: true })),
      ...range(size.blocked).map((i) => ({ id: countingGuid(i, 'cccc'), userPrincipalName: `off${i}@contoso.com`, displayName: `Off ${i}`, accountEnabled: false, usageLocation: 'NL' })),
    );
  });
}

/** The policy for `busySeed`: everyone declared, licensed with E3, enabled (mailboxes: shared). */
export function busyPolicy(size: BusyTenantSize = BUSY): string {
  const user = (upn: string): string => `  - {userPrincipalName: ${upn}, displayName: ${upn.split('@')[0] ?? upn}, licenses: [e3]}\n`;
  return 'defaults: {usageLocation: NL, whenPurged: create, restore: {autoReconcileProxyConflict: true}}\n'
    + 'users:\n'
    + range(size.deleted).map((i) => user(`gone${i}@contoso.com`)).join('')
    + range(size.unlicensed).map((i) => user(`new${i}@contoso.com`)).join('')
    + range(size.blocked).map((i) => `  - {userPrincipalName: off${i}@contoso.com, displayName: Off ${i}}\n`).join('')
    + range(size.purged).map((i) => user(`hire${i}@contoso.com`)).join('')
    + 'mailboxes:\n'
    + range(size.mailboxes).map((i) => `  - {userPrincipalName: box${i}@contoso.com, displayName: Box ${i}, type: shared}\n`).join('');
}

/** Ids of the objects the policy restores. */
export function busyRestorable(size: BusyTenantSize = BUSY): string[] {
  return [...range(size.deleted).map((i) => countingGuid(i, 'dddd')), ...range(size.mailboxes).map((i) => countingGuid(i, 'bbbb'))];
}

/** UPNs the policy creates. */
export function busyCreated(size: BusyTenantSize = BUSY): string[] {
  return range(size.purged).map((i) => `hire${i}@contoso.com`);
}
