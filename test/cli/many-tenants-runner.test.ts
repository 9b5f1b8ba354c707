/**
 * The many-tenant runner (src/cli/many-tenants.ts) with the command replaced: one tenant's Graph failure is that
 * tenant's error, the others run; each tenant sees its own environment; the exit code is aggregated.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/cli/exit-codes.ts';
import { aggregateOutcomes, exitCodeFor } from '../../src/cli/exit-codes.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { runInTenants } from '../../src/cli/many-tenants.ts';
import { TenantError } from '../../src/tenant/port.ts';

const fixtures = path.join(new URL('../fixtures/many-tenants', import.meta.url).pathname);

function io(env: Record<string, string> = {}): { io: CliIo; stdout: () => string } {
  let stdout = '';
  return {
    stdout: () => stdout,
    io: {
      stdout: { write: (t: string) => (stdout += t), isTTY: false },
      stderr: { write: () => true, isTTY: false },
      cwd: fixtures,
      env,
      now: () => '2026-11-22T00:00:00Z',
      clock: () => '2026-11-22T00:00:00Z',
      waitForStop: () => new Promise(() => undefined),
    },
  };
}

describe('runInTenants', () => {
  it('reports one tenant\'s Graph failure in its section and runs the others, each with its own tenant id (exit 1)', async () => {
    const seen: [string, string | undefined][] = [];
    const run = io({ AZURE_TENANT_ID: 'not-used', AZURE_CLIENT_ID: 'shared-app', TENANTCTL_TENANT_FABRIKAM_CLIENT_ID: 'fabrikam-app' });
    const outcome = await runInTenants('plan', { tenants: 'tenants' }, 'json', true, run.io, async (tenantIo, folder, _counts, policy) => {
      seen.push([folder.name, `${tenantIo.env.AZURE_TENANT_ID ?? ''} ${tenantIo.env.AZURE_CLIENT_ID ?? ''}`]);
      // The tenant's policy, read once by the runner, is the one its credentials were chosen by.
      expect(policy.desired?.tenantId).toBe(tenantIo.env.AZURE_TENANT_ID);
      if (folder.name === 'contoso') throw new TenantError({ status: 503, code: 'serviceUnavailable', message: 'The service is unavailable.' });
      tenantIo.stdout.write('{"changes": []}');
      return { kind: 'success' } satisfies Outcome;
    });
    expect(exitCodeFor(outcome)).toBe(1);
    const report = JSON.parse(run.stdout()) as { tenants: { name: string; exitCode: number; problems: string | null; tenantId: string }[] };
    expect(report.tenants.map((t) => [t.name, t.exitCode])).toEqual([['acme', 0], ['contoso', 1], ['fabrikam', 0]]);
    expect(report.tenants.find((t) => t.name === 'contoso')?.problems).toContain('Microsoft Graph failed: The service is unavailable.');
    // Each tenant's id is its policy's, whatever AZURE_TENANT_ID says; fabrikam has an app of its own.
    for (const [name, credentials] of seen) {
      const tenantId = report.tenants.find((t) => t.name === name)?.tenantId ?? '';
      expect(credentials).toBe(`${tenantId} ${name === 'fabrikam' ? 'fabrikam-app' : 'shared-app'}`);
    }
  });

  it('aggregates: an error anywhere is 1; else changes anywhere are 2 with --detailed-exitcode; else 0', () => {
    const changes: Outcome = { kind: 'changes-present', detailedExitCode: true };
    expect(exitCodeFor(aggregateOutcomes([{ kind: 'success' }, changes, { kind: 'invalid-input' }]))).toBe(1);
    expect(exitCodeFor(aggregateOutcomes([{ kind: 'success' }, changes]))).toBe(2);
    expect(exitCodeFor(aggregateOutcomes([{ kind: 'success' }, { kind: 'success' }]))).toBe(0);
    expect(exitCodeFor(aggregateOutcomes([]))).toBe(1);
  });

  it('refuses an unknown --only-tenant and a bad --concurrency before running anything', async () => {
    let ran = 0;
    const run = io();
    expect(exitCodeFor(await runInTenants('plan', { tenants: 'tenants', onlyTenant: ['acmee'] }, 'text', false, run.io, async () => (ran++, { kind: 'success' })))).toBe(1);
    expect(exitCodeFor(await runInTenants('plan', { tenants: 'tenants', concurrency: '0' }, 'text', false, run.io, async () => (ran++, { kind: 'success' })))).toBe(1);
    expect(ran).toBe(0);
  });
});
