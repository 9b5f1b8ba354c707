import type { AttributeName, AttributeValue } from '../../src/domain/attributes.ts';
import type { Diagnostic, PlanDiagnosticCode, Severity } from '../../src/domain/diagnostics.ts';
import type {
  AssignLicensesChange, Change, CreateUserChange, GroupMemberChange, Plan, PlannedLicense, RemoveLicensesChange, RestoreUserChange,
  SetManagerChange, SetUsageLocationChange, SignInChange, UpdateAttributesChange,
} from '../../src/domain/plan.ts';
import { PLAN_FORMAT_VERSION, summarise } from '../../src/domain/plan.ts';
import { findCatalogServicePlan, findCatalogSkus } from '../../src/domain/sku-catalog.ts';

/**
 * Small builders for plans, so that render tests state what a plan holds rather than paste it.
 * Everything is a pure function of its arguments: the same call gives the same plan.
 */

export const PLANNED_AT = '2026-11-22T00:00:00Z';
export const TENANT_ID = '8f3c1a52-0000-4000-8000-000000000001';
export const POLICY_DIGEST = 'sha256:5d41402abc4b2a76b9719d911017c592ae8d4c1d6e4e0b1a4f6b0c3a9d8e7f60';

const DAY_MS = 86_400_000;
/** Entra keeps a deleted user this long. */
const RESTORE_WINDOW_DAYS = 30;

/** An object id whose last block counts: 00000000-0000-4000-8000-0000000000ff for 255. */
export function objectId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/**
 * A plan around these changes and diagnostics; the summary is computed, as the planner does (with
 * `overrides.protectedPrincipals`, when given).
 */
export function planOf(changes: readonly Change[], diagnostics: readonly Diagnostic[] = [], overrides: Partial<Omit<Plan, 'changes' | 'diagnostics'>> = {}): Plan {
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    tenantId: TENANT_ID,
    createdAt: PLANNED_AT,
    policyDigest: POLICY_DIGEST,
    changes,
    diagnostics,
    summary: summarise(changes, overrides.protectedPrincipals ?? []),
    ...overrides,
  };
}

export function diagnostic(severity: Severity, code: PlanDiagnosticCode, userPrincipalName: string | undefined, message: string): Diagnostic {
  return userPrincipalName === undefined ? { severity, code, message } : { severity, code, message, userPrincipalName };
}

/**
 * A license from the shipped SKU catalog by part number, with disabled plans by name; `was` makes it
 * replace a license the user holds with those plans disabled.
 */
export function license(skuPartNumber: string, disabled: readonly string[] = [], was?: readonly string[]): PlannedLicense {
  const [sku] = findCatalogSkus(skuPartNumber);
  if (sku === undefined) throw new Error(`test builder: ${skuPartNumber} is not in the SKU catalog`);
  const planIds = (names: readonly string[]): string[] => names.map((name) => {
    const plan = findCatalogServicePlan(sku, name);
    if (plan === undefined) throw new Error(`test builder: ${skuPartNumber} has no plan ${name}`);
    return plan.servicePlanId;
  });
  const planned = { skuId: sku.skuId, skuPartNumber: sku.skuPartNumber, disabledPlans: planIds(disabled), disabledPlanNames: [...disabled] };
  return was === undefined ? planned : { ...planned, replaces: { disabledPlans: planIds(was), disabledPlanNames: [...was] } };
}

export interface RestoreOptions {
  readonly objectId?: string;
  readonly deletedDateTime?: string;
  readonly plannedAt?: string;
  readonly newUserPrincipalName?: string;
  readonly conflictingAddresses?: readonly string[];
  readonly autoReconcileProxyConflict?: boolean;
  readonly licenses?: readonly string[];
}

