/**
 * The HTTP side every peer simulation shares: a GET against the emulator with a bearer token, retried
 * as the peer's own SDK retries (its `RetryPolicy`), counting what was sent. The wait between tries is
 * `sleep`, so that a test can record it instead of waiting.
 */

export interface RetryPolicy {
  /** How many retries after the first try, at most. */
  readonly maxRetries: number;
  /** Whether a response with this status is retried at all. */
  retries(status: number): boolean;
  /** The wait before retry number `retry` (0 for the first retry), from the response that failed. */
  delayMs(retry: number, response: { status: number; headers: Headers }): number;
}

export interface PeerStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** 429 answers among them. */
  throttled: number;
  /** Retries sent (requests after a retryable failure). */
  retries: number;
  /** Time spent waiting before retries, in milliseconds (summed over concurrent workers). */
  waitedMs: number;
  /** Calls that still failed after the last retry (the peer reports an error for that resource). */
  failedCalls: number;
}

export interface PeerClient {
  /** `http://127.0.0.1:PORT` */
  readonly baseUrl: string;
  readonly token: string;
  readonly policy: RetryPolicy;
  readonly stats: PeerStats;
  sleep(ms: number): Promise<void>;
}

export function newStats(): PeerStats {
  return { requests: 0, throttled: 0, retries: 0, waitedMs: 0, failedCalls: 0 };
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface PeerResponse {
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
}

/**
 * GET `pathOrUrl` (a path under the base URL, or an absolute nextLink), retrying as the policy says.
 * Answers the last response; the body is parsed when it is JSON.
 */
export async function get(client: PeerClient, pathOrUrl: string, headers: Readonly<Record<string, string>> = {}): Promise<PeerResponse> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${client.baseUrl}${pathOrUrl}`;
  for (let retry = 0; ; retry += 1) {
    client.stats.requests += 1;
    const response = await fetch(url, { headers: { Authorization: `Bearer ${client.token}`, ...headers } });
    const text = await response.text();
    if (response.status === 429) client.stats.throttled += 1;
    if (!client.policy.retries(response.status) || retry >= client.policy.maxRetries) {
      if (client.policy.retries(response.status)) client.stats.failedCalls += 1;
      return { status: response.status, body: text !== '' && (response.headers.get('content-type') ?? '').includes('json') ? (JSON.parse(text) as Record<string, unknown>) : undefined };
    }
    const wait = client.policy.delayMs(retry, response);
    client.stats.retries += 1;
    client.stats.waitedMs += wait;
    await client.sleep(wait);
  }
}

/** An app-only token from the emulator's token endpoint (client credentials), as both peers sign in. */
export async function clientCredentialsToken(baseUrl: string, tenantId: string, clientId: string, clientSecret: string): Promise<string> {
  const response = await fetch(`${baseUrl}/${tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'https://graph.microsoft.com/.default' }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (body.access_token === undefined) throw new Error(`no token from ${baseUrl}: ${JSON.stringify(body)}`);
  return body.access_token;
}
