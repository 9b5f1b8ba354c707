/**
 * Stack configuration lives in tenantctl's own namespace, as a provider package's does
 * (`tenantctl:policies`, `tenantctl:clientId`, …), whatever the tenant's Pulumi project is called.
 */
export const CONFIG_NAMESPACE = 'tenantctl';
