/**
 * A Microsoft365DSC-style export of users: what `Export-M365DSCConfiguration -Components AADUser`
 * asks Graph, as microsoft/Microsoft365DSC's AADUser resource does it (read at commit eb886ca,
 * 2024-10-24), through the Microsoft Graph PowerShell SDK.
 *
 * Sources:
 * - Modules/Microsoft365DSC/DSCResources/MSFT_AADUser/MSFT_AADUser.psm1, `Export-TargetResource`: one
 *   `Get-MgUser -All -Property <20 names> -CountVariable count -ConsistencyLevel eventual` (no filter),
 *   i.e. `GET /users?$select=…&$count=true` with `ConsistencyLevel: eventual`, every page; then, one
 *   user after another, `Get-TargetResource` in export mode, which takes the user from that list and
 *   makes two calls per user: `Get-MgUserLicenseDetail -UserId <UPN>` (`GET /users/{upn}/licenseDetails`,
 *   one page) and `Get-MgUserMemberOfAsGroup -UserId <UPN> -All`
 *   (`GET /users/{upn}/memberOf/microsoft.graph.group`, every page). A failure in either is caught and
 *   the user is left out of the export. Once per export it also lists directory role assignments on
 *   `/beta/roleManagement/directory/roleAssignments` (-All), which the emulator does not serve: left out
 *   here (one request, plus a page per 100 assignments, for the whole tenant).
 * - microsoftgraph/msgraph-sdk-powershell tools/Custom/ListCmdlet.cs: `-All` without `-PageSize` or
 *   `-Top` sends no `$top` and follows `@odata.nextLink`, so Graph's default page size applies (100).
 * - msgraph-sdk-powershell src/Authentication/Authentication.Core/Http/GraphHttpClientFactory.cs: the
 *   pipeline's retry is Kiota's RetryHandler with `Set-MgRequestContext`'s settings, by default 3 retries
 *   and a 3-second delay. microsoft/kiota-dotnet src/http/httpClient/Middleware/RetryHandler.cs: retries
 *   429, 503 and 504; waits `Retry-After` when it is a whole number of seconds (`int.TryParse`), the
 *   configured delay (3 s) when the header is there but not a whole number (or an HTTP date, which the
 *   emulator never sends), `2^n` × 3 s when there is no header; never more than 180 s.
 * - PowerShell runs the export in one thread: one request at a time.
 *
 * The emulator answers fractional `Retry-After` values, so this peer waits 3 s per retry against it,
 * exactly as the SDK would. Stand-ins for what the emulator does not serve: ./emulator-gaps.ts.
 */
import { servedSelect } from './emulator-gaps.ts';
import type { PeerClient, RetryPolicy } from './transport.ts';
import { get } from './transport.ts';

/** `$propertiesToRetrieve` in Export-TargetResource (PascalCase as sent; Graph matches names case-insensitively). */
export const M365DSC_USER_PROPERTIES: readonly string[] = [
  'Id', 'UserPrincipalName', 'DisplayName', 'GivenName', 'Surname', 'UsageLocation', 'City', 'Country', 'Department', 'FacsimileTelephoneNumber',
  'Mobile', 'OfficeLocation', 'TelephoneNumber', 'PostalCode', 'PreferredLanguage', 'State', 'StreetAddress', 'JobTitle', 'UserType', 'PasswordPolicies',
];

const KIOTA_DELAY_SECONDS = 3;
const KIOTA_MAX_DELAY_SECONDS = 180;

export const M365DSC_RETRY: RetryPolicy = {
  maxRetries: 3,
  retries: (status) => status === 429 || status === 503 || status === 504,
  delayMs(retry, response) {
    const header = response.headers.get('retry-after');
    let seconds: number;
    // int.TryParse: optional sign and digits (surrounding white space allowed).
    if (header !== null && /^\s*[+-]?\d+\s*$/u.test(header)) seconds = Number(header);
    else if (header !== null) seconds = KIOTA_DELAY_SECONDS;
    else seconds = 2 ** retry * KIOTA_DELAY_SECONDS;
    return Math.min(seconds, KIOTA_MAX_DELAY_SECONDS) * 1000;
  },
};

/** The first request of the export's user list. */
export function m365dscListPath(): string {
  return `/v1.0/users?$select=${servedSelect(M365DSC_USER_PROPERTIES).join(',')}&$count=true`;
}

export const M365DSC_LIST_HEADERS: Readonly<Record<string, string>> = { ConsistencyLevel: 'eventual' };

/** The first request of each per-user call, in order (paths under the emulator's base URL). */
export function m365dscUserCalls(userPrincipalName: string): string[] {
  const user = `/v1.0/users/${encodeURIComponent(userPrincipalName)}`;
  return [`${user}/licenseDetails`, `${user}/memberOf/microsoft.graph.group`];
}

export interface M365dscResult {
  /** Users the list returned. */
  readonly users: number;
  /** Users exported (both per-user calls answered). */
  readonly exported: number;
  /** Users left out because a call failed after its retries. */
  readonly errors: number;
  /** Whether the list itself failed (the export of AADUser stops). */
  readonly listFailed: boolean;
}

/** Every page of a collection, from its first request (`-All`). Undefined when a page fails. */
async function allPages(client: PeerClient, first: string, headers: Readonly<Record<string, string>> = {}): Promise<Record<string, unknown>[] | undefined> {
  const items: Record<string, unknown>[] = [];
  let next: string | undefined = first;
  while (next !== undefined) {
    const page = await get(client, next, headers);
    if (page.status !== 200 || page.body === undefined) return undefined;
    items.push(...((page.body.value as Record<string, unknown>[] | undefined) ?? []));
    next = page.body['@odata.nextLink'] as string | undefined;
  }
  return items;
}

/** Export-TargetResource for AADUser: the list, then per user (one at a time) its licenses and groups. */
export async function m365dscExport(client: PeerClient): Promise<M365dscResult> {
  const users = await allPages(client, m365dscListPath(), M365DSC_LIST_HEADERS);
  if (users === undefined) return { users: 0, exported: 0, errors: 0, listFailed: true };
  let exported = 0;
  let errors = 0;
  for (const user of users) {
    const upn = user.userPrincipalName;
    if (typeof upn !== 'string' || upn === '') continue;
    const [licenses, groups] = m365dscUserCalls(upn);
    const licenseDetails = await get(client, licenses ?? '');
    if (licenseDetails.status !== 200) {
      errors += 1;
      continue;
    }
    if ((await allPages(client, groups ?? '')) === undefined) errors += 1;
    else exported += 1;
  }
  return { users: users.length, exported, errors, listFailed: false };
}
