/**
 * Builds the in-memory adapter's input from an emulator seed, through the emulator's own loading
 * (`loadSeed` + `dumpState`), so that both adapters start from the same derived state: group
 * licenses and CountViolations, assignedPlans with history, consumedUnits, purged deleted users.
 * Also the ObservedTenant a correct reader must return for a seed.
 */
import { isExchangeMailboxPlan } from '../../src/domain/exchange-plans.ts';
import { hasMailbox, serviceOf } from '../../src/emulator/directory/licensing.ts';
import type { AssignedPlan, LicenseAssignmentState, Seed, SeedSku } from '../../src/emulator/directory/model.ts';
import { loadSeed } from '../../src/emulator/directory/seed.ts';
import { dumpState } from '../../src/emulator/directory/state.ts';
import type { ObservedMailbox, ObservedSku, ObservedTenant, ObservedUser } from '../../src/domain/observed.ts';
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
}

/** `GET /_emulator/state`: the emulator's `dumpState`, as far as the tests read it. */
export interface StateDump {
  tenantId: string;
  now: string;
  domains: string[];
  subscribedSkus: (SeedSku & { consumedUnits: number })[];
  users: StateUser[];
  deletedUsers: StateUser[];
  groups: { id: string; displayName: string; assignedLicenses: unknown[] }[];
  apps: { clientId: string; roles: string[] }[];
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
    users: dump.users.map((u) => observedUser(u, false)),
    deletedUsers: dump.deletedUsers.map((u) => observedUser(u, true)),
    skus: dump.subscribedSkus.map(observedSku),
    mailboxPurposes: new Map([...dump.users, ...dump.deletedUsers].map((u) => [u.id, u.mailboxSettings.userPurpose])),
    groupNames: new Map(dump.groups.filter((g) => g.assignedLicenses.length > 0).map((g) => [g.id, g.displayName])),
    planServices,
    grantedRoles: dump.apps[app]?.roles ?? [],
  };
}

/** What a correct `readTenant` returns for a freshly loaded seed (users ordered by id, as Graph pages them here). */
export function expectedObservedTenant(seed: Seed, mailboxUserPrincipalNames: readonly string[]): ObservedTenant {
  const dump = dumpOf(seed);
  const users = dump.users.map((u) => observedUser(u, false));
  const deletedUsers = dump.deletedUsers.map((u) => observedUser(u, true));
  const declared = new Set(mailboxUserPrincipalNames.map((u) => u.toLowerCase()));
  const mailboxes = new Map<string, ObservedMailbox>();
  for (const user of dump.users) {
    if (!declared.has(user.userPrincipalName.toLowerCase())) continue;
    const purpose = user.mailboxSettings.userPurpose;
    mailboxes.set(user.id, hasMailbox(purpose, user.assignedPlans) ? { kind: 'mailbox', userPurpose: purpose } : { kind: 'none' });
  }
  const fromGroups = [...users, ...deletedUsers].some((u) => u.licenseAssignmentStates.some((s) => s.assignedByGroup !== null));
  return {
    tenantId: dump.tenantId,
    users,
    deletedUsers,
    skus: dump.subscribedSkus.map(observedSku),
    mailboxes,
    groupNames: fromGroups ? new Map(dump.groups.filter((g) => g.assignedLicenses.length > 0).map((g) => [g.id, g.displayName])) : new Map(),
  };
}
