/**
 * The Graph adapter reads in bulk (docs/reconciliation.md §1, docs/pulumi.md): for U active users, D deleted users and M
 * declared mailboxes, ⌈U/999⌉ + ⌈D/999⌉ + 1 + ⌈M/20⌉ requests, +1 for group names when a license
 * comes from a group — measured on the emulator's request log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Seed } from '../../src/emulator/directory/model.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import type { RequestLogEntry, RunningEmulator } from '../../src/emulator/server.ts';
import { bigSeed, declaredMailboxes } from '../support/big-seed.ts';
import { graphTenantFor } from '../support/graph-tenant.ts';
import { expectedObservedTenant } from '../support/memory-seed.ts';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ seed: bigSeed({ users: 10, deleted: 0 }), port: 0 });
});

afterAll(async () => {
  await emulator.close();
});

async function reseed(seed: Seed): Promise<void> {
  const response = await fetch(`${emulator.url}/_emulator/seed`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(seed) });
  expect(response.status).toBe(200);
  await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });
}

/** Top-level Graph requests (batch items are logged too, with `inBatch`). */
function graphRequests(): RequestLogEntry[] {
  return emulator.requests().filter((r) => r.inBatch === undefined);
}

const pages = (n: number, size: number): number => Math.max(1, Math.ceil(n / size));

describe('Graph adapter request count', () => {
  it.each([
    { name: 'with group licenses', groups: true, users: 2100, deleted: 1100, mailboxes: 45 },
    { name: 'without group licenses', groups: false, users: 1500, deleted: 5, mailboxes: 21 },
  ])('reads a tenant of $users extra users, $deleted extra deleted, $mailboxes mailboxes ($name) in the formula count', async ({ groups, users, deleted, mailboxes }) => {
    const seed = bigSeed({ users, deleted, groups });
    await reseed(seed);
    const declared = declaredMailboxes(mailboxes);
    const observed = await graphTenantFor(emulator.url, seed).tenant.readTenant({ mailboxUserPrincipalNames: [...declared, 'not-a-user@contoso.com'] });

    const U = observed.users.length;
    const D = observed.deletedUsers.length;
    const M = observed.mailboxes.size;
    expect({ U, D, M }).toEqual({ U: 4 + users, D: 3 + deleted, M: mailboxes });
    const expected = pages(U, 999) + pages(D, 999) + 1 + Math.ceil(M / 20) + (groups ? 1 : 0);
    const log = graphRequests();
    expect(log.length, log.map((r) => `${r.method} ${r.path}`).join('\n')).toBe(expected);

    const count = (path: string): number => log.filter((r) => r.path === path).length;
    expect(count('/users')).toBe(pages(U, 999));
    expect(count('/directory/deletedItems/microsoft.graph.user')).toBe(pages(D, 999));
    expect(count('/subscribedSkus')).toBe(1);
    expect(count('/groups')).toBe(groups ? 1 : 0);
    expect(count('/$batch')).toBe(Math.ceil(M / 20));
    // nextLinks followed as given: every later page carries the emulator's skiptoken and the first page's options.
    for (const entry of log.filter((r) => r.path === '/users').slice(1)) expect(entry.query).toContain('$skiptoken=');
    expect(log.filter((r) => r.path === '/users').every((r) => r.query.includes('$top=999') && r.query.includes('$select='))).toBe(true);
    expect(log.find((r) => r.path === '/subscribedSkus')?.query).not.toContain('$top');
    expect(log.filter((r) => r.path === '/$batch').every((r) => (r.batchItems ?? 0) <= 20)).toBe(true);
    expect(emulator.requests().filter((r) => r.inBatch !== undefined).length).toBe(M);

    expect(observed).toEqual(expectedObservedTenant(seed, declared));
  });
});
