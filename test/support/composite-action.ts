/**
 * Runs a composite action (action.yml with `runs.using: composite`) on this machine the way a GitHub
 * runner runs it, for tests: inputs with their defaults, each `run:` step in
 * `bash --noprofile --norc -eo pipefail` (the runner's `shell: bash`) with its `env:` and
 * `working-directory:`, the files GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH and GITHUB_STEP_SUMMARY,
 * GITHUB_ACTION_PATH, GITHUB_WORKSPACE and RUNNER_TEMP, `if:` conditions, and the action's
 * `outputs.*.value` evaluated at the end (also after a failed step, as the runner does). `uses:` steps
 * (actions/setup-node …) are not run: they are recorded, with their evaluated `with:`, as `not-run`.
 *
 * Expressions: `${{ … }}` with the contexts `inputs`, `github.action_path`, `github.workspace`,
 * `runner.temp`, `steps.<id>.outputs.*` / `.outcome` / `.conclusion` and `env`; literals ('text', true,
 * false, null); `== != && || !` and parentheses; success(), failure(), always(), cancelled(). Anything
 * else (another context, a function, an unknown input or step, a `uses:` step's outputs) throws: an
 * expression is never silently replaced by an empty string.
 *
 * Steps run asynchronously, so a server in the test's own process (the Graph emulator, an OIDC
 * issuer) can answer them.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

// ---- expressions -----------------------------------------------------------------------------------

export type ExpressionValue = string | boolean | null;

/** What an expression can read: a root context name and the path below it (`steps.run.outputs.x` → 'steps', ['run', 'outputs', 'x']). */
export type ContextLookup = (root: string, path: readonly string[]) => ExpressionValue;

/** The status the functions success(), failure(), always() and cancelled() report. */
export interface ExpressionStatus {
  readonly failed: boolean;
}

type Token =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'word'; readonly value: string }
  | { readonly kind: 'op'; readonly value: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < expression.length;) {
    const rest = expression.slice(i);
    const space = /^\s+/u.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    if (rest.startsWith("'")) {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= expression.length) throw new Error(`unterminated string in expression: ${expression}`);
        if (expression[j] === "'") {
          if (expression[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += expression[j];
        j++;
      }
      tokens.push({ kind: 'string', value });
      i = j + 1;
      continue;
    }
    const op = ['==', '!=', '&&', '||', '!', '(', ')'].find((o) => rest.startsWith(o));
    if (op !== undefined) {
      tokens.push({ kind: 'op', value: op });
      i += op.length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*/u.exec(rest);
    if (word) {
      tokens.push({ kind: 'word', value: word[0] });
      i += word[0].length;
      continue;
    }
    throw new Error(`expression not understood here (at "${rest}"): ${expression}`);
  }
  return tokens;
}

const STATUS_FUNCTIONS = ['success', 'failure', 'always', 'cancelled'];

function truthy(value: ExpressionValue): boolean {
  return value !== null && value !== false && value !== '';
}

function equal(a: ExpressionValue, b: ExpressionValue, expression: string): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase(); // GitHub compares strings ignoring case
  if (typeof a === typeof b) return a === b;
  throw new Error(`comparing ${JSON.stringify(a)} with ${JSON.stringify(b)} (different types) is not supported here: ${expression}`);
}

/** Evaluates one expression (the text inside `${{ }}`, or an `if:`). */
export function evaluateExpression(expression: string, lookup: ContextLookup, status: ExpressionStatus = { failed: false }): ExpressionValue {
  const tokens = tokenize(expression);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const isOp = (value: string): boolean => peek()?.kind === 'op' && peek()?.value === value;
  const expectOp = (value: string): void => {
    if (!isOp(value)) throw new Error(`expected "${value}" in expression: ${expression}`);
    at++;
  };

  const primary = (): ExpressionValue => {
    const token = tokens[at++];
    if (token === undefined) throw new Error(`expression ends too early: ${expression}`);
    if (token.kind === 'string') return token.value;
    if (token.kind === 'op') {
      if (token.value !== '(') throw new Error(`unexpected "${token.value}" in expression: ${expression}`);
      const value = or();
      expectOp(')');
      return value;
    }
    if (token.value === 'true') return true;
    if (token.value === 'false') return false;
    if (token.value === 'null') return null;
    if (isOp('(')) {
      if (!STATUS_FUNCTIONS.includes(token.value)) throw new Error(`function ${token.value}() is not supported here: ${expression}`);
      at++;
      expectOp(')');
      if (token.value === 'success') return !status.failed;
      if (token.value === 'failure') return status.failed;
      return token.value === 'always';
    }
    const [root = '', ...rest] = token.value.split('.');
    return lookup(root, rest);
  };
  const unary = (): ExpressionValue => {
    if (isOp('!')) {
      at++;
      return !truthy(unary());
    }
    return primary();
  };
  const comparison = (): ExpressionValue => {
    const left = unary();
    if (isOp('==') || isOp('!=')) {
      const negate = peek()?.value === '!=';
      at++;
      const same = equal(left, unary(), expression);
      return negate ? !same : same;
    }
    return left;
  };
  const and = (): ExpressionValue => {
    let value = comparison();
    while (isOp('&&')) {
      at++;
      const right = comparison();
      value = truthy(value) ? right : value;
    }
    return value;
  };
  const or = (): ExpressionValue => {
    let value = and();
    while (isOp('||')) {
      at++;
      const right = and();
      value = truthy(value) ? value : right;
    }
    return value;
  };

  const value = or();
  if (at !== tokens.length) throw new Error(`expression not understood here: ${expression}`);
  return value;
}

