import { restoredUnderOwnName } from '../domain/principal-changes.ts';
import { DAY_MS } from '../domain/clock.ts';
import { isControlCharacter } from '../domain/control-characters.ts';
import type { Diagnostic, Severity } from '../domain/diagnostics.ts';
import { countDiagnostics, SEVERITY_RANK } from '../domain/diagnostics.ts';
import type { AttributeName, AttributeValue } from '../domain/attributes.ts';
import { showAttributeValue } from '../domain/attributes.ts';
import type { Change, ChangeAction, CreateUserChange, GroupMemberChange, Plan, PlannedLicense, RestoreUserChange } from '../domain/plan.ts';
import { ACTION_ORDER } from '../domain/plan.ts';
import { describeSku, findCatalogSkus } from '../domain/sku-catalog.ts';
import { groupByPrincipal, PlanByPrincipal } from '../domain/principal-changes.ts';

/**
 * `tenantctl plan` for a terminal, in the manner of Terraform's plan output: diagnostics first,
 * then the changes grouped by principal, one sentence per change that completes
 * "alice@contoso.com will be …", then one summary line. The sentences and the summary line are
 * exported for the markdown renderer, so that a pull-request comment says the same thing.
 */

export interface PlanTextOptions {
  /** ANSI colour; only when writing to a terminal. */
  readonly color: boolean;
  /**
   * Render time, for the restore clock of a saved plan shown later: days left are counted from
   * here to `restorableUntil` in whole days. Absent: the plan's own `daysLeft`.
   */
  readonly now?: Date | string;
}

/** How a sentence reads to a reviewer: something added or brought back, changed in place, or taken away. */
export type Effect = 'add' | 'change' | 'remove';

export interface ChangeSentence {
  readonly effect: Effect;
  /** Completes "<userPrincipalName> …"; plain text (not escaped for any format). */
  readonly text: string;
}

/** The verb after "N to" in the summary line, per action. */
export const SUMMARY_VERBS: Readonly<Record<ChangeAction, string>> = {
  'restore-user': 'restore',
  'create-user': 'create',
  'update-attributes': 'update attributes',
  'set-manager': 'set manager',
  'set-usage-location': 'set usage location',
  'assign-licenses': 'license',
  'add-group-member': 'add to a group',
  'remove-licenses': 'unlicense',
  'remove-group-member': 'remove from a group',
  'enable-sign-in': 'enable',
  'block-sign-in': 'block',
};

export const EFFECT_SYMBOLS: Readonly<Record<Effect, string>> = { add: '+', change: '~', remove: '-' };

export const REFUSAL =
  'The whole plan is refused: tenantctl is connected to a different tenant than the policy declares (tenant-mismatch). Nothing will be changed.';

const ANSI = { red: '\u001b[31m', green: '\u001b[32m', yellow: '\u001b[33m', cyan: '\u001b[36m', bold: '\u001b[1m', reset: '\u001b[0m' } as const;
type Colour = Exclude<keyof typeof ANSI, 'reset'>;
const EFFECT_COLOURS: Readonly<Record<Effect, Colour>> = { add: 'green', change: 'yellow', remove: 'red' };
const SEVERITY_COLOURS: Readonly<Record<Severity, Colour>> = { error: 'red', warning: 'yellow', info: 'cyan' };

export function renderPlanText(plan: Plan, options: PlanTextOptions): string {
  const paint = (colour: Colour, text: string): string => (options.color ? `${ANSI[colour]}${text}${ANSI.reset}` : text);
  const sections: string[] = [];

  const diagnostics = sortBySeverity(plan.diagnostics);
  if (diagnostics.length > 0) {
    sections.push(diagnostics.map((d) => {
      const who = d.userPrincipalName === undefined ? '' : `${printable(d.userPrincipalName)}: `;
      const message = printable(d.message, { keepNewlines: true }).replaceAll('\n', '\n    ');
      return `${paint(SEVERITY_COLOURS[d.severity], d.severity)}  ${d.code}  ${who}${message}`;
    }).join('\n'));
  }

  if (isRefused(plan)) {
    sections.push(paint('red', renderPlanSummary(plan)));
    return `${sections.join('\n\n')}\n`;
  }

  const principals = groupByPrincipal(plan.changes);
  if (principals.length > 0) {
    sections.push('tenantctl will make these changes:');
    for (const principal of principals) {
      const codes = skippedBecause(plan, principal.userPrincipalName);
      const note = codes.length === 0 ? '' : ` ${paint('red', `(skipped by apply: ${codes.join(', ')})`)}`;
      const lines = [`${paint('bold', printable(principal.userPrincipalName))}${note}`];
      for (const change of principal.changes) {
        for (const sentence of describeChange(change, options.now)) {
          lines.push(`  ${paint(EFFECT_COLOURS[sentence.effect], EFFECT_SYMBOLS[sentence.effect])} ${printable(sentence.text)}`);
        }
      }
      sections.push(lines.join('\n'));
    }
  }

  const { errors } = countDiagnostics(plan.diagnostics);
  const summary = renderPlanSummary(plan);
  if (errors > 0 && plan.changes.length > 0) {
    sections.push(`${plural(errors, 'error')} above: apply skips the principals they name; the rest of the plan still applies.\n${paint('bold', summary)}`);
  } else {
    sections.push(paint('bold', summary));
  }
  return `${sections.join('\n\n')}\n`;
}

