/**
 * Shared harness for the emulator behaviour tests (test/emulator/behaviour-*.test.ts): seeds built
 * from the Contoso fixture, one running emulator, tokens per app, a raw `fetch` helper and a
 * `@microsoft/microsoft-graph-client` Client wired to the emulator.
 *
 * Why the SDK gets a custom middleware chain instead of `Client.init({ authProvider, baseUrl })`:
 * the SDK's AuthenticationHandler attaches the bearer token only to URLs that start with `https://`
 * and whose host is graph.microsoft.com (or a `customHosts` entry). `customHosts` does not help for
 * the emulator: `isValidEndpoint` in `lib/src/GraphRequestUtil.js` returns false for any URL without
 * `https://`, and the handler then *deletes* a caller-supplied Authorization header. So the chain
 * here is the SDK's own HTTPMessageHandler behind a one-line bearer middleware; request building,
 * response parsing, GraphError construction and batching are all the SDK's. The same `https://`
 * check makes `client.api(nextLink)` treat an `http://127.0.0.1…` nextLink as a relative path, so
 * `sdkPath()` strips the emulator origin and version first.
 */
import { Client, GraphError, HTTPMessageHandler } from '@microsoft/microsoft-graph-client';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Seed } from '../../src/emulator/directory/model.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { contosoSeed, tokenFor } from './seeds.ts';

// ---- the fixture and seed builders --------------------------------------------------------------

type DeepMutable<T> = T extends readonly (infer U)[] ? DeepMutable<U>[] : T extends object ? { -readonly [K in keyof T]: DeepMutable<T[K]> } : T;
/** A seed under construction: the fixture's shape, writable. */
export type SeedDraft = DeepMutable<Seed>;
export type UserDraft = SeedDraft['users'][number];

/** A fresh copy of test/fixtures/seeds/contoso.json, optionally tweaked. */
export function contoso(tweak?: (draft: SeedDraft) => void): Seed {
  const draft = contosoSeed() as unknown as SeedDraft;
  tweak?.(draft);
  return draft as unknown as Seed;
}

/** The active or deleted user with this id in a draft (throws when the fixture changed). */
export function userIn(draft: SeedDraft, id: string): UserDraft {
  const user = [...draft.users, ...draft.deletedUsers].find((u) => u.id === id);
  if (!user) throw new Error(`fixture has no user ${id}`);
  return user;
}

export function skuIn(draft: SeedDraft, skuId: string): SeedDraft['subscribedSkus'][number] {
  const sku = draft.subscribedSkus.find((s) => s.skuId === skuId);
  if (!sku) throw new Error(`fixture has no SKU ${skuId}`);
  return sku;
}

/** An extra app with exactly these roles. */
export function withApp(draft: SeedDraft, clientId: string, roles: string[]): void {
  draft.apps.push({ clientId, clientSecret: `secret-${clientId}`, roles, displayName: `test app ${clientId.slice(-4)}` });
}

/** An audience, subject or issuer a federated credential trusts. */
export interface TrustedToken {
  readonly issuer: string;
  readonly subject: string;
  readonly audience?: string;
}

/**
 * An extra app that authenticates with federated identity credentials only (no secret), with the
 * reconciler's roles unless told otherwise: one credential per trusted issuer and subject.
 */
export function withFederatedApp(draft: SeedDraft, clientId: string, trusted: readonly TrustedToken[], roles?: string[]): void {
  draft.apps.push({
    clientId,
    roles: roles ?? [...(draft.apps[0]?.roles ?? [])],
    displayName: 'tenantctl (federated)',
    federatedIdentityCredentials: trusted.map((t, index) => ({
      name: `trust-${index}`,
      issuer: t.issuer,
      subject: t.subject,
      audiences: [t.audience ?? 'api://AzureADTokenExchange'],
      description: `test credential ${index}`,
    })),
  });
}

// ---- names from the fixture ---------------------------------------------------------------------

export const TENANT_ID = '8f3c1a52-0000-4000-8000-000000000001';
export const FIXTURE_NOW = '2026-11-22T00:00:00Z';

export const BOB = '0b1f5a1e-1111-4000-8000-000000000001';
export const ALICE = '0b1f5a1e-1111-4000-8000-000000000002';
export const CAROL = '0b1f5a1e-1111-4000-8000-000000000003';
export const SUPPORT = '0b1f5a1e-1111-4000-8000-000000000004';
/** Soft-deleted 2026-11-10T09:00:00Z; original UPN alice@contoso.com (now held by ALICE). */
export const OLD_ALICE = '78bf875b-9343-4edc-9130-0d3958113563';
/** Soft-deleted 2026-11-01T09:00:00Z; shares smtp:helpdesk@contoso.com with SUPPORT. */
export const DAVE = '78bf875b-9343-4edc-9130-0d3958113564';
/** Deleted 2026-10-01: more than 30 days before the seed's now, so purged on load. */
export const ERIN = '78bf875b-9343-4edc-9130-0d3958113565';
/** Soft-deleted 2026-11-20T09:00:00Z, synced from on-premises. */
export const FRANK = '78bf875b-9343-4edc-9130-0d3958113566';
export const EXCHANGE_GROUP = '9a000000-0000-4000-8000-000000000001';

