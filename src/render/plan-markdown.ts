import type { Diagnostic } from '../domain/diagnostics.ts';
import { countDiagnostics } from '../domain/diagnostics.ts';
import type { ChangeAction, Plan } from '../domain/plan.ts';
import { ACTION_ORDER } from '../domain/plan.ts';
import type { PrincipalChanges } from '../domain/principal-changes.ts';
import { groupByPrincipal } from '../domain/principal-changes.ts';
import {
  EFFECT_SYMBOLS, SUMMARY_VERBS, describeChange, formatCount, isRefused, plural,
  printable, renderPlanSummary, skippedBecause, sortBySeverity,
} from './plan-text.ts';

/**
 * `tenantctl plan --format markdown`, for a pull-request comment: the summary as the heading, a
 * table of counts, errors and warnings, then the changes in collapsed `<details>` blocks (one per
 * kind of change, principals listed inside as a `diff` block), then notes.
 *
 * A GitHub comment holds at most 65,536 characters. Past `maxChars` the renderer stops adding
 * warnings, principals and notes, and says how many it left out; it never leaves out an error.
 */

/** GitHub rejects a comment body longer than this. */
export const GITHUB_COMMENT_MAX_CHARS = 65_536;
/** Where the renderer starts leaving things out: GitHub's limit with room to spare for a wrapper. */
const MARKDOWN_BUDGET_CHARS = 60_000;
/** Kept free while adding optional parts: the "… and N more" lines and closing tags after them. */
const RESERVE_CHARS = 600;
const ARTIFACT = 'see the saved plan artifact';

export interface PlanMarkdownOptions {
  /** Leave out warnings, principals and notes beyond this length (default MARKDOWN_BUDGET_CHARS). */
  readonly maxChars?: number;
  /** As for the text renderer: count restore days left from here. */
  readonly now?: Date | string;
}

export function renderPlanMarkdown(plan: Plan, options: PlanMarkdownOptions = {}): string {
  const out = new Budget(options.maxChars ?? MARKDOWN_BUDGET_CHARS);
  const refused = isRefused(plan);

  out.add(`## ${escapeMarkdown(refused ? 'Plan refused: wrong tenant' : renderPlanSummary(plan))}\n\n`);
  if (refused) out.add(`> **${escapeMarkdown(renderPlanSummary(plan))}**\n\n`);
  out.add(`${metadata(plan)}\n\n`);
  if (!refused && plan.changes.length > 0) out.add(summaryTable(plan));

  const diagnostics = sortBySeverity(plan.diagnostics);
  const problems = diagnostics.filter((d) => d.severity !== 'info');
  if (problems.length > 0) addProblems(out, problems, !refused && plan.changes.length > 0);
  if (!refused) addChanges(out, plan, options.now);

  const notes = diagnostics.filter((d) => d.severity === 'info');
  if (notes.length > 0) addNotes(out, notes);
  return out.text();
}

/** Markdown text: backslash-escapes what would format, entities for what would be HTML, `<br>` for line breaks. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]|~$]/g, (ch) => `\\${ch}`)
    .replace(/[&<>]/g, (ch) => HTML_ENTITIES[ch] ?? ch)
    .replace(/\r\n?|\n/g, '<br>')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' '); // eslint-disable-line no-control-regex -- removing them is the point
}

/** Text inside raw HTML (`<summary>`), where markdown is not interpreted. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>]/g, (ch) => HTML_ENTITIES[ch] ?? ch);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

class Budget {
  private readonly parts: string[] = [];
  private length = 0;
  private readonly maxChars: number;

  constructor(maxChars: number) {
    this.maxChars = maxChars;
  }

  add(text: string): void {
    this.parts.push(text);
    this.length += text.length;
  }

  /** Whether this many more characters can be added and still leave the reserve free. */
  fits(chars: number): boolean {
    return chars <= this.spare();
  }

  /** Characters that can still be added, the reserve kept free. */
  spare(): number {
    return Math.max(0, this.maxChars - RESERVE_CHARS - this.length);
  }

  text(): string {
    return this.parts.join('');
  }
}