/**
 * The last line of the text output and the heading of the markdown: "Plan: 2 to restore, 5 to
 * license, 1 to block." (non-zero counts, in ACTION_ORDER), or what it means that there are none;
 * then how many protected principals the plan left alone ("2 protected principals left alone.").
 */
export function renderPlanSummary(plan: Plan): string {
  if (isRefused(plan)) return REFUSAL;
  const parts = ACTION_ORDER.flatMap((action) => {
    const count = plan.summary[action] ?? 0;
    return count > 0 ? [`${formatCount(count)} to ${SUMMARY_VERBS[action]}`] : [];
  });
  const guarded = plan.summary.protected ?? 0;
  const leftAlone = guarded > 0 ? ` ${plural(guarded, 'protected principal')} left alone.` : '';
  if (parts.length > 0) return `Plan: ${parts.join(', ')}.${leftAlone}`;
  return countDiagnostics(plan.diagnostics).errors > 0
    ? `No changes. The tenant does not match the policy yet: fix the errors above.${leftAlone}`
    : `No changes. The tenant matches the policy.${leftAlone}`;
}

/** A plan against the wrong tenant is refused as a whole (docs/reconciliation.md §7, `tenant-mismatch`). */
export function isRefused(plan: Plan): boolean {
  return plan.diagnostics.some((d) => d.code === 'tenant-mismatch' && d.severity === 'error');
}

/** Errors, then warnings, then notes; plan order within a severity (the sort is stable). */
export function sortBySeverity(diagnostics: readonly Diagnostic[]): readonly Diagnostic[] {
  return [...diagnostics].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
}

/** Codes of the errors that name the principal (apply skips it), each once; none when apply goes ahead. */
export function skippedBecause(plan: Plan, userPrincipalName: string): readonly string[] {
  const codes = PlanByPrincipal.of(plan).shareOf(userPrincipalName).diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
  return [...new Set(codes)];
}

/**
 * One sentence per change, or a few: an assign-licenses change gives one per license, an attribute
 * update one per attribute (`jobTitle: "Engineer" → "Senior Engineer"`), a creation one for the user,
 * one per attribute it gets, and how the person signs in.
 */
export function describeChange(change: Change, now?: Date | string): readonly ChangeSentence[] {
  switch (change.action) {
    case 'restore-user':
      return [{ effect: 'add', text: describeRestore(change, now) }];
    case 'create-user':
      return describeCreation(change);
    case 'update-attributes':
      return change.details.attributes.map((a) => ({ effect: 'change', text: `${a.attribute}: ${showAttributeValue(a.from)} → ${showAttributeValue(a.to)}` }));
    case 'set-manager':
      return [{ effect: 'change', text: `manager: ${change.details.from ?? '(none)'} → ${change.details.to ?? '(none)'}` }];
    case 'add-group-member':
      return [{ effect: 'add', text: `member of ${describeGroup(change, 'gives')}` }];
    case 'remove-group-member':
      return [{ effect: 'remove', text: `no longer a member of ${describeGroup(change, 'takes away')}` }];
    case 'set-usage-location': {
      const { from, to } = change.details;
      return [{ effect: 'change', text: `usage location will be set to ${to} (was ${from === null || from === '' ? 'empty' : from})` }];
    }
    case 'assign-licenses':
      return change.details.add.map(describeAssignment);
    case 'remove-licenses': {
      const skus = change.details.remove.map((r) => skuName(r.skuId, r.skuPartNumber));
      return [{ effect: 'remove', text: `will lose the direct ${skus.length === 1 ? 'license' : 'licenses'} ${skus.join(', ')}` }];
    }
    case 'enable-sign-in':
      return [{ effect: 'change', text: 'sign-in will be enabled' }];
    case 'block-sign-in':
      return [{ effect: 'remove', text: 'sign-in will be blocked' }];
  }
}

/**
 * The sign-in of a user tenantctl creates: its initial password is random and never shown
 * (src/engine/passwords.ts), so the administrator lets the person in (docs/reconciliation.md).
 */
export const NEW_USER_SIGN_IN = 'signs in with a Temporary Access Pass or a password reset the administrator issues (the initial password is random and never shown)';

function describeCreation(change: CreateUserChange): readonly ChangeSentence[] {
  const d = change.details;
  const attribute = (name: AttributeName, value: AttributeValue): ChangeSentence => ({ effect: 'add', text: `${name}: ${showAttributeValue(value)}` });
  return [
    { effect: 'add', text: 'will be created (no deleted copy to restore)' },
    attribute('displayName', d.displayName),
    ...(d.attributes ?? []).map((a) => attribute(a.attribute, a.value)),
    ...(d.usageLocation === undefined ? [] : [{ effect: 'add' as const, text: `usage location: ${d.usageLocation}` }]),
    ...(d.accountEnabled ? [] : [{ effect: 'add' as const, text: 'sign-in: blocked' }]),
    { effect: 'add', text: NEW_USER_SIGN_IN },
  ];
}

