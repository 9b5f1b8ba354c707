/**
 * The Pulumi program under `pulumi.runtime.setMocks`: which resources it declares for a policy, what
 * their inputs hold (and never hold), how stack config is read, and the opt-in @pulumi/azuread checks
 * (its real `getClientConfig`/`getDomains` calls, answered by the mocks). The program is given a
 * provider that captures nothing: registering a dynamic resource serializes its provider, and under
 * vitest the real one's source is vite-transformed (the real provider is serialized in
 * test/pulumi/run-harness.test.ts, in plain Node, and its methods are tested in provider.test.ts).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { digestPolicy } from '../../src/engine/digest.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { principalInputs } from '../../src/pulumi/inputs.ts';
import type { DesiredPrincipal } from '../../src/domain/desired.ts';
import { declareTenant, managersFirst } from '../../src/pulumi/program.ts';

interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

let registered: Registered[] = [];
/** Called after every registration (see `settle`). */
const onRegistered = new Set<() => void>();
let invoked: { token: string; inputs: Record<string, unknown> }[] = [];
let azureAd = { tenantId: '8f3c1a52-0000-4000-8000-000000000001', domains: [{ domainName: 'contoso.com', verified: true }] };

beforeEach(async () => {
  // declareTenant turns stack traces off in Pulumi's program process; this process is vitest's.
  vi.stubEnv('TENANTCTL_PULUMI_STACK_TRACES', '1');
  registered = [];
  invoked = [];
  azureAd = { tenantId: '8f3c1a52-0000-4000-8000-000000000001', domains: [{ domainName: 'contoso.com', verified: true }] };
  await mockPulumi('tenantctl');
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/** Pulumi's mocks for a preview of the project `project`: registrations and invokes recorded, azuread answered from `azureAd`. */
function mockPulumi(project: string): Promise<void> {
  return pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        for (const listener of [...onRegistered]) listener();
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => {
        invoked.push({ token: args.token, inputs: args.inputs as Record<string, unknown> });
        if (args.token === 'azuread:index/getClientConfig:getClientConfig') return { clientId: 'c', id: 'x', objectId: 'o', tenantId: azureAd.tenantId };
        if (args.token === 'azuread:index/getDomains:getDomains') return { domains: azureAd.domains, id: 'domains' };
        throw new Error(`unexpected invoke ${args.token}`);
      },
    },
    project,
    'dev',
    true,
  );
}

/** A provider that captures nothing (see the file comment). */
const inertProvider: pulumi.dynamic.ResourceProvider = {
  async create() {
    return { id: 'never-called' };
  },
};

const POLICY = `apiVersion: tenantctl/v1
kind: TenantPolicy
tenant: {id: 8f3c1a52-0000-4000-8000-000000000001}
defaults: {usageLocation: NL}
licenses:
  e3: {sku: ENTERPRISEPACK, disabledPlans: [YAMMER_ENTERPRISE]}
users:
  - {userPrincipalName: Bob@contoso.com, displayName: Bob, licenses: [e3]}
  - {userPrincipalName: carol@contoso.com, displayName: Carol, usageLocation: BE, accountEnabled: false}
mailboxes:
  - {userPrincipalName: support@contoso.com, displayName: Support, type: shared}
`;

function project(files: Record<string, string> = { 'policies/tenant.yaml': POLICY }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-pulumi-'));
  for (const [file, text] of Object.entries(files)) {
    const full = path.join(dir, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  return dir;
}

/**
 * Waits for `count` registrations (they complete asynchronously, in no set order), told by the mock's
 * `newResource` as each arrives, then sorts them by name. No timeout of its own: the suite's applies.
 */
async function settle(count: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (registered.length < count) return;
      onRegistered.delete(check);
      resolve();
    };
    onRegistered.add(check);
    check();
  });
  expect(registered).toHaveLength(count);
  registered.sort((a, b) => a.name.localeCompare(b.name));
}

