import { ATTRIBUTE_NAMES } from '../../domain/attributes.ts';
import type { AttributeValue } from '../../domain/attributes.ts';
import { addDays } from '../../domain/clock.ts';
import type { DesiredLicense, DesiredMailbox, DesiredPrincipal, DesiredState, DesiredUser } from '../../domain/desired.ts';
import { isExchangeMailboxPlan } from '../../domain/exchange-plans.ts';
import type { CatalogSku } from '../../domain/sku-catalog.ts';
import { findCatalogServicePlan, findCatalogSkus } from '../../domain/sku-catalog.ts';
import { splitUserPrincipalName } from '../../domain/upn.ts';

/**
 * The tenant `tenantctl demo` reconciles: the policy's own tenant, converged, then drifted the way
 * real tenants drift (issue 5). Pure apart from the app secret, which the caller makes and passes
 * in: the same policy and `now` give the same tenant. The seed is in the emulator's documented
 * Graph shapes (docs/emulator.md §3). The types are restated here rather than imported from the
 * emulator's internals, so that this fixture depends on the seed format and not on how the emulator
 * is organised inside; the compiler checks them where command.ts hands the seed to the emulator, and
 * test/cli/demo.test.ts checks that they stay assignable to its `Seed`.
 */

/** How many days before `now` each piece of drift happened. */
export const DEMO_DRIFT_DAYS = {
  deletedRecently: 5,
  /** 4 days left of the 30: the plan warns that the restore window is closing. */
  deletedLongAgo: 26,
  deletedMailbox: 3,
  /** Exchange keeps the disconnected mailbox 30 days: 20 left. */
  licenseRemoved: 10,
  /** Past the 30 days: the emulator purges it on load, as Entra would have. */
  purged: 40,
  /** Deleted this long ago; an empty account was created under its UPN a day later. */
  recreated: 12,
  /** Someone changed an attribute in the admin center this long ago. */
  attributeChanged: 2,
} as const;

/** What someone typed over the declared attribute in the admin center (the demo's attribute drift). */
export const DEMO_STALE_JOB_TITLE = 'Sales Representative';

/** The application permissions of docs/permissions.md §2, exactly: what plan and apply need, nothing more. */
export const DEMO_APP_ROLES: readonly string[] = [
  'User.Read.All',
  'LicenseAssignment.Read.All',
  'MailboxSettings.Read',
  'GroupMember.Read.All',
  'User.DeleteRestore.All',
  'LicenseAssignment.ReadWrite.All',
  'User.ReadWrite.All',
  'GroupMember.ReadWrite.All',
];

export const DEMO_CLIENT_ID = '7e1a0c2d-5b8f-4c3e-9a61-0d3e7f2b9c10';
/** The tenant id when the policy names none. */
export const DEMO_TENANT_ID = '8f3c1a52-0000-4000-8000-0000000000de';

/** Which declared principals drifted, and how. A part nobody in the policy can play is left out. */
export interface DemoCast {
  readonly deletedRecently?: DesiredUser;
  readonly deletedLongAgo?: DesiredUser;
  readonly deletedMailbox?: DesiredMailbox;
  /** Its licenses (with Exchange) were removed; the mailbox is disconnected. */
  readonly licenseRemoved?: DesiredUser;
  readonly purged?: DesiredUser;
  /** Deleted, then someone made a new, empty account under its UPN: a UPN conflict. */
  readonly recreated?: DesiredUser;
  /** Active without `sku`, which has one seat fewer than the policy needs. */
  readonly waitingForSeat?: { readonly user: DesiredUser; readonly sku: CatalogSku };
  /** A shared/room/equipment mailbox whose account can sign in. */
  readonly signInEnabledMailbox?: DesiredMailbox;
  /** Declared, never in the tenant: a new hire, created by apply. */
  readonly newHire?: DesiredUser;
  /** One declared attribute (jobTitle when declared, else displayName) was typed over in the admin center. */
  readonly attributeDrift?: DesiredUser;
  /** Holds a license set given through a group, but is not a member of the group yet. */
  readonly joinsGroup?: DesiredUser;
  /** A protected principal (break-glass) whose sign-in someone flipped: reported, never touched. */
  readonly protectedDrift?: DesiredUser;
}

/**
 * For the example policy the parts go to these people (by local part), so that the story reads the
 * same every time; any other policy gets the first principal that fits each part.
 */