function asText(value: ExpressionValue): string {
  return value === null ? '' : String(value);
}

/** Replaces every `${{ … }}` of a text with the expression's value. */
export function substituteExpressions(text: string, lookup: ContextLookup): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/gu, (_, expression: string) => asText(evaluateExpression(expression, lookup)));
}

/** An `if:` as the runner reads it: `${{ }}` optional, and `success() && (…)` unless it calls a status function. */
export function evaluateCondition(condition: string | boolean | undefined, lookup: ContextLookup, status: ExpressionStatus): boolean {
  if (condition === undefined) return !status.failed;
  let expression = String(condition).trim();
  const wrapped = /^\$\{\{([\s\S]*)\}\}$/u.exec(expression);
  if (wrapped) expression = wrapped[1] ?? '';
  const callsStatus = tokenize(expression).some((t, i, all) => t.kind === 'word' && STATUS_FUNCTIONS.includes(t.value) && all[i + 1]?.value === '(');
  return truthy(evaluateExpression(callsStatus ? expression : `success() && (${expression})`, lookup, status));
}

// ---- workflow command files ----------------------------------------------------------------------

/** `name=value` lines and `name<<DELIMITER` … `DELIMITER` blocks, as in GITHUB_OUTPUT and GITHUB_ENV. */
export function parseCommandFile(text: string, file: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/u, '');
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/u.exec(line);
    if (heredoc) {
      const [, name = '', delimiter = ''] = heredoc;
      const end = lines.findIndex((l, j) => j > i && l.replace(/\r$/u, '') === delimiter);
      if (end < 0) throw new Error(`${file}: ${name} has no closing ${delimiter}`);
      values[name] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const at = line.indexOf('=');
    if (at <= 0) throw new Error(`${file}: not name=value: ${line}`);
    values[line.slice(0, at)] = line.slice(at + 1);
  }
  return values;
}

// ---- the action ----------------------------------------------------------------------------------

interface ActionInput {
  readonly description?: string;
  readonly required?: boolean;
  readonly default?: string | number | boolean;
}

interface ActionStep {
  readonly id?: string;
  readonly name?: string;
  readonly if?: string | boolean;
  readonly uses?: string;
  readonly with?: Readonly<Record<string, string | number | boolean>>;
  readonly run?: string;
  readonly shell?: string;
  readonly env?: Readonly<Record<string, string | number | boolean>>;
  readonly 'working-directory'?: string;
}

export interface CompositeActionFile {
  readonly name?: string;
  readonly inputs?: Readonly<Record<string, ActionInput>>;
  readonly outputs?: Readonly<Record<string, { readonly description?: string; readonly value?: string }>>;
  readonly runs: { readonly using: string; readonly steps: readonly ActionStep[] };
}

export function readCompositeAction(actionDir: string): CompositeActionFile {
  const file = ['action.yml', 'action.yaml'].map((f) => path.join(actionDir, f)).find((f) => existsSync(f));
  if (file === undefined) throw new Error(`no action.yml in ${actionDir}`);
  const action = parse(readFileSync(file, 'utf8'), { uniqueKeys: true, strict: true }) as CompositeActionFile;
  if (action.runs.using !== 'composite') throw new Error(`${file} is not a composite action (runs.using: ${action.runs.using})`);
  return action;
}

