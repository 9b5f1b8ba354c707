/**
 * Diagnostics: problems found in the policy (and, later, in the plan), each with a
 * stable code, a severity and a message that says what to do.
 */
export type Severity = 'error' | 'warning' | 'info';

/** Where a diagnostic points. `line` and `column` are 1-based; absent for a whole path. */
export interface SourceLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}

/** Codes of the offline policy checks (`tenantctl validate`). Stable: users script on them. */
export type PolicyDiagnosticCode =
  | 'unreadable-path'
  | 'no-policy-files'
  | 'input-too-large'
  | 'too-many-diagnostics'
  | 'not-text'
  | 'empty-file'
  | 'yaml-syntax'
  | 'yaml-warning'
  | 'duplicate-key'
  | 'unknown-key'
  | 'missing-key'
  | 'invalid-type'
  | 'invalid-value'
  | 'invalid-upn'
  | 'invalid-guid'
  | 'invalid-country-code'
  | 'conflicting-setting'
  | 'duplicate-principal'
  | 'user-mailbox-conflict'
  | 'duplicate-license-set'
  | 'unknown-license-set'
  | 'unused-license-set'
  | 'duplicate-sku'
  | 'unknown-sku'
  | 'ambiguous-sku'
  | 'unknown-service-plan'
  | 'unknown-placeholder'
  | 'invalid-rename-template'
  | 'deprecated-setting'
  | 'invalid-manager'
  /** An `include` that is absolute, leaves the working directory (also through a link), or is not a YAML file. */
  | 'invalid-include'
  /** An included (shared) file holds `tenant`, `users`, `mailboxes` or `include`. */
  | 'include-not-shared'
  /** `requireTenantId` (the `--tenants` layout) and no `tenant.id`. */
  | 'missing-tenant-id'
  /** A folder under `--tenants` whose name is not a tenant name. */
  | 'invalid-tenant-name'
  /** `--only-tenant` names no tenant folder. */
  | 'unknown-tenant';

/** Codes of the planner (`tenantctl plan`; docs/reconciliation.md §7). Stable. */
export type PlanDiagnosticCode =
  | 'tenant-mismatch'
  | 'missing-permission'
  | 'upn-conflict'
  | 'proxy-conflict'
  | 'not-restorable'
  | 'restore-window-closing'
  | 'multiple-deleted-matches'
  | 'synced-from-on-premises'
  | 'seat-shortfall'
  | 'unknown-sku'
  | 'unknown-service-plan'
  | 'missing-usage-location'
  | 'mailbox-recoverable'
  | 'mailbox-lost'
  | 'license-from-group'
  | 'group-license-error'
  | 'mailbox-type-mismatch'
  | 'needs-exchange'
  | 'undeclared-license'
  | 'manager-not-found'
  | 'unknown-group'
  | 'group-license-mismatch'
  | 'license-also-direct'
  | 'undeclared-membership'
  | 'protected-drift'
  /** `--only` made the plan partial: how many declared principals it leaves out. */
  | 'partial-plan'
  /** `--only` names a principal the policy does not declare. */
  | 'undeclared-principal';

export type DiagnosticCode = PolicyDiagnosticCode | PlanDiagnosticCode;

export interface Diagnostic {
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly location?: SourceLocation;
  /** Other places the message names (for example the first declaration of a duplicate). */
  readonly related?: readonly SourceLocation[];
  readonly userPrincipalName?: string;
}

/** Errors first, then warnings, then notes. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

/** Deterministic order: by file, line, column, then severity and code. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  const fa = a.location?.file ?? '';
  const fb = b.location?.file ?? '';
  if (fa !== fb) return fa < fb ? -1 : 1;
  const byLine = (a.location?.line ?? 0) - (b.location?.line ?? 0);
  if (byLine !== 0) return byLine;
  const byColumn = (a.location?.column ?? 0) - (b.location?.column ?? 0);
  if (byColumn !== 0) return byColumn;
  const bySeverity = SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
  if (bySeverity !== 0) return bySeverity;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

export interface DiagnosticCounts {
  readonly errors: number;
  readonly warnings: number;
  readonly infos: number;
}

export function countDiagnostics(diagnostics: readonly Diagnostic[]): DiagnosticCounts {
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const d of diagnostics) {
    if (d.severity === 'error') errors++;
    else if (d.severity === 'warning') warnings++;
    else infos++;
  }
  return { errors, warnings, infos };
}

export function formatLocation(location: SourceLocation): string {
  if (location.line === undefined) return location.file;
  return `${location.file}:${location.line}:${location.column ?? 1}`;
}
