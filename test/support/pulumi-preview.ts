/**
 * examples/pulumi run through Pulumi's own Node.js run harness (test/support/pulumi-harness.ts, in a
 * child process) against an emulator, and the preview of an exported synthetic tenant that compares
 * the provider's Graph requests with `tenantctl plan`'s. Shared by test/pulumi/run-harness.test.ts and
 * bench/pulumi-preview.ts, so it imports nothing of vitest: it throws where a test would expect.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { Seed } from '../../src/emulator/directory/model.ts';
import type { RequestLogEntry } from '../../src/emulator/server.ts';
import { digestPolicy } from '../../src/engine/digest.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { principalInputs } from '../../src/pulumi/inputs.ts';
import { runTenantctl } from './cli.ts';
import { tokenFor } from './seeds.ts';

const run = promisify(execFile);
export const REPO = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLE = path.join(REPO, 'examples', 'pulumi');
/** The provider's runtime, named for the provider as the sources are run here (not an installed package). */
const RUNTIME = path.join(REPO, 'src', 'pulumi', 'runtime.ts');
const HARNESS = fileURLToPath(new URL('./pulumi-harness.ts', import.meta.url));

export interface StateEntry {
  readonly id: string;
  readonly outputs: Record<string, unknown>;
}

/** What pulumi-harness.ts prints. */
export interface HarnessResult {
  readonly exitCode: number;
  readonly registered: readonly { type: string; name: string }[];
  readonly steps: Record<string, 'create' | 'update' | 'replace' | 'same'>;
  readonly errors: readonly { name: string; message: string }[];
  readonly state: Record<string, StateEntry>;
  readonly providerTexts: number;
  readonly providerText: string;
  /** From loading the program to the end of the run, as the harness measured it. */
  readonly ms: number;
  /** The harness process's peak resident set size. */
  readonly peakRssBytes: number;
}

export interface HarnessRun {
  readonly result: HarnessResult;
  readonly stderr: string;
  /** The child process, start to exit. */
  readonly wallMs: number;
}

let project: string | undefined;

/**
 * examples/pulumi as a tenant repository holds it (its Pulumi.yaml, package.json and index.ts), with
 * this repository's policies/, and `tenantctl/pulumi` resolved to the sources instead of an installed
 * package (the installed package runs the same example in test/package/consumer.test.ts). Made once
 * per process.
 */
export function sourceProject(): string {
  if (project !== undefined) return project;
  const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-pulumi-project-'));
  for (const file of ['Pulumi.yaml', 'package.json']) copyFileSync(path.join(EXAMPLE, file), path.join(dir, file));
  const program = readFileSync(path.join(EXAMPLE, 'index.ts'), 'utf8');
  const entry = "from 'tenantctl/pulumi'";
  if (!program.includes(entry)) throw new Error(`examples/pulumi/index.ts no longer imports ${entry}`);
  writeFileSync(path.join(dir, 'index.ts'), program.replace(entry, `from '${pathToFileURL(path.join(REPO, 'src', 'pulumi', 'index.ts')).href}'`));
  cpSync(path.join(REPO, 'policies'), path.join(dir, 'policies'), { recursive: true });
  symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  project = dir;
  return dir;
}

/** Pulumi.yaml's `runtime.options.nodeargs`: the language host starts node with them. */
function nodeArgs(projectDir: string): string[] {
  const file = parse(readFileSync(path.join(projectDir, 'Pulumi.yaml'), 'utf8')) as { runtime: { options: { nodeargs?: string } } };
  return String(file.runtime.options.nodeargs ?? '').split(' ').filter((a) => a !== '');
}

/** Stack config as `pulumi config set` would hold it; the client secret is a secret key. */
export function stackConfigFor(url: string, policies: string, clientId: string, secret: string, tenantId: string): Record<string, string> {
  return { 'tenantctl:policies': JSON.stringify([policies]), 'tenantctl:graphUrl': url, 'tenantctl:tenantId': tenantId, 'tenantctl:clientId': clientId, 'tenantctl:clientSecret': secret };
}

export interface RunOptions {
  /** TENANTCTL_NOW: the planning time. */
  readonly now: string;
  /** The stack's resources before the run, by resource name (default: a new stack). */
  readonly state?: Record<string, StateEntry>;
  /**
   * Kills the child when aborted. A test passes its own signal, so that a run cancelled or timed out
   * does not go on loading the machine, nor outlive the emulator it talks to.
   */
  readonly signal?: AbortSignal;
}

