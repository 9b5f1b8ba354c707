/**
 * The Graph adapter reads in bulk (docs/reconciliation.md §1, docs/pulumi.md): for U active users, D deleted users and M
 * declared mailboxes, ⌈U/999⌉ + ⌈D/999⌉ + 1 + ⌈M/20⌉ requests, + ⌈R/999⌉ (at least 1) for the plans of the R
 * users who hold a removed Exchange plan, +1 for group names when a license comes from a group or the request
 * names groups, + ⌈m/999⌉ (at least 1) for the members of each named group found; declared attributes and
 * managers cost no request — measured on the emulator's request log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Seed } from '../../src/emulator/directory/model.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import type { RequestLogEntry, RunningEmulator } from '../../src/emulator/server.ts';
import { bigSeed, declaredMailboxes } from '../support/big-seed.ts';
import { graphTenantFor } from '../support/graph-tenant.ts';
import { expectedObservedTenant } from '../support/memory-seed.ts';
import { E3 } from '../support/emulator.ts';
import { holdsRemovedMailboxPlan } from '../../src/domain/exchange-plans.ts';
import type { ObservedTenant } from '../../src/domain/observed.ts';

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
/** The bulk pages of active users, without the filtered read of removed plans (also `GET /users`). */
const isBulkUserPage = (r: RequestLogEntry): boolean => r.path === '/users' && !r.query.includes('$filter');
const isRemovedPlanPage = (r: RequestLogEntry): boolean => r.path === '/users' && r.query.includes('$filter');
/** The users who hold a removed Exchange plan: one filtered page per 999 of them (at least one). */
const removedPlanPages = (observed: ObservedTenant): number => pages(observed.users.filter((u) => holdsRemovedMailboxPlan(u.assignedPlans)).length, 999);

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
    const expected = pages(U, 999) + pages(D, 999) + 1 + Math.ceil(M / 20) + removedPlanPages(observed) + (groups ? 1 : 0);
    const log = graphRequests();
    expect(log.length, log.map((r) => `${r.method} ${r.path}`).join('\n')).toBe(expected);

    const count = (path: string): number => log.filter((r) => r.path === path).length;
    expect(log.filter(isBulkUserPage).length).toBe(pages(U, 999));
    expect(log.filter(isRemovedPlanPage).length).toBe(removedPlanPages(observed));
    expect(count('/directory/deletedItems/microsoft.graph.user')).toBe(pages(D, 999));
    expect(count('/subscribedSkus')).toBe(1);
    expect(count('/groups')).toBe(groups ? 1 : 0);
    expect(count('/$batch')).toBe(Math.ceil(M / 20));
    // nextLinks followed as given: every later page carries the emulator's skiptoken and the first page's options.
    for (const entry of log.filter(isBulkUserPage).slice(1)) expect(entry.query).toContain('$skiptoken=');
    expect(log.filter((r) => r.path === '/users').every((r) => r.query.includes('$top=999') && r.query.includes('$select='))).toBe(true);
    // The bulk pages leave the plans out; the filtered read asks for ids and plans only.
    for (const page of log.filter(isBulkUserPage)) expect(decodeURIComponent(page.query)).not.toContain('assignedPlans');
    for (const page of log.filter(isRemovedPlanPage)) expect(decodeURIComponent(page.query)).toMatch(/\$select=id,assignedPlans(&|$)/u);
    expect(log.find((r) => r.path === '/subscribedSkus')?.query).not.toContain('$top');
    expect(log.filter((r) => r.path === '/$batch').every((r) => (r.batchItems ?? 0) <= 20)).toBe(true);
    expect(emulator.requests().filter((r) => r.inBatch !== undefined).length).toBe(M);

    expect(observed).toEqual(expectedObservedTenant(seed, declared));
  });

  it('reads declared attributes and managers in the users\' pages, and each named group\'s members in pages of 999', async () => {
    const BIG_GROUP = '9a000000-0000-4000-8000-0000000000b1';
    const base = bigSeed({ users: 1500, deleted: 5 });
    const extra = base.users.filter((u) => u.userPrincipalName.startsWith('user'));
    const seed = {
      ...base,
      users: base.users.map((u, i) => (i % 2 === 0 ? { ...u, jobTitle: `Title ${i}`, businessPhones: [`+31 20 ${i}`], ...(i > 0 ? { manager: base.users[0]?.id ?? '' } : {}) } : u)),
      groups: [...base.groups, { id: BIG_GROUP, displayName: 'Everyone', assignedLicenses: [{ skuId: E3, disabledPlans: [] }], members: extra.slice(0, 1200).map((u) => u.id) }],
    };
    await reseed(seed);
    const request = { attributes: ['jobTitle', 'department', 'businessPhones'] as const, managers: true, groups: [BIG_GROUP, 'exchange plan 1 users', 'no such group'] };
    const observed = await graphTenantFor(emulator.url, seed).tenant.readTenant({ mailboxUserPrincipalNames: [], ...request, attributes: [...request.attributes] });

    const U = observed.users.length;
    const D = observed.deletedUsers.length;
    const log = graphRequests();
    const count = (path: string): number => log.filter((r) => r.path === path).length;
    expect(log.length, log.map((r) => `${r.method} ${r.path}`).join('\n')).toBe(pages(U, 999) + pages(D, 999) + 1 + removedPlanPages(observed) + 1 + pages(1200, 999) + pages(2, 999));
    expect(log.filter(isBulkUserPage).length).toBe(pages(U, 999));
    expect(count('/groups')).toBe(1);
    expect(count(`/groups/${BIG_GROUP}/members`)).toBe(2);
    expect(log.filter((r) => r.path.endsWith('/members')).every((r) => r.query.includes('$top=999') && r.query.includes('$select=id'))).toBe(true);
    const userPages = log.filter((r) => isBulkUserPage(r) || r.path === '/directory/deletedItems/microsoft.graph.user');
    for (const page of userPages) expect(decodeURIComponent(page.query)).toMatch(/\$expand=manager\(\$select=id\)/u);
    expect(decodeURIComponent(userPages[0]?.query ?? '')).toMatch(/\$select=[^&]*jobTitle,department,businessPhones/u);
    expect(observed).toEqual(expectedObservedTenant(seed, [], { ...request, attributes: [...request.attributes] }));
    expect(observed.groups?.find((g) => g.id === BIG_GROUP)?.memberIds).toHaveLength(1200);
  });

  it('asks for no attribute, manager or group the request does not name', async () => {
    const seed = bigSeed({ users: 10, deleted: 0, groups: false });
    await reseed(seed);
    await graphTenantFor(emulator.url, seed).tenant.readTenant({ mailboxUserPrincipalNames: [] });
    const log = graphRequests();
    expect(log.map((r) => r.path).sort()).toEqual(['/directory/deletedItems/microsoft.graph.user', '/subscribedSkus', '/users', '/users']);
    for (const page of log) expect(decodeURIComponent(page.query)).not.toMatch(/\$expand|jobTitle|department|businessPhones/u);
  });
});
