/** Defensive access to parsed YAML values, which may be anything until the schema has passed. */
export type Json = Record<string, unknown>;

/** A YAML mapping: a plain object (not a list, nor the Uint8Array, Set or Map of `!!binary`, `!!set`, `!!omap`). */
export function isRecord(value: unknown): value is Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

export function entries(value: unknown, key: string): readonly unknown[] {
  const list = isRecord(value) ? value[key] : undefined;
  return Array.isArray(list) ? list : [];
}

export function stringAt(value: unknown, key: string): string | undefined {
  const field = isRecord(value) ? value[key] : undefined;
  return typeof field === 'string' ? field : undefined;
}
