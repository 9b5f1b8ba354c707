/**
 * Where a peer's call meets what the emulator does not serve, and the stand-in the simulations send
 * instead. Every stand-in keeps the request count and the resource-unit cost of the upstream call
 * (throttle.ts: a `$select` lowers the cost by one however many properties it names); only the
 * response is smaller than Graph's.
 *
 * - User properties Graph v1.0 has (or, for the three AAD Graph names Microsoft365DSC still sends,
 *   does not have) that the emulator's user view does not model: the emulator answers a `$select`
 *   naming one with 400, so the simulations leave them out of the `$select` they send.
 * - `/beta`: the emulator serves `/v1.0` only; Terraform's beta read of `showInAddressList` is sent
 *   as the same single-entity read on `/v1.0` with `$select=id` (same cost: 1 RU).
 */
const NOT_SERVED = new Set(
  [
    // v1.0 user properties the emulator does not model.
    'ageGroup', 'consentProvidedForMinor', 'employeeHireDate', 'employeeOrgData', 'faxNumber', 'onPremisesImmutableId',
    'otherMails', 'passwordPolicies', 'postalCode', 'state', 'streetAddress', 'showInAddressList',
    // AAD Graph names, not v1.0 properties (Microsoft365DSC's AADUser sent them until its PR #5855).
    'facsimileTelephoneNumber', 'mobile', 'telephoneNumber',
  ].map((name) => name.toLowerCase()),
);

/** The upstream `$select` without the properties the emulator does not serve, in the upstream order. */
export function servedSelect(upstream: readonly string[]): string[] {
  return upstream.filter((name) => !NOT_SERVED.has(name.toLowerCase()));
}
