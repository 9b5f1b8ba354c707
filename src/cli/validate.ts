import { hasErrors } from '../domain/diagnostics.ts';
import { loadPolicy } from '../policy/load.ts';
import { renderValidationJson, renderValidationText } from '../render/diagnostics.ts';
import type { Outcome } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { useColour } from './io.ts';

export type ValidateFormat = 'text' | 'json';

/** `tenantctl validate [PATH...]`: offline; every diagnostic, a summary line, exit 0 or 1. */
export async function runValidate(paths: readonly string[], format: ValidateFormat, io: CliIo): Promise<Outcome> {
  const result = await loadPolicy(paths, { cwd: io.cwd });
  io.stdout.write(format === 'json' ? renderValidationJson(result) : renderValidationText(result, { color: useColour(io) }));
  return hasErrors(result.diagnostics) ? { kind: 'invalid-input' } : { kind: 'success' };
}
