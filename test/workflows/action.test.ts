/**
 * The composite action (action.yml), run by test/support/composite-action.ts as a runner would:
 * it installs with npm the tenantctl of its own release (or the `version` asked for) under
 * RUNNER_TEMP, builds tenantctl's command line from its inputs without letting a shell read them, and
 * reports the exit code, whether there were changes, the saved plan and the output files; exit 1
 * fails the step, a plan's changes do not. tenantctl itself is a recording stand-in here
 * (test/support/workflow-commands.ts); workflows.test.ts runs the real one through the same action.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCompositeAction, runCompositeAction } from '../support/composite-action.ts';
import type { CompositeRun } from '../support/composite-action.ts';
import { recordedInvocations, tenantctlStandIn } from '../support/workflow-commands.ts';
import { expressionsIn, packageVersion, repo } from './workflow-jobs.ts';

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
    expect(Object.keys(action.outputs ?? {}).sort()).toEqual(['exit-code', 'has-changes', 'plan-file', 'stderr-file', 'stdout-file']);
  });
});

describe('installing tenantctl', () => {
  /** A fake npm on PATH: records its arguments and "installs" a tenantctl that prints its version. */
  function fakeNpm(): { dir: string; log: string } {
    const dir = temp('fake-npm-');
    const log = path.join(dir, 'calls');
    writeFileSync(path.join(dir, 'npm'), [
      '#!/usr/bin/env bash',
      'set -euo pipefail',
      `printf '%s\\n' "$*" >> ${JSON.stringify(log)}`,
      'prefix="$3"',
      'mkdir -p "$prefix/node_modules/.bin"',
      'printf \'#!/usr/bin/env bash\\necho 9.9.9\\n\' > "$prefix/node_modules/.bin/tenantctl"',
      'chmod +x "$prefix/node_modules/.bin/tenantctl"',
      '',
    ].join('\n'), { mode: 0o755 });
    return { dir, log };
  }

  const install = async (npm: { dir: string }, runnerTemp: string, inputs: Record<string, string> = {}): Promise<CompositeRun> =>
    runCompositeAction({ actionDir: repo, inputs: { command: 'validate', ...inputs }, env: { PATH: `${npm.dir}${path.delimiter}${process.env.PATH ?? ''}` }, workspace: temp('workspace-'), runnerTemp });

  it('installs the tenantctl of its own release (package.json beside action.yml) under RUNNER_TEMP, puts it on PATH, and reuses it within the job', async () => {
    const npm = fakeNpm();
    const runnerTemp = temp('runner-temp-');
    const run = await install(npm, runnerTemp);
    expect(run.steps[1]?.outcome).toBe('success');
    const calls = () => readFileSync(npm.log, 'utf8').trim().split('\n');
    expect(calls()).toEqual([`install --prefix ${runnerTemp}/tenantctl --no-save --no-audit --no-fund tenantctl@${packageVersion}`]);
    expect(run.stdout).toContain(`Installed tenantctl@${packageVersion}: tenantctl 9.9.9`);
    // The run step found the installed tenantctl on PATH.
    expect(run.steps[2]?.stdout).toContain('tenantctl validate policies/');
    await install(npm, runnerTemp);
    expect(calls()).toHaveLength(1);
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
    standIn = tenantctlStandIn(temp('tenantctl-stand-in-'), { delegate: false });
    runnerTemp = temp('runner-temp-');
  });

  interface Told {
    readonly exit?: number;
    readonly stdout?: string;
    readonly stderr?: string;
  }

  /** Runs the action with the stand-in (one npm install for all: same RUNNER_TEMP and spec); returns the run and the command lines it got. */
  async function act(inputs: Record<string, string>, told: Told = {}, workspace = temp('workspace-')): Promise<{ run: CompositeRun; argv: string[][]; cwd: string[]; workspace: string }> {
    const log = path.join(temp('argv-'), 'log');
    const run = await runCompositeAction({
      actionDir: repo,
      inputs: { version: standIn, ...inputs },
      env: { TENANTCTL_ARGV_LOG: log, FAKE_TENANTCTL_EXIT: String(told.exit ?? 0), FAKE_TENANTCTL_STDOUT: told.stdout ?? '', FAKE_TENANTCTL_STDERR: told.stderr ?? '' },
      workspace,
      runnerTemp,
    });
    const recorded = recordedInvocations(log);
    return { run, argv: recorded.map((r) => [...r.args]), cwd: recorded.map((r) => r.cwd), workspace };
  }

  it('validate: the policy paths (split on spaces and new lines), then args', async () => {
    const { run, argv } = await act({ command: 'validate', policy: 'policies/  shared/extra.yaml\nmore/', args: '--format json' }, { stdout: 'Valid: 1 file.\n' });
    expect(argv).toEqual([['validate', 'policies/', 'shared/extra.yaml', 'more/', '--format', 'json']]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ 'exit-code': '0', 'has-changes': 'false', 'plan-file': '' });
    expect(readFileSync(run.outputs['stdout-file'] ?? '', 'utf8')).toBe('Valid: 1 file.\n');
  });

  it('plan: saves the plan with --out and always asks for --detailed-exitcode; changes (exit 2) are reported, not a failure', async () => {
    const { run, argv, workspace } = await act({ command: 'plan', 'plan-file': 'plan.json', args: '--format markdown' }, { exit: 2, stdout: '## Plan: 1 to restore\n', stderr: 'warning  missing-permission …\n' });
    expect(argv).toEqual([['plan', 'policies/', '--out', 'plan.json', '--detailed-exitcode', '--format', 'markdown']]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ 'exit-code': '2', 'has-changes': 'true', 'plan-file': path.join(realpathSync(workspace), 'plan.json') });
    expect(readFileSync(run.outputs['stdout-file'] ?? '', 'utf8')).toBe('## Plan: 1 to restore\n');
    expect(readFileSync(run.outputs['stderr-file'] ?? '', 'utf8')).toBe('warning  missing-permission …\n');
    expect(run.stdout).toContain('## Plan: 1 to restore');
  });

  it('plan: no changes (exit 0) is has-changes false; an error (exit 1) fails the step but still sets the outputs', async () => {
    const none = await act({ command: 'plan', 'plan-file': 'plan.json' });
    expect(none.run.exitCode).toBe(0);
    expect(none.run.outputs).toMatchObject({ 'exit-code': '0', 'has-changes': 'false' });

    // An older plan.json is not taken for this run's plan.
    const workspace = temp('workspace-');
    writeFileSync(path.join(workspace, 'plan.json'), '{"old": true}');
    const error = await act({ command: 'plan', 'plan-file': 'plan.json' }, { exit: 1, stderr: 'error  yaml-syntax …\n' }, workspace);
    expect(error.argv).toEqual([['plan', 'policies/', '--out', 'plan.json', '--detailed-exitcode']]);
    expect(error.run.exitCode).toBe(1);
    expect(error.run.steps[2]?.outcome).toBe('failure');
    expect(error.run.outputs).toMatchObject({ 'exit-code': '1', 'has-changes': 'false', 'plan-file': '' });
    expect(readFileSync(error.run.outputs['stderr-file'] ?? '', 'utf8')).toBe('error  yaml-syntax …\n');
  });

  it('apply with plan-file: the saved plan, the policy it was made from as --policy, then args; has-changes when something was applied', async () => {
    const workspace = temp('workspace-');
    writeFileSync(path.join(workspace, 'reviewed.json'), '{}');
    const applied = await act({ command: 'apply', 'plan-file': 'reviewed.json', policy: 'tenant/a tenant/b', args: '--auto-approve --audit-log audit.jsonl' }, { stdout: 'Apply complete: 2 restored.\n' }, workspace);
    expect(applied.argv).toEqual([['apply', 'reviewed.json', '--policy', 'tenant/a', 'tenant/b', '--auto-approve', '--audit-log', 'audit.jsonl']]);
    expect(applied.run.outputs).toMatchObject({ 'exit-code': '0', 'has-changes': 'true', 'plan-file': path.join(realpathSync(workspace), 'reviewed.json') });

    const nothing = await act({ command: 'apply', 'plan-file': 'reviewed.json', args: '--auto-approve' }, { stdout: 'Nothing to apply.\n' }, workspace);
    expect(nothing.run.outputs).toMatchObject({ 'exit-code': '0', 'has-changes': 'false' });

    const refused = await act({ command: 'apply', 'plan-file': 'reviewed.json', args: '--auto-approve' }, { exit: 1, stderr: 'Nothing was changed.\n' }, workspace);
    expect(refused.run.exitCode).toBe(1);
    expect(refused.run.outputs).toMatchObject({ 'exit-code': '1', 'has-changes': 'false' });
  });

  it('apply without plan-file plans the policy paths itself; other commands get no policy paths', async () => {
    expect((await act({ command: 'apply', args: '--auto-approve' })).argv).toEqual([['apply', 'policies/', '--auto-approve']]);
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
