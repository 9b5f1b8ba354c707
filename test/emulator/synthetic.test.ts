import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isExchangeMailboxPlan } from '../../src/domain/exchange-plans.ts';
import { isGuid } from '../../src/domain/guid.ts';
import { findCatalogSkus } from '../../src/domain/sku-catalog.ts';
import { isValidUserPrincipalName } from '../../src/domain/upn.ts';
import { DAY_MS, SOFT_DELETE_RETENTION_DAYS } from '../../src/emulator/directory/model.ts';
import type { Seed, SeedUser } from '../../src/emulator/directory/model.ts';
import { loadSeed } from '../../src/emulator/directory/seed.ts';
import { generateSyntheticSeed, parseSyntheticSpec } from '../../src/emulator/synthetic/synthetic.ts';
import type { SyntheticSpec } from '../../src/emulator/synthetic/synthetic.ts';

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const E5 = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';
const EXCHANGE_PLAN_2_SKU = '19ec0d23-8335-4cbd-94ac-6050e30712fa';
const V4_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const FORM = 'users=100000,deleted=5000,skus=20,seed=7';

const addresses = (u: SeedUser): string[] => (u.proxyAddresses ?? []).map((a) => a.slice(a.indexOf(':') + 1).toLowerCase());
const share = <T>(items: readonly T[], test: (item: T) => boolean): number => items.filter(test).length / items.length;
const isMailbox = (u: SeedUser): boolean => u.mailboxSettings?.userPurpose !== 'user';

/** (user id → skuIds) from direct licences and group membership. */
function effectiveLicences(seed: Seed): Map<string, Set<string>> {
  const held = new Map(seed.users.map((u) => [u.id, new Set((u.assignedLicenses ?? []).map((l) => l.skuId))]));
  for (const g of seed.groups) for (const id of g.members) for (const l of g.assignedLicenses) held.get(id)?.add(l.skuId);
  return held;
}

/** Referential and uniqueness invariants that must hold for every spec. */
function checkInvariants(seed: Seed): void {
  const plansOf = new Map(seed.subscribedSkus.map((s) => [s.skuId, new Set(s.servicePlans.map((p) => p.servicePlanId))]));
  const ids = [...seed.users, ...seed.deletedUsers].map((u) => u.id).concat(seed.groups.map((g) => g.id));
  expect(ids.every((id) => V4_GUID.test(id))).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
  const upns = seed.users.map((u) => u.userPrincipalName.toLowerCase());
  expect(new Set(upns).size).toBe(upns.length);
  const active = seed.users.flatMap(addresses);
  expect(new Set(active).size).toBe(active.length);
  const problems: string[] = []; // collected, since one expect per user is slow at 20,000 users
  for (const u of [...seed.users, ...seed.deletedUsers]) {
    const upn = u.userPrincipalName;
    if (!isValidUserPrincipalName(upn) || !seed.domains.includes(upn.split('@')[1] ?? '')) problems.push(`bad UPN ${upn}`);
    if (u.createdDateTime === undefined || u.createdDateTime >= (u.deletedDateTime ?? seed.now)) problems.push(`${upn} created ${u.createdDateTime}`);
    if (u.usageLocation === null && u.assignedLicenses?.length !== 0) problems.push(`${upn} is licensed without a usage location`);
    for (const l of u.assignedLicenses ?? []) {
      const plans = plansOf.get(l.skuId);
      if (plans === undefined) problems.push(`${upn} holds unknown SKU ${l.skuId}`);
      for (const p of l.disabledPlans) if (plans?.has(p) !== true) problems.push(`${upn}: ${p} is not a plan of ${l.skuId}`);
    }
  }
  expect(problems).toEqual([]);
  const userIds = new Set(seed.users.map((u) => u.id));
  for (const g of seed.groups) {
    expect(g.assignedLicenses.every((l) => plansOf.has(l.skuId) && l.disabledPlans.length === 0)).toBe(true);
    expect(g.members.every((id) => userIds.has(id))).toBe(true);
    expect(new Set(g.members).size).toBe(g.members.length);
  }
}

