/**
 * Reading the `run:` scripts of the GitHub Actions workflows (.github/workflows/) the way bash
 * would split them, to find every tenantctl command line, and checking each against the CLI's own
 * `--help`: the subcommand exists, every option exists, takes a value when it needs one, and the
 * value is one of its choices. The workflows run tenantctl through the action (action.yml), whose
 * command line is built from its inputs: `tenantctlStandIn` makes a package that npm installs as
 * tenantctl and that records every command line it is given (and either answers as told or runs this
 * checkout's bin/tenantctl.js). `schemaErrors` checks action.yml and the workflow files against
 * GitHub's schemas (SchemaStore's, through @action-validator/core). test/workflows/ uses all of it.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { validateAction, validateWorkflow } from '@action-validator/core';
import type { ValidationError } from '@action-validator/core';
import type { ChangeOutcome } from '../../src/domain/outcome.ts';
import type { Change, Plan } from '../../src/domain/plan.ts';
import { PLAN_FORMAT_VERSION, summarise } from '../../src/domain/plan.ts';
import { renderPlanJson } from '../../src/domain/plan-format.ts';
import { renderApplyJson } from '../../src/render/apply-json.ts';
import { runTenantctl } from './cli.ts';

/** One simple command: its words, with quotes removed and redirections (and their targets) dropped. */
export interface ShellCommand {
  readonly words: readonly string[];
  /** Per word: whether it holds a `$` expansion (its value is only known at run time). */
  readonly expanded: readonly boolean[];
}

const SEPARATORS = ['&&', '||', ';;', '|', '&', ';', '(', ')'];
const REDIRECTIONS = ['&>>', '&>', '>>', '>&', '<&', '<<<', '>', '<'];
const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', 'for', 'case', 'esac', '!', '{', '}', 'time']);

/** The index of the `"` closing a double-quoted string whose body starts at `from` (-1 if none). */
function closingQuote(script: string, from: number): number {
  for (let i = from; i < script.length; i++) {
    if (script[i] === '\\') i++;
    else if (script[i] === '"') return i;
  }
  return -1;
}

/** The index of the `)` closing a `$(` whose body starts at `from` (quotes inside respected). */
function closingParen(script: string, from: number): number {
  let depth = 1;
  for (let i = from; i < script.length; i++) {
    const ch = script[i];
    if (ch === "'") i = script.indexOf("'", i + 1);
    else if (ch === '"') i = closingQuote(script, i + 1);
    else if (ch === '\\') i++;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
    if (i < 0) break;
  }
  throw new Error(`unbalanced $( in: ${script.slice(from - 2, from + 60)}`);
}

/**
 * Splits a bash script into simple commands: line continuations joined, comments dropped, single
 * and double quotes removed, `$( … )` bodies split as scripts of their own, separators
 * (`&& || | ; & ( )` and newlines) ending a command, redirections (`> f`, `2> f`, `2>&1`, `>> f`)
 * dropped, and leading reserved words (`if`, `{`, `then` …) and variable assignments skipped.
 */
