import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';

/**
 * Microsoft Graph's own v1.0 schema (OData CSDL / EDMX 4.0), read from the vendored copy in
 * `test/fixtures/graph/` (provenance in its README.md), and a checker of JSON payloads against it.
 *
 * Parsing uses fast-xml-parser rather than a hand-written extractor: the file is real XML (entity
 * references in attribute values, self-closing and nested elements, attributes in any order), and
 * a regular-expression extractor would have to get all of that right to be trusted as an oracle.
 * `Annotations`, `Annotation` and `EntityContainer` are stop nodes (kept as raw text, not parsed):
 * the checker needs none of their content, and skipping them cuts the parse time by about 60 %.
 */

/** `test/fixtures/graph/v1.0-Prod.csdl`: Microsoft's file, byte for byte (see the README.md beside it). */
export const CSDL_PATH = fileURLToPath(new URL('../fixtures/graph/v1.0-Prod.csdl', import.meta.url));

export interface CsdlProperty {
  readonly name: string;
  /** Namespace-qualified, aliases resolved: `Collection(microsoft.graph.assignedLicense)`, `Edm.Guid`. */
  readonly type: string;
  /** False only where the CSDL says `Nullable="false"`. */
  readonly nullable: boolean;
  readonly navigation: boolean;
  readonly maxLength: number | undefined;
  /** The full name of the type that declares it (a base type for inherited properties). */
  readonly declaredBy: string;
}

export interface CsdlStructuredType {
  readonly kind: 'entity' | 'complex';
  /** `microsoft.graph.user` */
  readonly fullName: string;
  readonly namespace: string;
  readonly name: string;
  /** Full name, aliases resolved. */
  readonly baseType: string | undefined;
  readonly abstract: boolean;
  readonly openType: boolean;
  /** Declared on this type only; see `CsdlSchema.properties` for the inherited ones too. */
  readonly ownProperties: ReadonlyMap<string, CsdlProperty>;
}

export interface CsdlEnumType {
  readonly kind: 'enum';
  readonly fullName: string;
  readonly namespace: string;
  readonly name: string;
  readonly isFlags: boolean;
  readonly members: ReadonlySet<string>;
}

export interface CsdlParameter {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  /** Annotated `Org.OData.Core.V1.OptionalParameter`. */
  readonly optional: boolean;
}

export interface CsdlAction {
  readonly name: string;
  /** `microsoft.graph.restore` */
  readonly fullName: string;
  /** The type of `bindingParameter`, e.g. `microsoft.graph.directoryObject`. */
  readonly bindingType: string;
  /** Without `bindingParameter`. */
  readonly parameters: readonly CsdlParameter[];
  readonly returnType: string | undefined;
}

export interface CsdlTerm {
  readonly fullName: string;
  readonly type: string;
}

export interface CsdlSchema {
  /** Namespace → its alias, as the file declares them (`microsoft.graph` → `graph`). */
  readonly namespaces: ReadonlyMap<string, string | undefined>;
  readonly structuredTypes: ReadonlyMap<string, CsdlStructuredType>;
  readonly enumTypes: ReadonlyMap<string, CsdlEnumType>;
  readonly actions: readonly CsdlAction[];
  readonly terms: ReadonlyMap<string, CsdlTerm>;
  readonly timings: { readonly readMs: number; readonly parseMs: number; readonly modelMs: number };
  /** `graph.user` → `microsoft.graph.user`; `Collection(graph.x)` → `Collection(microsoft.graph.x)`; `Edm.*` unchanged. */
  resolveTypeName(reference: string): string;
  structuredType(reference: string): CsdlStructuredType | undefined;
  enumType(reference: string): CsdlEnumType | undefined;
  /** The type itself, then its base types: user → directoryObject → entity. */
  baseChain(reference: string): readonly CsdlStructuredType[];
  /** Every property, inherited ones included, by name (names are case-sensitive in OData JSON). */
  properties(reference: string): ReadonlyMap<string, CsdlProperty>;
  isDerivedFrom(reference: string, baseReference: string): boolean;
  boundAction(name: string, bindingTypeReference: string): CsdlAction | undefined;
  /** Type references (of properties, base types, parameters, terms) that name no type: a parser self-check. */
  unresolvedReferences(): readonly string[];
}

