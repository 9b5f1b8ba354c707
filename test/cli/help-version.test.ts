/**
 * `tenantctl` with no arguments, `--version`, `-v` and help (issue 14): no arguments is a question
 * ("what can this do?") answered with the help on stdout and exit 0; `-v` and `--version` print the
 * version; an unknown option stays a usage error (exit 1).
 */
import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { runTenantctl } from '../support/cli.ts';

const COMMANDS = ['validate', 'plan', 'export', 'apply', 'show', 'emulator', 'demo'];

describe('tenantctl start-up answers', () => {
  it('no arguments: the help, every command listed, on stdout, exit 0', async () => {
    const run = await runTenantctl([]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^Usage: tenantctl \[options\] \[command\]\n/u);
    for (const command of COMMANDS) expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'mu'));
    expect(run.stdout).toContain('-v, --version');
  });

  it('prints the same help for --help', async () => {
    const [none, help] = [await runTenantctl([]), await runTenantctl(['--help'])];
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(none.stdout);
  });

  it.each(['--version', '-v'])('%s prints the version and exits 0', async (flag) => {
    const run = await runTenantctl([flag]);
    expect([run.code, run.stdout, run.stderr]).toEqual([0, `${packageJson.version}\n`, '']);
  });

  it('-V (commander\'s default, not tenantctl\'s) is a usage error, exit 1, not the help', async () => {
    const run = await runTenantctl(['-V']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/unknown option '-V'/u);
  });

  it('show --help lists its formats and exits 0', async () => {
    const run = await runTenantctl(['show', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: tenantctl show \[options\] <plan>\n/u);
    expect(run.stdout).toContain('"text", "markdown", "json"');
  });
});
