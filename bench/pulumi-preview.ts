/**
 * Pulumi preview benchmark (issue 6): a stack managing every principal of a synthetic tenant
 * (`users=N,deleted=N/50,skus=5,seed=11`, in an emulator of its own process), exported with
 * `tenantctl export`, five users blocked in Graph, then `pulumi preview` of examples/pulumi through
 * Pulumi's own Node.js run harness in a child process (test/support/pulumi-harness.ts; the scenario is
 * test/support/pulumi-preview.ts's, which test/pulumi/run-harness.test.ts runs at 20 and 200
 * principals). Records the preview's wall time, its Graph requests against `tenantctl plan`'s for the
 * same policy, and the harness process's peak RSS.
 *
 *   npm run bench:pulumi                      # 10,000 principals
 *   node bench/pulumi-preview.ts 2500 10000   # other sizes
 */
import { generateSyntheticSeed, parseSyntheticSpec } from '../src/emulator/synthetic/synthetic.ts';
import { countSteps, previewExportedTenant } from '../test/support/pulumi-preview.ts';
import { spawnEmulator } from './emulator-process.ts';

const sizes = process.argv.slice(2).map(Number);
const BLOCKED = 5;

async function bench(principals: number): Promise<void> {
  const spec = `users=${principals},deleted=${Math.ceil(principals / 50)},skus=5,seed=11`;
  const emulator = await spawnEmulator(['--synthetic', spec]);
  try {
    // The synthetic tenant is deterministic: the same spec here gives the emulator's tenant, ids and app secret.
    const seed = generateSyntheticSeed(parseSyntheticSpec(spec));
    const run = await previewExportedTenant(emulator.url, seed, { blockUsers: BLOCKED });
    const { result } = run.preview;
    if (result.errors.length > 0) throw new Error(`the preview failed: ${JSON.stringify(result.errors.slice(0, 5))}`);
    const byRequest = new Map<string, number>();
    for (const request of run.previewRequests) byRequest.set(request, (byRequest.get(request) ?? 0) + 1);
    console.log(
      JSON.stringify(
        {
          tenant: spec,
          principals: run.principals,
          steps: countSteps(result.steps),
          previewWallSeconds: Number((run.preview.wallMs / 1000).toFixed(2)),
          harnessSeconds: Number((result.ms / 1000).toFixed(2)),
          peakRssMiB: Math.round(result.peakRssBytes / 1024 / 1024),
          graphRequests: run.previewRequests.length,
          planGraphRequests: run.planRequests.length,
          sameRequestsAsPlan: JSON.stringify(run.previewRequests) === JSON.stringify(run.planRequests),
          byRequest: Object.fromEntries(byRequest),
        },
        null,
        2,
      ),
    );
  } finally {
    emulator.stop();
  }
}

for (const principals of sizes.length > 0 ? sizes : [10_000]) await bench(principals);