type XmlNode = Record<string, unknown>;

const ARRAY_ELEMENTS = new Set(['Schema', 'EntityType', 'ComplexType', 'EnumType', 'Member', 'Property', 'NavigationProperty', 'Action', 'Function', 'Parameter', 'Annotation', 'Term', 'ReturnType']);

function attribute(node: XmlNode, name: string): string | undefined {
  const value = node[`@_${name}`];
  return typeof value === 'string' ? value : undefined;
}

function requiredAttribute(node: XmlNode, name: string, where: string): string {
  const value = attribute(node, name);
  if (value === undefined) throw new Error(`CSDL: ${where} has no ${name} attribute`);
  return value;
}

function children(node: XmlNode, name: string): XmlNode[] {
  const value = node[name];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}

const COLLECTION = /^Collection\((.+)\)$/u;

/** The item type of `Collection(X)`, or undefined for a single-valued type. */
export function collectionItemType(type: string): string | undefined {
  return COLLECTION.exec(type)?.[1];
}

/** `microsoft.graph.user` → `user`; `Collection(microsoft.graph.user)` → `user`. */
export function shortTypeName(type: string): string {
  const item = collectionItemType(type) ?? type;
  return item.slice(item.lastIndexOf('.') + 1);
}

/** Parses CSDL text. Prefer `loadCsdl()`, which parses the shared file once per process. */
export function parseCsdl(text: string, readMs = 0): CsdlSchema {
  const parseStart = performance.now();
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseAttributeValue: false,
    parseTagValue: false,
    ignoreDeclaration: true,
    isArray: (name) => ARRAY_ELEMENTS.has(name),
    stopNodes: ['*.Annotations', '*.Annotation', '*.EntityContainer'],
  });
  const document = parser.parse(text) as XmlNode;
  const parseMs = performance.now() - parseStart;

  const modelStart = performance.now();
  const edmx = document['edmx:Edmx'] as XmlNode | undefined;
  const dataServices = edmx?.['edmx:DataServices'] as XmlNode | undefined;
  if (!dataServices) throw new Error('CSDL: no edmx:Edmx/edmx:DataServices element');
  const schemas = children(dataServices, 'Schema');
  if (schemas.length === 0) throw new Error('CSDL: no Schema element');

  const namespaces = new Map<string, string | undefined>();
  const aliases = new Map<string, string>();
  for (const schema of schemas) {
    const namespace = requiredAttribute(schema, 'Namespace', 'a Schema');
    const alias = attribute(schema, 'Alias');
    namespaces.set(namespace, alias);
    if (alias !== undefined) aliases.set(alias, namespace);
  }

  const resolveTypeName = (reference: string): string => {
    const item = collectionItemType(reference);
    if (item !== undefined) return `Collection(${resolveTypeName(item)})`;
    const dot = reference.lastIndexOf('.');
    if (dot < 0) return reference;
    const qualifier = reference.slice(0, dot);
    const namespace = aliases.get(qualifier);
    return namespace === undefined ? reference : `${namespace}.${reference.slice(dot + 1)}`;
  };

  const structuredTypes = new Map<string, CsdlStructuredType>();
  const enumTypes = new Map<string, CsdlEnumType>();
  const actions: CsdlAction[] = [];
  const terms = new Map<string, CsdlTerm>();

  for (const schema of schemas) {
    const namespace = requiredAttribute(schema, 'Namespace', 'a Schema');
    for (const [element, kind] of [['EntityType', 'entity'], ['ComplexType', 'complex']] as const) {
      for (const node of children(schema, element)) {
        const name = requiredAttribute(node, 'Name', `an ${element} in ${namespace}`);
        const fullName = `${namespace}.${name}`;
        const ownProperties = new Map<string, CsdlProperty>();
        for (const [propertyElement, navigation] of [['Property', false], ['NavigationProperty', true]] as const) {
          for (const property of children(node, propertyElement)) {
            const propertyName = requiredAttribute(property, 'Name', `a ${propertyElement} of ${fullName}`);
            const maxLength = attribute(property, 'MaxLength');
            ownProperties.set(propertyName, {
              name: propertyName,
              type: resolveTypeName(requiredAttribute(property, 'Type', `${fullName}.${propertyName}`)),
              nullable: attribute(property, 'Nullable') !== 'false',
              navigation,
              maxLength: maxLength !== undefined && /^\d+$/u.test(maxLength) ? Number(maxLength) : undefined,
              declaredBy: fullName,
            });
          }
        }
        const baseType = attribute(node, 'BaseType');
        structuredTypes.set(fullName, {
          kind,
          fullName,
          namespace,
          name,
          baseType: baseType === undefined ? undefined : resolveTypeName(baseType),
          abstract: attribute(node, 'Abstract') === 'true',
          openType: attribute(node, 'OpenType') === 'true',
          ownProperties,
        });
      }
    }
    for (const node of children(schema, 'EnumType')) {
      const name = requiredAttribute(node, 'Name', `an EnumType in ${namespace}`);
      const fullName = `${namespace}.${name}`;
      enumTypes.set(fullName, {
        kind: 'enum',
        fullName,
        namespace,
        name,
        isFlags: attribute(node, 'IsFlags') === 'true',
        members: new Set(children(node, 'Member').map((member) => requiredAttribute(member, 'Name', `a Member of ${fullName}`))),
      });
    }
    for (const node of children(schema, 'Action')) {
      const name = requiredAttribute(node, 'Name', `an Action in ${namespace}`);
      if (attribute(node, 'IsBound') !== 'true') continue;
      const [binding, ...rest] = children(node, 'Parameter');
      if (!binding) throw new Error(`CSDL: bound action ${namespace}.${name} has no parameters`);
      const returnType = children(node, 'ReturnType')[0];
      actions.push({
        name,
        fullName: `${namespace}.${name}`,
        bindingType: resolveTypeName(requiredAttribute(binding, 'Type', `the binding parameter of ${name}`)),
        parameters: rest
          .filter((parameter) => attribute(parameter, 'Name') !== 'bindingParameter')
          .map((parameter) => ({
            name: requiredAttribute(parameter, 'Name', `a Parameter of ${name}`),
            type: resolveTypeName(requiredAttribute(parameter, 'Type', `a Parameter of ${name}`)),
            nullable: attribute(parameter, 'Nullable') !== 'false',
            optional: children(parameter, 'Annotation').some((annotation) => resolveTerm(attribute(annotation, 'Term')) === 'Org.OData.Core.V1.OptionalParameter'),
          })),
        returnType: returnType ? resolveTypeName(requiredAttribute(returnType, 'Type', `the ReturnType of ${name}`)) : undefined,
      });
    }
    for (const node of children(schema, 'Term')) {
      const name = requiredAttribute(node, 'Name', `a Term in ${namespace}`);
      terms.set(`${namespace}.${name}`, { fullName: `${namespace}.${name}`, type: resolveTypeName(requiredAttribute(node, 'Type', `Term ${name}`)) });
    }
  }

  function resolveTerm(term: string | undefined): string | undefined {
    return term === undefined ? undefined : resolveTypeName(term);
  }

  const structuredType = (reference: string): CsdlStructuredType | undefined => structuredTypes.get(resolveTypeName(reference));
  const enumType = (reference: string): CsdlEnumType | undefined => enumTypes.get(resolveTypeName(reference));

  const chains = new Map<string, readonly CsdlStructuredType[]>();
  const baseChain = (reference: string): readonly CsdlStructuredType[] => {
    const fullName = resolveTypeName(reference);
    const cached = chains.get(fullName);
    if (cached) return cached;
    const chain: CsdlStructuredType[] = [];
    let current = structuredTypes.get(fullName);
    while (current) {
      if (chain.includes(current)) throw new Error(`CSDL: BaseType cycle at ${current.fullName}`);
      chain.push(current);
      if (current.baseType === undefined) break;
      const base = structuredTypes.get(current.baseType);
      if (!base) throw new Error(`CSDL: ${current.fullName} has unknown BaseType ${current.baseType}`);
      current = base;
    }
    chains.set(fullName, chain);
    return chain;
  };

  const resolvedProperties = new Map<string, ReadonlyMap<string, CsdlProperty>>();
  const properties = (reference: string): ReadonlyMap<string, CsdlProperty> => {
    const fullName = resolveTypeName(reference);
    const cached = resolvedProperties.get(fullName);
    if (cached) return cached;
    const result = new Map<string, CsdlProperty>();
    // Base types first, so the result lists entity's `id` before user's own properties.
    for (const type of [...baseChain(fullName)].reverse()) for (const [name, property] of type.ownProperties) result.set(name, property);
    resolvedProperties.set(fullName, result);
    return result;
  };

  const isDerivedFrom = (reference: string, baseReference: string): boolean => {
    const base = resolveTypeName(baseReference);
    return baseChain(reference).some((type) => type.fullName === base);
  };

  const boundAction = (name: string, bindingTypeReference: string): CsdlAction | undefined => {
    const binding = resolveTypeName(bindingTypeReference);
    return actions.find((action) => action.name === name && action.bindingType === binding);
  };

  const knownType = (reference: string): boolean => {
    const item = collectionItemType(reference) ?? reference;
    return item.startsWith('Edm.') || structuredTypes.has(item) || enumTypes.has(item);
  };

  const unresolvedReferences = (): readonly string[] => {
    const missing: string[] = [];
    for (const type of structuredTypes.values()) {
      if (type.baseType !== undefined && !structuredTypes.has(type.baseType)) missing.push(`${type.fullName} BaseType ${type.baseType}`);
      for (const property of type.ownProperties.values()) if (!knownType(property.type)) missing.push(`${type.fullName}.${property.name}: ${property.type}`);
    }
    for (const action of actions) {
      if (!knownType(action.bindingType)) missing.push(`${action.fullName} binding ${action.bindingType}`);
      for (const parameter of action.parameters) if (!knownType(parameter.type)) missing.push(`${action.fullName}(${parameter.name}): ${parameter.type}`);
      if (action.returnType !== undefined && !knownType(action.returnType)) missing.push(`${action.fullName} returns ${action.returnType}`);
    }
    for (const term of terms.values()) if (!knownType(term.type)) missing.push(`term ${term.fullName}: ${term.type}`);
    return missing;
  };

  return {
    namespaces,
    structuredTypes,
    enumTypes,
    actions,
    terms,
    timings: { readMs, parseMs, modelMs: performance.now() - modelStart },
    resolveTypeName,
    structuredType,
    enumType,
    baseChain,
    properties,
    isDerivedFrom,
    boundAction,
    unresolvedReferences,
  };
}

