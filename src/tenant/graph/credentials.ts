import type { Cloud, GraphEndpoint } from './clouds.ts';
import { CLOUDS } from './clouds.ts';
import { CredentialConfigurationError } from './errors.ts';

/**
 * Which credential to use, decided from the standard `AZURE_*` environment variables, explicitly and
 * without probing the network (DefaultAzureCredential tries each in turn; this picks one and says
 * why). Pure: the environment is a parameter. Precedence, first match wins:
 *
 * 0. Graph on a loopback address (the emulator) and no `AZURE_AUTHORITY_HOST`: the emulator's own
 *    token endpoint, `POST {graphUrl}/{AZURE_TENANT_ID}/oauth2/v2.0/token`, plain http, for AZURE_CLIENT_ID
 *    with AZURE_CLIENT_SECRET; without a secret, with a federated token sent as client assertion: the
 *    contents of AZURE_FEDERATED_TOKEN_FILE, else GitHub Actions' OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL
 *    and ACTIONS_ID_TOKEN_REQUEST_TOKEN). (With `AZURE_AUTHORITY_HOST` set, the rules below apply to the
 *    emulator too.)
 * 1. `AZURE_TOKEN_CREDENTIALS` names one: `EnvironmentCredential` (rules 2–3), `WorkloadIdentityCredential`
 *    (4), `ManagedIdentityCredential` (6), `AzureCliCredential` (8), `prod` (2–6, never the CLI) or `dev` (8).
 *    The variable is @azure/identity's own for narrowing DefaultAzureCredential.
 * 2. `AZURE_CLIENT_SECRET` → ClientSecretCredential (needs AZURE_TENANT_ID, AZURE_CLIENT_ID).
 * 3. `AZURE_CLIENT_CERTIFICATE_PATH` → ClientCertificateCredential (needs AZURE_TENANT_ID, AZURE_CLIENT_ID;
 *    optional AZURE_CLIENT_CERTIFICATE_PASSWORD, AZURE_CLIENT_SEND_CERTIFICATE_CHAIN=true).
 * 4. `AZURE_FEDERATED_TOKEN_FILE` → WorkloadIdentityCredential (Kubernetes workload identity, or any
 *    federated token written to a file; needs AZURE_TENANT_ID, AZURE_CLIENT_ID).
 * 5. `ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN` (GitHub Actions with
 *    `permissions: id-token: write`) and AZURE_TENANT_ID and AZURE_CLIENT_ID → ClientAssertionCredential
 *    with GitHub's OIDC token (audience `api://AzureADTokenExchange`).
 * 6. `IDENTITY_ENDPOINT` or `MSI_ENDPOINT` (App Service, Functions, Container Apps, Arc, Cloud Shell) →
 *    ManagedIdentityCredential, user-assigned when AZURE_CLIENT_ID is set. On a VM or AKS (IMDS, no
 *    variable), say so with AZURE_TOKEN_CREDENTIALS=ManagedIdentityCredential.
 * 7. AZURE_CLIENT_ID set without any of the above: an error naming what to set, not a silent fallback.
 * 8. Nothing set → AzureCliCredential (`az login`), in AZURE_TENANT_ID's tenant when it is set.
 *
 * The scope is always `<cloud's Graph host>/.default`; the authority host is the cloud's login host
 * unless `AZURE_AUTHORITY_HOST` says otherwise.
 */
export type Environment = Readonly<Record<string, string | undefined>>;

interface Common {
  readonly scope: string;
  readonly authorityHost: string;
}

/** Where a federated (workload identity) token comes from, for the emulator's token endpoint. */
export type FederatedTokenSource =
  /** AZURE_FEDERATED_TOKEN_FILE, read again for every new access token (Kubernetes rotates it). */
  | { readonly from: 'file'; readonly path: string }
  /** GitHub Actions' token request (ACTIONS_ID_TOKEN_REQUEST_URL, bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN). */
  | { readonly from: 'github-actions'; readonly requestUrl: string; readonly requestToken: string };

