// Offline catalog of Microsoft 365 SKUs (licence products) and their service plans, from Microsoft's
// "Product names and service plan identifiers for licensing" table (see sku-catalog.data.ts for source and
// attribution). Pure: the indexes are built from the generated data on first use.
import { isGuid } from './guid.ts';
import { SKU_CATALOG_PLANS, SKU_CATALOG_SKUS } from './sku-catalog.data.ts';
import type { NamedCandidate } from './suggest.ts';
import { nameKey, rankCandidates } from './suggest.ts';

export { SKU_CATALOG_SOURCE } from './sku-catalog.data.ts';

export interface CatalogServicePlan {
  readonly servicePlanId: string;
  readonly servicePlanName: string;
  readonly friendlyName: string | null;
}

export interface CatalogSku {
  readonly skuId: string;
  readonly skuPartNumber: string;
  readonly productName: string;
  readonly servicePlans: readonly CatalogServicePlan[];
}

/** A SKU as the tenant or the catalog holds it. */
export interface SkuLike {
  readonly skuId: string;
  readonly skuPartNumber: string;
}

/** A service plan as the tenant or the catalog holds it. */
export interface ServicePlanLike {
  readonly servicePlanId: string;
  readonly servicePlanName: string;
}

/** How a reference named catalog SKUs: by skuId, by part number, or by the product name the admin center shows. */
export interface CatalogSkuMatch {
  readonly by: 'skuId' | 'partNumber' | 'productName';
  /** One SKU, or several when the reference is ambiguous (MCOPSTN5; "Visio Plan 2"). */
  readonly skus: readonly CatalogSku[];
}

interface CatalogIndex {
  readonly skus: readonly CatalogSku[];
  /** By lower-case skuId. */
  readonly bySkuId: ReadonlyMap<string, CatalogSku>;
  /** By lower-case skuPartNumber; MCOPSTN5 has two entries. */
  readonly byPartNumber: ReadonlyMap<string, readonly CatalogSku[]>;
  /** By nameKey(productName); 14 product names are shared by two SKUs. */
  readonly byProductName: ReadonlyMap<string, readonly CatalogSku[]>;
  /** The display names ("friendly names") of each service plan, by lower-case servicePlanId: every spelling the table uses, once. */
  readonly planDisplayNames: ReadonlyMap<string, readonly string[]>;
  /** Distinct skuPartNumbers, in catalog order. */
  readonly partNumbers: readonly string[];
}

const NONE: readonly CatalogSku[] = Object.freeze([]);

let index: CatalogIndex | undefined;

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function buildIndex(): CatalogIndex {
  const plans = SKU_CATALOG_PLANS.map(([servicePlanId, servicePlanName, friendlyName]): CatalogServicePlan =>
    Object.freeze({ servicePlanId, servicePlanName, friendlyName }));
  const skus = SKU_CATALOG_SKUS.map(([skuId, skuPartNumber, productName, planIndexes]): CatalogSku =>
    Object.freeze({
      skuId,
      skuPartNumber,
      productName,
      servicePlans: Object.freeze(planIndexes.map((i) => {
        const plan = plans[i];
        if (plan === undefined) throw new Error(`sku-catalog.data.ts: ${skuPartNumber} refers to service plan ${i}, which does not exist`);
        return plan;
      })),
    }));
  const bySkuId = new Map<string, CatalogSku>();
  const byPartNumber = new Map<string, CatalogSku[]>();
  const byProductName = new Map<string, CatalogSku[]>();
  for (const sku of skus) {
    bySkuId.set(sku.skuId.toLowerCase(), sku);
    push(byPartNumber, sku.skuPartNumber.toLowerCase(), sku);
    push(byProductName, nameKey(sku.productName), sku);
  }
  for (const list of [...byPartNumber.values(), ...byProductName.values()]) Object.freeze(list);
  const planDisplayNames = new Map<string, string[]>();
  for (const plan of plans) {
    if (plan.friendlyName === null || plan.friendlyName.trim() === '') continue;
    const id = plan.servicePlanId.toLowerCase();
    const known = planDisplayNames.get(id) ?? [];
    if (!known.some((n) => nameKey(n) === nameKey(plan.friendlyName as string))) push(planDisplayNames, id, plan.friendlyName);
  }
  return {
    skus,
    bySkuId,
    byPartNumber,
    byProductName,
    planDisplayNames,
    partNumbers: [...new Set(skus.map((s) => s.skuPartNumber))],
  };
}