const cache = new Map<string, CsdlSchema>();

/** The vendored CSDL, read and parsed once per process (per test file, under vitest's isolation). */
export function loadCsdl(path: string = CSDL_PATH): CsdlSchema {
  const cached = cache.get(path);
  if (cached) return cached;
  const readStart = performance.now();
  const text = readFileSync(path, 'utf8');
  const schema = parseCsdl(text, performance.now() - readStart);
  cache.set(path, schema);
  return schema;
}

// ---------------------------------------------------------------------------------------------
// The checker

/**
 * OData JSON control information (OData JSON Format 4.0 §4.5) that may stand on an object. Values
 * are checked for their JSON kind; `odata.type` also names the type the object is checked as.
 */
const CONTROL_INFORMATION: Readonly<Record<string, 'string' | 'integer'>> = {
  'odata.context': 'string',
  'odata.metadataEtag': 'string',
  'odata.type': 'string',
  'odata.count': 'integer',
  'odata.nextLink': 'string',
  'odata.deltaLink': 'string',
  'odata.id': 'string',
  'odata.editLink': 'string',
  'odata.readLink': 'string',
  'odata.etag': 'string',
  'odata.mediaEditLink': 'string',
  'odata.mediaReadLink': 'string',
  'odata.mediaContentType': 'string',
  'odata.mediaEtag': 'string',
};