export interface CompositeStepResult {
  readonly index: number;
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  /** `with:` of a `uses:` step, evaluated. */
  readonly with?: Readonly<Record<string, string>>;
  /** `not-run`: a `uses:` step, recorded but not run here; `skipped`: its `if:` was false. */
  readonly outcome: 'success' | 'failure' | 'skipped' | 'not-run';
  readonly exitCode?: number;
  /** The script as bash ran it (expressions substituted). */
  readonly script?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly outputs: Readonly<Record<string, string>>;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CompositeRun {
  /** The action's outputs (`outputs.*.value`). */
  readonly outputs: Readonly<Record<string, string>>;
  readonly steps: readonly CompositeStepResult[];
  /** 0, or the exit code of the step that failed. */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** What the steps appended to GITHUB_STEP_SUMMARY. */
  readonly summary: string;
  /** What the steps appended to GITHUB_PATH, the newest first: later steps of the job find these first on PATH. */
  readonly addedPath: readonly string[];
  /** What the steps wrote to GITHUB_ENV: later steps of the job have these variables. */
  readonly addedEnv: Readonly<Record<string, string>>;
  readonly runnerTemp: string;
}

export interface CompositeRunOptions {
  /** The directory holding action.yml (GITHUB_ACTION_PATH). */
  readonly actionDir: string;
  /** The `with:` of the step using the action. */
  readonly inputs?: Readonly<Record<string, string>>;
  /** The job's environment (also the `env` context), e.g. AZURE_CLIENT_ID and ACTIONS_ID_TOKEN_REQUEST_URL. */
  readonly env?: Readonly<Record<string, string>>;
  /** GITHUB_WORKSPACE: the checkout, and where steps run unless their working-directory says otherwise. */
  readonly workspace: string;
  /** RUNNER_TEMP; a new temporary directory by default. Pass the same one to model several steps of one job. */
  readonly runnerTemp?: string;
}

/** What the runner machine itself provides (not GITHUB_* or RUNNER_*: those are set per run). */
export function machineEnvironment(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'SHELL'];
  return Object.fromEntries(keep.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name] ?? '']])));
}

