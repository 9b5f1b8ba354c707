/**
 * Citations point into the repository (docs/architecture.md §8). The product stands alone: code,
 * comments, tests, `--help` and documents cite our own docs/, never design documents kept outside
 * the repository. Three checks over the project's source and documentation files (tracked, plus
 * untracked files git does not ignore):
 *
 * 1. nothing mentions the old outside documents or the folder beside the repository they lived in;
 * 2. every `docs/<name>.md` mentioned names a file that exists, every `docs/<name>.md §N` a section
 *    `## N.` (or `### N.M`) of it, and every `docs/architecture.md principle N` one of its principles;
 * 3. every relative link in README.md, docs/*.md and examples/**.md leads to a file that exists, and
 *    its `#anchor`, if any, to a heading of that file.
 *
 * The forbidden names are assembled at run time so that this file does not match itself.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What the checks read: folders and top-level files of source and documentation. */
const ROOT_FOLDERS = ['src/', 'test/', 'bench/', 'scripts/', 'bin/', 'docs/', 'examples/', '.github/'];
const ROOT_FILES = new Set(['action.yml', 'README.md', 'CHANGELOG.md', 'eslint.config.js']);
/** Source and documentation, not data (seeds, golden files, Graph's CSDL, the SKU table). */
const TEXT_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.md', '.yml', '.yaml', '.sh']);

function gitFiles(...args: string[]): string[] {
  return execFileSync('git', ['ls-files', '-z', ...args], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter((f) => f !== '');
}

/** Tracked files and untracked ones that are not ignored, as git lists them, that exist now. */
function projectFiles(): string[] {
  const all = new Set([...gitFiles(), ...gitFiles('--others', '--exclude-standard')]);
  return [...all]
    .filter((file) => ROOT_FILES.has(file) || ROOT_FOLDERS.some((folder) => file.startsWith(folder)))
    .filter((file) => TEXT_EXTENSIONS.has(path.extname(file).toLowerCase()))
    .filter((file) => existsSync(path.join(ROOT, file)) && statSync(path.join(ROOT, file)).isFile())
    .sort();
}

const FILES = projectFiles();
const TEXT = new Map(FILES.map((file) => [file, readFileSync(path.join(ROOT, file), 'utf8')]));

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** `file:line: what`, for every match of `pattern` in every file. */
function occurrences(pattern: RegExp, describe: (match: RegExpExecArray) => string | undefined): string[] {
  const found: string[] = [];
  for (const [file, text] of TEXT) {
    for (const match of text.matchAll(pattern)) {
      const problem = describe(match);
      if (problem !== undefined) found.push(`${file}:${lineOf(text, match.index)}: ${problem}`);
    }
  }
  return found;
}

// --- 1. No outside documents --------------------------------------------------------------------

const md = (name: string): string => `${name.toUpperCase()}\\.md`;
const OUTSIDE_DOCUMENTS = ['product', 'behaviour', 'architecture', 'pulumi'];
const OUTSIDE_FOLDER = 'shared';
/** The old documents by file name (upper case, as they were written) or as `NAME §N`, and the folder beside the repository. */
const FORBIDDEN = new RegExp(
  [
    ...OUTSIDE_DOCUMENTS.map((name) => `\\b${md(name)}`),
    ...OUTSIDE_DOCUMENTS.map((name) => `\\b${name.toUpperCase()} ?§`),
    `\\.\\./${OUTSIDE_FOLDER}\\b`,
    `\\b${OUTSIDE_FOLDER}/(?:graph|docs)\\b`,
  ].join('|'),
  'gu',
);

// --- 2. docs/<name>.md and its sections ----------------------------------------------------------

interface Heading {
  readonly level: number;
  readonly text: string;
}

/** Headings outside fenced code blocks. */
function headingsOf(text: string): Heading[] {
  const headings: Heading[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/u.test(line)) fenced = !fenced;
    const match = fenced ? null : /^(#{1,6})\s+(.*?)\s*#*\s*$/u.exec(line);
    if (match) headings.push({ level: (match[1] as string).length, text: match[2] as string });
  }
  return headings;
}

/** Section numbers of a document: `## 3.` gives "3", `### 3.2` gives "3.2". */
function sectionNumbers(text: string): Set<string> {
  const numbers = new Set<string>();
  for (const heading of headingsOf(text)) {
    const match = /^(\d+(?:\.\d+)*)\.?(?:\s|$)/u.exec(heading.text);
    if (match && heading.level >= 2) numbers.add(match[1] as string);
  }
  return numbers;
}

/** The numbered principles of docs/architecture.md: items `N. **…**` of its "Principles" section. */
function principleNumbers(text: string): Set<number> {
  const numbers = new Set<number>();
  let inside = false;
  for (const line of text.split('\n')) {
    if (/^##\s/u.test(line)) inside = /principles/iu.test(line);
    const item = inside ? /^(\d+)\.\s+\*\*/u.exec(line) : null;
    if (item) numbers.add(Number(item[1]));
  }
  return numbers;
}

function readDoc(name: string): string | undefined {
  const file = path.join(ROOT, 'docs', `${name}.md`);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** A path `docs/<name>.md` (not the tail of a longer path), then any `§N`, `§N.M`, `§N–§M` after it, in a list. */
const DOC_CITATION = /(?<![\w./-])docs\/([A-Za-z0-9_-]+)\.md((?:[\s,;*/]*(?:and\s+)?§\s?\d+(?:\.\d+)*(?:\s?[–-]\s?§?\d+(?:\.\d+)*)?)*)/gu;
const PRINCIPLE_CITATION = /(?<![\w./-])docs\/architecture\.md,?\s+principles?\s+(\d+(?:(?:,\s*|\s+and\s+|\s*[–-]\s*)\d+)*)/gu;

// --- 3. Relative links in Markdown ---------------------------------------------------------------

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/`([^`]*)`/gu, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/gu, '$1')
    .replace(/<[^>]+>/gu, '');
  return text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/gu, '-');
}

/** Every anchor a Markdown file offers: its headings' slugs (numbered when repeated) and HTML ids. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const heading of headingsOf(text)) {
    const base = slug(heading.text);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const match of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/giu)) anchors.add(match[1] as string);
  return anchors;
}

/** Markdown without fenced code blocks and inline code, which hold no links. */
function withoutCode(text: string): string {
  return text.replace(/^\s*(```|~~~)[^\n]*\n[\s\S]*?^\s*\1[^\n]*$/gmu, (block) => block.replace(/[^\n]/gu, ' ')).replace(/`[^`\n]*`/gu, (code) => ' '.repeat(code.length));
}

const INLINE_LINK = /!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*["')])?\s*\)/gu;
const REFERENCE_LINK = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+["'(].*)?$/gmu;

function isMarkdownToCheck(file: string): boolean {
  return file === 'README.md' || /^docs\/[^/]+\.md$/u.test(file) || (file.startsWith('examples/') && file.endsWith('.md'));
}

/** What is wrong with a link target written in `file`, or undefined when it leads somewhere real. */
function checkLink(file: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/iu.test(target) || target.startsWith('//')) return undefined; // https:, mailto:, …
  const [rawPath = '', anchor] = target.split('#', 2);
  const linkPath = decodeURIComponent(rawPath.split('?')[0] ?? '');
  if (linkPath.startsWith('/')) return `${target}: use a path relative to ${file}`;
  const resolved = linkPath === '' ? path.join(ROOT, file) : path.resolve(ROOT, path.dirname(file), linkPath);
  if (!resolved.startsWith(ROOT)) return `${target} leads outside the repository`;
  if (!existsSync(resolved)) return `${target}: ${path.relative(ROOT, resolved)} does not exist`;
  if (anchor !== undefined && anchor !== '' && resolved.endsWith('.md') && statSync(resolved).isFile()) {
    if (!anchorsOf(readFileSync(resolved, 'utf8')).has(anchor.toLowerCase())) return `${target}: ${path.relative(ROOT, resolved)} has no heading #${anchor}`;
  }
  return undefined;
}