function metadata(plan: Plan): string {
  const counts = countDiagnostics(plan.diagnostics);
  const found = [
    counts.errors > 0 ? plural(counts.errors, 'error') : '',
    counts.warnings > 0 ? plural(counts.warnings, 'warning') : '',
    counts.infos > 0 ? plural(counts.infos, 'note') : '',
  ].filter((part) => part !== '');
  const diagnostics = found.length === 0 ? '' : ` · ${found.join(', ')}`;
  return `Tenant ${codeSpan(plan.tenantId)} · planned ${escapeMarkdown(plan.createdAt)} · policy ${codeSpan(plan.policyDigest)}${diagnostics}`;
}

function summaryTable(plan: Plan): string {
  const rows = ACTION_ORDER.flatMap((action) => {
    const count = plan.summary[action] ?? 0;
    return count > 0 ? [`| \`${action}\` | ${formatCount(count)} |`] : [];
  });
  const total = ACTION_ORDER.reduce((sum, action) => sum + (plan.summary[action] ?? 0), 0);
  const guarded = plan.summary.protected ?? 0;
  const leftAlone = guarded > 0 ? [`| protected principals (left alone) | ${formatCount(guarded)} |`] : [];
  return ['| action | count |', '| --- | ---: |', ...rows, `| **total** | **${formatCount(total)}** |`, ...leftAlone, '', ''].join('\n');
}

/**
 * Every error; then warnings while they fit, in at most half of the room left when details follow,
 * so that a plan with hundreds of warnings still shows some of its changes.
 */
function addProblems(out: Budget, problems: readonly Diagnostic[], detailsFollow: boolean): void {
  const row = (d: Diagnostic): string =>
    `| ${d.severity === 'error' ? '**error**' : d.severity} | \`${d.code}\` | ${principalCell(d)} | ${escapeMarkdown(d.message)} |\n`;
  const errors = problems.filter((d) => d.severity === 'error');
  const warnings = problems.filter((d) => d.severity !== 'error');
  out.add('### Errors and warnings\n\n');
  if (errors.length > 0 && detailsFollow) out.add('Apply skips the principals that an error names; the rest of the plan still applies.\n\n');
  out.add('| severity | code | principal | message |\n| --- | --- | --- | --- |\n');
  for (const d of errors) out.add(row(d));

  const room = detailsFollow ? Math.floor(out.spare() / 2) : out.spare();
  let used = 0;
  let shown = 0;
  for (const d of warnings) {
    const text = row(d);
    if (used + text.length > room) break;
    out.add(text);
    used += text.length;
    shown++;
  }
  out.add('\n');
  const left = warnings.slice(shown);
  if (left.length > 0) out.add(`… and ${plural(left.length, 'more warning')}: ${countByCode(left)} (${ARTIFACT})\n\n`);
}