/** One `pulumi preview` or `pulumi up` of the source project, through the run harness in a child process. */
export async function runHarness(mode: 'preview' | 'up', config: Record<string, string>, options: RunOptions): Promise<HarnessRun> {
  const projectDir = sourceProject();
  const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-harness-'));
  const jobFile = path.join(dir, 'job.json');
  writeFileSync(jobFile, JSON.stringify({ projectDir, mode, config, secretKeys: ['tenantctl:clientSecret'], state: options.state ?? {} }));
  const started = performance.now();
  // Only what the harness needs: no AZURE_* or TENANTCTL_GRAPH_URL, so the stack config is what connects.
  const { stdout, stderr } = await run(process.execPath, [...nodeArgs(projectDir), HARNESS, jobFile], {
    env: { PATH: process.env.PATH ?? '', TENANTCTL_NOW: options.now, TENANTCTL_PULUMI_RUNTIME: RUNTIME },
    maxBuffer: 256 * 1024 * 1024,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const wallMs = performance.now() - started;
  const line = stdout.trim().split('\n').at(-1) ?? '';
  if (!line.startsWith('{')) throw new Error(`harness printed no result: ${stdout.slice(-2000)}\n${stderr.slice(-2000)}`);
  return { result: JSON.parse(line) as HarnessResult, stderr, wallMs };
}

export const countSteps = (steps: HarnessResult['steps']): Record<string, number> =>
  Object.values(steps).reduce<Record<string, number>>((counts, step) => ({ ...counts, [step]: (counts[step] ?? 0) + 1 }), {});

/** The emulator's request log after `since` (a `seq`), batch items included. */
async function requestLog(url: string, since = 0): Promise<RequestLogEntry[]> {
  const response = await fetch(`${url}/_emulator/requests?since=${since}`);
  if (!response.ok) throw new Error(`GET /_emulator/requests: ${response.status}`);
  return ((await response.json()) as { requests: RequestLogEntry[] }).requests;
}

const lastSeq = async (url: string): Promise<number> => (await requestLog(url)).at(-1)?.seq ?? 0;

/** Graph requests (not the token endpoint), as `METHOD path` with the batch items folded into their batch, sorted. */
export function graphRequests(entries: readonly RequestLogEntry[]): string[] {
  return entries.filter((e) => e.inBatch === undefined && !e.path.endsWith('/oauth2/v2.0/token')).map((e) => `${e.method} ${e.path}${e.batchItems === undefined ? '' : ` (${e.batchItems} items)`}`).sort();
}

/** What the preview of an exported tenant found, and what it and `tenantctl plan` cost. */
export interface ExportedTenantPreview {
  /** Principals the exported policy declares, all in the stack's state. */
  readonly principals: number;
  /** Users blocked in Graph behind the stack's back. */
  readonly blocked: readonly string[];
  readonly preview: HarnessRun;
  /** The preview's Graph requests, as graphRequests() gives them. */
  readonly previewRequests: readonly string[];
  /** `tenantctl plan`'s, for the same policy and tenant. */
  readonly planRequests: readonly string[];
  readonly planExitCode: number;
}

/**
 * The preview of a stack that manages a whole tenant: `seed` (an emulator at `url` holds it, with its
 * first app's secret) exported with `tenantctl export`, a stack state holding every exported principal
 * as `pulumi up` leaves it, `blockUsers` enabled users blocked directly in Graph, then `pulumi preview`
 * through the run harness and, for comparison, `tenantctl plan` of the same policy. Plans at the seed's
 * `now`.
 */
export async function previewExportedTenant(url: string, seed: Seed, options: { blockUsers: number; signal?: AbortSignal }): Promise<ExportedTenantPreview> {
  const app = seed.apps[0];
  if (!app?.clientSecret) throw new Error('the seed\'s first app has no secret');
  const now = seed.now;
  const env = { TENANTCTL_GRAPH_URL: url, AZURE_TENANT_ID: seed.tenantId, AZURE_CLIENT_ID: app.clientId, AZURE_CLIENT_SECRET: app.clientSecret };
  const cwd = mkdtempSync(path.join(tmpdir(), 'tenantctl-harness-export-'));
  const exported = await runTenantctl(['export'], { env, cwd, now });
  if (exported.code !== 0) throw new Error(`tenantctl export exited ${exported.code}: ${exported.stderr}`);
  const policies = path.join(cwd, 'policies.exported');
  const files = readdirSync(policies).sort();
  if (files.join() !== '00-tenant.yaml,people.yaml') throw new Error(`tenantctl export wrote ${files.join(', ')}`);
  const config = stackConfigFor(url, policies, app.clientId, app.clientSecret, seed.tenantId);

  // The stack's state as a `pulumi up` leaves it: every principal's inputs, with the object id that holds its UPN.
  const desired = (await loadPolicy([policies])).desired;
  if (!desired) throw new Error('the exported policy does not validate');
  const digest = digestPolicy(desired);
  const ids = new Map(seed.users.map((u) => [u.userPrincipalName.toLowerCase(), u.id]));
  const state: Record<string, StateEntry> = {};
  for (const principal of desired.principals) {
    const id = ids.get(principal.userPrincipalName) ?? '';
    state[principal.userPrincipalName] = { id, outputs: { ...principalInputs(desired, principal, [policies], digest), objectId: id, tenantId: seed.tenantId, warnings: [], lastChanges: [] } };
  }

  // Drift made directly in Graph: some users blocked.
  const blocked = Object.keys(state).filter((upn) => state[upn]?.outputs.accountEnabled === true).slice(0, options.blockUsers);
  if (blocked.length < options.blockUsers) throw new Error(`the tenant has fewer than ${options.blockUsers} enabled principals to block`);
  const token = await tokenFor(url, seed);
  for (const upn of blocked) {
    const response = await fetch(`${url}/v1.0/users/${encodeURIComponent(upn)}`, { method: 'PATCH', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ accountEnabled: false }) });
    if (response.status !== 204) throw new Error(`blocking ${upn}: ${response.status} ${await response.text()}`);
  }

  let since = await lastSeq(url);
  const preview = await runHarness('preview', config, { now, state, ...(options.signal === undefined ? {} : { signal: options.signal }) });
  const previewRequests = graphRequests(await requestLog(url, since));

  since = await lastSeq(url);
  const planned = await runTenantctl(['plan', policies, '--format', 'json', '--detailed-exitcode'], { env, cwd, now });
  const planRequests = graphRequests(await requestLog(url, since));
  if (planned.code === 1) throw new Error(`tenantctl plan failed: ${planned.stderr}`);

  return { principals: desired.principals.length, blocked, preview, previewRequests, planRequests, planExitCode: planned.code };
}
