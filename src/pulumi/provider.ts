import type * as pulumi from '@pulumi/pulumi';
import type * as Runtime from './runtime.ts';
import type { ProviderHolder } from './runtime.ts';

/**
 * The dynamic provider of tenantctl's Pulumi resources. Pulumi serializes this object (its methods'
 * source text and what they capture) into every resource's state and runs it in its dynamic-provider
 * process, so it is kept thin (docs/pulumi.md, "How the provider runs"):
 *
 * - it captures no imported module: each method loads the runtime module with `import()` when it runs;
 * - it captures no secret and no machine-specific path: the runtime module is found through the
 *   project directory, where Pulumi runs providers (`TENANTCTL_PROJECT_DIR` overrides it), so a state
 *   written on one machine (a pull request's runner) works on another (the merge's runner);
 * - connection settings and credentials arrive in `configure` (stack config) or from the environment
 *   at call time, and stay on the provider object in that process, never in a resource.
 *
 * Plain ES2020 on purpose: Pulumi parses this text with the TypeScript compiler it finds, which may be
 * its vendored 3.8.
 */

/**
 * Loads the provider's runtime (engine, Graph adapter) in the process that runs the provider: the
 * `runtime` module beside the `tenantctl/pulumi` entry that the project directory resolves (the
 * tenantctl in the project's node_modules, the one its program imported). tenantctl's own tests
 * name the module directly with `TENANTCTL_PULUMI_RUNTIME` (they run the sources, not a package).
 */
async function loadRuntime(): Promise<typeof Runtime> {
  const nodeModule = await import('node:module');
  const nodePath = await import('node:path');
  const nodeUrl = await import('node:url');
  const named = process.env.TENANTCTL_PULUMI_RUNTIME;
  if (named) return import(nodeUrl.pathToFileURL(nodePath.resolve(named)).href);
  const projectDir = process.env.TENANTCTL_PROJECT_DIR || process.cwd();
  let entry: string;
  try {
    entry = nodeModule.createRequire(nodePath.join(projectDir, 'package.json')).resolve('tenantctl/pulumi');
  } catch {
    throw new Error(`tenantctl's Pulumi provider cannot find the tenantctl package from ${projectDir}; add it to the Pulumi project's dependencies (npm install tenantctl)`);
  }
  return import(nodeUrl.pathToFileURL(nodePath.join(nodePath.dirname(entry), `runtime${nodePath.extname(entry)}`)).href);
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