/** Days left as the planner counts them: whole days from planning to the end of the window. */
export function restoreUser(userPrincipalName: string, options: RestoreOptions = {}): RestoreUserChange {
  const deletedDateTime = options.deletedDateTime ?? '2026-11-10T09:00:00Z';
  const until = Date.parse(deletedDateTime) + RESTORE_WINDOW_DAYS * DAY_MS;
  return {
    action: 'restore-user',
    userPrincipalName,
    objectId: options.objectId ?? objectId(1),
    reason: 'not active; soft-deleted and still restorable',
    details: {
      deletedDateTime,
      restorableUntil: new Date(until).toISOString().replace('.000Z', 'Z'),
      daysLeft: Math.floor((until - Date.parse(options.plannedAt ?? PLANNED_AT)) / DAY_MS),
      ...(options.newUserPrincipalName === undefined ? {} : { newUserPrincipalName: options.newUserPrincipalName }),
      autoReconcileProxyConflict: options.autoReconcileProxyConflict ?? true,
      conflictingAddresses: options.conflictingAddresses ?? [],
      licenses: options.licenses ?? [],
    },
  };
}

export function createUser(userPrincipalName: string, details: Partial<CreateUserChange['details']> = {}): CreateUserChange {
  const localPart = userPrincipalName.split('@')[0] ?? userPrincipalName;
  return {
    action: 'create-user',
    userPrincipalName,
    reason: 'no deleted copy to restore: created; the administrator issues a Temporary Access Pass or resets the password',
    details: { displayName: localPart, mailNickname: localPart, accountEnabled: true, ...details },
  };
}

export function setUsageLocation(userPrincipalName: string, to: string, from: string | null = null, id = objectId(2)): SetUsageLocationChange {
  return { action: 'set-usage-location', userPrincipalName, objectId: id, reason: 'a license is added and the usage location differs', details: { from, to } };
}

/** `id` null: a user that this plan creates, which has no object id yet. */
export function assignLicenses(userPrincipalName: string, add: readonly PlannedLicense[], id: string | null = objectId(3)): AssignLicensesChange {
  const change = { action: 'assign-licenses', userPrincipalName, reason: 'declared licenses are missing or their disabled plans differ', details: { add } } as const;
  return id === null ? change : { ...change, objectId: id };
}

export function removeLicenses(userPrincipalName: string, skuPartNumbers: readonly string[], id = objectId(4)): RemoveLicensesChange {
  const remove = skuPartNumbers.map((part) => {
    const [sku] = findCatalogSkus(part);
    return { skuId: sku?.skuId ?? objectId(0xdead), skuPartNumber: part };
  });
  return { action: 'remove-licenses', userPrincipalName, objectId: id, reason: 'pruneLicenses is true and the policy does not list it', details: { remove } };
}

export function enableSignIn(userPrincipalName: string, id = objectId(5)): SignInChange {
  return { action: 'enable-sign-in', userPrincipalName, objectId: id, reason: 'accountEnabled is true in the policy', details: { from: false, to: true } };
}

export function blockSignIn(userPrincipalName: string, id = objectId(6)): SignInChange {
  return { action: 'block-sign-in', userPrincipalName, objectId: id, reason: 'a shared mailbox keeps sign-in blocked', details: { from: true, to: false } };
}

/** `[attribute, from, to]` per attribute, in ATTRIBUTE_NAMES order as the planner lists them. */
export function updateAttributes(userPrincipalName: string, attributes: readonly (readonly [AttributeName, AttributeValue, AttributeValue])[], id = objectId(7)): UpdateAttributesChange {
  return {
    action: 'update-attributes',
    userPrincipalName,
    objectId: id,
    reason: 'declared attributes differ from the tenant\'s',
    details: { attributes: attributes.map(([attribute, from, to]) => ({ attribute, from, to })) },
  };
}

/** `toObjectId` absent: a manager this plan creates; `id` null: a principal this plan creates. */
export function setManager(userPrincipalName: string, from: string | null, to: string | null, options: { toObjectId?: string; id?: string | null } = {}): SetManagerChange {
  const id = options.id === undefined ? objectId(8) : options.id;
  return {
    action: 'set-manager',
    userPrincipalName,
    ...(id === null ? {} : { objectId: id }),
    reason: to === null ? 'the policy says it has no manager' : 'the declared manager differs',
    details: { from, to, ...(options.toObjectId === undefined ? {} : { toObjectId: options.toObjectId }) },
  };
}

