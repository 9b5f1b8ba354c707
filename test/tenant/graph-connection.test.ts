/**
 * Where Graph is and how to authenticate, from flags and environment: the cloud table, loopback
 * detection, the plain-http refusal, and the credential chosen for each environment (no network).
 */
import { AzureCliCredential, ClientAssertionCredential, ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential, WorkloadIdentityCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { CLOUDS, ConnectionConfigurationError, isLoopbackHost, resolveGraphEndpoint } from '../../src/tenant/graph/clouds.ts';
import type { CredentialChoice } from '../../src/tenant/graph/credentials.ts';
import { chooseCredential, describeCredential } from '../../src/tenant/graph/credentials.ts';
import { CredentialConfigurationError } from '../../src/tenant/graph/errors.ts';
import { createIdentityCredential, decodeJwtClaims, rolesOf } from '../../src/tenant/graph/tokens.ts';

describe('clouds', () => {
  it.each([
    { cloud: 'global', graph: 'https://graph.microsoft.com', login: 'https://login.microsoftonline.com' },
    { cloud: 'usgov', graph: 'https://graph.microsoft.us', login: 'https://login.microsoftonline.us' },
    { cloud: 'usgov-dod', graph: 'https://dod-graph.microsoft.us', login: 'https://login.microsoftonline.us' },
    { cloud: 'china', graph: 'https://microsoftgraph.chinacloudapi.cn', login: 'https://login.chinacloudapi.cn' },
  ])('$cloud: Graph $graph, login $login, scope <graph>/.default', ({ cloud, graph, login }) => {
    const endpoint = resolveGraphEndpoint({ cloud });
    expect({ graphUrl: endpoint.graphUrl.origin, authorityHost: endpoint.cloud.authorityHost, scope: endpoint.cloud.graphScope, loopback: endpoint.loopback }).toEqual({ graphUrl: graph, authorityHost: login, scope: `${graph}/.default`, loopback: false });
  });

  it('defaults to the global cloud, and infers the cloud from a national Graph URL', () => {
    expect(resolveGraphEndpoint({}).cloud).toBe(CLOUDS.global);
    expect(resolveGraphEndpoint({ graphUrl: 'https://dod-graph.microsoft.us/v1.0/' }).cloud).toBe(CLOUDS['usgov-dod']);
  });

  it.each([
    { host: '127.0.0.1', loopback: true },
    { host: '127.45.6.7', loopback: true },
    { host: 'localhost', loopback: true },
    { host: 'LOCALHOST.', loopback: true },
    { host: 'api.localhost', loopback: true },
    { host: '[::1]', loopback: true },
    { host: '0:0:0:0:0:0:0:1', loopback: true },
    { host: '::ffff:127.0.0.1', loopback: true },
    { host: '128.0.0.1', loopback: false },
    { host: '10.0.0.1', loopback: false },
    { host: 'localhost.example.com', loopback: false },
    { host: '[::2]', loopback: false },
    { host: 'graph.microsoft.com', loopback: false },
  ])('$host is loopback: $loopback', ({ host, loopback }) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it.each([
    { graphUrl: 'http://127.0.0.1:4010', origin: 'http://127.0.0.1:4010', loopback: true },
    { graphUrl: 'http://localhost:4010/v1.0', origin: 'http://localhost:4010', loopback: true },
    { graphUrl: 'http://[::1]:4010/', origin: 'http://[::1]:4010', loopback: true },
    { graphUrl: 'https://127.0.0.1:8443', origin: 'https://127.0.0.1:8443', loopback: true },
    { graphUrl: 'https://graph.example.net', origin: 'https://graph.example.net', loopback: false },
  ])('accepts $graphUrl', ({ graphUrl, origin, loopback }) => {
    const endpoint = resolveGraphEndpoint({ graphUrl });
    expect({ origin: endpoint.graphUrl.origin, loopback: endpoint.loopback }).toEqual({ origin, loopback });
  });

  it.each([
    { graphUrl: 'http://graph.microsoft.com', problem: /Refusing plain http:\/\/ for graph.microsoft.com/u },
    { graphUrl: 'http://192.168.1.10:4010', problem: /Refusing plain http:\/\//u },
    { graphUrl: 'ftp://127.0.0.1', problem: /must be https/u },
    { graphUrl: 'https://graph.microsoft.com/beta', problem: /Graph's root/u },
    { graphUrl: 'https://user:pw@graph.microsoft.com', problem: /without credentials/u },
    { graphUrl: 'not a url', problem: /is not a URL/u },
  ])('refuses $graphUrl', ({ graphUrl, problem }) => {
    expect(() => resolveGraphEndpoint({ graphUrl })).toThrow(ConnectionConfigurationError);
    expect(() => resolveGraphEndpoint({ graphUrl })).toThrow(problem);
  });

  it('refuses a Graph URL of another cloud than the one named, and an unknown cloud', () => {
    expect(() => resolveGraphEndpoint({ cloud: 'global', graphUrl: 'https://graph.microsoft.us' })).toThrow(/pass --cloud usgov/u);
    expect(() => resolveGraphEndpoint({ cloud: 'mars' })).toThrow(/use one of global, usgov, usgov-dod, china/u);
  });
});

const APP = { AZURE_TENANT_ID: '8f3c1a52-0000-4000-8000-000000000001', AZURE_CLIENT_ID: '5e1c0000-0000-4000-8000-00000000a001' };
const global = resolveGraphEndpoint({});
const china = resolveGraphEndpoint({ cloud: 'china' });
const emulator = resolveGraphEndpoint({ graphUrl: 'http://127.0.0.1:4010' });

describe('chooseCredential', () => {
  it.each<{ name: string; env: Record<string, string>; endpoint?: typeof global; expected: Partial<CredentialChoice> }>([
    { name: 'the emulator on loopback', endpoint: emulator, env: { ...APP, AZURE_CLIENT_SECRET: 's' }, expected: { kind: 'emulator', tokenUrl: `http://127.0.0.1:4010/${APP.AZURE_TENANT_ID}/oauth2/v2.0/token`, scope: 'https://graph.microsoft.com/.default' } },
    { name: 'the emulator with a federated token file and no secret', endpoint: emulator, env: { ...APP, AZURE_FEDERATED_TOKEN_FILE: '/var/run/token' }, expected: { kind: 'emulator', federatedToken: { from: 'file', path: '/var/run/token' } } },
    { name: 'the emulator with GitHub Actions OIDC and no secret', endpoint: emulator, env: { ...APP, ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:5/t?api-version=2.0', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' }, expected: { kind: 'emulator', federatedToken: { from: 'github-actions', requestUrl: 'http://127.0.0.1:5/t?api-version=2.0', requestToken: 't' } } },
    { name: 'the emulator: a secret comes first', endpoint: emulator, env: { ...APP, AZURE_CLIENT_SECRET: 's', AZURE_FEDERATED_TOKEN_FILE: '/var/run/token' }, expected: { kind: 'emulator', clientSecret: 's' } },
    { name: 'the emulator: a token file before GitHub Actions OIDC', endpoint: emulator, env: { ...APP, AZURE_FEDERATED_TOKEN_FILE: '/f', ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:5/t', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' }, expected: { kind: 'emulator', federatedToken: { from: 'file', path: '/f' } } },
    { name: 'loopback with AZURE_AUTHORITY_HOST uses @azure/identity', endpoint: emulator, env: { ...APP, AZURE_CLIENT_SECRET: 's', AZURE_AUTHORITY_HOST: 'https://127.0.0.1:8443/' }, expected: { kind: 'client-secret', authorityHost: 'https://127.0.0.1:8443' } },
    { name: 'a client secret', env: { ...APP, AZURE_CLIENT_SECRET: 's', AZURE_CLIENT_CERTIFICATE_PATH: '/c.pem' }, expected: { kind: 'client-secret', scope: 'https://graph.microsoft.com/.default', authorityHost: 'https://login.microsoftonline.com' } },
    { name: 'a client secret in the China cloud', endpoint: china, env: { ...APP, AZURE_CLIENT_SECRET: 's' }, expected: { kind: 'client-secret', scope: 'https://microsoftgraph.chinacloudapi.cn/.default', authorityHost: 'https://login.chinacloudapi.cn' } },
    { name: 'a client certificate', env: { ...APP, AZURE_CLIENT_CERTIFICATE_PATH: '/c.pem', AZURE_CLIENT_CERTIFICATE_PASSWORD: 'p', AZURE_CLIENT_SEND_CERTIFICATE_CHAIN: 'true' }, expected: { kind: 'client-certificate', certificatePath: '/c.pem', certificatePassword: 'p', sendCertificateChain: true } },
    { name: 'workload identity', env: { ...APP, AZURE_FEDERATED_TOKEN_FILE: '/var/run/token' }, expected: { kind: 'workload-identity', tokenFilePath: '/var/run/token' } },
    { name: 'GitHub Actions OIDC', env: { ...APP, ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.example/x?a=1', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' }, expected: { kind: 'github-oidc' } },
    { name: 'managed identity (App Service)', env: { IDENTITY_ENDPOINT: 'http://169.254.129.2:8081/msi/token' }, expected: { kind: 'managed-identity' } },
    { name: 'user-assigned managed identity, named', env: { AZURE_CLIENT_ID: APP.AZURE_CLIENT_ID, AZURE_TOKEN_CREDENTIALS: 'ManagedIdentityCredential' }, expected: { kind: 'managed-identity', clientId: APP.AZURE_CLIENT_ID } },
    { name: 'AZURE_TOKEN_CREDENTIALS=dev', env: { ...APP, AZURE_CLIENT_SECRET: 's', AZURE_TOKEN_CREDENTIALS: 'dev' }, expected: { kind: 'azure-cli', tenantId: APP.AZURE_TENANT_ID } },
    { name: 'AZURE_TOKEN_CREDENTIALS=prod without variables', env: { AZURE_TOKEN_CREDENTIALS: 'prod' }, expected: { kind: 'managed-identity' } },
    { name: 'nothing: the Azure CLI', env: {}, expected: { kind: 'azure-cli' } },
    { name: 'only a tenant: the Azure CLI in it', env: { AZURE_TENANT_ID: APP.AZURE_TENANT_ID, AZURE_CLIENT_SECRET: '' }, expected: { kind: 'azure-cli', tenantId: APP.AZURE_TENANT_ID } },
  ])('$name', ({ env, endpoint, expected }) => {
    expect(chooseCredential(env, endpoint ?? global)).toMatchObject(expected);
  });

  it.each([
    { name: 'the emulator without a secret or federated token', endpoint: emulator, env: { ...APP }, variables: ['AZURE_CLIENT_SECRET', 'AZURE_FEDERATED_TOKEN_FILE'] },
    { name: 'the emulator in a GitHub Actions job without id-token: write', endpoint: emulator, env: { ...APP, GITHUB_ACTIONS: 'true' }, variables: ['AZURE_CLIENT_SECRET', 'ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'] },
    { name: 'the emulator with half of GitHub’s token request', endpoint: emulator, env: { ...APP, ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:5/t' }, variables: ['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] },
    { name: 'the emulator without a tenant', endpoint: emulator, env: { AZURE_CLIENT_ID: 'x', AZURE_CLIENT_SECRET: 's' }, variables: ['AZURE_TENANT_ID'] },
    { name: 'a secret without a tenant', endpoint: global, env: { AZURE_CLIENT_ID: 'x', AZURE_CLIENT_SECRET: 's' }, variables: ['AZURE_TENANT_ID'] },
    { name: 'a certificate without a client id', endpoint: global, env: { AZURE_TENANT_ID: 't', AZURE_CLIENT_CERTIFICATE_PATH: '/c.pem' }, variables: ['AZURE_CLIENT_ID'] },
    { name: 'a federated token without a client id', endpoint: global, env: { AZURE_TENANT_ID: 't', AZURE_FEDERATED_TOKEN_FILE: '/t' }, variables: ['AZURE_CLIENT_ID'] },
    { name: 'a client id and nothing to prove it', endpoint: global, env: { ...APP }, variables: ['AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_FEDERATED_TOKEN_FILE', 'AZURE_TOKEN_CREDENTIALS'] },
    { name: 'an unknown AZURE_TOKEN_CREDENTIALS', endpoint: global, env: { AZURE_TOKEN_CREDENTIALS: 'VisualStudioCodeCredential' }, variables: ['AZURE_TOKEN_CREDENTIALS'] },
  ])('names what to set: $name', ({ endpoint, env, variables }) => {
    let error: unknown;
    try {
      chooseCredential(env, endpoint);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CredentialConfigurationError);
    expect((error as CredentialConfigurationError).variables).toEqual(variables);
    expect((error as Error).message).toMatch(new RegExp(`^(Set ${variables[0] ?? ''}|AZURE_CLIENT_ID is set)`, 'u'));
  });

  it.each([
    { env: { ...APP, AZURE_CLIENT_SECRET: 's' }, type: ClientSecretCredential },
    { env: { ...APP, AZURE_CLIENT_CERTIFICATE_PATH: '/nonexistent.pem' }, type: ClientCertificateCredential },
    { env: { ...APP, AZURE_FEDERATED_TOKEN_FILE: '/nonexistent' }, type: WorkloadIdentityCredential },
    { env: { ...APP, ACTIONS_ID_TOKEN_REQUEST_URL: 'https://x.example/t', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' }, type: ClientAssertionCredential },
    { env: { MSI_ENDPOINT: 'http://127.0.0.1:41741/MSI/token/' }, type: ManagedIdentityCredential },
    { env: {}, type: AzureCliCredential },
  ])('builds a $type.name (no network)', async ({ env, type }) => {
    const choice = chooseCredential(env, global);
    if (choice.kind === 'emulator') throw new Error('unexpected');
    expect(await createIdentityCredential(choice, { fetch: globalThis.fetch })).toBeInstanceOf(type);
  });

  it('describes a credential without its secret', () => {
    const text = describeCredential(chooseCredential({ ...APP, AZURE_CLIENT_SECRET: 'super-secret-value' }, global));
    expect(text).toBe(`client secret for app ${APP.AZURE_CLIENT_ID} in tenant ${APP.AZURE_TENANT_ID}`);
  });

  it.each([
    { env: { ...APP, AZURE_CLIENT_SECRET: 'super-secret-value' }, text: `emulator client credentials for app ${APP.AZURE_CLIENT_ID} (http://127.0.0.1:4010/${APP.AZURE_TENANT_ID}/oauth2/v2.0/token)` },
    { env: { ...APP, AZURE_FEDERATED_TOKEN_FILE: '/var/run/token' }, text: `emulator federated token from /var/run/token (AZURE_FEDERATED_TOKEN_FILE) for app ${APP.AZURE_CLIENT_ID} (http://127.0.0.1:4010/${APP.AZURE_TENANT_ID}/oauth2/v2.0/token)` },
    { env: { ...APP, ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:5/t', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token-value' }, text: `emulator federated token from GitHub Actions OIDC for app ${APP.AZURE_CLIENT_ID} (http://127.0.0.1:4010/${APP.AZURE_TENANT_ID}/oauth2/v2.0/token)` },
  ])('describes the emulator credential: $text', ({ env, text }) => {
    expect(describeCredential(chooseCredential(env, emulator))).toBe(text);
  });
});

describe('token claims', () => {
  it('decodes roles and tid from the access token payload, and nothing from a non-JWT', () => {
    const payload = Buffer.from(JSON.stringify({ tid: 'T', roles: ['User.Read.All', 7, 'MailboxSettings.Read'] })).toString('base64url');
    const claims = decodeJwtClaims(`e30.${payload}.sig`);
    expect(claims.tid).toBe('T');
    expect(rolesOf(claims)).toEqual(['User.Read.All', 'MailboxSettings.Read']);
    expect(decodeJwtClaims('opaque-token')).toEqual({});
    expect(rolesOf({})).toEqual([]);
  });
});
