/**
 * The peer simulations of `npm run bench:peers` (bench/peers/): against an in-process emulator with
 * the Contoso fixture, each makes exactly the calls its upstream makes per user (read back from the
 * emulator's request log), and retries a 429 as its upstream's SDK does. The emulator's clock is the
 * test's: a retry's wait advances it instead of passing, so nothing here waits for time.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { M365DSC_RETRY, m365dscExport, m365dscListPath } from '../../bench/peers/m365dsc-read.ts';
import { TERRAFORM_EXTRA_SELECT, TERRAFORM_RETRY, terraformRefresh } from '../../bench/peers/terraform-read.ts';
import type { PeerClient, RetryPolicy } from '../../bench/peers/transport.ts';
import { newStats } from '../../bench/peers/transport.ts';
import { ALICE, BOB, CAROL, SUPPORT, useHarness } from '../support/emulator.ts';

let now = Date.parse('2026-12-01T00:00:00Z');
const harness = useHarness({ realNowMs: () => now });
let waits: number[] = [];

function client(policy: RetryPolicy): PeerClient {
  return {
    baseUrl: harness().url,
    token: harness().token(),
    policy,
    stats: newStats(),
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
  };
}

/** The Graph requests logged since the last reseed: `METHOD path?query -> status`. */
function logged(): string[] {
  return harness().emulator.requests().map((e) => `${e.method} ${e.path}${e.query} -> ${e.status}`);
}

/** The served part of Terraform's extra `$select` (bench/peers/emulator-gaps.ts). */
const TERRAFORM_SELECT = 'accountEnabled,city,companyName,country,department,employeeId,employeeType,mailNickname,usageLocation';

beforeEach(async () => {
  // A fresh throttling window; the tokens are fetched after the clock moved, so they outlive the waits.
  now += 3_600_000;
  await harness().reseed();
  await harness().control('POST', 'limits', {});
  await harness().control('DELETE', 'requests');
  waits = [];
});

describe('the Terraform azuread-style refresh', () => {
  it('makes the four GETs of userResourceRead per managed user, in order, and nothing else', async () => {
    const peer = client(TERRAFORM_RETRY);
    const result = await terraformRefresh(peer, [BOB, ALICE, CAROL]);
    expect(result).toEqual({ users: 3, gone: 0, errors: 0 });
    const log = logged();
    expect(log).toHaveLength(12);
    expect(peer.stats).toMatchObject({ requests: 12, throttled: 0, retries: 0 });
    for (const id of [BOB, ALICE, CAROL]) {
      expect(log.filter((line) => line.includes(id))).toEqual([
        `GET /users/${id} -> 200`,
        `GET /users/${id}?$select=${TERRAFORM_SELECT} -> 200`,
        `GET /users/${id}?$select=id -> 200`,
        // The fixture's users have no manager: 404, which the provider reads as "none".
        `GET /users/${id}/manager -> 404`,
      ]);
    }
    expect(TERRAFORM_EXTRA_SELECT).toHaveLength(20);
  });

  it('drops a user that is gone after its first GET, as the provider drops it from state', async () => {
    const unknown = '0b1f5a1e-1111-4000-8000-0000000000ff';
    expect(await terraformRefresh(client(TERRAFORM_RETRY), [unknown])).toEqual({ users: 1, gone: 1, errors: 0 });
    expect(logged()).toEqual([`GET /users/${unknown} -> 404`]);
  });

  it('retries a 429: a whole-second Retry-After is waited, a fractional one falls back to 2^n seconds', async () => {
    // Two 1-RU reads per 2 s: the third GET is refused with Retry-After: 2 (a whole number); after
    // waiting it, the window is empty again and the last two pass.
    await harness().control('POST', 'limits', { resourceUnits: 2, resourceUnitWindowSeconds: 2 });
    const whole = client(TERRAFORM_RETRY);
    expect(await terraformRefresh(whole, [BOB])).toEqual({ users: 1, gone: 0, errors: 0 });
    expect(waits).toEqual([2000]);
    expect(whole.stats).toMatchObject({ requests: 5, throttled: 1, retries: 1, failedCalls: 0 });

    // 1.5 s windows: Retry-After: 1.5, which strconv.ParseInt refuses: 1 s (still inside the window:
    // refused again), then 2 s.
    await harness().control('POST', 'limits', { resourceUnits: 2, resourceUnitWindowSeconds: 1.5 });
    now += 10_000;
    waits = [];
    const fractional = client(TERRAFORM_RETRY);
    expect(await terraformRefresh(fractional, [ALICE])).toEqual({ users: 1, gone: 0, errors: 0 });
    expect(waits).toEqual([1000, 2000]);
    expect(fractional.stats).toMatchObject({ requests: 6, throttled: 2, retries: 2 });
    expect(logged().filter((line) => line.includes(ALICE) && line.endsWith('-> 429'))).toHaveLength(2);
  });

  it('backs off as go-retryablehttp with the SDK backoff does: Retry-After seconds when whole, else 2^n s up to 61 s, 9 retries', () => {
    const response = (retryAfter?: string): { status: number; headers: Headers } => ({ status: 429, headers: new Headers(retryAfter === undefined ? {} : { 'Retry-After': retryAfter }) });
    expect(TERRAFORM_RETRY.delayMs(0, response('7'))).toBe(7000);
    expect([0, 1, 2, 5, 6, 8].map((n) => TERRAFORM_RETRY.delayMs(n, response()))).toEqual([1000, 2000, 4000, 32_000, 61_000, 61_000]);
    expect(TERRAFORM_RETRY.delayMs(3, response('2.5'))).toBe(8000);
    expect(TERRAFORM_RETRY.maxRetries).toBe(9);
    expect([429, 500, 503, 408, 424].every((s) => TERRAFORM_RETRY.retries(s))).toBe(true);
    expect([400, 404, 501].some((s) => TERRAFORM_RETRY.retries(s))).toBe(false);
  });
});