describe('the program', () => {
  it('declares one resource per principal, named by UPN, typed User or Mailbox, with the policy as inputs', async () => {
    pulumi.runtime.setAllConfig({});
    const cwd = project();

    const outputs = await declareTenant({ cwd, provider: inertProvider });
    await settle(3);

    const policy = await loadPolicy(['policies/'], { cwd });
    const desired = policy.desired;
    if (!desired) throw new Error('fixture policy invalid');
    const digest = digestPolicy(desired);
    expect(outputs).toEqual({ policyDigest: digest, users: 2, mailboxes: 1, licenseSets: ['e3'] });
    expect(registered.map((r) => [r.type, r.name])).toEqual([
      ['pulumi-nodejs:dynamic/tenantctl:User', 'bob@contoso.com'],
      ['pulumi-nodejs:dynamic/tenantctl:User', 'carol@contoso.com'],
      ['pulumi-nodejs:dynamic/tenantctl:Mailbox', 'support@contoso.com'],
    ]);
    for (const [i, principal] of desired.principals.entries()) {
      const { __provider: serialized, ...inputs } = registered[i]?.inputs ?? {};
      expect(inputs).toEqual(JSON.parse(JSON.stringify(principalInputs(desired, principal, ['policies/'], digest))));
      expect(typeof serialized).toBe('string');
    }
    expect(registered[1]?.inputs).toMatchObject({ usageLocation: 'BE', accountEnabled: false, licenses: [] });
    expect(registered[2]?.inputs).toMatchObject({ kind: 'mailbox', mailboxType: 'shared', accountEnabled: false, usageLocation: 'NL' });
    expect(invoked).toEqual([]);
  });

  it('reads the policy paths from stack config', async () => {
    pulumi.runtime.setAllConfig({ 'tenantctl:policies': JSON.stringify(['tenant/people/', 'tenant/shared.yaml']) });
    const cwd = project({
      'tenant/people/people.yaml': 'apiVersion: tenantctl/v1\nkind: TenantPolicy\nusers:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob}\n',
      'tenant/shared.yaml': 'apiVersion: tenantctl/v1\nkind: TenantPolicy\nmailboxes:\n  - {userPrincipalName: support@contoso.com, displayName: Support, type: shared}\n',
      'policies/ignored.yaml': 'apiVersion: tenantctl/v1\nkind: TenantPolicy\nusers:\n  - {userPrincipalName: nobody@contoso.com, displayName: Nobody}\n',
    });

    await declareTenant({ cwd, provider: inertProvider });
    await settle(2);

    expect(registered.map((r) => r.name)).toEqual(['bob@contoso.com', 'support@contoso.com']);
    expect(registered[0]?.inputs.policy).toMatchObject({ paths: ['tenant/people/', 'tenant/shared.yaml'] });
  });

  it('reads stack config in tenantctl\'s namespace in a tenant\'s own project (named otherwise), and the policies option over it', async () => {
    await mockPulumi('contoso-tenant');
    pulumi.runtime.setAllConfig({ 'tenantctl:policies': JSON.stringify(['tenant/']), 'contoso-tenant:policies': JSON.stringify(['policies/']) });
    const cwd = project({
      'tenant/people.yaml': 'apiVersion: tenantctl/v1\nkind: TenantPolicy\nusers:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob}\n',
      'other/people.yaml': 'apiVersion: tenantctl/v1\nkind: TenantPolicy\nusers:\n  - {userPrincipalName: erin@contoso.com, displayName: Erin}\n',
      'policies/ignored.yaml': 'apiVersion: tenantctl/v1\nkind: TenantPolicy\nusers:\n  - {userPrincipalName: nobody@contoso.com, displayName: Nobody}\n',
    });

    await declareTenant({ cwd, provider: inertProvider });
    await settle(1);
    expect(registered.map((r) => r.name)).toEqual(['bob@contoso.com']);

    registered = [];
    await declareTenant({ cwd, provider: inertProvider, policies: ['other/'] });
    await settle(1);
    expect(registered.map((r) => r.name)).toEqual(['erin@contoso.com']);
    expect(registered[0]?.inputs.policy).toMatchObject({ paths: ['other/'] });
  });

  it('puts no secret and no connection setting into any resource input', async () => {
    const secret = 'very-secret-value-1234567890';
    pulumi.runtime.setAllConfig(
      { 'tenantctl:clientSecret': secret, 'tenantctl:clientId': '5e1c0000-0000-4000-8000-00000000a001', 'tenantctl:graphUrl': 'http://127.0.0.1:9' },
      ['tenantctl:clientSecret'],
    );
    await declareTenant({ cwd: project(), provider: inertProvider });
    await settle(3);

    const text = JSON.stringify(registered.map((r) => r.inputs));
    expect(text).not.toContain(secret);
    expect(text).not.toContain('5e1c0000-0000-4000-8000-00000000a001');
    expect(text).not.toContain('127.0.0.1');
    const allowed = ['__provider', 'accountEnabled', 'attributes', 'displayName', 'kind', 'licenses', 'mailboxType', 'manager', 'policy', 'protected', 'schemaVersion', 'usageLocation', 'userPrincipalName', 'whenMissing'];
    for (const r of registered) expect(Object.keys(r.inputs).filter((k) => !allowed.includes(k))).toEqual([]);
  });

  it('refuses a client secret kept in plain stack config, before declaring anything', async () => {
    pulumi.runtime.setAllConfig({ 'tenantctl:clientSecret': 'plain-text-secret' });
    await expect(declareTenant({ cwd: project(), provider: inertProvider })).rejects.toThrow(/tenantctl:clientSecret is stored in plain text; set it with `pulumi config set --secret tenantctl:clientSecret`/u);
    expect(registered).toEqual([]);
  });

  it('refuses an invalid policy with validate\'s diagnostics, declaring nothing', async () => {
    pulumi.runtime.setAllConfig({});
    const cwd = project({ 'policies/bad.yaml': 'users:\n  - {userPrincipalName: not-an-upn, displayName: X, licenses: [missing]}\n' });
    await expect(declareTenant({ cwd, provider: inertProvider })).rejects.toThrow(/is invalid; nothing was declared:[\s\S]*invalid-upn[\s\S]*unknown-license-set/u);
    expect(registered).toEqual([]);
  });

  it('refuses a malformed policies setting with the command that fixes it', async () => {
    pulumi.runtime.setAllConfig({ 'tenantctl:policies': '[1, 2]' });
    await expect(declareTenant({ cwd: project(), provider: inertProvider })).rejects.toThrow(/tenantctl:policies must be a path or a list of paths/u);
  });
});

