/**
 * A small GitHub for the workflow tests: the state the workflows' `gh` calls read and change (pull
 * requests, workflow runs, artifacts, issues, comments, labels). The job harness (workflow-jobs.ts)
 * puts a `gh` on PATH that hands its arguments (with curl) to the FakeGitHub of the test, in the test's
 * process, which answers the calls the workflows' scripts make as GitHub and the GitHub CLI would,
 * changes its state, and records every call; like gh in a workflow, it refuses to work without
 * GH_TOKEN. Anything it does not know (a subcommand, a flag, an endpoint) fails loudly, so a script
 * cannot quietly depend on something untested. The harness also stores in it what
 * `actions/upload-artifact` uploads, so that the apply job downloads what the plan job uploaded.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface FakePullRequest {
  readonly number: number;
  readonly head: { readonly sha: string };
  readonly merge_commit_sha: string | null;
  readonly merged_at: string | null;
}

export interface FakeWorkflowRun {
  readonly id: number;
  /** The workflow's file name in .github/workflows/. */
  readonly workflow: string;
  readonly event: string;
  readonly head_sha: string;
  readonly status: 'queued' | 'in_progress' | 'completed';
  readonly conclusion: 'success' | 'failure' | 'cancelled' | 'skipped' | null;
  readonly run_started_at: string;
}

export interface FakeArtifact {
  readonly run_id: number;
  readonly name: string;
  /** A directory holding the artifact's files. */
  readonly dir: string;
}

export interface FakeIssue {
  readonly number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
}

export interface FakeComment {
  readonly id: number;
  readonly issue_number: number;
  body: string;
  readonly user: { readonly login: string };
}

export interface FakeLabel {
  readonly name: string;
  color: string;
  description: string;
}

export interface FakeGitHubState {
  readonly repository: string;
  /** Issue and pull-request numbers, and comment ids, are taken from here. */
  nextNumber: number;
  nextCommentId: number;
  readonly pulls: FakePullRequest[];
  readonly runs: FakeWorkflowRun[];
  readonly artifacts: FakeArtifact[];
  readonly issues: FakeIssue[];
  readonly comments: FakeComment[];
  readonly labels: FakeLabel[];
}

/** One call, as logged: the arguments, GH_TOKEN (null without), and the file a flag handed over (--input, --body-file). */
export interface FakeGhCall {
  readonly args: readonly string[];
  readonly token: string | null;
  readonly input?: string;
}

class GhError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The bot that the workflow's GITHUB_TOKEN acts as. */
const BOT = 'github-actions[bot]';

/** Splits arguments into flags (`--name value`, `--name=value`, boolean ones) and positional ones; an unknown flag throws. */
function parseArgs(args: readonly string[], valued: readonly string[], booleans: readonly string[] = []): { flags: Map<string, string>; positional: string[] } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    const [name = '', inline] = arg.split(/=(.*)/su, 2);
    if (booleans.includes(name)) flags.set(name, 'true');
    else if (valued.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new GhError(`flag needs an argument: ${name}`, 2);
      flags.set(name, value);
    } else throw new GhError(`unknown flag: ${name} (this fake gh knows ${[...valued, ...booleans].join(' ')})`, 2);
  }
  return { flags, positional };
}

function required(flags: Map<string, string>, name: string): string {
  const value = flags.get(name);
  if (value === undefined) throw new GhError(`required flag ${name} not set`, 2);
  return value;
}

function checkRepo(state: FakeGitHubState, repo: string | undefined): void {
  if (repo !== state.repository) throw new GhError(`GraphQL: Could not resolve to a Repository with the name '${repo ?? '(none)'}'.`);
}

function issueNumber(state: FakeGitHubState, text: string | undefined): FakeIssue {
  const issue = state.issues.find((i) => String(i.number) === text);
  if (issue === undefined) throw new GhError(`GraphQL: Could not resolve to an issue or pull request with the number of ${text ?? '(none)'}.`);
  return issue;
}

function commentJson(comment: FakeComment): Record<string, unknown> {
  return { id: comment.id, body: comment.body, user: comment.user, html_url: `https://github.com/issues/comments/${comment.id}` };
}

