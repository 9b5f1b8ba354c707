/**
 * Deterministic synthetic tenants for tests and benchmarks (`tenantctl emulator --synthetic users=…`).
 * Same spec, same seed, byte-identical JSON: every random choice comes from a seeded sfc32 generator,
 * one stream per part (SKUs, users, shared mailboxes, deleted users, groups), never Math.random or a clock.
 *
 * Decisions:
 * - `users` counts every active user object, shared/room/equipment mailboxes included (`shared` ≤ `users`).
 *   `shared` defaults to round(1% of users); `groups` to min(10, ceil(users / 1000)), 0 without SKUs.
 * - `deleted` counts the deleted users the tenant holds: deletedDateTime spreads over the 30 days before
 *   `now` (whole seconds, the oldest a second inside the window), so none is past Entra's 30-day
 *   retention and the emulator, which purges expired ones on load, keeps every one asked for.
 * - The second SKU (SPE_E5) is the tight one: its free seats are a quarter of the deleted users holding it,
 *   so restoring them overshoots. Deleted users hold licences but consume no seats (docs/graph-behaviour.md §2).
 * - Users without a usage location hold no direct licence (assignLicense needs one), only group licences.
 * - A UPN-conflict deleted user's original UPN is an active user's UPN, but its own mail and proxy
 *   addresses differ, so the restore fails on the UPN alone; a proxy-conflict deleted user carries an
 *   active user's primary address as a secondary `smtp:` address.
 * - The app's clientSecret `synthetic-secret-<seed>` is a fixed local test credential, not a secret.
 */
import { isExchangeMailboxPlan } from '../../domain/exchange-plans.ts';
import { isGuid } from '../../domain/guid.ts';
import type { CatalogSku } from '../../domain/sku-catalog.ts';
import { DAY_MS, SOFT_DELETE_RETENTION_DAYS } from '../directory/model.ts';
import type { AssignedLicense, AssignedPlan, Seed, SeedGroup, SeedSku, SeedUser, UserPurpose } from '../directory/model.ts';
import { aliasBase, mailboxName, maxSyntheticSkus, skuChoices, namesake, newPerson, uniqueLocal, usageLocation } from './synthetic-names.ts';
import type { Person } from './synthetic-names.ts';

export interface SyntheticSpec {
  users: number;
  deleted: number;
  skus: number;
  seed: number;
  groups?: number;
  sharedMailboxes?: number;
  domain?: string;
  tenantId?: string;
  now?: string;
  /** Many tenants of this size (generateSyntheticTenants, synthetic-tenants.ts); absent: one tenant. */
  tenants?: number;
}

export const MAX_SYNTHETIC_USERS = 2_000_000;
const DEFAULT_NOW = '2026-11-22T00:00:00Z';
/**
 * Deletions fall this many whole seconds back from `now` at most (exclusive): inside the retention
 * window even after iso() drops now's milliseconds, so the emulator purges none on load.
 */
const DELETION_WINDOW_SECONDS = SOFT_DELETE_RETENTION_DAYS * 86_400;
const APP_ROLES = ['User.Read.All', 'User.ReadWrite.All', 'User.DeleteRestore.All', 'LicenseAssignment.Read.All', 'LicenseAssignment.ReadWrite.All', 'MailboxSettings.Read', 'GroupMember.Read.All'];
const EXCHANGE_S_ENTERPRISE = 'efb87545-963c-4e0d-99df-69c6916d9eb0';
/** At most this many synthetic tenants, and at most MAX_SYNTHETIC_USERS users in all of them together. */
export const MAX_SYNTHETIC_TENANTS = 1000;
const FORM = 'expected comma-separated key=value pairs like users=100000,deleted=5000,skus=20,seed=7 '
  + '(keys: users, deleted, skus, seed, groups, shared, domain, tenants; whole numbers ≥ 0, users ≤ 2000000 in all tenants)';
const KEYS: Readonly<Record<string, 'users' | 'deleted' | 'skus' | 'seed' | 'groups' | 'sharedMailboxes' | 'tenants'>> =
  { users: 'users', deleted: 'deleted', skus: 'skus', seed: 'seed', groups: 'groups', shared: 'sharedMailboxes', tenants: 'tenants' };
const LIMITS: Readonly<Record<string, number>> =
  { users: MAX_SYNTHETIC_USERS, deleted: MAX_SYNTHETIC_USERS, seed: 0xffffffff, groups: 10_000, tenants: MAX_SYNTHETIC_TENANTS };
