/**
 * The published JSON Schema of the saved plan (schemas/plan.schema.json, issue 14) is kept equal to
 * the tables that write and read saved plans (src/domain/plan-format.ts): the schema, its `$ref`s
 * resolved and its annotations dropped, must be exactly the schema the tables give. A field added to
 * a table and not to the schema (or the other way round) fails here. Then every plan tenantctl
 * writes in the suite validates, and the schema and the reader agree on damaged plans.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import schema from '../../schemas/plan.schema.json' with { type: 'json' };
import packageJson from '../../package.json' with { type: 'json' };
import type { ChangeAction, Plan } from '../../src/domain/plan.ts';
import { ACTION_ORDER, PLAN_FORMAT_VERSION } from '../../src/domain/plan.ts';
import type { SavedPlanFields, SavedPlanSpec } from '../../src/domain/plan-format.ts';
import { parseSavedPlan, renderPlanJson, SAVED_PLAN_TABLES } from '../../src/domain/plan-format.ts';
import { convergedPlan, everyActionPlan, largePlan, tenantMismatchPlan } from '../support/plans.ts';

const repo = new URL('../../', import.meta.url).pathname;
const GOLDEN = `${repo}test/fixtures/golden/`;
const EXAMPLE = `${repo}examples/plan-policy/`;

type Json = Record<string, unknown>;

// ---- the schema the tables give -----------------------------------------------------------------

/** The JSON Schema of one table spec, in the schema file's forms (no annotations, no $ref). */
function fromSpec(spec: SavedPlanSpec): Json {
  switch (spec.type) {
    case 'string':
    case 'number':
    case 'boolean':
      return { type: spec.type };
    case 'enum':
      return spec.values.length === 1 ? { const: spec.values[0] } : { type: 'string', enum: [...spec.values] };
    case 'nullable': {
      const inner = fromSpec(spec.of);
      if (inner.type === undefined) throw new Error('a nullable spec needs a JSON type to add null to');
      return { ...inner, type: [...[inner.type].flat(), 'null'] };
    }
    case 'array':
      return { type: 'array', ...(spec.minItems === undefined ? {} : { minItems: spec.minItems }), items: fromSpec(spec.of) };
    case 'object':
      return fromFields(spec.fields);
    case 'union': {
      // The variants are told apart by their JSON type: one schema with their types, and each
      // variant's type-specific keywords (an array's items), which apply to values of that type only.
      const variants = spec.of.map(fromSpec);
      const merged: Json = { type: variants.map((variant) => variant.type) };
      for (const { type: _type, ...rest } of variants) {
        for (const key of Object.keys(rest)) if (key !== 'items' && key !== 'properties' && key !== 'required' && key !== 'additionalProperties') throw new Error(`a union variant's ${key} applies to every type`);
        Object.assign(merged, rest);
      }
      return merged;
    }
    case 'change':
      return { oneOf: ACTION_ORDER.map((action) => fromFields(SAVED_PLAN_TABLES.changes[action])) };
  }
}

function fromFields(fields: SavedPlanFields): Json {
  const required = Object.entries(fields).filter(([, field]) => !field.optional).map(([key]) => key).sort();
  return {
    type: 'object',
    additionalProperties: false,
    ...(required.length > 0 ? { required } : {}),
    properties: Object.fromEntries(Object.entries(fields).map(([key, field]) => [key, fromSpec(field.spec)])),
  };
}

/** The whole saved plan as the tables give it; formatVersion, read as a number, is written as the current version. */
function schemaOfTables(): Json {
  const plan = fromFields(SAVED_PLAN_TABLES.plan);
  return { ...plan, properties: { ...(plan.properties as Json), formatVersion: { const: PLAN_FORMAT_VERSION } } };
}

// ---- the schema file, reduced to the same forms ---------------------------------------------------

const ANNOTATIONS = new Set(['$schema', '$id', '$defs', '$comment', 'title', 'description', 'examples']);

function resolve(pointer: string): Json {
  if (!pointer.startsWith('#/$defs/')) throw new Error(`only local $defs references are expected, not ${pointer}`);
  const target = (schema.$defs as Record<string, Json | undefined>)[pointer.slice('#/$defs/'.length)];
  if (target === undefined) throw new Error(`${pointer} does not exist`);
  return target;
}

