/**
 * The emulator's token source sends its token request again when it gets no answer (a network error:
 * the kept-alive connection was lost under it), and only then, through the one retry loop (retry.ts
 * `withRetries`: backoff with jitter, up to the policy's attempts); when they run out, the failure is
 * an AuthenticationError that names no secret. Side effects are injected (fetch, sleep, randomness);
 * no network, no waiting.
 */
import { describe, expect, it } from 'vitest';
import { resolveGraphEndpoint } from '../../src/tenant/graph/clouds.ts';
import type { EmulatorCredentialChoice } from '../../src/tenant/graph/credentials.ts';
import { chooseCredential } from '../../src/tenant/graph/credentials.ts';
import { AuthenticationError } from '../../src/tenant/graph/errors.ts';
import { DEFAULT_RETRY_POLICY } from '../../src/tenant/graph/retry.ts';
import { createTokenSource } from '../../src/tenant/graph/tokens.ts';
import type { TokenDependencies } from '../../src/tenant/graph/tokens.ts';

const TENANT = '8f3c1a52-0000-4000-8000-000000000001';
const CLIENT = '5e1c0000-0000-4000-8000-00000000a001';
const SECRET = 'emulator-secret-0123456789abcdef';
const TOKEN_URL = `http://127.0.0.1:4010/${TENANT}/oauth2/v2.0/token`;
const ACCESS_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJ0aWQiOiI4ZjNjMWE1MiJ9.YWNjZXNzLXNpZ25hdHVyZQ';

function choice(): EmulatorCredentialChoice {
  const chosen = chooseCredential({ AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT, AZURE_CLIENT_SECRET: SECRET }, resolveGraphEndpoint({ graphUrl: 'http://127.0.0.1:4010' }));
  if (chosen.kind !== 'emulator') throw new Error(`expected the emulator, got ${chosen.kind}`);
  return chosen;
}

/** What undici's fetch throws when the connection is lost: a TypeError with the socket's error as cause. */
function networkError(message = 'fetch failed'): TypeError {
  return new TypeError(message, { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
}

/**
 * A fetch that plays `answers` in order, one per call (an Error is thrown, a Response returned), and
 * records each call's URL, method and form.
 */
function scriptedFetch(answers: readonly (Error | (() => Response))[]): { fetch: typeof fetch; calls: { url: string; method: string; form: Record<string, string> }[] } {
  const calls: { url: string; method: string; form: Record<string, string> }[] = [];
  const fake = (async (input: Parameters<typeof fetch>[0], init: RequestInit = {}) => {
    const answer = answers[calls.length];
    calls.push({ url: String(input), method: init.method ?? 'GET', form: Object.fromEntries(new URLSearchParams(init.body instanceof URLSearchParams || typeof init.body === 'string' ? init.body : '')) });
    if (answer === undefined) throw new Error(`unexpected call ${calls.length}`);
    if (answer instanceof Error) throw answer;
    return answer();
  }) as typeof fetch;
  return { fetch: fake, calls };
}

/** The source's side effects: the scripted fetch, a clock at 0, and a sleep that records each wait and returns at once. */
function dependencies(fetchImpl: typeof fetch): TokenDependencies & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { fetch: fetchImpl, nowMs: () => 0, retry: { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 }, sleeps };
}

const tokenAnswer = (): Response => Response.json({ token_type: 'Bearer', expires_in: 3599, access_token: ACCESS_TOKEN });
const FORM = { grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET, scope: 'https://graph.microsoft.com/.default' };

describe('emulator token source: tried again on a network error, through the one retry loop', () => {
  it('sends the same request again after a network error, and returns the token of the second answer', async () => {
    const network = scriptedFetch([networkError(), tokenAnswer]);
    const deps = dependencies(network.fetch);
    const source = createTokenSource(choice(), deps);
    expect(await source.getAccessToken()).toBe(ACCESS_TOKEN);
    expect(network.calls).toEqual([
      { url: TOKEN_URL, method: 'POST', form: FORM },
      { url: TOKEN_URL, method: 'POST', form: FORM },
    ]);
    // The retry loop's first backoff (1000 ms, equal jitter at 0.5), waited through the injected sleep.
    expect(deps.sleeps).toEqual([750]);
  });

  it('fails when the policy\'s attempts run out, with an AuthenticationError that names no secret', async () => {
    // The last error quotes the secret bare (no `client_secret=` that the generic patterns would catch): it must not come out.
    const attempts = DEFAULT_RETRY_POLICY.maxAttempts;
    const network = scriptedFetch([...Array.from({ length: attempts - 1 }, () => networkError()), networkError(`fetch failed, answering ${SECRET}`)]);
    const deps = dependencies(network.fetch);
    const source = createTokenSource(choice(), deps);
    const error = await source.getAccessToken().catch((e: unknown) => e);
    expect(network.calls).toHaveLength(attempts);
    expect(deps.sleeps).toEqual([750, 1500, 3000, 6000, 12_000, 24_000]);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(new RegExp(`^emulator: no answer from ${TOKEN_URL.replaceAll('.', '\\.')}: fetch failed`, 'u'));
    for (const text of [String(error), JSON.stringify(error), (error as Error).message]) expect(text).not.toContain(SECRET);
  });

  it('does not send again when the endpoint answered, even with an error', async () => {
    const network = scriptedFetch([() => Response.json({ error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' }, { status: 401 })]);
    const deps = dependencies(network.fetch);
    const source = createTokenSource(choice(), deps);
    const error = await source.getAccessToken().catch((e: unknown) => e);
    expect({ calls: network.calls.length, sleeps: deps.sleeps }).toEqual({ calls: 1, sleeps: [] });
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toBe('emulator: invalid_client: AADSTS7000215: Invalid client secret provided.');
  });
});

describe('emulator token source: the retry policy is the connection\'s', () => {
  it('tries as often as the given policy says, and no more', async () => {
    const network = scriptedFetch([networkError(), networkError(), tokenAnswer]);
    const deps = { ...dependencies(network.fetch), retryPolicy: { ...DEFAULT_RETRY_POLICY, maxAttempts: 2 } };
    const error = await createTokenSource(choice(), deps).getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect({ calls: network.calls.length, sleeps: deps.sleeps }).toEqual({ calls: 2, sleeps: [750] });
  });
});