const PREFERRED: Readonly<Record<keyof DemoCast, string>> = {
  licenseRemoved: 'carol',
  waitingForSeat: 'judy',
  deletedRecently: 'dave',
  deletedLongAgo: 'frank',
  recreated: 'niaj',
  purged: 'peggy',
  deletedMailbox: 'info',
  signInEnabledMailbox: 'support',
  newHire: 'quinn',
  attributeDrift: 'bob',
  joinsGroup: 'grace',
  protectedDrift: 'breakglass',
};

/** Picks the cast from the policy (pure, deterministic). */
export function castDemo(desired: DesiredState): DemoCast {
  const taken = new Set<string>();
  const pick = <P extends DesiredPrincipal>(part: keyof DemoCast, candidates: readonly P[], fits: (p: P) => boolean = () => true): P | undefined => {
    const free = candidates.filter((p) => !taken.has(p.userPrincipalName) && fits(p));
    const chosen = free.find((p) => splitUserPrincipalName(p.userPrincipalName).localPart === PREFERRED[part]) ?? free[0];
    if (chosen) taken.add(chosen.userPrincipalName);
    return chosen;
  };
  // A protected principal plays only its own part: tenantctl never writes to it, so no other drift of it would be repaired.
  const everyUser = desired.principals.filter((p): p is DesiredUser => p.kind === 'user');
  const users = everyUser.filter((u) => !u.protected);
  const mailboxes = desired.principals.filter((p): p is DesiredMailbox => p.kind === 'mailbox' && !p.protected);
  const protectedDrift = pick('protectedDrift', everyUser, (u) => u.protected);
  // The new hire is not in the tenant: nobody the seed holds may name it as manager.
  const managers = new Set(desired.principals.flatMap((p) => (typeof p.manager === 'string' ? [p.manager] : [])));
  const newHire = pick('newHire', users, (u) => !managers.has(u.userPrincipalName) && u.whenMissing === 'create');
  const joinsGroup = pick('joinsGroup', users, (u) => u.licenses.some((l) => l.group !== undefined));
  const attributeDrift = pick('attributeDrift', users);

  const licenseRemoved = pick('licenseRemoved', users, (u) => u.licenses.some((l) => grantsMailbox(l)));
  // The short SKU must not be one the license-removed user needs back, or the seat it is denied could be that user's.
  const keptSkus = new Set((licenseRemoved?.licenses ?? []).flatMap((l) => catalogSkuOf(l)?.skuId ?? []));
  // Only a direct license can wait for a seat here (a group's would wait in the group, as CountViolation).
  const shortSkuOf = (u: DesiredUser): CatalogSku | undefined => u.licenses.filter((l) => l.group === undefined).map(catalogSkuOf).find((s) => s !== undefined && !keptSkus.has(s.skuId));
  const waiting = pick('waitingForSeat', users, (u) => shortSkuOf(u) !== undefined);
  const waitingSku = waiting && shortSkuOf(waiting);
  const deletedRecently = pick('deletedRecently', users);
  const deletedLongAgo = pick('deletedLongAgo', users);
  const recreated = pick('recreated', users);
  const purged = pick('purged', users);
  const deletedMailbox = pick('deletedMailbox', mailboxes, (m) => m.mailboxType === 'shared') ?? pick('deletedMailbox', mailboxes);
  const signInEnabledMailbox = pick('signInEnabledMailbox', mailboxes);
  return {
    ...(deletedRecently ? { deletedRecently } : {}),
    ...(deletedLongAgo ? { deletedLongAgo } : {}),
    ...(deletedMailbox ? { deletedMailbox } : {}),
    ...(licenseRemoved ? { licenseRemoved } : {}),
    ...(purged ? { purged } : {}),
    ...(recreated ? { recreated } : {}),
    ...(waiting && waitingSku ? { waitingForSeat: { user: waiting, sku: waitingSku } } : {}),
    ...(signInEnabledMailbox ? { signInEnabledMailbox } : {}),
    ...(newHire ? { newHire } : {}),
    ...(attributeDrift ? { attributeDrift } : {}),
    ...(joinsGroup ? { joinsGroup } : {}),
    ...(protectedDrift ? { protectedDrift } : {}),
  };
}

// ---- the seed, in the emulator's Graph shapes --------------------------------------------------

export interface DemoSeedLicense {
  readonly skuId: string;
  readonly disabledPlans: readonly string[];
}