export function splitShellCommands(script: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let words: string[] = [];
  let expanded: boolean[] = [];
  let word = '';
  let inWord = false;
  let hasExpansion = false;
  let skipNextWord = false;

  const endWord = (): void => {
    if (!inWord) return;
    if (skipNextWord) skipNextWord = false;
    else {
      words.push(word);
      expanded.push(hasExpansion);
    }
    word = '';
    inWord = false;
    hasExpansion = false;
  };
  const endCommand = (): void => {
    endWord();
    let start = 0;
    while (start < words.length && (RESERVED.has(words[start] ?? '') || /^[A-Za-z_][A-Za-z0-9_]*=/u.test(words[start] ?? ''))) start++;
    if (start < words.length) commands.push({ words: words.slice(start), expanded: expanded.slice(start) });
    words = [];
    expanded = [];
  };
  const substitution = (at: number): number => {
    const end = closingParen(script, at + 2);
    commands.push(...splitShellCommands(script.slice(at + 2, end)));
    word += '$(…)';
    inWord = true;
    hasExpansion = true;
    return end;
  };

  for (let i = 0; i < script.length; i++) {
    const ch = script[i] ?? '';
    const rest = script.slice(i);
    if (ch === '\\') {
      if (script[i + 1] !== '\n') {
        word += script[i + 1] ?? '';
        inWord = true;
      }
      i++;
    } else if (ch === "'") {
      const end = script.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${rest.slice(0, 60)}`);
      word += script.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (ch === '"') {
      inWord = true;
      for (i++; i < script.length && script[i] !== '"'; i++) {
        if (script[i] === '\\' && '"\\$`'.includes(script[i + 1] ?? '')) word += script[++i];
        else if (script.startsWith('$(', i)) i = substitution(i);
        else {
          if (script[i] === '$') hasExpansion = true;
          word += script[i];
        }
      }
    } else if (ch === '$' && script[i + 1] === '(') {
      i = substitution(i);
    } else if (ch === '#' && !inWord) {
      const end = script.indexOf('\n', i);
      i = (end < 0 ? script.length : end) - 1;
    } else if (ch === '\n') {
      endCommand();
    } else if (ch === ' ' || ch === '\t') {
      endWord();
    } else if (REDIRECTIONS.some((op) => rest.startsWith(op)) && !(ch === '&' && rest.startsWith('&&'))) {
      const op = REDIRECTIONS.find((o) => rest.startsWith(o)) ?? '';
      if (inWord && /^\d+$/u.test(word)) {
        word = '';
        inWord = false;
      } else endWord();
      i += op.length - 1;
      const fd = /^(\d+|-)/u.exec(script.slice(i + 1));
      if (op.endsWith('&') && fd) i += fd[0].length;
      else skipNextWord = true;
    } else if (SEPARATORS.some((op) => rest.startsWith(op))) {
      const op = SEPARATORS.find((o) => rest.startsWith(o)) ?? '';
      endCommand();
      i += op.length - 1;
    } else {
      if (ch === '$') hasExpansion = true;
      word += ch;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}

/**
 * The tenantctl command lines of a script, as argument lists after `tenantctl` (`npx tenantctl …`,
 * `tenantctl …` or `node …/tenantctl.js …`). Throws on an argument only known at run time, and on
 * `npx` running anything else, so that no invocation escapes the checks.
 */
export function tenantctlInvocations(script: string): string[][] {
  const invocations: string[][] = [];
  for (const { words, expanded } of splitShellCommands(script)) {
    let at: number;
    if (words[0] === 'npx') {
      at = words.findIndex((w, i) => i > 0 && !w.startsWith('-'));
      if (words[at] !== 'tenantctl') throw new Error(`npx runs something other than tenantctl: ${words.join(' ')}`);
      at++;
    } else if (words[0] === 'tenantctl') at = 1;
    else if (words[0] === 'node' && words[1]?.endsWith('tenantctl.js')) at = 2;
    else {
      if (words.includes('tenantctl')) throw new Error(`tenantctl in an unexpected place: ${words.join(' ')}`);
      continue;
    }
    const dynamic = words.filter((_, i) => i >= at && expanded[i]);
    if (dynamic.length > 0) throw new Error(`tenantctl arguments must be literal so that they can be checked: ${dynamic.join(' ')} in ${words.join(' ')}`);
    invocations.push(words.slice(at));
  }
  return invocations;
}

// ---- the CLI's surface, from its own --help ------------------------------------------------------

interface OptionSpec {
  readonly takesValue: boolean;
  readonly valueRequired: boolean;
  readonly variadic: boolean;
  readonly choices?: readonly string[];
}

interface CommandSpec {
  readonly acceptsArguments: boolean;
  readonly options: ReadonlyMap<string, OptionSpec>;
}

/** The entries of a help section (`Options:`, `Commands:`), wrapped lines joined. */
function helpEntries(help: string, section: string): string[] {
  const lines = help.split('\n');
  const start = lines.indexOf(`${section}:`);
  if (start < 0) return [];
  const entries: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || !line.startsWith(' ')) break;
    if (/^ {2}\S/u.test(line)) entries.push(line.trim());
    else if (entries.length > 0) entries[entries.length - 1] += ` ${line.trim()}`;
  }
  return entries;
}

