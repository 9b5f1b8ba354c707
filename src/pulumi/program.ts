import * as pulumi from '@pulumi/pulumi';
// Not re-exported by @pulumi/pulumi: whether a config value is a secret (Config.get warns, but does not tell).
import * as pulumiConfig from '@pulumi/pulumi/runtime/config.js';
import type { DesiredPrincipal } from '../domain/desired.ts';
import { DEFAULT_POLICY_PATHS, loadPolicy } from '../policy/load.ts';
import { digestPolicy } from '../engine/digest.ts';
import { renderValidationText } from '../render/diagnostics.ts';
import type { AzureAdView } from './azuread-checks.ts';
import { azureAdFindings, readAzureAdView } from './azuread-checks.ts';
import { principalInputs } from './inputs.ts';
import { principalProvider } from './provider.ts';
import { TenantMailbox, TenantUser } from './resources.ts';
import { CONFIG_NAMESPACE } from './config.ts';

/**
 * Declares a tenant's users and mailboxes as Pulumi resources, from its tenantctl policy: reads the
 * policy, validates it as `tenantctl validate` does, and declares one resource per principal, all
 * sharing one provider object, hence one bulk read of the tenant per Pulumi run. Call it from the
 * tenant repository's own Pulumi program (docs/pulumi.md):
 *
 *   import { declareTenant } from 'tenantctl/pulumi';
 *   export default () => declareTenant();
 *
 * It never talks to Graph itself. Stack config, in the `tenantctl` namespace: `policies`, `graphUrl`,
 * `cloud`, `tenantId`, `clientId`, `clientSecret` (secret), `azureadChecks`; connection keys are read
 * by the provider, with the CLI's environment variables when they are absent.
 */
export interface DeclareTenantOptions {
  /** Policy files or directories, relative to `cwd`; default stack config `tenantctl:policies`, else policies/. */
  readonly policies?: readonly string[];
  /** The project directory; policy paths are relative to it. Default: the working directory (where Pulumi runs the program). */
  readonly cwd?: string;
  /** Tests pass a provider that captures nothing; the default is the real one. */
  readonly provider?: pulumi.dynamic.ResourceProvider;
  /** Tests pass the azuread view; the default asks the azuread provider. */
  readonly readAzureAd?: () => Promise<AzureAdView>;
}

export interface TenantStackOutputs {
  readonly policyDigest: string;
  readonly users: number;
  readonly mailboxes: number;
  readonly licenseSets: readonly string[];
}

export async function declareTenant(options: DeclareTenantOptions = {}): Promise<TenantStackOutputs> {
  // Pulumi's SDK records a stack trace for every promise it makes (for its leak report) and the run
  // harness source-maps each one: with 10,000 principals that was two thirds of a preview (108 s → 38 s
  // without it; bench/RESULTS.md). The program process only declares resources, and Pulumi's errors
  // carry no stack (RunError), so traces are off in it unless TENANTCTL_PULUMI_STACK_TRACES=1.
  if (process.env.TENANTCTL_PULUMI_STACK_TRACES !== '1') Error.stackTraceLimit = 0;
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const paths = options.policies ? [...options.policies] : policyPaths(config);
  refusePlainSecret(config);
  const cwd = options.cwd ?? process.cwd();

  const policy = await loadPolicy(paths, { cwd });
  const desired = policy.desired;
  if (!desired) {
    throw new pulumi.RunError(`The policy at ${paths.join(', ')} is invalid; nothing was declared:\n${renderValidationText({ diagnostics: policy.diagnostics, files: policy.files }, { color: false })}`);
  }
  for (const d of policy.diagnostics) if (d.severity === 'warning') pulumi.log.warn(`${d.location ? `${d.location.file}:${d.location.line ?? 1}: ` : ''}${d.message} [${d.code}]`);

  if (config.getBoolean('azureadChecks') === true) {
    const findings = azureAdFindings(desired, await (options.readAzureAd ?? readAzureAdView)());
    if (findings.length > 0) throw new pulumi.RunError(`The azuread checks failed:\n${findings.map((f) => `- ${f}`).join('\n')}`);
  }

  const provider = options.provider ?? principalProvider();
  const digest = digestPolicy(desired);
  // A principal whose declared manager is also declared depends on the manager's resource: a manager the
  // same run creates or restores exists before the manager reference to it is set.
  const declared = new Map<string, pulumi.Resource>();
  for (const principal of managersFirst(desired.principals)) {
    const inputs = principalInputs(desired, principal, paths, digest);
    const manager = typeof principal.manager === 'string' ? declared.get(principal.manager) : undefined;
    const opts = manager === undefined ? undefined : { dependsOn: [manager] };
    const resource = principal.kind === 'user' ? new TenantUser(principal.userPrincipalName, inputs, provider, opts) : new TenantMailbox(principal.userPrincipalName, inputs, provider, opts);
    declared.set(principal.userPrincipalName, resource);
  }
  const users = desired.principals.filter((p) => p.kind === 'user').length;
  return { policyDigest: digest, users, mailboxes: desired.principals.length - users, licenseSets: [...desired.licenseSets.keys()] };
}

/**
 * The principals in declaration order, except that a declared manager comes before the principals it
 * manages. In a cycle of managers (Entra allows one) the dependency that would close the cycle is left out.
 */
export function managersFirst(principals: readonly DesiredPrincipal[]): DesiredPrincipal[] {
  const byUpn = new Map(principals.map((p) => [p.userPrincipalName, p]));
  const ordered: DesiredPrincipal[] = [];
  const seen = new Set<string>();
  const visit = (principal: DesiredPrincipal): void => {
    if (seen.has(principal.userPrincipalName)) return;
    seen.add(principal.userPrincipalName);
    const manager = typeof principal.manager === 'string' ? byUpn.get(principal.manager) : undefined;
    if (manager !== undefined) visit(manager);
    ordered.push(principal);
  };
  for (const principal of principals) visit(principal);
  return ordered;
}

function policyPaths(config: pulumi.Config): string[] {
  const configured = config.getObject<unknown>('policies');
  if (configured === undefined) return [...DEFAULT_POLICY_PATHS];
  if (typeof configured === 'string' && configured !== '') return [configured];
  if (Array.isArray(configured) && configured.length > 0 && configured.every((p) => typeof p === 'string' && p !== '')) return configured as string[];
  throw new pulumi.RunError('tenantctl:policies must be a path or a list of paths relative to the project, e.g. `pulumi config set --path "tenantctl:policies[0]" policies/`');
}

/** A client secret in plain stack config would sit unencrypted in Pulumi.<stack>.yaml: refuse it. */
function refusePlainSecret(config: pulumi.Config): void {
  const key = `${config.name}:clientSecret`;
  const isConfigSecret = (pulumiConfig as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
  if (typeof isConfigSecret !== 'function') throw new pulumi.RunError('this version of @pulumi/pulumi cannot tell secret config from plain config; pin @pulumi/pulumi ^3.270');
  if (pulumi.runtime.allConfig()[key] !== undefined && !isConfigSecret(key)) {
    throw new pulumi.RunError(`${key} is stored in plain text; set it with \`pulumi config set --secret ${key}\` (or use AZURE_CLIENT_SECRET or workload identity instead)`);
  }
}
