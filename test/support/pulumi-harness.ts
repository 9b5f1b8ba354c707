/**
 * Runs the Pulumi program the way `pulumi preview` / `pulumi up` run it, minus the CLI (which cannot
 * be installed here): Pulumi's own Node.js run harness (`@pulumi/pulumi/cmd/run`) loads Pulumi.yaml's
 * `main` from the project directory and runs it inside the root stack resource, against
 * `pulumi.runtime.setMocks`. The mocks play the engine's part for the dynamic resources as the
 * dynamic-provider plugin (`@pulumi/pulumi/cmd/dynamic-provider`) does: deserialize `__provider` with
 * require-from-string (one provider per serialized text), `configure` it with the stack config, then
 * check → (diff → update/replace) or create, against a stack state passed in and handed back.
 *
 * Run in a child process with plain Node 24 (never under vitest: the provider must be serialized from
 * untransformed source). Input: the path of a JSON job file (argv[2]). Output: one JSON line on stdout.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse } from 'yaml';
import type * as Pulumi from '@pulumi/pulumi';

interface StateEntry {
  readonly id: string;
  readonly outputs: Record<string, unknown>;
}

interface Job {
  readonly projectDir: string;
  readonly mode: 'preview' | 'up';
  readonly config: Record<string, string>;
  readonly secretKeys?: readonly string[];
  /** The stack's resources before this run, by resource name. */
  readonly state: Record<string, StateEntry>;
}

type Step = 'create' | 'update' | 'replace' | 'same';

const job = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as Job;
const projectFile = parse(readFileSync(path.join(job.projectDir, 'Pulumi.yaml'), 'utf8')) as { name: string; main?: string };
const pulumiRequire = createRequire(path.join(job.projectDir, 'node_modules', '@pulumi', 'pulumi', 'package.json'));
const pulumi = pulumiRequire('./index.js') as typeof Pulumi;
const requireFromString = pulumiRequire('require-from-string') as (code: string) => { handler: () => DynamicProvider };
const { Config: DynamicConfig } = pulumiRequire('./cmd/dynamic-provider/config.js') as { Config: new (raw: Record<string, string>, project: string) => { get(key: string): string | undefined; require(key: string): string } };