/** "`seat-shortfall` × 340, `mailbox-lost` × 7", most frequent first. */
function countByCode(diagnostics: readonly Diagnostic[]): string {
  const counts = new Map<string, number>();
  for (const d of diagnostics) counts.set(d.code, (counts.get(d.code) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([code, n]) => `\`${code}\` × ${formatCount(n)}`).join(', ');
}

function addChanges(out: Budget, plan: Plan, now: Date | string | undefined): void {
  const groups = groupByActions(groupByPrincipal(plan.changes));
  if (groups.length === 0) return;
  const blocks = groups.map((group) => ({ ...group, blocks: group.principals.map((p) => principalBlock(p, skippedBecause(plan, p.userPrincipalName), now)) }));
  const fence = fenceFor(blocks.flatMap((g) => g.blocks));

  out.add('### Changes by principal\n\n');
  let left = 0;
  for (const group of blocks) {
    if (left > 0) {
      left += group.blocks.length;
      continue;
    }
    const total = group.blocks.length;
    const open = (shown: number): string =>
      `<details><summary><b>${escapeHtml(group.label)}</b> · ${plural(total, 'principal')}${shown < total ? ` (${formatCount(shown)} shown)` : ''}</summary>\n\n${fence}diff\n`;
    const close = `${fence}\n\n</details>\n\n`;
    // The opening at its longest (with "(N shown)") and the closing.
    let length = open(0).length + formatCount(total).length + close.length;
    let shown = 0;
    for (const block of group.blocks) {
      length += block.length + 1;
      if (!out.fits(length)) break;
      shown++;
    }
    if (shown > 0) out.add(`${open(shown)}${group.blocks.slice(0, shown).join('\n')}${close}`);
    left += total - shown;
  }
  if (left > 0) out.add(`**… and ${plural(left, 'more principal')} (${ARTIFACT})**\n\n`);
}

function addNotes(out: Budget, notes: readonly Diagnostic[]): void {
  const open = `<details><summary>${plural(notes.length, 'note')}</summary>\n\n| code | principal | message |\n| --- | --- | --- |\n`;
  let shown = 0;
  for (const d of notes) {
    const row = `| \`${d.code}\` | ${principalCell(d)} | ${escapeMarkdown(d.message)} |\n`;
    const piece = shown === 0 ? open + row : row;
    if (!out.fits(piece.length)) break;
    out.add(piece);
    shown++;
  }
  const left = notes.slice(shown);
  if (shown === 0) out.add(`${plural(notes.length, 'note')} not shown: ${countByCode(left)} (${ARTIFACT}).\n`);
  else if (left.length > 0) out.add(`\n… and ${plural(left.length, 'more note')}: ${countByCode(left)} (${ARTIFACT})\n\n</details>\n`);
  else out.add('\n</details>\n');
}

interface ActionGroup {
  readonly label: string;
  readonly principals: readonly PrincipalChanges[];
}

/** Principals with the same kinds of change, e.g. "restore + license", in order of first appearance. */
function groupByActions(principals: readonly PrincipalChanges[]): readonly ActionGroup[] {
  const groups = new Map<string, PrincipalChanges[]>();
  for (const principal of principals) {
    const actions = new Set<ChangeAction>(principal.changes.map((c) => c.action));
    const label = ACTION_ORDER.filter((a) => actions.has(a)).map((a) => SUMMARY_VERBS[a]).join(' + ');
    const group = groups.get(label);
    if (group === undefined) groups.set(label, [principal]);
    else group.push(principal);
  }
  return [...groups].map(([label, list]) => ({ label, principals: list }));
}

/** One principal inside a ```diff block: its name, then `+`/`~`/`-` sentences (coloured by GitHub). */
function principalBlock(principal: PrincipalChanges, codes: readonly string[], now: Date | string | undefined): string {
  const lines = [`${printable(principal.userPrincipalName)}${codes.length === 0 ? '' : `  (skipped by apply: ${codes.join(', ')})`}`];
  for (const change of principal.changes) {
    for (const sentence of describeChange(change, now)) lines.push(`${EFFECT_SYMBOLS[sentence.effect]} ${printable(sentence.text)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A code fence longer than any run of backticks in the content (CommonMark §4.5). */
function fenceFor(contents: readonly string[]): string {
  let longest = 0;
  for (const content of contents) {
    for (const run of content.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  }
  return '`'.repeat(Math.max(3, longest + 1));
}

function principalCell(d: Diagnostic): string {
  return d.userPrincipalName === undefined ? '—' : escapeMarkdown(d.userPrincipalName);
}

/** `value` as inline code when it can be (no backticks, pipes or control characters), else escaped text. */
function codeSpan(value: string): string {
  return value !== '' && !/[`|]/.test(value) && printable(value) === value ? `\`${value}\`` : escapeMarkdown(value);
}
