/**
 * Names, addresses and SKU choices for the synthetic tenant generator (synthetic.ts): hand-written lists, a
 * Dutch-leaning mix since most generated users sit in NL, and the helpers that turn them into unique address
 * local parts.
 * Addresses are ASCII letters and dots only (UPNs allow `A–Z a–z 0–9 ' . - _ ! # ^ ~`).
 */
import { SKU_CATALOG_SKUS } from '../../domain/sku-catalog.data.ts';
import { findCatalogSkus } from '../../domain/sku-catalog.ts';
import type { CatalogSku } from '../../domain/sku-catalog.ts';
import type { UserPurpose } from '../directory/model.ts';

/** The part of the generator's seeded PRNG these helpers draw from. */
export interface Draw {
  int(n: number): number;
  float(): number;
}

const FIRST_NAMES: readonly string[] = [
  'Anna', 'Bram', 'Daan', 'Emma', 'Eva', 'Fleur', 'Hugo', 'Iris', 'Jan', 'Jesse', 'Julia', 'Lars',
  'Lisa', 'Lotte', 'Luuk', 'Maud', 'Milan', 'Noah', 'Noor', 'Pieter', 'Sanne', 'Sem', 'Sophie', 'Stijn',
  'Tess', 'Thijs', 'Wouter', 'Yara', 'Ahmed', 'Fatima', 'Mohamed', 'Priya', 'Ravi', 'Mei', 'Chen',
  'Olga', 'Lukas', 'Marie', 'James', 'Olivia', 'Carlos', 'Lucia', 'Kofi', 'Amara', 'Henk', 'Ingrid',
];

/** Display form; the address form drops spaces and apostrophes ("de Vries" -> "devries"). */
const LAST_NAMES: readonly string[] = [
  'de Jong', 'Jansen', 'de Vries', 'van den Berg', 'van Dijk', 'Bakker', 'Janssen', 'Visser', 'Smit',
  'Meijer', 'de Boer', 'Mulder', 'de Groot', 'Bos', 'Vos', 'Peters', 'Hendriks', 'van Leeuwen',
  'Dekker', 'Brouwer', 'de Wit', 'Dijkstra', 'Smits', 'de Graaf', 'van der Meer', 'Kok', 'Jacobs',
  'de Haan', 'Vermeulen', 'van den Heuvel', 'Schouten', 'Willems', 'Hoekstra', 'Koster', 'Prins',
  'Yilmaz', 'El Amrani', 'Kowalski', 'Schmidt', 'Dubois', 'Garcia', 'Rossi', 'Smith', 'Patel',
  "O'Brien", 'Nguyen', 'Mensah', 'Novak',
];

const SHARED_MAILBOX_NAMES: readonly string[] = [
  'Info', 'Sales', 'Support', 'Finance', 'Invoices', 'HR', 'Recruitment', 'Reception', 'Facilities',
  'Marketing', 'Legal', 'Privacy', 'Service Desk', 'Planning', 'Purchasing', 'Press',
];

const ROOM_NAMES: readonly string[] = [
  'Amsterdam', 'Rotterdam', 'Utrecht', 'Eindhoven', 'Groningen', 'Maastricht', 'Zwolle', 'Delft',
  'Leiden', 'Haarlem', 'Antwerp', 'Berlin',
];

const EQUIPMENT_NAMES: readonly string[] = ['Beamer', 'Pool car', 'Camera', 'Laptop cart', 'Van'];

/** Usage locations other than the main one (NL). */
const OTHER_COUNTRIES: readonly string[] = ['BE', 'DE', 'GB', 'US', 'FR', 'ES'];

/**
 * Common user-assignable products, tried (shuffled) after ENTERPRISEPACK and SPE_E5 before the rest of
 * the catalog. The catalog has no `appliesTo`, so this list is how the generator prefers SKUs that
 * real tenants assign to users.
 */
const COMMON_USER_SKUS: ReadonlySet<string> = new Set([
  'SPE_E3', 'ENTERPRISEPREMIUM', 'STANDARDPACK', 'DESKLESSPACK', 'SPE_F1', 'M365_F1',
  'O365_BUSINESS_PREMIUM', 'SPB', 'O365_BUSINESS_ESSENTIALS', 'O365_BUSINESS', 'OFFICESUBSCRIPTION',
  'EXCHANGESTANDARD', 'EXCHANGEENTERPRISE', 'EXCHANGEDESKLESS', 'EMS', 'EMSPREMIUM', 'AAD_PREMIUM',
  'AAD_PREMIUM_P2', 'POWER_BI_PRO', 'PROJECTPROFESSIONAL', 'PROJECTPREMIUM', 'VISIOCLIENT', 'MCOEV',
  'MCOMEETADV', 'MCOPSTN1', 'MCOPSTN2', 'ATP_ENTERPRISE', 'THREAT_INTELLIGENCE', 'FLOW_PER_USER',
  'POWERAPPS_PER_USER', 'WIN10_VDA_E3', 'WIN_DEF_ATP', 'INTUNE_A', 'INFORMATION_PROTECTION_COMPLIANCE',
  'Microsoft_365_Copilot', 'RIGHTSMANAGEMENT',
]);
/** MCOPSTN5 names two products (docs/graph-behaviour.md §7); the generator uses only 54a152dc-…. */
const MCOPSTN5_DUPLICATE = 'd43177b5-475b-4880-92d4-d54c27b5efbd';
/** Government, trial and free products are not what a synthetic commercial tenant buys. */
const NOT_BOUGHT = /GOV|DOD|GCC|TRIAL|VIRAL|FREE/i;

