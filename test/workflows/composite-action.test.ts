/**
 * The local composite-action runner (test/support/composite-action.ts) that the action and workflow
 * tests rely on, against the fixture action in test/fixtures/composite-action/: outputs (multi-line
 * too), GITHUB_ENV and GITHUB_PATH reaching later steps, the step summary, working-directory, the job
 * environment, `if:` with and without status functions, `uses:` steps recorded but not run, and
 * expressions it does not understand refused rather than replaced by nothing.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateCondition, evaluateExpression, parseCommandFile, runCompositeAction, substituteExpressions } from '../support/composite-action.ts';
import type { ContextLookup } from '../support/composite-action.ts';

const fixture = new URL('../fixtures/composite-action/', import.meta.url).pathname;

function workspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'composite-workspace-'));
  mkdirSync(path.join(dir, 'sub'));
  return dir;
}

describe('runCompositeAction on the fixture action', () => {
  it('runs the steps in order: outputs, GITHUB_ENV, GITHUB_PATH, the summary, working-directory and the job environment', async () => {
    const run = await runCompositeAction({ actionDir: fixture, inputs: { who: 'Mona Lisa', directory: 'sub' }, env: { JOB_VALUE: 'from-the-job' }, workspace: workspace() });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toEqual({
      message: 'Hello,\nMona Lisa',
      seen: 'env=Mona Lisa context=Mona Lisa outcome=success dir=sub tool says hi job=from-the-job',
      cleanup: '',
      after: 'yes',
      where: path.resolve(fixture),
    });
    expect(run.steps.map((s) => [s.id ?? s.uses, s.outcome])).toEqual([
      ['actions/setup-node@v5', 'not-run'],
      ['greet', 'success'],
      ['look', 'success'],
      ['maybe-fail', 'skipped'],
      ['after', 'success'],
      ['cleanup', 'skipped'],
    ]);
    expect(run.steps[0]?.with).toEqual({ 'node-version': 'Hello-24' });
    expect(run.summary).toBe('### greeted Mona Lisa\n');
    expect(run.stdout).toContain('greeting Mona Lisa');
    expect(run.stderr).toContain('env=Mona Lisa');
    // The script ran with the expression substituted; the input passed through env: stayed a variable.
    expect(run.steps[1]?.script).toContain('echo "Hello,"');
    expect(run.steps[1]?.script).toContain('echo "$WHO"');
  });

  it('after a failed step: skips steps without a status function, runs if: failure(), reports the exit code and still evaluates the outputs', async () => {
    const run = await runCompositeAction({ actionDir: fixture, inputs: { who: 'Hubot', fail: 'TRUE' }, workspace: workspace() });
    expect(run.exitCode).toBe(3);
    expect(run.steps.map((s) => [s.id ?? s.uses, s.outcome])).toEqual([
      ['actions/setup-node@v5', 'not-run'],
      ['greet', 'success'],
      ['look', 'success'],
      ['maybe-fail', 'failure'],
      ['after', 'skipped'],
      ['cleanup', 'success'],
    ]);
    expect(run.outputs).toMatchObject({ message: 'Hello,\nHubot', cleanup: 'ran', after: '' });
    expect(run.stdout).toContain('failing now');
  });

  it('refuses what it cannot model: a missing required input, an unknown input, an unknown context', async () => {
    await expect(runCompositeAction({ actionDir: fixture, inputs: {}, workspace: workspace() })).rejects.toThrow(/input required and not supplied: who/u);
    await expect(runCompositeAction({ actionDir: fixture, inputs: { who: 'x', whom: 'y' }, workspace: workspace() })).rejects.toThrow(/unexpected input\(s\) whom/u);
    await expect(runCompositeAction({ actionDir: path.join(fixture, 'unknown-expression'), workspace: workspace() })).rejects.toThrow(/unsupported expression: github\.repository/u);
  });
});

describe('its expressions', () => {
  const contexts: Record<string, Record<string, string>> = { inputs: { a: 'yes', empty: '' } };
  const lookup: ContextLookup = (root, rest) => {
    const value = contexts[root]?.[rest.join('.')];
    if (value === undefined) throw new Error(`unsupported expression: ${[root, ...rest].join('.')}`);
    return value;
  };

  it('evaluates literals, comparisons (ignoring case, as GitHub does), ! && || and parentheses', () => {
    expect(evaluateExpression("inputs.a == 'YES'", lookup)).toBe(true);
    expect(evaluateExpression("inputs.a != 'yes'", lookup)).toBe(false);
    expect(evaluateExpression("inputs.empty || 'fallback'", lookup)).toBe('fallback');
    expect(evaluateExpression("inputs.a && 'then'", lookup)).toBe('then');
    expect(evaluateExpression("!(inputs.empty == '') || false", lookup)).toBe(false);
    expect(evaluateExpression("'it''s'", lookup)).toBe("it's");
    expect(substituteExpressions("x=${{ inputs.a }} y=${{ inputs.empty || 'none' }}", lookup)).toBe('x=yes y=none');
  });

  it('reads if: as the runner does: success() && (…) unless a status function is called', () => {
    expect(evaluateCondition("inputs.a == 'yes'", lookup, { failed: true })).toBe(false);
    expect(evaluateCondition("${{ always() && inputs.a == 'yes' }}", lookup, { failed: true })).toBe(true);
    expect(evaluateCondition('!cancelled()', lookup, { failed: true })).toBe(true);
    expect(evaluateCondition(undefined, lookup, { failed: false })).toBe(true);
  });

  it('refuses functions, contexts and comparisons it does not model', () => {
    expect(() => evaluateExpression('toJSON(inputs)', lookup)).toThrow(/function toJSON\(\) is not supported/u);
    expect(() => evaluateExpression("contains(inputs.a, 'y')", lookup)).toThrow(/not understood/u);
    expect(() => evaluateExpression('inputs.missing', lookup)).toThrow(/unsupported expression/u);
    expect(() => evaluateExpression("inputs.a == true", lookup)).toThrow(/different types/u);
    expect(() => evaluateExpression('inputs.a[0]', lookup)).toThrow(/not understood/u);
    expect(() => evaluateExpression("inputs.a == 'open", lookup)).toThrow(/unterminated/u);
  });

  it('reads GITHUB_OUTPUT: name=value and name<<DELIMITER blocks', () => {
    expect(parseCommandFile('a=1\nb=x=y\n\nm<<EOF\nline 1\nline 2\nEOF\n', 'GITHUB_OUTPUT')).toEqual({ a: '1', b: 'x=y', m: 'line 1\nline 2' });
    expect(() => parseCommandFile('m<<EOF\nno end\n', 'GITHUB_OUTPUT')).toThrow(/no closing EOF/u);
  });
});