/** Membership of a licensing group; `id` null: a principal this plan creates. */
export function groupMember(action: GroupMemberChange['action'], userPrincipalName: string, group: { id: string; name: string; licenses: readonly string[] }, id: string | null = objectId(9)): GroupMemberChange {
  return {
    action,
    userPrincipalName,
    ...(id === null ? {} : { objectId: id }),
    reason: action === 'add-group-member' ? 'its license set is given through this group' : 'pruneLicenses is true and no license set names this group for it',
    details: { groupId: group.id, groupName: group.name, licenses: group.licenses },
  };
}

export const LICENSING_E3 = { id: '9a000000-0000-4000-8000-0000000000e3', name: 'Licensing E3', licenses: ['ENTERPRISEPACK'] } as const;
export const LICENSING_EMS = { id: '9a000000-0000-4000-8000-0000000000e5', name: 'Licensing EMS', licenses: ['EMS'] } as const;

/** Every action, every severity, principals with and without errors, a diagnostic that names no principal. */
export function everyActionPlan(): Plan {
  const e3 = (): PlannedLicense => license('ENTERPRISEPACK', ['YAMMER_ENTERPRISE', 'SWAY']);
  return planOf(
    [
      restoreUser('alice@contoso.com', { objectId: objectId(0xa1), licenses: ['ENTERPRISEPACK'] }),
      assignLicenses('alice@contoso.com', [license('ENTERPRISEPACK', ['YAMMER_ENTERPRISE'], [])], objectId(0xa1)),
      restoreUser('bob@contoso.com', {
        objectId: objectId(0xb0),
        deletedDateTime: '2026-10-28T15:30:00Z',
        newUserPrincipalName: 'bob.restored@contoso.com',
        conflictingAddresses: ['smtp:bob@contoso.com', 'SMTP:robert@contoso.com'],
      }),
      createUser('carol@contoso.com', { displayName: 'Carol de Vries', mailNickname: 'carol', usageLocation: 'NL' }),
      assignLicenses('carol@contoso.com', [e3(), license('EMS')], null),
      setUsageLocation('dave@contoso.com', 'NL', null, objectId(0xd0)),
      assignLicenses('dave@contoso.com', [e3()], objectId(0xd0)),
      setUsageLocation('erin@contoso.com', 'NL', 'US', objectId(0xe0)),
      removeLicenses('erin@contoso.com', ['POWER_BI_PRO', 'FLOW_FREE'], objectId(0xe0)),
      enableSignIn('erin@contoso.com', objectId(0xe0)),
      assignLicenses('greg@contoso.com', [license('SPE_E3', [], ['SWAY'])], objectId(0x90)),
      blockSignIn('support@contoso.com', objectId(0x50)),
      updateAttributes('tom@contoso.com', [['jobTitle', 'Engineer', 'Senior Engineer'], ['department', null, 'Sales'], ['businessPhones', ['+31 20 123 4567'], null]], objectId(0x70)),
      setManager('tom@contoso.com', 'alice@contoso.com', 'bob@contoso.com', { id: objectId(0x70), toObjectId: objectId(0xb1) }),
      groupMember('add-group-member', 'uma@contoso.com', LICENSING_E3, objectId(0x75)),
      groupMember('remove-group-member', 'uma@contoso.com', LICENSING_EMS, objectId(0x75)),
      createUser('victor@contoso.com', { displayName: 'Victor Smit', mailNickname: 'victor', usageLocation: 'NL', attributes: [{ attribute: 'jobTitle', value: 'Engineer' }, { attribute: 'businessPhones', value: ['+31 20 765 4321'] }] }),
      setManager('victor@contoso.com', null, 'carol@contoso.com', { id: null }),
      groupMember('add-group-member', 'victor@contoso.com', LICENSING_E3, null),
      setManager('wendy@contoso.com', 'bob@contoso.com', null, { id: objectId(0x77) }),
    ],
    [
      diagnostic('info', 'undeclared-license', 'hank@contoso.com', 'hank@contoso.com holds FLOW_FREE (Microsoft Power Automate Free) directly; the policy does not list it and pruneLicenses is false.'),
      diagnostic('warning', 'restore-window-closing', 'bob@contoso.com', 'bob@contoso.com is restorable only until 2026-11-27 (5 days left): apply soon.'),
      diagnostic('error', 'upn-conflict', 'frank@contoso.com', 'An active user holds frank@contoso.com; set onUpnConflict: rename, or free the UPN, to restore the deleted one.'),
      diagnostic('warning', 'seat-shortfall', undefined, 'ENTERPRISEPACK (Office 365 E3): the plan needs 3 seats and 2 are free; buy seats or remove assignments.'),
      diagnostic('error', 'unknown-service-plan', 'greg@contoso.com', 'SPE_E3 in this tenant has no service plan SWAY_PLAN; fix the license set.'),
      diagnostic('error', 'needs-exchange', 'sales@contoso.com', 'sales@contoso.com is not restorable and Graph cannot create a shared mailbox. In Exchange Online PowerShell:\nNew-Mailbox -Shared -Name "Sales" -PrimarySmtpAddress sales@contoso.com'),
      diagnostic('info', 'license-from-group', 'ivy@contoso.com', 'ivy@contoso.com gets ENTERPRISEPACK through the group "E3 users"; no direct assignment is added.'),
      diagnostic('info', 'protected-drift', 'root@contoso.com', 'protected: left alone; would block sign-in'),
    ],
    { protectedPrincipals: ['breakglass@contoso.com', 'root@contoso.com'] },
  );
}

