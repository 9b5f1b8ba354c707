/**
 * Builds the in-memory adapter's input from an emulator seed, through the emulator's own loading
 * (`loadSeed` + `dumpState`), so that both adapters start from the same derived state: group
 * licenses and CountViolations, assignedPlans with history, consumedUnits, purged deleted users.
 * Also the ObservedTenant a correct reader must return for a seed.
 */
import { holdsRemovedMailboxPlan, isExchangeMailboxPlan } from '../../src/domain/exchange-plans.ts';
import { hasMailbox, serviceOf } from '../../src/emulator/directory/licensing.ts';
import type { AssignedPlan, LicenseAssignmentState, Seed, SeedSku } from '../../src/emulator/directory/model.ts';
import { loadSeed } from '../../src/emulator/directory/seed.ts';
import { dumpState } from '../../src/emulator/directory/state.ts';
import type { AttributeName, AttributeValue } from '../../src/domain/attributes.ts';
import { ATTRIBUTE_NAMES } from '../../src/domain/attributes.ts';
import type { ObservedGroup, ObservedMailbox, ObservedSku, ObservedTenant, ObservedUser } from '../../src/domain/observed.ts';
import type { ReadTenantRequest } from '../../src/tenant/port.ts';
import type { MemoryTenantInput } from '../../src/tenant/memory/tenant.ts';

/** A user as `GET /_emulator/state` (the emulator's `dumpState`) shows it, active or deleted. */
export interface StateUser {
  id: string;
  createdDateTime?: string;
  userPrincipalName: string;
  displayName: string;
  accountEnabled: boolean;
  usageLocation: string | null;
  mail: string | null;
  proxyAddresses: string[];
  onPremisesSyncEnabled: boolean | null;
  assignedLicenses: { skuId: string; disabledPlans: string[] }[];
  licenseAssignmentStates: LicenseAssignmentState[];
  assignedPlans: AssignedPlan[];
  mailboxSettings: { userPurpose: string };
  deletedDateTime?: string;
  /** The profile attributes (givenName, …, businessPhones) as the emulator keeps them. */
  [attribute: string]: unknown;
  /** The manager's id, when the user has one (shown by Graph only while the manager is active). */
  manager?: string;
}

/** `GET /_emulator/state`: the emulator's `dumpState`, as far as the tests read it. */
export interface StateDump {
  tenantId: string;
  now: string;
  domains: string[];
  subscribedSkus: (SeedSku & { consumedUnits: number })[];
  users: StateUser[];
  deletedUsers: StateUser[];
  groups: { id: string; displayName: string; assignedLicenses: { skuId: string; disabledPlans: string[] }[]; members: string[] }[];
  apps: { clientId: string; roles: string[] }[];
  mutuallyExclusive?: [string, string][];
}

/** The declared attributes other than displayName, as the dump has them: every one, null (businessPhones: []) when unset. */
function attributesOf(user: StateUser, names: readonly AttributeName[] = ATTRIBUTE_NAMES.filter((n) => n !== 'displayName')): Partial<Record<AttributeName, AttributeValue>> {
  return Object.fromEntries(names.map((name) => [name, (user[name] as AttributeValue | undefined) ?? (name === 'businessPhones' ? [] : null)]));
}

function observedUser(user: StateUser, deleted: boolean): ObservedUser {
  return {
    id: user.id,
    userPrincipalName: deleted ? `${user.id.replace(/-/gu, '')}${user.userPrincipalName}` : user.userPrincipalName,
    displayName: user.displayName,
    accountEnabled: user.accountEnabled,
    usageLocation: user.usageLocation,
    mail: user.mail,
    proxyAddresses: user.proxyAddresses,
    onPremisesSyncEnabled: user.onPremisesSyncEnabled,
    assignedLicenses: user.assignedLicenses.map((l) => ({ skuId: l.skuId, disabledPlans: l.disabledPlans })),
    licenseAssignmentStates: user.licenseAssignmentStates.map((s) => ({ skuId: s.skuId, disabledPlans: s.disabledPlans, assignedByGroup: s.assignedByGroup, state: s.state, error: s.error })),
    assignedPlans: user.assignedPlans.filter((p) => isExchangeMailboxPlan(p.servicePlanId)).map((p) => ({ assignedDateTime: p.assignedDateTime, capabilityStatus: p.capabilityStatus, service: p.service, servicePlanId: p.servicePlanId })),
    deletedDateTime: deleted ? (user.deletedDateTime ?? null) : null,
    createdDateTime: user.createdDateTime ?? null,
  };
}

function observedSku(sku: StateDump['subscribedSkus'][number]): ObservedSku {
  return {
    skuId: sku.skuId,
    skuPartNumber: sku.skuPartNumber,
    enabledUnits: sku.prepaidUnits.enabled,
    consumedUnits: sku.consumedUnits,
    servicePlans: sku.servicePlans.map((p) => ({ servicePlanId: p.servicePlanId, servicePlanName: p.servicePlanName })),
  };
}

