/**
 * A tenant with some dozens of principals to repair, for the apply fault and crash tests: deleted
 * users to restore (with licenses that come back), unlicensed users without a usage location (half
 * of them also given Exchange through a licensing group, all with a department to set), blocked users
 * to enable, new hires to create (with a job title, the licensing group, and the previous hire as
 * manager: a manager the same apply creates), deleted shared mailboxes to restore. Plenty of seats,
 * so that every change can succeed; the policy declares them all.
 */
import type { Seed } from '../../src/emulator/directory/model.ts';
import type { StateDump } from './memory-seed.ts';
import type { UserDraft } from './emulator.ts';
import { contoso, E3, EXCHANGE_STANDARD, RECONCILER } from './emulator.ts';
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

/** The licensing group that gives Exchange Online (Plan 1), and what the policy calls it. */
export const BUSY_GROUP = '9b000000-0000-4000-8000-00000000b051';
export const BUSY_GROUP_NAME = 'Busy Mail Users';

export function busySeed(size: BusyTenantSize = BUSY): Seed {
  return contoso((d) => {
    for (const sku of d.subscribedSkus) sku.prepaidUnits.enabled = 500;
    // Memberships are written too: the reconciler may change them.
    for (const app of d.apps) if (app.clientId === RECONCILER && !app.roles.includes('GroupMember.ReadWrite.All')) app.roles.push('GroupMember.ReadWrite.All');
    d.groups.push({ id: BUSY_GROUP, displayName: BUSY_GROUP_NAME, assignedLicenses: [{ skuId: EXCHANGE_STANDARD, disabledPlans: [] }], members: [] });
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
  // Display names as the seed has them: the policy declares displayName, and a different one would be a change too.
  const user = (upn: string, displayName: string, more = '', licenses = 'e3'): string => `  - {userPrincipalName: ${upn}, displayName: ${displayName}${more}, licenses: [${licenses}]}\n`;
  const hireManager = (i: number): string => (i === 0 ? 'new0@contoso.com' : `hire${i - 1}@contoso.com`);
  return 'defaults: {usageLocation: NL, whenMissing: create, restore: {autoReconcileProxyConflict: true}}\n'
    + 'users:\n'
    + range(size.deleted).map((i) => user(`gone${i}@contoso.com`, `Gone ${i}`)).join('')
    + range(size.unlicensed).map((i) => user(`new${i}@contoso.com`, `New ${i}`, ', department: Busy', i % 2 === 0 ? 'e3, mail' : 'e3')).join('')
    + range(size.blocked).map((i) => `  - {userPrincipalName: off${i}@contoso.com, displayName: Off ${i}}\n`).join('')
    + range(size.purged).map((i) => user(`hire${i}@contoso.com`, `Hire ${i}`, `, jobTitle: Hire ${i}, manager: ${hireManager(i)}`, 'e3, mail')).join('')
    + 'mailboxes:\n'
    + range(size.mailboxes).map((i) => `  - {userPrincipalName: box${i}@contoso.com, displayName: Box ${i}, type: shared}\n`).join('')
    // The licensing group's set, in a document of its own (the file's first document declares e3).
    + `---\napiVersion: tenantctl/v1\nkind: TenantPolicy\nlicenses:\n  mail: {sku: EXCHANGESTANDARD, group: ${BUSY_GROUP_NAME}}\n`;
}

/** Ids of the objects the policy restores. */
export function busyRestorable(size: BusyTenantSize = BUSY): string[] {
  return [...range(size.deleted).map((i) => countingGuid(i, 'dddd')), ...range(size.mailboxes).map((i) => countingGuid(i, 'bbbb'))];
}

/** UPNs the policy creates. */
export function busyCreated(size: BusyTenantSize = BUSY): string[] {
  return range(size.purged).map((i) => `hire${i}@contoso.com`);
}

/**
 * What the busy tenant must look like once converged, beyond "a plan has no changes": each hire once,
 * with its job title and its manager (the previous hire, created by the same apply), the declared
 * departments, and the licensing group holding exactly the principals whose sets name it. Returns the
 * problems found (empty when converged), so that a test names them all at once.
 */
export function busyProblems(state: StateDump, size: BusyTenantSize = BUSY): string[] {
  const problems: string[] = [];
  const byUpn = (upn: string): StateDump['users'] => state.users.filter((u) => u.userPrincipalName.toLowerCase() === upn);
  const idOf = (upn: string): string | undefined => byUpn(upn)[0]?.id;
  for (const i of range(size.purged)) {
    const hires = byUpn(`hire${i}@contoso.com`);
    if (hires.length !== 1) problems.push(`hire${i}@contoso.com exists ${hires.length} times`);
    const hire = hires[0];
    if (!hire) continue;
    if (hire.jobTitle !== `Hire ${i}`) problems.push(`hire${i}@contoso.com has jobTitle ${JSON.stringify(hire.jobTitle)}`);
    const manager = idOf(i === 0 ? 'new0@contoso.com' : `hire${i - 1}@contoso.com`);
    if (manager === undefined || hire.manager !== manager) problems.push(`hire${i}@contoso.com has manager ${String(hire.manager)}, not ${String(manager)}`);
  }
  for (const i of range(size.unlicensed)) {
    const user = byUpn(`new${i}@contoso.com`)[0];
    if (user?.department !== 'Busy') problems.push(`new${i}@contoso.com has department ${JSON.stringify(user?.department)}`);
  }
  const group = state.groups.find((g) => g.id === BUSY_GROUP);
  const expected = [...range(size.unlicensed).filter((i) => i % 2 === 0).map((i) => `new${i}@contoso.com`), ...range(size.purged).map((i) => `hire${i}@contoso.com`)]
    .map((upn) => idOf(upn) ?? `(no ${upn})`)
    .sort();
  const members = [...(group?.members ?? [])].sort();
  if (JSON.stringify(members) !== JSON.stringify(expected)) problems.push(`the group's members are ${members.join(', ')}, not ${expected.join(', ')}`);
  return problems;
}
