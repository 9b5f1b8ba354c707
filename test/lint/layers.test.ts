/**
 * The layer rule of eslint.config.js fires (docs/architecture.md §3): probe code is linted as if it
 * were a file in a layer's folder, with the project's own config. Static imports, `export … from`
 * and `import()` must be held to the same lists; the table-driven cases come from the config's own
 * `LAYERS`, so that every entry in it is probed. An entry's `folder` is relative to src/; the entry
 * with folder '' holds the files directly under src/ (src/index.ts, the package root).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));

interface Layer {
  readonly folder: string;
  readonly forbidden: readonly string[];
  readonly modules?: readonly { readonly group: readonly string[]; readonly message: string }[];
}

// Imported by a computed name: the config is JavaScript without declarations, and this is its shape.
const configFile = new URL('../../eslint.config.js', import.meta.url).href;
const { LAYERS } = (await import(configFile)) as { LAYERS: readonly Layer[] };

const eslint = new ESLint({ cwd: repo });

/** `ruleId: message` of every problem ESLint finds in `code` as the file `filePath`, with its line. */
async function lint(filePath: string, code: string): Promise<{ line: number; text: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repo, filePath) });
  return (result?.messages ?? []).map((m) => ({ line: m.line, text: `${m.ruleId ?? 'parse'}: ${m.message}` }));
}

async function problems(filePath: string, code: string): Promise<string[]> {
  return (await lint(filePath, code)).map((p) => p.text);
}

/** Line 1 imports `specifier` statically, line 2 with `import()`. */
function probe(specifier: string): string {
  return `import { probe } from '${specifier}';\nexport const both = async (): Promise<unknown> => [probe, await import('${specifier}')];\n`;
}

