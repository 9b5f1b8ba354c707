// `npm run build` (also run by `npm pack` / `npm publish` through prepack): compiles src/ into dist/
// as JavaScript with type declarations, from an empty dist/ so nothing stale ships.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  process.stderr.write('npm run build: the TypeScript compiler failed; nothing usable is in dist/.\n');
  rmSync(dist, { recursive: true, force: true });
  process.exit(result.status ?? 1);
}

// tsc rewrites the sources' `./x.ts` imports to `./x.js` in JavaScript but keeps `.ts` in declaration
// files, which TypeScript before 5.7 (and other tools reading .d.ts) refuse: name the .js there too.
const relativeTs = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/gu;
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = path.join(entry.parentPath, entry.name);
  const text = readFileSync(file, 'utf8');
  const rewritten = text.replace(relativeTs, '$1$2.js$3');
  if (rewritten !== text) writeFileSync(file, rewritten);
}