function dumpOf(seed: Seed): StateDump {
  return JSON.parse(JSON.stringify(dumpState(loadSeed(seed)))) as StateDump;
}

/** The memory adapter's input for a seed; `app` picks whose roles `readGrantedRoles` answers. */
export function memoryInputFromSeed(seed: Seed, app = 0): MemoryTenantInput {
  const dump = dumpOf(seed);
  const planServices = new Map<string, string>();
  for (const sku of dump.subscribedSkus) {
    for (const plan of sku.servicePlans) if (plan.appliesTo !== 'Company') planServices.set(plan.servicePlanId, serviceOf(plan.servicePlanName, plan.servicePlanId));
  }
  return {
    tenantId: dump.tenantId,
    now: dump.now,
    domains: dump.domains,
    users: dump.users.map((u) => ({ ...observedUser(u, false), attributes: attributesOf(u), managerId: u.manager ?? null })),
    deletedUsers: dump.deletedUsers.map((u) => ({ ...observedUser(u, true), attributes: attributesOf(u), managerId: u.manager ?? null })),
    skus: dump.subscribedSkus.map(observedSku),
    groups: dump.groups.map((g) => ({ id: g.id, displayName: g.displayName, assignedLicenses: g.assignedLicenses, memberIds: g.members })),
    ...(dump.mutuallyExclusive === undefined ? {} : { mutuallyExclusive: dump.mutuallyExclusive }),
    mailboxPurposes: new Map([...dump.users, ...dump.deletedUsers].map((u) => [u.id, u.mailboxSettings.userPurpose])),
    groupNames: new Map(dump.groups.filter((g) => g.assignedLicenses.length > 0).map((g) => [g.id, g.displayName])),
    planServices,
    grantedRoles: dump.apps[app]?.roles ?? [],
  };
}

/**
 * What a correct `readTenant` returns for a freshly loaded seed (users ordered by id, as Graph pages them here), for a request
 * naming these mailboxes and, optionally, attributes, managers and groups; `readAt` is the seed's clock.
 */
export function expectedObservedTenant(seed: Seed, mailboxUserPrincipalNames: readonly string[], request: Omit<ReadTenantRequest, 'mailboxUserPrincipalNames'> = {}): ObservedTenant {
  const dump = dumpOf(seed);
  const activeIds = new Set(dump.users.map((u) => u.id));
  const attributes = (request.attributes ?? []).filter((name) => name !== 'displayName');
  const extras = (user: StateUser): Partial<ObservedUser> => ({
    ...(attributes.length === 0 ? {} : { attributes: attributesOf(user, attributes) }),
    ...(request.managers === true ? { managerId: user.manager !== undefined && activeIds.has(user.manager) ? user.manager : null } : {}),
  });
  // By default only a user who holds a removed Exchange mailbox plan lists its plans (ReadTenantRequest.planHistory).
  const planHistory = (user: ObservedUser): ObservedUser =>
    request.planHistory === 'all' || holdsRemovedMailboxPlan(user.assignedPlans) ? user : { ...user, assignedPlans: [] };
  const users = dump.users.map((u) => ({ ...planHistory(observedUser(u, false)), ...extras(u) }));
  const deletedUsers = dump.deletedUsers.map((u) => ({ ...observedUser(u, true), ...extras(u) }));
  const declared = new Set(mailboxUserPrincipalNames.map((u) => u.toLowerCase()));
  const mailboxes = new Map<string, ObservedMailbox>();
  for (const user of dump.users) {
    if (!declared.has(user.userPrincipalName.toLowerCase())) continue;
    const purpose = user.mailboxSettings.userPurpose;
    mailboxes.set(user.id, hasMailbox(purpose, user.assignedPlans) ? { kind: 'mailbox', userPurpose: purpose } : { kind: 'none' });
  }
  const fromGroups = [...users, ...deletedUsers].some((u) => u.licenseAssignmentStates.some((s) => s.assignedByGroup !== null));
  const named = new Set((request.groups ?? []).map((g) => g.trim().toLowerCase()));
  const licensing = dump.groups.filter((g) => g.assignedLicenses.length > 0).sort((a, b) => (a.id < b.id ? -1 : 1));
  const groups: ObservedGroup[] = licensing
    .filter((g) => named.has(g.id) || named.has(g.displayName.toLowerCase()))
    .map((g) => ({ id: g.id, displayName: g.displayName, assignedLicenses: g.assignedLicenses, memberIds: g.members.filter((id) => activeIds.has(id)) }));
  return {
    tenantId: dump.tenantId,
    users,
    deletedUsers,
    skus: dump.subscribedSkus.map(observedSku),
    mailboxes,
    groupNames: fromGroups || named.size > 0 ? new Map(licensing.map((g) => [g.id, g.displayName])) : new Map(),
    ...(named.size === 0 ? {} : { groups }),
    readAt: dump.now,
  };
}
