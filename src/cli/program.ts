import { Command, CommanderError, Option } from 'commander';
import type { ExitCode, Outcome } from './exit-codes.ts';
import { exitCodeFor } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import type { ValidateFormat } from './validate.ts';
import { runValidate } from './validate.ts';
import type { EmulatorCommandOptions } from './emulator.ts';
import { runEmulatorCommand } from './emulator.ts';
import packageJson from '../../package.json' with { type: 'json' };

const TENANTCTL_VERSION: string = packageJson.version;

/** Runs one tenantctl command line and returns its exit code. Never exits the process itself. */
export async function runCli(args: readonly string[], io: CliIo): Promise<ExitCode> {
  let outcome: Outcome = { kind: 'success' };
  const program = new Command()
    .name('tenantctl')
    .description('Keep a Microsoft 365 / Entra ID tenant where Git says it must be: restore, don\'t re-create.')
    .version(TENANTCTL_VERSION, '--version', 'print the tenantctl version')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showSuggestionAfterError()
    .allowExcessArguments(false);

  program
    .command('validate')
    .description('check policy files offline: every problem with file:line:col (exit 0 valid, 1 invalid)')
    .argument('[paths...]', 'policy files or directories (default: policies/)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (paths: string[] | undefined, options: { format: ValidateFormat }) => {
      outcome = await runValidate(paths ?? [], options.format, io);
    });

  program
    .command('emulator')
    .description('run the local Microsoft Graph emulator on 127.0.0.1 (prints "listening on URL" first)')
    .option('--seed <file>', 'a seed file: the tenant in Graph shapes (PRODUCT.md §4)')
    .option('--synthetic <spec>', 'a generated tenant instead, e.g. users=100000,deleted=5000,skus=20,seed=7')
    .option('--port <n>', 'port; 0 picks a free one', '8787')
    .action(async (options: EmulatorCommandOptions) => {
      outcome = await runEmulatorCommand(options, io);
    });

  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too, successfully.
      return error.exitCode === 0 ? exitCodeFor({ kind: 'success' }) : exitCodeFor({ kind: 'usage-error' });
    }
    io.stderr.write(`tenantctl: internal error (this is a bug in tenantctl; please report it): ${error instanceof Error ? error.message : String(error)}\n`);
    if (io.env.TENANTCTL_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return exitCodeFor({ kind: 'internal-error' });
  }
  return exitCodeFor(outcome);
}
