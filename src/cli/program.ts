import { Command, CommanderError, Option } from 'commander';
import type { ExitCode, Outcome } from './exit-codes.ts';
import { exitCodeFor } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import type { ValidateFormat } from './validate.ts';
import type { EmulatorCommandOptions } from './emulator.ts';
import type { ApplyCommandOptions } from './apply.ts';
import type { PlanCommandOptions } from './plan.ts';
import type { ExportCommandOptions } from './export.ts';
import type { ShowCommandOptions } from './show.ts';
import type { WatchCommandOptions } from './watch.ts';
import type { TenantsOptions } from './many-tenants.ts';
import type { RequestLog } from '../tenant/graph/request-log.ts';
import type { GraphConnection } from '../tenant/graph/index.ts';
import { describeFailure } from './failures.ts';
import { LOG_FORMATS, LOG_LEVELS, logSettings, requestLogFor } from './log.ts';
import packageJson from '../../package.json' with { type: 'json' };

interface ConnectionFlags {
  readonly graphUrl?: string;
  readonly cloud?: string;
  /** `--log-level` (default TENANTCTL_LOG, else warn): at debug, one line per Graph request on stderr. */
  readonly logLevel?: string;
  /** `--log-format`: text lines, or JSON lines. */
  readonly logFormat?: string;
}

/** The logging options of every command that talks to Microsoft Graph (docs/cli-reference.md). */
function withLogOptions(command: Command): Command {
  return command
    .addOption(new Option('--log-level <level>', 'what to log on stderr (default TENANTCTL_LOG, else warn); debug: one line per Graph request').choices(LOG_LEVELS))
    .addOption(new Option('--log-format <format>', 'log lines as text or as JSON lines').choices(LOG_FORMATS).default('text'));
}

/** `--tenants DIR`, `--only-tenant NAME` (repeatable) and `--concurrency N` of the commands that run in many tenants (docs/many-tenants.md). */
function withTenantsOptions(command: Command, { concurrency = true } = {}): Command {
  const withTenants = command
    .option('--tenants <dir>', 'run in every tenant folder under DIR (tenants/<name>/), each with its own policy and credentials; one report')
    .addOption(new Option('--only-tenant <name>', 'with --tenants: only this tenant; repeatable').argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]));
  return concurrency ? withTenants.option('--concurrency <n>', 'with --tenants: tenants run at once (default 4)') : withTenants;
}

/** `--only UPN` (repeatable) of plan and apply: a partial plan for these principals. */
const ONLY_OPTION = new Option('--only <upn>', 'plan (and apply) only this principal; repeatable; seats are still counted across the whole policy').argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);

/**
 * The Graph adapter for `--graph-url` / `--cloud` and the environment. Loaded on demand, as each
 * command's module is below: the Graph SDK and @azure/identity (and, for demo and emulator, the
 * emulator) cost about a second at start-up, which validate and --help should not pay.
 */
async function connect(io: CliIo, flags: ConnectionFlags, wrapLog?: (inner: RequestLog | undefined) => RequestLog): Promise<GraphConnection> {
  const settings = logSettings(flags, io.env);
  if ('problem' in settings) {
    // A usage mistake, like an unknown --log-level: said before anything is read or changed (exit 1).
    io.stderr.write(`error: ${settings.problem}\n`);
    throw new CommanderError(1, 'tenantctl.invalidLogLevel', settings.problem);
  }
  const { connectGraphTenant } = await import('../tenant/graph/index.ts');
  const inner = requestLogFor(settings, io);
  const log = wrapLog === undefined ? inner : wrapLog(inner);
  return connectGraphTenant({ env: io.env, ...(flags.graphUrl ? { graphUrl: flags.graphUrl } : {}), ...(flags.cloud ? { cloud: flags.cloud } : {}), ...(log === undefined ? {} : { log }) });
}

const TENANTCTL_VERSION: string = packageJson.version;

/**
 * `--format` of a command that prints a result: one of `formats`, the first being the default. Any
 * other value is refused before the command runs, naming the choices (a usage error, exit 1).
 */
