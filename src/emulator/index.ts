/**
 * The Graph emulator as a library (`import { startEmulator } from 'tenantctl/emulator'`), documented
 * in docs/emulator.md: a Microsoft Graph look-alike on 127.0.0.1 for your own tests and pipelines —
 * your policy, your tenant's shape, no real tenant touched. The same server as `tenantctl emulator`,
 * without its internal store: the tenant is read and changed over HTTP (Graph, and `/_emulator/`).
 */
import type { EmulatorOptions, RequestLogEntry, TokenRequestLogEntry } from './server.ts';
import { startEmulator as startServer } from './server.ts';

export type { EmulatorOptions, RequestLogEntry, TokenRequestLogEntry } from './server.ts';
export { parseSeed, SeedError } from './directory/seed.ts';
export { generateSyntheticSeed, MAX_SYNTHETIC_USERS, parseSyntheticSpec } from './synthetic/synthetic.ts';
export type { SyntheticSpec } from './synthetic/synthetic.ts';
export type { ManyTenantSeed, Seed, SeedApp, SeedGroup, SeedSku, SeedUser } from './directory/model.ts';

/** A running emulator. */
export interface Emulator {
  /** `http://127.0.0.1:PORT`: point `TENANTCTL_GRAPH_URL` here. */
  readonly url: string;
  readonly port: number;
  /** The first (or only) tenant's id. */
  readonly tenantId: string;
  /** The Graph requests served so far, every tenant's, `$batch` items included (as `GET /_emulator/requests`). */
  requests(): readonly RequestLogEntry[];
  /** Calls of the token endpoint. */
  tokenRequests(): readonly TokenRequestLogEntry[];
  /** Resolves once no request is being handled, including one whose client went away: wait for this, never for time. */
  whenIdle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the emulator on 127.0.0.1 with `seed` (parsed JSON, checked here: a bad one is a SeedError naming
 * the field): one tenant's seed, or `{"tenants": [<seed>, …]}` for several.
 */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const server = await startServer(options);
  return {
    url: server.url,
    port: server.port,
    tenantId: server.tenantId,
    requests: () => server.requests(),
    tokenRequests: () => server.tokenRequests(),
    whenIdle: () => server.whenIdle(),
    close: () => server.close(),
  };
}
