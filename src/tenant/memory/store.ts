import { isExchangeMailboxPlan } from '../../domain/exchange-plans.ts';
import type { ObservedLicense, ObservedLicenseState, ObservedPlan, ObservedSku, ObservedUser } from '../../domain/observed.ts';
import type { PlanServices } from './licensing.ts';
import { addressesOf } from '../../domain/tenant-index.ts';
import { addressKey, deletedUserPrincipalName, directState, effectiveLicenses, enabledPlans, nextAssignedPlans, originalUserPrincipalName } from './licensing.ts';

/**
 * The in-memory tenant's state: active and soft-deleted users with indexes by id, UPN and address,
 * SKU seat counts and the directory clock. Operations here change state and check nothing; the
 * checks Graph makes, in Graph's order, are in tenant.ts.
 */
export interface MemoryTenantInput {
  readonly tenantId: string;
  /** The directory clock's start; writes are stamped with it (deletedDateTime, assignedPlans). */
  readonly now: string;
  /** Verified domains: a UPN must use one (docs/graph-behaviour.md §5). */
  readonly domains: readonly string[];
  readonly users: readonly ObservedUser[];
  /** Soft-deleted users, UPNs with the id prefix as Graph shows them (a UPN without it is accepted). */
  readonly deletedUsers: readonly ObservedUser[];
  /** `consumedUnits` is taken as given and follows later changes. */
  readonly skus: readonly ObservedSku[];
  /** Mailbox purpose by user id (`user`, `shared`, `room`, `equipment`, …); default `user`. */
  readonly mailboxPurposes?: ReadonlyMap<string, string>;
  /** Display names of license-assigning groups. */
  readonly groupNames?: ReadonlyMap<string, string>;
  /** Service of each user plan as assignedPlans names it; default: `exchange` for Exchange plans, else the plan name. */
  readonly planServices?: PlanServices;
  /** What `readGrantedRoles` answers. */
  readonly grantedRoles?: readonly string[];
}

export interface UserRecord {
  readonly id: string;
  userPrincipalName: string;
  displayName: string;
  accountEnabled: boolean;
  usageLocation: string | null;
  mail: string | null;
  proxyAddresses: readonly string[];
  onPremisesSyncEnabled: boolean | null;
  states: readonly ObservedLicenseState[];
  plans: readonly ObservedPlan[];
  purpose: string;
  deletedDateTime: string | null;
  createdDateTime: string | null;
  /** The frozen view readers get; rebuilt after a change. */
  view: ObservedUser | undefined;
}

const RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export class MemoryStore {
  readonly tenantId: string;
  readonly domains: readonly string[];
  readonly skus = new Map<string, ObservedSku>();
  readonly groupNames: ReadonlyMap<string, string>;
  readonly grantedRoles: readonly string[];
  private readonly planServices: PlanServices | undefined;
  private readonly consumed = new Map<string, number>();
  private readonly active = new Map<string, UserRecord>();
  private readonly deleted = new Map<string, UserRecord>();
  private readonly activeByUpn = new Map<string, UserRecord>();
  /** Address key → ids of users, active or deleted, that reserve it (docs/graph-behaviour.md §5). */
  private readonly addressOwners = new Map<string, Set<string>>();
  private nowMs: number;
  private sorted: { active: ObservedUser[]; deleted: ObservedUser[] } | undefined;

  constructor(input: MemoryTenantInput) {
    this.tenantId = input.tenantId.toLowerCase();
    this.domains = input.domains;
    this.nowMs = Date.parse(input.now);
    if (Number.isNaN(this.nowMs)) throw new Error(`MemoryTenantInput.now is not an ISO 8601 time: ${input.now}`);
    this.groupNames = new Map(input.groupNames ?? []);
    this.grantedRoles = [...(input.grantedRoles ?? [])];
    this.planServices = input.planServices;
    for (const sku of input.skus) {
      this.skus.set(sku.skuId.toLowerCase(), sku);
      this.consumed.set(sku.skuId.toLowerCase(), sku.consumedUnits);
    }
    for (const [list, deleted] of [[input.users, false], [input.deletedUsers, true]] as const) {
      for (const user of list) this.add(this.recordOf(user, input.mailboxPurposes?.get(user.id.toLowerCase()) ?? 'user', deleted));
    }
    this.purgeExpired();
  }

  get now(): string {
    return new Date(this.nowMs).toISOString().replace('.000Z', 'Z');
  }

  /** Moves the directory clock and purges deleted users past their 30 days (docs/graph-behaviour.md §2). */
  setNow(iso: string): void {
    const nowMs = Date.parse(iso);
    if (Number.isNaN(nowMs)) throw new Error(`not an ISO 8601 time: ${iso}`);
    this.nowMs = nowMs;
    this.purgeExpired();
  }

  private purgeExpired(): void {
    for (const user of [...this.deleted.values()]) {
      if (user.deletedDateTime !== null && Date.parse(user.deletedDateTime) + RETENTION_MS < this.nowMs) {
        this.deleted.delete(user.id);
        this.releaseAddresses(user);
        this.sorted = undefined;
      }
    }
  }

  private recordOf(user: ObservedUser, purpose: string, deleted: boolean): UserRecord {
    const id = user.id.toLowerCase();
    const states = user.licenseAssignmentStates.length > 0 || user.assignedLicenses.length === 0 ? user.licenseAssignmentStates : user.assignedLicenses.map(directState);
    return {
      id,
      userPrincipalName: deleted ? deletedUserPrincipalName(id, originalUserPrincipalName(id, user.userPrincipalName)) : user.userPrincipalName,
      displayName: user.displayName,
      accountEnabled: user.accountEnabled,
      usageLocation: user.usageLocation,
      mail: user.mail,
      proxyAddresses: [...user.proxyAddresses],
      onPremisesSyncEnabled: user.onPremisesSyncEnabled,
      states: states.map((s) => ({ ...s, skuId: s.skuId.toLowerCase(), disabledPlans: s.disabledPlans.map((p) => p.toLowerCase()) })),
      plans: [...user.assignedPlans],
      purpose,
      deletedDateTime: deleted ? (user.deletedDateTime ?? this.now) : null,
      createdDateTime: user.createdDateTime ?? null,
      view: undefined,
    };
  }

  // ---- reading ---------------------------------------------------------------------------

  findActive(idOrUpn: string): UserRecord | undefined {
    const key = idOrUpn.toLowerCase();
    return this.active.get(key) ?? this.activeByUpn.get(key);
  }

  findDeleted(id: string): UserRecord | undefined {
    return this.deleted.get(id.toLowerCase());
  }

  isUpnTaken(upn: string): boolean {
    return this.activeByUpn.has(upn.toLowerCase());
  }

  /** Address keys of `user` that another object reserves: active ones only, or deleted ones too. */
  reservedBy(keys: readonly string[], exceptId: string, options: { activeOnly: boolean }): string[] {
    return keys.filter((key) => [...(this.addressOwners.get(key) ?? [])].some((owner) => owner !== exceptId && (!options.activeOnly || this.active.has(owner))));
  }

  consumedUnits(skuId: string): number {
    return this.consumed.get(skuId) ?? 0;
  }

  licensesOf(user: UserRecord): ObservedLicense[] {
    return effectiveLicenses(user.states);
  }

  /** Users and deleted users ordered by id (Graph's paging order in the emulator), as frozen views. */
  snapshot(): { active: ObservedUser[]; deleted: ObservedUser[] } {
    this.sorted ??= {
      active: [...this.active.values()].sort(byId).map((u) => this.viewOf(u)),
      deleted: [...this.deleted.values()].sort(byId).map((u) => this.viewOf(u)),
    };
    return { active: [...this.sorted.active], deleted: [...this.sorted.deleted] };
  }

  private viewOf(user: UserRecord): ObservedUser {
    user.view ??= Object.freeze({
      id: user.id,
      userPrincipalName: user.userPrincipalName,
      displayName: user.displayName,
      accountEnabled: user.accountEnabled,
      usageLocation: user.usageLocation,
      mail: user.mail,
      proxyAddresses: Object.freeze([...user.proxyAddresses]),
      onPremisesSyncEnabled: user.onPremisesSyncEnabled,
      assignedLicenses: Object.freeze(this.licensesOf(user)),
      licenseAssignmentStates: Object.freeze([...user.states]),
      // As the Graph adapter reads it: only the Exchange mailbox plans' entries (src/domain/observed.ts).
      assignedPlans: Object.freeze(user.plans.filter((p) => isExchangeMailboxPlan(p.servicePlanId))),
      deletedDateTime: user.deletedDateTime,
      createdDateTime: user.createdDateTime,
    });
    return user.view;
  }

  skuViews(): ObservedSku[] {
    return [...this.skus.values()].map((sku) => ({ ...sku, consumedUnits: this.consumedUnits(sku.skuId) }));
  }

  // ---- writing (no checks) ---------------------------------------------------------------

  add(user: UserRecord): void {
    (user.deletedDateTime === null ? this.active : this.deleted).set(user.id, user);
    if (user.deletedDateTime === null) this.activeByUpn.set(user.userPrincipalName.toLowerCase(), user);
    this.reserveAddresses(user);
    this.changed(user);
  }

  update(user: UserRecord, change: Partial<Pick<UserRecord, 'accountEnabled' | 'usageLocation'>>): void {
    Object.assign(user, change);
    this.changed(user);
  }

  /** Back from the deleted items under `upn`, minus `droppedAddresses`; its licenses consume seats again. */
  restore(user: UserRecord, upn: string, droppedAddresses: readonly string[]): void {
    if (droppedAddresses.length > 0) {
      this.releaseAddresses(user);
      user.proxyAddresses = user.proxyAddresses.filter((a) => !droppedAddresses.includes(addressKey(a)));
      if (user.mail !== null && droppedAddresses.includes(addressKey(user.mail))) user.mail = null;
      this.reserveAddresses(user);
    }
    this.deleted.delete(user.id);
    user.userPrincipalName = upn;
    user.deletedDateTime = null;
    this.active.set(user.id, user);
    this.activeByUpn.set(upn.toLowerCase(), user);
    this.countSeats(user, +1);
    this.changed(user);
  }

  /** New assignment states; seats and assignedPlans follow (docs/graph-behaviour.md §6, §8). */
  setLicenseStates(user: UserRecord, states: readonly ObservedLicenseState[]): void {
    this.countSeats(user, -1);
    user.states = states;
    this.countSeats(user, +1);
    user.plans = nextAssignedPlans(user.plans, enabledPlans(this.licensesOf(user), this.skus, this.planServices), this.now);
    this.provisionMailAddress(user);
    this.changed(user);
  }

  /** Exchange gives a newly licensed user without mail its UPN as primary address (as the emulator does). */
  private provisionMailAddress(user: UserRecord): void {
    if (user.mail !== null || !user.plans.some((p) => p.service === 'exchange' && p.capabilityStatus === 'Enabled')) return;
    if ((this.addressOwners.get(addressKey(user.userPrincipalName))?.size ?? 0) > 0) return;
    user.mail = user.userPrincipalName;
    user.proxyAddresses = [`SMTP:${user.userPrincipalName}`, ...user.proxyAddresses];
    this.reserveAddresses(user);
  }

  /** Seats are consumed by active users only (docs/graph-behaviour.md §2). */
  private countSeats(user: UserRecord, sign: 1 | -1): void {
    if (user.deletedDateTime !== null) return;
    for (const { skuId } of this.licensesOf(user)) this.consumed.set(skuId, this.consumedUnits(skuId) + sign);
  }

  private reserveAddresses(user: UserRecord): void {
    for (const key of addressesOf(user)) {
      const owners = this.addressOwners.get(key) ?? new Set<string>();
      owners.add(user.id);
      this.addressOwners.set(key, owners);
    }
  }

  private releaseAddresses(user: UserRecord): void {
    for (const key of addressesOf(user)) {
      const owners = this.addressOwners.get(key);
      owners?.delete(user.id);
      if (owners?.size === 0) this.addressOwners.delete(key);
    }
  }

  private changed(user: UserRecord): void {
    user.view = undefined;
    this.sorted = undefined;
  }
}

function byId(a: UserRecord, b: UserRecord): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