const DOMAIN = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function fail(key: string, problem: string): never {
  throw new Error(`Invalid synthetic tenant spec: ${key} ${problem}; ${FORM}.`);
}

/** Parses `users=100000,deleted=5000,skus=20,seed=7[,groups=…][,shared=…][,domain=…][,tenants=…]`. */
export function parseSyntheticSpec(text: string): SyntheticSpec {
  const spec: SyntheticSpec = { users: 100, deleted: 0, skus: 5, seed: 1 };
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const value = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (key !== 'domain' && KEYS[key] === undefined) fail(`"${key}"`, 'is not a known key');
    if (seen.has(key)) fail(`"${key}"`, 'is given twice');
    seen.add(key);
    if (eq < 0 || value === '') fail(`"${key}"`, 'has no value');
    const field = KEYS[key];
    if (field === undefined) spec.domain = value.toLowerCase();
    else if (/^\d+$/.test(value)) spec[field] = Number(value);
    else fail(`"${key}"`, `must be a whole number ≥ 0, got "${value}"`);
  }
  checkSpec(spec);
  return spec;
}

/** Throws an Error naming the first bad key of a spec. */
export function checkSpec(spec: SyntheticSpec): void {
  const numbers: [string, number | undefined][] = [['users', spec.users], ['deleted', spec.deleted], ['skus', spec.skus],
    ['seed', spec.seed], ['groups', spec.groups], ['shared', spec.sharedMailboxes], ['tenants', spec.tenants]];
  for (const [key, n] of numbers) {
    if (n === undefined) continue;
    const max = key === 'skus' ? maxSyntheticSkus() : LIMITS[key] ?? MAX_SYNTHETIC_USERS;
    if (!Number.isSafeInteger(n) || n < 0) fail(`"${key}"`, `must be a whole number ≥ 0, got "${n}"`);
    if (n > max) fail(`"${key}"`, `must be at most ${max}, got ${n}`);
  }
  if (spec.tenants !== undefined) {
    if (spec.tenants < 1) fail('"tenants"', `must be at least 1, got ${spec.tenants}`);
    if (spec.tenants * spec.users > MAX_SYNTHETIC_USERS) fail('"tenants"', `× users (${spec.tenants * spec.users}) must be at most ${MAX_SYNTHETIC_USERS}`);
    if (spec.tenants > 1 && spec.tenantId !== undefined) fail('"tenantId"', 'names one tenant: leave it out with tenants > 1');
  }
  if ((spec.sharedMailboxes ?? 0) > spec.users) fail('"shared"', `(${spec.sharedMailboxes}) must not exceed users (${spec.users})`);
  if ((spec.groups ?? 0) > 0 && spec.skus === 0) fail('"groups"', 'needs skus ≥ 1 (each group assigns one SKU)');
  if (spec.domain !== undefined && !DOMAIN.test(spec.domain)) fail('"domain"', `must be a lower-case DNS name, got "${spec.domain}"`);
  if (spec.tenantId !== undefined && !isGuid(spec.tenantId)) fail('"tenantId"', `must be a GUID, got "${spec.tenantId}"`);
  if (spec.now !== undefined && Number.isNaN(Date.parse(spec.now))) fail('"now"', `must be an ISO date-time, got "${spec.now}"`);
}

