import { isGuid } from '../domain/guid.ts';
import type { DesiredLicense } from '../domain/desired.ts';
import type { Diagnostic, SourceLocation } from '../domain/diagnostics.ts';
import { formatLocation } from '../domain/diagnostics.ts';
import type { CatalogServicePlan, CatalogSku } from '../domain/sku-catalog.ts';
import { describeServicePlan, findCatalogSkus, matchCatalogSkus, matchServicePlans, SKU_CATALOG_SOURCE, suggestCatalogSkus, suggestServicePlans } from '../domain/sku-catalog.ts';
import type { PathSegment, PolicyDocument } from './source.ts';
import { isRecord } from './shape.ts';
import { clip } from './clip.ts';

export interface LicenseSetDeclaration {
  readonly name: string;
  /** Absent when the set's shape is wrong: the schema's diagnostic says why, and uses of it are not reported again. */
  readonly license?: DesiredLicense;
  readonly location: SourceLocation;
  used: boolean;
}

export type LicenseSets = ReadonlyMap<string, LicenseSetDeclaration>;

/**
 * A license as written (`{sku, disabledPlans}`, and for a license set `group`), or undefined when
 * its shape is wrong (the schema says why). The group is trimmed, and lower-cased when it is an id.
 */
export function readLicense(value: unknown, licenseSet?: string): DesiredLicense | undefined {
  if (!isRecord(value) || typeof value.sku !== 'string' || value.sku === '') return undefined;
  const plans = Array.isArray(value.disabledPlans) ? value.disabledPlans.filter((p): p is string => typeof p === 'string') : [];
  const group = licenseSet !== undefined && typeof value.group === 'string' ? value.group.trim() : '';
  return {
    sku: isGuid(value.sku) ? value.sku.toLowerCase() : value.sku,
    disabledPlans: [...new Set(plans)],
    ...(licenseSet === undefined ? {} : { licenseSet }),
    ...(group === '' ? {} : { group: isGuid(group) ? group.toLowerCase() : group }),
  };
}

/** License sets of every document by name; a name declared in two files is an error naming both. */
export function collectLicenseSets(documents: readonly PolicyDocument[], diagnostics: Diagnostic[]): LicenseSets {
  const sets = new Map<string, LicenseSetDeclaration>();
  for (const document of documents) {
    const licenses = isRecord(document.value) ? document.value.licenses : undefined;
    if (!isRecord(licenses)) continue;
    for (const [name, definition] of Object.entries(licenses)) {
      const location = document.locate(['licenses', name], 'key');
      const first = sets.get(name);
      if (first) {
        diagnostics.push({
          severity: 'error',
          code: 'duplicate-license-set',
          message: `license set "${clip(name)}" is declared twice: here and at ${formatLocation(first.location)}; keep one`,
          location,
          related: [first.location],
        });
        continue;
      }
      const license = readLicense(definition, name);
      sets.set(name, { name, location, used: false, ...(license ? { license } : {}) });
      if (license) checkLicenseAgainstCatalog(document, ['licenses', name], license, diagnostics);
    }
  }
  return sets;
}

/**
 * Checks a license against the SKU catalog shipped with tenantctl. The SKU may be written as its skuId, its part
 * number or its product name ("Office 365 E3"); plan resolves it to the tenant's part number. An unknown SKU is
 * only a warning (the tenant may have one newer than the catalog), and so is one that names several products
 * (plan picks the one the tenant holds); a disabled plan the known SKU lacks is an error.
 */
export function checkLicenseAgainstCatalog(document: PolicyDocument, path: readonly PathSegment[], license: DesiredLicense, diagnostics: Diagnostic[]): void {
  const match = matchCatalogSkus(license.sku);
  const skuLocation = (): SourceLocation => document.locate([...path, 'sku']);
  if (match === undefined) {
    const suggestions = isGuid(license.sku) ? [] : suggestCatalogSkus(license.sku);
    const advice = suggestions.length > 0 ? ` Did you mean ${suggestions.join(' or ')}?` : '';
    diagnostics.push({
      severity: 'warning',
      code: 'unknown-sku',
      message: `SKU ${clip(license.sku)} is not in Microsoft's licensing catalog of ${SKU_CATALOG_SOURCE.updated} that tenantctl ships; the tenant may still have it (plan checks it).${advice}`,
      location: skuLocation(),
    });
    return;
  }
  const skus = match.skus;
  if (skus.length > 1) {
    diagnostics.push({
      severity: 'warning',
      code: 'ambiguous-sku',
      message: match.by === 'productName'
        ? `${clip(license.sku)} is the product name of ${skus.length} SKUs (${skus.map((s) => `${s.skuPartNumber}: ${s.skuId}`).join('; ')}); plan uses the one the tenant holds and fails if it holds both: write the part number to be sure`
        : `${clip(license.sku)} names ${skus.length} products (${skus.map((s) => `${s.productName}: ${s.skuId}`).join('; ')}); write the skuId instead`,
      location: skuLocation(),
    });
  }
  license.disabledPlans.forEach((plan, index) => {
    const found = skus.map((sku) => matchServicePlans(sku.servicePlans, plan));
    if (found.some((plans) => plans.length === 1)) return;
    diagnostics.push({
      severity: 'error',
      code: 'unknown-service-plan',
      message: unknownPlanMessage(skus, plan, found.find((plans) => plans.length > 1) ?? []),
      location: document.locate([...path, 'disabledPlans', planIndex(document, path, plan, index)]),
    });
  });
}

/** disabledPlans is de-duplicated; find the written index of a plan for its position. */
function planIndex(document: PolicyDocument, path: readonly PathSegment[], plan: string, fallback: number): number {
  let value: unknown = document.value;
  for (const segment of [...path, 'disabledPlans']) value = isRecord(value) ? value[segment] : Array.isArray(value) ? value[Number(segment)] : undefined;
  const written = Array.isArray(value) ? value.indexOf(plan) : -1;
  return written >= 0 ? written : fallback;
}

function unknownPlanMessage(skus: readonly CatalogSku[], plan: string, ambiguous: readonly CatalogServicePlan[]): string {
  const sku = skus[0] as CatalogSku;
  const what = `${sku.skuPartNumber} (${sku.productName})`;
  if (ambiguous.length > 1) return `${clip(plan)} names ${ambiguous.length} service plans of ${what} (${ambiguous.map(describeServicePlan).join(', ')}); write the plan's name`;
  const suggestions = [...new Set(skus.flatMap((s) => suggestServicePlans(s.servicePlans, plan).map(describeServicePlan)))];
  const advice = suggestions.length > 0 ? `did you mean ${suggestions.join(' or ')}?` : `its plans are ${sku.servicePlans.map((p) => p.servicePlanName).join(', ')}`;
  return `${what} has no service plan ${clip(plan)}; ${advice}`;
}

/** The identity of a SKU reference for duplicate checks: the catalog's skuId when known. */
export function skuIdentity(sku: string): string {
  const found = findCatalogSkus(sku);
  return found.length === 1 ? (found[0] as CatalogSku).skuId : sku.toLowerCase();
}
