/**
 * examples/watch/: the Kubernetes manifest probes the paths the watch server serves on the port it is
 * told, signs in by workload identity with the variables credentials.ts reads, holds no secret, runs
 * one watcher at a time; the Containerfile installs the package with `npm ci --omit=dev`, runs as a
 * non-root user and starts `tenantctl watch`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { resolveGraphEndpoint } from '../../src/tenant/graph/clouds.ts';
import { chooseCredential } from '../../src/tenant/graph/credentials.ts';
import { HEALTH_PATHS } from '../../src/watch/http.ts';

const DIR = new URL('../../examples/watch/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, DIR), 'utf8');

interface EnvVar { name: string; value?: string; valueFrom?: Record<string, unknown> }
interface Probe { httpGet?: { path: string; port: string | number } }
interface Container {
  name: string; image: string; args?: string[]; env?: EnvVar[]; envFrom?: unknown[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Probe; livenessProbe?: Probe; startupProbe?: Probe;
  securityContext?: { runAsUser?: number; allowPrivilegeEscalation?: boolean };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface Manifest { kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec?: Record<string, unknown> }
interface PodSpec { serviceAccountName: string; terminationGracePeriodSeconds?: number; containers: Container[]; initContainers?: Container[]; volumes?: Record<string, unknown>[] }
interface DeploymentSpec { replicas: number; strategy: { type: string }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } }

function manifests(): Manifest[] {
  return parseAllDocuments(read('deployment.yaml')).map((document) => {
    expect(document.errors).toEqual([]);
    return document.toJS() as Manifest;
  });
}

function deployment(): { manifest: Manifest; spec: DeploymentSpec; watch: Container } {
  const manifest = manifests().find((m) => m.kind === 'Deployment');
  if (!manifest) throw new Error('no Deployment in deployment.yaml');
  const spec = manifest.spec as unknown as DeploymentSpec;
  const watch = spec.template.spec.containers.find((c) => c.name === 'watch');
  if (!watch) throw new Error('no watch container');
  return { manifest, spec, watch };
}

/** Every key and string value of a parsed document, with its path. */
function* walk(value: unknown, path = ''): Generator<[string, unknown]> {
  yield [path, value];
  if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* walk(item, `${path}[${i}]`);
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) yield* walk(item, `${path}.${key}`);
}

describe('examples/watch/deployment.yaml', () => {
  it('points the probes at the paths the watch server serves, on the port watch is told to use', () => {
    const { watch } = deployment();
    const args = watch.args ?? [];
    const port = Number(args[args.indexOf('--port') + 1]);
    expect(port).toBeGreaterThan(0);
    expect(args[args.indexOf('--host') + 1]).toBe('0.0.0.0');
    const named = watch.ports?.find((p) => p.containerPort === port);
    expect(named).toBeDefined();
    const probePort = (probe: Probe | undefined): number => {
      const target = probe?.httpGet?.port;
      return typeof target === 'number' ? target : (watch.ports?.find((p) => p.name === target)?.containerPort ?? -1);
    };
    expect(watch.readinessProbe?.httpGet?.path).toBe(HEALTH_PATHS.ready);
    expect(watch.livenessProbe?.httpGet?.path).toBe(HEALTH_PATHS.live);
    expect(watch.startupProbe?.httpGet?.path).toBe(HEALTH_PATHS.live);
    for (const probe of [watch.readinessProbe, watch.livenessProbe, watch.startupProbe]) expect(probePort(probe)).toBe(port);
  });

  it('holds no Secret, no secret or password variable, no secret reference', () => {
    for (const manifest of manifests()) {
      expect(manifest.kind).not.toBe('Secret');
      for (const [path, value] of walk(manifest)) {
        expect(path, path).not.toMatch(/secretKeyRef|secretRef|\.secret(\.|$)|password/iu);
        if (path.endsWith('.name') && /\.env\[\d+\]\.name$/u.test(path)) expect(String(value), path).not.toMatch(/SECRET|PASSWORD|CERTIFICATE|TOKEN(?!_FILE)/iu);
      }
    }
    const { spec } = deployment();
    for (const container of [...spec.template.spec.containers, ...(spec.template.spec.initContainers ?? [])]) {
      expect(container.envFrom).toBeUndefined();
      for (const variable of container.env ?? []) expect(variable.valueFrom).toBeUndefined();
    }
    expect(spec.template.spec.volumes?.some((v) => 'secret' in v || 'projected' in v)).toBe(false);
  });

  it('signs in by Azure workload identity, with the variables tenantctl reads', () => {
    const { spec, watch } = deployment();
    const account = manifests().find((m) => m.kind === 'ServiceAccount');
    expect(account?.metadata.name).toBe(spec.template.spec.serviceAccountName);
    expect(account?.metadata.annotations?.['azure.workload.identity/client-id']).toBeTruthy();
    expect(spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
    const env = Object.fromEntries((watch.env ?? []).map((v) => [v.name, v.value]));
    expect(Object.keys(env).sort()).toEqual(['AZURE_CLIENT_ID', 'AZURE_TENANT_ID']);
    // What the webhook adds (AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST) makes it workload identity.
    const injected = { ...env, AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token', AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.com/' };
    const choice = chooseCredential(injected, resolveGraphEndpoint({ cloud: undefined, graphUrl: undefined }));
    expect(choice.kind).toBe('workload-identity');
  });

  it('runs one watcher at a time, stops gracefully, non-root, with resources', () => {
    const { spec, watch } = deployment();
    expect(spec.replicas).toBe(1);
    expect(spec.strategy.type).toBe('Recreate');
    expect(spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(100);
    expect(watch.securityContext?.runAsUser).not.toBe(0);
    expect(watch.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(watch.resources?.requests?.memory).toBeDefined();
    expect(watch.resources?.limits?.memory).toBeDefined();
  });
});

describe('examples/watch/Containerfile', () => {
  const instructions = read('Containerfile').split('\n').filter((line) => line !== '' && !line.startsWith('#'));

  it('builds on Node 22 or 24 slim, installs with npm ci --omit=dev, runs tenantctl watch as a non-root user', () => {
    expect(instructions[0]).toMatch(/^FROM node:(22|24)-slim$/u);
    expect(instructions.join('\n')).toMatch(/npm ci --omit=dev/u);
    const user = instructions.filter((line) => line.startsWith('USER ')).at(-1);
    expect(user).toMatch(/^USER [1-9]\d*(:\d+)?$/u);
    expect(instructions.find((line) => line.startsWith('ENTRYPOINT '))).toBe('ENTRYPOINT ["tenantctl", "watch"]');
    expect(instructions.filter((line) => /^(ENV|ARG)\b/u.test(line)).join('\n')).not.toMatch(/SECRET|PASSWORD|TOKEN/iu);
  });

  it('copies only the install inputs, and pins the tenantctl of this repository', () => {
    expect(read('.dockerignore').split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual(['*', '!package.json', '!package-lock.json', '!tenantctl-*.tgz']);
    const image = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const root = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(image.dependencies).toEqual({ tenantctl: root.version });
  });
});
