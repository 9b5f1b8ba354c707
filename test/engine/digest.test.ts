/**
 * The policy digest is recorded in saved plans: the same policy must give the same digest from one
 * release to the next, however the hashing is written.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, digestPolicy, digestPolicyYielding } from '../../src/engine/digest.ts';
import { assemblePolicy } from '../../src/policy/assemble.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { readPolicyFiles } from '../../src/policy/read-files.ts';
import type { DesiredState } from '../../src/domain/desired.ts';

const repo = new URL('../../', import.meta.url).pathname;

/** The definition, written plainly: sorted keys, undefined dropped, arrays in order. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
}

function referenceDigest(desired: DesiredState): string {
  const meaning = {
    tenantId: desired.tenantId ?? null,
    defaults: { ...desired.defaults, renameTemplate: undefined, restore: { ...desired.defaults.restore, renameTemplate: undefined } },
    principals: [...desired.principals].map(({ source: _source, ...rest }) => rest).sort((a, b) => (a.userPrincipalName < b.userPrincipalName ? -1 : 1)),
  };
  return `sha256:${createHash('sha256').update(reference(meaning)).digest('hex')}`;
}

async function examplePolicy(): Promise<DesiredState> {
  const loaded = await loadPolicy([`${repo}examples/tenant-repo/policies`], { cwd: repo });
  if (!loaded.desired) throw new Error('the example policy no longer validates');
  return loaded.desired;
}

describe('policy digest', () => {
  it('is the digest recorded before: the example policy hashes as it always did', async () => {
    const desired = await examplePolicy();
    expect(digestPolicy(desired)).toBe('sha256:17f03baf9b51925203aa3056d9f4439f895700d23223da2e0aec8fdd2a198085');
    expect(await digestPolicyYielding(desired, 1)).toBe(digestPolicy(desired));
  });

  it('hashes the canonical JSON of the meaning, however many principals and in whatever order', async () => {
    const desired = await examplePolicy();
    const template = desired.principals[0];
    if (!template) throw new Error('the example policy declares nobody');
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/u), { maxLength: 30 }), fc.integer({ min: 1, max: 7 }), async (names, chunk) => {
        const principals = names.map((name) => ({ ...template, userPrincipalName: `${name}@contoso.com` }));
        const variant = { ...desired, principals };
        expect(digestPolicy(variant)).toBe(referenceDigest(variant));
        expect(await digestPolicyYielding(variant, chunk)).toBe(referenceDigest(variant));
        expect(digestPolicy({ ...variant, principals: [...principals].reverse() })).toBe(digestPolicy(variant));
      }),
    );
  });

  it('leaves the watch section out: what watch may heal does not make a saved plan stale', async () => {
    const desired = await examplePolicy();
    const before = digestPolicy(desired);
    for (const watch of [
      { heal: [], maxChangesPerHour: 60 },
      { heal: ['restore-user', 'create-user', 'remove-licenses'] as const, maxChangesPerHour: 1 },
      { heal: desired.watch.heal, maxChangesPerHour: 10000 },
    ]) {
      const changed: DesiredState = { ...desired, watch };
      expect(digestPolicy(changed)).toBe(before);
      expect(await digestPolicyYielding(changed, 1)).toBe(before);
    }
    // The same through the loader: a policy that adds a `watch` section hashes as the one without it.
    const { sources } = await readPolicyFiles([`${repo}examples/tenant-repo/policies`], { cwd: repo });
    const watchFile = { file: 'watch.yaml', bytes: new TextEncoder().encode('apiVersion: tenantctl/v1\nkind: TenantPolicy\nwatch:\n  heal: [restore-user]\n  maxChangesPerHour: 5\n') };
    const withWatch = assemblePolicy([...sources, watchFile]);
    expect(withWatch.diagnostics).toEqual([]);
    expect(withWatch.desired?.watch).toEqual({ heal: ['restore-user'], maxChangesPerHour: 5 });
    if (withWatch.desired) expect(digestPolicy(withWatch.desired)).toBe(before);
  });

  it('writes canonical JSON exactly as the definition does: keys sorted by code unit, undefined dropped', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => canonicalJson(value) === reference(value)));
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.option(fc.jsonValue(), { nil: undefined })), (value) => canonicalJson(value) === reference(value)));
    expect(canonicalJson({ b: 1, a: [undefined, { d: undefined, c: 'x' }], B: null })).toBe('{"B":null,"a":[null,{"c":"x"}],"b":1}');
  });
});
