// `npm run gen:skus`: writes src/domain/sku-catalog.data.ts from scripts/data/licensing-skus.json.
//
//   node scripts/gen-skus.ts [input.json] [--check]
//
// input.json defaults to scripts/data/licensing-skus.json (its provenance: scripts/data/README.md). With --check
// nothing is written: exit 0 when the committed file is current, 1 when it is stale or missing. Exit 2 on bad
// usage or bad input. The rendering itself is in sku-catalog-render.ts (pure, so tests can import it).
import { Buffer } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderSkuCatalogModule, SKU_CATALOG_COMMAND, SKU_CATALOG_OUTPUT } from './sku-catalog-render.ts';

const DEFAULT_INPUT = new URL('data/licensing-skus.json', import.meta.url);
const OUTPUT = new URL('../src/domain/sku-catalog.data.ts', import.meta.url);

const USAGE = 'usage: node scripts/gen-skus.ts [input.json] [--check]';

function readIfExists(file: URL): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Runs the generator; returns the exit code. */
export function main(args: readonly string[]): number {
  const check = args.includes('--check');
  const positional = args.filter((a) => a !== '--check');
  const unknown = positional.filter((a) => a.startsWith('-'));
  if (unknown.length > 0 || positional.length > 1) {
    console.error(unknown.length > 0 ? `gen-skus: unknown option ${unknown.join(', ')}` : 'gen-skus: too many arguments');
    console.error(USAGE);
    return 2;
  }
  const input = positional[0] === undefined ? DEFAULT_INPUT : pathToFileURL(resolve(positional[0]));
  const inputPath = fileURLToPath(input);

  let rendered: string;
  try {
    const json: unknown = JSON.parse(readFileSync(input, 'utf8'));
    rendered = renderSkuCatalogModule(json);
  } catch (error) {
    console.error(`gen-skus: cannot generate from ${inputPath}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }

  const current = readIfExists(OUTPUT);
  // Tolerate a CRLF checkout (git core.autocrlf) of an otherwise identical file.
  const upToDate = current?.replace(/\r\n/g, '\n') === rendered;
  if (check) {
    if (upToDate) {
      console.log(`${SKU_CATALOG_OUTPUT} is up to date with ${inputPath}.`);
      return 0;
    }
    console.error(`${SKU_CATALOG_OUTPUT} is ${current === undefined ? 'missing' : 'stale'}: it is not what ${inputPath} generates.`);
    console.error(`Run \`${SKU_CATALOG_COMMAND}\` to regenerate it, and commit the result.`);
    return 1;
  }
  if (upToDate) {
    console.log(`${SKU_CATALOG_OUTPUT} is already up to date (${Buffer.byteLength(rendered)} bytes).`);
    return 0;
  }
  writeFileSync(OUTPUT, rendered);
  console.log(`wrote ${SKU_CATALOG_OUTPUT} (${Buffer.byteLength(rendered)} bytes) from ${inputPath}.`);
  return 0;
}

if (import.meta.main) {
  process.exitCode = main(process.argv.slice(2));
}
