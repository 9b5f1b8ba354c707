/**
 * Builders for planner tests: a desired state and an observed tenant in a few lines each, with
 * sensible defaults (fixtures from builders, not pasted literals).
 */
import type { DesiredDefaults, DesiredLicense, DesiredMailbox, DesiredPrincipal, DesiredState, DesiredUser, MailboxType } from '../../src/domain/desired.ts';
import type { ObservedGroup } from '../../src/domain/observed.ts';
import type { ObservedLicenseState, ObservedMailbox, ObservedPlan, ObservedSku, ObservedTenant, ObservedUser } from '../../src/domain/observed.ts';
import { DEFAULT_WATCH } from '../../src/domain/heal.ts';
import type { Change } from '../../src/domain/plan.ts';
import type { PlanResult } from '../../src/domain/planner.ts';
import { planReconciliation } from '../../src/domain/planner.ts';
import { parseRenameTemplate } from '../../src/domain/rename-template.ts';

export const TENANT = '8f3c1a52-0000-4000-8000-000000000001';
export const NOW = '2026-11-22T00:00:00Z';

export const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
export const E5 = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';
export const EXCHANGE_PLAN_2 = 'efb87545-963c-4e0d-99df-69c6916d9eb0';
export const YAMMER = '7547a3fe-08ee-4ccb-b430-5077c5041653';
export const SWAY = 'a23b959c-7ce8-4e57-9140-b90eb88a9e97';
export const TEAMS = '57ff2da0-773e-42df-b2af-ffb7a2317929';

export function sku(overrides: Partial<ObservedSku> = {}): ObservedSku {
  return {
    skuId: E3,
    skuPartNumber: 'ENTERPRISEPACK',
    enabledUnits: 10,
    consumedUnits: 0,
    servicePlans: [
      { servicePlanId: EXCHANGE_PLAN_2, servicePlanName: 'EXCHANGE_S_ENTERPRISE' },
      { servicePlanId: YAMMER, servicePlanName: 'YAMMER_ENTERPRISE' },
      { servicePlanId: SWAY, servicePlanName: 'SWAY' },
      { servicePlanId: TEAMS, servicePlanName: 'TEAMS1' },
    ],
    ...overrides,
  };
}

export function e5(overrides: Partial<ObservedSku> = {}): ObservedSku {
  return sku({ skuId: E5, skuPartNumber: 'SPE_E5', servicePlans: [{ servicePlanId: EXCHANGE_PLAN_2, servicePlanName: 'EXCHANGE_S_ENTERPRISE' }, { servicePlanId: YAMMER, servicePlanName: 'YAMMER_ENTERPRISE' }], ...overrides });
}

let counter = 0;
/** A fresh, valid GUID per call (or from `n`). */
export function guid(n?: number): string {
  counter += 1;
  return `00000000-0000-4000-8000-${(n ?? counter).toString(16).padStart(12, '0')}`;
}

/** An active user; `license(E3)` entries become direct assignments. */
export function user(upn: string, overrides: Partial<ObservedUser> = {}): ObservedUser {
  const licenses = overrides.assignedLicenses ?? [];
  return {
    id: guid(),
    userPrincipalName: upn,
    displayName: upn.split('@')[0] ?? upn,
    accountEnabled: true,
    usageLocation: 'NL',
    mail: upn,
    proxyAddresses: [`SMTP:${upn}`],
    onPremisesSyncEnabled: null,
    assignedLicenses: licenses,
    licenseAssignmentStates: licenses.map((l) => ({ ...l, assignedByGroup: null, state: 'Active', error: 'None' })),
    assignedPlans: [],
    deletedDateTime: null,
    ...overrides,
  };
}

/** A soft-deleted user as Graph lists it: the UPN prefixed with its id. */
export function deletedUser(upn: string, deletedDateTime: string, overrides: Partial<ObservedUser> = {}): ObservedUser {
  const base = user(upn, overrides);
  return { ...base, userPrincipalName: `${base.id.replace(/-/g, '')}${upn}`, deletedDateTime, ...overrides };
}