describe('the @pulumi/azuread checks (azureadChecks: true)', () => {
  it('ask the azuread provider for its client configuration and verified domains, and pass when they fit', async () => {
    pulumi.runtime.setAllConfig({ 'tenantctl:azureadChecks': 'true' });
    await declareTenant({ cwd: project(), provider: inertProvider });
    await settle(3);
    expect(invoked.map((i) => i.token).sort()).toEqual(['azuread:index/getClientConfig:getClientConfig', 'azuread:index/getDomains:getDomains']);
  });

  it('stop the program on another tenant or an unverified UPN domain, naming the fix', async () => {
    pulumi.runtime.setAllConfig({ 'tenantctl:azureadChecks': 'true' });
    azureAd = { tenantId: '11111111-2222-4333-8444-555555555555', domains: [{ domainName: 'fabrikam.com', verified: true }, { domainName: 'contoso.com', verified: false }] };
    const error = await declareTenant({ cwd: project(), provider: inertProvider }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/signed in to tenant 11111111-2222-4333-8444-555555555555, but the policy is for 8f3c1a52/u);
    expect(String(error)).toMatch(/contoso\.com is not a verified domain of the tenant \(bob@contoso\.com, carol@contoso\.com, support@contoso\.com\)/u);
    expect(registered).toEqual([]);
  });

  it('are off by default: no azuread call', async () => {
    pulumi.runtime.setAllConfig({});
    await declareTenant({ cwd: project(), provider: inertProvider });
    await settle(3);
    expect(invoked).toEqual([]);
  });
});

describe('managers and the new inputs', () => {
  it('declares the attributes, manager, protection and whenMissing as inputs ("" for must-be-unset), and a license set\'s group', async () => {
    pulumi.runtime.setAllConfig({});
    const cwd = project({
      'policies/tenant.yaml': `apiVersion: tenantctl/v1
kind: TenantPolicy
defaults: {whenMissing: report, protected: [dave@contoso.com]}
licenses:
  e5: {sku: SPE_E5, group: Licensing E5}
users:
  - {userPrincipalName: carol@contoso.com, displayName: Carol, jobTitle: Controller, department: null, businessPhones: [], manager: Dave@contoso.com, licenses: [e5], whenMissing: create}
  - {userPrincipalName: dave@contoso.com, displayName: Dave, manager: null}
`,
    });
    await declareTenant({ cwd, provider: inertProvider });
    await settle(2);
    expect(registered[0]?.inputs).toMatchObject({
      attributes: { jobTitle: 'Controller', department: '', businessPhones: [] },
      manager: 'dave@contoso.com',
      protected: false,
      whenMissing: 'create',
      licenses: [{ sku: 'SPE_E5', disabledPlans: [], licenseSet: 'e5', group: 'Licensing E5' }],
    });
    expect(registered[1]?.inputs).toMatchObject({ attributes: {}, manager: '', protected: true, whenMissing: 'report' });
    expect(Object.keys(registered[1]?.inputs.attributes as object)).toEqual([]);
  });

  it('orders a declared manager before the principals it manages (their resources depend on it), and survives a cycle', () => {
    const principal = (upn: string, manager?: string | null): DesiredPrincipal => ({
      kind: 'user',
      userPrincipalName: upn,
      displayName: upn,
      licenses: [],
      accountEnabled: true,
      source: { file: 'p.yaml' },
      attributes: { displayName: upn },
      ...(manager === undefined ? {} : { manager }),
      protected: false,
      whenMissing: 'create',
    });
    const upns = (list: DesiredPrincipal[]): string[] => list.map((p) => p.userPrincipalName);
    expect(upns(managersFirst([principal('a', 'c'), principal('b', null), principal('c', 'd'), principal('d'), principal('e', 'outside@contoso.com')]))).toEqual(['d', 'c', 'a', 'b', 'e']);
    expect(upns(managersFirst([principal('a', 'b'), principal('b', 'a'), principal('c', 'c')]))).toEqual(['b', 'a', 'c']);
  });
});