/** A schema node with its $refs resolved, its annotations dropped and `required` sorted. */
function reduced(node: Json): Json {
  const { $ref, ...rest } = node;
  const merged = typeof $ref === 'string' ? { ...reduced(resolve($ref)), ...rest } : rest;
  const out: Json = {};
  for (const [key, value] of Object.entries(merged)) {
    if (ANNOTATIONS.has(key)) continue;
    if (key === 'properties') out[key] = Object.fromEntries(Object.entries(value as Record<string, Json>).map(([name, child]) => [name, reduced(child)]));
    else if (key === 'items') out[key] = reduced(value as Json);
    else if (key === 'oneOf') out[key] = (value as Json[]).map(reduced);
    else if (key === 'required') out[key] = [...(value as string[])].sort();
    else out[key] = value;
  }
  return out;
}

/** Every schema node that names a value (a property or a definition), with its JSON pointer. */
function* namedNodes(node: Json, pointer = '#'): Generator<[string, Json]> {
  for (const key of ['properties', '$defs']) {
    for (const [name, child] of Object.entries((node[key] ?? {}) as Record<string, Json>)) {
      yield [`${pointer}/${key}/${name}`, child];
      yield* namedNodes(child, `${pointer}/${key}/${name}`);
    }
  }
}

// ---- validation ---------------------------------------------------------------------------------

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(schema);

function schemaErrors(plan: unknown): string[] {
  return validate(plan) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`);
}

/** Whether tenantctl's own reader accepts this plan. */
function readerAccepts(plan: unknown): boolean {
  try {
    parseSavedPlan(JSON.stringify(plan), 'plan.json');
    return true;
  } catch {
    return false;
  }
}

const goldenPlans = readdirSync(GOLDEN).filter((name) => /^plan-.*\.json$/u.test(name));

const builtPlans: [string, () => Plan][] = [
  ['everyActionPlan', everyActionPlan],
  ['convergedPlan', convergedPlan],
  ['tenantMismatchPlan', tenantMismatchPlan],
  ['largePlan(400)', () => largePlan(400)],
];

describe('schemas/plan.schema.json', () => {
  it('is draft 2020-12, says which format it describes, closes every object and describes every property', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.properties.formatVersion.const).toBe(PLAN_FORMAT_VERSION);
    for (const [pointer, node] of namedNodes(schema as Json)) {
      expect(node.description, pointer).toEqual(expect.any(String));
      if (node.type === 'object') expect(node.additionalProperties, pointer).toBe(false);
    }
  });

  it('is exactly what the saved-plan tables of src/domain/plan-format.ts give: every field, its type, whether it is required', () => {
    expect(reduced(schema as Json)).toEqual(schemaOfTables());
  });

  it('describes each action once, under its own name', () => {
    const defs = schema.$defs as Record<string, Json>;
    for (const action of ACTION_ORDER) expect((defs[action]?.properties as Json | undefined)?.action, action).toMatchObject({ const: action });
    expect((defs.change?.oneOf as Json[]).map((variant) => variant.$ref)).toEqual(ACTION_ORDER.map((action) => `#/$defs/${action}`));
  });

  it.each(goldenPlans)('accepts the golden saved plan %s', (name) => {
    expect(goldenPlans.length).toBeGreaterThanOrEqual(3);
    expect(schemaErrors(JSON.parse(readFileSync(`${GOLDEN}${name}`, 'utf8')))).toEqual([]);
  });

  it.each(builtPlans)('accepts %s as tenantctl writes it', (_name, build) => {
    expect(schemaErrors(JSON.parse(renderPlanJson(build())))).toEqual([]);
  });

  it('refuses a plan of another formatVersion', () => {
    const plan = JSON.parse(renderPlanJson(convergedPlan())) as Json;
    expect(schemaErrors({ ...plan, formatVersion: 1 })).not.toEqual([]);
    expect(schemaErrors({ ...plan, formatVersion: 3 })).not.toEqual([]);
  });

  /**
   * Every damage the schema can see, done to every place of the every-action plan: the schema and
   * tenantctl's reader (which apply and show use) agree. The one rule a schema cannot state, that the
   * summary counts the changes, is left out (an edited summary, or protectedPrincipals without it).
   */
  describe('agrees with tenantctl\'s reader on damaged plans', () => {
    const original = JSON.parse(renderPlanJson(everyActionPlan())) as Json;
    const damaged: [string, unknown][] = [];
    const visit = (value: unknown, path: (string | number)[]): void => {
      const at = path.join('.');
      if (Array.isArray(value)) {
        damaged.push([`${at} := {}`, replaced(original, path, {})]);
        value.forEach((item, index) => visit(item, [...path, index]));
      } else if (typeof value === 'object' && value !== null) {
        if (path.length > 0) damaged.push([`${at} := "x"`, replaced(original, path, 'x')]);
        damaged.push([`${at}.extra := 1`, replaced(original, [...path, 'extra'], 1)]);
        for (const [key, child] of Object.entries(value)) {
          const inSummary = path[0] === 'summary' || key === 'summary' || key === 'protectedPrincipals';
          if (!inSummary) damaged.push([`delete ${[...path, key].join('.')}`, replaced(original, [...path, key], undefined)]);
          visit(child, [...path, key]);
        }
      } else if (path[0] !== 'summary') {
        damaged.push([`${at} := {}`, replaced(original, path, {})]);
      }
    };
    visit(original, []);

    it('for each of hundreds of damages: a missing field, a field of the wrong type, an unknown field', () => {
      expect(damaged.length).toBeGreaterThan(300);
      const disagreements = damaged
        .filter(([, plan]) => (schemaErrors(plan).length === 0) !== readerAccepts(plan))
        .map(([what, plan]) => `${what}: the schema ${schemaErrors(plan).length === 0 ? 'accepts' : 'refuses'} it, the reader ${readerAccepts(plan) ? 'accepts' : 'refuses'} it`);
      expect(disagreements).toEqual([]);
    });
  });
});