export function license(skuId: string, disabledPlans: string[] = []): { skuId: string; disabledPlans: string[] } {
  return { skuId, disabledPlans };
}

/** `groups`: display names of license-assigning groups by id (groupNames); `licensingGroups`: the groups the policy names, with members. */
export function tenant(
  parts: { users?: ObservedUser[]; deleted?: ObservedUser[]; skus?: ObservedSku[]; mailboxes?: [string, ObservedMailbox][]; groups?: [string, string][]; licensingGroups?: ObservedGroup[]; tenantId?: string } = {},
): ObservedTenant {
  return {
    tenantId: parts.tenantId ?? TENANT,
    users: parts.users ?? [],
    deletedUsers: parts.deleted ?? [],
    skus: parts.skus ?? [sku()],
    mailboxes: new Map(parts.mailboxes ?? []),
    groupNames: new Map(parts.groups ?? []),
    ...(parts.licensingGroups ? { groups: parts.licensingGroups } : {}),
  };
}

/** A license-assigning group: its id, the licenses it assigns (SKU ids, or licenses with disabled plans) and its members' ids. */
export function licensingGroup(displayName: string, licenses: (string | { skuId: string; disabledPlans: string[] })[], memberIds: string[] = [], id: string = guid()): ObservedGroup {
  return { id, displayName, assignedLicenses: licenses.map((l) => (typeof l === 'string' ? { skuId: l, disabledPlans: [] } : l)), memberIds };
}

export const DEFAULTS: DesiredDefaults = {
  usageLocation: 'NL',
  restore: { autoReconcileProxyConflict: true, onUpnConflict: 'fail', renameTo: '{localPart}.restored@{domain}', renameTemplate: templateOf('{localPart}.restored@{domain}') },
  whenMissing: 'create',
  pruneLicenses: false,
  protected: [],
};

function templateOf(text: string): DesiredDefaults['restore']['renameTemplate'] {
  const parsed = parseRenameTemplate(text);
  if (!parsed.ok) throw new Error(`bad template ${text}`);
  return parsed.parts;
}

export function desiredLicense(skuRef: string, disabledPlans: string[] = []): DesiredLicense {
  return { sku: skuRef, disabledPlans };
}

/** A license from a license set that names a licensing group (`group: <id or display name>`). */
export function groupSetLicense(licenseSet: string, skuRef: string, group: string, disabledPlans: string[] = []): DesiredLicense {
  return { sku: skuRef, disabledPlans, licenseSet, group };
}

export function declaredUser(upn: string, overrides: Partial<Omit<DesiredUser, 'kind'>> = {}): DesiredUser {
  return {
    kind: 'user',
    userPrincipalName: upn,
    displayName: upn.split('@')[0] ?? upn,
    licenses: [],
    accountEnabled: true,
    source: { file: 'policy.yaml', line: 1, column: 1 },
    attributes: {},
    protected: false,
    whenMissing: 'create',
    ...overrides,
  };
}

export function declaredMailbox(upn: string, mailboxType: MailboxType = 'shared', overrides: Partial<Omit<DesiredMailbox, 'kind' | 'mailboxType' | 'accountEnabled'>> = {}): DesiredMailbox {
  return {
    kind: 'mailbox',
    mailboxType,
    userPrincipalName: upn,
    displayName: upn.split('@')[0] ?? upn,
    licenses: [],
    accountEnabled: false,
    source: { file: 'policy.yaml', line: 1, column: 1 },
    attributes: {},
    protected: false,
    ...overrides,
    whenMissing: 'report',
  };
}

/**
 * Defaults to override; `usageLocation: null` removes the default usage location. `whenMissing` is also
 * given to every declared user, as the policy loader does for users that do not set their own.
 */
export type DefaultsOverrides = Partial<Omit<DesiredDefaults, 'restore' | 'usageLocation'>> & { usageLocation?: string | null; restore?: Partial<DesiredDefaults['restore']> };

