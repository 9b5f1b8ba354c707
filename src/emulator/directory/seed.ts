import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv/dist/2020.js';
import { GraphError } from './errors.ts';
import { directState } from './licensing.ts';
import type { LicenseUnits, Seed, SeedApp, SeedUser } from './model.ts';
import { MAX_BUSINESS_PHONES, MAX_LENGTH, PROFILE_STRINGS } from './profile.ts';
import { TenantStore } from './store.ts';

/** A seed that cannot be loaded; the message names the field, e.g. `users[3].assignedLicenses[0].skuId`. */
export class SeedError extends Error {
  readonly field: string;
  /** What is wrong with the field, without the `invalid seed: <field>: ` prefix. */
  readonly reason: string;
  constructor(field: string, message: string) {
    super(`invalid seed: ${field}: ${message}`);
    this.name = 'SeedError';
    this.field = field;
    this.reason = message;
  }
}

const guid = { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' };
const dateTime = { type: 'string', format: 'date-time' };
const nullableString = { type: ['string', 'null'] };
const assignedLicense = {
  type: 'object',
  required: ['skuId', 'disabledPlans'],
  additionalProperties: false,
  properties: { skuId: guid, disabledPlans: { type: 'array', items: guid } },
};
const assignedPlan = {
  type: 'object',
  required: ['assignedDateTime', 'capabilityStatus', 'service', 'servicePlanId'],
  additionalProperties: false,
  properties: {
    assignedDateTime: dateTime,
    capabilityStatus: { enum: ['Enabled', 'Warning', 'Suspended', 'Deleted', 'LockedOut'] },
    service: { type: 'string' },
    servicePlanId: guid,
  },
};
const user = {
  type: 'object',
  required: ['id', 'userPrincipalName', 'displayName'],
  additionalProperties: false,
  properties: {
    id: guid,
    userPrincipalName: { type: 'string', minLength: 3 },
    displayName: { type: 'string', minLength: 1, maxLength: MAX_LENGTH.displayName },
    accountEnabled: { type: 'boolean' },
    // The profile strings with Graph's documented maximum lengths (profile.ts).
    ...Object.fromEntries(PROFILE_STRINGS.map((name) => [name, MAX_LENGTH[name] === undefined ? nullableString : { ...nullableString, maxLength: MAX_LENGTH[name] }])),
    businessPhones: { type: 'array', maxItems: MAX_BUSINESS_PHONES, items: { type: 'string', minLength: 1 } },
    manager: guid,
    mail: nullableString,
    mailNickname: { type: 'string', minLength: 1, maxLength: 64 },
    usageLocation: { type: ['string', 'null'], pattern: '^[A-Z]{2}$' },
    proxyAddresses: { type: 'array', items: { type: 'string', minLength: 1 } },
    onPremisesSyncEnabled: { type: ['boolean', 'null'] },
    userType: { enum: ['Member', 'Guest'] },
    createdDateTime: dateTime,
    assignedLicenses: { type: 'array', items: assignedLicense },
    assignedPlans: { type: 'array', items: assignedPlan },
    mailboxSettings: { type: 'object', required: ['userPurpose'], properties: { userPurpose: { enum: ['user', 'linked', 'shared', 'room', 'equipment', 'others'] } } },
    deletedDateTime: dateTime,
    // Never a password: only whether the user must change the one it was created with (a state dump shows it).
    passwordProfile: { type: 'object', additionalProperties: false, required: ['forceChangePasswordNextSignIn'], properties: { forceChangePasswordNextSignIn: { type: 'boolean' } } },
    // Derived by the emulator: accepted so that a state dump loads as a seed, and recomputed.
    licenseAssignmentStates: {
      type: 'array',
      items: { type: 'object', required: ['skuId', 'disabledPlans', 'assignedByGroup'], properties: { skuId: guid, disabledPlans: { type: 'array', items: guid }, assignedByGroup: { type: ['string', 'null'] } } },
    },
  },
};
/**
 * Graph's `microsoft.graph.federatedIdentityCredential` (CSDL; limits from
 * https://learn.microsoft.com/graph/api/resources/federatedidentitycredential): `name` at most 120 characters
 * and "URL friendly" (taken as RFC 3986 unreserved characters), `issuer`, `subject`, `description` and the one
 * `audiences` value at most 600. `id` is read-only in Graph, so a seed leaves it out.
 */
const federatedIdentityCredential = {
  type: 'object',
  required: ['name', 'issuer', 'subject', 'audiences'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 120, pattern: '^[A-Za-z0-9._~-]+$' },
    issuer: { type: 'string', minLength: 1, maxLength: 600 },
    subject: { type: 'string', minLength: 1, maxLength: 600 },
    audiences: { type: 'array', minItems: 1, maxItems: 1, items: { type: 'string', minLength: 1, maxLength: 600 } },
    description: { type: 'string', maxLength: 600 },
  },
};
const seedSchema = {
  type: 'object',
  required: ['tenantId', 'now', 'domains', 'subscribedSkus', 'users'],
  additionalProperties: false,
  properties: {
    tenantId: guid,
    now: dateTime,
    domains: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$' } },
    organization: { type: 'object', properties: { displayName: { type: 'string' } } },
    subscribedSkus: {
      type: 'array',
      items: {
        type: 'object',
        required: ['skuId', 'skuPartNumber', 'prepaidUnits', 'servicePlans'],
        additionalProperties: false,
        properties: {
          skuId: guid,
          skuPartNumber: { type: 'string', minLength: 1 },
          appliesTo: { enum: ['User', 'Company'] },
          capabilityStatus: { enum: ['Enabled', 'Warning', 'Suspended', 'Deleted', 'LockedOut'] },
          consumedUnits: { type: 'integer' },
          prepaidUnits: {
            type: 'object',
            required: ['enabled'],
            additionalProperties: false,
            properties: { enabled: { type: 'integer', minimum: 0 }, suspended: { type: 'integer', minimum: 0 }, warning: { type: 'integer', minimum: 0 }, lockedOut: { type: 'integer', minimum: 0 } },
          },
          servicePlans: {
            type: 'array',
            items: {
              type: 'object',
              required: ['servicePlanId', 'servicePlanName'],
              additionalProperties: false,
              properties: { servicePlanId: guid, servicePlanName: { type: 'string', minLength: 1 }, provisioningStatus: { type: 'string' }, appliesTo: { enum: ['User', 'Company'] } },
            },
          },
        },
      },
    },
    users: { type: 'array', items: user },
    deletedUsers: { type: 'array', items: { ...user, required: [...user.required, 'deletedDateTime'] } },
    groups: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'displayName', 'assignedLicenses', 'members'],
        additionalProperties: false,
        properties: { id: guid, displayName: { type: 'string' }, assignedLicenses: { type: 'array', items: assignedLicense }, members: { type: 'array', items: guid } },
      },
    },
    mutuallyExclusive: { type: 'array', items: { type: 'array', minItems: 2, maxItems: 2, items: guid } },
    apps: {
      type: 'array',
      items: {
        type: 'object',
        required: ['clientId', 'roles'],
        additionalProperties: false,
        properties: {
          clientId: guid,
          clientSecret: { type: 'string', minLength: 1 },
          roles: { type: 'array', items: { type: 'string' } },
          displayName: { type: 'string' },
          // "A maximum of 20 federated identity credentials can be added per application object."
          // (https://learn.microsoft.com/graph/api/resources/federatedidentitycredentials-overview)
          federatedIdentityCredentials: { type: 'array', maxItems: 20, items: federatedIdentityCredential },
        },
      },
    },
  },
};

