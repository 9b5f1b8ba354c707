/**
 * What a command loads: each command's modules are imported when it runs (src/cli/program.ts), so
 * that `validate` and `--help` do not pay for the Graph SDK, @azure/identity or the emulator, and a
 * plan against the emulator does not load @azure/identity (src/tenant/graph/tokens.ts). Each case
 * runs in a fresh Node process that records every module it loads.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = new URL('../../', import.meta.url).pathname;
const node = path.join(repo, 'node_modules/.bin/node');

/** Runs `body` (an ES module's text, `repo` in scope) in a fresh process; returns every module URL it loaded. */
function modulesLoadedBy(body: string): string[] {
  const script = [
    "import { registerHooks } from 'node:module';",
    'const loaded = [];',
    'registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });',
    `const repo = ${JSON.stringify(repo)};`,
    body,
    "process.stderr.write('\\n' + JSON.stringify(loaded) + '\\n');",
  ].join('\n');
  const child = spawnSync(node, ['--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8' });
  const last = child.stderr.trimEnd().split('\n').at(-1) ?? '';
  if (child.status !== 0 || !last.startsWith('[')) throw new Error(`the child failed (exit ${child.status}): ${child.stderr}`);
  return JSON.parse(last) as string[];
}

const HEAVY = [/\/@azure\/identity\//u, /\/@microsoft\/microsoft-graph-client\//u, /\/src\/emulator\//u];
const IO = '{ stdout: { write: () => true }, stderr: { write: () => true }, cwd: repo, env: {}, now: () => "2026-11-22T00:00:00Z", clock: () => new Date().toISOString(), waitForStop: async () => {} }';

describe('tenantctl start-up', () => {
  it.each([
    ['validate', "['validate', 'policies']"],
    ['--help', "['--help']"],
    ['no arguments (the help)', '[]'],
    ['show (a saved plan, offline)', "['show', 'test/fixtures/golden/plan-every-action.json']"],
  ])('%s loads neither the Graph adapter nor the emulator', (_name, args) => {
    const loaded = modulesLoadedBy(`const { runCli } = await import(repo + 'src/cli/program.ts');\nawait runCli(${args}, ${IO});`);
    expect(loaded.some((url) => url.endsWith('/src/cli/program.ts'))).toBe(true);
    for (const heavy of HEAVY) expect(loaded.filter((url) => heavy.test(url))).toEqual([]);
  });

  it('plan against the emulator reads the tenant without loading @azure/identity', () => {
    const loaded = modulesLoadedBy([
      "const { startEmulator } = await import(repo + 'src/emulator/server.ts');",
      "const { contosoSeed } = await import(repo + 'test/support/seeds.ts');",
      "const { runCli } = await import(repo + 'src/cli/program.ts');",
      'const seed = contosoSeed();',
      'const emulator = await startEmulator({ seed, port: 0 });',
      'let out = "";',
      'const env = { TENANTCTL_GRAPH_URL: emulator.url, AZURE_TENANT_ID: seed.tenantId, AZURE_CLIENT_ID: seed.apps[0].clientId, AZURE_CLIENT_SECRET: seed.apps[0].clientSecret };',
      "await runCli(['plan', 'policies', '--format', 'json'], { ...(" + IO + '), env, stdout: { write: (text) => { out += text; } } });',
      'await emulator.close();',
      "if (!out.includes('\"formatVersion\"')) throw new Error('no plan: ' + out);",
    ].join('\n'));
    expect(loaded.some((url) => url.includes('/@microsoft/microsoft-graph-client/'))).toBe(true);
    expect(loaded.filter((url) => url.includes('/@azure/identity/'))).toEqual([]);
  });
});
