import type { TenantStore } from '../directory/store.ts';
import type { UserRecord } from '../directory/user-record.ts';
import { GraphError, badRequest, unsupportedQuery } from './errors.ts';
import { parseSelect } from './odata.ts';

/**
 * What a user looks like in a response: the default property set unless `$select` names
 * properties, then exactly those plus `id` (docs/graph-behaviour.md §4, emulator contract).
 */
type Getter = (user: UserRecord, store: TenantStore) => unknown;

const DEFAULT_PROPERTIES: Readonly<Record<string, Getter>> = {
  businessPhones: (u) => u.businessPhones,
  displayName: (u) => u.displayName,
  givenName: (u) => u.givenName,
  id: (u) => u.id,
  jobTitle: (u) => u.jobTitle,
  mail: (u) => u.mail,
  mobilePhone: (u) => u.mobilePhone,
  officeLocation: (u) => u.officeLocation,
  preferredLanguage: () => null,
  surname: (u) => u.surname,
  userPrincipalName: (u) => u.userPrincipalName,
};

/** Returned only when selected. */
const SELECT_ONLY_PROPERTIES: Readonly<Record<string, Getter>> = {
  accountEnabled: (u) => u.accountEnabled,
  assignedLicenses: (u, store) => store.assignedLicenses(u),
  assignedPlans: (u) => u.assignedPlans,
  city: (u) => u.city,
  companyName: (u) => u.companyName,
  country: (u) => u.country,
  createdDateTime: (u) => u.createdDateTime,
  deletedDateTime: (u) => u.deletedDateTime,
  department: (u) => u.department,
  employeeId: (u) => u.employeeId,
  employeeType: (u) => u.employeeType,
  licenseAssignmentStates: (u) => u.licenseAssignmentStates,
  mailNickname: (u) => u.mailNickname,
  onPremisesSyncEnabled: (u) => u.onPremisesSyncEnabled,
  provisionedPlans: (u) => u.assignedPlans.map((p) => ({ capabilityStatus: p.capabilityStatus, provisioningStatus: p.capabilityStatus === 'Enabled' ? 'Success' : 'Disabled', service: p.service })),
  proxyAddresses: (u) => u.proxyAddresses,
  usageLocation: (u) => u.usageLocation,
  userType: (u) => u.userType,
};

/** Graph cannot return these within a user collection: 501 (docs/graph-behaviour.md §4). */
const NOT_IN_COLLECTION = new Set(['aboutme', 'birthday', 'hiredate', 'interests', 'mysite', 'pastprojects', 'preferredname', 'responsibilities', 'schools', 'skills', 'mailboxsettings']);

const ALL_PROPERTIES: Readonly<Record<string, Getter>> = { ...DEFAULT_PROPERTIES, ...SELECT_ONLY_PROPERTIES };
const BY_LOWER_NAME = new Map(Object.keys(ALL_PROPERTIES).map((name) => [name.toLowerCase(), name]));

/** The properties a response carries, checked once per request. */
export interface UserProjection {
  readonly names: readonly string[];
  /** The properties as `$select` named them (for `@odata.context`); undefined without `$select`. */
  readonly selected: readonly string[] | undefined;
}

export function userProjection(select: readonly string[] | undefined, options: { collection: boolean }): UserProjection {
  if (select === undefined) return { names: Object.keys(DEFAULT_PROPERTIES), selected: undefined };
  const names = new Set<string>();
  for (const raw of select) {
    const lower = raw.toLowerCase();
    if (options.collection && NOT_IN_COLLECTION.has(lower)) {
      throw new GraphError(501, 'NotImplemented', `This operation target is not yet supported. The property '${raw}' cannot be returned within a user collection.`);
    }
    const name = BY_LOWER_NAME.get(lower);
    if (!name) throw badRequest(`Could not find a property named '${raw}' on type 'microsoft.graph.user'.`);
    names.add(name);
  }
  const selected = [...names];
  names.add('id');
  return { names: [...names], selected };
}

/**
 * `$expand=manager`, optionally `manager($select=…)` (docs/graph-behaviour.md §18): the manager as a
 * directory object of type user, in the default property set or the nested selection plus `id`.
 */
export interface ManagerExpansion {
  readonly projection: UserProjection;
}

const EXPAND_MANAGER = /^manager(?:\((.*)\))?$/isu;

/** The `$expand` of a user read: only `manager` is modelled; undefined without `$expand`. */
export function parseManagerExpand(raw: string | null): ManagerExpansion | undefined {
  if (raw === null || raw.trim() === '') return undefined;
  const match = EXPAND_MANAGER.exec(raw.trim());
  if (!match) {
    const name = raw.trim().split(/[(,]/u)[0]?.trim() ?? raw;
    if (raw.includes(',') && name.toLowerCase() === 'manager') throw unsupportedQuery('The emulator expands only manager.');
    throw badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.user'.`);
  }
  const options = match[1];
  if (options === undefined || options.trim() === '') return { projection: userProjection(undefined, { collection: false }) };
  const selectOption = /^\s*\$select=([^;]*)\s*$/iu.exec(options);
  if (!selectOption) throw unsupportedQuery(`The emulator supports only $select inside $expand=manager(…), not '${options}'.`);
  return { projection: userProjection(parseSelect(selectOption[1] ?? null), { collection: false }) };
}

/** The context's selection with the expanded manager, as OData writes an expanded navigation: `manager(id)`. */
export function selectedWithExpansion(selected: readonly string[] | undefined, expansion: ManagerExpansion | undefined): readonly string[] | undefined {
  if (selected === undefined || expansion === undefined) return selected;
  return [...selected, `manager(${(expansion.projection.selected ?? []).join(',')})`];
}

export function projectUser(user: UserRecord, store: TenantStore, projection: UserProjection, expansion?: ManagerExpansion): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const name of projection.names) json[name] = (ALL_PROPERTIES[name] as Getter)(user, store);
  if (expansion) {
    // A user without a (visible) manager has no manager property at all.
    const manager = store.managerOf(user);
    if (manager) json.manager = { '@odata.type': '#microsoft.graph.user', ...projectUser(manager, store, expansion.projection) };
  }
  return json;
}

/** The value a `$filter` reads for a property. */
export function userProperty(user: UserRecord, store: TenantStore, property: string): unknown {
  return ALL_PROPERTIES[property]?.(user, store);
}

/** The mailbox settings Exchange returns for a user that has a mailbox (docs/graph-behaviour.md §9). */
export function mailboxSettingsOf(user: UserRecord): Record<string, unknown> {
  return {
    archiveFolder: null,
    timeZone: 'W. Europe Standard Time',
    delegateMeetingMessageDeliveryOptions: 'sendToDelegateOnly',
    dateFormat: 'dd-MM-yyyy',
    timeFormat: 'HH:mm',
    userPurpose: user.purpose,
    automaticRepliesSetting: {
      status: 'disabled',
      externalAudience: 'all',
      internalReplyMessage: '',
      externalReplyMessage: '',
      scheduledStartDateTime: { dateTime: '2026-01-01T00:00:00.0000000', timeZone: 'UTC' },
      scheduledEndDateTime: { dateTime: '2026-01-02T00:00:00.0000000', timeZone: 'UTC' },
    },
    language: { locale: 'en-US', displayName: 'English (United States)' },
    workingHours: { daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], startTime: '08:00:00.0000000', endTime: '17:00:00.0000000', timeZone: { name: 'W. Europe Standard Time' } },
  };
}
