/** Graph's object, SKU and service-plan ids: GUIDs, compared case-insensitively. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}