export interface SkuChoices {
  /** ENTERPRISEPACK, then SPE_E5. */
  readonly fixed: readonly [CatalogSku, CatalogSku];
  readonly common: readonly CatalogSku[];
  readonly others: readonly CatalogSku[];
}

let choices: SkuChoices | undefined;

/** The catalog SKUs the generator may subscribe to, in three tiers (each later tier shuffled by the caller). */
export function skuChoices(): SkuChoices {
  if (choices !== undefined) return choices;
  const all = SKU_CATALOG_SKUS
    .filter(([skuId, part, , plans]) => plans.length > 0 && skuId !== MCOPSTN5_DUPLICATE && !NOT_BOUGHT.test(part))
    .flatMap(([skuId]) => findCatalogSkus(skuId));
  const [e3, e5] = ['ENTERPRISEPACK', 'SPE_E5'].map((part) => all.find((s) => s.skuPartNumber === part));
  if (e3 === undefined || e5 === undefined) throw new Error('synthetic: the SKU catalog lacks ENTERPRISEPACK or SPE_E5');
  const rest = all.filter((s) => s !== e3 && s !== e5);
  choices = { fixed: [e3, e5], common: rest.filter((s) => COMMON_USER_SKUS.has(s.skuPartNumber)), others: rest.filter((s) => !COMMON_USER_SKUS.has(s.skuPartNumber)) };
  return choices;
}

export const maxSyntheticSkus = (): number => 2 + skuChoices().common.length + skuChoices().others.length;

export interface Person {
  readonly given: string;
  readonly surname: string;
  /** `first.last`, the address local part before de-duplication. */
  readonly base: string;
}

export const slug = (s: string): string => s.toLowerCase().replace(/[^a-z]/g, '');
const FIRST_SLUGS = FIRST_NAMES.map(slug);
const LAST_SLUGS = LAST_NAMES.map(slug);

function pick<T>(r: Draw, list: readonly T[]): T {
  const item = list[r.int(list.length)];
  if (item === undefined) throw new Error('synthetic: pick from an empty list');
  return item;
}

export function newPerson(r: Draw): Person {
  const i = r.int(FIRST_NAMES.length), j = r.int(LAST_NAMES.length);
  return { given: FIRST_NAMES[i] ?? '', surname: LAST_NAMES[j] ?? '', base: `${FIRST_SLUGS[i] ?? ''}.${LAST_SLUGS[j] ?? ''}` };
}

/** Someone with the same name as an existing user (a UPN-conflict deleted user). */
export function namesake(given: string, surname: string): Person {
  return { given, surname, base: `${slug(given)}.${slug(surname)}` };
}

/** `j.devries`-style alias base for a person: first initial and surname. */
export const aliasBase = (p: Person): string => `${p.base.charAt(0)}${slug(p.surname)}`;

/**
 * `base` the first time, then `base2`, `base3`…: bases hold no digits, so every returned local part is
 * unique within `used` (base → times handed out).
 */
export function uniqueLocal(used: Map<string, number>, base: string): string {
  const n = used.get(base) ?? 0;
  used.set(base, n + 1);
  return n === 0 ? base : `${base}${n + 1}`;
}

/** 70% NL, 27% a few other countries, 3% none. */
export function usageLocation(r: Draw, noneShare = 0.03): string | null {
  const x = r.float();
  return x < 0.7 ? 'NL' : x < 1 - noneShare ? pick(r, OTHER_COUNTRIES) : null;
}

/** A shared, room or equipment mailbox's display name and address base. */
export function mailboxName(r: Draw, purpose: UserPurpose): { readonly name: string; readonly base: string } {
  const name = purpose === 'room' ? `Room ${pick(r, ROOM_NAMES)}` : pick(r, purpose === 'equipment' ? EQUIPMENT_NAMES : SHARED_MAILBOX_NAMES);
  return { name, base: name.toLowerCase().replace(/[^a-z]+/g, '.') };
}