/** Runs a script file as the runner runs `shell: bash`: `bash --noprofile --norc -eo pipefail FILE`. */
export function runBash(scriptFile: string, cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', scriptFile], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

const text = (value: string | number | boolean | undefined): string => (value === undefined ? '' : String(value));

export async function runCompositeAction(options: CompositeRunOptions): Promise<CompositeRun> {
  const actionDir = path.resolve(options.actionDir);
  const action = readCompositeAction(actionDir);
  const workspace = path.resolve(options.workspace);
  const runnerTemp = options.runnerTemp ?? mkdtempSync(path.join(tmpdir(), 'runner-temp-'));
  const filesDir = mkdtempSync(path.join(runnerTemp, '_composite-'));
  const jobEnv = { ...options.env };

  // env context and process environment additions made by GITHUB_ENV and GITHUB_PATH.
  const addedEnv: Record<string, string> = {};
  const addedPath: string[] = [];
  const stepContext = new Map<string, { outcome: string; conclusion: string; outputs: Record<string, string>; ran: boolean }>();
  let resolvedInputs: Record<string, string> = {};

  const lookup = (stepEnv: Readonly<Record<string, string>>): ContextLookup => (root, rest) => {
    const where = [root, ...rest].join('.');
    switch (root) {
      case 'inputs': {
        if (rest.length !== 1) throw new Error(`unsupported expression: ${where}`);
        const name = rest[0] ?? '';
        if (!(name in resolvedInputs)) throw new Error(`${where}: the action has no input ${name}`);
        return resolvedInputs[name] ?? '';
      }
      case 'github':
        if (where === 'github.action_path') return actionDir;
        if (where === 'github.workspace') return workspace;
        throw new Error(`unsupported expression: ${where} (this runner knows github.action_path and github.workspace)`);
      case 'runner':
        if (where === 'runner.temp') return runnerTemp;
        throw new Error(`unsupported expression: ${where} (this runner knows runner.temp)`);
      case 'env': {
        if (rest.length !== 1) throw new Error(`unsupported expression: ${where}`);
        const env: Record<string, string> = { ...addedEnv, ...jobEnv, ...stepEnv };
        return env[rest[0] ?? ''] ?? '';
      }
      case 'steps': {
        const [id = '', field, name, ...more] = rest;
        const step = stepContext.get(id);
        if (step === undefined) throw new Error(`${where}: no step with id ${id} ran before this one`);
        if (field === 'outcome' || field === 'conclusion') {
          if (name !== undefined) throw new Error(`unsupported expression: ${where}`);
          return step[field];
        }
        if (field !== 'outputs' || name === undefined || more.length > 0) throw new Error(`unsupported expression: ${where}`);
        if (!step.ran) throw new Error(`${where}: step ${id} is a uses: step, which this runner does not run`);
        return step.outputs[name] ?? '';
      }
      default:
        throw new Error(`unsupported expression: ${where} (the context ${root} is not available here)`);
    }
  };
  const noStepEnv = lookup({});

  // Inputs: given ones must be declared, required ones given; defaults may hold expressions.
  const declared = action.inputs ?? {};
  const unexpected = Object.keys(options.inputs ?? {}).filter((name) => !(name in declared));
  if (unexpected.length > 0) throw new Error(`unexpected input(s) ${unexpected.join(', ')}; the action takes ${Object.keys(declared).join(', ')}`);
  resolvedInputs = Object.fromEntries(Object.keys(declared).map((name) => [name, '']));
  for (const [name, input] of Object.entries(declared)) {
    const given = options.inputs?.[name];
    if (given === undefined && input.required === true && input.default === undefined) throw new Error(`input required and not supplied: ${name}`);
    resolvedInputs[name] = given ?? substituteExpressions(text(input.default), noStepEnv);
  }

  const steps: CompositeStepResult[] = [];
  let failed = false;
  let exitCode = 0;
  let summary = '';

  for (const [index, step] of action.runs.steps.entries()) {
    const ids = { index, ...(step.id === undefined ? {} : { id: step.id }), ...(step.name === undefined ? {} : { name: step.name }) };
    const record = (result: CompositeStepResult, ran: boolean): void => {
      steps.push(result);
      const outcome = result.outcome === 'not-run' ? 'success' : result.outcome;
      if (step.id !== undefined) stepContext.set(step.id, { outcome, conclusion: outcome, outputs: { ...result.outputs }, ran });
    };

    if (!evaluateCondition(step.if, noStepEnv, { failed })) {
      record({ ...ids, ...(step.uses === undefined ? {} : { uses: step.uses }), outcome: 'skipped', outputs: {}, stdout: '', stderr: '' }, true);
      continue;
    }
    if (step.uses !== undefined) {
      const withInputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, substituteExpressions(text(v), noStepEnv)]));
      record({ ...ids, uses: step.uses, with: withInputs, outcome: 'not-run', outputs: {}, stdout: '', stderr: '' }, false);
      continue;
    }
    if (step.run === undefined) throw new Error(`step ${index} has neither run nor uses`);
    if (step.shell !== 'bash') throw new Error(`step ${step.id ?? index}: shell ${step.shell ?? '(none)'}; this runner runs shell: bash (a composite run step must name its shell)`);

    const stepEnv: Record<string, string> = {};
    for (const [name, value] of Object.entries(step.env ?? {})) stepEnv[name] = substituteExpressions(text(value), lookup(stepEnv));
    const script = substituteExpressions(step.run, lookup(stepEnv));
    const workingDirectory = path.resolve(workspace, substituteExpressions(step['working-directory'] ?? '.', lookup(stepEnv)));
    if (!existsSync(workingDirectory) || !statSync(workingDirectory).isDirectory()) throw new Error(`step ${step.id ?? index}: working-directory ${workingDirectory} does not exist`);

    const files = Object.fromEntries(['GITHUB_OUTPUT', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STEP_SUMMARY'].map((name) => [name, path.join(filesDir, `${index}-${name.toLowerCase()}`)]));
    for (const file of Object.values(files)) writeFileSync(file, '');
    const scriptFile = path.join(filesDir, `${index}.sh`);
    writeFileSync(scriptFile, script);
    const machine = machineEnvironment();
    const processEnv: Record<string, string> = {
      ...machine,
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      RUNNER_OS: 'Linux',
      RUNNER_TEMP: runnerTemp,
      GITHUB_WORKSPACE: workspace,
      GITHUB_ACTION_PATH: actionDir,
      ...addedEnv,
      ...jobEnv,
      ...stepEnv,
      ...files,
    };
    processEnv.PATH = [...addedPath, processEnv.PATH ?? machine.PATH ?? ''].join(path.delimiter);

    const run = await runBash(scriptFile, workingDirectory, processEnv);
    const outputs = parseCommandFile(readFileSync(files.GITHUB_OUTPUT ?? '', 'utf8'), 'GITHUB_OUTPUT');
    Object.assign(addedEnv, parseCommandFile(readFileSync(files.GITHUB_ENV ?? '', 'utf8'), 'GITHUB_ENV'));
    for (const line of readFileSync(files.GITHUB_PATH ?? '', 'utf8').split('\n')) if (line.trim() !== '') addedPath.unshift(line.trim());
    summary += readFileSync(files.GITHUB_STEP_SUMMARY ?? '', 'utf8');

    const outcome = run.code === 0 ? 'success' : 'failure';
    if (outcome === 'failure' && !failed) {
      failed = true;
      exitCode = run.code;
    }
    record({ ...ids, outcome, exitCode: run.code, script, env: stepEnv, outputs, stdout: run.stdout, stderr: run.stderr }, true);
  }

  const outputs = Object.fromEntries(Object.entries(action.outputs ?? {}).map(([name, output]) => {
    if (output.value === undefined) throw new Error(`output ${name} has no value (a composite action's outputs need one)`);
    return [name, substituteExpressions(output.value, noStepEnv)];
  }));
  return {
    outputs,
    steps,
    exitCode,
    stdout: steps.map((s) => s.stdout).join(''),
    stderr: steps.map((s) => s.stderr).join(''),
    summary,
    addedPath: [...addedPath],
    addedEnv: { ...addedEnv },
    runnerTemp,
  };
}
