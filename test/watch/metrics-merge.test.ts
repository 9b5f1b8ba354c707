/** One exposition for the watchers of several tenants: families once, samples per tenant with a `tenant` label. */
import { describe, expect, it } from 'vitest';
import { createWatchMetrics } from '../../src/watch/metrics.ts';
import { mergeTenantExpositions } from '../../src/watch/metrics-merge.ts';
import { parseExposition } from './exposition.ts';

describe('mergeTenantExpositions', () => {
  it('keeps each family\'s HELP and TYPE once and labels every sample with its tenant, first', () => {
    const acme = createWatchMetrics({ nowMs: () => 1_000 });
    const contoso = createWatchMetrics({ nowMs: () => 1_000 });
    acme.heal('restore-user', 'applied');
    contoso.heal('restore-user', 'failed');
    contoso.graphResponse(429, 'request');
    const text = mergeTenantExpositions([{ tenant: 'acme', text: acme.render() }, { tenant: 'con"toso', text: contoso.render() }]);
    expect(text.match(/^# TYPE tenantctl_watch_heals_total /gmu)).toHaveLength(1);
    expect(text).toContain('tenantctl_watch_heals_total{tenant="acme",action="restore-user",result="applied"} 1');
    expect(text).toContain('tenantctl_watch_heals_total{tenant="con\\"toso",action="restore-user",result="failed"} 1');
    expect(text).toContain('tenantctl_graph_throttled_total{tenant="con\\"toso"} 1');
    expect(text).toContain('tenantctl_graph_throttled_total{tenant="acme"} 0');
    // Still a valid exposition, as the strict parser the metrics tests use reads it.
    expect(() => parseExposition(text)).not.toThrow();
  });
});
