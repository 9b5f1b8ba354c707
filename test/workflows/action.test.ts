/**
 * The composite action (action.yml), run by test/support/composite-action.ts as a runner would:
 * it installs with npm the tenantctl of its own release (or the `version` asked for) under
 * RUNNER_TEMP, with this release's lockfile and no install scripts, puts only tenantctl on PATH, builds
 * tenantctl's command line from its inputs without letting a shell read them, and reports the exit
 * code, whether a plan was made and whether there were changes as tenantctl itself answers them (the
 * saved plan read by the installed package's parseSavedPlan; apply's `--format json` document), the
 * saved plan, apply's result and the output files; exit 1 fails the step, a plan's changes do not.
 * tenantctl itself is a recording stand-in here (test/support/workflow-commands.ts), whose package root
 * exports the product's parseSavedPlan; pipeline*.test.ts run the real one through the same action.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSavedPlan } from '../../src/index.ts';
import { readCompositeAction, runCompositeAction } from '../support/composite-action.ts';
import type { CompositeRun } from '../support/composite-action.ts';
import { recordedInvocations, runnerWithStandIn, standInApplyResult, standInPlan } from '../support/workflow-commands.ts';
import { expressionsIn, packageVersion, repo, SET_UP_NODE } from './workflow-jobs.ts';

const temp = (prefix: string): string => mkdtempSync(path.join(tmpdir(), prefix));

describe('action.yml', () => {
  const action = readCompositeAction(repo);
  const text = readFileSync(path.join(repo, 'action.yml'), 'utf8');

  it('is a small composite action: set up Node, install tenantctl, run it', () => {
    expect(action.runs.steps.map((s) => s.uses ?? s.name)).toEqual(['actions/setup-node@v5', 'Install tenantctl', 'Run tenantctl']);
    expect(action.runs.steps[0]?.with).toEqual({ 'node-version': '${{ inputs.node-version }}' });
    expect(Object.keys(action.inputs ?? {}).sort()).toEqual(['args', 'command', 'node-version', 'plan-file', 'policy', 'version', 'working-directory']);
    expect(Object.entries(action.inputs ?? {}).filter(([, i]) => i.required === true).map(([n]) => n)).toEqual(['command']);
    expect(action.inputs?.policy?.default).toBe('policies/');
    expect(action.inputs?.['node-version']?.default).toBe('24');
  });

  it('reads inputs only through env: (no expression inside a script), strictly, and never mentions a secret', () => {
    for (const step of action.runs.steps.filter((s) => s.run !== undefined)) {
      expect(step.shell, step.name).toBe('bash');
      expect(step.run?.startsWith('set -euo pipefail\n'), step.name).toBe(true);
      expect(step.run, step.name).not.toContain('${{');
    }
    expect(text).not.toMatch(/secrets\.|AZURE_CLIENT_SECRET/u);
  });

  it('refers only to inputs it declares, and its outputs are ones the run step writes', () => {
    const declared = Object.keys(action.inputs ?? {});
    for (const expression of expressionsIn(text)) {
      const input = /^inputs\.([\w-]+)$/u.exec(expression)?.[1];
      if (input !== undefined) expect(declared, expression).toContain(input);
    }
    const script = action.runs.steps.find((s) => s.id === 'run')?.run ?? '';
    for (const [name, output] of Object.entries(action.outputs ?? {})) {
      expect(output.value).toBe(`\${{ steps.run.outputs.${name} }}`);
      expect(script).toContain(`echo "${name}=`);
    }
    expect(Object.keys(action.outputs ?? {}).sort()).toEqual(['exit-code', 'has-changes', 'plan-file', 'planned', 'result-file', 'stderr-file', 'stdout-file']);
  });
});

describe('installing tenantctl', () => {
  /**
   * A fake npm on PATH: records its arguments, keeps a copy of what the --prefix directory held when it
   * was called (calls.<n>/), and "installs" a tenantctl that prints its version, with another
   * dependency's executable beside it in node_modules/.bin.
   */
  function fakeNpm(): { dir: string; log: string } {
    const dir = temp('fake-npm-');
    const log = path.join(dir, 'calls');
    writeFileSync(path.join(dir, 'npm'), [
      '#!/usr/bin/env bash',
      'set -euo pipefail',
      `log=${JSON.stringify(log)}`,
      'printf \'%s\\n\' "$*" >> "$log"',
      'prefix=""',
      'while (( $# > 0 )); do if [[ "$1" == --prefix ]]; then prefix=$2; shift; fi; shift; done',
      'snapshot="$log.$(wc -l < "$log" | tr -d " ")"',
      'mkdir -p "$snapshot" "$prefix" && cp -R "$prefix/." "$snapshot/"',
      'mkdir -p "$prefix/node_modules/.bin" "$prefix/node_modules/tenantctl/bin"',
      'printf \'#!/usr/bin/env bash\\necho 9.9.9\\n\' > "$prefix/node_modules/tenantctl/bin/tenantctl.js"',
      'chmod +x "$prefix/node_modules/tenantctl/bin/tenantctl.js"',
      'ln -sfn ../tenantctl/bin/tenantctl.js "$prefix/node_modules/.bin/tenantctl"',
      'printf \'#!/usr/bin/env bash\\necho a dependency\\n\' > "$prefix/node_modules/.bin/semver"',
      'chmod +x "$prefix/node_modules/.bin/semver"',
      '',
    ].join('\n'), { mode: 0o755 });
    return { dir, log };
  }

  const install = async (npm: { dir: string }, runnerTemp: string, inputs: Record<string, string> = {}, actionDir = repo): Promise<CompositeRun> =>
    runCompositeAction({ actionDir, inputs: { command: 'validate', ...inputs }, env: { PATH: `${npm.dir}${path.delimiter}${process.env.PATH ?? ''}` }, workspace: temp('workspace-'), runnerTemp });

  it('installs the tenantctl of its own release (package.json beside action.yml) under RUNNER_TEMP, without install scripts, and reuses it within the job', async () => {
    const npm = fakeNpm();
    const runnerTemp = temp('runner-temp-');
    const run = await install(npm, runnerTemp);
    expect(run.steps[1]?.outcome, run.stderr).toBe('success');
    const calls = () => readFileSync(npm.log, 'utf8').trim().split('\n');
    expect(calls()).toEqual([`install --prefix ${runnerTemp}/tenantctl --no-save --no-audit --no-fund --ignore-scripts tenantctl@${packageVersion}`]);
    expect(run.stdout).toContain(`Installed tenantctl@${packageVersion}: tenantctl 9.9.9`);
    // The run step found the installed tenantctl on PATH.
    expect(run.steps[2]?.stdout).toContain('tenantctl validate policies/');
    const again = await install(npm, runnerTemp);
    expect(calls()).toHaveLength(1);
    expect(again.stdout).toContain(`Using tenantctl@${packageVersion}, installed earlier in this job.`);
    expect(again.steps[2]?.stdout).toContain('tenantctl validate policies/');
  });

  it('seeds the installation with this release\'s package-lock.json (and an empty package.json) before npm runs, so that npm keeps the locked dependency versions', async () => {
    const npm = fakeNpm();
    const runnerTemp = temp('runner-temp-');
    await install(npm, runnerTemp);
    const before = `${npm.log}.1`;
    expect(readdirSync(before).sort()).toEqual(['bin', 'package-lock.json', 'package.json']);
    expect(readFileSync(path.join(before, 'package-lock.json'))).toEqual(readFileSync(path.join(repo, 'package-lock.json')));
    expect(JSON.parse(readFileSync(path.join(before, 'package.json'), 'utf8'))).toEqual({});

    // A lockfile already there (an earlier install of the job) is kept, also for another version.
    writeFileSync(path.join(runnerTemp, 'tenantctl', 'package-lock.json'), '{"lockfileVersion": 3, "kept": true}');
    await install(npm, runnerTemp, { version: '0.0.9' });
    expect(readFileSync(path.join(`${npm.log}.2`, 'package-lock.json'), 'utf8')).toBe('{"lockfileVersion": 3, "kept": true}');
  });

  it('without a package-lock.json beside the action, warns that the dependencies are resolved afresh and installs all the same', async () => {
    const npm = fakeNpm();
    const actionDir = temp('action-without-lock-');
    for (const file of ['action.yml', 'package.json']) copyFileSync(path.join(repo, file), path.join(actionDir, file));
    const run = await install(npm, temp('runner-temp-'), {}, actionDir);
    expect(run.steps[1]?.outcome).toBe('success');
    expect(run.stdout).toContain('::warning::No package-lock.json beside the action');
    expect(readdirSync(`${npm.log}.1`)).toEqual(['bin']);
  });

  it('puts only tenantctl on PATH: one directory holding nothing but a link to it, not node_modules/.bin', async () => {
    const npm = fakeNpm();
    const runnerTemp = temp('runner-temp-');
    const run = await install(npm, runnerTemp);
    const prefix = path.join(runnerTemp, 'tenantctl');
    expect(run.addedPath).toEqual([path.join(prefix, 'bin')]);
    expect(readdirSync(path.join(prefix, 'bin'))).toEqual(['tenantctl']);
    expect(realpathSync(path.join(prefix, 'bin', 'tenantctl'))).toBe(realpathSync(path.join(prefix, 'node_modules', 'tenantctl', 'bin', 'tenantctl.js')));
    expect(readdirSync(path.join(prefix, 'node_modules', '.bin')).sort()).toEqual(['semver', 'tenantctl']);
  });

  it('installs the npm spec given as version instead (a version or a tarball), again when it changes', async () => {
    const npm = fakeNpm();
    const runnerTemp = temp('runner-temp-');
    await install(npm, runnerTemp, { version: '0.0.9' });
    await install(npm, runnerTemp, { version: '/tmp/tenantctl-0.1.0.tgz' });
    expect(readFileSync(npm.log, 'utf8').trim().split('\n').map((line) => line.split(' ').at(-1))).toEqual(['0.0.9', '/tmp/tenantctl-0.1.0.tgz']);
  });
});

