import type { AssemblePolicyOptions, PolicyResult } from './assemble.ts';
import { assembleParsed } from './assemble.ts';
import { readPolicySources } from './includes.ts';
import type { ReadPolicyFilesOptions } from './read-files.ts';

export type { PolicyResult } from './assemble.ts';

/** The default policy path, relative to the working directory. */
export const DEFAULT_POLICY_PATHS: readonly string[] = ['policies/'];

/** How the policy is read, and the bounds on it (docs/policy-reference.md). */
export type LoadPolicyOptions = ReadPolicyFilesOptions & AssemblePolicyOptions;

/**
 * Reads, validates and merges the policy under `paths` (and the files its `include:` lists name)
 * into a DesiredState, or says everything that is wrong.
 */
export async function loadPolicy(paths: readonly string[], options: LoadPolicyOptions = {}): Promise<PolicyResult> {
  const { parsed, diagnostics } = await readPolicySources(paths.length > 0 ? paths : DEFAULT_POLICY_PATHS, options);
  return assembleParsed(parsed, diagnostics, options);
}
