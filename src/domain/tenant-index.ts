import { isGuid } from './guid.ts';
import type { ObservedSku, ObservedTenant, ObservedUser } from './observed.ts';
import { isProductNameOf } from './sku-catalog.ts';

/**
 * Lookups over the observed tenant, built once per plan. Matching is by userPrincipalName,
 * case-insensitive; a soft-deleted user's UPN carries its id (32 hex digits, no hyphens) as a
 * prefix, which is removed before matching (docs/reconciliation.md §2, docs/graph-behaviour.md §1).
 */
export interface TenantIndex {
  readonly activeByUpn: ReadonlyMap<string, ObservedUser>;
  /** Deleted users by their original UPN (prefix removed). */
  readonly deletedByUpn: ReadonlyMap<string, readonly ObservedUser[]>;
  /** Deleted users by mail and proxy address (without `smtp:`), lower case. */
  readonly deletedByAddress: ReadonlyMap<string, readonly ObservedUser[]>;
  /** Active users by mail and proxy address. */
  readonly activeByAddress: ReadonlyMap<string, readonly ObservedUser[]>;
  readonly skusById: ReadonlyMap<string, ObservedSku>;
  readonly skusByPartNumber: ReadonlyMap<string, readonly ObservedSku[]>;
}

export function addressKey(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('smtp:') ? lower.slice(5) : lower;
}

/** The UPN a deleted user had: the id prefix removed when it is there (tolerating none). */
export function originalUserPrincipalName(user: ObservedUser): string {
  const upn = user.userPrincipalName.toLowerCase();
  const prefix = user.id.replace(/-/gu, '').toLowerCase();
  return upn.startsWith(prefix) && upn.length > prefix.length ? upn.slice(prefix.length) : upn;
}

/** Every address a user reserves: its mail and its proxy addresses, as address keys (the planner's and the memory adapter's rule; the emulator keeps its own reading of Graph). */
export function addressesOf(user: Pick<ObservedUser, 'mail' | 'proxyAddresses'>): string[] {
  const keys = user.proxyAddresses.map(addressKey);
  if (user.mail) keys.push(addressKey(user.mail));
  return [...new Set(keys)];
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function indexTenant(observed: ObservedTenant): TenantIndex {
  const activeByUpn = new Map<string, ObservedUser>();
  const activeByAddress = new Map<string, ObservedUser[]>();
  for (const user of observed.users) {
    activeByUpn.set(user.userPrincipalName.toLowerCase(), user);
    for (const key of addressesOf(user)) push(activeByAddress, key, user);
  }
  const deletedByUpn = new Map<string, ObservedUser[]>();
  const deletedByAddress = new Map<string, ObservedUser[]>();
  for (const user of observed.deletedUsers) {
    push(deletedByUpn, originalUserPrincipalName(user), user);
    for (const key of addressesOf(user)) push(deletedByAddress, key, user);
  }
  const skusById = new Map<string, ObservedSku>();
  const skusByPartNumber = new Map<string, ObservedSku[]>();
  for (const sku of observed.skus) {
    skusById.set(sku.skuId.toLowerCase(), sku);
    push(skusByPartNumber, sku.skuPartNumber.toLowerCase(), sku);
  }
  return { activeByUpn, deletedByUpn, deletedByAddress, activeByAddress, skusById, skusByPartNumber };
}

/**
 * The tenant's SKUs a reference names, in the catalog's order of precedence (sku-catalog.ts, matchCatalogSkus):
 * a skuId; else a skuPartNumber (case-insensitive); else the catalog's product name of a SKU the tenant holds
 * ("Office 365 E3" → its ENTERPRISEPACK). Several when ambiguous; [] when the tenant has none.
 */
export function findTenantSkus(index: TenantIndex, reference: string): readonly ObservedSku[] {
  if (isGuid(reference)) {
    const sku = index.skusById.get(reference.toLowerCase());
    return sku ? [sku] : [];
  }
  const byPartNumber = index.skusByPartNumber.get(reference.toLowerCase());
  if (byPartNumber) return byPartNumber;
  return [...index.skusById.values()].filter((sku) => isProductNameOf(sku, reference));
}