/**
 * RFC 3339 date-time whose date exists: `2026-13-01T00:00:00Z` or `2026-02-30T…` would otherwise make
 * the store's clock throw (RangeError) on every request instead of failing the seed here.
 */
function isDateTime(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/u.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour < 24 && minute < 60 && second < 60 && Number(match[9] ?? 0) < 24 && Number(match[10] ?? 0) < 60;
}

const validateShape = seedValidator();

/** The seed's JSON Schema check; lengths in UTF-16 code units, as Graph (and profile.ts) count them (see src/policy/schema-check.ts). */
function seedValidator(): ReturnType<Ajv2020['compile']> {
  const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true }).addFormat('date-time', isDateTime);
  (ajv.opts as { unicode?: boolean }).unicode = false;
  return ajv.compile(seedSchema);
}

function fieldOf(pointer: string, extra?: string): string {
  let text = '';
  for (const segment of pointer.split('/').slice(1)) text += /^\d+$/u.test(segment) ? `[${segment}]` : text === '' ? segment : `.${segment}`;
  if (extra) text += text === '' ? extra : `.${extra}`;
  return text === '' ? '(the seed)' : text;
}

function shapeError(error: ErrorObject): SeedError {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') return new SeedError(fieldOf(error.instancePath, String(params.missingProperty)), 'is required');
  if (error.keyword === 'additionalProperties') return new SeedError(fieldOf(error.instancePath, String(params.additionalProperty)), 'is not a seed field');
  return new SeedError(fieldOf(error.instancePath), error.message ?? 'is not valid');
}

/** Checks a parsed seed's shape; throws SeedError naming the first bad field. */
export function parseSeed(json: unknown): Seed {
  if (!validateShape(json)) throw shapeError((validateShape.errors ?? [])[0] as ErrorObject);
  const seed = json as Partial<Seed> & Pick<Seed, 'tenantId' | 'now' | 'domains' | 'subscribedSkus' | 'users'>;
  return { deletedUsers: [], groups: [], apps: [], ...seed } as Seed;
}

