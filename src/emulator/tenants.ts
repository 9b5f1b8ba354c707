import { BoundedLog } from './controls/bounded-log.ts';
import type { FaultConfig, FaultInjector } from './controls/faults.ts';
import { createFaultInjector } from './controls/faults.ts';
import type { TenantStore } from './directory/store.ts';
import { loadSeed, SeedError } from './directory/seed.ts';
import { checkAcrossTenants, isManyTenantSeed, loadTenantSeeds } from './directory/tenants-seed.ts';
import type { Throttler, ThrottleLimits } from './graph-api/throttle.ts';
import { createThrottler } from './graph-api/throttle.ts';
import type { TokenIssuer } from './identity/auth.ts';
import { createTokenIssuer } from './identity/auth.ts';
import type { FederationKeys } from './identity/federation.ts';

/** What every tenant shares: the emulator's address and the federated issuers' key cache. */
export interface TenantSetOptions {
  readonly limits: ThrottleLimits;
  readonly issuerBaseUrl: () => string;
  readonly federationKeys: FederationKeys;
  readonly maxLogEntries: number;
}

interface MutableRuntime {
  store: TenantStore;
  throttler: Throttler;
  faultConfig: FaultConfig | undefined;
  faults: FaultInjector | undefined;
  tokenIssuer: TokenIssuer | undefined;
}

/**
 * The tenants one emulator serves (docs/emulator.md §3, §5): each has its own directory store (and so its
 * own clock), token issuer (its own signing key: a reseed invalidates only its tokens), throttling budgets
 * (Graph's identity limits are per application+tenant pair), fault injector and request journal. Nothing
 * of one tenant is reachable through another's: the server picks the tenant from the token's `tid`, or
 * the token URL's `{tenant}`, or a control's `tenant=` parameter, and hands only that tenant's parts on.
 */
export class TenantSet<Entry> {
  private readonly options: TenantSetOptions;
  private runtimes: MutableRuntime[] = [];
  /** Journals by tenant id, outliving reseeds (as the single-tenant log always did). */
  private readonly logs = new Map<string, BoundedLog<Entry>>();
  /** What `POST /_emulator/limits` and `/faults` without `tenant=` last set: new tenants start with it. */
  private globalLimits: ThrottleLimits;
  private globalFaults: FaultConfig | undefined;

  constructor(seed: unknown, options: TenantSetOptions) {
    this.options = options;
    this.globalLimits = options.limits;
    this.replaceAll(seed);
  }

  /** The tenants, in the seed's order. */
  list(): readonly TenantStore[] {
    return this.runtimes.map((r) => r.store);
  }

  first(): TenantStore {
    return (this.runtimes[0] as MutableRuntime).store;
  }

  /** The tenant with this id, or with this verified domain (both any case). */
  find(idOrDomain: string): TenantStore | undefined {
    return this.runtime(idOrDomain)?.store;
  }

  /**
   * A control's `tenant=` parameter: the tenant it names (id or domain), the first tenant when absent.
   * Throws (the control answers 400) when it names none.
   */
  addressed(parameter: string | null): TenantStore {
    if (parameter === null || parameter === '') return this.first();
    const store = this.find(parameter);
    if (store === undefined) throw new TypeError(`tenant: no tenant ${JSON.stringify(parameter.slice(0, 100))} in this emulator (tenants: ${this.list().map((s) => s.tenantId).join(', ')})`);
    return store;
  }

  throttler(store: TenantStore): Throttler {
    return this.own(store).throttler;
  }

  faults(store: TenantStore): FaultInjector | undefined {
    return this.own(store).faults;
  }

  issuer(store: TenantStore): TokenIssuer {
    const runtime = this.own(store);
    runtime.tokenIssuer ??= createTokenIssuer({ tenantId: store.tenantId, domains: store.domains, apps: store.apps, issuerBaseUrl: this.options.issuerBaseUrl(), federationKeys: this.options.federationKeys });
    return runtime.tokenIssuer;
  }

