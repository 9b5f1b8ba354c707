/**
 * `npm run bench:startup`: how fast `tenantctl --help` starts for a user of the installed package
 * (compiled JavaScript from dist/, on Node 22 and Node 24) against the repository's own way of
 * running it (`node bin/tenantctl.js --help`: the TypeScript sources, types stripped by Node 24).
 * The package is packed and installed as test/package/consumer.test.ts does. Runs alternate between
 * the three ways (so the machine's load falls on each alike); medians and the ratio to the sources.
 *
 * Options: --runs N (default 21).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { NODES, packTenantctl, REPO, tenantRepo } from '../test/support/packed.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '21' } } });
const runs = Number(values.runs);

const work = mkdtempSync(path.join(tmpdir(), 'tenantctl-bench-startup-'));
const packed = await packTenantctl(work);
const repo = await tenantRepo({ tarball: packed.tarball });
const installed = path.join(repo, 'node_modules', 'tenantctl', 'bin', 'tenantctl.js');

const ways: Record<string, { node: string; cli: string; cwd: string }> = {
  'installed package, Node 22': { node: NODES['22'], cli: installed, cwd: repo },
  'installed package, Node 24': { node: NODES['24'], cli: installed, cwd: repo },
  'repository sources (node bin/tenantctl.js), Node 24': { node: NODES['24'], cli: path.join(REPO, 'bin', 'tenantctl.js'), cwd: REPO },
};
const times: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, way] of Object.entries(ways)) {
    const started = process.hrtime.bigint();
    execFileSync(way.node, [way.cli, '--help'], { cwd: way.cwd, stdio: 'ignore' });
    times[name]?.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const baseline = median(times['repository sources (node bin/tenantctl.js), Node 24'] ?? []);
process.stdout.write(`tenantctl --help start-up, median of ${runs} runs (package: ${packed.size} bytes packed, ${packed.files.length} files)\n`);
for (const [name, xs] of Object.entries(times)) {
  const m = median(xs);
  process.stdout.write(`  ${name.padEnd(52)} ${m.toFixed(0).padStart(5)} ms   ${(m / baseline).toFixed(2)}× the sources\n`);
}