function parseOption(entry: string): [string, OptionSpec] | undefined {
  const flags = entry.split(/ {2,}/u, 1)[0] ?? '';
  const long = /--[a-z][a-z0-9-]*/u.exec(flags)?.[0];
  if (long === undefined) return undefined;
  const value = /([<[])([^>\]]+)[>\]]/u.exec(flags);
  const choices = /\(choices: ((?:"[^"]*"(?:, )?)+)/u.exec(entry)?.[1];
  return [long, {
    takesValue: value !== null,
    valueRequired: value?.[1] === '<',
    variadic: value?.[2]?.endsWith('...') ?? false,
    ...(choices === undefined ? {} : { choices: [...choices.matchAll(/"([^"]*)"/gu)].map((m) => m[1] ?? '') }),
  }];
}

/** Every subcommand tenantctl has, with its options, read from `tenantctl [COMMAND] --help`. */
export async function readCliSurface(): Promise<ReadonlyMap<string, CommandSpec>> {
  const top = await runTenantctl(['--help']);
  if (top.code !== 0) throw new Error(`tenantctl --help failed: ${top.stderr}`);
  const names = helpEntries(top.stdout, 'Commands').map((e) => e.split(/\s/u)[0] ?? '').filter((n) => n !== 'help');
  const surface = new Map<string, CommandSpec>();
  for (const name of names) {
    const help = await runTenantctl([name, '--help']);
    if (help.code !== 0) throw new Error(`tenantctl ${name} --help failed: ${help.stderr}`);
    const usage = /^Usage: tenantctl \S+ (.*)$/mu.exec(help.stdout)?.[1] ?? '';
    const options = new Map(helpEntries(help.stdout, 'Options').flatMap((e) => {
      const option = parseOption(e);
      return option ? [option] : [];
    }));
    surface.set(name, { acceptsArguments: /[<[](?!options\])[^\]>]+[\]>]/u.test(usage), options });
  }
  return surface;
}

/** What is wrong with a tenantctl command line (empty when the subcommand and every option exist). */
export function checkInvocation(args: readonly string[], surface: ReadonlyMap<string, CommandSpec>): string[] {
  const [name = '', ...rest] = args;
  const command = surface.get(name);
  if (!command) return [`tenantctl has no command "${name}" (it has ${[...surface.keys()].join(', ')})`];
  const problems: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    if (arg === '--') {
      if (!command.acceptsArguments && i + 1 < rest.length) problems.push(`tenantctl ${name} takes no arguments: ${rest.slice(i + 1).join(' ')}`);
      break;
    }
    if (!arg.startsWith('-')) {
      if (!command.acceptsArguments) problems.push(`tenantctl ${name} takes no arguments: ${arg}`);
      continue;
    }
    const [flag = '', inline] = arg.split(/=(.*)/su, 2);
    const option = command.options.get(flag);
    if (!option) {
      problems.push(`tenantctl ${name} has no option ${flag} (it has ${[...command.options.keys()].join(', ')})`);
      continue;
    }
    if (!option.takesValue) {
      if (inline !== undefined) problems.push(`tenantctl ${name} ${flag} takes no value: ${arg}`);
      continue;
    }
    const values: string[] = [];
    if (inline !== undefined) values.push(inline);
    else {
      while (i + 1 < rest.length && !(rest[i + 1] ?? '').startsWith('-') && (values.length === 0 || option.variadic)) values.push(rest[++i] ?? '');
    }
    if (values.length === 0 && option.valueRequired) problems.push(`tenantctl ${name} ${flag} needs a value`);
    for (const value of values) {
      if (option.choices && !option.choices.includes(value)) problems.push(`tenantctl ${name} ${flag} ${value}: not one of ${option.choices.join(', ')}`);
    }
  }
  return problems;
}

// ---- the action's command lines, recorded -------------------------------------------------------

const repo = new URL('../../', import.meta.url).pathname;

