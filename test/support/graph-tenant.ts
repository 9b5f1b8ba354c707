/**
 * The Graph adapter wired to a running emulator the way the CLI wires it (connectGraphTenant with
 * AZURE_* variables and TENANTCTL_GRAPH_URL), with time injected: `sleep` records the waits and
 * returns at once, unless a test passes its own.
 */
import type { Seed } from '../../src/emulator/directory/model.ts';
import { connectGraphTenant } from '../../src/tenant/graph/index.ts';
import type { GraphConnection } from '../../src/tenant/graph/index.ts';
import type { RetryEnvironment, RetryPolicy } from '../../src/tenant/graph/retry.ts';

export interface GraphTestTenant extends GraphConnection {
  /** Every wait the adapter asked for, in milliseconds. */
  readonly sleeps: number[];
}

export function emulatorEnvironment(url: string, seed: Seed, app = 0): Record<string, string> {
  const { clientId, clientSecret } = seed.apps[app] ?? { clientId: '', clientSecret: '' };
  return { TENANTCTL_GRAPH_URL: url, AZURE_TENANT_ID: seed.tenantId, AZURE_CLIENT_ID: clientId, AZURE_CLIENT_SECRET: clientSecret ?? '' };
}

export function graphTenantFor(url: string, seed: Seed, options: { app?: number; retry?: Partial<RetryEnvironment>; retryPolicy?: RetryPolicy; fetch?: typeof fetch; batchWrites?: boolean } = {}): GraphTestTenant {
  const sleeps: number[] = [];
  const connection = connectGraphTenant({
    env: emulatorEnvironment(url, seed, options.app),
    retry: {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      ...options.retry,
    },
    ...(options.retryPolicy === undefined ? {} : { retryPolicy: options.retryPolicy }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.batchWrites === undefined ? {} : { batchWrites: options.batchWrites }),
  });
  return { ...connection, sleeps };
}
