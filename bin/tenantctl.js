#!/usr/bin/env node
// tenantctl runs its TypeScript sources directly on Node 24 (type stripping).
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `tenantctl needs Node.js 24 or newer; this is ${process.version}.\n` +
      'Run it through npm (npx tenantctl, npm run demo) so that the Node 24 pinned in devDependencies is used.\n',
  );
  process.exitCode = 1;
} else {
  // A larger young generation: reading 100,000 users parses ~600 MB of JSON, and the default makes
  // the garbage collector copy it over and over (measured in bench/RESULTS.md).
  const v8 = await import('node:v8');
  v8.setFlagsFromString('--max-semi-space-size=64');
  await import('../src/cli/main.ts');
}
