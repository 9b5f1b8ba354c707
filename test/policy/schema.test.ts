import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import schema from '../../schemas/tenant-policy.schema.json' with { type: 'json' };
import { UPN_PATTERN } from '../../src/domain/upn.ts';
import { assemblePolicy } from '../../src/policy/assemble.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { stringify } from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';

const addFormats = (ajvFormats as unknown as { default: (ajv: Ajv2020) => Ajv2020 }).default;

const repo = new URL('../../', import.meta.url).pathname;

/** Every schema node that describes a value, with its JSON pointer. */
function* schemaNodes(node: unknown, pointer = '#'): Generator<[string, Record<string, unknown>]> {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
  const record = node as Record<string, unknown>;
  yield [pointer, record];
  for (const key of ['properties', '$defs']) {
    const children = record[key] as Record<string, unknown> | undefined;
    for (const [name, child] of Object.entries(children ?? {})) yield* schemaNodes(child, `${pointer}/${key}/${name}`);
  }
}

describe('schemas/tenant-policy.schema.json', () => {
  it('is draft 2020-12 and closes every object', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    for (const [pointer, node] of schemaNodes(schema)) {
      if (node.type === 'object' && node.properties) expect(node.additionalProperties, pointer).toBe(false);
    }
  });

  it('describes every property so that editors can show it', () => {
    for (const [pointer, node] of schemaNodes(schema)) expect(node.description, pointer).toEqual(expect.any(String));
  });

  it('has examples, and every top-level example is a valid policy', () => {
    expect(schema.examples.length).toBeGreaterThan(0);
    for (const [index, example] of schema.examples.entries()) {
      const result = assemblePolicy([{ file: `example-${index}.yaml`, bytes: new TextEncoder().encode(stringify(example)) }]);
      expect(result.diagnostics, `example ${index}`).toEqual([]);
      expect(result.desired).toBeDefined();
    }
  });

  it('accepts every example it gives, at every level', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(ajv);
    ajv.addSchema(schema);
    let checked = 0;
    for (const [pointer, node] of schemaNodes(schema)) {
      for (const example of (node.examples as unknown[] | undefined) ?? []) {
        const validate = ajv.getSchema(`${schema.$id}${pointer}`);
        expect(validate, pointer).toBeDefined();
        expect(validate?.(example), `${pointer}: ${JSON.stringify(example)} ${JSON.stringify(validate?.errors)}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('uses the same UPN pattern as the domain code', () => {
    expect(schema.$defs.userPrincipalName.pattern).toBe(UPN_PATTERN);
  });

  it('is the file the editors are pointed at from the example policies', () => {
    for (const file of ['policies/00-tenant.yaml', 'policies/people.yaml']) {
      expect(readFileSync(`${repo}${file}`, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/tenant-policy.schema.json');
    }
  });
});

describe('the example policies', () => {
  it('validate cleanly and declare a realistic demo tenant', async () => {
    const result = await loadPolicy(['policies/'], { cwd: repo });
    expect(result.diagnostics).toEqual([]);
    const desired = result.desired;
    expect(desired).toBeDefined();
    if (!desired) return;
    expect(result.files.length).toBeGreaterThanOrEqual(2);
    const users = desired.principals.filter((p) => p.kind === 'user');
    const shared = desired.principals.filter((p) => p.kind === 'mailbox' && p.mailboxType === 'shared');
    expect(users.length).toBeGreaterThanOrEqual(12);
    expect(shared.length).toBeGreaterThanOrEqual(3);
    const setsWithDisabledPlans = [...desired.licenseSets.values()].filter((l) => l.disabledPlans.length > 0);
    expect(setsWithDisabledPlans.length).toBeGreaterThanOrEqual(2);
    expect(desired.defaults.usageLocation).toBe('NL');
    expect(desired.tenantId).toBe('8f3c1a52-0000-4000-8000-000000000001');
  });
});
