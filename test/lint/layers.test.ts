import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const repo = new URL('../../', import.meta.url).pathname;

/** Lints `code` as if it were the file at `filePath`, with the project's own eslint.config.js. */
async function lint(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: repo });
  const [result] = await eslint.lintText(code, { filePath: `${repo}${filePath}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

describe('the layer rule in eslint.config.js', () => {
  it.each([
    ['domain imports node:fs', 'src/domain/probe.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", /no-restricted-imports: .*src\/domain is pure/],
    ['domain imports fs without node:', 'src/domain/probe.ts', "import { readFileSync } from 'fs';\nexport const r = readFileSync;\n", /no-restricted-imports/],
    ['domain imports the Graph client', 'src/domain/probe.ts', "import { Client } from '@microsoft/microsoft-graph-client';\nexport const c = Client;\n", /no-restricted-imports/],
    ['domain imports the YAML parser', 'src/domain/probe.ts', "import { parse } from 'yaml';\nexport const p = parse;\n", /no-restricted-imports/],
    ['domain imports a policy module', 'src/domain/probe.ts', "import { loadPolicy } from '../policy/load.ts';\nexport const l = loadPolicy;\n", /no-restricted-imports: .*must not import src\/policy/],
    ['domain reads the clock', 'src/domain/probe.ts', 'export const now = Date.now();\n', /no-restricted-syntax: .*no clock/],
    ['domain reads the environment', 'src/domain/probe.ts', 'export const e = process.env.HOME;\n', /no-restricted-globals/],
    ['emulator imports the Graph adapter', 'src/emulator/probe.ts', "import { x } from '../tenant/graph/client.ts';\nexport const y = x;\n", /must not import src\/tenant/],
    ['policy imports the CLI', 'src/policy/probe.ts', "import { runCli } from '../cli/program.ts';\nexport const r = runCli;\n", /must not import src\/cli/],
    ['render does I/O', 'src/render/probe.ts', "import { writeFileSync } from 'node:fs';\nexport const w = writeFileSync;\n", /Renderers are pure/],
  ])('fails when %s', async (_name, file, code, expected) => {
    const messages = await lint(file, code);
    expect(messages.some((m) => expected.test(m)), messages.join('\n')).toBe(true);
  });

  it.each([
    ['domain imports domain', 'src/domain/probe.ts', "import { isIsoCountryCode } from './countries.ts';\nexport const c = isIsoCountryCode;\n"],
    ['policy imports domain and node:fs', 'src/policy/probe.ts', "import { readFile } from 'node:fs/promises';\nimport type { Diagnostic } from '../domain/diagnostics.ts';\nexport const r = readFile;\nexport type D = Diagnostic;\n"],
    ['cli imports policy and render', 'src/cli/probe.ts', "import { loadPolicy } from '../policy/load.ts';\nimport { renderValidationText } from '../render/diagnostics.ts';\nexport const a = [loadPolicy, renderValidationText];\n"],
  ])('passes when %s', async (_name, file, code) => {
    expect(await lint(file, code)).toEqual([]);
  });
});
