#!/usr/bin/env node
// tenantctl's command line. The installed package runs the JavaScript compiled into dist/ (Node 22.12
// or newer); a checkout of the repository, which has src/ and no build, runs the TypeScript sources
// directly (Node 24 strips the types; `npm run demo`, `npx tenantctl` use the Node 24 pinned there).
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const fromSource = existsSync(source);
const [major, minor] = process.versions.node.split('.').map(Number);
const supported = fromSource ? major >= 24 : major > 22 || (major === 22 && minor >= 12);
if (!supported) {
  process.stderr.write(
    fromSource
      ? `Running tenantctl from its sources needs Node.js 24 or newer; this is ${process.version}.\n` +
          'Run it through npm (npx tenantctl, npm run demo) so that the Node 24 pinned in devDependencies is used.\n'
      : `tenantctl needs Node.js 22.12 or newer; this is ${process.version}.\n`,
  );
  process.exitCode = 1;
} else {
  // A larger young generation: reading 100,000 users parses ~600 MB of JSON, and the default makes
  // the garbage collector copy it over and over (measured in bench/RESULTS.md).
  const v8 = await import('node:v8');
  v8.setFlagsFromString('--max-semi-space-size=64');
  await import(fromSource ? source.href : '../dist/cli/main.js');
}
