import { countDiagnostics, hasErrors } from '../domain/diagnostics.ts';
import type { Diagnostic } from '../domain/diagnostics.ts';
import type { PolicyResult } from '../policy/load.ts';
import { loadPolicy } from '../policy/load.ts';
import { discoverTenants, loadTenantPolicy, sharedTenantIds } from '../policy/tenants.ts';
import type { TenantFolder } from '../policy/tenants.ts';
import { printable } from '../render/plan-text.ts';
import { renderValidationJson, renderValidationText } from '../render/diagnostics.ts';
import type { Outcome } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { useColour } from './io.ts';

export type ValidateFormat = 'text' | 'json';

/** `--tenants DIR` and `--only-tenant NAME` (repeatable) of `validate`. */
export interface ValidateTenantsOptions {
  readonly tenants?: string;
  readonly onlyTenant?: readonly string[];
}

/** `tenantctl validate [PATH...]`: offline; every diagnostic, a summary line, exit 0 or 1. */
export async function runValidate(paths: readonly string[], format: ValidateFormat, io: CliIo, options: ValidateTenantsOptions = {}): Promise<Outcome> {
  if (options.tenants !== undefined) {
    if (paths.length > 0) return usage(io, 'give either policy paths or --tenants DIR, not both');
    return runValidateTenants(options.tenants, options.onlyTenant ?? [], format, io);
  }
  if (options.onlyTenant !== undefined && options.onlyTenant.length > 0) return usage(io, '--only-tenant needs --tenants DIR');
  const result = await loadPolicy(paths, { cwd: io.cwd });
  io.stdout.write(format === 'json' ? renderValidationJson(result) : renderValidationText(result, { color: useColour(io) }));
  return hasErrors(result.diagnostics) ? { kind: 'invalid-input' } : { kind: 'success' };
}

function usage(io: CliIo, message: string): Outcome {
  io.stderr.write(`tenantctl validate: ${message}\n`);
  return { kind: 'usage-error' };
}

interface TenantValidation {
  readonly folder: TenantFolder;
  readonly result: PolicyResult;
}

/**
 * `tenantctl validate --tenants DIR`: every tenant's policy (and its includes) on its own, with `tenant.id`
 * required. A problem in a shared file is reported under each tenant that includes it. Exit 1 when the
 * layout (a bad folder name, an unknown --only-tenant) or any tenant is invalid.
 */
async function runValidateTenants(tenantsDir: string, only: readonly string[], format: ValidateFormat, io: CliIo): Promise<Outcome> {
  const found = await discoverTenants(tenantsDir, { cwd: io.cwd, ...(only.length > 0 ? { only } : {}) });
  const validations: TenantValidation[] = [];
  // Offline and bounded by the files' size: one tenant at a time keeps memory to one tenant's policy.
  for (const folder of found.tenants) validations.push({ folder, result: await loadTenantPolicy(folder, io.cwd) });
  // Two folders for one tenant id: each would plan the other's principals as undeclared. Both are invalid.
  const shared = sharedTenantIds(validations.map(({ folder, result }) => ({ name: folder.name, tenantId: result.desired?.tenantId })));
  for (const [i, validation] of validations.entries()) {
    const others = shared.get(validation.folder.name);
    if (others === undefined) continue;
    const { desired: _desired, ...invalid } = validation.result;
    validations[i] = { ...validation, result: { ...invalid, diagnostics: [...invalid.diagnostics, { severity: 'error', code: 'conflicting-setting', message: `tenant.id ${validation.result.desired?.tenantId ?? ''} is also the tenant of ${others.join(', ')}; one folder per tenant`, location: { file: validation.folder.path } }] } };
  }
  const valid = !hasErrors(found.diagnostics) && found.tenants.length > 0 && validations.every(({ result }) => result.desired !== undefined);
  io.stdout.write(format === 'json' ? tenantsJson(found.diagnostics, validations, valid) : tenantsText(found.diagnostics, validations, useColour(io)));
  return valid ? { kind: 'success' } : { kind: 'invalid-input' };
}

function tenantsText(layout: readonly Diagnostic[], validations: readonly TenantValidation[], color: boolean): string {
  const parts: string[] = [];
  // The layout's own problems (folder names, --only-tenant) first, as diagnostic lines without a summary.
  if (layout.length > 0) parts.push(renderValidationText({ diagnostics: layout, files: [] }, { color }).split('\n').slice(0, layout.length).join('\n') + '\n');
  for (const { folder, result } of validations) parts.push(`== ${printable(folder.name)} (${printable(folder.path)}) ==\n${renderValidationText(result, { color })}`);
  const invalid = validations.filter(({ result }) => result.desired === undefined).map(({ folder }) => folder.name);
  const layoutErrors = countDiagnostics(layout).errors;
  const tenants = `${validations.length} tenant${validations.length === 1 ? '' : 's'}`;
  const summary =
    invalid.length === 0 && layoutErrors === 0 && validations.length > 0
      ? `All ${tenants} valid.`
      : `Invalid: ${tenants}, ${validations.length - invalid.length} valid, ${invalid.length} invalid${invalid.length > 0 ? ` (${invalid.map((name) => printable(name)).join(', ')})` : ''}${layoutErrors > 0 ? `; ${layoutErrors} error${layoutErrors === 1 ? '' : 's'} in the layout` : ''}.`;
  parts.push(`${summary}\n`);
  return parts.join('\n');
}

/** `{formatVersion, valid, diagnostics, tenants: [{name, path, tenantId, valid, files, summary, diagnostics}]}`. */
function tenantsJson(layout: readonly Diagnostic[], validations: readonly TenantValidation[], valid: boolean): string {
  // Each tenant's report is the single-policy report (render/diagnostics.ts), so both read the same.
  const report = (result: PolicyResult): Record<string, unknown> => {
    const { formatVersion: _version, valid: _valid, ...rest } = JSON.parse(renderValidationJson(result)) as Record<string, unknown>;
    return rest;
  };
  const json = {
    formatVersion: 1,
    valid,
    diagnostics: report({ diagnostics: layout, files: [] }).diagnostics,
    tenants: validations.map(({ folder, result }) => ({
      name: folder.name,
      path: folder.path,
      tenantId: result.desired?.tenantId ?? null,
      valid: result.desired !== undefined,
      ...report(result),
    })),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