/** `gh api [--paginate] [--method M] [--input FILE] ENDPOINT`: the REST endpoints the workflows call. */
function api(state: FakeGitHubState, args: readonly string[], cwd: string): string {
  const { flags, positional } = parseArgs(args, ['--method', '-X', '--input'], ['--paginate']);
  if (positional.length !== 1) throw new GhError(`gh api takes one endpoint, got ${positional.join(' ')}`, 2);
  const method = (flags.get('--method') ?? flags.get('-X') ?? 'GET').toUpperCase();
  const input = flags.get('--input');
  const body = (): Record<string, unknown> => {
    if (input === undefined) throw new GhError(`${method} needs --input`, 2);
    return JSON.parse(readFileSync(path.resolve(cwd, input), 'utf8')) as Record<string, unknown>;
  };
  const url = new URL(positional[0] ?? '', 'https://api.github.invalid/');
  const endpoint = url.pathname.replace(/^\//u, '');
  const prefix = `repos/${state.repository}/`;
  if (!endpoint.startsWith(prefix)) throw new GhError(`Not Found (HTTP 404): ${endpoint}`);
  const rest = endpoint.slice(prefix.length);
  let match: RegExpExecArray | null;

  if ((match = /^issues\/(\d+)\/comments$/u.exec(rest))) {
    const number = Number(match[1]);
    if (!state.issues.some((i) => i.number === number) && !state.pulls.some((p) => p.number === number)) throw new GhError('Not Found (HTTP 404)');
    if (method === 'GET') return JSON.stringify(state.comments.filter((c) => c.issue_number === number).map(commentJson));
    if (method === 'POST') {
      const comment: FakeComment = { id: state.nextCommentId++, issue_number: number, body: String(body().body), user: { login: BOT } };
      state.comments.push(comment);
      return JSON.stringify(commentJson(comment));
    }
  }
  if ((match = /^issues\/comments\/(\d+)$/u.exec(rest)) && method === 'PATCH') {
    const comment = state.comments.find((c) => c.id === Number(match?.[1]));
    if (comment === undefined) throw new GhError('Not Found (HTTP 404)');
    if (comment.user.login !== BOT) throw new GhError('Forbidden (HTTP 403): not the author');
    comment.body = String(body().body);
    return JSON.stringify(commentJson(comment));
  }
  if ((match = /^commits\/([0-9a-f]{40})\/pulls$/u.exec(rest)) && method === 'GET') {
    const sha = match[1];
    return JSON.stringify(state.pulls.filter((p) => p.merge_commit_sha === sha || p.head.sha === sha));
  }
  if ((match = /^actions\/workflows\/([^/]+)\/runs$/u.exec(rest)) && method === 'GET') {
    const workflow = match[1];
    const known = ['event', 'status', 'head_sha', 'per_page', 'branch'];
    const unknown = [...url.searchParams.keys()].filter((k) => !known.includes(k));
    if (unknown.length > 0) throw new GhError(`this fake does not filter runs by ${unknown.join(', ')}`, 2);
    const query = url.searchParams;
    const runs = state.runs.filter((r) => r.workflow === workflow
      && (!query.has('event') || r.event === query.get('event'))
      && (!query.has('head_sha') || r.head_sha === query.get('head_sha'))
      // GitHub's status parameter takes a status or a conclusion.
      && (!query.has('status') || r.status === query.get('status') || r.conclusion === query.get('status')));
    return JSON.stringify({ total_count: runs.length, workflow_runs: runs.map(({ workflow: _workflow, ...run }) => ({ ...run, path: `.github/workflows/${workflow}` })) });
  }
  throw new GhError(`this fake gh does not know ${method} ${endpoint}`, 2);
}

/** `gh run download RUN --repo R --name NAME --dir DIR`. */
function runDownload(state: FakeGitHubState, args: readonly string[], cwd: string): string {
  const { flags, positional } = parseArgs(args, ['--repo', '-R', '--name', '-n', '--dir', '-D']);
  checkRepo(state, flags.get('--repo') ?? flags.get('-R'));
  const runId = Number(positional[0]);
  const name = flags.get('--name') ?? flags.get('-n');
  const dir = path.resolve(cwd, flags.get('--dir') ?? flags.get('-D') ?? '.');
  if (name === undefined) throw new GhError('this fake downloads one artifact by --name', 2);
  const artifact = state.artifacts.find((a) => a.run_id === runId && a.name === name);
  if (artifact === undefined) throw new GhError('no valid artifacts found to download');
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(artifact.dir)) copyFileSync(path.join(artifact.dir, file), path.join(dir, file));
  return '';
}

