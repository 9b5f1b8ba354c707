import type { AttributeName, AttributeValue } from '../../domain/attributes.ts';
import { ChangeJournal } from '../../domain/change-journal.ts';
import { isExchangeMailboxPlan } from '../../domain/exchange-plans.ts';
import type { ObservedGroup, ObservedLicense, ObservedLicenseState, ObservedPlan, ObservedSku, ObservedUser } from '../../domain/observed.ts';
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
  /** Display names of license-assigning groups (also those of `groups` that assign licenses). */
  readonly groupNames?: ReadonlyMap<string, string>;
  /**
   * Groups with their licenses and members. Members' license states are taken as the users give them
   * (a seed's are derived already); later membership changes process the group's licenses.
   */
  readonly groups?: readonly ObservedGroup[];
  /** Pairs of service plan ids one user cannot hold together (a group's license then fails: MutuallyExclusiveViolation). */
  readonly mutuallyExclusive?: readonly (readonly [string, string])[];
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
  /** The declared attributes other than displayName that are set (an absent key is unset). */
  attributes: Partial<Record<AttributeName, AttributeValue>>;
  /** The manager's object id, or null. */
  managerId: string | null;
  /** The frozen view readers get; rebuilt after a change. */
  view: ObservedUser | undefined;
}

const RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export interface GroupRecord {
  readonly id: string;
  readonly displayName: string;
  readonly assignedLicenses: readonly ObservedLicense[];
  readonly members: Set<string>;
}

export class MemoryStore {
  readonly tenantId: string;
  readonly domains: readonly string[];
  readonly skus = new Map<string, ObservedSku>();
  readonly groupNames: ReadonlyMap<string, string>;
  readonly groups = new Map<string, GroupRecord>();
  readonly mutuallyExclusive: readonly (readonly [string, string])[];
  readonly grantedRoles: readonly string[];
  private readonly planServices: PlanServices | undefined;
  private readonly consumed = new Map<string, number>();
  private readonly active = new Map<string, UserRecord>();
  private readonly deleted = new Map<string, UserRecord>();
  private readonly activeByUpn = new Map<string, UserRecord>();
  /** Address key → ids of users, active or deleted, that reserve it (docs/graph-behaviour.md §5). */
  private readonly addressOwners = new Map<string, Set<string>>();
  /** Every change to a user, for the delta reader (delta.ts), stamped with the directory clock. */
  readonly journal = new ChangeJournal();
  private nowMs: number;
  private sorted: { active: ObservedUser[]; deleted: ObservedUser[] } | undefined;

  constructor(input: MemoryTenantInput) {
    this.tenantId = input.tenantId.toLowerCase();
    this.domains = input.domains;
    this.nowMs = Date.parse(input.now);
    if (Number.isNaN(this.nowMs)) throw new Error(`MemoryTenantInput.now is not an ISO 8601 time: ${input.now}`);
    for (const group of input.groups ?? []) {
      const id = group.id.toLowerCase();
      this.groups.set(id, { id, displayName: group.displayName, assignedLicenses: group.assignedLicenses.map(lowerLicense), members: new Set(group.memberIds.map((m) => m.toLowerCase())) });
    }
    this.groupNames = new Map([...(input.groupNames ?? []), ...[...this.groups.values()].filter((g) => g.assignedLicenses.length > 0).map((g) => [g.id, g.displayName] as const)]);
    this.grantedRoles = [...(input.grantedRoles ?? [])];
    this.planServices = input.planServices;
    this.mutuallyExclusive = (input.mutuallyExclusive ?? []).map(([a, b]) => [a.toLowerCase(), b.toLowerCase()] as const);
    for (const sku of input.skus) {
      this.skus.set(sku.skuId.toLowerCase(), sku);
      this.consumed.set(sku.skuId.toLowerCase(), sku.consumedUnits);
    }
    for (const [list, deleted] of [[input.users, false], [input.deletedUsers, true]] as const) {
      for (const user of list) this.add(this.recordOf(user, input.mailboxPurposes?.get(user.id.toLowerCase()) ?? 'user', deleted));
    }
    this.purgeExpired();
    // The input is the starting point, not a history: delta tokens start after it.
    this.journal.forgetAll();
  }

