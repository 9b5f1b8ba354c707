import type { AttributeName, AttributeValue, DeclaredAttributes } from '../domain/attributes.ts';
import { ATTRIBUTE_NAMES, normaliseAttributeValue } from '../domain/attributes.ts';
import { isIsoCountryCode, suggestCountryCode } from '../domain/countries.ts';
import type { DesiredLicense, DesiredPrincipal, MailboxType, WhenMissing } from '../domain/desired.ts';
import type { Diagnostic, SourceLocation } from '../domain/diagnostics.ts';
import { formatLocation } from '../domain/diagnostics.ts';
import { closestMatches } from '../domain/suggest.ts';
import { isValidUserPrincipalName, normaliseUserPrincipalName } from '../domain/upn.ts';
import type { LicenseSets } from './licenses.ts';
import { checkLicenseAgainstCatalog, readLicense, skuIdentity } from './licenses.ts';
import type { PathSegment, PolicyDocument } from './source.ts';
import { entries, isRecord, stringAt } from './shape.ts';
import { clip } from './clip.ts';

type Kind = DesiredPrincipal['kind'];
const LIST_OF: Readonly<Record<Kind, 'users' | 'mailboxes'>> = { user: 'users', mailbox: 'mailboxes' };
const MAILBOX_TYPES: readonly string[] = ['shared', 'room', 'equipment'] satisfies readonly MailboxType[];
const WHEN_MISSING: readonly string[] = ['create', 'report'] satisfies readonly WhenMissing[];

/** A `whenMissing` as written, when it is one of its values (the schema reports any other). */
export function whenMissingOf(value: unknown): WhenMissing | undefined {
  return typeof value === 'string' && WHEN_MISSING.includes(value) ? (value as WhenMissing) : undefined;
}

/** What the policy's defaults decide for each principal. */
export interface PrincipalDefaults {
  readonly whenMissing: WhenMissing;
  /** `defaults.protected`: lower case. */
  readonly protected: ReadonlySet<string>;
}

/**
 * Reads every well-formed user and mailbox of every document, in order, reporting what a schema
 * cannot see: duplicates (across files, case-insensitively), license references that name no
 * license set, a SKU held twice, and country codes that ISO does not assign.
 */
export function collectPrincipals(
  documents: readonly PolicyDocument[],
  licenseSets: LicenseSets,
  defaults: PrincipalDefaults,
  diagnostics: Diagnostic[],
): DesiredPrincipal[] {
  const principals: DesiredPrincipal[] = [];
  const seen = new Map<string, { kind: Kind; location: SourceLocation }>();
  for (const document of documents) {
    for (const kind of ['user', 'mailbox'] as const) {
      entries(document.value, LIST_OF[kind]).forEach((entry, index) => {
        const path = [LIST_OF[kind], index];
        const principal = readPrincipal(document, path, kind, entry, licenseSets, defaults, diagnostics);
        if (!principal) return;
        const first = seen.get(principal.userPrincipalName);
        if (first) {
          diagnostics.push(duplicateDiagnostic(principal, first));
          return;
        }
        seen.set(principal.userPrincipalName, { kind, location: principal.source });
        principals.push(principal);
      });
    }
  }
  return principals;
}

function duplicateDiagnostic(principal: DesiredPrincipal, first: { kind: Kind; location: SourceLocation }): Diagnostic {
  const upn = clip(principal.userPrincipalName);
  const where = formatLocation(first.location);
  return first.kind === principal.kind
    ? {
        severity: 'error',
        code: 'duplicate-principal',
        message: `${upn} is declared twice: here and at ${where}; keep one declaration`,
        location: principal.source,
        related: [first.location],
        userPrincipalName: principal.userPrincipalName,
      }
    : {
        severity: 'error',
        code: 'user-mailbox-conflict',
        message: `${upn} is declared as a ${principal.kind} here and as a ${first.kind} at ${where}; one account is either a user or a mailbox`,
        location: principal.source,
        related: [first.location],
        userPrincipalName: principal.userPrincipalName,
      };
}

function readPrincipal(
  document: PolicyDocument,
  path: readonly PathSegment[],
  kind: Kind,
  entry: unknown,
  licenseSets: LicenseSets,
  defaults: PrincipalDefaults,
  diagnostics: Diagnostic[],
): DesiredPrincipal | undefined {
  const rawUpn = stringAt(entry, 'userPrincipalName');
  const validUpn = rawUpn !== undefined && isValidUserPrincipalName(rawUpn);
  // A principal with a bad UPN still has the rest checked; it only stays out of the state.
  const userPrincipalName = validUpn ? normaliseUserPrincipalName(rawUpn) : (rawUpn ?? path.join('.'));
  const licenses = readLicenseReferences(document, path, entry, userPrincipalName, licenseSets, diagnostics);
  const usageLocation = stringAt(entry, 'usageLocation');
  checkCountryCode(usageLocation, () => document.locate([...path, 'usageLocation']), diagnostics);
  const manager = readManager(document, path, entry, validUpn ? userPrincipalName : undefined, diagnostics);
  if (!validUpn) return undefined;
  const source = document.locate([...path, 'userPrincipalName']);
  const displayName = stringAt(entry, 'displayName') ?? '';
  const common = {
    userPrincipalName,
    displayName,
    licenses,
    source,
    ...(usageLocation === undefined ? {} : { usageLocation }),
    attributes: readAttributes(entry, displayName),
    ...(manager === undefined ? {} : { manager }),
    protected: (isRecord(entry) && entry.protected === true) || defaults.protected.has(userPrincipalName),
  };
  if (kind === 'user') {
    const enabled = isRecord(entry) ? entry.accountEnabled : undefined;
    return {
      kind,
      ...common,
      accountEnabled: typeof enabled === 'boolean' ? enabled : true,
      whenMissing: whenMissingOf(isRecord(entry) ? entry.whenMissing : undefined) ?? defaults.whenMissing,
    };
  }
  const type = stringAt(entry, 'type');
  const mailboxType = (type !== undefined && MAILBOX_TYPES.includes(type) ? type : 'shared') as MailboxType;
  // Graph cannot create a mailbox: a missing one is always reported.
  return { kind, ...common, mailboxType, accountEnabled: false, whenMissing: 'report' };
}