/** A Node.js that runs this checkout's TypeScript sources (24 or newer): this one, or the one pinned in devDependencies. */
export function nodeForSources(): string {
  if (Number(process.versions.node.split('.')[0]) >= 24) return process.execPath;
  const pinned = path.join(repo, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(pinned)) return pinned;
  throw new Error(`running tenantctl from its sources needs Node.js 24 or newer; this is ${process.version} and node_modules/node is missing`);
}

/** One command line the stand-in was given. */
export interface RecordedInvocation {
  readonly args: readonly string[];
  readonly cwd: string;
}

/**
 * Writes, in `dir`, a package named tenantctl (this checkout's version) for the action's `version`
 * input (`npm install DIR` links it). Its root (`import … from 'tenantctl'`) exports this checkout's
 * parseSavedPlan and SavedPlanError, the reader the action reads a saved plan with (it is TypeScript:
 * importing it takes a Node.js that strips types, 24 or newer, as the action's set-up Node.js is in
 * the tests). Its `tenantctl` appends each command line to the file in TENANTCTL_ARGV_LOG (the number
 * of arguments, the directory, then the arguments, each ended by a NUL byte), answers `--version` with
 * that version, and otherwise
 * - `delegate: false` (a bash script: the tests run it hundreds of times): writes FAKE_TENANTCTL_STDOUT
 *   / FAKE_TENANTCTL_STDERR; writes the file named by --out: FAKE_TENANTCTL_SAVED_PLAN when set (a plan
 *   with errors: written, yet exit 1), else unless it fails a saved plan as tenantctl writes it
 *   (standInPlan) with one change when it exits 2 and none otherwise; for `apply --format json`
 *   without FAKE_TENANTCTL_STDOUT, prints apply's document of nothing applied (standInApplyResult)
 *   unless it fails; appends FAKE_TENANTCTL_AUDIT to the file named by --audit-log; and exits with
 *   FAKE_TENANTCTL_EXIT (default 0). Each variable may be given for one subcommand:
 *   FAKE_TENANTCTL_PLAN_EXIT over FAKE_TENANTCTL_EXIT;
 * - `delegate: true`: runs this checkout's bin/tenantctl.js with the same arguments, environment and
 *   directory, in its own process (on nodeForSources(), with a compile cache), and exits as it does.
 */