  get currentMs(): number {
    return this.nowMs;
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
      if (user.deletedDateTime !== null && Date.parse(user.deletedDateTime) + RETENTION_MS < this.nowMs) this.purge(user);
    }
  }

  /** Deletes a soft-deleted user for good (`DELETE /directory/deletedItems/{id}`, or 30 days after its deletion). */
  purge(user: UserRecord): void {
    this.deleted.delete(user.id);
    this.releaseAddresses(user);
    for (const group of this.groups.values()) group.members.delete(user.id);
    // A purged user is gone for good: references to it as manager go with it.
    for (const other of [...this.active.values(), ...this.deleted.values()]) {
      if (other.managerId === user.id) this.update(other, { managerId: null });
    }
    this.sorted = undefined;
    this.journal.record(user.id, 'purged', this.nowMs);
  }

  /** `DELETE /users/{id}`: to the deleted items, UPN prefixed, licenses and addresses kept, seats freed (docs/graph-behaviour.md §3). */
  softDelete(user: UserRecord): void {
    this.countSeats(user, -1);
    this.active.delete(user.id);
    this.activeByUpn.delete(user.userPrincipalName.toLowerCase());
    user.userPrincipalName = deletedUserPrincipalName(user.id, user.userPrincipalName);
    user.deletedDateTime = this.now;
    this.deleted.set(user.id, user);
    this.changed(user);
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
      attributes: Object.fromEntries(Object.entries(user.attributes ?? {}).filter(([name, value]) => name !== 'displayName' && value !== null && value !== undefined)),
      managerId: user.managerId?.toLowerCase() ?? null,
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

  /** A user's attributes as a reader that asked for `names` sees them: each named one, null (businessPhones: []) when unset. */
  attributesOf(id: string, names: readonly AttributeName[]): Partial<Record<AttributeName, AttributeValue>> {
    const user = this.active.get(id) ?? this.deleted.get(id);
    return Object.fromEntries(names.map((name) => {
      const value = user?.attributes[name] ?? (name === 'businessPhones' ? [] : null);
      return [name, Array.isArray(value) ? Object.freeze([...(value as readonly string[])]) : value];
    }));
  }

  /** The manager a reader sees: the referenced user while it is active (a soft-deleted manager's reference is kept, not shown). */
  managerIdOf(id: string): string | null {
    const managerId = (this.active.get(id) ?? this.deleted.get(id))?.managerId ?? null;
    return managerId !== null && this.active.has(managerId) ? managerId : null;
  }

  /** Groups ordered by id. */
  sortedGroups(): GroupRecord[] {
    return [...this.groups.values()].sort(byId);
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

  update(user: UserRecord, change: Partial<Pick<UserRecord, 'accountEnabled' | 'usageLocation' | 'displayName' | 'managerId'>>): void {
    Object.assign(user, change);
    this.changed(user);
  }

  /** Sets attributes (null unsets one); displayName is the record's own. */
  setAttributes(user: UserRecord, attributes: Readonly<Partial<Record<AttributeName, AttributeValue>>>): void {
    const next = new Map(Object.entries(user.attributes) as [AttributeName, AttributeValue][]);
    for (const [name, value] of Object.entries(attributes) as [AttributeName, AttributeValue | undefined][]) {
      if (value === undefined) continue;
      if (name === 'displayName') user.displayName = value as string;
      else if (value === null || (Array.isArray(value) && value.length === 0)) next.delete(name);
      else next.set(name, Array.isArray(value) ? [...(value as readonly string[])] : value);
    }
    user.attributes = Object.fromEntries(next);
    this.changed(user);
  }

  /**
   * A new member gets the group's licenses as group-based licensing assigns them (the emulator's rules,
   * docs/graph-behaviour.md §19): a SKU the member does not hold needs a free seat (else CountViolation),
   * and none may enable a plan mutually exclusive with one the member holds (else MutuallyExclusiveViolation).
   * One license that cannot be assigned puts all of the group's in error, and then none takes a seat.
   */
  addMember(group: GroupRecord, user: UserRecord): void {
    group.members.add(user.id);
    const held = this.licensesOf(user);
    const heldPlans = enabledPlans(held, this.skus, this.planServices);
    const errors = group.assignedLicenses.map((license) => {
      const sku = this.skus.get(license.skuId);
      const seat = held.some((l) => l.skuId === license.skuId) || (sku !== undefined && this.consumedUnits(license.skuId) < sku.enabledUnits);
      if (!seat) return 'CountViolation';
      const plans = enabledPlans([license], this.skus, this.planServices);
      return this.mutuallyExclusive.some(([a, b]) => (plans.has(a) && heldPlans.has(b)) || (plans.has(b) && heldPlans.has(a))) ? 'MutuallyExclusiveViolation' : 'None';
    });
    const blocking = errors.find((e) => e !== 'None');
    const states = group.assignedLicenses.map((license, index): ObservedLicenseState => {
      if (blocking === undefined) return { ...directState(license), assignedByGroup: group.id };
      const own = errors[index] ?? 'None';
      return { skuId: license.skuId, disabledPlans: [...license.disabledPlans], assignedByGroup: group.id, state: 'Error', error: own === 'None' ? blocking : own };
    });
    // As the emulator: a group's license gives no mail address of its own (only assignLicense provisions one).
    this.setLicenseStates(user, [...user.states.filter((s) => s.assignedByGroup !== group.id), ...states], { provisionMail: false });
  }

  /** A member leaves: the group's license assignments go, and the seats they took are free. */
  removeMember(group: GroupRecord, user: UserRecord): void {
    group.members.delete(user.id);
    this.setLicenseStates(user, user.states.filter((s) => s.assignedByGroup !== group.id), { provisionMail: false });
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
  setLicenseStates(user: UserRecord, states: readonly ObservedLicenseState[], options: { provisionMail: boolean } = { provisionMail: true }): void {
    this.countSeats(user, -1);
    user.states = states;
    this.countSeats(user, +1);
    user.plans = nextAssignedPlans(user.plans, enabledPlans(this.licensesOf(user), this.skus, this.planServices), this.now);
    if (options.provisionMail) this.provisionMailAddress(user);
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
    this.journal.record(user.id, user.deletedDateTime === null ? 'changed' : 'soft-deleted', this.nowMs);
  }
}

function lowerLicense(license: ObservedLicense): ObservedLicense {
  return { skuId: license.skuId.toLowerCase(), disabledPlans: license.disabledPlans.map((p) => p.toLowerCase()) };
}

function byId(a: { readonly id: string }, b: { readonly id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
