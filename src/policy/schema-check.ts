import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import schema from '../../schemas/tenant-policy.schema.json' with { type: 'json' };
import type { Diagnostic, PolicyDiagnosticCode } from '../domain/diagnostics.ts';
import { formatLocation } from '../domain/diagnostics.ts';
import { suggestCountryCode } from '../domain/countries.ts';
import { closestMatches, rankCandidates } from '../domain/suggest.ts';
import type { PathSegment, PolicyDocument } from './source.ts';
import { clip } from './clip.ts';

export { schema as tenantPolicySchema };

let compiled: ValidateFunction | undefined;

/** ajv-formats is CommonJS; its plugin is the module itself or its `default`, depending on the loader. */
type FormatsPlugin = (ajv: Ajv2020) => Ajv2020;
function formatsPlugin(): FormatsPlugin {
  const candidate = ajvFormats as unknown as { default: FormatsPlugin | { default: FormatsPlugin } };
  return typeof candidate.default === 'function' ? candidate.default : candidate.default.default;
}

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
    // Lengths in UTF-16 code units, as Graph counts them (an emoji is two): a value the schema accepts is one
    // Graph accepts. Ajv reads this option when it compiles; passed to the constructor it prints a deprecation
    // notice. test/cli/issue13-attribute-length-utf16.test.ts fails if Ajv stops honouring it.
    (ajv.opts as { unicode?: boolean }).unicode = false;
    formatsPlugin()(ajv);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** Checks one document against the public schema; every violation becomes a positioned diagnostic. */