function formatOption(formats: readonly [string, ...string[]]): Option {
  return new Option('--format <format>', 'output format').choices(formats).default(formats[0]);
}

/** Runs one tenantctl command line and returns its exit code. Never exits the process itself. */
export async function runCli(args: readonly string[], io: CliIo): Promise<ExitCode> {
  let outcome: Outcome = { kind: 'success' };
  const program = new Command()
    .name('tenantctl')
    .description('Keep a Microsoft 365 / Entra ID tenant where Git says it must be: restore, don\'t re-create.')
    .version(TENANTCTL_VERSION, '-v, --version', 'print the tenantctl version')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showSuggestionAfterError()
    .allowExcessArguments(false);

  program
    .command('validate')
    .description('check policy files offline: every problem with file:line:col (exit 0 valid, 1 invalid)')
    .argument('[paths...]', 'policy files or directories (default: policies/)')
    .addOption(formatOption(['text', 'json']))
    .option('--tenants <dir>', 'validate every tenant folder of DIR (tenants/<name>/, each with its tenant.id and includes) on its own')
    .addOption(new Option('--only-tenant <name>', 'with --tenants: only this tenant; repeatable').argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]))
    .action(async (paths: string[] | undefined, options: { format: ValidateFormat; tenants?: string; onlyTenant?: string[] }) => {
      const { runValidate } = await import('./validate.ts');
      outcome = await runValidate(paths ?? [], options.format, io, { ...(options.tenants === undefined ? {} : { tenants: options.tenants }), ...(options.onlyTenant === undefined ? {} : { onlyTenant: options.onlyTenant }) });
    });

  withLogOptions(withTenantsOptions(program
    .command('plan')
    .description('show what apply would change in the tenant, for review (exit 0, 2 with changes and --detailed-exitcode, 1 on errors)')
    .argument('[paths...]', 'policy files or directories (default: policies/)')
    .addOption(formatOption(['text', 'markdown', 'json']))
    .option('--out <file>', 'also save the plan as JSON, for tenantctl apply')
    .option('--detailed-exitcode', 'exit 2 when there are changes (0 when none)', false)
    .option('--graph-url <url>', 'Microsoft Graph base URL (default TENANTCTL_GRAPH_URL, else the cloud’s); a loopback URL means the emulator')
    .addOption(new Option('--cloud <cloud>', 'national cloud (default TENANTCTL_CLOUD, else global)').choices(['global', 'usgov', 'usgov-dod', 'china']))
    .addOption(ONLY_OPTION)))
    .action(async (paths: string[] | undefined, options: PlanCommandOptions & ConnectionFlags & Partial<TenantsOptions>) => {
      const { runPlanCommand } = await import('./plan.ts');
      if (options.tenants !== undefined) {
        if ((paths ?? []).length > 0 || options.out !== undefined || options.only !== undefined) {
          io.stderr.write('error: plan --tenants reads each tenant\'s folder: give no PATH, --out or --only with it\n');
          outcome = { kind: 'usage-error' };
          return;
        }
        const { runInTenants } = await import('./many-tenants.ts');
        outcome = await runInTenants('plan', { ...options, tenants: options.tenants }, options.format, options.detailedExitcode, io, async (tenantIo, folder, counts, policy) =>
          runPlanCommand([folder.path], options, tenantIo, (await connect(tenantIo, options)).tenant, (plan) => counts.plan(plan), policy));
        return;
      }
      const connection = await connect(io, options);
      if (io.stderr.isTTY) io.stderr.write(`Reading the tenant (${connection.description})…\n`);
      outcome = await runPlanCommand(paths ?? [], options, io, connection.tenant);
    });

  withLogOptions(withTenantsOptions(program
    .command('watch')
    .description('keep the tenant where the policy says, continuously: follow Graph\'s changes, heal what the policy\'s watch section allows, report the rest (docs/watch.md)')
    .argument('[paths...]', 'policy files or directories (default: policies/); read again when their content changes')
    .option('--interval <duration>', 'how often to ask Graph what changed (500ms, 30s, 5m)', '30s')
    .option('--full-read-every <duration>', 'read the whole tenant again this often', '24h')
    .option('--port <port>', 'serve /healthz, /readyz and /metrics on this port (none without it)')
    .option('--host <address>', 'the address the port listens on (0.0.0.0 in a container)', '127.0.0.1')
    .option('--dry-run', 'report what would be healed; write nothing', false)
    .option('--audit-log <file>', 'append one JSON line per healing write, as apply does')
    .option('--graph-url <url>', 'Microsoft Graph base URL (default TENANTCTL_GRAPH_URL, else the cloud’s); a loopback URL means the emulator')
    .addOption(new Option('--cloud <cloud>', 'national cloud (default TENANTCTL_CLOUD, else global)').choices(['global', 'usgov', 'usgov-dod', 'china'])), { concurrency: false }))
    .action(async (paths: string[] | undefined, options: WatchCommandOptions & ConnectionFlags) => {
      if (options.tenants !== undefined && (paths ?? []).length > 0) {
        io.stderr.write('error: watch --tenants watches each tenant\'s folder: give no PATH with it\n');
        outcome = { kind: 'usage-error' };
        return;
      }
      const { runWatchCommand } = await import('./watch.ts');
      outcome = await runWatchCommand(paths ?? [], options, io, (watcherIo, wrapLog) => connect(watcherIo, options, wrapLog));
    });

  withLogOptions(program
    .command('export')
    .description('write a policy describing today\'s tenant (adoption): validate accepts it and plan finds it converged')
    .option('--out <dir>', 'directory to write 00-tenant.yaml and people.yaml into (default: policies.exported/)')
    .option('--force', 'overwrite files the directory already holds', false)
    .option('--graph-url <url>', 'Microsoft Graph base URL (default TENANTCTL_GRAPH_URL, else the cloud’s); a loopback URL means the emulator')
    .addOption(new Option('--cloud <cloud>', 'national cloud (default TENANTCTL_CLOUD, else global)').choices(['global', 'usgov', 'usgov-dod', 'china'])))
    .action(async (options: ExportCommandOptions & ConnectionFlags) => {
      const { runExportCommand } = await import('./export.ts');
      const connection = await connect(io, options);
      if (io.stderr.isTTY) io.stderr.write(`Reading the tenant (${connection.description})…\n`);
      outcome = await runExportCommand(options, io, connection.tenant);
    });

  withLogOptions(withTenantsOptions(program
    .command('apply')
    .description('apply a reviewed plan: a saved PLAN.json exactly (refused when stale), or plan PATH... and confirm')
    .argument('[planOrPaths...]', 'a plan saved by plan --out, or policy files or directories (default: policies/)')
    .addOption(formatOption(['text', 'json']))
    .option('--auto-approve', 'do not ask for confirmation (pipelines)', false)
    .option('--max-changes <n>', 'refuse a plan with more changes than this (blast-radius guard)')
    .option('--allow-license-removals', 'apply a plan that removes licenses from more than 10 principals and a tenth of those declared')
    .option('--audit-log <file>', 'append one JSON line per change: time, action, principal, outcome, request id')
    .option('--policy <paths...>', 'with a saved plan: the policy to compare it with (default: the paths the plan records, else policies/)')
    .option('--graph-url <url>', 'Microsoft Graph base URL (default TENANTCTL_GRAPH_URL, else the cloud’s)')
    .addOption(new Option('--cloud <cloud>', 'national cloud (default TENANTCTL_CLOUD, else global)').choices(['global', 'usgov', 'usgov-dod', 'china']))
    .addOption(ONLY_OPTION)))
    .action(async (args: string[] | undefined, options: ApplyCommandOptions & ConnectionFlags & Partial<TenantsOptions>) => {
      const { runApplyCommand } = await import('./apply.ts');
      if (options.tenants !== undefined) {
        if (!options.autoApprove) {
          io.stderr.write('error: apply --tenants needs --auto-approve: each tenant\'s plan is shown in the report only after it ran; review plans with plan --tenants (or one job per tenant) first\n');
          outcome = { kind: 'usage-error' };
          return;
        }
        if ((args ?? []).length > 0 || options.only !== undefined || options.policy !== undefined || options.auditLog !== undefined) {
          io.stderr.write('error: apply --tenants plans and applies each tenant\'s folder: give no PLAN or PATH, --only, --policy or --audit-log with it\n');
          outcome = { kind: 'usage-error' };
          return;
        }
        const { runInTenants } = await import('./many-tenants.ts');
        outcome = await runInTenants('apply', { ...options, tenants: options.tenants }, options.format === 'json' ? 'json' : 'text', false, io, async (tenantIo, folder, counts, policy) =>
          runApplyCommand([folder.path], options, tenantIo, (await connect(tenantIo, options)).tenant, (report) => counts.applied(report), policy));
        return;
      }
      const connection = await connect(io, options);
      outcome = await runApplyCommand(args ?? [], options, io, connection.tenant);
    });

  program
    .command('show')
    .description('print a saved plan (plan --out) for review, without reading the tenant')
    .argument('<plan>', 'a plan saved by plan --out')
    .addOption(formatOption(['text', 'markdown', 'json']))
    .action(async (planFile: string, options: ShowCommandOptions) => {
      const { runShowCommand } = await import('./show.ts');
      outcome = await runShowCommand(planFile, options, io);
    });

  program
    .command('tenants')
    .description('list the tenants of a many-tenant repository (tenants/<name>/), or print them as a GitHub Actions strategy.matrix (offline)')
    .option('--tenants <dir>', 'the folder holding one folder per tenant', 'tenants/')
    .option('--matrix', 'print one JSON line {"include":[{"tenant","tenantId","path"},…]} for strategy.matrix', false)
    .option('--changed-since <ref>', 'only the tenants whose folder, or a file they include, changed between this Git revision and the working tree')
    .action(async (options: { tenants: string; matrix: boolean; changedSince?: string }) => {
      const { runTenantsCommand } = await import('./tenants.ts');
      outcome = await runTenantsCommand(options, io);
    });

  program
    .command('emulator')
    .description('run the local Microsoft Graph emulator on 127.0.0.1 (prints "listening on URL" first)')
    .option('--seed <file>', 'a seed file: the tenant in Graph shapes (docs/emulator.md §3)')
    .option('--synthetic <spec>', 'a generated tenant instead, e.g. users=100000,deleted=5000,skus=20,seed=7')
    .option('--port <n>', 'port; 0 picks a free one', '8787')
    .action(async (options: EmulatorCommandOptions) => {
      const { runEmulatorCommand } = await import('./emulator.ts');
      outcome = await runEmulatorCommand(options, io);
    });

  program
    .command('demo')
    .description('plan → apply → plan against an embedded emulator holding a drifted copy of the policies/ tenant (no network, no credentials)')
    .action(async () => {
      const { runDemo } = await import('./demo/command.ts');
      outcome = await runDemo(io);
    });

  // No arguments: the help, as a successful answer to "what can this do?".
  if (args.length === 0) {
    io.stdout.write(program.helpInformation());
    return exitCodeFor({ kind: 'success' });
  }
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too, successfully.
      return error.exitCode === 0 ? exitCodeFor({ kind: 'success' }) : exitCodeFor({ kind: 'usage-error' });
    }
    const failure = describeFailure(error);
    if (failure !== undefined) {
      io.stderr.write(`tenantctl: ${failure}\n`);
      return exitCodeFor({ kind: 'invalid-input' });
    }
    io.stderr.write(`tenantctl: internal error (this is a bug in tenantctl; please report it): ${error instanceof Error ? error.message : String(error)}\n`);
    if (io.env.TENANTCTL_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return exitCodeFor({ kind: 'internal-error' });
  }
  return exitCodeFor(outcome);
}