/** The custom messages the static import (line 1) and the dynamic one (line 2) got. */
async function verdicts(filePath: string, specifier: string): Promise<{ static: string[]; dynamic: string[] }> {
  const found = await lint(filePath, probe(specifier));
  const of = (line: number, rule: string): string[] =>
    found.filter((p) => p.line === line && p.text.startsWith(`${rule}: `)).map((p) => p.text.replace(/^[^:]+: (?:'[^']*' import is restricted from being used by a pattern\. )?/u, '')).sort();
  const unexpected = found.filter((p) => !(p.line === 1 && p.text.startsWith('no-restricted-imports: ')) && !(p.line === 2 && p.text.startsWith('no-restricted-syntax: ')));
  expect(unexpected, `problems other than the layer rule in ${filePath}`).toEqual([]);
  return { static: of(1, 'no-restricted-imports'), dynamic: of(2, 'no-restricted-syntax') };
}

/** How the messages name a layer's files: `src/policy`, or `src/*.ts` for the package root (folder ''). */
const layerName = (layer: string): string => (layer === '' ? 'src/*.ts' : `src/${layer}`);

const layerMessage = (layer: string, other: string): string =>
  `${layerName(layer)} must not import src/${other} (see docs/architecture.md §3, "Dependency directions").`;

/** A probe file among a layer's files: src/<folder>/probe.ts, or src/probe.ts for the package root. */
const probeFile = (layer: string): string => path.posix.join('src', layer, 'probe.ts');

/** How a file in src/<from>/ names a module in src/<to>/. */
function relativeSpecifier(from: string, to: string): string {
  const relative = path.posix.relative(path.posix.join('src', from), path.posix.join('src', to));
  return `${relative.startsWith('.') ? relative : `./${relative}`}/probe.ts`;
}

const isUnder = (folder: string, other: string): boolean => folder === other || folder.startsWith(`${other}/`);

describe('the layer rule in eslint.config.js', () => {
  it.each([
    ['domain imports node:fs', 'src/domain/probe.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", /no-restricted-imports: .*src\/domain is pure/],
    ['domain imports node:fs by default import', 'src/domain/probe.ts', "import fs from 'node:fs';\nexport const r = fs;\n", /no-restricted-imports: .*src\/domain is pure/],
    ['domain imports fs without node:', 'src/domain/probe.ts', "import { readFileSync } from 'fs';\nexport const r = readFileSync;\n", /no-restricted-imports/],
    ['domain imports the Graph client', 'src/domain/probe.ts', "import { Client } from '@microsoft/microsoft-graph-client';\nexport const c = Client;\n", /no-restricted-imports/],
    ['domain imports the YAML parser', 'src/domain/probe.ts', "import { parse } from 'yaml';\nexport const p = parse;\n", /no-restricted-imports/],
    ['domain imports a policy module', 'src/domain/probe.ts', "import { loadPolicy } from '../policy/load.ts';\nexport const l = loadPolicy;\n", /no-restricted-imports: .*must not import src\/policy/],
    ['domain re-exports a policy module', 'src/domain/probe.ts', "export { loadPolicy } from '../policy/load.ts';\n", /no-restricted-imports: .*must not import src\/policy/],
    ['domain imports node:fs with import()', 'src/domain/probe.ts', "export const fs = await import('node:fs');\n", /no-restricted-syntax: src\/domain is pure: no node:\* or I\/O modules/],
    ['domain imports node:fs with import() of a template literal', 'src/domain/probe.ts', 'export const fs = await import(`node:fs`);\n', /no-restricted-syntax: src\/domain is pure: no node:\*/],
    ['domain imports a computed module name', 'src/domain/probe.ts', 'export const load = (name: string): Promise<unknown> => import(name);\n', /no-restricted-syntax: src\/domain is pure: no import\(\) of a module name computed/],
    ['domain imports a template with a substitution', 'src/domain/probe.ts', 'export const load = (name: string): Promise<unknown> => import(`./${name}.ts`);\n', /no-restricted-syntax: src\/domain is pure: no import\(\) of a module name computed/],
    // One no-restricted-syntax entry for src/domain holds both the clock rules and the import() rules.
    ['domain reads the clock', 'src/domain/probe.ts', 'export const now = Date.now();\n', /no-restricted-syntax: .*no clock/],
    ['domain makes a date of now', 'src/domain/probe.ts', 'export const now = new Date();\n', /no-restricted-syntax: .*no clock/],
    ['domain uses randomness', 'src/domain/probe.ts', 'export const r = Math.random();\n', /no-restricted-syntax: .*no randomness/],
    ['domain reads the environment', 'src/domain/probe.ts', 'export const e = process.env.HOME;\n', /no-restricted-globals/],
    ['the memory adapter imports the Graph adapter', 'src/tenant/memory/probe.ts', "import { GraphRequestError } from '../graph/errors.ts';\nexport const e = GraphRequestError;\n", /no-restricted-imports: .*src\/tenant\/memory must not import src\/tenant\/graph/],
    ['the memory adapter imports the Graph adapter with import()', 'src/tenant/memory/probe.ts', "export const errors = await import('../graph/errors.ts');\n", /no-restricted-syntax: src\/tenant\/memory must not import src\/tenant\/graph/],
    ['the Graph adapter imports the memory adapter', 'src/tenant/graph/probe.ts', "import { createMemoryTenant } from '../memory/tenant.ts';\nexport const m = createMemoryTenant;\n", /no-restricted-imports: .*src\/tenant\/graph must not import src\/tenant\/memory/],
    ['the memory adapter imports the engine', 'src/tenant/memory/probe.ts', "import { applyPlan } from '../../engine/apply.ts';\nexport const a = applyPlan;\n", /no-restricted-imports: .*must not import src\/engine/],
    ['the engine imports the Graph adapter instead of the port', 'src/engine/probe.ts', "import { connectGraphTenant } from '../tenant/graph/index.ts';\nexport const c = connectGraphTenant;\n", /no-restricted-imports: .*src\/engine must not import src\/tenant\/graph/],
    ['the CLI imports the test-only memory adapter', 'src/cli/demo/probe.ts', "export const memory = await import('../../tenant/memory/tenant.ts');\n", /no-restricted-syntax: src\/cli must not import src\/tenant\/memory/],
    ['emulator imports the Graph SDK', 'src/emulator/graph/probe.ts', "import { Client } from '@microsoft/microsoft-graph-client';\nexport const c = Client;\n", /no-restricted-imports: .*The emulator shares nothing with the Graph client/],
    ['emulator imports the Graph adapter', 'src/emulator/probe.ts', "import { x } from '../tenant/graph/client.ts';\nexport const y = x;\n", /must not import src\/tenant/],
    ['emulator imports the Graph adapter with import()', 'src/emulator/probe.ts', "export const client = await import('../tenant/graph/client.ts');\n", /no-restricted-syntax: .*must not import src\/tenant/],
    ['policy imports the CLI', 'src/policy/probe.ts', "import { runCli } from '../cli/program.ts';\nexport const r = runCli;\n", /must not import src\/cli/],
    ['render does I/O', 'src/render/probe.ts', "import { writeFileSync } from 'node:fs';\nexport const w = writeFileSync;\n", /Renderers are pure/],
    ['render does I/O with import()', 'src/render/probe.ts', "export const fs = await import('node:fs/promises');\n", /no-restricted-syntax: Renderers are pure/],
    ['the package root re-exports the test-only memory adapter', 'src/probe-root.ts', "export { createMemoryTenant } from './tenant/memory/tenant.ts';\n", /no-restricted-imports: .*src\/\*\.ts must not import src\/tenant\/memory/],
    ['the package root re-exports the emulator server', 'src/probe-root.ts', "export { startEmulator } from './emulator/server.ts';\n", /no-restricted-imports: .*src\/\*\.ts must not import src\/emulator/],
    ['the package root imports the emulator entry with import()', 'src/index.ts', "export const emulator = await import('./emulator/index.ts');\n", /no-restricted-syntax: src\/\*\.ts must not import src\/emulator/],
    ['the package root re-exports the CLI', 'src/probe-root.ts', "export { runCli } from './cli/program.ts';\n", /no-restricted-imports: .*src\/\*\.ts must not import src\/cli/],
    ['the emulated directory raises graph-api\'s errors', 'src/emulator/directory/probe.ts', "import { badRequest } from '../graph-api/errors.ts';\nexport const b = badRequest;\n", /no-restricted-imports: .*src\/emulator\/directory must not import src\/emulator\/graph-api/],
    ['the emulated directory imports graph-api with import()', 'src/emulator/directory/probe.ts', "export const errors = await import('../graph-api/errors.ts');\n", /no-restricted-syntax: src\/emulator\/directory must not import src\/emulator\/graph-api/],
    ['the emulated directory imports the token endpoint', 'src/emulator/directory/probe.ts', "import { createTokenIssuer } from '../identity/auth.ts';\nexport const t = createTokenIssuer;\n", /must not import src\/emulator\/identity/],
    ['the emulated directory imports fault injection', 'src/emulator/directory/probe.ts', "import { createFaultInjector } from '../controls/faults.ts';\nexport const f = createFaultInjector;\n", /must not import src\/emulator\/controls/],
    ['graph-api imports the token endpoint', 'src/emulator/graph-api/probe.ts', "import { verifyGraphBearer } from '../identity/bearer.ts';\nexport const v = verifyGraphBearer;\n", /must not import src\/emulator\/identity/],
    ['an emulator sub-folder imports the Graph SDK', 'src/emulator/directory/probe.ts', "export const sdk = await import('@microsoft/microsoft-graph-client');\n", /no-restricted-syntax: The emulator shares nothing with the Graph client/],
  ])('fails when %s', async (_name, file, code, expected) => {
    const messages = await problems(file, code);
    expect(messages.some((m) => expected.test(m)), messages.join('\n')).toBe(true);
  });

  it.each([
    ['domain imports domain', 'src/domain/probe.ts', "import { isIsoCountryCode } from './countries.ts';\nexport const c = isIsoCountryCode;\n"],
    ['domain imports domain with import()', 'src/domain/probe.ts', "export const countries = await import('./countries.ts');\n"],
    ['policy imports domain and node:fs', 'src/policy/probe.ts', "import { readFile } from 'node:fs/promises';\nimport type { Diagnostic } from '../domain/diagnostics.ts';\nexport const r = readFile;\nexport type D = Diagnostic;\n"],
    ['policy imports yaml with import()', 'src/policy/probe.ts', "export const yaml = await import('yaml');\n"],
    ['cli imports policy and render', 'src/cli/probe.ts', "import { loadPolicy } from '../policy/load.ts';\nimport { renderValidationText } from '../render/diagnostics.ts';\nexport const a = [loadPolicy, renderValidationText];\n"],
    ['cli imports node:fs and a command with import()', 'src/cli/probe.ts', "export const fs = await import('node:fs');\nexport const demo = await import('./demo/command.ts');\n"],
    ['cli imports a computed module name', 'src/cli/probe.ts', 'export const load = (name: string): Promise<unknown> => import(name);\n'],
    ['the memory adapter imports the port and the domain', 'src/tenant/memory/probe.ts', "import type { TenantReader } from '../port.ts';\nimport { addDays } from '../../domain/clock.ts';\nexport type R = TenantReader;\nexport const a = addDays;\n"],
    ['the Graph adapter imports @azure/identity', 'src/tenant/graph/probe.ts', "export const identity = await import('@azure/identity');\n"],
    ['the package root re-exports the engine, the port and the Graph adapter', 'src/probe-root.ts', "export { planTenant } from './engine/reconcile.ts';\nexport { TenantError } from './tenant/port.ts';\nexport { connectGraphTenant } from './tenant/graph/index.ts';\n"],
    ['graph-api imports the directory and fault injection', 'src/emulator/graph-api/probe.ts', "import type { TenantStore } from '../directory/store.ts';\nimport type { FaultInjector } from '../controls/faults.ts';\nexport type T = [TenantStore, FaultInjector];\n"],
    ['the token endpoint imports the seed model', 'src/emulator/identity/probe.ts', "import type { SeedApp } from '../directory/model.ts';\nexport type A = SeedApp;\n"],
    ['the server joins the parts', 'src/emulator/probe.ts', "import { loadSeed } from './directory/seed.ts';\nimport { executeGraphRequest } from './graph-api/pipeline.ts';\nimport { createTokenIssuer } from './identity/auth.ts';\nexport const parts = [loadSeed, executeGraphRequest, createTokenIssuer];\n"],
  ])('passes when %s', async (_name, file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });
});

describe('every entry of LAYERS, statically and with import()', () => {
  it('has an entry for the files directly under src/, for every folder of src/, src/tenant/ and src/emulator/, and no entry without its files', () => {
    const entries = (dir: string) => readdirSync(path.join(repo, dir), { withFileTypes: true });
    const folders = (dir: string): string[] =>
      entries(dir).filter((e) => e.isDirectory()).map((e) => path.posix.join(dir, e.name).replace(/^src\//u, ''));
    const root = entries('src').some((e) => e.isFile() && e.name.endsWith('.ts')) ? [''] : [];
    const expected = [...root, ...folders('src'), ...folders('src/tenant'), ...folders('src/emulator')].sort();
    expect(LAYERS.map((l) => l.folder).sort()).toEqual(expected);
  });

  const forbiddenFolders = LAYERS.flatMap((layer) =>
    layer.forbidden.map((other) => [layerName(layer.folder), other, relativeSpecifier(layer.folder, other), layer.folder] as const));
  it.each(forbiddenFolders)('%s must not import src/%s (%s)', async (_name, other, specifier, layer) => {
    const found = await verdicts(probeFile(layer), specifier);
    expect(found.static).toContain(layerMessage(layer, other));
    expect(found.dynamic).toContain(layerMessage(layer, other));
  });

  const forbiddenModules = LAYERS.flatMap((layer) =>
    (layer.modules ?? []).flatMap(({ group, message }) => group.map((pattern) => [layerName(layer.folder), pattern.replaceAll('*', 'probe'), message, layer.folder] as const)));
  it.each(forbiddenModules)('%s must not import %s', async (_name, specifier, message, layer) => {
    const found = await verdicts(probeFile(layer), specifier);
    expect(found.static).toContain(message);
    expect(found.dynamic).toContain(message);
  });

  // Nothing imports the package root (folder ''), so it is no layer's allowed import.
  const allowedFolders = LAYERS.flatMap((layer) =>
    LAYERS.map((l) => l.folder)
      .filter((other) => other !== '' && other !== layer.folder && !layer.forbidden.some((f) => isUnder(other, f)))
      .map((other) => [layerName(layer.folder), other, relativeSpecifier(layer.folder, other), layer.folder] as const));
  it.each(allowedFolders)('%s may import src/%s (%s)', async (_name, _other, specifier, layer) => {
    expect(await verdicts(probeFile(layer), specifier)).toEqual({ static: [], dynamic: [] });
  });

  // Specifiers near the patterns' edges: import() must get exactly the messages the static import gets.
  const edges = ['node:fs/promises', 'FS', 'fs/promises', 'path', './path-like.ts', 'ajv-formats', 'ajv/dist/2020.js', '@azure/identity', '@azure', '@pulumi/pulumi/runtime', 'yaml', 'yaml-extra', '../engine-like.ts', '../../tenant/port.ts', './graph/index.ts', '../graph-api-like.ts', './routes-directory.ts', '../directory.ts', '../identity/index.ts', './emulator-like.ts'];
  const edgeCases = LAYERS.flatMap((layer) => edges.map((specifier) => [layerName(layer.folder), specifier, layer.folder] as const));
  it.each(edgeCases)('%s: import() of %s gets the same verdict as a static import', async (_name, specifier, layer) => {
    const found = await verdicts(probeFile(layer), specifier);
    expect(found.dynamic).toEqual(found.static);
  });
});
