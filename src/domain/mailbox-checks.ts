import { addDays, dateOf, RETENTION_DAYS, timeOf } from './clock.ts';
import type { DesiredMailbox } from './desired.ts';
import type { Diagnostic } from './diagnostics.ts';
import { isExchangeMailboxPlan } from './exchange-plans.ts';
import type { ResolvedLicense } from './license-plan.ts';
import type { ObservedMailbox, ObservedUser } from './observed.ts';
import { splitUserPrincipalName } from './upn.ts';

/**
 * What Exchange needs that Graph cannot do (docs/graph-behaviour.md §9, §14): create or convert shared, room
 * and equipment mailboxes; and what the Exchange plan history tells about a user's mailbox (§8).
 */

const NEW_MAILBOX_SWITCH: Readonly<Record<DesiredMailbox['mailboxType'], string>> = { shared: '-Shared', room: '-Room', equipment: '-Equipment' };

function quote(text: string): string {
  return `"${text.replace(/"/gu, '`"')}"`;
}

/** The Exchange Online PowerShell command that creates the declared mailbox. */
function newMailboxCommand(mailbox: DesiredMailbox): string {
  const alias = splitUserPrincipalName(mailbox.userPrincipalName).localPart;
  return `New-Mailbox ${NEW_MAILBOX_SWITCH[mailbox.mailboxType]} -Name ${quote(mailbox.displayName)} -DisplayName ${quote(mailbox.displayName)} -Alias ${alias} -PrimarySmtpAddress ${mailbox.userPrincipalName}`;
}

/** A declared mailbox with nothing to restore: Graph cannot create it. */
export function needsExchangeDiagnostic(mailbox: DesiredMailbox): Diagnostic {
  return {
    severity: 'error',
    code: 'needs-exchange',
    userPrincipalName: mailbox.userPrincipalName,
    message:
      `no ${mailbox.mailboxType} mailbox and nothing restorable; Graph cannot create mailboxes. In Exchange Online PowerShell: ${newMailboxCommand(mailbox)}. ` +
      'If it was on hold it may be an inactive mailbox: Get-Mailbox -InactiveMailboxOnly, then New-Mailbox -InactiveMailbox <ExchangeGuid> (or New-MailboxRestoreRequest / Undo-SoftDeletedMailbox within 30 days of deletion)',
  };
}

/** Exchange's mailbox purposes that belong to a person, who signs in (docs/graph-behaviour.md §9). */
const PERSON_PURPOSES: ReadonlySet<string> = new Set(['user', 'linked']);

/**
 * A declared mailbox's account that exists: its mailbox type must match. When Exchange says the
 * account is a person's (a user mailbox, or no mailbox at all), the declaration is an error that
 * blocks the principal: a shared, room or equipment mailbox's account has sign-in blocked, and
 * doing that to a person's account locks them out. Another non-person type is only a warning.
 */
export function checkMailboxType(mailbox: DesiredMailbox, observed: ObservedMailbox | undefined): Diagnostic | undefined {
  if (!observed) return undefined;
  const convert = `Set-Mailbox -Identity ${mailbox.userPrincipalName} -Type ${capitalised(mailbox.mailboxType)}`;
  if (observed.kind === 'none') {
    return {
      severity: 'error',
      code: 'needs-exchange',
      userPrincipalName: mailbox.userPrincipalName,
      message: `the account exists but has no mailbox, so it may be a person's: tenantctl changes nothing of it (blocking its sign-in could lock someone out). If it is a person, declare it under users; if it must be a ${mailbox.mailboxType} mailbox, create it in Exchange Online PowerShell (${newMailboxCommand(mailbox)}) or convert a licensed one (${convert})`,
    };
  }
  const purpose = observed.userPurpose.toLowerCase();
  if (purpose === mailbox.mailboxType) return undefined;
  if (PERSON_PURPOSES.has(purpose)) {
    return {
      severity: 'error',
      code: 'mailbox-type-mismatch',
      userPrincipalName: mailbox.userPrincipalName,
      message: `Exchange says this is a ${observed.userPurpose} mailbox (a person's), the policy says ${mailbox.mailboxType}: tenantctl changes nothing of it, because blocking a person's sign-in locks them out. Check who uses it: a person belongs under users; a mailbox that must be ${mailbox.mailboxType} is converted in Exchange first (${convert}), and the next plan blocks its sign-in`,
    };
  }
  return {
    severity: 'warning',
    code: 'mailbox-type-mismatch',
    userPrincipalName: mailbox.userPrincipalName,
    message: `Exchange says this is a ${observed.userPurpose} mailbox, the policy says ${mailbox.mailboxType}; Graph cannot convert it: ${convert}`,
  };
}

function capitalised(word: string): string {
  return `${word.charAt(0).toUpperCase()}${word.slice(1)}`;
}

/** Whether a license provides a mailbox: an Exchange mailbox plan of its SKU that is not disabled. */
export function grantsMailbox(license: ResolvedLicense): boolean {
  return license.sku.servicePlans.some((p) => isExchangeMailboxPlan(p.servicePlanId) && !license.disabledPlans.includes(p.servicePlanId.toLowerCase()));
}

/**
 * A user whose Exchange plan is Deleted and none Enabled lost its mailbox with a license: within
 * 30 days of the removal, reassigning a license with Exchange reconnects it; later, a new, empty
 * mailbox is made (docs/graph-behaviour.md §8, client rule).
 */
export function checkMailboxHistory(upn: string, user: ObservedUser, declared: readonly ResolvedLicense[], now: string): Diagnostic | undefined {
  const mailboxPlans = user.assignedPlans.filter((p) => isExchangeMailboxPlan(p.servicePlanId));
  if (mailboxPlans.some((p) => p.capabilityStatus === 'Enabled')) return undefined;
  const removed = mailboxPlans
    .filter((p) => p.capabilityStatus === 'Deleted' && timeOf(p.assignedDateTime) !== undefined)
    .map((p) => new Date(timeOf(p.assignedDateTime) as number).toISOString())
    .sort()
    .at(-1);
  if (removed === undefined) return undefined;
  const deadline = addDays(removed, RETENTION_DAYS);
  const recoverable = (timeOf(deadline) ?? 0) > (timeOf(now) ?? 0);
  const granting = declared.find(grantsMailbox);
  if (recoverable) {
    return {
      severity: granting ? 'info' : 'warning',
      code: 'mailbox-recoverable',
      userPrincipalName: upn,
      message: granting
        ? `its mailbox was disconnected on ${dateOf(removed)} when its license was removed; assigning ${granting.sku.skuPartNumber} reconnects it (recoverable until ${dateOf(deadline)})`
        : `its mailbox was disconnected on ${dateOf(removed)}; it can be recovered until ${dateOf(deadline)} by assigning a license with Exchange Online, but the policy declares none`,
    };
  }
  return {
    severity: 'warning',
    code: 'mailbox-lost',
    userPrincipalName: upn,
    message: `its mailbox was disconnected on ${dateOf(removed)}, more than 30 days ago: its data is gone${granting ? `; assigning ${granting.sku.skuPartNumber} creates a new, empty mailbox` : ''}. An inactive mailbox (on hold) needs Exchange: Get-Mailbox -InactiveMailboxOnly`,
  };
}
