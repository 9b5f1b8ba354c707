import type { ChangeOutcome } from '../domain/outcome.ts';
import type { ChangeAction } from '../domain/plan.ts';
import { ACTION_ORDER } from '../domain/plan.ts';

/**
 * What `tenantctl watch` tells Prometheus (docs/watch.md §4): a registry of a few gauges and
 * counters, written in the text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format), by hand: eight
 * metrics without histograms do not need prom-client and its global registry and two dependencies.
 *
 * The loop calls the recording functions of `WatchMetrics`; http.ts serves `render()` on GET /metrics.
 * No label value comes from the tenant's data (user names, ids): only action kinds, results and
 * status classes, so the series stay few and nothing personal or secret reaches a scraper.
 */

/** The media type of the text format, for the Content-Type of /metrics. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type MetricType = 'gauge' | 'counter';

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
  /** Label values joined by NUL (which no label value here holds) → sample value; '' for a family without labels. */
  readonly samples: Map<string, number>;
}

const KEY_SEPARATOR = '\u0000';

/** A minimal registry: families in registration order, samples in first-seen order. */
export class MetricsRegistry {
  private readonly families: Family[] = [];

  family(name: string, help: string, type: MetricType, labelNames: readonly string[] = []): Family {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/u.test(name)) throw new Error(`Invalid metric name: ${name}`);
    if (type === 'counter' && !name.endsWith('_total')) throw new Error(`A counter's name ends in _total: ${name}`);
    for (const label of labelNames) if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/u.test(label) || label.startsWith('__')) throw new Error(`Invalid label name: ${label}`);
    const family: Family = { name, help, type, labelNames, samples: new Map() };
    this.families.push(family);
    return family;
  }

  /** The exposition text: `# HELP`, `# TYPE`, then one line per sample; ends with a newline. */
  render(): string {
    const lines: string[] = [];
    for (const family of this.families) {
      lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
      for (const [key, value] of family.samples) {
        const values = family.labelNames.length === 0 ? [] : key.split(KEY_SEPARATOR);
        const labels = family.labelNames.map((label, i) => `${label}="${escapeLabelValue(values[i] ?? '')}"`).join(',');
        lines.push(`${family.name}${labels === '' ? '' : `{${labels}}`} ${formatValue(value)}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}

function keyOf(family: Family, labels: readonly string[]): string {
  if (labels.length !== family.labelNames.length) throw new Error(`${family.name} takes labels ${family.labelNames.join(', ')}`);
  return labels.map((value) => value.replaceAll(KEY_SEPARATOR, '')).join(KEY_SEPARATOR);
}

function setSample(family: Family, labels: readonly string[], value: number): void {
  family.samples.set(keyOf(family, labels), value);
}

function addSample(family: Family, labels: readonly string[], by = 1): void {
  const key = keyOf(family, labels);
  family.samples.set(key, (family.samples.get(key) ?? 0) + by);
}

/** HELP text: backslash and line feed escaped. */
export function escapeHelp(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

/** A label value: backslash, double quote and line feed escaped. */
export function escapeLabelValue(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

/** A sample value as Prometheus reads it: `NaN`, `+Inf`, `-Inf`, else the number. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** What became of a heal: apply's outcome statuses (src/domain/outcome.ts). */
export type HealResult = ChangeOutcome['status'];

/** The moments the health check judges by (http.ts `judgeHealth`), in epoch milliseconds; undefined until the first. */
export interface WatchTimes {
  readonly startedMs: number;
  readonly lastFullReadMs: number | undefined;
  readonly lastDeltaRoundMs: number | undefined;
  /** The loop's last sign of progress: a full read, a delta round, or a round that failed (`attempted`). */
  readonly lastProgressMs: number;
}

export interface WatchMetrics {
  /** The drift the last plan found, by action kind (healable or not); kinds left out are set to 0. */
  driftByKind(counts: ReadonlyMap<string, number> | Readonly<Record<string, number>>): void;
  /** One heal tried by the loop, and what became of it. */
  heal(action: ChangeAction | string, result: HealResult): void;
  /** One answer (or none: status 0) from Graph: request-hook.ts calls it for every HTTP exchange and every `$batch` item. */
  graphResponse(status: number, event: 'request' | 'batch-item'): void;
  /** A full read of the tenant finished, at `atMs` (epoch ms; default now). */
  fullRead(atMs?: number): void;
  /** A delta round finished successfully, at `atMs` (epoch ms; default now). */
  deltaRound(atMs?: number): void;
  /**
   * A round ended without success (Graph unreachable, throttled, a failed heal): the loop is alive
   * though the tenant is not followed. Liveness (http.ts `judgeHealth`) goes by this; no metric shows it.
   */
  attempted(atMs?: number): void;
  breakerTripped(tripped: boolean): void;
  policyValid(valid: boolean): void;
  /** The moments health is judged by. */
  times(): WatchTimes;
  /** The exposition text, as of now (the delta lag is computed at each call). */
  render(): string;
}

export interface WatchMetricsOptions {
  /** Epoch milliseconds (Date.now by default); injected by tests. */
  readonly nowMs?: () => number;
}

/** The metric names, one home for docs/watch.md, the tests and dashboards. */
export const METRIC_NAMES = {
  drift: 'tenantctl_watch_drift',
  heals: 'tenantctl_watch_heals_total',
  graphRequests: 'tenantctl_graph_requests_total',
  graphThrottled: 'tenantctl_graph_throttled_total',
  lastFullRead: 'tenantctl_watch_last_full_read_timestamp_seconds',
  deltaLag: 'tenantctl_watch_delta_lag_seconds',
  breakerTripped: 'tenantctl_watch_breaker_tripped',
  policyValid: 'tenantctl_watch_policy_valid',
} as const;

export function createWatchMetrics(options: WatchMetricsOptions = {}): WatchMetrics {
  const nowMs = options.nowMs ?? Date.now;
  const startedMs = nowMs();
  let lastFullReadMs: number | undefined;
  let lastDeltaRoundMs: number | undefined;
  let lastProgressMs = startedMs;

  const registry = new MetricsRegistry();
  const drift = registry.family(METRIC_NAMES.drift, 'Changes the last plan found, by action kind, healable or not.', 'gauge', ['kind']);
  const heals = registry.family(METRIC_NAMES.heals, 'Heals tried, by action kind and result (applied, failed, skipped).', 'counter', ['action', 'result']);
  const requests = registry.family(METRIC_NAMES.graphRequests, 'HTTP requests sent to Microsoft Graph (each retry and each $batch envelope counts one; token requests do not).', 'counter');
  const throttled = registry.family(METRIC_NAMES.graphThrottled, 'Answers 429 Too Many Requests from Microsoft Graph, to a request or to an item of a $batch.', 'counter');
  const lastFullRead = registry.family(METRIC_NAMES.lastFullRead, 'When the last full read of the tenant finished (Unix seconds; 0 before the first).', 'gauge');
  const deltaLag = registry.family(METRIC_NAMES.deltaLag, 'Seconds since the last successful delta round (since start before the first).', 'gauge');
  const breaker = registry.family(METRIC_NAMES.breakerTripped, '1 when the heal rate limit tripped the breaker and healing stopped, else 0.', 'gauge');
  const policy = registry.family(METRIC_NAMES.policyValid, '0 when the policy files as last read are invalid (the last valid policy is in force), else 1.', 'gauge');

  // Every series exists from the start, at zero: a dashboard shows 0, not "no data".
  for (const action of ACTION_ORDER) setSample(drift, [action], 0);
  setSample(requests, [], 0);
  setSample(throttled, [], 0);
  setSample(lastFullRead, [], 0);
  setSample(breaker, [], 0);
  setSample(policy, [], 1);

  return {
    driftByKind(counts) {
      const entries = counts instanceof Map ? [...counts.entries()] : Object.entries(counts);
      for (const key of drift.samples.keys()) drift.samples.set(key, 0);
      for (const [kind, count] of entries) setSample(drift, [kind], count);
    },
    heal(action, result) {
      addSample(heals, [action, result]);
    },
    graphResponse(status, event) {
      if (event === 'request') addSample(requests, []);
      if (status === 429) addSample(throttled, []);
    },
    fullRead(atMs = nowMs()) {
      lastFullReadMs = atMs;
      lastProgressMs = Math.max(lastProgressMs, atMs);
      setSample(lastFullRead, [], atMs / 1000);
    },
    deltaRound(atMs = nowMs()) {
      lastDeltaRoundMs = atMs;
      lastProgressMs = Math.max(lastProgressMs, atMs);
    },
    attempted(atMs = nowMs()) {
      lastProgressMs = Math.max(lastProgressMs, atMs);
    },
    breakerTripped(tripped) {
      setSample(breaker, [], tripped ? 1 : 0);
    },
    policyValid(valid) {
      setSample(policy, [], valid ? 1 : 0);
    },
    times: () => ({ startedMs, lastFullReadMs, lastDeltaRoundMs, lastProgressMs }),
    render() {
      setSample(deltaLag, [], Math.max(0, nowMs() - (lastDeltaRoundMs ?? startedMs)) / 1000);
      return registry.render();
    },
  };
}
