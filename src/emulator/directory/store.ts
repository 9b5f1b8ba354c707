import { randomUUID } from 'node:crypto';
import { ChangeJournal } from '../../domain/change-journal.ts';
import { AddressBook, nicknameAddressKeys, proxyAddressKey, reservedAddressKeys, smtpAddressKey, userPrincipalNameKey } from './addresses.ts';
import { badRequest, objectConflict, resourceNotFound } from './errors.ts';
import type { LicenseChange } from './license-change.ts';
import { checkLicenseChange } from './license-change.ts';
import { directState, effectiveLicenses, enabledPlans, groupLicenseStates, nextAssignedPlans } from './licensing.ts';
import type { AssignedLicense, LicenseAssignmentState, SeedApp, SeedSku } from './model.ts';
import type { ProfileChanges } from './profile.ts';
import { PROFILE_STRINGS } from './profile.ts';
import { DAY_MS, SOFT_DELETE_RETENTION_DAYS } from './model.ts';
import type { NewUser, UserRecord } from './user-record.ts';
import { deletedUserPrincipalName } from './user-record.ts';

export interface GroupRecord {
  readonly id: string;
  readonly displayName: string;
  readonly assignedLicenses: readonly AssignedLicense[];
  readonly members: Set<string>;
}

const UPN_CHARACTERS = /^[A-Za-z0-9'._!#^~-]+@[A-Za-z0-9.-]+$/u;

/**
 * The emulated tenant: users (active and soft-deleted), subscribed SKUs with their seat counts,
 * license-assigning groups and apps, at the directory clock's `now`. Every operation checks
 * what Graph checks and either changes the state completely or throws a GraphError and changes
 * nothing.
 */
export class TenantStore {
  readonly tenantId: string;
  readonly domains: readonly string[];
  readonly organizationName: string;
  readonly apps: readonly SeedApp[];
  readonly skus = new Map<string, SeedSku>();
  readonly groups = new Map<string, GroupRecord>();
  private currentMs: number;
  private readonly active = new Map<string, UserRecord>();
  private readonly deleted = new Map<string, UserRecord>();
  private readonly activeByUpn = new Map<string, UserRecord>();
  /** Address key (addresses.ts) → ids of users (active or deleted) that reserve it. */
  private readonly addresses = new AddressBook();
  private readonly consumed = new Map<string, number>();
  private sortedActive: UserRecord[] | undefined;
  private sortedDeleted: UserRecord[] | undefined;

  /** Service plan pairs one user cannot hold together (the seed's `mutuallyExclusive`). */
  readonly mutuallyExclusive: readonly (readonly [string, string])[];
  /** Every change to a user, for `GET /users/delta` (graph-api/routes-delta.ts), stamped with the directory clock. */
  readonly journal = new ChangeJournal();

  constructor(options: { tenantId: string; domains: readonly string[]; organizationName: string; apps: readonly SeedApp[]; now: string; skus: readonly SeedSku[]; mutuallyExclusive?: readonly (readonly [string, string])[] }) {
    this.tenantId = options.tenantId;
    this.mutuallyExclusive = options.mutuallyExclusive ?? [];
    this.domains = options.domains;
    this.organizationName = options.organizationName;
    this.apps = options.apps;
    this.currentMs = Date.parse(options.now);
    for (const sku of options.skus) {
      this.skus.set(sku.skuId, sku);
      this.consumed.set(sku.skuId, 0);
    }
  }

  private nowText: string | undefined;

  get nowMs(): number {
    return this.currentMs;
  }

  get now(): string {
    this.nowText ??= new Date(this.currentMs).toISOString().replace('.000Z', 'Z');
    return this.nowText;
  }

  /** The directory clock as HTTP's `Date` header writes it (RFC 7231 IMF-fixdate, e.g. `Sun, 22 Nov 2026 00:00:00 GMT`). */
  httpDate(): string {
    return new Date(this.currentMs).toUTCString();
  }

  // ---- reading -------------------------------------------------------------------------------

  /** Active users ordered by id (the order paging walks). */
  activeUsers(): readonly UserRecord[] {
    this.sortedActive ??= [...this.active.values()].sort(byId);
    return this.sortedActive;
  }

  deletedUsers(): readonly UserRecord[] {
    this.sortedDeleted ??= [...this.deleted.values()].sort(byId);
    return this.sortedDeleted;
  }

  /** An active user by id or UPN (case-insensitive), as `/users/{id | userPrincipalName}` finds it. */
  findActive(idOrUpn: string): UserRecord | undefined {
    return this.active.get(idOrUpn.toLowerCase()) ?? this.activeByUpn.get(userPrincipalNameKey(idOrUpn));
  }

  requireActive(idOrUpn: string): UserRecord {
    const user = this.findActive(idOrUpn);
    if (!user) throw resourceNotFound(idOrUpn);
    return user;
  }

  findDeleted(id: string): UserRecord | undefined {
    return this.deleted.get(id.toLowerCase());
  }

  consumedUnits(skuId: string): number {
    return this.consumed.get(skuId) ?? 0;
  }

  assignedLicenses(user: UserRecord): AssignedLicense[] {
    return effectiveLicenses(user.licenseAssignmentStates);
  }

  // ---- the clock -----------------------------------------------------------------------------

  /** Moves the directory clock (only forwards in practice) and purges what it expires. */
  setNow(iso: string): { purged: string[] } {
    const nowMs = Date.parse(iso);
    if (Number.isNaN(nowMs)) throw new Error(`not an ISO 8601 time: ${iso}`);
    this.currentMs = nowMs;
    this.nowText = undefined;
    return { purged: this.purgeExpired() };
  }

  /** Deleted users whose 30 days are over are purged for good (docs/graph-behaviour.md §2). */
  purgeExpired(): string[] {
    const purged: string[] = [];
    for (const user of this.deleted.values()) {
      if (user.deletedDateTime && Date.parse(user.deletedDateTime) + SOFT_DELETE_RETENTION_DAYS * DAY_MS < this.currentMs) purged.push(user.id);
    }
    for (const id of purged) this.purge(id);
    return purged;
  }

  // ---- writing -------------------------------------------------------------------------------

  /** Adds a user as the seed or `POST /users` gives it; conflicts as Graph reports them (docs/graph-behaviour.md §5). */
  createUser(input: NewUser, options: { deletedDateTime?: string; seeding?: boolean } = {}): UserRecord {
    const id = (input.id ?? randomUUID()).toLowerCase();
    const deleted = options.deletedDateTime !== undefined;
    if (this.active.has(id) || this.deleted.has(id)) throw badRequest(`Another object with the same value for property id already exists.`, [{ code: 'ObjectConflict', message: 'Another object with the same value for property id already exists.', target: 'id' }]);
    this.checkUserPrincipalName(input.userPrincipalName, { forDeleted: deleted });
    const user: UserRecord = {
      id,
      userPrincipalName: deleted ? deletedUserPrincipalName(id, input.userPrincipalName) : input.userPrincipalName,
      originalUserPrincipalName: input.userPrincipalName,
      displayName: input.displayName,
      givenName: null,
      surname: null,
      jobTitle: null,
      department: null,
      companyName: null,
      officeLocation: null,
      employeeId: null,
      employeeType: null,
      city: null,
      country: null,
      mobilePhone: null,
      ...Object.fromEntries(PROFILE_STRINGS.map((name) => [name, input[name] ?? null])),
      businessPhones: [...(input.businessPhones ?? [])],
      managerId: null,
      mail: input.mail ?? null,
      mailNickname: input.mailNickname,
      usageLocation: input.usageLocation ?? null,
      proxyAddresses: [...(input.proxyAddresses ?? [])],
      accountEnabled: input.accountEnabled,
      onPremisesSyncEnabled: input.onPremisesSyncEnabled ?? null,
      userType: input.userType ?? 'Member',
      createdDateTime: input.createdDateTime ?? this.now,
      licenseAssignmentStates: [],
      assignedPlans: [],
      purpose: input.purpose ?? 'user',
      deletedDateTime: options.deletedDateTime ?? null,
      forceChangePasswordNextSignIn: input.forceChangePasswordNextSignIn ?? false,
    };
    // A soft-deleted user keeps its addresses reserved (docs/graph-behaviour.md §5): the new user's own
    // addresses and mailNickname@domain must be free. The UPN is checked against active users
    // only (a new hire may take a deleted user's UPN: that is what makes restores conflict).
    // A seed may hold the conflicts that restores must resolve; only Graph callers are checked.
    if (!options.seeding) {
      const wanted = [...reservedAddressKeys(user), ...nicknameAddressKeys(user.mailNickname, this.domains)];
      if (wanted.some((key) => this.addresses.isTaken(key))) throw objectConflict('proxyAddresses');
    }
    (deleted ? this.deleted : this.active).set(id, user);
    if (!deleted) this.activeByUpn.set(userPrincipalNameKey(user.userPrincipalName), user);
    this.addresses.reserve(user);
    this.invalidateOrder();
    this.journal.record(id, deleted ? 'soft-deleted' : 'changed', this.currentMs);
    return user;
  }

  /** The UPN rules of create and restore: allowed characters, a verified domain, not taken. */
  checkUserPrincipalName(upn: string, options: { forDeleted?: boolean } = {}): void {
    const at = upn.lastIndexOf('@');
    if (!UPN_CHARACTERS.test(upn) || at <= 0) {
      throw badRequest('Property userPrincipalName is invalid.', [{ code: 'InvalidCharacter', message: 'Property userPrincipalName is invalid.', target: 'userPrincipalName' }]);
    }
    const domain = upn.slice(at + 1).toLowerCase();
    if (!this.domains.some((d) => d.toLowerCase() === domain)) {
      const message = 'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.';
      throw badRequest(message, [{ code: 'InvalidValue', message, target: 'userPrincipalName' }]);
    }
    // Only active users hold a UPN: a deleted one's carries the id prefix (§5).
    if (!options.forDeleted && this.activeByUpn.has(userPrincipalNameKey(upn))) throw objectConflict('userPrincipalName');
  }

  /** `PATCH /users/{id}` after its body was checked: the changes land together. */
  updateUser(user: UserRecord, changes: ProfileChanges & { accountEnabled?: boolean; usageLocation?: string | null }): void {
    Object.assign(user, changes);
    this.journal.record(user.id, 'changed', this.currentMs);
  }

  // ---- the manager (docs/graph-behaviour.md §18) ---------------------------------------------

  /**
   * The manager Graph shows: the referenced user while it is active. A reference to a soft-deleted
   * manager is kept (restoring the manager brings it back) but not shown.
   */
  managerOf(user: UserRecord): UserRecord | undefined {
    return user.managerId === null ? undefined : this.active.get(user.managerId);
  }

  /** `PUT /users/{id}/manager/$ref`: the manager must be another active user. */
  setManager(user: UserRecord, managerId: string): void {
    const manager = this.active.get(managerId.toLowerCase());
    if (!manager) throw resourceNotFound(managerId);
    if (manager.id === user.id) throw badRequest('A user cannot be its own manager.', [{ code: 'InvalidValue', message: 'A user cannot be its own manager.', target: 'manager' }]);
    user.managerId = manager.id;
    this.journal.record(user.id, 'changed', this.currentMs);
  }

  /** `DELETE /users/{id}/manager/$ref`: 404 as Graph answers when there is no reference. */
  removeManager(user: UserRecord): void {
    if (user.managerId === null) throw resourceNotFound('manager');
    user.managerId = null;
    this.journal.record(user.id, 'changed', this.currentMs);
  }

  // ---- group membership (docs/graph-behaviour.md §19) ----------------------------------------

  requireGroup(id: string): GroupRecord {
    const group = this.groups.get(id.toLowerCase());
    if (!group) throw resourceNotFound(id);
    return group;
  }

  /**
   * `POST /groups/{id}/members/$ref`: an active user joins, and the group's licenses are processed
   * for it at once (Entra does it in the background; the emulator has no background).
   */
  addGroupMember(group: GroupRecord, userId: string): void {
    const user = this.active.get(userId.toLowerCase());
    if (!user) throw resourceNotFound(userId);
    if (group.members.has(user.id)) throw badRequest("One or more added object references already exist for the following modified properties: 'members'.");
    group.members.add(user.id);
    this.applyGroupLicenses(user, group);
  }

  /**
   * `DELETE /groups/{id}/members/{userId}/$ref`: the group's license states go, freeing their seats. A
   * member waiting in CountViolation elsewhere is not reprocessed (Entra reprocesses on its own schedule).
   */
  removeGroupMember(group: GroupRecord, userId: string): void {
    const user = this.active.get(userId.toLowerCase());
    if (!user || !group.members.has(user.id)) throw resourceNotFound(userId);
    group.members.delete(user.id);
    this.setLicenseStates(user, user.licenseAssignmentStates.filter((s) => s.assignedByGroup !== group.id));
  }

  /** `DELETE /users/{id}`: to the deleted items, UPN prefixed, licenses and addresses kept, seats freed (§3). */
  softDelete(user: UserRecord): void {
    this.countSeats(user, -1);
    this.active.delete(user.id);
    this.activeByUpn.delete(userPrincipalNameKey(user.userPrincipalName));
    user.originalUserPrincipalName = user.userPrincipalName;
    user.userPrincipalName = deletedUserPrincipalName(user.id, user.userPrincipalName);
    user.deletedDateTime = this.now;
    this.deleted.set(user.id, user);
    this.invalidateOrder();
    this.journal.record(user.id, 'soft-deleted', this.currentMs);
  }

  /** Permanently removes a deleted user: its seats and addresses are freed. */
  purge(id: string): void {
    const user = this.deleted.get(id);
    if (!user) throw resourceNotFound(id);
    this.deleted.delete(id);
    this.setLicenseStates(user, []);
    this.addresses.release(user);
    for (const group of this.groups.values()) group.members.delete(id);
    // A purged user is gone for good: references to it as manager go with it.
    for (const other of [...this.active.values(), ...this.deleted.values()]) {
      if (other.managerId !== id) continue;
      other.managerId = null;
      this.journal.record(other.id, 'changed', this.currentMs);
    }
    this.invalidateOrder();
    this.journal.record(id, 'purged', this.currentMs);
  }

  /**
   * `POST /directory/deletedItems/{id}/restore` (docs/graph-behaviour.md §2): a UPN conflict is checked
   * first and not fixed by autoReconcileProxyConflict; proxy conflicts fail unless reconciled;
   * licenses come back even past the seat count.
   */
  restore(id: string, options: { newUserPrincipalName?: string; autoReconcileProxyConflict?: boolean }): UserRecord {
    const user = this.deleted.get(id.toLowerCase());
    if (!user) throw resourceNotFound(id);
    const upn = options.newUserPrincipalName ?? user.originalUserPrincipalName;
    this.checkUserPrincipalName(upn);
    const conflicting = reservedAddressKeys(user).filter((key) => [...this.addresses.ownersOf(key)].some((owner) => owner !== user.id && this.active.has(owner)));
    if (conflicting.length > 0 && options.autoReconcileProxyConflict !== true) throw objectConflict('proxyAddresses');
    if (conflicting.length > 0) {
      this.addresses.release(user);
      user.proxyAddresses = user.proxyAddresses.filter((address) => !conflicting.includes(proxyAddressKey(address)));
      if (user.mail !== null && conflicting.includes(smtpAddressKey(user.mail))) user.mail = null;
      this.addresses.reserve(user);
    }
    this.deleted.delete(user.id);
    user.userPrincipalName = upn;
    user.originalUserPrincipalName = upn;
    user.deletedDateTime = null;
    this.countSeats(user, +1);
    this.active.set(user.id, user);
    this.activeByUpn.set(userPrincipalNameKey(upn), user);
    this.invalidateOrder();
    this.journal.record(user.id, 'changed', this.currentMs);
    return user;
  }

  /**
   * `assignLicense` after its body was parsed (docs/graph-behaviour.md §6, emulator contract on order):
   * known SKUs and plans, a usage location, free seats for newly added SKUs, no removal of a
   * group-inherited license. Atomic.
   */
  assignLicense(user: UserRecord, change: LicenseChange): void {
    checkLicenseChange(user, change, { skus: this.skus, consumedUnits: (skuId) => this.consumedUnits(skuId), held: this.assignedLicenses(user) });
    const now = this.now;
    const kept = user.licenseAssignmentStates.filter(
      (s) => s.assignedByGroup !== null || (!change.removeLicenses.includes(s.skuId) && !change.addLicenses.some((l) => l.skuId === s.skuId)),
    );
    this.setLicenseStates(user, [...kept, ...change.addLicenses.map((l) => directState(l, now))]);
    this.provisionMailAddress(user);
  }

  /**
   * Processes a group's licenses for a member as group-based licensing does (licensing.ts groupLicenseStates).
   */
  applyGroupLicenses(user: UserRecord, group: GroupRecord): void {
    const states = groupLicenseStates(group, this.assignedLicenses(user), { skus: this.skus, consumedUnits: (skuId) => this.consumedUnits(skuId), mutuallyExclusive: this.mutuallyExclusive }, this.now);
    this.setLicenseStates(user, [...user.licenseAssignmentStates.filter((s) => s.assignedByGroup !== group.id), ...states]);
  }

  /** Replaces a user's assignment states, keeping seat counts and assignedPlans in step. */
  setLicenseStates(user: UserRecord, states: LicenseAssignmentState[]): void {
    this.countSeats(user, -1);
    user.licenseAssignmentStates = states;
    this.countSeats(user, +1);
    user.assignedPlans = nextAssignedPlans(user.assignedPlans, enabledPlans(this.assignedLicenses(user), this.skus), this.now);
    this.journal.record(user.id, 'changed', this.currentMs);
  }

  /**
   * Seats are consumed by active users only. A soft-deleted user keeps its licenses, and they come
   * back on restore even past the seat count, which is why a restore increments consumedUnits
   * (docs/graph-behaviour.md §2, §3; https://learn.microsoft.com/entra/fundamentals/users-restore).
   */
  private countSeats(user: UserRecord, sign: 1 | -1): void {
    if (user.deletedDateTime !== null) return;
    for (const { skuId } of this.assignedLicenses(user)) this.consumed.set(skuId, this.consumedUnits(skuId) + sign);
  }

  /** Exchange gives a newly licensed user without mail its UPN as primary address. */
  private provisionMailAddress(user: UserRecord): void {
    if (user.mail !== null || !user.assignedPlans.some((p) => p.service === 'exchange' && p.capabilityStatus === 'Enabled')) return;
    const key = smtpAddressKey(user.userPrincipalName);
    if (this.addresses.isTaken(key)) return;
    user.mail = user.userPrincipalName;
    user.proxyAddresses = [`SMTP:${user.userPrincipalName}`, ...user.proxyAddresses];
    this.addresses.reserve(user);
  }

  private invalidateOrder(): void {
    this.sortedActive = undefined;
    this.sortedDeleted = undefined;
  }
}

function byId(a: UserRecord, b: UserRecord): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

