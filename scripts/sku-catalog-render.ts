// Pure part of `npm run gen:skus`: validates the parsed licensing-skus.json and renders
// src/domain/sku-catalog.data.ts. No I/O here, so tests can import it; scripts/gen-skus.ts does the file work.

/** Where the input lives, relative to the repository root (named in the generated header). */
export const SKU_CATALOG_INPUT = 'scripts/data/licensing-skus.json';
/** The generated module, relative to the repository root. */
export const SKU_CATALOG_OUTPUT = 'src/domain/sku-catalog.data.ts';
/** The command that regenerates the output. */
export const SKU_CATALOG_COMMAND = 'npm run gen:skus';

/** The input does not have the expected shape; `field` is a path such as `skus[3].servicePlans[0].servicePlanId`. */
export class SkuCatalogInputError extends Error {
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`licensing-skus.json: ${field}: ${problem}`);
    this.name = 'SkuCatalogInputError';
    this.field = field;
  }
}

interface SourceInfo {
  readonly repo: string;
  readonly path: string;
  readonly commit: string;
  readonly updated: string;
}

interface InputPlan {
  readonly servicePlanId: string;
  readonly servicePlanName: string;
  readonly friendlyName: string | null;
}

interface InputSku {
  readonly productName: string;
  readonly skuPartNumber: string;
  readonly skuId: string;
  readonly servicePlans: readonly InputPlan[];
}

