import type { Plan } from '../domain/plan.ts';
import { renderPlanJson } from '../domain/plan-format.ts';
import { renderPlanMarkdown } from './plan-markdown.ts';
import { renderPlanText } from './plan-text.ts';

/** How a plan is printed (`plan --format`, `show --format`; docs/cli-reference.md §11). */
export type PlanView = 'text' | 'markdown' | 'json';

/**
 * A plan as `--format` asks: text (coloured on a terminal), markdown for a pull-request comment, or
 * json, the saved plan's own bytes (what `plan --out` writes). One home for `plan` and `show`, so
 * that `show PLAN.json` prints what `plan` printed when it saved the file.
 */
export function renderPlanView(plan: Plan, view: PlanView, color: boolean): string {
  switch (view) {
    case 'json':
      return renderPlanJson(plan);
    case 'markdown':
      return renderPlanMarkdown(plan);
    case 'text':
      return renderPlanText(plan, { color });
  }
}
