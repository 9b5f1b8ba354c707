/**
 * A Terraform-style refresh of `azuread_user` resources: what `terraform plan` asks Graph for each user
 * it manages, as hashicorp/terraform-provider-azuread does it (read at commit f0169e0, 2026-08-17).
 *
 * Sources:
 * - internal/services/users/user_resource.go, `userResourceRead`: per user, four GETs in this order —
 *   the user with no query options (Graph's default properties); the user again with `$select` of 20
 *   properties the default set lacks; the user on `/beta` with `$select=showInAddressList` (a v1.0 known
 *   issue); and `/users/{id}/manager`, where 404 means "no manager". A 404 on the first GET drops the
 *   resource from state and ends its read. The resource id is the user's object id.
 * - vendor/github.com/hashicorp/go-azure-sdk/sdk/client/client.go, `retryableClient` and the
 *   `CheckRetry` in `Execute`: go-retryablehttp, retrying 429, 5xx other than 501, 408 and 424.
 *   The wait is `Retry-After` when it parses as a whole number of seconds (`strconv.ParseInt`), else
 *   `2^n` × 1 s for retry n (0-based), at most 61 s. At most 16 retries, lowered to fit the context
 *   deadline: the resource's 5-minute Read timeout gives `safeRetryNumber(300 s)` = 9.
 * - Terraform core runs at most 10 resource operations at once (`-parallelism`, default 10); each
 *   resource's Read makes its four calls one after another.
 *
 * The emulator answers fractional `Retry-After` values (e.g. `0.734`); ParseInt rejects them, so this
 * peer backs off exponentially against the emulator, exactly as the provider would. Stand-ins for what
 * the emulator does not serve (the beta read, properties it does not model): ./emulator-gaps.ts.
 */
import { servedSelect } from './emulator-gaps.ts';
import type { PeerClient, RetryPolicy } from './transport.ts';
import { get } from './transport.ts';

/** terraform's `-parallelism` default. */
export const TERRAFORM_PARALLELISM = 10;

/** The second GET's `$select` in userResourceRead ("Retrieve additional fields"). */
export const TERRAFORM_EXTRA_SELECT: readonly string[] = [
  'accountEnabled', 'ageGroup', 'city', 'companyName', 'consentProvidedForMinor', 'country', 'department', 'employeeHireDate', 'employeeId', 'employeeOrgData',
  'employeeType', 'faxNumber', 'mailNickname', 'onPremisesImmutableId', 'otherMails', 'passwordPolicies', 'postalCode', 'state', 'streetAddress', 'usageLocation',
];

export const TERRAFORM_RETRY: RetryPolicy = {
  maxRetries: 9,
  retries: (status) => status === 429 || status === 408 || status === 424 || (status >= 500 && status !== 501),
  delayMs(retry, response) {
    const header = response.headers.get('retry-after');
    // strconv.ParseInt(s, 10, 64): an optional sign and decimal digits only.
    if (header !== null && /^[+-]?\d+$/u.test(header)) return Number(header) * 1000;
    return Math.min(2 ** retry * 1000, 61_000);
  },
};

/** The GETs one resource's Read sends, in order (paths under the emulator's base URL). */
export function terraformUserCalls(id: string): string[] {
  const user = `/v1.0/users/${encodeURIComponent(id)}`;
  return [
    user,
    `${user}?$select=${servedSelect(TERRAFORM_EXTRA_SELECT).join(',')}`,
    // Upstream: GET /beta/users/{id}?$select=showInAddressList (stand-in: ./emulator-gaps.ts).
    `${user}?$select=id`,
    `${user}/manager`,
  ];
}

export interface TerraformResult {
  readonly users: number;
  /** Resources whose first GET found no user (Terraform drops them from state). */
  readonly gone: number;
  /** Resources whose read ended in an error (a call failed after its retries, or answered other than 200/404). */
  readonly errors: number;
}

/** Refreshes one `azuread_user`: the four GETs of userResourceRead, in order. */
async function readUser(client: PeerClient, id: string): Promise<'ok' | 'gone' | 'error'> {
  const [first, ...rest] = terraformUserCalls(id);
  const user = await get(client, first ?? '');
  if (user.status === 404) return 'gone';
  if (user.status !== 200) return 'error';
  for (const [index, call] of rest.entries()) {
    const response = await get(client, call);
    const isManager = index === rest.length - 1;
    if (response.status === 200 || (isManager && response.status === 404)) continue;
    return 'error';
  }
  return 'ok';
}

/** `terraform plan`'s refresh of one `azuread_user` per id, `parallelism` at a time. */
export async function terraformRefresh(client: PeerClient, userIds: readonly string[], parallelism = TERRAFORM_PARALLELISM): Promise<TerraformResult> {
  let next = 0;
  let gone = 0;
  let errors = 0;
  const worker = async (): Promise<void> => {
    while (next < userIds.length) {
      const id = userIds[next] as string;
      next += 1;
      const outcome = await readUser(client, id);
      if (outcome === 'gone') gone += 1;
      else if (outcome === 'error') errors += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, userIds.length) }, worker));
  return { users: userIds.length, gone, errors };
}