/** Control information that may annotate a property (`members@odata.nextLink`). */
const PROPERTY_CONTROL_INFORMATION: Readonly<Record<string, 'string' | 'integer'>> = {
  'odata.type': 'string',
  'odata.count': 'integer',
  'odata.nextLink': 'string',
  'odata.deltaLink': 'string',
  'odata.navigationLink': 'string',
  'odata.associationLink': 'string',
  'odata.mediaEditLink': 'string',
  'odata.mediaReadLink': 'string',
  'odata.mediaContentType': 'string',
  'odata.mediaEtag': 'string',
};

export interface CheckOptions {
  /** Defaults to `loadCsdl()`. */
  readonly schema?: CsdlSchema;
  /** The root of the problem paths; defaults to the type's short name (`user`). */
  readonly label?: string;
}

/**
 * Checks one JSON value (usually a response object) against a CSDL type, e.g.
 * `checkJsonAgainstType(body, 'microsoft.graph.user')` or `'graph.user'`. Returns problems like
 * `user.asignedLicenses: no such property on microsoft.graph.user`; an empty list means it conforms.
 *
 * Deliberately strict: properties are matched case-sensitively (as OData JSON is), undeclared
 * properties are refused even on open types (Graph's `user` is `OpenType="true"` for directory
 * extensions, which the emulator does not model), enum values must be members, and instance
 * annotations must be OData control information or a Term the CSDL declares.
 */