function catalog(): CatalogIndex {
  index ??= buildIndex();
  return index;
}

/**
 * The catalog SKUs a reference names, and how: a skuId GUID (any case); else a skuPartNumber (case-insensitive,
 * exact otherwise: no trimming, no partial matches); else a product name as the admin center shows it
 * ("Office 365 E3"; compared by nameKey: case and runs of whitespace ignored). Undefined when none.
 */
export function matchCatalogSkus(ref: string): CatalogSkuMatch | undefined {
  const { bySkuId, byPartNumber, byProductName } = catalog();
  if (isGuid(ref)) {
    const sku = bySkuId.get(ref.toLowerCase());
    return sku === undefined ? undefined : { by: 'skuId', skus: [sku] };
  }
  const byPart = byPartNumber.get(ref.toLowerCase());
  if (byPart !== undefined) return { by: 'partNumber', skus: byPart };
  const byName = ref.trim() === '' ? undefined : byProductName.get(nameKey(ref));
  return byName === undefined ? undefined : { by: 'productName', skus: byName };
}

/**
 * All SKUs matching a reference (see matchCatalogSkus): by skuId, part number or product name. [] if unknown;
 * 2 entries for MCOPSTN5 and for a product name two SKUs share.
 */
export function findCatalogSkus(ref: string): readonly CatalogSku[] {
  return matchCatalogSkus(ref)?.skus ?? NONE;
}

/** The catalog's entry for a SKU the tenant holds: by its skuId, else by its part number when that names one product. */
export function catalogEntryOf(sku: SkuLike): CatalogSku | undefined {
  const { bySkuId, byPartNumber } = catalog();
  const byId = bySkuId.get(sku.skuId.toLowerCase());
  if (byId !== undefined) return byId;
  const byPart = byPartNumber.get(sku.skuPartNumber.toLowerCase());
  return byPart?.length === 1 ? byPart[0] : undefined;
}

/**
 * Whether `ref` is the catalog's product name of this SKU (by nameKey: "office 365  e3" names ENTERPRISEPACK):
 * how a product name written in the policy finds the tenant's SKU (tenant-index.ts, findTenantSkus).
 */
export function isProductNameOf(sku: SkuLike, ref: string): boolean {
  const entry = catalogEntryOf(sku);
  return entry !== undefined && ref.trim() !== '' && nameKey(entry.productName) === nameKey(ref);
}

/** "ENTERPRISEPACK (Office 365 E3)" for a SKU (the tenant's or the catalog's); the part number alone when the catalog does not know it. */
export function describeSkuOf(sku: SkuLike): string {
  const entry = catalogEntryOf(sku);
  return entry === undefined ? sku.skuPartNumber : `${sku.skuPartNumber} (${entry.productName})`;
}

/** The catalog's display names of a service plan id (every spelling the table uses; [] when it has none). */
export function servicePlanDisplayNames(servicePlanId: string): readonly string[] {
  return catalog().planDisplayNames.get(servicePlanId.toLowerCase()) ?? [];
}

/**
 * The plans among `plans` (one SKU's) that a reference names: a servicePlanId GUID (any case); else a
 * servicePlanName (an exact-case match wins if two names differ only in case, else case-insensitive); else a
 * display name of the catalog ("Yammer Enterprise"; by nameKey). Several only when a display name is ambiguous
 * within the SKU (two plans called "Microsoft Teams"); [] when none.
 */
export function matchServicePlans<P extends ServicePlanLike>(plans: readonly P[], ref: string): readonly P[] {
  if (isGuid(ref)) {
    const key = ref.toLowerCase();
    return plans.filter((p) => p.servicePlanId.toLowerCase() === key).slice(0, 1);
  }
  const exact = plans.find((p) => p.servicePlanName === ref) ?? plans.find((p) => p.servicePlanName.toLowerCase() === ref.toLowerCase());
  if (exact !== undefined) return [exact];
  if (ref.trim() === '') return [];
  const key = nameKey(ref);
  const byDisplayName = plans.filter((p) => displayNamesOf(p).some((n) => nameKey(n) === key));
  return [...new Map(byDisplayName.map((p) => [p.servicePlanId.toLowerCase(), p])).values()];
}

