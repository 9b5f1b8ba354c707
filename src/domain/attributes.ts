/**
 * The user attributes a policy may declare (docs/policy-reference.md, "Attributes"), in Graph's own
 * names, and the one rule for comparing a declared value with the tenant's. Only the keys a
 * principal declares are managed: an attribute the policy does not name is never read into a
 * comparison and never written.
 */
export const ATTRIBUTE_NAMES = [
  'displayName',
  'givenName',
  'surname',
  'jobTitle',
  'department',
  'companyName',
  'officeLocation',
  'employeeId',
  'employeeType',
  'city',
  'country',
  'mobilePhone',
  'businessPhones',
] as const;

export type AttributeName = (typeof ATTRIBUTE_NAMES)[number];

/** A string attribute's value, or null (unset); `businessPhones` is a list (Graph keeps at most one number). */
export type AttributeValue = string | readonly string[] | null;

/** The attributes a principal declares, by name; a key absent is not managed. */
export type DeclaredAttributes = Readonly<Partial<Record<AttributeName, AttributeValue>>>;

/** One attribute a change sets: its value now (`from`) and the declared one (`to`). */
export interface AttributeUpdate {
  readonly attribute: AttributeName;
  readonly from: AttributeValue;
  readonly to: AttributeValue;
}

/** One attribute a new user is created with. */
export interface AttributeSetting {
  readonly attribute: AttributeName;
  readonly value: AttributeValue;
}

export function isAttributeName(name: string): name is AttributeName {
  return (ATTRIBUTE_NAMES as readonly string[]).includes(name);
}

/** An empty string and an empty list mean "unset", as null does: Graph shows unset attributes as null (or []). */
export function normaliseAttributeValue(value: AttributeValue | undefined): AttributeValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value === '' ? null : value;
  const list = value.filter((v) => v !== '');
  return list.length === 0 ? null : list;
}

/** Declared and observed values are equal when they are the same text, exactly (case matters: "sales" is not "Sales"); lists in order. */
export function sameAttributeValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  const left = normaliseAttributeValue(a);
  const right = normaliseAttributeValue(b);
  if (left === null || right === null) return left === right;
  if (typeof left === 'string' || typeof right === 'string') return left === right;
  return left.length === right.length && left.every((v, i) => v === right[i]);
}

/** An attribute's value for people: `"Sales"`, `(none)`, `["+31 20 123 4567"]`. */
export function showAttributeValue(value: AttributeValue): string {
  const v = normaliseAttributeValue(value);
  if (v === null) return '(none)';
  return typeof v === 'string' ? JSON.stringify(v) : `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
}
