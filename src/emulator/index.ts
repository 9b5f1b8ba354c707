/**
 * The Graph emulator as a library (`import { startEmulator } from 'tenantctl/emulator'`), documented
 * in docs/emulator.md: a Microsoft Graph look-alike on 127.0.0.1 for your own tests and pipelines —
 * your policy, your tenant's shape, no real tenant touched. The same server as `tenantctl emulator`.
 */
export { startEmulator } from './server.ts';
export type { EmulatorOptions, RequestLogEntry, RunningEmulator, TokenRequestLogEntry } from './server.ts';
export { parseSeed, SeedError } from './seed.ts';
export { generateSyntheticSeed, MAX_SYNTHETIC_USERS, parseSyntheticSpec } from './synthetic.ts';
export type { SyntheticSpec } from './synthetic.ts';
export type { Seed, SeedApp, SeedGroup, SeedSku, SeedUser } from './model.ts';