/**
 * The attributes a principal declares, and only those, normalised ("" and [] are null: unset).
 * `displayName` is always declared (the schema requires it). A value of the wrong shape is left
 * out: the schema reports it, and no state is made.
 */
function readAttributes(entry: unknown, displayName: string): DeclaredAttributes {
  const attributes: Partial<Record<AttributeName, AttributeValue>> = { displayName };
  if (!isRecord(entry)) return attributes;
  for (const name of ATTRIBUTE_NAMES) {
    if (name === 'displayName' || !Object.hasOwn(entry, name)) continue;
    const value: unknown = entry[name];
    if (value === null || typeof value === 'string') attributes[name] = normaliseAttributeValue(value);
    else if (Array.isArray(value) && value.every((item): item is string => typeof item === 'string')) attributes[name] = normaliseAttributeValue(value);
  }
  return attributes;
}

/**
 * The declared manager: a UPN in lower case, null (must have none), or undefined (not managed, or
 * not a valid UPN: the schema reports that as invalid-upn). Nobody is their own manager.
 */
function readManager(
  document: PolicyDocument,
  path: readonly PathSegment[],
  entry: unknown,
  userPrincipalName: string | undefined,
  diagnostics: Diagnostic[],
): string | null | undefined {
  if (!isRecord(entry) || !Object.hasOwn(entry, 'manager')) return undefined;
  const written = entry.manager;
  if (written === null) return null;
  if (typeof written !== 'string' || !isValidUserPrincipalName(written)) return undefined;
  const manager = normaliseUserPrincipalName(written);
  if (manager === userPrincipalName) {
    diagnostics.push({
      severity: 'error',
      code: 'invalid-manager',
      message: `${clip(userPrincipalName)} names itself as its manager; name another UPN, or write \`manager: null\` for no manager`,
      location: document.locate([...path, 'manager']),
      userPrincipalName,
    });
  }
  return manager;
}

function readLicenseReferences(
  document: PolicyDocument,
  path: readonly PathSegment[],
  entry: unknown,
  userPrincipalName: string,
  licenseSets: LicenseSets,
  diagnostics: Diagnostic[],
): DesiredLicense[] {
  const licenses: DesiredLicense[] = [];
  // Where each SKU was first given; positions are looked up only for a diagnostic.
  const skus = new Map<string, readonly PathSegment[]>();
  entries(entry, 'licenses').forEach((reference, index) => {
    const referencePath = [...path, 'licenses', index];
    let license: DesiredLicense | undefined;
    if (typeof reference === 'string') {
      const declaration = licenseSets.get(reference);
      if (!declaration) {
        diagnostics.push(unknownLicenseSet(reference, document.locate(referencePath), userPrincipalName, [...licenseSets.keys()]));
        return;
      }
      declaration.used = true;
      license = declaration.license; // undefined when malformed: its own diagnostic says what is wrong
    } else {
      license = readLicense(reference);
      if (license) checkLicenseAgainstCatalog(document, referencePath, license, diagnostics);
    }
    if (!license) return;
    const identity = skuIdentity(license.sku);
    const firstPath = skus.get(identity);
    if (firstPath) {
      const first = document.locate(firstPath);
      diagnostics.push({
        severity: 'error',
        code: 'duplicate-sku',
        message: `${clip(userPrincipalName)} gets SKU ${clip(license.sku)} twice (also at ${formatLocation(first)}); a user holds each SKU once: merge the two into one license with the disabled plans you want`,
        location: document.locate(referencePath),
        related: [first],
        userPrincipalName,
      });
      return;
    }
    skus.set(identity, referencePath);
    licenses.push(license);
  });
  return licenses;
}

function unknownLicenseSet(name: string, location: SourceLocation, userPrincipalName: string, known: readonly string[]): Diagnostic {
  const suggestion = closestMatches(name, known, 1)[0];
  const advice = suggestion
    ? `did you mean "${suggestion}"?`
    : known.length > 0
      ? `declared license sets: ${known.join(', ')}`
      : 'declare it under `licenses:` or write the license inline as {sku: ..., disabledPlans: [...]}';
  return {
    severity: 'error',
    code: 'unknown-license-set',
    message: `${clip(userPrincipalName)} refers to license set "${clip(name)}", which no policy file declares; ${advice}`,
    location,
    userPrincipalName,
  };
}

/** A two-letter code the schema accepts but ISO 3166-1 does not assign (UK is GB). */
export function checkCountryCode(code: string | undefined, locate: () => SourceLocation, diagnostics: Diagnostic[]): void {
  if (code === undefined || !/^[A-Z]{2}$/u.test(code) || isIsoCountryCode(code)) return;
  const suggestion = suggestCountryCode(code);
  diagnostics.push({
    severity: 'error',
    code: 'invalid-country-code',
    message: `${code} is not an ISO 3166-1 alpha-2 country code${suggestion ? `; did you mean ${suggestion}?` : ''}`,
    location: locate(),
  });
}