describe('citations point into the repository', () => {
  it('finds the files it checks', () => {
    expect(FILES).toContain('src/cli/program.ts');
    expect(FILES).toContain('docs/architecture.md');
    expect(FILES).toContain('test/lint/citations.test.ts');
  });

  it('nothing cites the design documents kept outside the repository, or the folder beside it', () => {
    const found = occurrences(FORBIDDEN, (match) => `"${match[0]}": cite the document in docs/ that holds this content now (see docs/README.md)`);
    expect(found).toEqual([]);
  });

  it('every docs/<name>.md mentioned exists, with the sections and principles cited', () => {
    const found = occurrences(DOC_CITATION, (match) => {
      const name = match[1] as string;
      const doc = readDoc(name);
      if (doc === undefined) return `docs/${name}.md does not exist`;
      const cited = [...(match[2] ?? '').matchAll(/\d+(?:\.\d+)*/gu)].map((m) => m[0]);
      const numbers = sectionNumbers(doc);
      const missing = cited.filter((n) => !numbers.has(n));
      return missing.length === 0 ? undefined : `docs/${name}.md has no section ${missing.map((n) => `§${n}`).join(', ')} (it has ${[...numbers].filter((n) => !n.includes('.')).map((n) => `§${n}`).join(' ') || 'no numbered sections'})`;
    });
    const architecture = readDoc('architecture') ?? '';
    const principles = principleNumbers(architecture);
    found.push(
      ...occurrences(PRINCIPLE_CITATION, (match) => {
        const missing = [...(match[1] ?? '').matchAll(/\d+/gu)].map((m) => Number(m[0])).filter((n) => !principles.has(n));
        return missing.length === 0 ? undefined : `docs/architecture.md has no principle ${missing.join(', ')} (it has 1–${principles.size})`;
      }),
    );
    expect(found).toEqual([]);
  });

  it('every relative link in README.md, docs/ and examples/ leads to an existing file and heading', () => {
    const found: string[] = [];
    for (const [file, text] of TEXT) {
      if (!isMarkdownToCheck(file)) continue;
      const prose = withoutCode(text);
      for (const pattern of [INLINE_LINK, REFERENCE_LINK]) {
        for (const match of prose.matchAll(pattern)) {
          const problem = checkLink(file, match[1] as string);
          if (problem !== undefined) found.push(`${file}:${lineOf(text, match.index)}: ${problem}`);
        }
      }
    }
    expect(found).toEqual([]);
  });
});