export const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
export const EXCHANGE_STANDARD = '4b9405b0-7788-4568-add1-99614e613b69';
export const EXCHANGE_PLAN_2 = 'efb87545-963c-4e0d-99df-69c6916d9eb0';
export const EXCHANGE_PLAN_1 = '9aaf7827-d63c-4b61-89c3-182f06f82e5c';
export const YAMMER = '7547a3fe-08ee-4ccb-b430-5077c5041653';

/** App 1: the reconciler's roles. */
export const RECONCILER = '5e1c0000-0000-4000-8000-00000000a001';
/** App 2: User.Read.All only. */
export const READER = '5e1c0000-0000-4000-8000-00000000a002';
/** Not in the fixture: the app tests add with `withFederatedApp` (federated credentials, no secret). */
export const FEDERATED = '5e1c0000-0000-4000-8000-00000000a003';

/** Graph's default user property set (docs/graph-behaviour.md §1, §4). */
export const DEFAULT_USER_PROPERTIES = ['businessPhones', 'displayName', 'givenName', 'id', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName'];

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;
/** innerError.date: UTC, no fraction, no zone (docs/graph-behaviour.md §12). */
export const INNER_ERROR_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/u;

// ---- the running emulator -----------------------------------------------------------------------

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body when it is JSON, else undefined. */
  readonly json: Record<string, unknown> | undefined;
}

export interface RawOptions {
  /** Client id whose token is sent; `null` sends no Authorization header. Default: the reconciler. */
  readonly app?: string | null;
  /** An Authorization header value to send as is (overrides `app`). */
  readonly authorization?: string;
  /** Serialised as JSON with `Content-Type: application/json`. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Harness {
  readonly emulator: RunningEmulator;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  token(app?: string): string;
  /** A Graph call under `/v1.0`, over plain fetch. */
  raw(method: string, path: string, options?: RawOptions): Promise<RawResponse>;
  /** A control call under `/_emulator/`. */
  control(method: string, path: string, body?: unknown): Promise<RawResponse>;
  /** The SDK client of an app (default: the reconciler); it keeps working across `reseed`. */
  sdk(app?: string): Client;
  /** `POST /_emulator/seed` (default: the fixture), then fresh tokens (a new seed has a new signing key). */
  reseed(seed?: Seed): Promise<void>;
  /** `POST /_emulator/clock`. */
  setClock(now: string): Promise<void>;
  close(): Promise<void>;
}

/** Appends `Authorization: Bearer …` and hands over to the next handler (see the header comment). */
class BearerMiddleware implements Middleware {
  private readonly getToken: () => string;
  private next: Middleware | undefined;

  constructor(getToken: () => string) {
    this.getToken = getToken;
  }

