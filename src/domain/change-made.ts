import { observedAttribute } from './attribute-plan.ts';
import { sameAttributeValue } from './attributes.ts';
import { isMemberOf } from './group-plan.ts';
import { sameSet, statesOf } from './license-plan.ts';
import type { ObservedTenant, ObservedUser } from './observed.ts';
import type { Change } from './plan.ts';

/**
 * Whether the tenant shows a change as made: its "after" holds (the restored object is active, the
 * usage location is the planned one, each added license is held directly with the planned disabled
 * plans, each declared attribute has its declared value, the manager is the declared one, the user is
 * (or no longer is) a member of the group, …). The apply gate uses it to tell a change an interrupted apply already made from one the
 * plan no longer needs because someone else changed the principal differently.
 */
export function tenantShows(change: Change, observed: ObservedTenant): boolean {
  const user = userOf(change, observed);
  switch (change.action) {
    case 'restore-user':
      return user !== undefined && user.id.toLowerCase() === change.objectId.toLowerCase();
    case 'create-user':
      return user !== undefined;
    case 'set-usage-location':
      return user?.usageLocation === change.details.to;
    case 'assign-licenses':
      return user !== undefined && change.details.add.every((license) => {
        const held = directLicense(user, license.skuId);
        return held !== undefined && sameSet(held.disabledPlans, license.disabledPlans);
      });
    case 'remove-licenses':
      return user !== undefined && change.details.remove.every((license) => directLicense(user, license.skuId) === undefined);
    case 'update-attributes':
      return user !== undefined && change.details.attributes.every((a) => sameAttributeValue(observedAttribute(user, a.attribute), a.to));
    case 'set-manager': {
      if (user === undefined) return false;
      const now = user.managerId ?? null;
      if (change.details.to === null) return now === null;
      const manager = change.details.toObjectId ?? activeByUpn(observed, change.details.to)?.id;
      return now !== null && manager !== undefined && now.toLowerCase() === manager.toLowerCase();
    }
    case 'add-group-member':
    case 'remove-group-member': {
      const group = observed.groups?.find((g) => g.id.toLowerCase() === change.details.groupId.toLowerCase());
      if (user === undefined || group === undefined) return false;
      const member = isMemberOf(group, user.id);
      return change.action === 'add-group-member' ? member : !member;
    }
    case 'enable-sign-in':
    case 'block-sign-in':
      return user?.accountEnabled === change.details.to;
  }
}

function activeByUpn(observed: ObservedTenant, upn: string): ObservedUser | undefined {
  const wanted = upn.toLowerCase();
  return observed.users.find((u) => u.userPrincipalName.toLowerCase() === wanted);
}

/** The active user a change is about: by object id when it names one, else by UPN. */
function userOf(change: Change, observed: ObservedTenant): ObservedUser | undefined {
  const id = 'objectId' in change && change.objectId !== undefined ? change.objectId.toLowerCase() : undefined;
  if (id !== undefined && change.action !== 'restore-user') return observed.users.find((u) => u.id.toLowerCase() === id);
  return activeByUpn(observed, change.action === 'restore-user' ? (change.details.newUserPrincipalName ?? change.userPrincipalName) : change.userPrincipalName);
}

/** A license assigned to the user directly (not through a group), as the planner reads it (statesOf). */
function directLicense(user: ObservedUser, skuId: string): { readonly disabledPlans: readonly string[] } | undefined {
  const sku = skuId.toLowerCase();
  return statesOf(user).find((s) => s.skuId.toLowerCase() === sku && s.assignedByGroup === null);
}
