// ESLint flat config. Besides style, it enforces the layer directions of docs/architecture.md §3
// for static imports, `export … from` and `import()` alike: cli, pulumi -> engine -> policy, render,
// the tenant port -> domain; the front ends wire the Graph adapter; the emulator depends on domain only,
// and inside it graph-api, identity and synthetic build on directory; the package root (src/index.ts)
// pulls in neither the emulator, the CLI, the Pulumi resources nor the test-only memory adapter.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const io = ['node:*', 'fs', 'fs/*', 'path', 'http', 'https', 'net', 'child_process', 'os', 'crypto', 'process'];
const ioLibraries = ['@microsoft/microsoft-graph-client', '@azure/*', 'yaml', 'ajv', 'ajv/*', 'ajv-formats', 'commander', '@pulumi/*'];
const tenantForbidden = ['policy', 'engine', 'render', 'cli', 'pulumi', 'emulator'];
const emulatorForbidden = ['policy', 'tenant', 'engine', 'render', 'cli', 'pulumi'];
const emulatorModules = [{ group: ['@microsoft/microsoft-graph-client', '@azure/*'], message: 'The emulator shares nothing with the Graph client: not its SDK, not its credential library.' }];

/**
 * The layer rule as data, one entry per folder of src/, of src/tenant/ and of src/emulator/, and one
 * (folder '') for the files directly under src/, the package root (test/lint/layers.test.ts probes every entry):
 * - `forbidden`: folders of src/ the layer must not import;
 * - `modules`: module specifiers it must not import, in no-restricted-imports' (gitignore) syntax;
 * - `computedImports: false`: no `import()` of a module name computed at run time;
 * - `syntax`: further no-restricted-syntax entries.
 * A file takes the last entry whose folder holds it (tenant/memory over tenant), and flat config
 * replaces a rule's options rather than merging them, so a sub-folder's entry repeats its parent's list.
 */
export const LAYERS = [
  {
    folder: 'domain',
    forbidden: ['policy', 'tenant', 'engine', 'render', 'cli', 'pulumi', 'emulator'],
    modules: [
      { group: io, message: 'src/domain is pure: no node:* or I/O modules. Pass what you need in as a parameter.' },
      { group: ioLibraries, message: 'src/domain is pure: no I/O or parsing libraries.' },
    ],
    computedImports: false,
    syntax: [
      { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'src/domain reads no clock: pass `now` in.' },
      { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'src/domain reads no clock: pass `now` in.' },
      { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'src/domain uses no randomness: pass it in.' },
    ],
  },
  { folder: 'policy', forbidden: ['tenant', 'engine', 'render', 'cli', 'pulumi', 'emulator'] },
  {
    folder: 'render',
    forbidden: ['policy', 'tenant', 'engine', 'cli', 'pulumi', 'emulator'],
    modules: [{ group: io, message: 'Renderers are pure (plan) -> string functions.' }],
  },
  // The port knows neither adapter, and the two adapters stand apart: each passes the contract suite on its own (principle 5).
  { folder: 'tenant', forbidden: [...tenantForbidden, 'tenant/graph', 'tenant/memory'] },
  { folder: 'tenant/graph', forbidden: [...tenantForbidden, 'tenant/memory'] },
  { folder: 'tenant/memory', forbidden: [...tenantForbidden, 'tenant/graph'] },
  // The engine sees the tenant port only; the front ends choose the adapter and pass it in.
  { folder: 'engine', forbidden: ['cli', 'pulumi', 'emulator', 'tenant/graph', 'tenant/memory'] },
  // The watch loop: engine-level, over the tenant port; the CLI wires the Graph adapter in.
  { folder: 'watch', forbidden: ['cli', 'pulumi', 'emulator', 'tenant/graph', 'tenant/memory'] },
  // The Pulumi front end sits beside the CLI: engine, the Graph adapter (its runtime connects it), policy and
  // renderers, never the CLI or the emulator.
  { folder: 'pulumi', forbidden: ['cli', 'emulator', 'tenant/memory'] },
  // The emulator may use pure domain data (the SKU catalog, the Exchange plan list), nothing of the Graph client:
  // not the adapter, not the SDK, not its credentials. Were both built on one misreading of Graph, no test would notice.
  { folder: 'emulator', forbidden: emulatorForbidden, modules: emulatorModules },
  // Inside the emulator (docs/emulator.md): directory, the emulated tenant, is at the bottom and controls stand
  // alone; graph-api builds on both, identity and synthetic on directory; only server.ts joins the parts.
  { folder: 'emulator/directory', forbidden: [...emulatorForbidden, 'emulator/graph-api', 'emulator/identity', 'emulator/controls', 'emulator/synthetic'], modules: emulatorModules },
  { folder: 'emulator/controls', forbidden: [...emulatorForbidden, 'emulator/directory', 'emulator/graph-api', 'emulator/identity', 'emulator/synthetic'], modules: emulatorModules },
  { folder: 'emulator/graph-api', forbidden: [...emulatorForbidden, 'emulator/identity', 'emulator/synthetic'], modules: emulatorModules },
  { folder: 'emulator/identity', forbidden: [...emulatorForbidden, 'emulator/graph-api', 'emulator/controls', 'emulator/synthetic'], modules: emulatorModules },
  { folder: 'emulator/synthetic', forbidden: [...emulatorForbidden, 'emulator/graph-api', 'emulator/identity', 'emulator/controls'], modules: emulatorModules },
  // The edge may import every layer, but not the in-memory adapter: it serves tests only and is not built into dist/.
  { folder: 'cli', forbidden: ['tenant/memory'] },
  // The package root (src/index.ts, docs/library.md) re-exports the library's layers. The emulator and the Pulumi
  // resources are entries of their own (tenantctl/emulator, tenantctl/pulumi), the CLI is the executable's, and the
  // in-memory adapter is not in the package.
  { folder: '', forbidden: ['tenant/memory', 'cli', 'pulumi', 'emulator'] },
];