export function checkJsonAgainstType(json: unknown, typeName: string, options: CheckOptions = {}): string[] {
  const schema = options.schema ?? loadCsdl();
  const type = schema.resolveTypeName(typeName);
  requireKnownType(schema, type);
  const problems: string[] = [];
  checkValue(schema, json, type, false, options.label ?? shortTypeName(type), problems);
  return problems;
}

/**
 * Checks a response whose payload is in `value` (a collection, or a single property's value):
 * `{"@odata.context": …, "value": …, "@odata.nextLink"?: …}`. For a collection pass
 * `Collection(microsoft.graph.user)`; problems then read `user[0].mail: …`.
 */
export function checkValueResponse(json: unknown, typeName: string, options: CheckOptions = {}): string[] {
  const schema = options.schema ?? loadCsdl();
  const type = schema.resolveTypeName(typeName);
  requireKnownType(schema, type);
  const label = options.label ?? shortTypeName(type);
  const problems: string[] = [];
  if (!isObject(json)) return [`${label}: ${kindOf(json)} is not a response object with a value`];
  if (!('value' in json)) problems.push(`${label}: the response has no value`);
  for (const [key, value] of Object.entries(json)) {
    if (key === 'value') checkValue(schema, value, type, false, label, problems);
    else if (key.startsWith('@')) checkInstanceAnnotation(schema, key.slice(1), value, CONTROL_INFORMATION, `${label}.${key}`, problems);
    else problems.push(`${label}.${key}: a response with a value carries nothing else but annotations`);
  }
  return problems;
}

/** `checkValueResponse` for `Collection(typeName)`. */
export function checkCollectionResponse(json: unknown, typeName: string, options: CheckOptions = {}): string[] {
  const schema = options.schema ?? loadCsdl();
  return checkValueResponse(json, `Collection(${schema.resolveTypeName(typeName)})`, { ...options, schema });
}

/**
 * Checks a JSON value given for an action parameter (or any typed value): the same rules as a
 * property of that type.
 */
export function checkValueAgainstTypeReference(json: unknown, typeReference: string, nullable: boolean, label: string, schema: CsdlSchema = loadCsdl()): string[] {
  const type = schema.resolveTypeName(typeReference);
  requireKnownType(schema, type);
  const problems: string[] = [];
  checkValue(schema, json, type, nullable, label, problems);
  return problems;
}

