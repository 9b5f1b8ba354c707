// ESLint flat config. Besides style, it enforces the layer directions of
// docs/architecture.md §3: cli, pulumi -> engine -> domain; tenant/*, policy -> domain.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const io = ['node:*', 'fs', 'fs/*', 'path', 'http', 'https', 'net', 'child_process', 'os', 'crypto', 'process'];
const ioLibraries = ['@microsoft/microsoft-graph-client', '@azure/*', 'yaml', 'ajv', 'ajv/*', 'ajv-formats', 'commander', '@pulumi/*'];

/** A `no-restricted-imports` rule forbidding other layers' folders, by relative path. */
function layerRule(layer, forbidden, extra = []) {
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          ...extra,
          ...forbidden.map((other) => ({
            group: [`**/${other}`, `**/${other}/**`],
            message: `src/${layer} must not import src/${other} (see docs/architecture.md §3, "Dependency directions").`,
          })),
        ],
      }],
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
  layerRule('domain', ['policy', 'tenant', 'engine', 'render', 'cli', 'pulumi', 'emulator'], [
    { group: io, message: 'src/domain is pure: no node:* or I/O modules. Pass what you need in as a parameter.' },
    { group: ioLibraries, message: 'src/domain is pure: no I/O or parsing libraries.' },
  ]),
  layerRule('policy', ['tenant', 'engine', 'render', 'cli', 'pulumi', 'emulator']),
  layerRule('render', ['policy', 'tenant', 'engine', 'cli', 'pulumi', 'emulator'], [
    { group: io, message: 'Renderers are pure (plan) -> string functions.' },
  ]),
  layerRule('tenant', ['policy', 'engine', 'render', 'cli', 'pulumi', 'emulator']),
  layerRule('engine', ['cli', 'pulumi', 'emulator']),
  // The Pulumi front end sits beside the CLI: engine, tenant adapter, policy and renderers, never the CLI or the emulator.
  layerRule('pulumi', ['cli', 'emulator']),
  // The emulator may use pure domain data (the SKU catalog, the Exchange plan list), never the Graph adapter.
  layerRule('emulator', ['policy', 'tenant', 'engine', 'render', 'cli', 'pulumi']),
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error',
        { name: 'process', message: 'src/domain reads no environment: pass it in.' },
        { name: 'fetch', message: 'src/domain does no I/O.' }],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'src/domain reads no clock: pass `now` in.' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'src/domain reads no clock: pass `now` in.' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'src/domain uses no randomness: pass it in.' }],
    },
  },
);
