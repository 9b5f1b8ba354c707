import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Plan } from '../domain/plan.ts';
import { MAX_SAVED_PLAN_BYTES, parseSavedPlan, SavedPlanError, savedPlanTooLarge } from '../domain/plan-format.ts';
import { reasonOf } from './output-path.ts';

/**
 * A plan saved by `plan --out`, read as `apply` and `show` read it: refused by its size before it is
 * read (the bound holds memory, not only parsing), then parsed and checked (parseSavedPlan). Either the
 * plan, or one sentence saying why not: the reader's own for a damaged plan, else why the file cannot be read.
 */
export async function readSavedPlanFile(file: string, cwd: string): Promise<{ readonly plan: Plan } | { readonly problem: string }> {
  try {
    const resolved = path.resolve(cwd, file);
    const { size } = await stat(resolved);
    if (size > MAX_SAVED_PLAN_BYTES) throw savedPlanTooLarge(file, size);
    return { plan: parseSavedPlan(await readFile(resolved, 'utf8'), file) };
  } catch (error) {
    return { problem: error instanceof SavedPlanError ? error.message : `cannot read ${file}: ${reasonOf(error)}` };
  }
}