const HEX_CODES = [...'0123456789abcdef'].map((c) => c.charCodeAt(0));
const GUID_CODES = new Array<number>(36).fill(48);

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), seeded per (seed, stream). */
class Random {
  #a: number; #b: number; #c: number; #d = 1;
  constructor(seed: number, stream: number) {
    this.#a = 0x9e3779b9; this.#b = seed | 0; this.#c = Math.imul(stream, 0x85ebca6b) | 0;
    for (let i = 0; i < 15; i++) this.u32();
  }
  u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (((this.#c << 21) | (this.#c >>> 11)) + t) | 0;
    return t >>> 0;
  }
  float(): number { return this.u32() / 4294967296; }
  int(n: number): number { return Math.floor(this.float() * n); }
  chance(p: number): boolean { return this.float() < p; }
  shuffle<T>(list: T[]): T[] {
    for (let i = list.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [list[i], list[j]] = [list[j] as T, list[i] as T];
    }
    return list;
  }
  /** A lower-case version-4-shaped GUID. */
  guid(): string {
    const words = [this.u32(), (this.u32() & 0xffff0fff) | 0x4000, (this.u32() & 0x3fffffff) | 0x80000000, this.u32()];
    let at = 0;
    for (const word of words) {
      for (let shift = 28; shift >= 0; shift -= 4) {
        if (at === 8 || at === 13 || at === 18 || at === 23) GUID_CODES[at++] = 45; // '-'
        GUID_CODES[at++] = HEX_CODES[(word >>> shift) & 15] ?? 48;
      }
    }
    return String.fromCharCode(...GUID_CODES); // one flat string, not a tree of concatenations
  }
}

interface SkuState { readonly sku: CatalogSku; readonly disablable: readonly string[]; consumed: number; deletedHolders: number }

interface Ctx {
  readonly domain: string;
  readonly nowMs: number;
  readonly skus: readonly SkuState[];
  readonly groupSku: readonly number[];
  /** Local-part base → times used (uniqueLocal), so every generated address is unique. */
  readonly locals: Map<string, number>;
  readonly lostPlanId: string;
}

interface UserParts {
  readonly id: string; readonly upn?: string | undefined; readonly local: string; readonly displayName: string;
  readonly given: string | null; readonly surname: string | null; readonly enabled: boolean;
  readonly location: string | null; readonly synced: boolean; readonly createdMs: number;
  readonly licenses: AssignedLicense[]; readonly purpose: UserPurpose;
  readonly alias?: string | undefined; readonly plans?: AssignedPlan[] | undefined; readonly deletedMs?: number | undefined;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** UTC, whole seconds, as Graph writes it: 2026-11-10T09:00:00Z. */
const iso = (ms: number): string => new Date(ms - (ms % 1000)).toISOString().replace('.000Z', 'Z');

/** Read-only in Graph (docs/graph-behaviour.md §9), so users share one frozen object per purpose. */
const PURPOSES = new Map((['user', 'linked', 'shared', 'room', 'equipment', 'others'] as const)
  .map((purpose) => [purpose, Object.freeze({ userPurpose: purpose })]));

function toUser(ctx: Ctx, p: UserParts): SeedUser {
  const mail = `${p.local}@${ctx.domain}`;
  const proxyAddresses = p.alias === undefined ? [`SMTP:${mail}`] : [`SMTP:${mail}`, `smtp:${p.alias}`];
  const user: Mutable<SeedUser> = {
    id: p.id, userPrincipalName: p.upn ?? mail, displayName: p.displayName, accountEnabled: p.enabled,
    givenName: p.given, surname: p.surname, mail, mailNickname: p.local, usageLocation: p.location, proxyAddresses,
    onPremisesSyncEnabled: p.synced ? true : null, userType: 'Member', createdDateTime: iso(p.createdMs),
    assignedLicenses: p.licenses, mailboxSettings: PURPOSES.get(p.purpose) ?? { userPurpose: p.purpose },
  };
  if (p.plans !== undefined) user.assignedPlans = p.plans;
  if (p.deletedMs !== undefined) user.deletedDateTime = iso(p.deletedMs);
  return user;
}

/** SKU indexes a licensed user holds: E3 most common (55%), E5 next (15%), the rest evenly; two distinct if `two`. */
function pickSkus(r: Random, ctx: Ctx, two: boolean): number[] {
  const n = ctx.skus.length;
  const x = r.float();
  const first = n === 1 || x < 0.55 ? 0 : n === 2 || x < 0.7 ? 1 : 2 + r.int(n - 2);
  return two && n > 1 ? [first, (first + 1 + r.int(n - 1)) % n] : [first];
}

function license(r: Random, state: SkuState): AssignedLicense {
  const { disablable } = state;
  const disabledPlans: string[] = [];
  if (state.sku.servicePlans.length > 2 && disablable.length > 1 && r.chance(0.1)) {
    disabledPlans.push(disablable[r.int(disablable.length)] ?? '');
    const second = disablable[r.int(disablable.length)] ?? '';
    if (disablable.length >= 4 && second !== disabledPlans[0] && r.chance(0.3)) disabledPlans.push(second);
  }
  return { skuId: state.sku.skuId, disabledPlans };
}

/** A regular person's licences (direct) and group; counts seats or deleted holders. */
function licensing(r: Random, ctx: Ctx, loc: string | null, deleted: boolean): { licenses: AssignedLicense[]; group: number; plans?: AssignedPlan[] } {
  const x = r.float();
  const groups = ctx.groupSku.length;
  if (x < 0.1 || ctx.skus.length === 0) {
    if (!deleted && r.chance(0.05)) {
      const at = iso(ctx.nowMs - (1 + r.float() * 59) * DAY_MS);
      return { licenses: [], group: -1, plans: [{ assignedDateTime: at, capabilityStatus: 'Deleted', service: 'exchange', servicePlanId: ctx.lostPlanId }] };
    }
    return { licenses: [], group: -1 };
  }
  const picks = pickSkus(r, ctx, x < 0.2);
  let group = -1;
  if (!deleted && groups > 0 && (loc === null || r.chance(0.12))) {
    const own = ctx.groupSku.indexOf(picks[0] ?? 0);
    group = loc === null && own >= 0 ? own : r.int(groups);
  }
  const held = loc === null ? [] : picks;
  const licenses = held.map((k) => license(r, ctx.skus[k] as SkuState));
  const groupSku = ctx.groupSku[group];
  for (const k of held) {
    const state = ctx.skus[k] as SkuState;
    if (deleted) state.deletedHolders++;
    else state.consumed++;
  }
  if (groupSku !== undefined && !held.includes(groupSku)) (ctx.skus[groupSku] as SkuState).consumed++;
  return { licenses, group };
}

interface PersonOptions { readonly deletedMs?: number; readonly p?: Person; readonly upn?: string; readonly alias?: string }

/** A person's user object (active, or deleted when `deletedMs` is given) and the group index it joins, or -1. */
function person(r: Random, ctx: Ctx, createdMs: number, o: PersonOptions = {}): { user: SeedUser; group: number } {
  const p = o.p ?? newPerson(r);
  const loc = usageLocation(r);
  const { licenses, group, plans } = licensing(r, ctx, loc, o.deletedMs !== undefined);
  const alias = o.alias ?? (r.chance(0.15) ? `${uniqueLocal(ctx.locals, aliasBase(p))}@${ctx.domain}` : undefined);
  const user = toUser(ctx, {
    id: r.guid(), upn: o.upn, local: uniqueLocal(ctx.locals, p.base),
    displayName: `${p.given} ${p.surname}`, given: p.given, surname: p.surname, enabled: r.chance(0.97), location: loc,
    synced: r.chance(0.1), createdMs, licenses, purpose: 'user', alias, plans, deletedMs: o.deletedMs,
  });
  return { user, group };
}

function sharedMailbox(r: Random, ctx: Ctx, exchangePlan2: number): SeedUser {
  const x = r.float();
  const purpose: UserPurpose = x < 0.9 ? 'shared' : x < 0.96 ? 'room' : 'equipment';
  const { name, base } = mailboxName(r, purpose);
  const licensed = purpose === 'shared' && exchangePlan2 >= 0 && r.chance(0.05);
  if (licensed) (ctx.skus[exchangePlan2] as SkuState).consumed++;
  return toUser(ctx, {
    id: r.guid(), local: uniqueLocal(ctx.locals, base), displayName: name,
    given: null, surname: null, enabled: false, location: usageLocation(r, 0), synced: false,
    createdMs: ctx.nowMs - (1 + r.float() * 2900) * DAY_MS,
    licenses: licensed ? [{ skuId: (ctx.skus[exchangePlan2] as SkuState).sku.skuId, disabledPlans: [] }] : [], purpose,
  });
}

function seats(r: Random, state: SkuState, tight: boolean): SeedSku {
  const enabled = tight ? state.consumed + Math.floor(state.deletedHolders / 4)
    : Math.ceil((state.consumed * (1.1 + 0.25 * r.float()) + 5) / 5) * 5;
  return {
    skuId: state.sku.skuId, skuPartNumber: state.sku.skuPartNumber,
    prepaidUnits: { enabled, suspended: 0, warning: 0, lockedOut: 0 },
    servicePlans: state.sku.servicePlans.map((p) => ({ servicePlanId: p.servicePlanId, servicePlanName: p.servicePlanName, provisioningStatus: 'Success', appliesTo: 'User' as const })),
    appliesTo: 'User', capabilityStatus: 'Enabled',
  };
}

/** Deterministic: the same spec gives a deep-equal seed and byte-identical JSON. */
export function generateSyntheticSeed(spec: SyntheticSpec): Seed {
  checkSpec(spec);
  if ((spec.tenants ?? 1) !== 1) fail('"tenants"', 'asks for many tenants: use generateSyntheticTenants');
  const { users, seed } = spec;
  const groupCount = spec.groups ?? (spec.skus === 0 ? 0 : Math.min(10, Math.ceil(users / 1000)));
  const sharedCount = spec.sharedMailboxes ?? Math.round(users * 0.01);
  const domain = spec.domain ?? 'contoso.com';
  const label = domain.split('.')[0] ?? 'contoso';
  const now = spec.now ?? DEFAULT_NOW;
  const base = new Random(seed, 1);
  const tenantId = spec.tenantId ?? base.guid();
  const clientId = base.guid();
  const { fixed, common, others } = skuChoices();
  const chosen = [...fixed, ...base.shuffle([...common]), ...base.shuffle([...others])].slice(0, spec.skus);
  const skus = chosen.map((sku): SkuState => {
    const disablable = sku.servicePlans.filter((p) => !isExchangeMailboxPlan(p.servicePlanId)).map((p) => p.servicePlanId);
    return { sku, disablable, consumed: 0, deletedHolders: 0 };
  });
  const ctx: Ctx = {
    domain, nowMs: Date.parse(now), skus, locals: new Map(),
    groupSku: Array.from({ length: groupCount }, (_, i) => i % Math.max(1, skus.length)),
    lostPlanId: skus[0]?.sku.servicePlans.find((p) => isExchangeMailboxPlan(p.servicePlanId))?.servicePlanId ?? EXCHANGE_S_ENTERPRISE,
  };
  const members: string[][] = ctx.groupSku.map(() => []);
  const active: SeedUser[] = [];
  const ur = new Random(seed, 2);
  for (let i = 0; i < users - sharedCount; i++) {
    const { user, group } = person(ur, ctx, ctx.nowMs - (1 + ur.float() * 2920) * DAY_MS);
    active.push(user);
    members[group]?.push(user.id);
  }
  const regular = active.length;
  const sr = new Random(seed, 3);
  const plan2 = skus.findIndex((s) => s.sku.skuPartNumber === 'EXCHANGEENTERPRISE');
  for (let i = 0; i < sharedCount; i++) active.push(sharedMailbox(sr, ctx, plan2));
  const deletedUsers = deletedPeople(new Random(seed, 4), ctx, spec.deleted, active, regular);
  const gr = new Random(seed, 5);
  const sk = new Random(seed, 6);
  return {
    tenantId, now, domains: domain.endsWith('.onmicrosoft.com') ? [domain] : [domain, `${label}.onmicrosoft.com`],
    organization: { displayName: `${label.charAt(0).toUpperCase()}${label.slice(1)} (synthetic)` },
    subscribedSkus: skus.map((s, i) => seats(sk, s, i === 1)),
    users: active,
    deletedUsers,
    groups: ctx.groupSku.map((k, i): SeedGroup => {
      const sku = (skus[k] as SkuState).sku;
      const round = Math.floor(i / skus.length);
      const displayName = `Licence ${sku.skuPartNumber}${round > 0 ? ` ${round + 1}` : ''}`;
      return { id: gr.guid(), displayName, assignedLicenses: [{ skuId: sku.skuId, disabledPlans: [] }], members: members[i] ?? [] };
    }),
    apps: [{ clientId, clientSecret: `synthetic-secret-${seed}`, roles: APP_ROLES, displayName: 'tenantctl synthetic' }],
  };
}

/** Deleted users; ~2% hold an active user's UPN, ~2% one of its addresses (distinct active users). */
function deletedPeople(r: Random, ctx: Ctx, count: number, active: readonly SeedUser[], regular: number): SeedUser[] {
  const conflicts = Math.min(Math.round(count * 0.02), Math.floor(regular / 2));
  const roles = r.shuffle(Array.from({ length: count }, (_, i) => (i < conflicts ? 1 : i < 2 * conflicts ? 2 : 0)));
  const taken = new Set<number>();
  const holder = (): SeedUser => {
    let i = r.int(regular);
    while (taken.has(i)) i = (i + 1) % regular;
    taken.add(i);
    return active[i] as SeedUser;
  };
  return roles.map((role) => {
    const deletedMs = ctx.nowMs - r.int(DELETION_WINDOW_SECONDS) * 1000;
    const createdMs = deletedMs - (30 + r.float() * 2900) * DAY_MS;
    if (role === 0) return person(r, ctx, createdMs, { deletedMs }).user;
    const h = holder();
    if (role === 2) return person(r, ctx, createdMs, { deletedMs, alias: h.mail ?? h.userPrincipalName }).user;
    const p = namesake(h.givenName ?? '', h.surname ?? '');
    return person(r, ctx, createdMs, { deletedMs, p, upn: h.userPrincipalName }).user;
  });
}