/** `"Licensing E3" (gives ENTERPRISEPACK)`: the group, and the licenses its membership gives or takes away. */
function describeGroup(change: GroupMemberChange, verb: string): string {
  const { groupName, licenses } = change.details;
  return `${JSON.stringify(groupName)}${licenses.length === 0 ? '' : ` (${verb} ${licenses.join(', ')})`}`;
}

function describeRestore(change: RestoreUserChange, now: Date | string | undefined): string {
  const d = change.details;
  // Under its own name, found by UPN or (given that UPN back) by one of its addresses; or renamed because an active user holds the UPN.
  const renamed = restoredUnderOwnName(change) ? (d.newUserPrincipalName === undefined ? '' : ' (found by its address, under this UPN)') : ` as ${d.newUserPrincipalName ?? ''} (an active user holds ${change.userPrincipalName})`;
  let text = `will be restored${renamed} — deleted ${calendarDay(d.deletedDateTime)}, restorable until ${calendarDay(d.restorableUntil)} (${describeDaysLeft(daysLeft(change, now))})`;
  if (d.licenses.length > 0) text += `; ${d.licenses.length === 1 ? 'its license comes' : 'its licenses come'} back: ${d.licenses.map(describeSku).join(', ')}`;
  if (d.conflictingAddresses.length > 0) {
    const addresses = d.conflictingAddresses.join(', ');
    text += d.autoReconcileProxyConflict
      ? `; proxy addresses an active object holds will be dropped: ${addresses}`
      : `; an active object holds its proxy addresses ${addresses} (autoReconcileProxyConflict is off)`;
  }
  return text;
}

function describeAssignment(license: PlannedLicense): ChangeSentence {
  const sku = skuName(license.skuId, license.skuPartNumber);
  const disabled = planNames(license.disabledPlans, license.disabledPlanNames);
  if (license.replaces === undefined) {
    return { effect: 'add', text: `will get ${sku}${disabled.length === 0 ? '' : ` without ${disabled.join(', ')}`}` };
  }
  const before = planNames(license.replaces.disabledPlans, license.replaces.disabledPlanNames);
  const now = disabled.length === 0 ? 'no plans' : disabled.join(', ');
  return { effect: 'change', text: `${sku} will have ${now} disabled (was: ${before.length === 0 ? 'none' : before.join(', ')})` };
}

/** Service plan names for people, falling back to the id where the plan has no name. */
function planNames(ids: readonly string[], names: readonly string[]): readonly string[] {
  return ids.map((id, i) => names[i] ?? id);
}

/**
 * "ENTERPRISEPACK (Office 365 E3)". By skuId first (exact even for part numbers the catalog holds twice,
 * such as MCOPSTN5), keeping the plan's part number; then by part number; else the part number as is.
 */
function skuName(skuId: string, skuPartNumber: string): string {
  const [byId, ...others] = findCatalogSkus(skuId);
  if (byId !== undefined && others.length === 0) return `${skuPartNumber === '' ? byId.skuPartNumber : skuPartNumber} (${byId.productName})`;
  return describeSku(skuPartNumber === '' ? skuId : skuPartNumber);
}

/** Whole days from `now` to the end of the window, counted as the planner counts `daysLeft`; -1 once it has closed. */
function daysLeft(change: RestoreUserChange, now: Date | string | undefined): number {
  if (now === undefined) return change.details.daysLeft;
  const until = Date.parse(change.details.restorableUntil);
  const at = typeof now === 'string' ? Date.parse(now) : now.getTime();
  if (Number.isNaN(until) || Number.isNaN(at)) return change.details.daysLeft;
  return at >= until ? -1 : Math.floor((until - at) / DAY_MS);
}

function describeDaysLeft(days: number): string {
  if (days < 0) return 'the restore window has closed';
  if (days === 0) return 'less than a day left';
  return `${plural(days, 'day')} left`;
}

/** The UTC calendar day of an ISO instant; the text unchanged if it is not one. */
function calendarDay(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().slice(0, 10);
}

/** 2,500: digits grouped in threes, the same on every machine (no locale, no ICU). */
export function formatCount(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(count)} ${count === 1 ? singular : pluralForm}`;
}

/**
 * Tenant data (names, messages) on a terminal: control characters become visible `\u001b`
 * escapes so that no value can move the cursor, recolour or retitle the terminal.
 */
export function printable(text: string, { keepNewlines = false } = {}): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    const control = isControlCharacter(code);
    out += control && !(keepNewlines && ch === '\n') ? `\\u${code.toString(16).padStart(4, '0')}` : ch;
  }
  return out;
}
