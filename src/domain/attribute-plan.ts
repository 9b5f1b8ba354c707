import type { AttributeName, AttributeSetting, AttributeUpdate, AttributeValue, DeclaredAttributes } from './attributes.ts';
import { ATTRIBUTE_NAMES, normaliseAttributeValue, sameAttributeValue, showAttributeValue } from './attributes.ts';
import type { DesiredPrincipal } from './desired.ts';
import type { ObservedUser } from './observed.ts';
import type { UpdateAttributesChange } from './plan.ts';

/**
 * Declared attributes against the tenant's (docs/reconciliation.md, "Attributes"): only the keys a principal
 * declares are compared or written; displayName is always declared (the schema requires it).
 */

/** The principal's declared attributes, displayName included. */
export function declaredAttributesOf(principal: DesiredPrincipal): DeclaredAttributes {
  return { displayName: principal.displayName, ...principal.attributes };
}

/** An attribute as the tenant has it: displayName from the user, the rest from what was read (absent = null). */
export function observedAttribute(user: ObservedUser, name: AttributeName): AttributeValue {
  if (name === 'displayName') return user.displayName;
  return normaliseAttributeValue(user.attributes?.[name]);
}

/** What a new user is created with besides its displayName: the declared, non-null attributes, in ATTRIBUTE_NAMES order. */
export function creationAttributes(principal: DesiredPrincipal): AttributeSetting[] {
  const declared = declaredAttributesOf(principal);
  const settings: AttributeSetting[] = [];
  for (const attribute of ATTRIBUTE_NAMES) {
    if (attribute === 'displayName' || !(attribute in declared)) continue;
    const value = normaliseAttributeValue(declared[attribute]);
    if (value !== null) settings.push({ attribute, value });
  }
  return settings;
}

/** One change for every declared attribute that differs from the user's (the active one, or the deleted copy a restore brings back). */
export function planAttributeUpdate(principal: DesiredPrincipal, user: ObservedUser): UpdateAttributesChange | undefined {
  const declared = declaredAttributesOf(principal);
  const updates: AttributeUpdate[] = [];
  for (const attribute of ATTRIBUTE_NAMES) {
    if (!(attribute in declared)) continue;
    const to = normaliseAttributeValue(declared[attribute]);
    const from = observedAttribute(user, attribute);
    if (!sameAttributeValue(from, to)) updates.push({ attribute, from, to });
  }
  if (updates.length === 0) return undefined;
  return {
    action: 'update-attributes',
    userPrincipalName: principal.userPrincipalName,
    objectId: user.id,
    reason: `the policy declares ${updates.map((u) => `${u.attribute} ${showAttributeValue(u.to)} (now ${showAttributeValue(u.from)})`).join(', ')}`,
    details: { attributes: updates },
  };
}