export function tenantctlStandIn(dir: string, { delegate }: { delegate: boolean }): string {
  const { version } = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  const name = delegate ? 'tenantctl.cjs' : 'tenantctl.sh';
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'tenantctl', version, bin: { tenantctl: `bin/${name}` }, exports: { '.': './index.mjs' } }, null, 2)}\n`);
  // The package root, as far as the action imports it: the product's own reader of saved plans.
  writeFileSync(path.join(dir, 'index.mjs'), `export { parseSavedPlan, SavedPlanError } from ${JSON.stringify(pathToFileURL(path.join(repo, 'src', 'domain', 'plan-format.ts')).href)};\n`);
  const bin = path.join(dir, 'bin', name);
  writeFileSync(bin, delegate ? [
    // It runs this checkout's TypeScript in its own process: on the Node.js that can.
    `#!${nodeForSources()}`,
    '// A stand-in for the installed tenantctl, written by test/support/workflow-commands.ts.',
    "const { appendFileSync } = require('node:fs');",
    'const args = process.argv.slice(2);',
    'const log = process.env.TENANTCTL_ARGV_LOG;',
    "if (log && args[0] !== '--version') appendFileSync(log, [String(args.length), process.cwd(), ...args].map((field) => `${field}\\0`).join(''));",
    // --version answers at once: the action's install step asks it after installing.
    `if (args[0] === '--version') { console.log(${JSON.stringify(version)}); process.exit(0); }`,
    // As `node bin/tenantctl.js ARGS` would, in this process; with a compile cache, shared by the
    // stand-ins of all tests and runs as Node's default one is (a quarter of a second less per run,
    // which the workflow tests make dozens of; entries of changed sources are not used).
    `require('node:module').enableCompileCache?.(${JSON.stringify(path.join(tmpdir(), 'tenantctl-tests-compile-cache'))});`,
    `process.argv = [process.argv[0], ${JSON.stringify(path.join(repo, 'bin', 'tenantctl.js'))}, ...args];`,
    `import(${JSON.stringify(new URL('../../bin/tenantctl.js', import.meta.url).href)});`,
    '',
  ].join('\n') : [
    '#!/usr/bin/env bash',
    '# A stand-in for the installed tenantctl, written by test/support/workflow-commands.ts.',
    'set -u',
    `if [[ "\${1:-}" == --version ]]; then echo ${version}; exit 0; fi`,
    'if [[ -n "${TENANTCTL_ARGV_LOG:-}" ]]; then printf \'%s\\0\' "$#" "$(pwd -P)" "$@" >> "$TENANTCTL_ARGV_LOG"; fi',
    '# FAKE_TENANTCTL_<SUBCOMMAND>_<NAME>, else FAKE_TENANTCTL_<NAME>, else empty.',
    'told() { local sub=${1^^}; sub=${sub//[^A-Z0-9_]/_}; local specific="FAKE_TENANTCTL_${sub}_$2" general="FAKE_TENANTCTL_$2"; if [[ -n "${!specific+set}" ]]; then printf \'%s\' "${!specific}"; else printf \'%s\' "${!general:-}"; fi; }',
    'command=${1:-}',
    'exit_code=$(told "$command" EXIT)',
    'exit_code=${exit_code:-0}',
    'out=\'\' audit=\'\' format=\'\'',
    'args=("$@")',
    'for ((i = 0; i < ${#args[@]}; i++)); do',
    '  case "${args[i]}" in',
    '    --out) out=${args[i + 1]:-} ;;',
    '    --audit-log) audit=${args[i + 1]:-} ;;',
    '    --format) format=${args[i + 1]:-} ;;',
    '    --format=*) format=${args[i]#--format=} ;;',
    '  esac',
    'done',
    'if [[ -n "$out" ]]; then',
    '  if [[ -n "$(told "$command" SAVED_PLAN)" ]]; then told "$command" SAVED_PLAN > "$out"',
    `  elif [[ "$exit_code" == 2 ]]; then printf '%s' ${shellQuoted(standInPlan({ changes: 1 }))} > "$out"`,
    `  elif [[ "$exit_code" != 1 ]]; then printf '%s' ${shellQuoted(standInPlan())} > "$out"`,
    '  fi',
    'fi',
    'if [[ -n "$audit" && -n "$(told "$command" AUDIT)" ]]; then told "$command" AUDIT >> "$audit"; fi',
    `if [[ "$command" == apply && "$format" == json && -z "$(told "$command" STDOUT)" && "$exit_code" == 0 ]]; then printf '%s' ${shellQuoted(standInApplyResult([]))}`,
    'else told "$command" STDOUT',
    'fi',
    'told "$command" STDERR >&2',
    'exit "$exit_code"',
    '',
  ].join('\n'));
  chmodSync(bin, 0o755);
  return dir;
}

/** A word for bash: single-quoted. */
const shellQuoted = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;

/** The stand-in's changes: set usage locations, the simplest change a saved plan can hold. */
const standInChanges = (count: number): Change[] =>
  Array.from({ length: count }, (_, i) => ({ action: 'set-usage-location', userPrincipalName: `user${i}@contoso.com`, reason: 'the policy sets another usage location', details: { from: null, to: 'US' } }));

function standInPlanOf({ changes = 0, errors = 0 }: { changes?: number; errors?: number }): Plan {
  const planned = standInChanges(changes);
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    tenantId: '00000000-0000-4000-8000-00000000beef',
    createdAt: '2026-11-22T00:00:00.000Z',
    policyDigest: 'sha256:stand-in',
    changes: planned,
    diagnostics: Array.from({ length: errors }, (_, i) => ({ severity: 'error' as const, code: 'not-restorable' as const, userPrincipalName: `purged${i}@contoso.com`, message: 'not in the tenant, and not in the recycle bin: nothing to restore' })),
    summary: summarise(planned),
  };
}

/**
 * A saved plan exactly as tenantctl writes it (renderPlanJson), with `changes` changes (each setting a
 * user's usage location) and `errors` error findings (a user purged for good): what the stand-in saves.
 */
export function standInPlan(shape: { changes?: number; errors?: number } = {}): string {
  return renderPlanJson(standInPlanOf(shape));
}