/** Nothing to change; one note. */
export function convergedPlan(): Plan {
  return planOf([], [diagnostic('info', 'undeclared-license', 'hank@contoso.com', 'hank@contoso.com holds FLOW_FREE directly; the policy does not list it and pruneLicenses is false.')]);
}

/** Connected to another tenant than the policy's `tenant.id`: the planner refuses everything. */
export function tenantMismatchPlan(): Plan {
  return planOf([], [
    diagnostic('error', 'tenant-mismatch', undefined, `Connected to tenant 11111111-2222-4333-8444-555555555555, but the policy declares tenant.id ${TENANT_ID}; check the credentials or the policy.`),
  ], { tenantId: '11111111-2222-4333-8444-555555555555' });
}

/**
 * About `changeCount` changes over many principals, in the mix of a tenant after a bad cleanup:
 * restores with licenses, renames, usage locations, blocks; an error every 97 principals, a warning
 * every 7, a note every 5.
 */
export function largePlan(changeCount: number): Plan {
  const changes: Change[] = [];
  const diagnostics: Diagnostic[] = [];
  for (let i = 0; changes.length < changeCount; i++) {
    const upn = `user${String(i).padStart(5, '0')}@contoso.com`;
    const id = objectId(i);
    if (i % 4 === 3) {
      changes.push(setUsageLocation(upn, 'NL', null, id), assignLicenses(upn, [license('ENTERPRISEPACK', ['YAMMER_ENTERPRISE', 'SWAY'])], id));
    } else if (i % 10 === 9) {
      changes.push(blockSignIn(upn, id));
    } else {
      const rename = i % 6 === 0 ? { newUserPrincipalName: `user${String(i).padStart(5, '0')}.restored@contoso.com` } : {};
      changes.push(restoreUser(upn, { objectId: id, licenses: ['ENTERPRISEPACK'], ...rename }), assignLicenses(upn, [license('ENTERPRISEPACK', ['YAMMER_ENTERPRISE'], [])], id));
    }
    if (i % 97 === 0) diagnostics.push(diagnostic('error', 'unknown-service-plan', upn, `The license set for ${upn} disables SWAY_PLAN, which ENTERPRISEPACK in this tenant does not have (error #${i}).`));
    if (i % 7 === 0) diagnostics.push(diagnostic('warning', 'seat-shortfall', upn, `Assigning ENTERPRISEPACK to ${upn} needs a seat and none is free.`));
    if (i % 5 === 0) diagnostics.push(diagnostic('info', 'undeclared-license', upn, `${upn} holds FLOW_FREE directly; the policy does not list it.`));
  }
  return planOf(changes.slice(0, changeCount), diagnostics);
}