/** A deep copy of `value` with the value at `path` replaced (deleted when `by` is undefined). */
function replaced(value: unknown, path: readonly (string | number)[], by: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (by === undefined) Reflect.deleteProperty(parent, last);
  else parent[last] = by;
  return copy;
}

describe('the package', () => {
  it('ships the schema as tenantctl/plan.schema.json, beside the policy schema', () => {
    expect(packageJson.exports['./plan.schema.json']).toBe('./schemas/plan.schema.json');
    expect(packageJson.files).toContain('schemas/');
  });
});

describe('examples/plan-policy (a Conftest check on saved plans)', () => {
  const readme = readFileSync(`${EXAMPLE}README.md`, 'utf8');
  const rego = readFileSync(`${EXAMPLE}policy.rego`, 'utf8');
  const example = JSON.parse(readFileSync(`${EXAMPLE}plan.json`, 'utf8')) as Json;

  it('has an example input that is a saved plan: valid against the schema, accepted by tenantctl, and in the canonical bytes', () => {
    expect(schemaErrors(example)).toEqual([]);
    const plan = parseSavedPlan(readFileSync(`${EXAMPLE}plan.json`, 'utf8'), 'plan.json');
    expect(renderPlanJson(plan)).toBe(readFileSync(`${EXAMPLE}plan.json`, 'utf8'));
  });

  it('has a README that runs the Rego file with conftest', () => {
    expect(readme).toContain('conftest test plan.json -p examples/plan-policy');
    expect(readme).toContain('(policy.rego)');
    expect(rego).toMatch(/^package main$/mu);
  });

  it('names only actions, severities and fields the plan has', () => {
    const actions = [...rego.matchAll(/\.action == "([^"]+)"/gu)].map((match) => match[1]);
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(ACTION_ORDER).toContain(action as ChangeAction);
    const defs = schema.$defs as Record<string, Json>;
    const changeFields = new Set(ACTION_ORDER.flatMap((action) => Object.keys(defs[action]?.properties as Json)));
    const fields: [RegExp, Set<string>][] = [
      [/\binput\.(\w+)/gu, new Set(Object.keys(schema.properties))],
      [/\bchange\.(\w+)/gu, changeFields],
      [/\bdiagnostic\.(\w+)/gu, new Set(Object.keys(defs.diagnostic?.properties as Json))],
    ];
    for (const [pattern, known] of fields) {
      for (const [, field] of rego.matchAll(pattern)) expect([...known], field).toContain(field);
    }
    for (const [, severity] of rego.matchAll(/severity == "([^"]+)"/gu)) expect(['error', 'warning', 'info']).toContain(severity);
  });

  it('breaks the rules the README says it breaks', () => {
    const changes = example.changes as { action: string; userPrincipalName: string }[];
    const removals = new Set(changes.filter((change) => change.action === 'remove-licenses').map((change) => change.userPrincipalName));
    expect(Number(/^max_license_removals := (\d+)$/mu.exec(rego)?.[1])).toBeLessThan(removals.size);
    expect(readme).toContain(`removes licenses from ${removals.size} principals`);
    const created = changes.filter((change) => change.action === 'create-user').map((change) => change.userPrincipalName);
    expect(created.some((upn) => !upn.endsWith('@contoso.com'))).toBe(true);
    expect(rego).toContain('allowed_domains := {"contoso.com"}');
  });
});
