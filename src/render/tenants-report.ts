/**
 * One report for a command run in every tenant of a many-tenant repository (`--tenants`, docs/many-tenants.md): a
 * summary table (tenant, changes, errors, result) and a section per tenant holding what the command printed for it.
 * Pure: the sections are gathered by the CLI.
 */

export interface TenantSection {
  readonly name: string;
  /** The policy's tenant id; null when the policy could not be read. */
  readonly tenantId: string | null;
  /** The tenant's own exit code, as the single-tenant command would have exited. */
  readonly exitCode: 0 | 1 | 2;
  /** Changes planned (plan) or changes applied (apply); null when none were made (an error before the plan). */
  readonly changes: number | null;
  /** Errors: diagnostics of severity error, failed changes, or 1 for a failure before the plan. */
  readonly errors: number;
  /** What the command wrote on stdout for this tenant. */
  readonly output: string;
  /** What it wrote on stderr (refusals, failures, warnings). */
  readonly problems: string;
}

export type TenantsFormat = 'text' | 'markdown' | 'json';

function result(section: TenantSection): string {
  if (section.exitCode === 1) return 'error';
  return (section.changes ?? 0) > 0 ? 'changes' : 'no changes';
}

/** Text in a code fence longer than any run of backticks it holds, so that it cannot close the fence. */
function fenced(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/gu) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${text}\n${fence}`;
}

function count(value: number | null): string {
  return value === null ? '–' : String(value);
}

function markdownTable(sections: readonly TenantSection[], changesHeading: string): string {
  const rows = sections.map((s) => `| ${s.name} | ${s.tenantId ?? '–'} | ${count(s.changes)} | ${s.errors} | ${result(s)} |`);
  return [`| tenant | tenant id | ${changesHeading} | errors | result |`, '|---|---|---|---|---|', ...rows].join('\n');
}

function textTable(sections: readonly TenantSection[], changesHeading: string): string {
  const rows = [['tenant', 'tenant id', changesHeading, 'errors', 'result'], ...sections.map((s) => [s.name, s.tenantId ?? '-', count(s.changes), String(s.errors), result(s)])];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** A JSON value a tenant's output holds, or its text when it is not JSON (a refusal). */
function parsed(output: string): unknown {
  try {
    return output.trim() === '' ? null : (JSON.parse(output) as unknown);
  } catch {
    return output;
  }
}

export function renderTenantsReport(command: 'plan' | 'apply', sections: readonly TenantSection[], format: TenantsFormat): string {
  const changesHeading = command === 'plan' ? 'changes' : 'applied';
  if (format === 'json') {
    return `${JSON.stringify({
      command,
      tenants: sections.map((s) => ({ name: s.name, tenantId: s.tenantId, exitCode: s.exitCode, changes: s.changes, errors: s.errors, result: parsed(s.output), problems: s.problems === '' ? null : s.problems })),
    }, null, 2)}\n`;
  }
  const failed = sections.filter((s) => s.exitCode === 1).length;
  const headline = `tenantctl ${command}: ${sections.length} tenant${sections.length === 1 ? '' : 's'}, ${failed === 0 ? 'none failed' : `${failed} failed`}`;
  if (format === 'markdown') {
    const parts = sections.map((s) => [`## ${s.name}${s.tenantId ? ` (${s.tenantId})` : ''}`, s.output.trim(), s.problems.trim() === '' ? '' : fenced(s.problems.trim())].filter((p) => p !== '').join('\n\n'));
    return `# ${headline}\n\n${markdownTable(sections, changesHeading)}\n\n${parts.join('\n\n')}\n`;
  }
  const parts = sections.map((s) => [`=== ${s.name}${s.tenantId ? ` (${s.tenantId})` : ''} ===`, s.output.trimEnd(), s.problems.trimEnd()].filter((p) => p !== '').join('\n'));
  return `${parts.join('\n\n')}\n\n${headline}\n${textTable(sections, changesHeading)}\n`;
}