/** The emulator's token endpoint, with the app's client secret or, without one, a federated token. */
export type EmulatorCredentialChoice = Common & { readonly kind: 'emulator'; readonly tokenUrl: string; readonly tenantId: string; readonly clientId: string } & (
  | { readonly clientSecret: string; readonly federatedToken?: undefined }
  | { readonly clientSecret?: undefined; readonly federatedToken: FederatedTokenSource }
);

export type CredentialChoice =
  | EmulatorCredentialChoice
  | (Common & { readonly kind: 'client-secret'; readonly tenantId: string; readonly clientId: string; readonly clientSecret: string })
  | (Common & { readonly kind: 'client-certificate'; readonly tenantId: string; readonly clientId: string; readonly certificatePath: string; readonly certificatePassword?: string; readonly sendCertificateChain: boolean })
  | (Common & { readonly kind: 'workload-identity'; readonly tenantId: string; readonly clientId: string; readonly tokenFilePath: string })
  | (Common & { readonly kind: 'github-oidc'; readonly tenantId: string; readonly clientId: string; readonly requestUrl: string; readonly requestToken: string })
  | (Common & { readonly kind: 'managed-identity'; readonly clientId?: string })
  | (Common & { readonly kind: 'azure-cli'; readonly tenantId?: string });

const SELECTORS: Readonly<Record<string, 'environment' | 'workload' | 'managed' | 'cli' | 'prod'>> = {
  environmentcredential: 'environment',
  workloadidentitycredential: 'workload',
  managedidentitycredential: 'managed',
  azureclicredential: 'cli',
  prod: 'prod',
  dev: 'cli',
};

