// Offline catalog of Microsoft 365 SKUs (licence products) and their service plans, from Microsoft's
// "Product names and service plan identifiers for licensing" table (see sku-catalog.data.ts for source and
// attribution). Pure: the indexes are built from the generated data on first use.
import { isGuid } from './guid.ts';
import { SKU_CATALOG_PLANS, SKU_CATALOG_SKUS } from './sku-catalog.data.ts';
import { closestMatches } from './suggest.ts';

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

interface CatalogIndex {
  readonly skus: readonly CatalogSku[];
  /** By lower-case skuId. */
  readonly bySkuId: ReadonlyMap<string, CatalogSku>;
  /** By lower-case skuPartNumber; MCOPSTN5 has two entries. */
  readonly byPartNumber: ReadonlyMap<string, readonly CatalogSku[]>;
  /** Distinct skuPartNumbers, in catalog order. */
  readonly partNumbers: readonly string[];
}

const NONE: readonly CatalogSku[] = Object.freeze([]);

let index: CatalogIndex | undefined;

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
  for (const sku of skus) {
    bySkuId.set(sku.skuId.toLowerCase(), sku);
    const key = sku.skuPartNumber.toLowerCase();
    const same = byPartNumber.get(key);
    if (same === undefined) byPartNumber.set(key, [sku]);
    else same.push(sku);
  }
  for (const list of byPartNumber.values()) Object.freeze(list);
  return {
    skus,
    bySkuId,
    byPartNumber,
    partNumbers: [...new Set(skus.map((s) => s.skuPartNumber))],
  };
}

function catalog(): CatalogIndex {
  index ??= buildIndex();
  return index;
}

/**
 * All SKUs matching a reference: a skuId GUID (any case) or a skuPartNumber (case-insensitive, exact otherwise:
 * no trimming, no partial matches). [] if unknown; 2 entries for MCOPSTN5.
 */
export function findCatalogSkus(ref: string): readonly CatalogSku[] {
  const { bySkuId, byPartNumber } = catalog();
  const key = ref.toLowerCase();
  if (isGuid(ref)) {
    const sku = bySkuId.get(key);
    return sku === undefined ? NONE : [sku];
  }
  return byPartNumber.get(key) ?? NONE;
}

/**
 * A plan of this SKU by servicePlanId GUID (any case) or servicePlanName (case-insensitive; an exact-case match
 * wins if two names differ only in case).
 */
export function findCatalogServicePlan(sku: CatalogSku, ref: string): CatalogServicePlan | undefined {
  const key = ref.toLowerCase();
  if (isGuid(ref)) return sku.servicePlans.find((p) => p.servicePlanId.toLowerCase() === key);
  return sku.servicePlans.find((p) => p.servicePlanName === ref)
    ?? sku.servicePlans.find((p) => p.servicePlanName.toLowerCase() === key);
}

/**
 * "ENTERPRISEPACK (Office 365 E3)" for a known part number (any case) or skuId; the reference unchanged when
 * unknown or ambiguous by part number, e.g. "MCOPSTN5" (but a skuId of MCOPSTN5 resolves to its own product name).
 */
export function describeSku(ref: string): string {
  const found = findCatalogSkus(ref);
  const sku = found.length === 1 ? found[0] : undefined;
  return sku === undefined ? ref : `${sku.skuPartNumber} (${sku.productName})`;
}

/**
 * Up to `max` (default 3) closest skuPartNumbers to a misspelt reference, by case-insensitive edit distance,
 * only those within distance max(2, floor(length / 4)); for "did you mean" messages.
 */
export function suggestSkuPartNumbers(ref: string, max = 3): readonly string[] {
  return closestMatches(ref, catalog().partNumbers, max);
}

/** Same as suggestSkuPartNumbers, for the servicePlanNames of one SKU. */
export function suggestServicePlanNames(sku: CatalogSku, ref: string, max = 3): readonly string[] {
  return closestMatches(ref, sku.servicePlans.map((p) => p.servicePlanName), max);
}

/** How many SKUs the catalog holds (610 in the 2025-10-29 table). */
export function catalogSkuCount(): number {
  return catalog().skus.length;
}