export function desired(principals: DesiredPrincipal[], defaults: DefaultsOverrides = {}, tenantId?: string): DesiredState {
  const restore = { ...DEFAULTS.restore, ...defaults.restore };
  if (defaults.restore?.renameTo) restore.renameTemplate = templateOf(defaults.restore.renameTo);
  const base: DesiredDefaults = {
    restore,
    whenMissing: defaults.whenMissing ?? DEFAULTS.whenMissing,
    pruneLicenses: defaults.pruneLicenses ?? DEFAULTS.pruneLicenses,
    protected: defaults.protected ?? DEFAULTS.protected,
  };
  const whenMissing = defaults.whenMissing;
  const usageLocation = defaults.usageLocation === null ? undefined : (defaults.usageLocation ?? DEFAULTS.usageLocation);
  const withLocation: DesiredDefaults = usageLocation === undefined ? base : { ...base, usageLocation };
  return {
    ...(tenantId ? { tenantId } : {}),
    defaults: withLocation,
    principals: whenMissing === undefined ? principals : principals.map((p) => (p.kind === 'user' ? { ...p, whenMissing } : p)),
    licenseSets: new Map(),
    files: ['policy.yaml'],
    watch: DEFAULT_WATCH,
  };
}

/** Days before NOW, as an ISO time. */
export function daysAgo(days: number): string {
  return new Date(Date.parse(NOW) - days * 86_400_000).toISOString().replace('.000Z', 'Z');
}

/** A license held through a group, as `licenseAssignmentStates` lists it (docs/graph-behaviour.md §8). */
export function groupLicense(skuId: string, groupId: string, overrides: Partial<ObservedLicenseState> = {}): ObservedLicenseState {
  return { skuId, disabledPlans: [], assignedByGroup: groupId, state: 'Active', error: 'None', ...overrides };
}

/** A direct assignment, as `licenseAssignmentStates` lists it. */
export function directLicense(skuId: string, disabledPlans: string[] = []): ObservedLicenseState {
  return { skuId, disabledPlans, assignedByGroup: null, state: 'Active', error: 'None' };
}

/**
 * A user's licenses from their assignment states: `assignedLicenses` lists direct and group
 * licenses alike, `licenseAssignmentStates` tells them apart.
 */
export function holding(states: ObservedLicenseState[]): Pick<ObservedUser, 'assignedLicenses' | 'licenseAssignmentStates'> {
  const seen = new Map<string, { skuId: string; disabledPlans: readonly string[] }>();
  for (const s of states) if (!seen.has(s.skuId)) seen.set(s.skuId, { skuId: s.skuId, disabledPlans: s.disabledPlans });
  return { assignedLicenses: [...seen.values()], licenseAssignmentStates: states };
}

/** An `assignedPlans` entry for an Exchange mailbox plan (Plan 2 unless told), changed `at`. */
export function exchangePlan(capabilityStatus: 'Enabled' | 'Deleted', at: string, servicePlanId: string = EXCHANGE_PLAN_2): ObservedPlan {
  return { assignedDateTime: at, capabilityStatus, service: 'exchange', servicePlanId };
}

/** What `mailboxSettings/userPurpose` says; `noMailbox` for the 404 MailboxNotEnabledForRESTAPI. */
export function mailboxOf(userPurpose: string): ObservedMailbox {
  return { kind: 'mailbox', userPurpose };
}
export const noMailbox: ObservedMailbox = { kind: 'none' };

/** The plan at NOW (or `now`). */
export function planAt(state: DesiredState, observed: ObservedTenant, now: string = NOW): PlanResult {
  return planReconciliation(state, observed, { now });
}

/** Changes without their human reasons: what apply executes. */
export function withoutReasons(changes: readonly Change[]): Omit<Change, 'reason'>[] {
  return changes.map((change) => Object.fromEntries(Object.entries(change).filter(([key]) => key !== 'reason')) as Omit<Change, 'reason'>);
}

/** `action upn` per change, for order assertions. */
export function actionLines(changes: readonly Change[]): string[] {
  return changes.map((c) => `${c.action} ${c.userPrincipalName}`);
}