interface DynamicProvider {
  configure?(request: { config: unknown }): Promise<void>;
  check?(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<{ inputs?: Record<string, unknown>; failures?: { property: string; reason: string }[] }>;
  diff?(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<{ changes?: boolean; replaces?: string[]; deleteBeforeReplace?: boolean }>;
  create(inputs: Record<string, unknown>): Promise<{ id: string; outs?: Record<string, unknown> }>;
  update?(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<{ outs?: Record<string, unknown> }>;
  delete?(id: string, props: Record<string, unknown>): Promise<void>;
}

const PROVIDER_KEY = '__provider';
const providers = new Map<string, Promise<DynamicProvider>>();
const steps: Record<string, Step> = {};
const errors: { name: string; message: string }[] = [];
const newState: Record<string, StateEntry> = {};
const registered: { type: string; name: string }[] = [];
const serializedProviders = new Set<string>();

/** As the plugin's getProvider: one deserialized, configured provider per serialized text. */
function providerFor(serialized: string): Promise<DynamicProvider> {
  let provider = providers.get(serialized);
  if (!provider) {
    provider = (async () => {
      const instance = requireFromString(serialized).handler();
      await instance.configure?.({ config: new DynamicConfig(job.config, projectFile.name) });
      return instance;
    })();
    providers.set(serialized, provider);
  }
  return provider;
}

async function engineStep(name: string, inputs: Record<string, unknown>): Promise<{ id: string; state: Record<string, unknown> }> {
  const serialized = inputs[PROVIDER_KEY];
  if (typeof serialized !== 'string') throw new Error(`${name}: no serialized provider`);
  serializedProviders.add(serialized);
  const provider = await providerFor(serialized);
  const old = job.state[name];
  const checked = (await provider.check?.(old?.outputs ?? {}, inputs)) ?? {};
  if (checked.failures && checked.failures.length > 0) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
  const news = { ...(checked.inputs ?? inputs), [PROVIDER_KEY]: serialized };
  if (!old) {
    steps[name] = 'create';
    if (job.mode === 'preview') return { id: '', state: news };
    const created = await provider.create(news);
    newState[name] = { id: created.id, outputs: { ...created.outs } };
    return { id: created.id, state: { ...created.outs } };
  }
  const diff = (await provider.diff?.(old.id, old.outputs, news)) ?? { changes: true };
  const replace = (diff.replaces ?? []).length > 0;
  steps[name] = diff.changes === false ? 'same' : replace ? 'replace' : 'update';
  if (job.mode === 'preview' || steps[name] === 'same') {
    newState[name] = old;
    return { id: old.id, state: old.outputs };
  }
  if (replace) {
    await provider.delete?.(old.id, old.outputs);
    const created = await provider.create(news);
    newState[name] = { id: created.id, outputs: { ...created.outs } };
    return { id: created.id, state: { ...created.outs } };
  }
  const updated = (await provider.update?.(old.id, old.outputs, news)) ?? {};
  newState[name] = { id: old.id, outputs: { ...updated.outs } };
  return { id: old.id, state: { ...updated.outs } };
}

await pulumi.runtime.setMocks(
  {
    newResource: async (args) => {
      registered.push({ type: args.type, name: args.name });
      if (!args.type.startsWith('pulumi-nodejs:dynamic')) return { id: `${args.name}-id`, state: args.inputs };
      try {
        return await engineStep(args.name, args.inputs as Record<string, unknown>);
      } catch (error) {
        errors.push({ name: args.name, message: error instanceof Error ? error.message : String(error) });
        return { id: '', state: args.inputs };
      }
    },
    call: (args) => {
      throw new Error(`unexpected invoke ${args.token}`);
    },
  },
  projectFile.name,
  'dev',
  job.mode === 'preview',
);
pulumi.runtime.setAllConfig(job.config, [...(job.secretKeys ?? [])]);
// The engine answers the harness's shutdown signal; the mock monitor lacks that one method.
const monitor = (pulumiRequire('./runtime/settings.js') as { getMonitor(): Record<string, unknown> }).getMonitor();
monitor.signalAndWaitForShutdown = (_request: unknown, callback: (error: null, response: unknown) => void) => callback(null, {});

/**
 * Where the language host runs the program, as the engine decides it (pulumi/pulumi
 * pkg/engine/project.go getPwdMain): Pulumi.yaml's `main` file → its folder and file name; a `main`
 * folder → that folder and '.'; no `main` → the project directory and '.' (package.json's "main").
 */
function pwdAndMain(projectDir: string): { pwd: string; main: string } {
  if (projectFile.main === undefined) return { pwd: projectDir, main: '.' };
  const main = path.resolve(projectDir, projectFile.main);
  return /\.[cm]?[jt]s$/u.test(main) ? { pwd: path.dirname(main), main: path.basename(main) } : { pwd: main, main: '.' };
}
const { pwd, main } = pwdAndMain(job.projectDir);
process.chdir(pwd);

const started = Date.now();
// Now Pulumi's run harness, with the arguments the Node.js language host gives it (`mock` as the
// monitor address: setMocks installed the monitor). It loads `main`, runs it in the root stack
// resource, and returns when the event loop is empty, as under `pulumi up`.
process.argv = [
  process.execPath,
  path.join(job.projectDir, 'node_modules', '@pulumi', 'pulumi', 'cmd', 'run', 'index.js'),
  '--monitor=mock',
  `--project=${projectFile.name}`,
  '--stack=dev',
  `--root-directory=${job.projectDir}`,
  `--pwd=${pwd}`,
  '--parallel=16',
  ...(job.mode === 'preview' ? ['--dry-run'] : []),
  main,
];
process.once('beforeExit', () => {
  process.stdout.write(`${JSON.stringify({
    exitCode: process.exitCode ?? 0,
    registered,
    steps,
    errors,
    state: newState,
    providerTexts: serializedProviders.size,
    providerText: [...serializedProviders][0],
    ms: Date.now() - started,
    // maxRSS is in kilobytes (KiB on Linux).
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`);
});
pulumiRequire('./cmd/run/index.js');
