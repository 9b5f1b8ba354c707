/**
 * `@odata.context`, the context URL of a Graph answer. It names Graph's own host whatever the
 * emulator's address (docs/graph-behaviour.md §1, §12). With `$select` it lists the selected
 * properties, as OData's context URL does for projected entities
 * (https://docs.oasis-open.org/odata/odata/v4.01/odata-v4.01-part1-protocol.html#sec_CollectionofProjectedEntities):
 * a collection `…#users(id,displayName)`, one entity `…#users(id,displayName)/$entity`, a contained
 * collection `…#users('<id>')/licenseDetails(skuId)`. Graph's documented answers follow it, e.g.
 * `#groups(id,displayName,deletedDateTime)` (https://learn.microsoft.com/graph/api/directory-deleteditems-list),
 * `#directoryObjects(id,displayName,…)` for a group's members, `#organization(createdDateTime)`.
 */
export const METADATA = 'https://graph.microsoft.com/v1.0/$metadata';

/**
 * The context of `path` (an entity set or a navigation, e.g. `users`, `users('<id>')/licenseDetails`):
 * with the selected properties when `$select` named some, and `/$entity` for a single entity.
 */
export function odataContext(path: string, options: { readonly selected?: readonly string[] | undefined; readonly entity?: boolean } = {}): string {
  const projection = options.selected === undefined || options.selected.length === 0 ? '' : `(${options.selected.join(',')})`;
  return `${METADATA}#${path}${projection}${options.entity === true ? '/$entity' : ''}`;
}

/**
 * `$select`'s names as an entity the emulator builds whole (SKUs, the organization, groups, license
 * details) spells them, matched case-insensitively against its `properties`, once each, for the
 * context URL. A name the emulator does not model is kept as given: Graph knows more properties
 * than the emulator returns. Undefined without `$select`.
 */
export function selectedProperties(select: readonly string[] | undefined, properties: readonly string[]): readonly string[] | undefined {
  if (select === undefined) return undefined;
  const byLowerName = new Map(properties.map((name) => [name.toLowerCase(), name]));
  return [...new Set(select.map((name) => byLowerName.get(name.toLowerCase()) ?? name))];
}

/** The selected properties of `json`, and those always returned (`id`); all of them without `$select`. */
export function pickProperties(json: Readonly<Record<string, unknown>>, selected: readonly string[] | undefined, always: readonly string[]): Record<string, unknown> {
  if (selected === undefined) return { ...json };
  return Object.fromEntries(Object.entries(json).filter(([key]) => always.includes(key) || selected.includes(key)));
}