/**
 * Loads a seed into a new store: users and deleted users with their direct licenses (seat counts
 * follow), group licenses (CountViolation when seats run out), assignedPlans history, and the
 * purge of deleted users older than 30 days.
 */
export function loadSeed(json: unknown): TenantStore {
  const seed = parseSeed(json);
  const planIds = new Set(seed.subscribedSkus.flatMap((sku) => sku.servicePlans.map((p) => p.servicePlanId.toLowerCase())));
  (seed.mutuallyExclusive ?? []).forEach((pair, index) => {
    pair.forEach((plan, side) => {
      if (!planIds.has(plan.toLowerCase())) throw new SeedError(`mutuallyExclusive[${index}][${side}]`, `${plan} is not a service plan of any SKU in subscribedSkus`);
    });
    if (pair[0].toLowerCase() === pair[1].toLowerCase()) throw new SeedError(`mutuallyExclusive[${index}]`, 'pairs a plan with itself');
  });
  const store = new TenantStore({
    mutuallyExclusive: (seed.mutuallyExclusive ?? []).map(([a, b]) => [a.toLowerCase(), b.toLowerCase()] as const),
    tenantId: seed.tenantId.toLowerCase(),
    domains: seed.domains,
    organizationName: seed.organization?.displayName ?? seed.domains[0] ?? 'Contoso',
    apps: seed.apps,
    now: seed.now,
    skus: seed.subscribedSkus.map(({ consumedUnits: _derived, ...sku }) => {
      const units: Partial<LicenseUnits> = sku.prepaidUnits;
      return {
        ...sku,
        skuId: sku.skuId.toLowerCase(),
        servicePlans: sku.servicePlans.map((p) => ({ ...p, servicePlanId: p.servicePlanId.toLowerCase() })),
        prepaidUnits: { enabled: units.enabled ?? 0, suspended: units.suspended ?? 0, warning: units.warning ?? 0, lockedOut: units.lockedOut ?? 0 },
      };
    }),
  });
  const nowMs = Date.parse(seed.now);
  const lists: readonly ['users' | 'deletedUsers', readonly SeedUser[]][] = [['users', seed.users], ['deletedUsers', seed.deletedUsers]];
  for (const [list, users] of lists) {
    users.forEach((input, index) => {
      const field = `${list}[${index}]`;
      if (input.deletedDateTime !== undefined && Date.parse(input.deletedDateTime) > nowMs) throw new SeedError(`${field}.deletedDateTime`, `is after the seed's now (${seed.now})`);
      if (list === 'users' && input.deletedDateTime !== undefined) throw new SeedError(`${field}.deletedDateTime`, 'belongs in deletedUsers');
      const record = withSeedField(field, () =>
        store.createUser(
          {
            id: input.id,
            userPrincipalName: input.userPrincipalName,
            displayName: input.displayName,
            mailNickname: input.mailNickname ?? input.userPrincipalName.split('@')[0] ?? input.id,
            accountEnabled: input.accountEnabled ?? true,
            usageLocation: input.usageLocation ?? null,
            ...Object.fromEntries(PROFILE_STRINGS.map((name) => [name, input[name] ?? null])),
            businessPhones: input.businessPhones ?? [],
            mail: input.mail ?? null,
            proxyAddresses: input.proxyAddresses ?? [],
            onPremisesSyncEnabled: input.onPremisesSyncEnabled ?? null,
            userType: input.userType ?? 'Member',
            // Unless the seed says, an active user was created at the seed's now and a deleted one a year before its deletion.
            createdDateTime: input.createdDateTime ?? (input.deletedDateTime ? new Date(Date.parse(input.deletedDateTime) - 365 * 86_400_000).toISOString().replace('.000Z', 'Z') : seed.now),
            purpose: input.mailboxSettings?.userPurpose ?? 'user',
            forceChangePasswordNextSignIn: input.passwordProfile?.forceChangePasswordNextSignIn ?? false,
          },
          { seeding: true, ...(input.deletedDateTime === undefined ? {} : { deletedDateTime: input.deletedDateTime }) },
        ),
      );
      record.assignedPlans = [...(input.assignedPlans ?? [])];
      // A state dump lists group licenses in assignedLicenses too; its direct ones are the states without a group.
      const fromStates = input.licenseAssignmentStates !== undefined;
      const direct = fromStates ? (input.licenseAssignmentStates ?? []).filter((s) => s.assignedByGroup === null) : (input.assignedLicenses ?? []);
      direct.forEach((license, licenseIndex) => {
        const sku = store.skus.get(license.skuId.toLowerCase());
        const at = `${field}.${fromStates ? 'licenseAssignmentStates' : 'assignedLicenses'}[${licenseIndex}]`;
        if (!sku) throw new SeedError(`${at}.skuId`, `${license.skuId} is not in subscribedSkus`);
        const unknown = license.disabledPlans.findIndex((plan) => !sku.servicePlans.some((p) => p.servicePlanId.toLowerCase() === plan.toLowerCase()));
        if (unknown >= 0) throw new SeedError(`${at}.disabledPlans[${unknown}]`, `is not a service plan of ${sku.skuPartNumber}`);
      });
      const licenses = direct.map((l) => directState({ skuId: l.skuId.toLowerCase(), disabledPlans: l.disabledPlans.map((p) => p.toLowerCase()) }, seed.now));
      store.setLicenseStates(record, licenses);
    });
  }
  // Managers once every user exists: a manager may be listed after its reports, or be soft-deleted.
  for (const [list, users] of lists) {
    users.forEach((input, index) => {
      if (input.manager === undefined) return;
      const field = `${list}[${index}].manager`;
      const managerId = input.manager.toLowerCase();
      if (!store.findActive(managerId) && !store.findDeleted(managerId)) throw new SeedError(field, `no user has id ${input.manager}`);
      if (managerId === input.id.toLowerCase()) throw new SeedError(field, 'is the user itself');
      const record = store.findActive(input.id) ?? store.findDeleted(input.id);
      if (record) record.managerId = managerId;
    });
  }
  (seed.groups ?? []).forEach((group, index) => {
    const members = new Set<string>();
    group.members.forEach((memberId, memberIndex) => {
      const member = store.findActive(memberId) ?? store.findDeleted(memberId);
      if (!member) throw new SeedError(`groups[${index}].members[${memberIndex}]`, `no user has id ${memberId}`);
      members.add(member.id);
    });
    group.assignedLicenses.forEach((license, licenseIndex) => {
      if (!store.skus.has(license.skuId.toLowerCase())) throw new SeedError(`groups[${index}].assignedLicenses[${licenseIndex}].skuId`, `${license.skuId} is not in subscribedSkus`);
    });
    const record = { id: group.id.toLowerCase(), displayName: group.displayName, assignedLicenses: group.assignedLicenses.map((l) => ({ skuId: l.skuId.toLowerCase(), disabledPlans: l.disabledPlans.map((p) => p.toLowerCase()) })), members };
    store.groups.set(record.id, record);
    for (const memberId of [...members].sort()) {
      const member = store.findActive(memberId) ?? store.findDeleted(memberId);
      if (member) store.applyGroupLicenses(member, record);
    }
  });
  const clientIds = new Set<string>();
  seed.apps.forEach((app, index) => {
    if (clientIds.has(app.clientId.toLowerCase())) throw new SeedError(`apps[${index}].clientId`, 'is listed twice');
    clientIds.add(app.clientId.toLowerCase());
    checkAppCredentials(app, `apps[${index}]`);
  });
  store.purgeExpired();
  // The seed is the tenant's starting point, not a history: delta tokens start after it.
  store.journal.forgetAll();
  return store;
}