function requireKnownType(schema: CsdlSchema, type: string): void {
  const item = collectionItemType(type) ?? type;
  if (!item.startsWith('Edm.') && !schema.structuredType(item) && !schema.enumType(item)) throw new Error(`The CSDL has no type ${type}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function checkValue(schema: CsdlSchema, value: unknown, type: string, nullable: boolean, path: string, problems: string[]): void {
  if (value === null) {
    if (!nullable) problems.push(`${path}: null is not allowed (Nullable="false", ${type})`);
    return;
  }
  const item = collectionItemType(type);
  if (item !== undefined) {
    if (!Array.isArray(value)) {
      problems.push(`${path}: ${kindOf(value)} is not compatible with ${type}`);
      return;
    }
    value.forEach((element, index) => checkValue(schema, element, item, nullable, `${path}[${index}]`, problems));
    return;
  }
  if (type.startsWith('Edm.')) {
    const problem = primitiveProblem(value, type);
    if (problem !== undefined) problems.push(`${path}: ${problem}`);
    return;
  }
  const enumType = schema.enumType(type);
  if (enumType) {
    const problem = enumProblem(value, enumType);
    if (problem !== undefined) problems.push(`${path}: ${problem}`);
    return;
  }
  const structured = schema.structuredType(type);
  if (structured) {
    checkObject(schema, value, structured, path, problems);
    return;
  }
  problems.push(`${path}: the CSDL has no type ${type}`);
}

function checkObject(schema: CsdlSchema, value: unknown, declared: CsdlStructuredType, path: string, problems: string[]): void {
  if (!isObject(value)) {
    problems.push(`${path}: ${kindOf(value)} is not compatible with ${declared.fullName}`);
    return;
  }
  let actual = declared;
  const odataType = value['@odata.type'];
  if (odataType !== undefined) {
    const named = typeof odataType === 'string' && odataType.startsWith('#') ? schema.structuredType(odataType.slice(1)) : undefined;
    if (!named) {
      problems.push(`${path}.@odata.type: ${JSON.stringify(odataType)} names no entity or complex type in the CSDL`);
      return;
    }
    if (!schema.isDerivedFrom(named.fullName, declared.fullName)) {
      problems.push(`${path}.@odata.type: ${named.fullName} is not ${declared.fullName} or derived from it`);
      return;
    }
    actual = named;
  }
  if (actual.abstract) problems.push(`${path}: ${actual.fullName} is abstract; the object needs an @odata.type naming a concrete type`);
  const properties = schema.properties(actual.fullName);
  for (const [key, propertyValue] of Object.entries(value)) {
    const at = key.indexOf('@');
    if (at === 0) {
      checkInstanceAnnotation(schema, key.slice(1), propertyValue, CONTROL_INFORMATION, `${path}.${key}`, problems);
      continue;
    }
    if (at > 0) {
      const name = key.slice(0, at);
      if (!properties.has(name)) problems.push(`${path}.${key}: annotates ${name}, but there is no such property on ${actual.fullName}`);
      else checkInstanceAnnotation(schema, key.slice(at + 1), propertyValue, PROPERTY_CONTROL_INFORMATION, `${path}.${key}`, problems);
      continue;
    }
    const property = properties.get(key);
    if (!property) {
      problems.push(`${path}.${key}: no such property on ${actual.fullName}`);
      continue;
    }
    checkValue(schema, propertyValue, property.type, property.nullable, `${path}.${key}`, problems);
    if (property.maxLength !== undefined && typeof propertyValue === 'string' && propertyValue.length > property.maxLength) {
      problems.push(`${path}.${key}: ${propertyValue.length} characters, more than MaxLength ${property.maxLength}`);
    }
  }
}

function checkInstanceAnnotation(schema: CsdlSchema, name: string, value: unknown, control: Readonly<Record<string, 'string' | 'integer'>>, path: string, problems: string[]): void {
  const kind = control[name];
  if (kind === 'string') {
    if (typeof value !== 'string') problems.push(`${path}: ${kindOf(value)} is not compatible with the control information's string`);
    return;
  }
  if (kind === 'integer') {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) problems.push(`${path}: ${JSON.stringify(value)} is not a count`);
    return;
  }
  const term = schema.terms.get(schema.resolveTypeName(name));
  if (!term) {
    problems.push(`${path}: not OData control information and not a Term of the CSDL`);
    return;
  }
  checkValue(schema, value, term.type, true, path, problems);
}

