import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { PolicyResult } from '../../src/policy/assemble.ts';
import { assemblePolicy } from '../../src/policy/assemble.ts';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The loader's contract: diagnostics, or a DesiredState and no error, never both and never neither. */
function expectWellFormed(result: PolicyResult): void {
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (result.desired) expect(errors).toEqual([]);
  else expect(errors.length).toBeGreaterThan(0);
  for (const d of result.diagnostics) {
    expect(d.message.length).toBeGreaterThan(0);
    if (d.location?.line !== undefined) expect(d.location.line).toBeGreaterThanOrEqual(1);
  }
}

/** Values shaped like policies, so that generation reaches deep into the checks. */
const upn = fc.oneof(fc.constantFrom('alice@contoso.com', 'ALICE@contoso.com', 'bob@contoso.com', 'bad@@x'), fc.string());
const licenseRef = fc.oneof(
  fc.constantFrom('e3', 'e5', 'nope'),
  fc.record(
    {
      sku: fc.constantFrom('ENTERPRISEPACK', 'SPE_E5', 'MCOPSTN5', 'NOT_A_SKU', '6fd2c87f-b296-42f0-b197-1e91e994b900'),
      disabledPlans: fc.array(fc.constantFrom('SWAY', 'YAMMER_ENTERPRISE', 'NOPE', 7)),
      group: fc.oneof(fc.constantFrom('Licensing E5', '  ', '0B2E4C5D-0000-4000-8000-0000000000E5'), fc.string(), fc.integer()),
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
);
const principal = fc.record(
  {
    userPrincipalName: upn,
    displayName: fc.oneof(fc.string(), fc.integer()),
    licenses: fc.oneof(fc.array(licenseRef), fc.anything()),
    accountEnabled: fc.oneof(fc.boolean(), fc.string()),
    usageLocation: fc.constantFrom('NL', 'UK', 'nl', 'XX'),
    type: fc.constantFrom('shared', 'room', 'Shared'),
    jobTitle: fc.oneof(fc.string(), fc.constant(null), fc.integer()),
    employeeId: fc.oneof(fc.string({ maxLength: 20 }), fc.constant('')),
    businessPhones: fc.oneof(fc.array(fc.string(), { maxLength: 2 }), fc.constant(null), fc.integer()),
    manager: fc.oneof(upn, fc.constant(null), fc.integer()),
    protected: fc.oneof(fc.boolean(), fc.string()),
    whenMissing: fc.constantFrom('create', 'report', 'Create'),
  },
  { requiredKeys: [] },
);
const policyLike = fc.record(
  {
    apiVersion: fc.constantFrom('tenantctl/v1', 'v2'),
    kind: fc.constantFrom('TenantPolicy', 'Other'),
    tenant: fc.oneof(fc.record({ id: fc.oneof(fc.uuid(), fc.string()) }), fc.anything()),
    defaults: fc.record({ usageLocation: fc.constantFrom('NL', 'UK'), restore: fc.record({ renameTo: fc.oneof(fc.constantFrom('{localPart}.x@{domain}', '{nope}@{domain}', '{', 'x@y'), fc.string()), onUpnConflict: fc.constantFrom('fail', 'rename', 'x') }, { requiredKeys: [] }), whenPurged: fc.constantFrom('report', 'create', 1), whenMissing: fc.constantFrom('report', 'create', 'x'), protected: fc.oneof(fc.array(upn, { maxLength: 3 }), fc.string()) }, { requiredKeys: [] }),
    licenses: fc.dictionary(fc.constantFrom('e3', 'e5', '3e', 'x'), licenseRef),
    users: fc.oneof(fc.array(principal, { maxLength: 5 }), fc.anything()),
    mailboxes: fc.array(principal, { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

describe('the loader never throws', () => {
  it('on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 3 }), (files) => {
        expectWellFormed(assemblePolicy(files.map((bytes, i) => ({ file: `f${i}.yaml`, bytes }))));
      }),
      { numRuns: 300 },
    );
  });

  it('on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        expectWellFormed(assemblePolicy([{ file: 'f.yaml', bytes: encode(text) }]));
      }),
      { numRuns: 300 },
    );
  });

  it('on arbitrary JSON and YAML documents', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.jsonValue(), fc.anything()), { minLength: 1, maxLength: 3 }), fc.boolean(), (values, asJson) => {
        const text = (value: unknown): string => (asJson ? (JSON.stringify(value) ?? 'null') : stringify(value));
        expectWellFormed(assemblePolicy(values.map((value, i) => ({ file: `f${i}.yaml`, bytes: encode(text(value)) }))));
      }),
      { numRuns: 300 },
    );
  });

  it('on documents shaped like policies, across several files', () => {
    fc.assert(
      fc.property(fc.array(policyLike, { minLength: 1, maxLength: 3 }), (policies) => {
        expectWellFormed(assemblePolicy(policies.map((p, i) => ({ file: `f${i}.yaml`, bytes: encode(stringify(p)) }))));
      }),
      { numRuns: 400 },
    );
  });

  it('on hostile YAML: alias bombs and deep nesting', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    const bombResult = assemblePolicy([{ file: 'bomb.yaml', bytes: encode(bomb) }]);
    expectWellFormed(bombResult);
    expect(bombResult.diagnostics.map((d) => d.code)).toContain('yaml-syntax');
    const deep = `${'['.repeat(2000)}${']'.repeat(2000)}`;
    expectWellFormed(assemblePolicy([{ file: 'deep.yaml', bytes: encode(deep) }]));
  });
});

describe('the loader is deterministic', () => {
  it('gives the same result for the same input', () => {
    fc.assert(
      fc.property(fc.array(policyLike, { minLength: 1, maxLength: 3 }), (policies) => {
        const sources = policies.map((p, i) => ({ file: `f${i}.yaml`, bytes: encode(stringify(p)) }));
        expect(assemblePolicy(sources)).toEqual(assemblePolicy(sources));
      }),
      { numRuns: 100 },
    );
  });
});