describe('generateSyntheticSeed', () => {
  const spec: SyntheticSpec = { users: 20_000, deleted: 1_000, skus: 20, seed: 7 };
  const seed = generateSyntheticSeed(spec);
  const regular = seed.users.filter((u) => !isMailbox(u));
  const nowMs = Date.parse(seed.now);

  it('is deterministic: the same spec gives byte-identical JSON, another seed another tenant', () => {
    const small: SyntheticSpec = { users: 2_000, deleted: 200, skus: 8, seed: 42 };
    const a = generateSyntheticSeed(small), b = generateSyntheticSeed(small);
    expect(b).toEqual(a);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const c = generateSyntheticSeed({ ...small, seed: 43 });
    expect(c.tenantId).not.toBe(a.tenantId);
    expect(c.users.map((u) => u.id)).not.toEqual(a.users.map((u) => u.id));
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('generates the counts the spec asks for, with the documented defaults', () => {
    expect(seed.users).toHaveLength(20_000);
    expect(seed.deletedUsers).toHaveLength(1_000);
    expect(seed.subscribedSkus).toHaveLength(20);
    expect(seed.groups).toHaveLength(10); // min(10, ceil(20000 / 1000))
    expect(seed.users.filter(isMailbox)).toHaveLength(200); // 1% of users
    expect(seed.now).toBe('2026-11-22T00:00:00Z');
    expect(seed.domains).toEqual(['contoso.com', 'contoso.onmicrosoft.com']);
    expect(isGuid(seed.tenantId)).toBe(true);
    const small = generateSyntheticSeed({ users: 100, deleted: 0, skus: 5, seed: 1 });
    expect([small.groups.length, small.users.filter(isMailbox).length]).toEqual([1, 1]);
  });

  it('keeps ids, UPNs and addresses unique and every reference valid', () => {
    checkInvariants(seed);
  });

  it('subscribes real catalog SKUs, ENTERPRISEPACK and SPE_E5 first', () => {
    expect(seed.subscribedSkus.map((s) => s.skuId).slice(0, 2)).toEqual([E3, E5]);
    expect(new Set(seed.subscribedSkus.map((s) => s.skuId)).size).toBe(20);
    for (const sku of seed.subscribedSkus) {
      const [real] = findCatalogSkus(sku.skuId);
      expect(real?.skuPartNumber).toBe(sku.skuPartNumber);
      expect(sku.servicePlans.map((p) => p.servicePlanId)).toEqual(real?.servicePlans.map((p) => p.servicePlanId));
      expect(sku.servicePlans.length).toBeGreaterThan(0);
      expect(sku.servicePlans.every((p) => p.provisioningStatus === 'Success' && p.appliesTo === 'User')).toBe(true);
      expect(sku.prepaidUnits).toMatchObject({ suspended: 0, warning: 0, lockedOut: 0 });
    }
    expect(seed.subscribedSkus.map((s) => s.skuId)).not.toContain('d43177b5-475b-4880-92d4-d54c27b5efbd');
  });

  it('leaves seats to spare on every SKU but SPE_E5, which restoring its deleted holders overshoots', () => {
    const consumed = new Map<string, number>();
    for (const skus of effectiveLicences(seed).values()) for (const s of skus) consumed.set(s, (consumed.get(s) ?? 0) + 1);
    for (const [i, sku] of seed.subscribedSkus.entries()) {
      const used = consumed.get(sku.skuId) ?? 0;
      if (i === 1) {
        const deletedHolders = seed.deletedUsers.filter((u) => u.assignedLicenses?.some((l) => l.skuId === E5)).length;
        expect(sku.prepaidUnits.enabled).toBeGreaterThanOrEqual(used);
        expect(sku.prepaidUnits.enabled).toBeLessThan(used + deletedHolders);
      } else {
        expect(sku.prepaidUnits.enabled, sku.skuPartNumber).toBeGreaterThanOrEqual(Math.floor(used * 1.1) + 5);
      }
    }
  });

  it('mixes licences, locations and flags like a real tenant', () => {
    const held = effectiveLicences(seed);
    const direct = (u: SeedUser): number => u.assignedLicenses?.length ?? 0;
    expect(share(regular, (u) => (held.get(u.id)?.size ?? 0) === 0)).toBeGreaterThan(0.07);
    expect(share(regular, (u) => (held.get(u.id)?.size ?? 0) === 0)).toBeLessThan(0.15);
    expect(share(regular, (u) => direct(u) === 2)).toBeGreaterThan(0.07);
    expect(share(regular, (u) => direct(u) === 2)).toBeLessThan(0.13);
    expect(share(regular, (u) => u.assignedLicenses?.[0]?.skuId === E3)).toBeGreaterThan(0.4);
    expect(share(regular, (u) => u.assignedLicenses?.some((l) => l.disabledPlans.length > 0) === true)).toBeGreaterThan(0.03);
    expect(share(regular, (u) => u.usageLocation === 'NL')).toBeGreaterThan(0.65);
    expect(share(regular, (u) => u.usageLocation === 'NL')).toBeLessThan(0.75);
    expect(share(regular, (u) => u.usageLocation === null)).toBeGreaterThan(0.015);
    expect(share(regular, (u) => u.usageLocation === null)).toBeLessThan(0.05);
    expect(new Set(regular.map((u) => u.usageLocation)).size).toBeGreaterThan(4);
    expect(share(regular, (u) => u.accountEnabled === true)).toBeGreaterThan(0.95);
    expect(share(regular, (u) => u.accountEnabled === true)).toBeLessThan(0.99);
    expect(share(regular, (u) => u.onPremisesSyncEnabled === true)).toBeGreaterThan(0.07);
    expect(share(regular, (u) => u.onPremisesSyncEnabled === true)).toBeLessThan(0.13);
    expect(regular.every((u) => u.onPremisesSyncEnabled === true || u.onPremisesSyncEnabled === null)).toBe(true);
    expect(share(regular, (u) => (u.proxyAddresses?.length ?? 0) === 2)).toBeGreaterThan(0.05);
    expect(regular.every((u) => u.userType === 'Member' && u.mail === u.userPrincipalName
      && u.proxyAddresses?.[0] === `SMTP:${u.userPrincipalName}` && `${u.mailNickname}@contoso.com` === u.mail)).toBe(true);
    const byId = new Map(seed.users.map((u) => [u.id, u]));
    const members = seed.groups.flatMap((g) => g.members).map((id) => byId.get(id));
    expect(share(members, (u) => (u?.assignedLicenses?.length ?? 0) > 0)).toBeGreaterThan(0.5);
  });

  it('never disables a mailbox plan in a licence', () => {
    const disabled = seed.users.flatMap((u) => (u.assignedLicenses ?? []).flatMap((l) => l.disabledPlans));
    expect(disabled.length).toBeGreaterThan(0);
    expect(disabled.some(isExchangeMailboxPlan)).toBe(false);
  });

  it('has a few users whose mailbox licence was removed 1 to 60 days ago', () => {
    const lost = seed.users.filter((u) => (u.assignedPlans?.length ?? 0) > 0);
    expect(lost.length / regular.length).toBeGreaterThan(0.002);
    expect(lost.length / regular.length).toBeLessThan(0.01);
    const held = effectiveLicences(seed);
    for (const u of lost) {
      expect(u.assignedPlans).toHaveLength(1);
      const [plan] = u.assignedPlans ?? [];
      expect(plan).toMatchObject({ capabilityStatus: 'Deleted', service: 'exchange' });
      expect(isExchangeMailboxPlan(plan?.servicePlanId ?? '')).toBe(true);
      const ageDays = (nowMs - Date.parse(plan?.assignedDateTime ?? '')) / DAY_MS;
      expect(ageDays).toBeGreaterThanOrEqual(1);
      expect(ageDays).toBeLessThanOrEqual(60);
      expect(held.get(u.id)?.size).toBe(0);
      expect(u.mailboxSettings?.userPurpose).toBe('user');
    }
  });

  it('adds disabled, unlicensed shared, room and equipment mailboxes', () => {
    const mailboxes = seed.users.filter(isMailbox);
    expect(mailboxes.every((u) => u.accountEnabled === false && u.givenName === null)).toBe(true);
    expect(new Set(mailboxes.map((u) => u.mailboxSettings?.userPurpose))).toEqual(new Set(['shared', 'room', 'equipment']));
    expect(share(mailboxes, (u) => u.mailboxSettings?.userPurpose === 'shared')).toBeGreaterThan(0.8);
    const plan2 = seed.subscribedSkus.some((s) => s.skuId === EXCHANGE_PLAN_2_SKU);
    for (const u of mailboxes) {
      expect((u.assignedLicenses ?? []).every((l) => plan2 && l.skuId === EXCHANGE_PLAN_2_SKU && u.mailboxSettings?.userPurpose === 'shared')).toBe(true);
    }
    // skus=38 takes ENTERPRISEPACK, SPE_E5 and all 36 common SKUs, EXCHANGEENTERPRISE among them.
    const withPlan2 = generateSyntheticSeed({ users: 5_000, deleted: 0, skus: 38, seed: 3, sharedMailboxes: 1_000 });
    expect(withPlan2.users.some((u) => u.mailboxSettings?.userPurpose === 'shared' && u.assignedLicenses?.[0]?.skuId === EXCHANGE_PLAN_2_SKU)).toBe(true);
  });

  it('spreads deletions over the 30-day retention window, with original UPNs, so every one is restorable', () => {
    const ages = seed.deletedUsers.map((u) => (nowMs - Date.parse(u.deletedDateTime ?? '')) / DAY_MS);
    expect(Math.min(...ages)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...ages)).toBeLessThan(SOFT_DELETE_RETENTION_DAYS);
    // Spread over the whole window, not bunched: some in its first and some in its last three days.
    expect(ages.some((a) => a < 3)).toBe(true);
    expect(ages.some((a) => a > SOFT_DELETE_RETENTION_DAYS - 3)).toBe(true);
    expect(seed.deletedUsers.every((u) => /^[a-z.]+\d*@contoso\.com$/.test(u.userPrincipalName))).toBe(true);
    expect(seed.deletedUsers.some((u) => (u.assignedLicenses?.length ?? 0) > 0)).toBe(true);
  });

  it.each([
    ['the default now', {}],
    ['a now with milliseconds', { now: '2027-03-01T12:00:00.999Z' }],
  ])('loads into the emulator with every deleted user it generates, at %s (none purged)', (_name, extra) => {
    const spec: SyntheticSpec = { users: 1_000, deleted: 50, skus: 5, seed: 1, ...extra };
    const store = loadSeed(generateSyntheticSeed(spec));
    expect(store.deletedUsers()).toHaveLength(50);
    expect(store.purgeExpired()).toEqual([]);
  });

  it('has deleted users whose UPN, or one of whose addresses, an active user now holds (2% each)', () => {
    const activeUpns = new Set(seed.users.map((u) => u.userPrincipalName.toLowerCase()));
    const activeAddresses = new Set(seed.users.flatMap(addresses));
    const upnConflicts = seed.deletedUsers.filter((u) => activeUpns.has(u.userPrincipalName.toLowerCase()));
    const proxyConflicts = seed.deletedUsers.filter((u) => addresses(u).some((a) => activeAddresses.has(a)));
    expect(upnConflicts).toHaveLength(20);
    expect(proxyConflicts).toHaveLength(20);
    expect(upnConflicts.filter((u) => proxyConflicts.includes(u))).toEqual([]);
    for (const u of upnConflicts) expect(u.mail).not.toBe(u.userPrincipalName);
    for (const deleted of [100, 150]) {
      const s = generateSyntheticSeed({ users: 500, deleted, skus: 3, seed: 9 });
      const upns = new Set(s.users.map((u) => u.userPrincipalName));
      expect(s.deletedUsers.filter((u) => upns.has(u.userPrincipalName)).length).toBeGreaterThanOrEqual(2);
      const addrs = new Set(s.users.flatMap(addresses));
      expect(s.deletedUsers.filter((u) => !upns.has(u.userPrincipalName) && addresses(u).some((a) => addrs.has(a))).length).toBeGreaterThanOrEqual(2);
    }
  });

  it('grants one app the roles the tool needs, with a documented local test secret', () => {
    expect(seed.apps).toHaveLength(1);
    expect(seed.apps[0]).toMatchObject({
      clientSecret: 'synthetic-secret-7',
      roles: ['User.Read.All', 'User.ReadWrite.All', 'User.DeleteRestore.All', 'LicenseAssignment.Read.All', 'LicenseAssignment.ReadWrite.All', 'MailboxSettings.Read', 'GroupMember.Read.All'],
    });
    expect(V4_GUID.test(seed.apps[0]?.clientId ?? '')).toBe(true);
  });

  it('honours domain, tenantId, now, groups and shared overrides', () => {
    const s = generateSyntheticSeed({ users: 300, deleted: 30, skus: 2, seed: 5, groups: 3, sharedMailboxes: 0, domain: 'fabrikam.nl', tenantId: '11111111-2222-4333-8444-555555555555', now: '2027-01-01T00:00:00Z' });
    expect(s.domains).toEqual(['fabrikam.nl', 'fabrikam.onmicrosoft.com']);
    expect(s.tenantId).toBe('11111111-2222-4333-8444-555555555555');
    expect(s.now).toBe('2027-01-01T00:00:00Z');
    expect(s.groups.map((g) => g.assignedLicenses[0]?.skuId)).toEqual([E3, E5, E3]);
    expect(s.users.filter(isMailbox)).toEqual([]);
    expect(s.users.every((u) => u.userPrincipalName.endsWith('@fabrikam.nl'))).toBe(true);
    checkInvariants(s);
  });

  it('handles the edges: no SKUs, no users, only the onmicrosoft.com domain', () => {
    const none = generateSyntheticSeed({ users: 50, deleted: 10, skus: 0, seed: 1 });
    expect([none.subscribedSkus, none.groups]).toEqual([[], []]);
    expect(none.users.every((u) => u.assignedLicenses?.length === 0)).toBe(true);
    checkInvariants(none);
    const empty = generateSyntheticSeed({ users: 0, deleted: 5, skus: 1, seed: 1, domain: 'x.onmicrosoft.com' });
    expect([empty.users.length, empty.deletedUsers.length, empty.groups.length, empty.domains]).toEqual([0, 5, 0, ['x.onmicrosoft.com']]);
    checkInvariants(empty);
  });

  it('keeps its invariants and determinism for arbitrary small specs', () => {
    const specs = fc.record({
      users: fc.integer({ min: 0, max: 400 }), deleted: fc.integer({ min: 0, max: 120 }), skus: fc.integer({ min: 0, max: 12 }),
      seed: fc.integer({ min: 0, max: 0xffffffff }), groups: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
    }).map(({ groups, ...rest }): SyntheticSpec => (groups === undefined || rest.skus === 0 ? rest : { ...rest, groups }));
    fc.assert(fc.property(specs, (s) => {
      const a = generateSyntheticSeed(s);
      expect([a.users.length, a.deletedUsers.length, a.subscribedSkus.length]).toEqual([s.users, s.deleted, s.skus]);
      checkInvariants(a);
      expect(JSON.stringify(generateSyntheticSeed(s))).toBe(JSON.stringify(a));
    }), { numRuns: 25 });
  });

  it('rejects an invalid spec given directly', () => {
    expect(() => generateSyntheticSeed({ users: -1, deleted: 0, skus: 1, seed: 1 })).toThrow(/"users"/);
    expect(() => generateSyntheticSeed({ users: 1, deleted: 0, skus: 1, seed: 1.5 })).toThrow(/"seed"/);
    expect(() => generateSyntheticSeed({ users: 1, deleted: 0, skus: 1, seed: 1, tenantId: 'x' })).toThrow(/"tenantId"/);
    expect(() => generateSyntheticSeed({ users: 1, deleted: 0, skus: 1, seed: 1, now: 'soon' })).toThrow(/"now"/);
  });

  it('generates 100,000 users and 5,000 deleted users', () => {
    const big = generateSyntheticSeed(parseSyntheticSpec(FORM));
    expect([big.users.length, big.deletedUsers.length, big.subscribedSkus.length, big.groups.length]).toEqual([100_000, 5_000, 20, 10]);
    const upns = new Set(big.users.map((u) => u.userPrincipalName));
    expect(upns.size).toBe(100_000);
  });
});

describe('parseSyntheticSpec', () => {
  it.each<[string, SyntheticSpec]>([
    ['', { users: 100, deleted: 0, skus: 5, seed: 1 }],
    [FORM, { users: 100_000, deleted: 5_000, skus: 20, seed: 7 }],
    [' users = 10 , deleted=2,groups=0,shared=1,domain=Fabrikam.NL,', { users: 10, deleted: 2, skus: 5, seed: 1, groups: 0, sharedMailboxes: 1, domain: 'fabrikam.nl' }],
    ['seed=4294967295,users=2000000', { users: 2_000_000, deleted: 0, skus: 5, seed: 4_294_967_295 }],
    ['skus=0', { users: 100, deleted: 0, skus: 0, seed: 1 }],
  ])('parses %j', (text, expected) => {
    expect(parseSyntheticSpec(text)).toEqual(expected);
  });

  it.each([
    ['unknown key', 'users=10,colour=blue', 'colour'],
    ['negative', 'users=-5', 'users'],
    ['fraction', 'deleted=1.5', 'deleted'],
    ['not a number', 'skus=many', 'skus'],
    ['exponent', 'users=1e3', 'users'],
    ['too many users', 'users=2000001', 'users'],
    ['too many deleted', 'deleted=2000001', 'deleted'],
    ['seed beyond 32 bits', 'seed=4294967296', 'seed'],
    ['more SKUs than the catalog offers', 'skus=100000', 'skus'],
    ['empty value', 'groups=', 'groups'],
    ['no value', 'shared', 'shared'],
    ['repeated key', 'users=1,users=2', 'users'],
    ['more shared mailboxes than users', 'users=10,shared=11', 'shared'],
    ['groups without SKUs', 'skus=0,groups=2', 'groups'],
    ['bad domain', 'domain=not_a_domain', 'domain'],
  ])('rejects %s, naming the key and the accepted form', (_name, text, key) => {
    expect(() => parseSyntheticSpec(text)).toThrow(`"${key}"`);
    expect(() => parseSyntheticSpec(text)).toThrow(FORM);
  });
});
