import { findGroups } from '../../domain/group-plan.ts';
import { holdsRemovedMailboxPlan } from '../../domain/exchange-plans.ts';
import { randomUUID } from 'node:crypto';
import { isIsoCountryCode } from '../../domain/countries.ts';
import { isGuid } from '../../domain/guid.ts';
import type { AttributeName, DeclaredAttributes } from '../../domain/attributes.ts';
import type { ObservedGroup, ObservedSku, ObservedUser, ObservedMailbox, ObservedTenant } from '../../domain/observed.ts';
import type { NewUserInput, ReadTenantRequest, ReadUsersResult, RestoreOptions, TenantDeltaReader, TenantReader, TenantWriter, UserDeltaRound, WriteReceipt } from '../port.ts';
import { MemoryDelta } from './delta.ts';
import { badRequest, invalidUserPrincipalName, invalidValue, notAGuid, objectConflict, resourceNotFound, unverifiedDomain } from './errors.ts';
import { addressKey, directState, hasMailbox, originalUserPrincipalName } from './licensing.ts';
import type { MemoryTenantInput, UserRecord } from './store.ts';
import { addressesOf } from '../../domain/tenant-index.ts';
import { MemoryStore } from './store.ts';

/**
 * The in-memory adapter of the tenant port, for fast engine tests: the emulator's semantics for
 * what the port exposes, checked in Graph's order, failing with the same port errors (`TenantError`:
 * kind, retryable, mayHaveTakenEffect, status, code, message) as the Graph adapter. Every write is
 * atomic: it checks everything, then changes the state, and answers with a fresh request id (a
 * random UUID, as its errors carry).
 */
