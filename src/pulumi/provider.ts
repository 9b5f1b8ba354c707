import type * as pulumi from '@pulumi/pulumi';
import type * as Runtime from './runtime.ts';
import type { ProviderHolder } from './runtime.ts';

/**
 * The dynamic provider of tenantctl's Pulumi resources. Pulumi serializes this object (its methods'
 * source text and what they capture) into every resource's state and runs it in its dynamic-provider
 * process, so it is kept thin (docs/PULUMI notes in ARCHITECTURE.md):
 *
 * - it captures no imported module: each method loads `runtime.ts` with `import()` when it runs;
 * - it captures no secret and no machine-specific path: the runtime module is found relative to the
 *   project directory, where Pulumi runs providers (`TENANTCTL_PROJECT_DIR` overrides it);
 * - connection settings and credentials arrive in `configure` (stack config) or from the environment
 *   at call time, and stay on the provider object in that process, never in a resource.
 *
 * Plain ES2020 on purpose: Pulumi parses this text with the TypeScript compiler it finds, which may be
 * its vendored 3.8.
 */

/** Where the runtime lives, relative to the project directory. */
const RUNTIME_MODULE = 'src/pulumi/runtime.ts';

/** Loads the provider's runtime (engine, Graph adapter) in the process that runs the provider. */
async function loadRuntime(): Promise<typeof Runtime> {
  const nodePath = await import('node:path');
  const nodeUrl = await import('node:url');
  const projectDir = process.env.TENANTCTL_PROJECT_DIR || process.cwd();
  return import(nodeUrl.pathToFileURL(nodePath.resolve(projectDir, RUNTIME_MODULE)).href);
}

export type PrincipalProvider = pulumi.dynamic.ResourceProvider & ProviderHolder;

/** A new provider object. The program makes one and shares it by all resources (one serialization, one session). */
export function principalProvider(): PrincipalProvider {
  const provider: PrincipalProvider = {
    async configure(request: pulumi.dynamic.ConfigureRequest) {
      const runtime = await loadRuntime();
      runtime.configure(this, request.config);
    },
    async check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
      const runtime = await loadRuntime();
      return runtime.check(news);
    },
    async diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
      const runtime = await loadRuntime();
      return runtime.diff(this, id, olds, news);
    },
    async create(inputs: Record<string, unknown>) {
      const runtime = await loadRuntime();
      return runtime.create(this, inputs);
    },
    async read(id: string, props: Record<string, unknown>) {
      const runtime = await loadRuntime();
      return runtime.read(this, id, props);
    },
    async update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
      const runtime = await loadRuntime();
      return runtime.update(this, id, olds, news);
    },
    async delete() {
      // tenantctl never deletes a user: the resource leaves the stack, the object stays in the tenant.
    },
  };
  return provider;
}