interface SkuCatalogInput {
  readonly source: SourceInfo;
  readonly skus: readonly InputSku[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COMMIT = /^[0-9a-f]{40}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
// Control characters and line separators: none belong in a name, and the source fields go into `//` comments.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/;

function show(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (!isRecord(value)) throw new SkuCatalogInputError(field, `expected an object, got ${show(value)}`);
  return value;
}

function array(value: unknown, field: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new SkuCatalogInputError(field, `expected an array, got ${show(value)}`);
  return value;
}

/** A non-empty string without control characters or surrounding whitespace. */
function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new SkuCatalogInputError(field, `expected a string, got ${show(value)}`);
  if (value.trim() === '') throw new SkuCatalogInputError(field, 'expected a non-empty string');
  if (value !== value.trim()) throw new SkuCatalogInputError(field, `has leading or trailing whitespace: ${show(value)}`);
  if (CONTROL.test(value)) throw new SkuCatalogInputError(field, `contains a control character or line break: ${show(value)}`);
  return value;
}

function matching(value: unknown, field: string, pattern: RegExp, what: string): string {
  const s = text(value, field);
  if (!pattern.test(s)) throw new SkuCatalogInputError(field, `expected ${what}, got ${show(s)}`);
  return s;
}

function guid(value: unknown, field: string): string {
  return matching(value, field, GUID, 'a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)').toLowerCase();
}

function parsePlan(value: unknown, field: string): InputPlan {
  const p = record(value, field);
  const friendly = p['friendlyName'];
  return {
    servicePlanId: guid(p['servicePlanId'], `${field}.servicePlanId`),
    servicePlanName: text(p['servicePlanName'], `${field}.servicePlanName`),
    friendlyName: friendly === null ? null : text(friendly, `${field}.friendlyName`),
  };
}

function parseSku(value: unknown, field: string): InputSku {
  const s = record(value, field);
  const sku = {
    productName: text(s['productName'], `${field}.productName`),
    skuPartNumber: text(s['skuPartNumber'], `${field}.skuPartNumber`),
    skuId: guid(s['skuId'], `${field}.skuId`),
    servicePlans: array(s['servicePlans'], `${field}.servicePlans`).map((p, i) => parsePlan(p, `${field}.servicePlans[${i}]`)),
  };
  // A plan is looked up by id within its SKU, so the id must be unique there.
  const seen = new Map<string, number>();
  sku.servicePlans.forEach((plan, i) => {
    const first = seen.get(plan.servicePlanId);
    if (first !== undefined) {
      throw new SkuCatalogInputError(`${field}.servicePlans[${i}].servicePlanId`,
        `${plan.servicePlanId} is already listed in ${field}.servicePlans[${first}] of ${sku.skuPartNumber}`);
    }
    seen.set(plan.servicePlanId, i);
  });
  return sku;
}

/** Checks the shape of a parsed licensing-skus.json; throws a SkuCatalogInputError naming the first bad field. */
export function parseSkuCatalogInput(json: unknown): SkuCatalogInput {
  const root = record(json, '(top level)');
  const src = record(root['source'], 'source');
  const source: SourceInfo = {
    repo: text(src['repo'], 'source.repo'),
    path: text(src['path'], 'source.path'),
    commit: matching(src['commit'], 'source.commit', COMMIT, 'a 40-digit hexadecimal commit id'),
    updated: matching(src['updated'], 'source.updated', DATE, 'a date (YYYY-MM-DD)'),
  };
  const rawSkus = array(root['skus'], 'skus');
  if (rawSkus.length === 0) throw new SkuCatalogInputError('skus', 'expected at least one SKU, got []');
  const skus = rawSkus.map((s, i) => parseSku(s, `skus[${i}]`));
  // SKUs are keyed on skuId (skuPartNumber is not unique: MCOPSTN5 is listed twice).
  const seen = new Map<string, number>();
  skus.forEach((sku, i) => {
    const first = seen.get(sku.skuId);
    if (first !== undefined) {
      throw new SkuCatalogInputError(`skus[${i}].skuId`, `${sku.skuId} is already the skuId of skus[${first}]`);
    }
    seen.set(sku.skuId, i);
  });
  return { source, skus };
}

/**
 * The source of src/domain/sku-catalog.data.ts for a parsed licensing-skus.json. Deterministic: plans are
 * numbered in order of first appearance, SKUs keep the input order. Throws SkuCatalogInputError on bad input.
 */
export function renderSkuCatalogModule(json: unknown): string {
  const { source, skus } = parseSkuCatalogInput(json);

  // A plan is the (id, name, friendlyName) triple: the same servicePlanId is spelt differently in some SKUs.
  const planIndex = new Map<string, number>();
  const planRows: string[] = [];
  const skuRows: string[] = [];
  for (const sku of skus) {
    const indexes = sku.servicePlans.map((plan) => {
      const row = JSON.stringify([plan.servicePlanId, plan.servicePlanName, plan.friendlyName]);
      let index = planIndex.get(row);
      if (index === undefined) {
        index = planRows.length;
        planIndex.set(row, index);
        planRows.push(row);
      }
      return index;
    });
    skuRows.push(JSON.stringify([sku.skuId, sku.skuPartNumber, sku.productName, indexes]));
  }

  const lines = [
    `// GENERATED FILE, do not edit: \`${SKU_CATALOG_COMMAND}\` (scripts/gen-skus.ts) writes it from`,
    `// ${SKU_CATALOG_INPUT}, and \`node scripts/gen-skus.ts --check\` tells whether it is current.`,
    '//',
    `// Source: ${source.repo}, ${source.path},`,
    `// commit ${source.commit}, updated ${source.updated}.`,
    '// Data: "Product names and service plan identifiers for licensing", Microsoft',
    `// (${source.repo}), CC BY 4.0, https://creativecommons.org/licenses/by/4.0/.`,
    '// Modified: converted to JSON with the source table\'s errors corrected (see',
    '// scripts/data/README.md), then compacted into the tables below.',
    '// Microsoft product names are trademarks of Microsoft.',
    '//',
    `// ${skus.length} SKUs; ${planRows.length} distinct service plans, where a plan is a`,
    '// (servicePlanId, servicePlanName, friendlyName) triple because the source spells some ids differently',
    '// in different SKUs. Read it through sku-catalog.ts.',
    '',
    'export const SKU_CATALOG_SOURCE = {',
    `  repo: ${JSON.stringify(source.repo)},`,
    `  path: ${JSON.stringify(source.path)},`,
    `  commit: ${JSON.stringify(source.commit)},`,
    `  updated: ${JSON.stringify(source.updated)},`,
    '} as const;',
    '',
    '/** Distinct service plans, in order of first appearance: [servicePlanId, servicePlanName, friendlyName | null]. */',
    'export const SKU_CATALOG_PLANS: readonly (readonly [string, string, string | null])[] = [',
    ...planRows.map((row) => `  ${row},`),
    '];',
    '',
    '/** SKUs in source order: [skuId, skuPartNumber, productName, indexes into SKU_CATALOG_PLANS]. */',
    'export const SKU_CATALOG_SKUS: readonly (readonly [string, string, string, readonly number[]])[] = [',
    ...skuRows.map((row) => `  ${row},`),
    '];',
    '',
  ];
  return lines.join('\n');
}