function enumProblem(value: unknown, type: CsdlEnumType): string | undefined {
  if (typeof value !== 'string') return `${kindOf(value)} is not compatible with ${type.fullName} (an enum: a string)`;
  const names = type.isFlags ? value.split(',').map((name) => name.trim()) : [value];
  const unknown = names.filter((name) => !type.members.has(name));
  if (unknown.length === 0) return undefined;
  return `string ${JSON.stringify(value)} is not a member of ${type.fullName} (${[...type.members].join(', ')})`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;
const DATE = /^(-?\d{4,})-(\d{2})-(\d{2})$/u;
const DATE_TIME_OFFSET = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,12})?)?(?:Z|[+-](\d{2}):(\d{2}))$/u;
const TIME_OF_DAY = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,12})?)?$/u;
const DURATION = /^-?P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$/u;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/u;

const INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  'Edm.Byte': [0, 255],
  'Edm.SByte': [-128, 127],
  'Edm.Int16': [-32_768, 32_767],
  'Edm.Int32': [-2_147_483_648, 2_147_483_647],
  'Edm.Int64': [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

function validDate(year: string | undefined, month: string | undefined, day: string | undefined): boolean {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(2000, m, 0)).getUTCDate(); // February: 29 here
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && !leap ? 28 : days);
}

function validTime(hour: string | undefined, minute: string | undefined, second: string | undefined): boolean {
  return Number(hour) <= 23 && Number(minute) <= 59 && (second === undefined || Number(second) <= 59);
}

/** The problem with a JSON value for an `Edm.*` type (OData JSON Format 4.0 §7.1), or undefined. */
function primitiveProblem(value: unknown, type: string): string | undefined {
  const incompatible = `${kindOf(value)} is not compatible with ${type}`;
  const invalid = `${kindOf(value)} ${JSON.stringify(value)} is not a valid ${type}`;
  const range = INTEGER_RANGES[type];
  if (range) {
    if (typeof value !== 'number') return incompatible;
    return Number.isInteger(value) && value >= range[0] && value <= range[1] ? undefined : invalid;
  }
  switch (type) {
    case 'Edm.String':
      return typeof value === 'string' ? undefined : incompatible;
    case 'Edm.Boolean':
      return typeof value === 'boolean' ? undefined : incompatible;
    case 'Edm.Guid':
      if (typeof value !== 'string') return incompatible;
      return GUID.test(value) ? undefined : invalid;
    case 'Edm.DateTimeOffset': {
      if (typeof value !== 'string') return incompatible;
      const match = DATE_TIME_OFFSET.exec(value);
      const offsetOk = match?.[7] === undefined || (Number(match[7]) <= 14 && Number(match[8]) <= 59);
      return match && validDate(match[1], match[2], match[3]) && validTime(match[4], match[5], match[6]) && offsetOk ? undefined : invalid;
    }
    case 'Edm.Date': {
      if (typeof value !== 'string') return incompatible;
      const match = DATE.exec(value);
      return match && validDate(match[1], match[2], match[3]) ? undefined : invalid;
    }
    case 'Edm.TimeOfDay': {
      if (typeof value !== 'string') return incompatible;
      const match = TIME_OF_DAY.exec(value);
      return match && validTime(match[1], match[2], match[3]) ? undefined : invalid;
    }
    case 'Edm.Duration':
      if (typeof value !== 'string') return incompatible;
      return DURATION.test(value) && !/P$|T$/u.test(value) ? undefined : invalid;
    case 'Edm.Double':
    case 'Edm.Single':
      if (typeof value === 'number') return undefined;
      return value === 'INF' || value === '-INF' || value === 'NaN' ? undefined : incompatible;
    case 'Edm.Decimal':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : incompatible;
    case 'Edm.Binary':
      if (typeof value !== 'string') return incompatible;
      return BASE64URL.test(value) ? undefined : invalid;
    case 'Edm.Stream':
      // Streams are not inlined in JSON; a media read link is all a payload can carry.
      return typeof value === 'string' ? undefined : incompatible;
    case 'Edm.Untyped':
      return undefined;
    case 'Edm.PrimitiveType':
      return typeof value === 'object' ? incompatible : undefined;
    default:
      if (/^Edm\.(Geography|Geometry)/u.test(type)) return isObject(value) ? undefined : incompatible;
      return `the checker does not know ${type}`;
  }
}