export interface DemoSeedUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly accountEnabled: boolean;
  readonly usageLocation: string | null;
  readonly mail: string;
  readonly mailNickname: string;
  readonly proxyAddresses: readonly string[];
  readonly createdDateTime: string;
  readonly assignedLicenses: readonly DemoSeedLicense[];
  readonly assignedPlans?: readonly { readonly assignedDateTime: string; readonly capabilityStatus: 'Deleted'; readonly service: string; readonly servicePlanId: string }[];
  readonly mailboxSettings: { readonly userPurpose: 'user' | 'shared' | 'room' | 'equipment' };
  readonly deletedDateTime?: string;
  /** The manager's object id. */
  readonly manager?: string;
  readonly givenName?: string | null;
  readonly surname?: string | null;
  readonly jobTitle?: string | null;
  readonly department?: string | null;
  readonly companyName?: string | null;
  readonly officeLocation?: string | null;
  readonly employeeId?: string | null;
  readonly employeeType?: string | null;
  readonly city?: string | null;
  readonly country?: string | null;
  readonly mobilePhone?: string | null;
  readonly businessPhones?: readonly string[];
}

export interface DemoSeedGroup {
  readonly id: string;
  readonly displayName: string;
  readonly assignedLicenses: readonly DemoSeedLicense[];
  /** User ids. */
  readonly members: readonly string[];
}

export interface DemoSeedSku {
  readonly skuId: string;
  readonly skuPartNumber: string;
  readonly prepaidUnits: { readonly enabled: number; readonly suspended: number; readonly warning: number; readonly lockedOut: number };
  readonly servicePlans: readonly { readonly servicePlanId: string; readonly servicePlanName: string }[];
}

export interface DemoSeed {
  readonly tenantId: string;
  readonly now: string;
  readonly domains: readonly string[];
  readonly organization: { readonly displayName: string };
  readonly subscribedSkus: readonly DemoSeedSku[];
  readonly users: readonly DemoSeedUser[];
  readonly deletedUsers: readonly DemoSeedUser[];
  readonly groups: readonly DemoSeedGroup[];
  readonly apps: readonly { readonly clientId: string; readonly clientSecret: string; readonly roles: readonly string[]; readonly displayName: string }[];
}

/** Spare seats are rounded up to whole packs, as they are bought. */
const SEAT_PACK = 5;
/** When the converged accounts were made, for the record. */
const ACCOUNT_AGE_DAYS = 400;

/**
 * The drifted tenant (issue 5): every declared principal converged — licenses with their disabled
 * plans as ids, usage locations, mailbox types, sign-in blocked on mailboxes — except the cast's
 * drift; SKUs from the catalog with enough seats, but one short on the waiting user's SKU; one app
 * with exactly the roles of docs/permissions.md §2 and `clientSecret`.
 */
