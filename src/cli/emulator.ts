import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SOFT_DELETE_RETENTION_DAYS } from '../emulator/directory/model.ts';
import { SeedError } from '../emulator/directory/seed.ts';
import { startEmulator } from '../emulator/server.ts';
import type { TenantStore } from '../emulator/directory/store.ts';
import { parseSyntheticSpec } from '../emulator/synthetic/synthetic.ts';
import { generateSynthetic } from '../emulator/synthetic/synthetic-tenants.ts';
import type { Outcome } from './exit-codes.ts';
import type { CliIo } from './io.ts';

export interface EmulatorCommandOptions {
  readonly seed?: string;
  readonly synthetic?: string;
  readonly port: string;
}

/**
 * `tenantctl emulator`: serves a seed (or synthetic tenants) of one tenant or many on 127.0.0.1 until SIGINT/SIGTERM.
 * The first line of stdout is `listening on http://127.0.0.1:PORT`, for scripts to wait on.
 */
export async function runEmulatorCommand(options: EmulatorCommandOptions, io: CliIo): Promise<Outcome> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr.write(`tenantctl emulator: --port must be a port number from 0 to 65535 (0 picks a free one), not "${options.port}"\n`);
    return { kind: 'usage-error' };
  }
  if ((options.seed === undefined) === (options.synthetic === undefined)) {
    io.stderr.write('tenantctl emulator: give either --seed FILE or --synthetic users=N,deleted=N,skus=N,seed=N\n');
    return { kind: 'usage-error' };
  }
  let seed: unknown;
  try {
    seed = options.seed !== undefined ? JSON.parse(await readFile(path.resolve(io.cwd, options.seed), 'utf8')) : generateSynthetic(parseSyntheticSpec(options.synthetic ?? ''));
  } catch (error) {
    const what = options.seed !== undefined ? `cannot read the seed ${options.seed}` : 'bad --synthetic';
    io.stderr.write(`tenantctl emulator: ${what}: ${error instanceof Error ? error.message : String(error)}\n`);
    return { kind: 'invalid-input' };
  }
  let emulator;
  try {
    emulator = await startEmulator({ seed, port });
  } catch (error) {
    if (error instanceof SeedError) {
      io.stderr.write(`tenantctl emulator: ${error.message}\n`);
      return { kind: 'invalid-input' };
    }
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE') {
      io.stderr.write(`tenantctl emulator: port ${port} is in use; pick another with --port, or --port 0 for a free one\n`);
      return { kind: 'invalid-input' };
    }
    throw error;
  }
  io.stdout.write(`listening on ${emulator.url}\n`);
  const seeds = seedEntries(seed);
  const stores = emulator.tenantIds().map((id) => emulator.store(id));
  const many = stores.length > 1;
  io.stderr.write(
    [
      ...stores.flatMap((store, index) => describeTenant(store, seeds[index], many ? '  ' : '')),
      `tokens: POST ${emulator.url}/${many ? '{tenant id}' : (stores[0]?.tenantId ?? '')}/oauth2/v2.0/token (client credentials; the secrets are in the seed)`,
      `controls: ${emulator.url}/_emulator/health, state, clock, faults, limits, requests, seed${many ? ' (?tenant=<id> picks a tenant)' : ''}`,
      'stop with Ctrl-C',
      '',
    ].join('\n'),
  );
  await io.waitForStop();
  await emulator.close();
  io.stderr.write('emulator stopped\n');
  return { kind: 'success' };
}

/** The tenant's start-up lines: the tenant, then its apps (indented under it when there are many tenants). */
function describeTenant(store: TenantStore, seed: unknown, indent: string): string[] {
  return [
    `tenant ${store.tenantId} (${store.domains.join(', ')}) at ${store.now}: ${store.activeUsers().length} users, ${store.deletedUsers().length} deleted${purgedOnLoad(seed, store.deletedUsers().length)}, ${store.skus.size} SKUs, ${store.groups.size} groups`,
    ...store.apps.map((app) => `${indent}app ${app.clientId}${app.displayName ? ` (${app.displayName})` : ''}: ${app.roles.join(', ')}`),
  ];
}

/** The single-tenant seeds of a seed, in order (a seed of one tenant is its own only entry). */
function seedEntries(seed: unknown): readonly unknown[] {
  const tenants = (seed as { tenants?: unknown }).tenants;
  return Array.isArray(tenants) ? tenants : [seed];
}

/**
 * Why the tenant holds fewer deleted users than the seed lists, if it does: the emulator purges those
 * deleted more than 30 days before the tenant's `now` on load, as Entra does (docs/graph-behaviour.md §2).
 * A synthetic tenant never has any (its deletions fall inside the window).
 */
function purgedOnLoad(seed: unknown, kept: number): string {
  const listed = (seed as { deletedUsers?: unknown }).deletedUsers;
  const purged = (Array.isArray(listed) ? listed.length : 0) - kept;
  if (purged <= 0) return '';
  return ` (${purged} more in the seed ${purged === 1 ? 'was' : 'were'} deleted over ${SOFT_DELETE_RETENTION_DAYS} days before the tenant's now, and purged as Entra does)`;
}