/** `gh issue list|create|edit|close|comment` and `gh label create`, as the drift workflow calls them. */
function issue(state: FakeGitHubState, verb: string | undefined, args: readonly string[], cwd: string): string {
  const bodyFile = (flags: Map<string, string>): string => readFileSync(path.resolve(cwd, required(flags, '--body-file')), 'utf8');
  switch (verb) {
    case 'list': {
      const { flags } = parseArgs(args, ['--repo', '--label', '--state', '--limit', '--json', '--jq']);
      checkRepo(state, flags.get('--repo'));
      const label = flags.get('--label');
      const wanted = flags.get('--state') ?? 'open';
      const fields = required(flags, '--json').split(',');
      const found = state.issues
        .filter((i) => (label === undefined || i.labels.includes(label)) && (wanted === 'all' || i.state === wanted))
        .sort((a, b) => b.number - a.number) // newest first, as gh lists them
        .slice(0, Number(flags.get('--limit') ?? '30'))
        .map((i) => Object.fromEntries(fields.map((f) => [f, (i as unknown as Record<string, unknown>)[f]])));
      const json = JSON.stringify(found);
      const jq = flags.get('--jq');
      if (jq === undefined) return json;
      const run = spawnSync('jq', ['-r', jq], { input: json, encoding: 'utf8' });
      if (run.status !== 0) throw new GhError(`jq: ${run.stderr}`);
      return run.stdout;
    }
    case 'create': {
      const { flags } = parseArgs(args, ['--repo', '--title', '--label', '--body-file', '--body']);
      checkRepo(state, flags.get('--repo'));
      const label = flags.get('--label');
      if (label !== undefined && !state.labels.some((l) => l.name === label)) throw new GhError(`could not add label: '${label}' not found`);
      const body = flags.has('--body-file') ? bodyFile(flags) : required(flags, '--body');
      const created: FakeIssue = { number: state.nextNumber++, title: required(flags, '--title'), body, state: 'open', labels: label === undefined ? [] : [label] };
      state.issues.push(created);
      return `https://github.com/${state.repository}/issues/${created.number}\n`;
    }
    case 'edit': {
      const { flags, positional } = parseArgs(args, ['--repo', '--body-file', '--title']);
      checkRepo(state, flags.get('--repo'));
      const found = issueNumber(state, positional[0]);
      if (flags.has('--body-file')) found.body = bodyFile(flags);
      if (flags.has('--title')) found.title = required(flags, '--title');
      return `https://github.com/${state.repository}/issues/${found.number}\n`;
    }
    case 'close': {
      const { flags, positional } = parseArgs(args, ['--repo', '--comment', '--reason']);
      checkRepo(state, flags.get('--repo'));
      const found = issueNumber(state, positional[0]);
      const comment = flags.get('--comment');
      if (comment !== undefined) state.comments.push({ id: state.nextCommentId++, issue_number: found.number, body: comment, user: { login: BOT } });
      found.state = 'closed';
      return `✓ Closed issue #${found.number}\n`;
    }
    case 'comment': {
      const { flags, positional } = parseArgs(args, ['--repo', '--body-file', '--body']);
      checkRepo(state, flags.get('--repo'));
      const found = issueNumber(state, positional[0]);
      const body = flags.has('--body-file') ? bodyFile(flags) : required(flags, '--body');
      const comment: FakeComment = { id: state.nextCommentId++, issue_number: found.number, body, user: { login: BOT } };
      state.comments.push(comment);
      return `https://github.com/${state.repository}/issues/${found.number}#issuecomment-${comment.id}\n`;
    }
    default:
      throw new GhError(`this fake gh does not know gh issue ${verb ?? ''}`, 2);
  }
}

function label(state: FakeGitHubState, verb: string | undefined, args: readonly string[]): string {
  if (verb !== 'create') throw new GhError(`this fake gh does not know gh label ${verb ?? ''}`, 2);
  const { flags, positional } = parseArgs(args, ['--repo', '--color', '--description'], ['--force']);
  checkRepo(state, flags.get('--repo'));
  const name = positional[0];
  if (name === undefined) throw new GhError('gh label create needs a name', 2);
  const existing = state.labels.find((l) => l.name === name);
  if (existing !== undefined && !flags.has('--force')) throw new GhError(`label with name "${name}" already exists; use \`--force\` to update its color and description`);
  const color = flags.get('--color') ?? 'ededed';
  const description = flags.get('--description') ?? '';
  if (existing === undefined) state.labels.push({ name, color, description });
  else Object.assign(existing, { color, description });
  return `✓ Label "${name}" created in ${state.repository}\n`;
}