export function demoSeed(desired: DesiredState, now: string, clientSecret: string): DemoSeed {
  const cast = castDemo(desired);
  const ago = (days: number): string => addDays(now, -days);
  const is = (p: DesiredPrincipal, part: DesiredPrincipal | undefined): boolean => part !== undefined && part.userPrincipalName === p.userPrincipalName;

  const users: DemoSeedUser[] = [];
  const deletedUsers: DemoSeedUser[] = [];
  // Managers by the id the seed gives them: only principals the seed holds active under their own id.
  const activeIds = new Map<string, string>();
  for (const principal of desired.principals) {
    const elsewhere = [cast.newHire, cast.deletedRecently, cast.deletedLongAgo, cast.deletedMailbox, cast.purged, cast.recreated].some((part) => is(principal, part));
    if (!elsewhere) activeIds.set(principal.userPrincipalName, demoId(`user:${principal.userPrincipalName}`));
  }
  for (const principal of desired.principals) {
    if (is(principal, cast.newHire)) continue; // declared, not hired yet: apply creates it
    const account = convergedAccount(principal, desired, now, ago(ACCOUNT_AGE_DAYS), activeIds);
    if (is(principal, cast.deletedRecently)) deletedUsers.push({ ...account, deletedDateTime: ago(DEMO_DRIFT_DAYS.deletedRecently) });
    else if (is(principal, cast.deletedLongAgo)) deletedUsers.push({ ...account, deletedDateTime: ago(DEMO_DRIFT_DAYS.deletedLongAgo) });
    else if (is(principal, cast.deletedMailbox)) deletedUsers.push({ ...account, deletedDateTime: ago(DEMO_DRIFT_DAYS.deletedMailbox) });
    else if (is(principal, cast.purged)) deletedUsers.push({ ...account, deletedDateTime: ago(DEMO_DRIFT_DAYS.purged) });
    else if (is(principal, cast.recreated)) {
      deletedUsers.push({ ...account, deletedDateTime: ago(DEMO_DRIFT_DAYS.recreated) });
      // The re-created account: same name and addresses, a new object, an empty mailbox.
      users.push({ ...account, id: demoId(`recreated:${principal.userPrincipalName}`), createdDateTime: ago(DEMO_DRIFT_DAYS.recreated - 1) });
    } else if (is(principal, cast.licenseRemoved)) {
      const exchange = account.assignedLicenses.flatMap((l) => catalogSkuOf(l.skuId)?.servicePlans.filter((p) => isExchangeMailboxPlan(p.servicePlanId) && !l.disabledPlans.includes(p.servicePlanId.toLowerCase())) ?? [])[0];
      users.push({
        ...account,
        assignedLicenses: [],
        ...(exchange ? { assignedPlans: [{ assignedDateTime: ago(DEMO_DRIFT_DAYS.licenseRemoved), capabilityStatus: 'Deleted', service: 'exchange', servicePlanId: exchange.servicePlanId.toLowerCase() }] } : {}),
      });
    } else if (is(principal, cast.waitingForSeat?.user)) {
      const short = cast.waitingForSeat?.sku.skuId.toLowerCase();
      users.push({ ...account, assignedLicenses: account.assignedLicenses.filter((l) => l.skuId !== short) });
    } else if (is(principal, cast.signInEnabledMailbox)) users.push({ ...account, accountEnabled: true });
    else if (is(principal, cast.protectedDrift)) users.push({ ...account, accountEnabled: !account.accountEnabled });
    else if (is(principal, cast.attributeDrift)) {
      users.push(principal.attributes.jobTitle === undefined ? { ...account, displayName: `${account.displayName} (old)` } : { ...account, jobTitle: DEMO_STALE_JOB_TITLE });
    } else users.push(account);
  }

  // Seats: what the tenant holds once converged (the purged user's are free again; a re-created user holds twice; the new hire holds nothing yet).
  const holders = new Map<string, number>();
  const skus = new Map<string, CatalogSku>();
  for (const principal of desired.principals) {
    if (is(principal, cast.purged) || is(principal, cast.newHire)) continue;
    for (const license of principal.licenses) {
      const sku = catalogSkuOf(license);
      if (!sku) continue;
      const id = sku.skuId.toLowerCase();
      skus.set(id, sku);
      holders.set(id, (holders.get(id) ?? 0) + (is(principal, cast.recreated) ? 2 : 1));
    }
  }
  const short = cast.waitingForSeat?.sku.skuId.toLowerCase();
  const subscribedSkus: DemoSeedSku[] = [...skus.values()].map((sku) => {
    const id = sku.skuId.toLowerCase();
    const held = holders.get(id) ?? 0;
    const enabled = id === short ? held - 1 : Math.ceil((held + 1) / SEAT_PACK) * SEAT_PACK;
    return {
      skuId: id,
      skuPartNumber: sku.skuPartNumber,
      prepaidUnits: { enabled, suspended: 0, warning: 0, lockedOut: 0 },
      servicePlans: uniqueBy(sku.servicePlans, (p) => p.servicePlanId.toLowerCase()).map((p) => ({ servicePlanId: p.servicePlanId.toLowerCase(), servicePlanName: p.servicePlanName })),
    };
  });

  const domains = [...new Set(desired.principals.map((p) => splitUserPrincipalName(p.userPrincipalName).domain))];
  const organization = (domains[0] ?? 'contoso.com').split('.')[0] ?? 'contoso';
  if (!domains.includes(`${organization}.onmicrosoft.com`)) domains.push(`${organization}.onmicrosoft.com`);
  return {
    tenantId: desired.tenantId ?? DEMO_TENANT_ID,
    now,
    domains,
    organization: { displayName: `${organization.charAt(0).toUpperCase()}${organization.slice(1)}` },
    subscribedSkus,
    users,
    deletedUsers,
    groups: licensingGroups(desired, users, (p) => !is(p, cast.joinsGroup)),
    apps: [{ clientId: DEMO_CLIENT_ID, clientSecret, roles: DEMO_APP_ROLES, displayName: 'tenantctl demo' }],
  };
}

/**
 * The licensing groups the policy's license sets name, each assigning its sets' SKUs, with the active
 * accounts that hold such a set as members (but those `member` leaves out).
 */
