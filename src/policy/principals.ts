import { isIsoCountryCode, suggestCountryCode } from '../domain/countries.ts';
import type { DesiredLicense, DesiredPrincipal, MailboxType } from '../domain/desired.ts';
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

/**
 * Reads every well-formed user and mailbox of every document, in order, reporting what a schema
 * cannot see: duplicates (across files, case-insensitively), license references that name no
 * license set, a SKU held twice, and country codes that ISO does not assign.
 */
export function collectPrincipals(
  documents: readonly PolicyDocument[],
  licenseSets: LicenseSets,
  diagnostics: Diagnostic[],
): DesiredPrincipal[] {
  const principals: DesiredPrincipal[] = [];
  const seen = new Map<string, { kind: Kind; location: SourceLocation }>();
  for (const document of documents) {
    for (const kind of ['user', 'mailbox'] as const) {
      entries(document.value, LIST_OF[kind]).forEach((entry, index) => {
        const path = [LIST_OF[kind], index];
        const principal = readPrincipal(document, path, kind, entry, licenseSets, diagnostics);
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
  diagnostics: Diagnostic[],
): DesiredPrincipal | undefined {
  const rawUpn = stringAt(entry, 'userPrincipalName');
  const validUpn = rawUpn !== undefined && isValidUserPrincipalName(rawUpn);
  // A principal with a bad UPN still has the rest checked; it only stays out of the state.
  const userPrincipalName = validUpn ? normaliseUserPrincipalName(rawUpn) : (rawUpn ?? path.join('.'));
  const licenses = readLicenseReferences(document, path, entry, userPrincipalName, licenseSets, diagnostics);
  const usageLocation = stringAt(entry, 'usageLocation');
  checkCountryCode(usageLocation, () => document.locate([...path, 'usageLocation']), diagnostics);
  if (!validUpn) return undefined;
  const source = document.locate([...path, 'userPrincipalName']);
  const displayName = stringAt(entry, 'displayName') ?? '';
  const common = { userPrincipalName, displayName, licenses, source, ...(usageLocation === undefined ? {} : { usageLocation }) };
  if (kind === 'user') {
    const enabled = isRecord(entry) ? entry.accountEnabled : undefined;
    return { kind, ...common, accountEnabled: typeof enabled === 'boolean' ? enabled : true };
  }
  const type = stringAt(entry, 'type');
  const mailboxType = (type !== undefined && MAILBOX_TYPES.includes(type) ? type : 'shared') as MailboxType;
  return { kind, ...common, mailboxType, accountEnabled: false };
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
  const skus = new Map<string, SourceLocation>();
  entries(entry, 'licenses').forEach((reference, index) => {
    const referencePath = [...path, 'licenses', index];
    const location = document.locate(referencePath);
    let license: DesiredLicense | undefined;
    if (typeof reference === 'string') {
      const declaration = licenseSets.get(reference);
      if (!declaration) {
        diagnostics.push(unknownLicenseSet(reference, location, userPrincipalName, [...licenseSets.keys()]));
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
    const first = skus.get(identity);
    if (first) {
      diagnostics.push({
        severity: 'error',
        code: 'duplicate-sku',
        message: `${clip(userPrincipalName)} gets SKU ${clip(license.sku)} twice (also at ${formatLocation(first)}); a user holds each SKU once: merge the two into one license with the disabled plans you want`,
        location,
        related: [first],
        userPrincipalName,
      });
      return;
    }
    skus.set(identity, location);
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
