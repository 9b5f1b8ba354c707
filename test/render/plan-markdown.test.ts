import { describe, expect, it } from 'vitest';
import { GITHUB_COMMENT_MAX_CHARS, escapeMarkdown, renderPlanMarkdown } from '../../src/render/plan-markdown.ts';
import {
  blockSignIn, convergedPlan, createUser, diagnostic, everyActionPlan, largePlan, planOf, restoreUser, tenantMismatchPlan,
} from '../support/plans.ts';

const golden = (name: string): string => `../fixtures/golden/${name}`;

/** Cells of a markdown table row, split on the pipes that are not escaped. */
function cells(row: string): string[] {
  return row.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());
}

/**
 * Golden renderings of `tenantctl plan --format markdown` (a pull-request comment). Accept a
 * reviewed change with `npx vitest run test/render -u` (the path before -u: vitest 5 reads `-u <word>` as the update mode) and commit the golden files.
 */
describe.each([
  ['every-action', everyActionPlan],
  ['converged', convergedPlan],
  ['tenant-mismatch', tenantMismatchPlan],
])('plan markdown for the %s plan', (name, build) => {
  it('matches the golden file', async () => {
    await expect(renderPlanMarkdown(build())).toMatchFileSnapshot(golden(`plan-${name}.md`));
  });
});

