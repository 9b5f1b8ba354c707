import { isGuid } from '../domain/guid.ts';
import type { DesiredLicense } from '../domain/desired.ts';
import type { Diagnostic, SourceLocation } from '../domain/diagnostics.ts';
import { formatLocation } from '../domain/diagnostics.ts';
import type { CatalogSku } from '../domain/sku-catalog.ts';
import { findCatalogServicePlan, findCatalogSkus, SKU_CATALOG_SOURCE, suggestServicePlanNames, suggestSkuPartNumbers } from '../domain/sku-catalog.ts';
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
 * Checks a license against the SKU catalog shipped with tenantctl. An unknown SKU is only a warning
 * (the tenant may have one newer than the catalog); a disabled plan the known SKU lacks is an error.
 */
export function checkLicenseAgainstCatalog(document: PolicyDocument, path: readonly PathSegment[], license: DesiredLicense, diagnostics: Diagnostic[]): void {
  const skus = findCatalogSkus(license.sku);
  const skuLocation = document.locate([...path, 'sku']);
  if (skus.length === 0) {
    const suggestions = isGuid(license.sku) ? [] : suggestSkuPartNumbers(license.sku);
    const advice = suggestions.length > 0 ? ` Did you mean ${suggestions.join(' or ')}?` : '';
    diagnostics.push({
      severity: 'warning',
      code: 'unknown-sku',
      message: `SKU ${clip(license.sku)} is not in Microsoft's licensing catalog of ${SKU_CATALOG_SOURCE.updated} that tenantctl ships; the tenant may still have it (plan checks it).${advice}`,
      location: skuLocation,
    });
    return;
  }
  if (skus.length > 1) {
    diagnostics.push({
      severity: 'warning',
      code: 'ambiguous-sku',
      message: `${license.sku} names ${skus.length} products (${skus.map((s) => `${s.productName}: ${s.skuId}`).join('; ')}); write the skuId instead`,
      location: skuLocation,
    });
  }
  license.disabledPlans.forEach((plan, index) => {
    if (skus.some((sku) => findCatalogServicePlan(sku, plan))) return;
    diagnostics.push({
      severity: 'error',
      code: 'unknown-service-plan',
      message: unknownPlanMessage(skus, plan),
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

function unknownPlanMessage(skus: readonly CatalogSku[], plan: string): string {
  const sku = skus[0] as CatalogSku;
  const suggestions = [...new Set(skus.flatMap((s) => suggestServicePlanNames(s, plan)))];
  const advice = suggestions.length > 0 ? `did you mean ${suggestions.join(' or ')}?` : `its plans are ${sku.servicePlans.map((p) => p.servicePlanName).join(', ')}`;
  return `${sku.skuPartNumber} (${sku.productName}) has no service plan ${clip(plan)}; ${advice}`;
}

/** The identity of a SKU reference for duplicate checks: the catalog's skuId when known. */
export function skuIdentity(sku: string): string {
  const found = findCatalogSkus(sku);
  return found.length === 1 ? (found[0] as CatalogSku).skuId : sku.toLowerCase();
}