function value(env: Environment, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** The variable, or an error naming it and why it is needed. */
function required(env: Environment, name: string, because: string): string {
  const v = value(env, name);
  if (v === undefined) throw new CredentialConfigurationError([name], `Set ${name}: ${because}.`);
  return v;
}

/** Chooses the credential for a Graph endpoint from the environment (rules above). */
export function chooseCredential(env: Environment, endpoint: GraphEndpoint): CredentialChoice {
  const cloud: Cloud = endpoint.cloud;
  const authorityHost = (value(env, 'AZURE_AUTHORITY_HOST') ?? cloud.authorityHost).replace(/\/+$/u, '');
  const common: Common = { scope: cloud.graphScope, authorityHost };
  if (endpoint.loopback && value(env, 'AZURE_AUTHORITY_HOST') === undefined) return emulatorCredential(env, endpoint);
  const selectorText = value(env, 'AZURE_TOKEN_CREDENTIALS');
  const selector = selectorText === undefined ? undefined : SELECTORS[selectorText.toLowerCase()];
  if (selectorText !== undefined && selector === undefined) {
    throw new CredentialConfigurationError(['AZURE_TOKEN_CREDENTIALS'], `Set AZURE_TOKEN_CREDENTIALS to one of EnvironmentCredential, WorkloadIdentityCredential, ManagedIdentityCredential, AzureCliCredential, prod or dev (got '${selectorText}').`);
  }
  if (selector === 'cli') return azureCli(env, common);
  if (selector === 'managed') return managedIdentity(env, common);
  if (selector === 'workload') return workloadIdentity(env, common, required(env, 'AZURE_FEDERATED_TOKEN_FILE', 'AZURE_TOKEN_CREDENTIALS=WorkloadIdentityCredential reads the federated token from that file'));

  const app = (because: string): { tenantId: string; clientId: string } => ({
    tenantId: required(env, 'AZURE_TENANT_ID', `${because} needs the tenant (directory) id`),
    clientId: required(env, 'AZURE_CLIENT_ID', `${because} needs the app registration's application (client) id`),
  });
  const secret = value(env, 'AZURE_CLIENT_SECRET');
  if (secret !== undefined) return { kind: 'client-secret', ...app('the client secret in AZURE_CLIENT_SECRET'), clientSecret: secret, ...common };
  const certificatePath = value(env, 'AZURE_CLIENT_CERTIFICATE_PATH');
  if (certificatePath !== undefined) {
    const password = value(env, 'AZURE_CLIENT_CERTIFICATE_PASSWORD');
    return {
      kind: 'client-certificate', ...app('the certificate in AZURE_CLIENT_CERTIFICATE_PATH'), certificatePath,
      ...(password === undefined ? {} : { certificatePassword: password }),
      sendCertificateChain: value(env, 'AZURE_CLIENT_SEND_CERTIFICATE_CHAIN')?.toLowerCase() === 'true', ...common,
    };
  }
  if (selector === 'environment') {
    throw new CredentialConfigurationError(['AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH'], 'Set AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH: AZURE_TOKEN_CREDENTIALS=EnvironmentCredential authenticates with one of them.');
  }
  const tokenFile = value(env, 'AZURE_FEDERATED_TOKEN_FILE');
  if (tokenFile !== undefined) return workloadIdentity(env, common, tokenFile);
  const oidcUrl = value(env, 'ACTIONS_ID_TOKEN_REQUEST_URL');
  const oidcToken = value(env, 'ACTIONS_ID_TOKEN_REQUEST_TOKEN');
  if (oidcUrl !== undefined && oidcToken !== undefined && value(env, 'AZURE_CLIENT_ID') !== undefined) {
    return { kind: 'github-oidc', ...app('GitHub Actions OIDC federation'), requestUrl: oidcUrl, requestToken: oidcToken, ...common };
  }
  if (value(env, 'IDENTITY_ENDPOINT') !== undefined || value(env, 'MSI_ENDPOINT') !== undefined) return managedIdentity(env, common);
  if (selector === 'prod') return managedIdentity(env, common);
  if (value(env, 'AZURE_CLIENT_ID') !== undefined) {
    throw new CredentialConfigurationError(
      ['AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_FEDERATED_TOKEN_FILE', 'AZURE_TOKEN_CREDENTIALS'],
      'AZURE_CLIENT_ID is set but nothing to authenticate it with: set AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE (or AZURE_TOKEN_CREDENTIALS=ManagedIdentityCredential for a user-assigned managed identity).',
    );
  }
  return azureCli(env, common);
}

/** Rule 0: the emulator's token endpoint with a client secret, a federated token file or GitHub Actions' OIDC token. */
function emulatorCredential(env: Environment, endpoint: GraphEndpoint): EmulatorCredentialChoice {
  const origin = endpoint.graphUrl.origin;
  const because = `the emulator at ${origin} issues tokens for an app by client id, with its client secret or a federated token`;
  const tenantId = required(env, 'AZURE_TENANT_ID', `${because}, in its tenant`);
  const clientId = required(env, 'AZURE_CLIENT_ID', because);
  // The emulator checks the resource, which is Graph's, wherever it listens (src/emulator/identity/auth.ts).
  const tokenUrl = `${origin}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
  const base = { kind: 'emulator', tokenUrl, tenantId, clientId, scope: CLOUDS.global.graphScope, authorityHost: origin } as const;
  const clientSecret = value(env, 'AZURE_CLIENT_SECRET');
  if (clientSecret !== undefined) return { ...base, clientSecret };
  const tokenFile = value(env, 'AZURE_FEDERATED_TOKEN_FILE');
  if (tokenFile !== undefined) return { ...base, federatedToken: { from: 'file', path: tokenFile } };
  const requestUrl = value(env, 'ACTIONS_ID_TOKEN_REQUEST_URL');
  const requestToken = value(env, 'ACTIONS_ID_TOKEN_REQUEST_TOKEN');
  if (requestUrl !== undefined && requestToken !== undefined) return { ...base, federatedToken: { from: 'github-actions', requestUrl, requestToken } };
  // GitHub sets both variables, and only for a job allowed to request an OIDC token
  // (https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#adding-permissions-settings).
  if (requestUrl !== undefined || requestToken !== undefined) {
    const absent = requestUrl === undefined ? 'ACTIONS_ID_TOKEN_REQUEST_URL' : 'ACTIONS_ID_TOKEN_REQUEST_TOKEN';
    throw new CredentialConfigurationError([absent], `Set ${absent}: GitHub Actions' OIDC token request needs both ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN, which a job gets with "permissions: id-token: write".`);
  }
  if (value(env, 'GITHUB_ACTIONS') === 'true') {
    throw new CredentialConfigurationError(
      ['AZURE_CLIENT_SECRET', 'ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'],
      `Set AZURE_CLIENT_SECRET, or sign in with the job's OIDC token: the workflow lacks "permissions: id-token: write" (ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set).`,
    );
  }
  throw new CredentialConfigurationError(
    ['AZURE_CLIENT_SECRET', 'AZURE_FEDERATED_TOKEN_FILE'],
    `Set AZURE_CLIENT_SECRET: ${because}. For a federated token, set AZURE_FEDERATED_TOKEN_FILE to its file, or run in GitHub Actions with "permissions: id-token: write".`,
  );
}