describe('the Microsoft365DSC-style export', () => {
  it('lists the users once, then makes two GETs per user, one user after another', async () => {
    const peer = client(M365DSC_RETRY);
    const result = await m365dscExport(peer);
    expect(result).toEqual({ users: 4, exported: 4, errors: 0, listFailed: false });
    const log = logged();
    const list = m365dscListPath().replace('/v1.0', '');
    expect(log[0]).toBe(`GET ${list} -> 200`);
    expect(list).toBe('/users?$select=Id,UserPrincipalName,DisplayName,GivenName,Surname,UsageLocation,City,Country,Department,OfficeLocation,PreferredLanguage,JobTitle,UserType&$count=true');
    const upns = new Map([[BOB, 'bob'], [ALICE, 'alice'], [CAROL, 'carol'], [SUPPORT, 'support']]);
    // The list comes back sorted by id; per user, licenses then groups, before the next user.
    const perUser = [...upns.keys()].sort().flatMap((id) => {
      const upn = `${upns.get(id)}%40contoso.com`;
      return [`GET /users/${upn}/licenseDetails -> 200`, `GET /users/${upn}/memberOf/microsoft.graph.group -> 200`];
    });
    expect(log.slice(1)).toEqual(perUser);
    expect(peer.stats).toMatchObject({ requests: 9, throttled: 0 });
  });

  it('retries a 429 as Kiota\'s RetryHandler does: whole-second Retry-After waited, a fractional one 3 s', async () => {
    // 3 RU per 2 s: the list (1 RU) and the first licenseDetails (2 RU) fill it.
    await harness().control('POST', 'limits', { resourceUnits: 3, resourceUnitWindowSeconds: 2 });
    const whole = client(M365DSC_RETRY);
    expect(await m365dscExport(whole)).toMatchObject({ users: 4, exported: 4, errors: 0 });
    expect(waits.length).toBeGreaterThan(0);
    expect(waits.every((ms) => ms === 2000)).toBe(true);
    expect(whole.stats.throttled).toBe(waits.length);
    expect(whole.stats.requests).toBe(9 + waits.length);

    await harness().control('POST', 'limits', { resourceUnits: 3, resourceUnitWindowSeconds: 1.5 });
    now += 10_000;
    waits = [];
    const fractional = client(M365DSC_RETRY);
    expect(await m365dscExport(fractional)).toMatchObject({ users: 4, exported: 4, errors: 0 });
    expect(waits.length).toBeGreaterThan(0);
    expect(waits.every((ms) => ms === 3000)).toBe(true);
  });

  it('gives up after 3 retries and leaves the user out of the export', async () => {
    // One RU a day: the list passes, then every call is refused until the retries run out.
    await harness().control('POST', 'limits', { resourceUnits: 1, resourceUnitWindowSeconds: 86_400 });
    const peer = client(M365DSC_RETRY);
    expect(await m365dscExport(peer)).toEqual({ users: 4, exported: 0, errors: 4, listFailed: false });
    // Per user: licenseDetails tried 4 times (3 retries; Retry-After is most of a day, capped at 180 s).
    expect(peer.stats).toMatchObject({ requests: 1 + 4 * 4, throttled: 16, retries: 12, failedCalls: 4 });
    expect(waits.every((ms) => ms === 180_000)).toBe(true);
  });

  it('backs off as the Graph PowerShell SDK defaults say: 3 retries, 3 s × 2^n without Retry-After, at most 180 s', () => {
    const response = (retryAfter?: string): { status: number; headers: Headers } => ({ status: 429, headers: new Headers(retryAfter === undefined ? {} : { 'Retry-After': retryAfter }) });
    expect([0, 1, 2].map((n) => M365DSC_RETRY.delayMs(n, response()))).toEqual([3000, 6000, 12_000]);
    expect(M365DSC_RETRY.delayMs(2, response('0.25'))).toBe(3000);
    expect(M365DSC_RETRY.delayMs(0, response('10'))).toBe(10_000);
    expect(M365DSC_RETRY.delayMs(0, response('600'))).toBe(180_000);
    expect(M365DSC_RETRY.maxRetries).toBe(3);
    expect([429, 503, 504].every((s) => M365DSC_RETRY.retries(s))).toBe(true);
    expect([500, 502, 404].some((s) => M365DSC_RETRY.retries(s))).toBe(false);
  });
});