/** A layer's files, as the messages name them: `src/policy`, or `src/*.ts` for the package root. */
function layerName(layer) {
  return layer.folder === '' ? 'src/*.ts' : `src/${layer.folder}`;
}

/**
 * How an import names a folder of src/: by relative path, so by the folder's own name wherever it
 * appears in the path (`../policy/load.ts`, `../graph/errors.ts` from src/tenant/memory).
 */
function folderGroup(folder) {
  const name = folder.split('/').at(-1);
  return [`**/${name}`, `**/${name}/**`];
}

/** The patterns one layer must not import: its forbidden modules, then the other layers' folders. */
function restrictedPatterns(layer) {
  return [
    ...(layer.modules ?? []),
    ...layer.forbidden.map((other) => ({
      group: folderGroup(other),
      message: `${layerName(layer)} must not import src/${other} (see docs/architecture.md §3, "Dependency directions").`,
    })),
  ];
}

/**
 * A no-restricted-imports pattern (gitignore syntax, as that rule reads it) as the source of a
 * regular expression over the module specifier: a pattern without an inner `/` matches at any
 * depth, `**` spans folders, `*` stays within one, and whatever is below a match matches too. The
 * source suits esquery, which reads it between slashes and allows no backslash inside `[…]`: `/` is
 * escaped outside the one class used, `[^/]`.
 */
function patternSource(pattern) {
  const segments = pattern.replace(/\/$/u, '').split('/');
  const anywhere = segments.length === 1 || segments[0] === '**';
  if (segments[0] === '**') segments.shift();
  const below = segments.at(-1) === '**';
  if (below) segments.pop();
  if (segments.some((s) => s === '' || s === '**')) throw new Error(`eslint.config.js: unsupported import pattern ${pattern}`);
  const body = segments.map((s) => s.replace(/[.+?^${}()|[\]\\]/gu, '\\$&').replaceAll('*', '[^/]*')).join('\\/');
  return `^${anywhere ? '(?:.*\\/)?' : ''}${body}${below ? '\\/.+' : '(?:\\/.*)?'}$`;
}

/**
 * no-restricted-syntax entries giving `import()` the same restrictions as the static patterns: one
 * per pattern group, on a string literal or a template literal without substitutions. Case is
 * ignored, as no-restricted-imports ignores it by default.
 */
function dynamicImportSyntax(patterns) {
  return patterns.map(({ group, message }) => {
    const source = group.map(patternSource).join('|');
    return {
      selector: `ImportExpression:matches([source.value=/${source}/iu], [source.expressions.length=0][source.quasis.0.value.cooked=/${source}/iu])`,
      message,
    };
  });
}

const COMPUTED_IMPORT = {
  selector: "ImportExpression:not([source.type='Literal']):not([source.type='TemplateLiteral'][source.expressions.length=0])",
  message: 'src/domain is pure: no import() of a module name computed at run time.',
};

/** One config object per layer, with both rules: static imports and `import()` from the same list. */
function layerConfig(layer) {
  const patterns = restrictedPatterns(layer);
  const syntax = [...dynamicImportSyntax(patterns), ...(layer.computedImports === false ? [COMPUTED_IMPORT] : []), ...(layer.syntax ?? [])];
  return {
    files: [layer.folder === '' ? 'src/*.ts' : `src/${layer.folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': patterns.length > 0 ? ['error', { patterns }] : 'off',
      'no-restricted-syntax': syntax.length > 0 ? ['error', ...syntax] : 'off',
    },
  };
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly' } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      eqeqeq: ['error', 'always'],
    },
  },
  ...LAYERS.map(layerConfig),
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error',
        { name: 'process', message: 'src/domain reads no environment: pass it in.' },
        { name: 'fetch', message: 'src/domain does no I/O.' }],
    },
  },
);