function workloadIdentity(env: Environment, common: Common, tokenFilePath: string): CredentialChoice {
  const because = 'workload identity federation (AZURE_FEDERATED_TOKEN_FILE)';
  return {
    kind: 'workload-identity',
    tenantId: required(env, 'AZURE_TENANT_ID', `${because} needs the tenant (directory) id`),
    clientId: required(env, 'AZURE_CLIENT_ID', `${because} needs the app registration's (or managed identity's) client id`),
    tokenFilePath,
    ...common,
  };
}

function managedIdentity(env: Environment, common: Common): CredentialChoice {
  const clientId = value(env, 'AZURE_CLIENT_ID');
  return { kind: 'managed-identity', ...(clientId === undefined ? {} : { clientId }), ...common };
}

function azureCli(env: Environment, common: Common): CredentialChoice {
  const tenantId = value(env, 'AZURE_TENANT_ID');
  return { kind: 'azure-cli', ...(tenantId === undefined ? {} : { tenantId }), ...common };
}

/** For people and logs: which credential, for which app, never a secret. */
export function describeCredential(choice: CredentialChoice): string {
  switch (choice.kind) {
    case 'emulator':
      if (choice.federatedToken === undefined) return `emulator client credentials for app ${choice.clientId} (${choice.tokenUrl})`;
      return choice.federatedToken.from === 'file'
        ? `emulator federated token from ${choice.federatedToken.path} (AZURE_FEDERATED_TOKEN_FILE) for app ${choice.clientId} (${choice.tokenUrl})`
        : `emulator federated token from GitHub Actions OIDC for app ${choice.clientId} (${choice.tokenUrl})`;
    case 'client-secret':
      return `client secret for app ${choice.clientId} in tenant ${choice.tenantId}`;
    case 'client-certificate':
      return `client certificate ${choice.certificatePath} for app ${choice.clientId} in tenant ${choice.tenantId}`;
    case 'workload-identity':
      return `workload identity (${choice.tokenFilePath}) for app ${choice.clientId} in tenant ${choice.tenantId}`;
    case 'github-oidc':
      return `GitHub Actions OIDC for app ${choice.clientId} in tenant ${choice.tenantId}`;
    case 'managed-identity':
      return choice.clientId === undefined ? 'system-assigned managed identity' : `user-assigned managed identity ${choice.clientId}`;
    case 'azure-cli':
      return `Azure CLI sign-in${choice.tenantId === undefined ? '' : ` in tenant ${choice.tenantId}`}`;
  }
}