describe('running tenantctl', () => {
  let standIn: string;
  let runnerTemp: string;
  beforeAll(() => {
    // Installed as the install step leaves it (the tests above install): the action reuses it.
    ({ standIn, runnerTemp } = runnerWithStandIn({ delegate: false }));
  });

  interface Told {
    readonly exit?: number;
    readonly stdout?: string;
    readonly stderr?: string;
    /** What plan writes to --out (default: a saved plan with one change on exit 2, none on 0, nothing on 1). */
    readonly plan?: string;
    /** What apply appends to --audit-log. */
    readonly audit?: string;
  }

  /**
   * Runs the action with the stand-in (installed once for all: same RUNNER_TEMP and spec; or the one
   * given), a Node.js that runs tenantctl first on PATH as after the action's setup-node; returns the
   * run and the command lines it got.
   */
  async function act(inputs: Record<string, string>, told: Told = {}, workspace = temp('workspace-'), installed = { standIn, runnerTemp }): Promise<{ run: CompositeRun; argv: string[][]; cwd: string[]; workspace: string }> {
    const log = path.join(temp('argv-'), 'log');
    const run = await runCompositeAction({
      actionDir: repo,
      inputs: { version: installed.standIn, ...inputs },
      env: {
        PATH: [SET_UP_NODE, process.env.PATH ?? ''].join(path.delimiter),
        TENANTCTL_ARGV_LOG: log,
        FAKE_TENANTCTL_EXIT: String(told.exit ?? 0),
        FAKE_TENANTCTL_STDOUT: told.stdout ?? '',
        FAKE_TENANTCTL_STDERR: told.stderr ?? '',
        FAKE_TENANTCTL_SAVED_PLAN: told.plan ?? '',
        FAKE_TENANTCTL_AUDIT: told.audit ?? '',
      },
      workspace,
      runnerTemp: installed.runnerTemp,
    });
    const recorded = recordedInvocations(log);
    return { run, argv: recorded.map((r) => [...r.args]), cwd: recorded.map((r) => r.cwd), workspace };
  }

  /** How tenantctl's own reader refuses a saved plan: its message. */
  const refusal = (text: string, file: string): string => {
    try {
      parseSavedPlan(text, file);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error(`parseSavedPlan accepted ${file}`);
  };

  it('validate: the policy paths (split on spaces and new lines), then args', async () => {
    const { run, argv } = await act({ command: 'validate', policy: 'policies/  shared/extra.yaml\nmore/', args: '--format json' }, { stdout: 'Valid: 1 file.\n' });
    expect(argv).toEqual([['validate', 'policies/', 'shared/extra.yaml', 'more/', '--format', 'json']]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ 'exit-code': '0', 'has-changes': 'false', planned: 'false', 'plan-file': '', 'result-file': '' });
    expect(readFileSync(run.outputs['stdout-file'] ?? '', 'utf8')).toBe('Valid: 1 file.\n');
  });

  it('plan: saves the plan with --out and always asks for --detailed-exitcode; changes (exit 2) are reported, not a failure', async () => {
    const { run, argv, workspace } = await act({ command: 'plan', 'plan-file': 'plan.json', args: '--format markdown' }, { exit: 2, stdout: '## Plan: 1 to restore\n', stderr: 'warning  missing-permission …\n' });
    expect(argv).toEqual([['plan', 'policies/', '--out', 'plan.json', '--detailed-exitcode', '--format', 'markdown']]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ 'exit-code': '2', 'has-changes': 'true', planned: 'true', 'plan-file': path.join(realpathSync(workspace), 'plan.json'), 'result-file': '' });
    expect(readFileSync(run.outputs['stdout-file'] ?? '', 'utf8')).toBe('## Plan: 1 to restore\n');
    expect(readFileSync(run.outputs['stderr-file'] ?? '', 'utf8')).toBe('warning  missing-permission …\n');
    expect(run.stdout).toContain('## Plan: 1 to restore');
  });

  it('plan without plan-file still saves the plan, under RUNNER_TEMP, and names it in the output plan-file', async () => {
    const { run, argv } = await act({ command: 'plan' }, { exit: 2 });
    const saved = run.outputs['plan-file'] ?? '';
    expect(argv).toEqual([['plan', 'policies/', '--out', saved, '--detailed-exitcode']]);
    expect(saved.startsWith(`${realpathSync(runnerTemp)}${path.sep}`)).toBe(true);
    expect(run.outputs).toMatchObject({ 'exit-code': '2', 'has-changes': 'true', planned: 'true' });
    expect(JSON.parse(readFileSync(saved, 'utf8'))).toMatchObject({ changes: [{ action: 'set-usage-location' }] });
  });

  it('plan: no changes (exit 0) is has-changes false; an error without a plan (exit 1) fails the step, planned false, but still sets the outputs', async () => {
    const none = await act({ command: 'plan', 'plan-file': 'plan.json' });
    expect(none.run.exitCode).toBe(0);
    expect(none.run.outputs).toMatchObject({ 'exit-code': '0', 'has-changes': 'false', planned: 'true' });

    // An older plan.json is not taken for this run's plan.
    const workspace = temp('workspace-');
    writeFileSync(path.join(workspace, 'plan.json'), standInPlan({ changes: 3 }));
    const error = await act({ command: 'plan', 'plan-file': 'plan.json' }, { exit: 1, stderr: 'error  yaml-syntax …\n' }, workspace);
    expect(error.argv).toEqual([['plan', 'policies/', '--out', 'plan.json', '--detailed-exitcode']]);
    expect(error.run.exitCode).toBe(1);
    expect(error.run.steps[2]?.outcome).toBe('failure');
    expect(error.run.outputs).toMatchObject({ 'exit-code': '1', 'has-changes': 'false', planned: 'false', 'plan-file': '' });
    expect(readFileSync(error.run.outputs['stderr-file'] ?? '', 'utf8')).toBe('error  yaml-syntax …\n');
  });

  it('plan with errors (exit 1, the plan written): fails the step, yet reports planned, the saved plan, and has-changes from its changes', async () => {
    const withChanges = await act({ command: 'plan', 'plan-file': 'plan.json' }, { exit: 1, plan: standInPlan({ changes: 2, errors: 1 }), stdout: '## Plan: 2 to restore, 1 error\n' });
    expect(withChanges.run.exitCode).toBe(1);
    expect(withChanges.run.outputs).toMatchObject({ 'exit-code': '1', 'has-changes': 'true', planned: 'true', 'plan-file': path.join(realpathSync(withChanges.workspace), 'plan.json') });
    expect(withChanges.run.stdout).toContain('the plan has errors (listed above); it was saved to');

    const onlyErrors = await act({ command: 'plan', 'plan-file': 'plan.json' }, { exit: 1, plan: standInPlan({ errors: 1 }) });
    expect(onlyErrors.run.outputs).toMatchObject({ 'exit-code': '1', 'has-changes': 'false', planned: 'true' });
  });

  it('plan: the saved plan is read by tenantctl\'s own parseSavedPlan; one it refuses (not JSON, a damaged field, another formatVersion) is no plan, and the step fails with its message', async () => {
    const damaged = JSON.parse(standInPlan({ changes: 2 })) as { changes: { details: { to: unknown } }[] };
    damaged.changes.forEach((change, i) => (change.details.to = i === 1 ? 5 : change.details.to));
    const newer = { ...(JSON.parse(standInPlan({ changes: 1 })) as object), formatVersion: 3 };
    // Each has a non-empty list of changes: a look at `changes` alone would take it for a plan with changes.
    const cases = [
      { text: 'not json', exit: 2 },
      { text: JSON.stringify(damaged), exit: 2 },
      { text: JSON.stringify(newer), exit: 2 },
      { text: JSON.stringify({ changes: [{ action: 'restore-user' }], diagnostics: [{ severity: 'error', code: 'not-restorable' }] }), exit: 1 },
    ];
    for (const { text, exit } of cases) {
      const { run } = await act({ command: 'plan', 'plan-file': 'plan.json' }, { exit, plan: text });
      expect(run.exitCode, text).toBe(1);
      expect(run.outputs, text).toMatchObject({ 'exit-code': '1', 'has-changes': 'false', planned: 'false', 'plan-file': '' });
      expect(run.stdout, text).toContain(`::error::${refusal(text, 'plan.json')}\n`);
    }
    expect(refusal(JSON.stringify(damaged), 'plan.json')).toContain('changes[1].details.to must be a string');
  });

  it('plan: asks the package of the tenantctl that ran (its root\'s parseSavedPlan), not its own reading of the file', async () => {
    const installed = runnerWithStandIn({ delegate: false });
    const root = path.join(installed.standIn, 'index.mjs');
    // A tenantctl whose reader refuses everything: a sound plan is then no plan.
    writeFileSync(root, 'export function parseSavedPlan(text, file) { throw new Error(`${file}: refused by the installed tenantctl`); }\n');
    const refused = await act({ command: 'plan', 'plan-file': 'plan.json' }, { exit: 2 }, temp('workspace-'), installed);
    expect(refused.run.outputs).toMatchObject({ 'exit-code': '1', planned: 'false', 'has-changes': 'false' });
    expect(refused.run.stdout).toContain('::error::plan.json: refused by the installed tenantctl\n');

    // One whose reader finds changes where the file lists none: has-changes is its answer.
    writeFileSync(root, 'export function parseSavedPlan() { return { changes: [{}] }; }\n');
    const answered = await act({ command: 'plan', 'plan-file': 'plan.json' }, { exit: 0 }, temp('workspace-'), installed);
    expect(answered.run.outputs).toMatchObject({ 'exit-code': '0', planned: 'true', 'has-changes': 'true' });

    // One without the export (an older release): the action says so, and there is no plan.
    writeFileSync(root, 'export const somethingElse = 1;\n');
    const older = await act({ command: 'plan', 'plan-file': 'plan.json' }, { exit: 2 }, temp('workspace-'), installed);
    expect(older.run.outputs).toMatchObject({ 'exit-code': '1', planned: 'false' });
    expect(older.run.stdout).toContain('::error::this tenantctl does not export parseSavedPlan');
  });

  it('apply with plan-file: the saved plan, the policy it was made from as --policy, --format json, then args; has-changes and the log\'s summary from apply\'s JSON result (the output result-file)', async () => {
    const workspace = temp('workspace-');
    writeFileSync(path.join(workspace, 'reviewed.json'), '{}');
    const result = standInApplyResult(['applied', 'applied']);
    const applied = await act({ command: 'apply', 'plan-file': 'reviewed.json', policy: 'tenant/a tenant/b', args: '--auto-approve --audit-log audit.jsonl' }, { stdout: result }, workspace);
    expect(applied.argv).toEqual([['apply', 'reviewed.json', '--policy', 'tenant/a', 'tenant/b', '--format', 'json', '--auto-approve', '--audit-log', 'audit.jsonl']]);
    expect(applied.run.outputs).toMatchObject({ 'exit-code': '0', 'has-changes': 'true', planned: 'false', 'plan-file': path.join(realpathSync(workspace), 'reviewed.json') });
    expect(applied.run.outputs['result-file']).toBe(applied.run.outputs['stdout-file']);
    expect(readFileSync(applied.run.outputs['result-file'] ?? '', 'utf8')).toBe(result);
    expect(applied.run.stdout).toContain('Applied 2 changes (set-usage-location 2), 0 failed, 0 skipped.\n');

    // Nothing applied, whatever this run's audit log lines say: apply's result counts, not the audit log.
    const auditLine = `${JSON.stringify({ time: '2026-11-22T00:00:00Z', action: 'restore-user', userPrincipalName: 'alice@contoso.com', outcome: 'applied' })}\n`;
    const nothing = await act({ command: 'apply', 'plan-file': 'reviewed.json', args: '--auto-approve --audit-log audit.jsonl' }, { stdout: standInApplyResult([]), audit: auditLine }, workspace);
    expect(readFileSync(path.join(workspace, 'audit.jsonl'), 'utf8')).toBe(auditLine);
    expect(nothing.run.outputs).toMatchObject({ 'exit-code': '0', 'has-changes': 'false' });
    expect(nothing.run.stdout).toContain('Applied 0 changes, 0 failed, 0 skipped.\n');

    // A refusal prints no result: nothing was applied, and there is no result-file.
    const refused = await act({ command: 'apply', 'plan-file': 'reviewed.json', args: '--auto-approve' }, { exit: 1, stderr: 'Nothing was changed.\n' }, workspace);
    expect(refused.run.exitCode).toBe(1);
    expect(refused.run.outputs).toMatchObject({ 'exit-code': '1', 'has-changes': 'false', 'result-file': '' });
    expect(readFileSync(refused.run.outputs['stderr-file'] ?? '', 'utf8')).toBe('Nothing was changed.\n');
  });

  it('apply that applies part of the plan and exits 1 (a change failed, or the plan has errors): the step fails, has-changes is true, the log says what was not applied', async () => {
    const workspace = temp('workspace-');
    writeFileSync(path.join(workspace, 'reviewed.json'), '{}');
    const partial = await act({ command: 'apply', 'plan-file': 'reviewed.json', args: '--auto-approve' }, { exit: 1, stdout: standInApplyResult(['applied', 'failed', 'skipped'], { errors: 1 }) }, workspace);
    expect(partial.run.exitCode).toBe(1);
    expect(partial.run.outputs).toMatchObject({ 'exit-code': '1', 'has-changes': 'true' });
    expect(partial.run.outputs['result-file']).not.toBe('');
    expect(partial.run.stdout).toContain('Applied 1 change (set-usage-location 1), 1 failed, 1 skipped; 1 error in the plan: what it names was not applied.\n');

    const allFailed = await act({ command: 'apply', 'plan-file': 'reviewed.json', args: '--auto-approve' }, { exit: 1, stdout: standInApplyResult(['failed', 'skipped']) }, workspace);
    expect(allFailed.run.outputs).toMatchObject({ 'exit-code': '1', 'has-changes': 'false' });
  });

  it('apply whose output is not its result (none on exit 0, not JSON, another formatVersion) fails the step, saying so; --format in args is refused before tenantctl runs', async () => {
    const other = { ...(JSON.parse(standInApplyResult(['applied'])) as object), formatVersion: 2 };
    for (const [stdout, exit, says] of [
      // A blank: told nothing, the stand-in prints apply's document.
      [' ', 0, 'tenantctl apply exited 0, but printed no result (--format json)'],
      ['Apply complete: 1 restored.\n', 0, 'tenantctl apply exited 0, but its output is not JSON'],
      [JSON.stringify(other), 1, 'tenantctl apply exited 1, but its result has formatVersion 2; this action reads only 1'],
    ] as const) {
      const { run } = await act({ command: 'apply', args: '--auto-approve' }, { exit, stdout });
      expect(run.exitCode, stdout).toBe(1);
      expect(run.outputs, stdout).toMatchObject({ 'exit-code': '1', 'has-changes': 'false', 'result-file': '' });
      expect(run.stdout, stdout).toContain(`::error::${says}`);
    }

    for (const args of ['--auto-approve --format text', '--format=json']) {
      const { run, argv } = await act({ command: 'apply', args });
      expect(argv).toEqual([]);
      expect(run.outputs).toMatchObject({ 'exit-code': '1', 'has-changes': 'false', 'result-file': '' });
      expect(run.stdout).toContain('::error::The action runs apply with --format json (its result is the output result-file): leave --format out of args.');
    }
  });

  it('apply without plan-file plans the policy paths itself; the action adds no audit log of its own; other commands get no policy paths', async () => {
    const { run, argv } = await act({ command: 'apply', args: '--auto-approve' }, { stdout: standInApplyResult(['applied']) });
    expect(argv).toEqual([['apply', 'policies/', '--format', 'json', '--auto-approve']]);
    expect(run.outputs).toMatchObject({ 'exit-code': '0', 'has-changes': 'true', 'plan-file': '' });
    expect((await act({ command: 'export', args: '--out exported/' })).argv).toEqual([['export', '--out', 'exported/']]);
  });

  it('runs in working-directory', async () => {
    const workspace = temp('workspace-');
    mkdirSync(path.join(workspace, 'tenants', 'contoso'), { recursive: true });
    const { cwd } = await act({ command: 'validate', 'working-directory': 'tenants/contoso' }, {}, workspace);
    expect(cwd).toEqual([path.join(realpathSync(workspace), 'tenants', 'contoso')]);
  });

  it('hands inputs to tenantctl as words: no command substitution, variable, quote or glob is interpreted', async () => {
    const workspace = temp('workspace-');
    writeFileSync(path.join(workspace, 'a.yaml'), '');
    const { argv } = await act({ command: 'validate', policy: '$(touch pwned) `touch pwned` "$HOME" *.yaml', args: ";touch pwned2 '--x'" }, {}, workspace);
    expect(argv).toEqual([['validate', '$(touch', 'pwned)', '`touch', 'pwned`', '"$HOME"', '*.yaml', ';touch', 'pwned2', "'--x'"]]);
    expect(existsSync(path.join(workspace, 'pwned'))).toBe(false);
    expect(existsSync(path.join(workspace, 'pwned2'))).toBe(false);
  });
});