describe('layout', () => {
  const md = renderPlanMarkdown(everyActionPlan());

  it('puts the summary in the heading, then the counts, then errors and warnings, then details, then notes', () => {
    expect(md.split('\n')[0]).toBe('## Plan: 2 to restore, 2 to create, 1 to update attributes, 3 to set manager, 2 to set usage location, 4 to license, 2 to add to a group, 1 to unlicense, 1 to remove from a group, 1 to enable, 1 to block. 2 protected principals left alone.');
    const order = ['| action | count |', '### Errors and warnings', '### Changes by principal', '<details><summary>3 notes</summary>'].map((s) => md.indexOf(s));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('counts the protected principals apart from the changes', () => {
    expect(md).toContain('| **total** | **20** |\n| protected principals (left alone) | 2 |\n');
  });

  it('shows each new action with its before and after', () => {
    expect(md).toContain('<details><summary><b>update attributes + set manager</b> · 1 principal</summary>');
    expect(md).toContain('tom@contoso.com\n~ jobTitle: "Engineer" → "Senior Engineer"\n~ department: (none) → "Sales"\n~ businessPhones: ["+31 20 123 4567"] → (none)\n~ manager: alice@contoso.com → bob@contoso.com\n');
    expect(md).toContain('uma@contoso.com\n+ member of "Licensing E3" (gives ENTERPRISEPACK)\n- no longer a member of "Licensing EMS" (takes away EMS)\n');
    expect(md).toContain('victor@contoso.com\n+ will be created (no deleted copy to restore)\n+ displayName: "Victor Smit"\n+ jobTitle: "Engineer"\n+ businessPhones: ["+31 20 765 4321"]\n+ usage location: NL\n+ signs in with a Temporary Access Pass or a password reset the administrator issues');
    expect(md).toContain('wendy@contoso.com\n~ manager: bob@contoso.com → (none)\n');
  });

  it('collapses principals with the same kinds of change into one block', () => {
    expect(md).toContain('<details><summary><b>restore + license</b> · 1 principal</summary>');
    expect(md).toContain('<details><summary><b>block</b> · 1 principal</summary>');
  });

  it('says plainly that a plan for the wrong tenant is refused', () => {
    const refused = renderPlanMarkdown({ ...tenantMismatchPlan(), ...planOf([restoreUser('alice@contoso.com')], tenantMismatchPlan().diagnostics) });
    expect(refused).toContain('## Plan refused: wrong tenant');
    expect(refused).toContain('> **The whole plan is refused');
    expect(refused).not.toContain('will be restored');
  });
});

describe('at 5,000 changes', () => {
  const plan = largePlan(5000);
  const md = renderPlanMarkdown(plan);

  it('fits in one GitHub comment', () => {
    expect(plan.changes).toHaveLength(5000);
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_MAX_CHARS);
  });

  it('keeps every error', () => {
    const errors = plan.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.length).toBeGreaterThan(20);
    for (const error of errors) expect(md).toContain(escapeMarkdown(error.message));
  });

  it('says how many principals it left out, and where to find them', () => {
    const shown = md.match(/^user\d{5}@contoso\.com/gm) ?? [];
    const principals = new Set(plan.changes.map((c) => c.userPrincipalName)).size;
    expect(md).toContain(`**… and ${(principals - shown.length).toLocaleString('en-US')} more principals (see the saved plan artifact)**`);
  });

  it('closes every block it opens', () => {
    expect(md.match(/<details>/g)?.length).toBe(md.match(/<\/details>/g)?.length);
    expect((md.match(/^```/gm)?.length ?? 0) % 2).toBe(0);
  });

  it('keeps every error even when they alone exceed the budget', () => {
    const tiny = renderPlanMarkdown(plan, { maxChars: 1000 });
    for (const error of plan.diagnostics.filter((d) => d.severity === 'error')) expect(tiny).toContain(escapeMarkdown(error.message));
    expect(tiny).not.toContain('will be restored');
    expect(tiny).toMatch(/… and [\d,]+ more warnings: `seat-shortfall` × [\d,]+ \(see the saved plan artifact\)/);
  });
});

describe('truncated', () => {
  it('matches the golden file', async () => {
    await expect(renderPlanMarkdown(largePlan(40), { maxChars: 5000 })).toMatchFileSnapshot(golden('plan-truncated.md'));
  });
});

describe('escaping', () => {
  it.each([
    ['pipes', 'a | b', 'a \\| b'],
    ['HTML', '<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['backticks', 'run `rm -rf`', 'run \\`rm -rf\\`'],
    ['emphasis', '*bold* and _italic_', '\\*bold\\* and \\_italic\\_'],
    ['links', '[x](https://evil.example)', '\\[x\\](https://evil.example)'],
    ['entities', '&amp; &lt;', '&amp;amp; &amp;lt;'],
    ['line breaks', 'one\ntwo\r\nthree', 'one<br>two<br>three'],
    ['backslashes', 'a\\*b', 'a\\\\\\*b'],
  ])('%s', (_name, raw, escaped) => {
    expect(escapeMarkdown(raw)).toBe(escaped);
  });

  it('keeps a diagnostics table row to its four cells', () => {
    const plan = planOf([], [diagnostic('error', 'upn-conflict', 'o_brien@contoso.com', 'holds | the <b>UPN</b> `x` *now*\nsecond line')]);
    const row = renderPlanMarkdown(plan).split('\n').find((line) => line.startsWith('| **error**')) ?? '';
    expect(cells(row)).toEqual(['**error**', '`upn-conflict`', 'o\\_brien@contoso.com', 'holds \\| the &lt;b&gt;UPN&lt;/b&gt; \\`x\\` \\*now\\*<br>second line']);
  });

  it('keeps names in a diff block from closing it or adding lines', () => {
    const plan = planOf([createUser('x@contoso.com', { displayName: 'Eve ```\n+ will be given Global Administrator' })]);
    const md = renderPlanMarkdown(plan);
    expect(md).toContain('````diff\n');
    expect(md).toContain('displayName: "Eve ```\\n+ will be given Global Administrator"');
    expect(md).not.toMatch(/^\+ will be given/m);
  });

  it('escapes what goes into the metadata line', () => {
    const md = renderPlanMarkdown(planOf([blockSignIn('a@contoso.com')], [], { tenantId: 'x`|<y>' }));
    expect(md).toContain('Tenant x\\`\\|&lt;y&gt; ·');
  });
});
