import { PROFILE_STRINGS } from './profile.ts';
import type { TenantStore } from './store.ts';
import type { UserRecord } from './user-record.ts';

/**
 * `GET /_emulator/state`: the whole tenant in the seed format, with what the emulator derived
 * (`consumedUnits`, `licenseAssignmentStates`, `assignedPlans`). `assignedLicenses` is Graph's
 * (direct and group alike); the direct ones are the states with `assignedByGroup: null`, which
 * is what loading a dump as a seed uses. App secrets are never dumped; federated identity credentials are.
 */
export function dumpState(store: TenantStore): Record<string, unknown> {
  const user = (u: UserRecord): Record<string, unknown> => ({
    id: u.id,
    userPrincipalName: u.deletedDateTime ? u.originalUserPrincipalName : u.userPrincipalName,
    displayName: u.displayName,
    accountEnabled: u.accountEnabled,
    ...Object.fromEntries(PROFILE_STRINGS.map((name) => [name, u[name]])),
    businessPhones: u.businessPhones,
    ...(u.managerId === null ? {} : { manager: u.managerId }),
    mail: u.mail,
    mailNickname: u.mailNickname,
    usageLocation: u.usageLocation,
    proxyAddresses: u.proxyAddresses,
    onPremisesSyncEnabled: u.onPremisesSyncEnabled,
    userType: u.userType,
    createdDateTime: u.createdDateTime,
    assignedLicenses: store.assignedLicenses(u),
    licenseAssignmentStates: u.licenseAssignmentStates,
    assignedPlans: u.assignedPlans,
    mailboxSettings: { userPurpose: u.purpose },
    ...(u.deletedDateTime ? { deletedDateTime: u.deletedDateTime } : {}),
    // Never a password: only whether the user must change the one it was created with.
    ...(u.forceChangePasswordNextSignIn ? { passwordProfile: { forceChangePasswordNextSignIn: true } } : {}),
  });
  return {
    tenantId: store.tenantId,
    now: store.now,
    domains: store.domains,
    organization: { displayName: store.organizationName },
    subscribedSkus: [...store.skus.values()].map((sku) => ({ ...sku, consumedUnits: store.consumedUnits(sku.skuId) })),
    users: store.activeUsers().map(user),
    deletedUsers: store.deletedUsers().map(user),
    ...(store.mutuallyExclusive.length > 0 ? { mutuallyExclusive: store.mutuallyExclusive } : {}),
    groups: [...store.groups.values()].map((g) => ({ id: g.id, displayName: g.displayName, assignedLicenses: g.assignedLicenses, members: [...g.members].sort() })),
    // Federated identity credentials are configuration, not secrets (Graph lists them to any reader of the app).
    apps: store.apps.map((app) => ({
      clientId: app.clientId,
      roles: app.roles,
      ...(app.displayName ? { displayName: app.displayName } : {}),
      ...(app.federatedIdentityCredentials?.length ? { federatedIdentityCredentials: app.federatedIdentityCredentials } : {}),
    })),
  };
}