function displayNamesOf(plan: ServicePlanLike & { readonly friendlyName?: string | null }): readonly string[] {
  const global = servicePlanDisplayNames(plan.servicePlanId);
  return plan.friendlyName ? [plan.friendlyName, ...global] : global;
}

/**
 * A plan of this SKU by servicePlanId GUID (any case), servicePlanName (case-insensitive; an exact-case match
 * wins if two names differ only in case) or the catalog's display name; undefined when none or ambiguous.
 */
export function findCatalogServicePlan(sku: CatalogSku, ref: string): CatalogServicePlan | undefined {
  const found = matchServicePlans(sku.servicePlans, ref);
  return found.length === 1 ? found[0] : undefined;
}

/**
 * "YAMMER_ENTERPRISE (Yammer Enterprise)": a plan's name and its display name in the catalog (the plan's own
 * when it has one); the name alone when the catalog has none but the name itself.
 */
export function describeServicePlan(plan: ServicePlanLike & { readonly friendlyName?: string | null }): string {
  const display = displayNamesOf(plan).find((n) => nameKey(n) !== nameKey(plan.servicePlanName));
  return display === undefined ? plan.servicePlanName : `${plan.servicePlanName} (${display})`;
}

/**
 * "ENTERPRISEPACK (Office 365 E3)" for a known part number (any case), skuId or product name; the reference
 * unchanged when unknown or ambiguous, e.g. "MCOPSTN5" (but a skuId of MCOPSTN5 resolves to its own product name).
 */
export function describeSku(ref: string): string {
  const found = findCatalogSkus(ref);
  const sku = found.length === 1 ? found[0] : undefined;
  return sku === undefined ? ref : `${sku.skuPartNumber} (${sku.productName})`;
}

/**
 * Up to `max` (default 3) SKUs among `skus` for a misspelt or partial reference, best first (rankCandidates): by
 * part number and by the catalog's product name; SKUs for which `preferred` holds (the tenant's own) come before
 * the others that are not exact name matches.
 */
export function suggestSkus<S extends SkuLike>(ref: string, skus: Iterable<S>, max = 3, preferred?: (sku: S) => boolean): S[] {
  const candidates: NamedCandidate<S>[] = [];
  for (const sku of skus) {
    const product = catalogEntryOf(sku)?.productName;
    candidates.push({ value: sku, names: product === undefined ? [sku.skuPartNumber] : [sku.skuPartNumber, product], preferred: preferred?.(sku) === true });
  }
  return rankCandidates(ref, candidates, max);
}

/**
 * Up to `max` (default 3) catalog SKUs for a misspelt reference (suggestSkus over the whole catalog), described
 * as "SPE_E3 (Microsoft 365 E3)"; for "did you mean" messages.
 */
export function suggestCatalogSkus(ref: string, max = 3): readonly string[] {
  return suggestSkus(ref, catalog().skus, max).map(describeSkuOf);
}

/** The part numbers of suggestCatalogSkus (each once: the two MCOPSTN5 are one suggestion). */
export function suggestSkuPartNumbers(ref: string, max = 3): readonly string[] {
  return [...new Set(suggestSkus(ref, catalog().skus, max + 1).map((s) => s.skuPartNumber))].slice(0, max);
}

/**
 * Up to `max` (default 3) plans among `plans` (one SKU's) for a misspelt or partial reference, by servicePlanName
 * and by the catalog's display names ("Yammer" → YAMMER_ENTERPRISE).
 */
export function suggestServicePlans<P extends ServicePlanLike>(plans: readonly P[], ref: string, max = 3): P[] {
  return rankCandidates(ref, plans.map((p) => ({ value: p, names: [p.servicePlanName, ...displayNamesOf(p)] })), max);
}

/** The servicePlanNames of suggestServicePlans for a catalog SKU. */
export function suggestServicePlanNames(sku: CatalogSku, ref: string, max = 3): readonly string[] {
  return suggestServicePlans(sku.servicePlans, ref, max).map((p) => p.servicePlanName);
}

/** How many SKUs the catalog holds (610 in the 2025-10-29 table). */
export function catalogSkuCount(): number {
  return catalog().skus.length;
}
