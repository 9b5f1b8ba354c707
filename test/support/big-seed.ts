/**
 * A tenant large enough to page: the Contoso fixture plus `users` plain users (user0@contoso.com …),
 * `deleted` soft-deleted users within their 30 days, and every third extra user a shared mailbox.
 */
import type { Seed, SeedUser } from '../../src/emulator/directory/model.ts';
import { countingGuid, seedWithUsers } from './seeds.ts';

export function bigSeed(options: { users: number; deleted: number; groups?: boolean }): Seed {
  const base = seedWithUsers(options.users);
  const users: SeedUser[] = base.users.map((u, i) => (u.userPrincipalName.startsWith('user') && i % 3 === 0 ? { ...u, mailboxSettings: { userPurpose: 'shared' } } : u));
  const deleted: SeedUser[] = Array.from({ length: options.deleted }, (_, i) => ({
    id: countingGuid(i, 'dddd'),
    userPrincipalName: `gone${i}@contoso.com`,
    displayName: `Gone ${i}`,
    mail: `gone${i}@contoso.com`,
    proxyAddresses: [`SMTP:gone${i}@contoso.com`],
    deletedDateTime: `2026-11-${String(1 + (i % 20)).padStart(2, '0')}T08:00:00Z`,
  }));
  return { ...base, users, deletedUsers: [...base.deletedUsers, ...deleted], groups: options.groups === false ? [] : base.groups };
}

/** The declared mailboxes of a big seed: the fixture's shared mailbox and the first `count` extra users. */
export function declaredMailboxes(count: number): string[] {
  return ['support@contoso.com', ...Array.from({ length: count - 1 }, (_, i) => `user${i}@contoso.com`)];
}