/** Runs one `gh` command line against the state; what gh would print, and its exit code. */
function runGh(state: FakeGitHubState, argv: readonly string[], cwd: string): { stdout: string; stderr: string; code: number } {
  const [command, verb, ...rest] = argv;
  try {
    let stdout: string;
    if (command === 'api') stdout = api(state, argv.slice(1), cwd);
    else if (command === 'run' && verb === 'download') stdout = runDownload(state, rest, cwd);
    else if (command === 'issue') stdout = issue(state, verb, rest, cwd);
    else if (command === 'label') stdout = label(state, verb, rest);
    else throw new GhError(`this fake gh does not know gh ${argv.join(' ')}`, 2);
    return { stdout, stderr: '', code: 0 };
  } catch (error) {
    if (!(error instanceof GhError)) throw error;
    return { stdout: '', stderr: `gh: ${error.message}\n`, code: error.exitCode };
  }
}

// ---- serving gh ------------------------------------------------------------------------------------

/** Whether jq and curl are on PATH: the workflows' scripts use jq (GitHub's runners have it), the fake gh curl. */
export function hasGitHubTools(): boolean {
  const onPath = (name: string): boolean => (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && existsSync(path.join(dir, name)));
  return onPath('jq') && onPath('curl');
}

const instances = new Map<string, FakeGitHub>();
let serving: Promise<string> | undefined;

/** One server per test process, for every FakeGitHub in it (by path). */
function serve(): Promise<string> {
  serving ??= new Promise((resolve, reject) => {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const gitHub = instances.get((request.url ?? '').slice(1));
        const header = (name: string): string => String(request.headers[name] ?? '');
        if (gitHub === undefined) {
          response.writeHead(404).end();
          return;
        }
        const argv = Buffer.concat(chunks).toString('utf8').split('\0').slice(0, -1);
        const result = gitHub.call(argv, header('x-token'), header('x-cwd'));
        // The exit code, a new line, what gh prints, and a dot (so that a shell keeps the final new
        // lines); what it prints on standard error goes to a file the shim names.
        if (result.stderr !== '') writeFileSync(header('x-err'), result.stderr);
        response.end(`${result.code}\n${result.stdout}.`);
      });
    });
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
  return serving;
}

let shimDir: string | undefined;
/** The directory holding `gh`: a shell script that posts its arguments to FAKE_GH_URL (with curl) and prints what comes back. */
function ghShim(): string {
  if (shimDir !== undefined) return shimDir;
  shimDir = mkdtempSync(path.join(tmpdir(), 'fake-gh-'));
  writeFileSync(path.join(shimDir, 'gh'), [
    '#!/bin/sh',
    '# gh, for the workflow tests: hands its arguments to the FakeGitHub of test/workflows/fake-github.ts.',
    'err="${TMPDIR:-/tmp}/fake-gh-stderr.$$"',
    'if ! answer=$(printf \'%s\\0\' "$@" | curl --silent --show-error --fail --data-binary @- -H "X-Cwd: $PWD" \\',
    '  -H "X-Token: ${GH_TOKEN:-${GITHUB_TOKEN:-}}" -H "X-Err: $err" "${FAKE_GH_URL:?}"); then',
    '  echo "gh: the fake GitHub did not answer" >&2',
    '  exit 1',
    'fi',
    'nl=\'',
    '\'',
    'code=${answer%%"$nl"*}',
    'out=${answer#*"$nl"}',
    'printf \'%s\' "${out%.}"',
    'if [ -e "$err" ]; then cat "$err" >&2; rm -f "$err"; fi',
    'exit "$code"',
    '',
  ].join('\n'), { mode: 0o755 });
  return shimDir;
}

let nextInstance = 1;

export class FakeGitHub {
  /** The directory holding `gh`: put it on PATH, with env() in the environment. */
  readonly binDir: string;
  /** Where artifacts are kept. */
  private readonly dir: string;
  private readonly id: string;
  private current: FakeGitHubState;
  private readonly log: FakeGhCall[] = [];

