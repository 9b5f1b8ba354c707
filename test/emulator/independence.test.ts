/**
 * The emulator reads Graph on its own (docs/architecture.md §3): outside its own folder it imports only
 * pure domain data and the rules architecture.md §4 names as shared, never a reading of Graph the client
 * or the planner also uses — above all not the planner's address rule in src/domain/tenant-index.ts.
 * eslint.config.js keeps it out of the other layers; this test keeps it to that short list of src/domain.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EMULATOR = path.join(ROOT, 'src/emulator');

/** What the emulator may take from src/domain: data (GUID syntax, countries, the SKU catalog) and the rules §4 shares on purpose. */
const ALLOWED_DOMAIN_MODULES = new Set([
  // The users' change journal behind the delta query: one rule for the emulator and the memory adapter (issue 16).
  'src/domain/change-journal.ts',
  'src/domain/clock.ts',
  'src/domain/countries.ts',
  'src/domain/exchange-plans.ts',
  'src/domain/guid.ts',
  'src/domain/sku-catalog.ts',
  'src/domain/sku-catalog.data.ts',
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Each relative import (static, re-export or dynamic) of a file, as a path from the repository root. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/gu)].map((match) => path.relative(ROOT, path.resolve(path.dirname(file), match[1] ?? '')));
}

const outside = sourceFiles(EMULATOR).flatMap((file) =>
  importsOf(file)
    .filter((target) => !target.startsWith('src/emulator/'))
    .map((target) => ({ file: path.relative(ROOT, file), target })),
);

describe('what src/emulator imports from outside itself', () => {
  it('finds the imports it checks (the scan works)', () => {
    expect(outside.map((i) => i.target)).toContain('src/domain/sku-catalog.ts');
  });

  it('imports nothing from src/domain/tenant-index.ts: the emulator has its own address rule', () => {
    expect(outside.filter((i) => i.target === 'src/domain/tenant-index.ts')).toEqual([]);
  });

  it('imports from src/domain only pure data and the rules shared on purpose', () => {
    expect(outside.filter((i) => !ALLOWED_DOMAIN_MODULES.has(i.target))).toEqual([]);
  });
});