export function checkPolicySchema(document: PolicyDocument): Diagnostic[] {
  const validate = validator();
  if (validate(forSchema(document.value))) return [];
  // An error inside `propertyNames` carries the name it is about; the propertyNames error itself says it better.
  const errors = (validate.errors ?? []).filter((e) => !NOISE.has(e.keyword) && (e.keyword === 'propertyNames' || e.propertyName === undefined));
  // One mistake can break two keywords (a GUID's pattern and its format): report it once.
  const seen = new Set<string>();
  return errors.map((error) => toDiagnostic(document, error)).filter((d) => {
    const key = `${d.code}@${d.location ? formatLocation(d.location) : ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The value as JSON Schema should see it. YAML's `!!binary`, `!!set`, `!!omap` and `!!pairs` read
 * as a Uint8Array, Set or Map, which ajv would take for mappings (with keys `0`, `1`, …); they
 * become null, which no place of the schema accepts, so each is reported as the wrong type, and
 * the message describes the value the document holds (toDiagnostic reads `document.value`).
 */
function forSchema(value: unknown): unknown {
  if (value instanceof Uint8Array || value instanceof Map || value instanceof Set) return null;
  // Copied only where something inside changes: a policy of 50,000 users is mostly left as it is.
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      const seen = forSchema(item);
      if (copy === undefined && !Object.is(seen, item)) copy = value.slice(0, index);
      copy?.push(seen);
    }
    return copy ?? value;
  }
  if (typeof value === 'object' && value !== null) {
    if (Object.getPrototypeOf(value) !== Object.prototype) return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, forSchema(child)]));
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!Object.is(forSchema(record[key]), record[key])) return Object.fromEntries(Object.entries(record).map(([name, child]) => [name, forSchema(child)]));
    }
    return value;
  }
  return value;
}

/** Keywords whose failure is always explained by a more precise error on the same value. */
const NOISE = new Set(['if', 'anyOf', 'oneOf', '$ref']);

function parsePointer(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/gu, '/').replace(/~0/gu, '~'))
    .map((segment) => (/^(0|[1-9][0-9]*)$/u.test(segment) ? Number(segment) : segment));
}

/** `users[3].licenses[0]`, with the principal's UPN when it has one. */
export function describePath(document: PolicyDocument, path: readonly PathSegment[]): string {
  if (path.length === 0) return 'the document';
  let text = '';
  for (const segment of path) text += typeof segment === 'number' ? `[${segment}]` : text === '' ? clip(segment) : `.${clip(segment)}`;
  const [list, index, field] = path;
  if ((list === 'users' || list === 'mailboxes') && typeof index === 'number' && field !== undefined && field !== 'userPrincipalName') {
    const upn = valueAt(document.value, [list, index, 'userPrincipalName']);
    if (typeof upn === 'string') text += ` (${clip(upn)})`;
  }
  return text;
}

function show(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return String(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let value = root;
  for (const segment of path) value = typeof value === 'object' && value !== null ? (value as Record<PathSegment, unknown>)[segment] : undefined;
  return value;
}

/** Values with a format of their own: their code, and what a valid one looks like. */
const FORMATS: readonly { readonly def: string; readonly code: PolicyDiagnosticCode; readonly hint: string }[] = [
  { def: '/$defs/userPrincipalName/', code: 'invalid-upn', hint: "a UPN is local-part@domain; the local part may hold only A-Z a-z 0-9 ' . - _ ! # ^ ~" },
  { def: '/$defs/guid/', code: 'invalid-guid', hint: 'a GUID looks like 8f3c1a52-0000-4000-8000-000000000001' },
  { def: '/$defs/countryCode/', code: 'invalid-country-code', hint: 'use an upper-case ISO 3166-1 alpha-2 code such as NL, US or GB' },
  { def: '/$defs/licenseGroup/', code: 'invalid-value', hint: "name the licensing group by its object id or its display name" },
];

const LICENSE_SET_NAME_HINT = "a license-set name starts with a letter and holds only letters, digits, '-' and '_'";

function toDiagnostic(document: PolicyDocument, error: ErrorObject): Diagnostic {
  const path = parsePointer(error.instancePath);
  const where = describePath(document, path);
  const value = valueAt(document.value, path);
  const params = error.params as Record<string, unknown>;
  const format = FORMATS.find((f) => error.schemaPath.includes(f.def));
  const error_ = (code: PolicyDiagnosticCode, message: string, at = document.locate(path)): Diagnostic => ({
    severity: 'error',
    code,
    message,
    location: at,
  });

  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const keyPath = [...path, key];
      const allowed = allowedKeys(error.parentSchema);
      if (path[0] === 'mailboxes' && key === 'accountEnabled') {
        return error_('unknown-key', `${where}: mailboxes have no \`accountEnabled\`; their sign-in is always blocked. Remove the key.`, document.locate(keyPath, 'key'));
      }
      if (path[0] === 'mailboxes' && key === 'whenMissing') {
        return error_('unknown-key', `${where}: mailboxes have no \`whenMissing\`; Graph cannot create a mailbox, so a missing one is always reported. Remove the key.`, document.locate(keyPath, 'key'));
      }
      if (path[2] === 'licenses' && key === 'group') {
        return error_(
          'unknown-key',
          `${where}: an inline license cannot name a \`group\`; declare a license set under \`licenses:\` with \`sku\` and \`group\`, and refer to it by name`,
          document.locate(keyPath, 'key'),
        );
      }
      const suggestion = closestMatches(key, allowed, 1)[0];
      const advice = suggestion ? `did you mean \`${suggestion}\`?` : `allowed keys: ${allowed.join(', ')}`;
      return error_('unknown-key', `${where === 'the document' ? 'top level' : where}: unknown key \`${clip(key)}\`; ${advice}`, document.locate(keyPath, 'key'));
    }
    case 'required': {
      const key = String(params.missingProperty);
      const fix = key === 'apiVersion' ? ': add `apiVersion: tenantctl/v1`' : key === 'kind' ? ': add `kind: TenantPolicy`' : '';
      return error_('missing-key', `${where} is missing the required key \`${key}\`${fix}`, document.locate(path, 'key'));
    }
    case 'type': {
      // A type list (["string", "null"]) reaches here as "string,null": "a string or empty (null)".
      const expected = String(params.type)
        .split(',')
        .map((type) => (type === 'null' ? 'empty (null)' : `${article(YAML_TYPE_NAMES[type] ?? type)} ${YAML_TYPE_NAMES[type] ?? type}`))
        .join(' or ');
      const tip = params.type === 'boolean' ? ' (write true or false, without quotes)' : '';
      return error_('invalid-type', `${where} must be ${expected}${tip}, not ${describeValue(value, document.written(path))}`);
    }
    case 'const':
      return error_('invalid-value', `${where} must be ${show(params.allowedValue)}, not ${showWritten(value, document.written(path))}`);
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      if (error.schemaPath.includes('/$defs/changeAction/')) {
        // `watch.heal`: a plan action, found by any of its words too ("restore" → restore-user).
        const suggestion = typeof value === 'string' ? rankCandidates(value, allowed.map((action) => ({ value: action, names: [action] })), 1)[0] : undefined;
        return error_(
          'invalid-value',
          `${where}: unknown plan action ${showWritten(value, document.written(path))}${suggestion ? `; did you mean ${suggestion}?` : '.'} Plan actions: ${allowed.join(', ')}`,
        );
      }
      const suggestion = typeof value === 'string' ? closestMatches(value.toLowerCase(), allowed, 1)[0] : undefined;
      return error_('invalid-value', `${where} must be one of ${allowed.join(', ')}, not ${showWritten(value, document.written(path))}${suggestion ? `; did you mean ${suggestion}?` : ''}`);
    }
    case 'propertyNames': {
      const name = String(params.propertyName);
      return error_('invalid-value', `${where}: invalid name \`${clip(name)}\`: ${LICENSE_SET_NAME_HINT}`, document.locate([...path, name], 'key'));
    }
    case 'maxItems': {
      const limit = Number(params.limit);
      const count = Array.isArray(value) ? value.length : 0;
      return error_('invalid-value', `${where} may hold at most ${limit} item${limit === 1 ? '' : 's'}, not ${count}${path.at(-1) === 'businessPhones' ? ': Graph keeps one business phone number' : ''}`);
    }
    case 'minimum':
    case 'maximum': {
      const bound = `${error.keyword === 'minimum' ? 'at least' : 'at most'} ${String(params.limit)}`;
      return error_('invalid-value', `${where} must be ${bound}, not ${showWritten(value, document.written(path))}`);
    }
    case 'uniqueItems':
      // ajv names the pair (i, j) with i < j: point at the repeat, the one to delete.
      return error_('invalid-value', `${where} lists ${show(valueAt(value, [Number(params.i)]))} twice; keep one`, document.locate([...path, Number(params.j)]));
    case 'pattern':
    case 'format':
    case 'maxLength':
    case 'minLength': {
      const problem = error.keyword === 'maxLength' ? ` is longer than ${String(params.limit)} characters` : error.keyword === 'minLength' ? ' is empty' : ` ${show(value)} is not valid`;
      const suggestion = format?.code === 'invalid-country-code' && typeof value === 'string' ? suggestCountryCode(value) : undefined;
      const advice = [format?.hint, suggestion ? `did you mean ${suggestion}?` : undefined].filter((part) => part !== undefined).join('; ');
      return error_(format?.code ?? 'invalid-value', `${where}${problem}${advice ? `: ${advice}` : ''}`);
    }
    default:
      return error_('invalid-value', `${where} ${error.message ?? 'is not valid'}`);
  }
}