  async execute(context: Context): Promise<void> {
    const options = context.options ?? {};
    const headers = new Headers(options.headers as ConstructorParameters<typeof Headers>[0]);
    headers.set('Authorization', `Bearer ${this.getToken()}`);
    context.options = { ...options, headers };
    if (!this.next) throw new Error('BearerMiddleware needs a next middleware');
    await this.next.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

async function readResponse(response: Response): Promise<RawResponse> {
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') json = JSON.parse(text) as Record<string, unknown>;
  return { status: response.status, headers: response.headers, text, json };
}

export interface HarnessOptions {
  /**
   * The emulator's real clock (tokens, throttling windows; not the directory clock): a test that
   * asserts a window passes its own, so that the result does not depend on how long the run takes.
   */
  readonly realNowMs?: () => number;
}

export async function startHarness(seed: Seed = contoso(), options: HarnessOptions = {}): Promise<Harness> {
  const emulator = await startEmulator({ seed, port: 0, ...(options.realNowMs === undefined ? {} : { realNowMs: options.realNowMs }) });
  const url = emulator.url;
  let current = seed;
  let tokens = new Map<string, string>();

  async function fetchTokens(): Promise<void> {
    const next = new Map<string, string>();
    // Apps with federated credentials only have no secret to sign in with here.
    for (const [index, app] of current.apps.entries()) {
      if (app.clientSecret !== undefined) next.set(app.clientId, await tokenFor(url, current, index));
    }
    tokens = next;
  }
  await fetchTokens();

  const token = (app: string = RECONCILER): string => {
    const value = tokens.get(app);
    if (value === undefined) throw new Error(`no app ${app} in the current seed`);
    return value;
  };

  const control = async (method: string, path: string, body?: unknown): Promise<RawResponse> => {
    const response = await fetch(`${url}/_emulator/${path.replace(/^\//u, '')}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const result = await readResponse(response);
    if (result.status >= 400) throw new Error(`control ${method} ${path}: ${result.status} ${result.text}`);
    return result;
  };

  return {
    emulator,
    url,
    token,
    async raw(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.authorization !== undefined) headers.Authorization = options.authorization;
      else if (options.app !== null) headers.Authorization = `Bearer ${token(options.app ?? RECONCILER)}`;
      if (options.body !== undefined) headers['Content-Type'] ??= 'application/json';
      const response = await fetch(`${url}/v1.0${path.startsWith('/') ? path : `/${path}`}`, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
      });
      return readResponse(response);
    },
    control,
    sdk(app: string = RECONCILER) {
      return Client.initWithMiddleware({
        baseUrl: `${url}/`,
        defaultVersion: 'v1.0',
        middleware: [new BearerMiddleware(() => token(app)), new HTTPMessageHandler()],
      });
    },
    async reseed(seedToLoad: Seed = contoso()) {
      current = seedToLoad;
      await control('POST', 'seed', seedToLoad);
      await fetchTokens();
    },
    async setClock(now: string) {
      await control('POST', 'clock', { now });
    },
    close: () => emulator.close(),
  };
}

/** A Graph path relative to the version, as `client.api()` needs it, from a nextLink or URL. */
export function sdkPath(harness: Harness, link: string): string {
  const prefix = `${harness.url}/v1.0`;
  if (!link.startsWith(prefix)) throw new Error(`not an emulator Graph URL: ${link}`);
  return link.slice(prefix.length);
}

// ---- assertions ---------------------------------------------------------------------------------

/** The GraphError a failing SDK call rejects with. */
export async function sdkError(call: Promise<unknown>): Promise<GraphError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof GraphError) return error;
    throw error;
  }
  throw new Error('expected the Graph call to fail');
}

export interface ExpectedError {
  readonly status: number;
  readonly code: string;
  /** Exact text, or a pattern where the doc leaves part of it open. */
  readonly message?: string | RegExp;
  readonly details?: readonly unknown[];
}

function expectMessage(actual: unknown, expected: string | RegExp | undefined): void {
  if (expected === undefined) return;
  if (typeof expected === 'string') expect(actual).toBe(expected);
  else expect(actual).toMatch(expected);
}

/** A Graph error seen through the SDK: status, code, message, and the envelope it parsed. */
export async function expectSdkError(call: Promise<unknown>, expected: ExpectedError): Promise<GraphError> {
  const error = await sdkError(call);
  expect({ statusCode: error.statusCode, code: error.code }).toEqual({ statusCode: expected.status, code: expected.code });
  expectMessage(error.message, expected.message);
  const body = JSON.parse(String(error.body)) as Record<string, unknown>;
  if (expected.details !== undefined) expect(body.details).toEqual(expected.details);
  expect(body.innerError).toBeDefined();
  return error;
}

/** A Graph error seen over raw fetch: status, code, message, details and the innerError. */
export function expectRawError(response: RawResponse, expected: ExpectedError): Record<string, unknown> {
  expect(response.status, response.text).toBe(expected.status);
  const error = response.json?.error as Record<string, unknown> | undefined;
  expect(error, response.text).toBeDefined();
  expect(error?.code).toBe(expected.code);
  expectMessage(error?.message, expected.message);
  if (expected.details !== undefined) expect(error?.details).toEqual(expected.details);
  expect(error?.innerError).toEqual(expect.objectContaining({ date: expect.stringMatching(INNER_ERROR_DATE), 'request-id': expect.stringMatching(GUID) }));
  return error ?? {};
}

/** The part of `@odata.context` after `$metadata`, e.g. `#users/$entity` (the host is checked once, separately). */
export function contextFragment(body: unknown): string {
  const context = (body as Record<string, unknown> | undefined)?.['@odata.context'];
  if (typeof context !== 'string') throw new Error(`no @odata.context in ${JSON.stringify(body)}`);
  const at = context.indexOf('/v1.0/$metadata#');
  if (at < 0) throw new Error(`@odata.context is not a v1.0 metadata URL: ${context}`);
  return context.slice(at + '/v1.0/$metadata'.length);
}

/** Keys of a JSON object, sorted, without OData annotations. */
export function propertyNames(item: unknown): string[] {
  return Object.keys(item as object).filter((key) => !key.startsWith('@odata.')).sort();
}

/** The directory's conflict error (docs/graph-behaviour.md §2, §5: "Another object with the same value for property … already exists."). */
export function conflictMessage(property: string): string {
  return `Another object with the same value for property ${property} already exists.`;
}

/** A header of a `$batch` item, looked up case-insensitively. */
export function itemHeader(item: { headers?: Record<string, string> }, name: string): string | undefined {
  const entry = Object.entries(item.headers ?? {}).find(([key]) => key.toLowerCase() === name.toLowerCase());
  return entry?.[1];
}

/** A collection response as tests read it. */
export interface Collection {
  '@odata.context': string;
  '@odata.count'?: number;
  '@odata.nextLink'?: string;
  value: Record<string, unknown>[];
}

/** §1: Graph's text for an id or UPN that is not (or no longer) there. */
export const NOT_FOUND = (key: string): string => `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`;

/** One harness per test file: started before its tests, closed after. */
export function useHarness(options: HarnessOptions = {}): () => Harness {
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await startHarness(contoso(), options);
  });
  afterAll(async () => {
    await harness?.close();
  });
  return () => {
    if (!harness) throw new Error('the emulator harness is not started');
    return harness;
  };
}