/**
 * `tenantctl apply --format json`'s document exactly as tenantctl prints it (renderApplyJson): one
 * change per status given, in order, of a plan with `errors` error findings (apply's `blocked`).
 */
export function standInApplyResult(statuses: readonly ChangeOutcome['status'][], { errors = 0 }: { errors?: number } = {}): string {
  const plan = standInPlanOf({ changes: statuses.length, errors });
  const outcomes = statuses.map((status, i): ChangeOutcome => {
    const change = plan.changes[i] as Change;
    if (status === 'applied') return { change, status };
    if (status === 'failed') return { change, status, error: { status: 400, code: 'Request_BadRequest', message: 'the stand-in failed this change', requestId: null } };
    return { change, status, reason: 'an earlier step of this user failed' };
  });
  return renderApplyJson({ plan, outcomes });
}

/**
 * What the action's install step leaves in RUNNER_TEMP after installing the stand-in in `dir` (its
 * `version` input): tenantctl in $RUNNER_TEMP/tenantctl/bin and the spec it was installed for, so that
 * the action reuses it instead of running npm. For tests of other things than the installation, which
 * action.test.ts (a fake npm) and pipeline.test.ts (npm itself) test.
 */
export function preinstallStandIn(runnerTemp: string, dir: string): void {
  const prefix = path.join(runnerTemp, 'tenantctl');
  const { bin } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { bin: { tenantctl: string } };
  mkdirSync(path.join(prefix, 'bin'), { recursive: true });
  symlinkSync(path.join(dir, bin.tenantctl), path.join(prefix, 'bin', 'tenantctl'));
  writeFileSync(path.join(prefix, 'spec'), dir);
}

/** The command lines recorded in a TENANTCTL_ARGV_LOG file, in order. */
export function recordedInvocations(log: string): RecordedInvocation[] {
  if (!existsSync(log)) return [];
  const fields = readFileSync(log, 'utf8').split('\0').slice(0, -1);
  const invocations: RecordedInvocation[] = [];
  for (let at = 0; at < fields.length;) {
    const count = Number(fields[at]);
    if (!Number.isInteger(count) || at + 2 + count > fields.length) throw new Error(`${log}: not a log of command lines at field ${at}`);
    invocations.push({ cwd: fields[at + 1] ?? '', args: fields.slice(at + 2, at + 2 + count) });
    at += 2 + count;
  }
  return invocations;
}

// ---- GitHub's schemas ---------------------------------------------------------------------------

/** The innermost messages of a validation error (a oneOf's states hold the reasons of each branch). */
function messages(error: ValidationError): string[] {
  const nested = 'states' in error ? (error.states ?? []).flatMap((state) => state.errors.flatMap(messages)) : [];
  if (nested.length > 0) return nested;
  const where = 'path' in error ? error.path : error.location ? `line ${error.location.line}` : '';
  return [`${where}: ${error.title}${error.detail ? ` (${error.detail})` : ''}`];
}

/**
 * What is wrong with an action metadata file (`kind: 'action'`) or a workflow file, by SchemaStore's
 * github-action and github-workflow schemas; empty when it is valid. The validator's warnings (it
 * does not check globs) are not errors.
 */
export function schemaErrors(kind: 'action' | 'workflow', text: string): string[] {
  const warn = console.warn;
  console.warn = () => {};
  try {
    const state = kind === 'action' ? validateAction(text) : validateWorkflow(text);
    return [...new Set(state.errors.flatMap(messages))];
  } finally {
    console.warn = warn;
  }
}

/** A fresh RUNNER_TEMP with a fresh stand-in (delegating to this checkout's tenantctl or not) preinstalled in it. */
export function runnerWithStandIn({ delegate }: { delegate: boolean }): { standIn: string; runnerTemp: string } {
  const standIn = tenantctlStandIn(mkdtempSync(path.join(tmpdir(), 'tenantctl-stand-in-')), { delegate });
  const runnerTemp = mkdtempSync(path.join(tmpdir(), 'runner-temp-'));
  preinstallStandIn(runnerTemp, standIn);
  return { standIn, runnerTemp };
}