  /** The tenant's journal (created on first use; kept after the tenant is reseeded away, until cleared). */
  log(tenantId: string): BoundedLog<Entry> {
    let log = this.logs.get(tenantId);
    if (log === undefined) {
      log = new BoundedLog<Entry>(this.options.maxLogEntries);
      this.logs.set(tenantId, log);
    }
    return log;
  }

  /** Every journal, for the merged view. */
  allLogs(): readonly BoundedLog<Entry>[] {
    return [...this.logs.values()];
  }

  clearLogs(tenantId?: string): void {
    if (tenantId === undefined) this.logs.clear();
    else this.logs.delete(tenantId);
  }

  /** Faults for one tenant, or (store undefined) for every tenant and those seeded later. */
  setFaults(config: FaultConfig | undefined, store?: TenantStore): void {
    if (store === undefined) this.globalFaults = config;
    for (const runtime of store === undefined ? this.runtimes : [this.own(store)]) {
      runtime.faultConfig = config;
      runtime.faults = config ? createFaultInjector(config) : undefined;
    }
  }

  /** Budgets for one tenant, or (store undefined) for every tenant and those seeded later; usage is forgotten. */
  setLimits(limits: ThrottleLimits, store?: TenantStore): void {
    if (store === undefined) this.globalLimits = limits;
    for (const runtime of store === undefined ? this.runtimes : [this.own(store)]) {
      runtime.throttler.setLimits(limits);
      runtime.throttler.reset();
    }
  }

  /**
   * `POST /_emulator/seed` without `tenant=`: the seed (one tenant or many) replaces every tenant. A tenant
   * id seeded again keeps its budgets' limits and faults (usage forgotten, tokens invalidated), as the
   * single-tenant emulator always did; a new one starts with the emulator-wide settings.
   */
  replaceAll(seed: unknown): void {
    const stores = loadTenantSeeds(seed);
    this.runtimes = stores.map((store) => this.successor(store));
  }

  /** `POST /_emulator/seed?tenant=…`: one tenant's seed replaces that tenant only (same tenant id). */
  replaceOne(store: TenantStore, seed: unknown): TenantStore {
    if (isManyTenantSeed(seed)) throw new SeedError('tenants', `give one tenant's seed with tenant=${store.tenantId}, or leave tenant= out to replace every tenant`);
    const next = loadSeed(seed);
    if (next.tenantId !== store.tenantId) throw new SeedError('tenantId', `is ${next.tenantId}, but tenant=${store.tenantId} was addressed: a tenant keeps its id`);
    // The same rules as a many-tenant seed (one domain per tenant, one registration per multi-tenant app), over the result.
    checkAcrossTenants(this.runtimes.map((r) => (r.store === store ? next : r.store)));
    this.runtimes = this.runtimes.map((r) => (r.store === store ? this.successor(next) : r));
    return next;
  }

  private successor(store: TenantStore): MutableRuntime {
    const previous = this.runtime(store.tenantId);
    if (previous !== undefined) {
      previous.throttler.reset();
      return { store, throttler: previous.throttler, faultConfig: previous.faultConfig, faults: previous.faults, tokenIssuer: undefined };
    }
    const faultConfig = this.globalFaults;
    return { store, throttler: createThrottler(this.globalLimits), faultConfig, faults: faultConfig ? createFaultInjector(faultConfig) : undefined, tokenIssuer: undefined };
  }

  private runtime(idOrDomain: string): MutableRuntime | undefined {
    const key = idOrDomain.toLowerCase();
    return this.runtimes.find((r) => r.store.tenantId === key || r.store.domains.some((d) => d.toLowerCase() === key));
  }

  private own(store: TenantStore): MutableRuntime {
    const runtime = this.runtimes.find((r) => r.store === store);
    if (runtime === undefined) throw new Error(`Emulator bug: tenant ${store.tenantId} is not served`);
    return runtime;
  }
}