function licensingGroups(desired: DesiredState, active: readonly DemoSeedUser[], member: (p: DesiredPrincipal) => boolean): DemoSeedGroup[] {
  const activeIds = new Set(active.map((u) => u.id));
  const groups = new Map<string, { id: string; displayName: string; licenses: Map<string, DemoSeedLicense>; members: Set<string> }>();
  for (const principal of desired.principals) {
    for (const license of principal.licenses) {
      if (license.group === undefined) continue;
      const sku = catalogSkuOf(license);
      if (!sku) continue;
      const isId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u.test(license.group);
      const key = license.group.toLowerCase();
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { id: isId ? key : demoId(`group:${key}`), displayName: isId ? `Licensing: ${sku.skuPartNumber}` : license.group, licenses: new Map(), members: new Set() }));
      group.licenses.set(sku.skuId.toLowerCase(), { skuId: sku.skuId.toLowerCase(), disabledPlans: disabledPlanIds(sku, license) });
      const id = demoId(`user:${principal.userPrincipalName}`);
      if (member(principal) && activeIds.has(id)) group.members.add(id);
    }
  }
  return [...groups.values()].map((g) => ({ id: g.id, displayName: g.displayName, assignedLicenses: [...g.licenses.values()], members: [...g.members].sort() }));
}

function disabledPlanIds(sku: CatalogSku, license: DesiredLicense): string[] {
  return [...new Set(license.disabledPlans.flatMap((ref) => findCatalogServicePlan(sku, ref)?.servicePlanId.toLowerCase() ?? []))].sort();
}

/** The declared attributes other than displayName, in the seed's (Graph's) shape; unset ones left out. */
function seedAttributes(principal: DesiredPrincipal): Partial<Record<string, AttributeValue>> {
  const out: Partial<Record<string, AttributeValue>> = {};
  for (const name of ATTRIBUTE_NAMES) {
    const value = principal.attributes[name];
    if (name === 'displayName' || value === undefined || value === null) continue;
    out[name] = value;
  }
  return out;
}

/** The principal as the policy wants it; its manager by the id `activeIds` gives it, when the seed holds it. */
function convergedAccount(principal: DesiredPrincipal, desired: DesiredState, now: string, createdDateTime: string, activeIds: ReadonlyMap<string, string>): DemoSeedUser {
  const upn = principal.userPrincipalName;
  const localPart = splitUserPrincipalName(upn).localPart;
  const managerId = typeof principal.manager === 'string' ? activeIds.get(principal.manager) : undefined;
  return {
    ...seedAttributes(principal),
    ...(managerId === undefined ? {} : { manager: managerId }),
    id: demoId(`user:${upn}`),
    userPrincipalName: upn,
    displayName: principal.displayName,
    accountEnabled: principal.accountEnabled,
    usageLocation: principal.usageLocation ?? desired.defaults.usageLocation ?? null,
    mail: upn,
    mailNickname: localPart.replace(/[^A-Za-z0-9._-]/gu, '').slice(0, 64) || 'user',
    proxyAddresses: [`SMTP:${upn}`],
    createdDateTime: createdDateTime < now ? createdDateTime : now,
    // Direct licenses only: a license set given through a group comes from the group's membership.
    assignedLicenses: principal.licenses.flatMap((license) => {
      const sku = catalogSkuOf(license);
      if (!sku || license.group !== undefined) return [];
      return [{ skuId: sku.skuId.toLowerCase(), disabledPlans: disabledPlanIds(sku, license) }];
    }),
    mailboxSettings: { userPurpose: principal.kind === 'mailbox' ? principal.mailboxType : 'user' },
  };
}

/** The catalog's SKU for a declared license (or a skuId); undefined when unknown or ambiguous (the plan then says so). */
function catalogSkuOf(license: DesiredLicense | string): CatalogSku | undefined {
  const found = findCatalogSkus(typeof license === 'string' ? license : license.sku);
  return found.length === 1 ? found[0] : undefined;
}

function grantsMailbox(license: DesiredLicense): boolean {
  const sku = catalogSkuOf(license);
  if (!sku) return false;
  const disabled = new Set(license.disabledPlans.flatMap((ref) => findCatalogServicePlan(sku, ref)?.servicePlanId.toLowerCase() ?? []));
  return sku.servicePlans.some((p) => isExchangeMailboxPlan(p.servicePlanId) && !disabled.has(p.servicePlanId.toLowerCase()));
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => (seen.has(key(item)) ? false : (seen.add(key(item)), true)));
}

/** A stable, GUID-shaped object id for a label (FNV-1a, four rounds): the same tenant on every run. */
export function demoId(label: string): string {
  let hex = '';
  for (let round = 0; round < 4; round++) {
    let hash = 0x811c9dc5;
    for (const ch of `${round}#${label}`) hash = Math.imul(hash ^ (ch.codePointAt(0) ?? 0), 0x01000193) >>> 0;
    hex += hash.toString(16).padStart(8, '0');
  }
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