/** Turns a Graph conflict raised while seeding into a SeedError naming the user. */
function withSeedField<T>(field: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof GraphError) throw new SeedError(field, error.message);
    throw error;
  }
}

/**
 * An app proves itself with its secret or a federated credential, so it needs one of them. Within an app,
 * credential names are unique (Graph's alternate key) and so is each issuer and subject pair ("The combination
 * of the values of issuer and subject must be unique within the app").
 */
function checkAppCredentials(app: SeedApp, field: string): void {
  const credentials = app.federatedIdentityCredentials ?? [];
  if (app.clientSecret === undefined && credentials.length === 0) throw new SeedError(field, 'needs a clientSecret or at least one federatedIdentityCredentials entry');
  const names = new Map<string, number>();
  const pairs = new Map<string, number>();
  credentials.forEach((credential, index) => {
    const at = `${field}.federatedIdentityCredentials[${index}]`;
    if (!isHttpUrl(credential.issuer)) throw new SeedError(`${at}.issuer`, 'is not an absolute http(s) URL');
    const sameName = names.get(credential.name.toLowerCase());
    if (sameName !== undefined) throw new SeedError(`${at}.name`, `is also the name of federatedIdentityCredentials[${sameName}]`);
    names.set(credential.name.toLowerCase(), index);
    const pair = JSON.stringify([credential.issuer, credential.subject]);
    const samePair = pairs.get(pair);
    if (samePair !== undefined) throw new SeedError(`${at}.subject`, `repeats the issuer and subject of federatedIdentityCredentials[${samePair}]`);
    pairs.set(pair, index);
  });
}

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
}