function allowedKeys(parentSchema: unknown): string[] {
  const properties = (parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return properties ? Object.keys(properties) : [];
}

/** JSON Schema's type names in the words of YAML. */
const YAML_TYPE_NAMES: Readonly<Record<string, string>> = { object: 'mapping', array: 'list', integer: 'whole number' };

function isScalar(value: unknown): boolean {
  return value !== null && typeof value !== 'object';
}

/**
 * A value as the user wrote it. Numbers keep their spelling: `1e999999` reads as Infinity,
 * which JSON would print as null, and `12345678901234567890` would lose digits.
 */
function showWritten(value: unknown, written: string | undefined): string {
  if (typeof value === 'number' && written !== undefined && written !== '') return written.length > 60 ? `${written.slice(0, 57)}...` : written;
  if (value instanceof Uint8Array) return `binary data (${value.length} bytes)`;
  return show(value);
}

/** What a value is, in the words of YAML, for "must be a string, not …". */
function describeValue(value: unknown, written: string | undefined): string {
  if (value === null) return 'empty (null)';
  if (value instanceof Uint8Array) return `binary data (a !!binary value of ${value.length} bytes)`;
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Set) return 'a set (!!set)';
  if (value instanceof Map) return 'an ordered mapping (!!omap or !!pairs)';
  if (typeof value === 'object') return 'a mapping';
  const shown = showWritten(value, written);
  if (typeof value === 'number' && !Number.isFinite(value) && !Number.isNaN(value) && /^[-+]?\.?[0-9]/u.test(shown)) {
    return `a number (${shown} is too large${value < 0 ? ' in magnitude' : ''})`;
  }
  return isScalar(value) ? `the ${typeof value} ${shown}` : `the ${typeof value}`;
}

function article(word: string): string {
  return /^[aeiou]/u.test(word) ? 'an' : 'a';
}
