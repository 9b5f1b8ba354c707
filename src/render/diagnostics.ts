import type { DesiredState } from '../domain/desired.ts';
import type { Diagnostic, Severity } from '../domain/diagnostics.ts';
import { countDiagnostics, formatLocation } from '../domain/diagnostics.ts';
import { printable } from './plan-text.ts';

/** What `tenantctl validate` found: its diagnostics, the files it read, and the state when valid. */
export interface ValidationReport {
  readonly diagnostics: readonly Diagnostic[];
  readonly files: readonly string[];
  readonly desired?: DesiredState;
}

export interface TextOptions {
  /** ANSI colour; only when writing to a terminal. */
  readonly color: boolean;
}

const COLOURS: Readonly<Record<Severity, string>> = { error: '\u001b[31m', warning: '\u001b[33m', info: '\u001b[36m' };
const RESET = '\u001b[0m';

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** One line per diagnostic, `file:line:col  severity  code  message` (control characters escaped), then a summary line. */
export function renderValidationText(report: ValidationReport, options: TextOptions): string {
  const lines = report.diagnostics.map((d) => {
    const where = d.location ? formatLocation(d.location) : '-';
    const severity = options.color ? `${COLOURS[d.severity]}${d.severity}${RESET}` : d.severity;
    // Messages quote names from the policy and file paths: no control character reaches the terminal.
    return `${printable(where)}  ${severity}  ${d.code}  ${printable(d.message)}`;
  });
  lines.push(summaryLine(report));
  return `${lines.join('\n')}\n`;
}

function summaryLine(report: ValidationReport): string {
  const counts = countDiagnostics(report.diagnostics);
  const notes = [counts.errors > 0 ? plural(counts.errors, 'error') : '', counts.warnings > 0 ? plural(counts.warnings, 'warning') : '', counts.infos > 0 ? plural(counts.infos, 'note') : '']
    .filter((n) => n !== '')
    .join(', ');
  const files = plural(report.files.length, 'file');
  if (!report.desired) return `Invalid: ${notes} in ${files}.`;
  const { principals, licenseSets } = report.desired;
  const users = principals.filter((p) => p.kind === 'user').length;
  const declared = `${plural(users, 'user')}, ${plural(principals.length - users, 'mailbox', 'mailboxes')}, ${plural(licenseSets.size, 'license set')}`;
  return `Valid: ${files}, ${declared}${notes === '' ? '' : ` (${notes})`}.`;
}

/** The machine-readable report. Versioned: readers must reject a formatVersion they don't know. */
export function renderValidationJson(report: ValidationReport): string {
  const counts = countDiagnostics(report.diagnostics);
  const principals = report.desired?.principals ?? [];
  const users = principals.filter((p) => p.kind === 'user').length;
  const json = {
    formatVersion: 1,
    valid: report.desired !== undefined,
    files: report.files,
    summary: {
      ...counts,
      ...(report.desired ? { users, mailboxes: principals.length - users, licenseSets: report.desired.licenseSets.size } : {}),
    },
    diagnostics: report.diagnostics.map((d) => ({
      severity: d.severity,
      code: d.code,
      message: d.message,
      ...(d.location ?? {}),
      ...(d.userPrincipalName === undefined ? {} : { userPrincipalName: d.userPrincipalName }),
      ...(d.related === undefined ? {} : { related: d.related }),
    })),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
