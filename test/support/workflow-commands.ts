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
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { validateAction, validateWorkflow } from '@action-validator/core';
import type { ValidationError } from '@action-validator/core';
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
 * input (`npm install DIR` links it). Its `tenantctl` appends each command line to the file in
 * TENANTCTL_ARGV_LOG (one JSON line: args and cwd), answers `--version` with that version, and otherwise
 * - `delegate: false`: writes FAKE_TENANTCTL_STDOUT / FAKE_TENANTCTL_STDERR, creates the file named by
 *   --out (unless it fails), and exits with FAKE_TENANTCTL_EXIT (default 0);
 * - `delegate: true`: runs this checkout's bin/tenantctl.js with the same arguments, environment and
 *   directory, and exits with its code.
 */
export function tenantctlStandIn(dir: string, { delegate }: { delegate: boolean }): string {
  const { version } = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'tenantctl', version, bin: { tenantctl: 'bin/tenantctl.cjs' } }, null, 2)}\n`);
  const bin = path.join(dir, 'bin', 'tenantctl.cjs');
  writeFileSync(bin, [
    '#!/usr/bin/env node',
    '// A stand-in for the installed tenantctl, written by test/support/workflow-commands.ts.',
    "const { appendFileSync, writeFileSync } = require('node:fs');",
    "const { spawnSync } = require('node:child_process');",
    'const args = process.argv.slice(2);',
    'const log = process.env.TENANTCTL_ARGV_LOG;',
    "if (log && args[0] !== '--version') appendFileSync(log, JSON.stringify({ args, cwd: process.cwd() }) + '\\n');",
    // --version answers at once: the action's install step asks it on every run.
    `if (args[0] === '--version') { console.log(${JSON.stringify(version)}); process.exit(0); }`,
    delegate
      ? `const run = spawnSync(${JSON.stringify(nodeForSources())}, [${JSON.stringify(path.join(repo, 'bin', 'tenantctl.js'))}, ...args], { stdio: 'inherit' });\nprocess.exit(run.status ?? 1);`
      : [
        "const exit = Number(process.env.FAKE_TENANTCTL_EXIT ?? '0');",
        "const out = args.indexOf('--out');",
        "if (out >= 0 && args[out + 1] !== undefined && exit !== 1) writeFileSync(args[out + 1], '{\"stand-in\": true}\\n');",
        "process.stdout.write(process.env.FAKE_TENANTCTL_STDOUT ?? '');",
        "process.stderr.write(process.env.FAKE_TENANTCTL_STDERR ?? '');",
        'process.exit(exit);',
      ].join('\n'),
    '',
  ].join('\n'));
  chmodSync(bin, 0o755);
  return dir;
}

/** The command lines recorded in a TENANTCTL_ARGV_LOG file, in order. */
export function recordedInvocations(log: string): RecordedInvocation[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as RecordedInvocation);
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
