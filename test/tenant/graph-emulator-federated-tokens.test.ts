/**
 * The client side of federation against the emulator (no TLS, no @azure/identity): the federated token
 * (a file's contents, or GitHub Actions' token request) goes to the emulator's token endpoint as
 * client_assertion. Side effects are injected; no network.
 */
import { describe, expect, it } from 'vitest';
import { resolveGraphEndpoint } from '../../src/tenant/graph/clouds.ts';
import type { EmulatorCredentialChoice } from '../../src/tenant/graph/credentials.ts';
import { chooseCredential } from '../../src/tenant/graph/credentials.ts';
import { AuthenticationError } from '../../src/tenant/graph/errors.ts';
import { createTokenSource } from '../../src/tenant/graph/tokens.ts';

const TENANT = '8f3c1a52-0000-4000-8000-000000000001';
const CLIENT = '5e1c0000-0000-4000-8000-00000000a003';
const TOKEN_URL = `http://127.0.0.1:4010/${TENANT}/oauth2/v2.0/token`;
const REQUEST_URL = 'http://127.0.0.1:4020/_apis/idtoken?api-version=2.0';
const REQUEST_TOKEN = 'gh-request-token-0123456789';
const ASSERTION = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwOi8vMTI3LjAuMC4xIn0.c2lnbmF0dXJlLW9mLXRoZS1hc3NlcnRpb24';
const ACCESS_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJ0aWQiOiI4ZjNjMWE1MiJ9.YWNjZXNzLXNpZ25hdHVyZQ';
const emulator = resolveGraphEndpoint({ graphUrl: 'http://127.0.0.1:4010' });

function choice(env: Record<string, string>): EmulatorCredentialChoice {
  const chosen = chooseCredential({ AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT, ...env }, emulator);
  if (chosen.kind !== 'emulator') throw new Error(`expected the emulator, got ${chosen.kind}`);
  return chosen;
}

interface Call {
  readonly url: string;
  readonly method: string;
  readonly authorization: string | null;
  readonly form: URLSearchParams;
}

/** A fetch that answers GitHub's token request and the emulator's token endpoint, and records both. */
function fakeNetwork(options: { tokenEndpoint?: () => Response; githubStatus?: number } = {}): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fake = (async (input: Parameters<typeof fetch>[0], init: RequestInit = {}) => {
    const url = String(input);
    calls.push({ url, method: init.method ?? 'GET', authorization: new Headers(init.headers).get('authorization'), form: new URLSearchParams(typeof init.body === 'string' || init.body instanceof URLSearchParams ? init.body : '') });
    if (url.startsWith('http://127.0.0.1:4020/')) {
      const status = options.githubStatus ?? 200;
      return Response.json(status === 200 ? { value: ASSERTION } : { message: 'Forbidden' }, { status });
    }
    return options.tokenEndpoint?.() ?? Response.json({ token_type: 'Bearer', expires_in: 3599, access_token: ACCESS_TOKEN });
  }) as typeof fetch;
  return { fetch: fake, calls };
}

describe('emulator token source with a federated token', () => {
  it('sends the token file’s contents as client_assertion, no secret, and reads the file again for the next token', async () => {
    const network = fakeNetwork();
    const reads: string[] = [];
    let now = 0;
    const source = createTokenSource(choice({ AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/token' }), {
      fetch: network.fetch,
      nowMs: () => now,
      readFile: async (path) => {
        reads.push(path);
        return `  ${ASSERTION}\n`;
      },
    });
    expect(await source.getAccessToken()).toBe(ACCESS_TOKEN);
    expect(network.calls).toHaveLength(1);
    const [call] = network.calls;
    expect(call?.url).toBe(TOKEN_URL);
    expect(Object.fromEntries(call?.form ?? [])).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: ASSERTION,
      scope: 'https://graph.microsoft.com/.default',
    });
    now = 3600 * 1000;
    await source.getAccessToken();
    expect(reads).toEqual(['/var/run/secrets/token', '/var/run/secrets/token']);
  });

  it('requests GitHub’s OIDC token with the request token as bearer and Entra’s audience, then sends it as client_assertion', async () => {
    const network = fakeNetwork();
    const source = createTokenSource(choice({ ACTIONS_ID_TOKEN_REQUEST_URL: REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN }), { fetch: network.fetch, nowMs: () => 0 });
    expect(await source.getAccessToken()).toBe(ACCESS_TOKEN);
    expect(network.calls.map((c) => [c.method, c.url, c.authorization])).toEqual([
      ['GET', `${REQUEST_URL}&audience=api%3A%2F%2FAzureADTokenExchange`, `bearer ${REQUEST_TOKEN}`],
      ['POST', TOKEN_URL, null],
    ]);
    expect(network.calls[1]?.form.get('client_assertion')).toBe(ASSERTION);
    expect(network.calls[1]?.form.has('client_secret')).toBe(false);
  });

  it.each([
    { name: 'GitHub refuses the token request', env: { ACTIONS_ID_TOKEN_REQUEST_URL: REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN }, network: { githubStatus: 403 }, message: /GitHub Actions OIDC: the OIDC token request answered HTTP 403; does the workflow have "permissions: id-token: write"\?/u },
    {
      name: 'the emulator refuses the assertion (and echoes it, which Entra never does)',
      env: { ACTIONS_ID_TOKEN_REQUEST_URL: REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN },
      network: { tokenEndpoint: () => Response.json({ error: 'invalid_client', error_description: `AADSTS70021: No matching federated identity record found for presented assertion ${ASSERTION} (request token ${REQUEST_TOKEN}).\r\nTrace ID: x` }, { status: 401 }) },
      message: /^emulator: invalid_client: AADSTS70021: No matching federated identity record found for presented assertion \[redacted\] \(request token \[redacted\]\)\.$/u,
    },
    { name: 'the token file is empty', env: { AZURE_FEDERATED_TOKEN_FILE: '/empty' }, network: {}, message: /the federated token file \/empty \(AZURE_FEDERATED_TOKEN_FILE\) is empty/u },
  ])('fails plainly, printing no token: $name', async ({ env, network, message }) => {
    const fake = fakeNetwork(network);
    const source = createTokenSource(choice(env), { fetch: fake.fetch, nowMs: () => 0, readFile: async () => '\n' });
    const error = await source.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(message);
    for (const text of [String(error), JSON.stringify(error), (error as Error).message]) {
      for (const secret of [ASSERTION, ...ASSERTION.split('.'), REQUEST_TOKEN]) expect(text).not.toContain(secret);
    }
  });
});