  constructor(repository: string) {
    this.binDir = ghShim();
    this.dir = mkdtempSync(path.join(tmpdir(), 'fake-github-'));
    this.id = String(nextInstance++);
    this.current = { repository, nextNumber: 1, nextCommentId: 1001, pulls: [], runs: [], artifacts: [], issues: [], comments: [], labels: [] };
    instances.set(this.id, this);
  }

  /** What a step's process needs besides PATH (the server starts with the first call). */
  async env(): Promise<Record<string, string>> {
    return { FAKE_GH_URL: `${await serve()}/${this.id}` };
  }

  /** One `gh` call, from the shim: recorded, then answered. */
  call(argv: readonly string[], token: string, cwd: string): { stdout: string; stderr: string; code: number } {
    const inputFlag = argv.findIndex((a) => a === '--input' || a === '--body-file');
    const inputFile = inputFlag >= 0 && argv[inputFlag + 1] !== undefined ? path.resolve(cwd, argv[inputFlag + 1] ?? '') : undefined;
    this.log.push({ args: [...argv], token: token === '' ? null : token, ...(inputFile !== undefined && existsSync(inputFile) ? { input: readFileSync(inputFile, 'utf8') } : {}) });
    if (token === '') return { stdout: '', stderr: 'gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable. Example:\n  env:\n    GH_TOKEN: ${{ github.token }}\n', code: 4 };
    // Changed only if the whole call succeeds, as one API request is.
    const state = structuredClone(this.current);
    const result = runGh(state, argv, cwd);
    if (result.code === 0) this.current = state;
    return result;
  }

  /** A copy of the state. */
  state(): FakeGitHubState {
    return structuredClone(this.current);
  }

  /** Changes the state (a test setting the scene). */
  update(change: (state: FakeGitHubState) => void): void {
    change(this.current);
  }

  /** Every `gh` call so far, in order. */
  calls(): FakeGhCall[] {
    return structuredClone(this.log);
  }

  /** An open pull request whose head is `headSha` (or, with `mergeSha`, one merged as that commit); returns its number. */
  pullRequest(headSha: string, { number, mergeSha }: { number?: number; mergeSha?: string } = {}): number {
    const state = this.current;
    const taken = number ?? state.nextNumber++;
    state.nextNumber = Math.max(state.nextNumber, taken + 1);
    const merged = mergeSha === undefined ? { merge_commit_sha: null, merged_at: null } : { merge_commit_sha: mergeSha, merged_at: '2026-11-22T10:00:00Z' };
    state.pulls.push({ number: taken, head: { sha: headSha }, ...merged });
    return taken;
  }

  /** The pull request `number` is merged as `mergeSha`. */
  merge(number: number, mergeSha: string): void {
    const pulls = this.current.pulls;
    const index = pulls.findIndex((p) => p.number === number);
    const pull = pulls[index];
    if (pull === undefined) throw new Error(`no pull request #${number}`);
    pulls[index] = { ...pull, merge_commit_sha: mergeSha, merged_at: '2026-11-22T10:00:00Z' };
  }

  /** A finished run of a workflow (in the caller's .github/workflows/), by default for a pull request. */
  workflowRun(run: Omit<FakeWorkflowRun, 'status' | 'event'> & Partial<Pick<FakeWorkflowRun, 'status' | 'event'>>): void {
    this.current.runs.push({ status: 'completed', event: 'pull_request', ...run });
  }

  /** What actions/upload-artifact does: keeps the file as the run's artifact `name` (replacing one of that name). */
  uploadArtifact(runId: number, name: string, file: string): void {
    const dir = mkdtempSync(path.join(this.dir, 'artifact-'));
    copyFileSync(file, path.join(dir, path.basename(file)));
    const artifacts = this.current.artifacts;
    const others = artifacts.filter((a) => !(a.run_id === runId && a.name === name));
    artifacts.splice(0, artifacts.length, ...others, { run_id: runId, name, dir });
  }

  /** The names of a run's artifacts. */
  artifactNames(runId: number): string[] {
    return this.current.artifacts.filter((a) => a.run_id === runId).map((a) => a.name);
  }

  /** The comments of an issue or pull request, in order. */
  commentsOn(number: number): FakeComment[] {
    return this.state().comments.filter((c) => c.issue_number === number);
  }

  issues(): FakeIssue[] {
    return this.state().issues;
  }
}