const UPN_CHARACTERS = /^[A-Za-z0-9'._!#^~-]+@[A-Za-z0-9.-]+$/u;

export interface MemoryTenantOptions {
  /** Ids of created users; default random UUIDs. */
  readonly newId?: () => string;
}

export class MemoryTenant implements TenantReader, TenantWriter, TenantDeltaReader {
  private readonly store: MemoryStore;
  private readonly delta: MemoryDelta;
  private readonly newId: () => string;

  constructor(input: MemoryTenantInput, options: MemoryTenantOptions = {}) {
    this.store = new MemoryStore(input);
    this.delta = new MemoryDelta(this.store.journal, () => this.store.currentMs);
    this.newId = options.newId ?? randomUUID;
  }

  /** The directory clock (as `POST /_emulator/clock`): later writes are stamped with it; expired deleted users are purged. */
  setNow(iso: string): void {
    this.store.setNow(iso);
  }

  async readTenant(request: ReadTenantRequest): Promise<ObservedTenant> {
    const { active, deleted } = this.store.snapshot();
    const declared = new Set(request.mailboxUserPrincipalNames.map((u) => u.toLowerCase()));
    const mailboxes = new Map<string, ObservedMailbox>();
    for (const user of active) {
      if (!declared.has(user.userPrincipalName.toLowerCase())) continue;
      const record = this.store.findActive(user.id) as UserRecord;
      mailboxes.set(user.id, hasMailbox(record.purpose, record.plans) ? { kind: 'mailbox', userPurpose: record.purpose } : { kind: 'none' });
    }
    const fromGroups = [...active, ...deleted].some((u) => u.licenseAssignmentStates.some((s) => s.assignedByGroup !== null));
    const named = request.groups ?? [];
    const attributes = (request.attributes ?? []).filter((name) => name !== 'displayName');
    const withExtras = (user: ObservedUser): ObservedUser =>
      attributes.length === 0 && request.managers !== true
        ? user
        : Object.freeze({
          ...user,
          ...(attributes.length === 0 ? {} : { attributes: Object.freeze(this.store.attributesOf(user.id, attributes)) }),
          ...(request.managers === true ? { managerId: this.store.managerIdOf(user.id) } : {}),
        });
    // As the Graph adapter reads them (ReadTenantRequest.planHistory): by default only a user who holds a removed Exchange plan lists its plans.
    const withPlanHistory = (user: ObservedUser): ObservedUser =>
      request.planHistory === 'all' || user.assignedPlans.length === 0 || holdsRemovedMailboxPlan(user.assignedPlans)
        ? user
        : Object.freeze({ ...user, assignedPlans: Object.freeze([]) });
    return {
      tenantId: this.store.tenantId,
      users: active.map((user) => withExtras(withPlanHistory(user))),
      deletedUsers: deleted.map(withExtras),
      skus: this.store.skuViews(),
      mailboxes,
      groupNames: fromGroups || named.length > 0 ? new Map(this.store.groupNames) : new Map(),
      ...(named.length === 0 ? {} : { groups: this.namedGroups(named) }),
      readAt: this.store.now,
    };
  }

  /** The license-assigning groups named by id or display name (case-insensitively; every group of that name), ordered by id. */
  private namedGroups(named: readonly string[]): ObservedGroup[] {
    const licensing = this.store.sortedGroups().filter((g) => g.assignedLicenses.length > 0);
    const found = new Set(named.flatMap((reference) => findGroups(licensing, reference)));
    return licensing
      .filter((g) => found.has(g))
      // Graph lists a group's members that are active objects: a soft-deleted member is not among them.
      .map((g) => ({ id: g.id, displayName: g.displayName, assignedLicenses: g.assignedLicenses.map((l) => ({ skuId: l.skuId, disabledPlans: [...l.disabledPlans] })), memberIds: [...g.members].filter((id) => this.store.findActive(id) !== undefined).sort() }));
  }

  // ---- the users delta (delta.ts) ------------------------------------------------------------

  async startUserDelta(_request: ReadTenantRequest): Promise<UserDeltaRound> {
    return this.delta.start();
  }

  async readUserDelta(deltaLink: string): Promise<UserDeltaRound> {
    return this.delta.read(deltaLink);
  }

  /** The users with these ids exactly as readTenant reads them (the same request), and their declared mailboxes. */
  async readUsers(ids: readonly string[], request: ReadTenantRequest): Promise<ReadUsersResult> {
    const wanted = new Set(ids.map((id) => id.toLowerCase()));
    const tenant = await this.readTenant({ ...request, groups: [] });
    const users = tenant.users.filter((u) => wanted.has(u.id));
    return { users, deletedUsers: tenant.deletedUsers.filter((u) => wanted.has(u.id)), mailboxes: new Map([...tenant.mailboxes].filter(([id]) => wanted.has(id))) };
  }

  async readSkus(): Promise<readonly ObservedSku[]> {
    return this.store.skuViews();
  }

  /** Test hook, as `DELETE /users/{id}`: soft-deletes an active user (the port has no delete). */
  deleteUser(id: string): void {
    this.store.softDelete(this.requireActive(id));
  }

  /** Test hook, as `DELETE /directory/deletedItems/{id}`: deletes a soft-deleted user for good. */
  purgeUser(id: string): void {
    const user = this.store.findDeleted(id);
    if (!user) throw resourceNotFound(id);
    this.store.purge(user);
  }

  async readGrantedRoles(): Promise<readonly string[]> {
    return [...this.store.grantedRoles];
  }

  async readUser(principal: string): Promise<ObservedUser | undefined> {
    const { active } = this.store.snapshot();
    const key = principal.toLowerCase();
    return active.find((u) => u.id === key || u.userPrincipalName.toLowerCase() === key);
  }

  /** docs/graph-behaviour.md §2: a UPN conflict first (not fixed by autoReconcileProxyConflict), then proxy conflicts; licenses come back past the seat count. */
  async restoreDeletedUser(objectId: string, options: RestoreOptions): Promise<WriteReceipt> {
    const user = this.store.findDeleted(objectId);
    if (!user) throw resourceNotFound(objectId);
    const upn = options.newUserPrincipalName ?? originalUserPrincipalName(user.id, user.userPrincipalName);
    this.checkUserPrincipalName(upn);
    const conflicting = this.store.reservedBy(addressesOf(user), user.id, { activeOnly: true });
    if (conflicting.length > 0 && !options.autoReconcileProxyConflict) throw objectConflict('proxyAddresses');
    this.store.restore(user, upn, conflicting);
    return receipt();
  }

  /** docs/graph-behaviour.md §5: required properties, UPN rules, then addresses reserved by active or deleted users. */
  async createUser(input: NewUserInput): Promise<WriteReceipt & { readonly objectId: string }> {
    if (input.password === '') throw badRequest('A password must be specified to create a new user.');
    for (const [property, value] of [['displayName', input.displayName], ['mailNickname', input.mailNickname], ['userPrincipalName', input.userPrincipalName]] as const) {
      if (value === '') throw invalidValue(property);
    }
    if (input.mailNickname.length > 64) throw invalidValue('mailNickname');
    if (input.usageLocation !== undefined && !isIsoCountryCode(input.usageLocation)) throw invalidValue('usageLocation');
    this.checkUserPrincipalName(input.userPrincipalName);
    const wanted = this.store.domains.map((d) => addressKey(`${input.mailNickname}@${d}`));
    if (this.store.reservedBy(wanted, '', { activeOnly: false }).length > 0) throw objectConflict('proxyAddresses');
    const attributes = input.attributes ?? {};
    checkAttributes(attributes);
    const id = this.newId().toLowerCase();
    const user: UserRecord = {
      id, userPrincipalName: input.userPrincipalName, displayName: input.displayName, accountEnabled: input.accountEnabled,
      usageLocation: input.usageLocation ?? null, mail: null, proxyAddresses: [], onPremisesSyncEnabled: null,
      states: [], plans: [], purpose: 'user', deletedDateTime: null, createdDateTime: this.store.now, attributes: {}, managerId: null, view: undefined,
    };
    this.store.add(user);
    this.store.setAttributes(user, Object.fromEntries(Object.entries(attributes).filter(([name]) => name !== 'displayName')));
    return { objectId: id, ...receipt() };
  }

  async setUsageLocation(principal: string, usageLocation: string): Promise<WriteReceipt> {
    const user = this.requireActive(principal);
    if (!isIsoCountryCode(usageLocation)) throw invalidValue('usageLocation');
    this.store.update(user, { usageLocation });
    return receipt();
  }

  /**
   * docs/graph-behaviour.md §6, in the emulator contract's order: GUIDs; known SKUs; disabled plans of the SKU;
   * a usage location when adding; free seats for newly added SKUs; no removal of a group's license.
   */
  async assignLicenses(principal: string, add: readonly { readonly skuId: string; readonly disabledPlans: readonly string[] }[], remove: readonly string[]): Promise<WriteReceipt> {
    const user = this.requireActive(principal);
    const ids = [...add.flatMap((l) => [l.skuId, ...l.disabledPlans]), ...remove];
    if (ids.some((id) => !isGuid(id))) throw notAGuid();
    const adding = add.map((l) => ({ skuId: l.skuId.toLowerCase(), disabledPlans: l.disabledPlans.map((p) => p.toLowerCase()) }));
    const removing = remove.map((id) => id.toLowerCase());
    for (const skuId of [...adding.map((l) => l.skuId), ...removing]) {
      if (!this.store.skus.has(skuId)) throw badRequest(`License ${skuId} does not correspond to a valid company License.`);
    }
    for (const license of adding) {
      const plans = new Set(this.store.skus.get(license.skuId)?.servicePlans.map((p) => p.servicePlanId.toLowerCase()));
      const unknown = license.disabledPlans.find((plan) => !plans.has(plan));
      if (unknown !== undefined) throw badRequest(`Service plan ${unknown} is not part of license ${license.skuId}.`);
      if (removing.includes(license.skuId)) throw badRequest(`License ${license.skuId} cannot be added and removed in the same request.`);
    }
    if (adding.length > 0 && !user.usageLocation) throw badRequest('License assignment cannot be done for user with invalid usage location.');
    const held = new Set(this.store.licensesOf(user).map((l) => l.skuId));
    for (const license of adding) {
      const sku = this.store.skus.get(license.skuId);
      if (sku && !held.has(license.skuId) && this.store.consumedUnits(license.skuId) >= sku.enabledUnits) {
        throw badRequest(`Subscription with SKU ${license.skuId} does not have any available licenses.`);
      }
    }
    for (const skuId of removing) {
      const states = user.states.filter((s) => s.skuId === skuId);
      if (states.length > 0 && states.every((s) => s.assignedByGroup !== null)) {
        throw badRequest('User license is inherited from a group membership and it cannot be removed directly from the user.');
      }
    }
    const kept = user.states.filter((s) => s.assignedByGroup !== null || (!removing.includes(s.skuId) && !adding.some((l) => l.skuId === s.skuId)));
    this.store.setLicenseStates(user, [...kept, ...adding.map(directState)]);
    return receipt();
  }

  async setAccountEnabled(principal: string, enabled: boolean): Promise<WriteReceipt> {
    this.store.update(this.requireActive(principal), { accountEnabled: enabled });
    return receipt();
  }

  /** PATCH /users/{id}: exactly the given attributes, a null unsetting one; displayName cannot be unset. */
  async updateAttributes(principal: string, attributes: DeclaredAttributes): Promise<WriteReceipt> {
    if (Object.values(attributes).every((v) => v === undefined)) throw new RangeError(`updateAttributes(${principal}) was given no attribute to set.`);
    const user = this.requireActive(principal);
    checkAttributes(attributes);
    this.store.setAttributes(user, attributes);
    return receipt();
  }

  /** PUT or DELETE /users/{id}/manager/$ref: the manager must be an active user; removing none is done (Graph's 404 read as done). */
  async setManager(principal: string, managerId: string | null): Promise<WriteReceipt> {
    if (managerId === null) {
      const user = this.requireActive(principal);
      if (user.managerId !== null) this.store.update(user, { managerId: null });
      return receipt();
    }
    const user = this.requireActive(principal);
    const manager = this.store.findActive(managerId);
    if (!manager) throw resourceNotFound(managerId);
    if (manager.id === user.id) throw badRequest('A user cannot be its own manager.', [{ code: 'InvalidValue', message: 'A user cannot be its own manager.', target: 'manager' }]);
    this.store.update(user, { managerId: manager.id });
    return receipt();
  }

  /** POST /groups/{id}/members/$ref: the group's licenses are processed for the new member; a member already is done. */
  async addGroupMember(groupId: string, userId: string): Promise<WriteReceipt> {
    const group = this.store.groups.get(groupId.toLowerCase());
    if (!group) throw resourceNotFound(groupId);
    const user = this.store.findActive(userId);
    if (!user) throw resourceNotFound(userId);
    if (!group.members.has(user.id)) this.store.addMember(group, user);
    return receipt();
  }

  /** DELETE /groups/{id}/members/{userId}/$ref: the group's licenses go with the membership; not a member is done (Graph's 404). */
  async removeGroupMember(groupId: string, userId: string): Promise<WriteReceipt> {
    const group = this.store.groups.get(groupId.toLowerCase());
    if (!group) throw resourceNotFound(groupId);
    const user = this.store.findActive(userId);
    if (user && group.members.has(user.id)) this.store.removeMember(group, user);
    return receipt();
  }

  private requireActive(principal: string): UserRecord {
    const user = this.store.findActive(principal);
    if (!user) throw resourceNotFound(principal);
    return user;
  }

  /** Allowed characters, a verified domain, not held by an active user (docs/graph-behaviour.md §5). */
  private checkUserPrincipalName(upn: string): void {
    const at = upn.lastIndexOf('@');
    if (!UPN_CHARACTERS.test(upn) || at <= 0) throw invalidUserPrincipalName();
    const domain = upn.slice(at + 1).toLowerCase();
    if (!this.store.domains.some((d) => d.toLowerCase() === domain)) throw unverifiedDomain();
    if (this.store.isUpnTaken(upn)) throw objectConflict('userPrincipalName');
  }
}

/**
 * What Graph refuses in a user's attributes (docs/graph-behaviour.md §17): displayName unset, an empty
 * string (null unsets), a value that is not text, more than one business phone or an empty one.
 * (The documented maximum lengths are the emulator's to check; this tenant does not.)
 */
function checkAttributes(attributes: DeclaredAttributes): void {
  for (const [name, value] of Object.entries(attributes) as [AttributeName, DeclaredAttributes[AttributeName]][]) {
    if (value === undefined || (value === null && name !== 'displayName')) continue;
    const bad = name === 'businessPhones' ? !Array.isArray(value) || value.length > 1 || value.some((p) => typeof p !== 'string' || p === '') : typeof value !== 'string' || value === '';
    if (bad) throw invalidValue(name);
  }
}

/** A successful write's answer: a request id of its own, as Graph gives each request. */
function receipt(): WriteReceipt {
  return { requestId: randomUUID() };
}

export function createMemoryTenant(input: MemoryTenantInput, options: MemoryTenantOptions = {}): MemoryTenant {
  return new MemoryTenant(input, options);
}

export type { MemoryTenantInput } from './store.ts';
