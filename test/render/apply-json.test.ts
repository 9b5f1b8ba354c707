import { describe, expect, it } from 'vitest';
import type { Change, CreateUserChange, Plan } from '../../src/domain/plan.ts';
import type { ChangeOutcome } from '../../src/engine/apply.ts';
import { APPLY_FORMAT_VERSION, renderApplyJson } from '../../src/render/apply-json.ts';
import type { ApplyReport } from '../../src/render/apply-report.ts';
import {
  assignLicenses, blockSignIn, createUser, diagnostic, groupMember, license, LICENSING_E3, objectId, planOf, restoreUser, setManager, setUsageLocation, TENANT_ID,
  updateAttributes,
} from '../support/plans.ts';

/**
 * `tenantctl apply --format json` (docs/cli-reference.md §4): a public format for pipelines. A change
 * here changes that contract: check whether formatVersion must move.
 */

/** Applied by a request Graph answered with `requestId`; with a note, done by an earlier run (no request id). */
const applied = (change: Change, requestId: string | null, note?: string): ChangeOutcome => ({ change, status: 'applied', requestId, ...(note === undefined ? {} : { note }) });
const failed = (change: Change, error: Partial<Extract<ChangeOutcome, { status: 'failed' }>['error']> = {}): ChangeOutcome => ({
  change, status: 'failed', error: { status: 400, code: 'Request_BadRequest', message: 'Another object with the same value for property proxyAddresses already exists.', requestId: 'req-1', ...error },
});
const skipped = (change: Change, reason: string): ChangeOutcome => ({ change, status: 'skipped', reason });

const DAVE = objectId(0xd0);
const CAROL = objectId(0xc0);
const daveRestore = restoreUser('dave@contoso.com', { objectId: DAVE });
const carolLocation = setUsageLocation('carol@contoso.com', 'NL', null, CAROL);
const carolLicense = assignLicenses('carol@contoso.com', [license('ENTERPRISEPACK')], CAROL);
const erinCreate = createUser('erin@contoso.com', { displayName: 'Erin Smit', usageLocation: 'NL' });
const erinLicense = assignLicenses('erin@contoso.com', [license('ENTERPRISEPACK')], null);
const supportBlock = blockSignIn('support@contoso.com', objectId(0x50));

/** Every status, an applied step with a note, a change without an object id, errors and a warning in the plan. */
function mixedReport(): ApplyReport {
  const plan = planOf([carolLocation, carolLicense, daveRestore, erinCreate, erinLicense, supportBlock], [
    diagnostic('warning', 'restore-window-closing', 'dave@contoso.com', 'dave@contoso.com is restorable only until 2026-11-27 (5 days left): apply soon.'),
    diagnostic('error', 'not-restorable', 'frank@contoso.com', 'frank@contoso.com was purged; set whenPurged: create, or remove it from the policy.'),
    diagnostic('error', 'tenant-mismatch', undefined, 'A plan-wide error, without a principal.'),
  ]);
  return {
    plan,
    outcomes: [applied(carolLocation, 'req-2'), applied(carolLicense, 'req-3'), applied(daveRestore, null, 'it was already restored'), failed(erinCreate), skipped(erinLicense, 'its creation failed'), applied(supportBlock, 'req-4')],
  };
}

const parse = (report: ApplyReport): Record<string, unknown> => JSON.parse(renderApplyJson(report)) as Record<string, unknown>;

/** The same data with every object's keys in reverse order: what an engine built differently would give. */
function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)])) as T;
}

describe('the document', () => {
  it('holds the outcome of every change in plan order, the counts and the errors that blocked principals', () => {
    expect(parse(mixedReport())).toEqual({
      formatVersion: 1,
      tenantId: TENANT_ID,
      outcomes: [
        { action: 'set-usage-location', userPrincipalName: 'carol@contoso.com', objectId: CAROL, status: 'applied', requestId: 'req-2' },
        { action: 'assign-licenses', userPrincipalName: 'carol@contoso.com', objectId: CAROL, status: 'applied', requestId: 'req-3' },
        { action: 'restore-user', userPrincipalName: 'dave@contoso.com', objectId: DAVE, status: 'applied', requestId: null, note: 'it was already restored' },
        {
          action: 'create-user', userPrincipalName: 'erin@contoso.com', status: 'failed',
          error: { status: 400, code: 'Request_BadRequest', message: 'Another object with the same value for property proxyAddresses already exists.', requestId: 'req-1' },
        },
        { action: 'assign-licenses', userPrincipalName: 'erin@contoso.com', status: 'skipped', reason: 'its creation failed' },
        { action: 'block-sign-in', userPrincipalName: 'support@contoso.com', objectId: objectId(0x50), status: 'applied', requestId: 'req-4' },
      ],
      summary: { applied: { 'restore-user': 1, 'set-usage-location': 1, 'assign-licenses': 1, 'block-sign-in': 1 }, failed: 1, skipped: 1 },
      blocked: [
        { severity: 'error', code: 'not-restorable', userPrincipalName: 'frank@contoso.com', message: 'frank@contoso.com was purged; set whenPurged: create, or remove it from the policy.' },
        { severity: 'error', code: 'tenant-mismatch', message: 'A plan-wide error, without a principal.' },
      ],
    });
    expect(APPLY_FORMAT_VERSION).toBe(1);
  });

  it('is JSON with a 2-space indent and a trailing newline', () => {
    const text = renderApplyJson(mixedReport());
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "formatVersion": 1,');
    expect(JSON.stringify(JSON.parse(text), null, 2)).toBe(text.trimEnd());
  });

  it('keeps Graph\'s missing status and request id as null', () => {
    const report = { plan: planOf([erinCreate]), outcomes: [failed(erinCreate, { status: null, requestId: null, code: 'Error', message: 'socket hang up' })] };
    expect((parse(report).outcomes as unknown[])[0]).toEqual({
      action: 'create-user', userPrincipalName: 'erin@contoso.com', status: 'failed', error: { status: null, code: 'Error', message: 'socket hang up', requestId: null },
    });
  });

  it('with nothing to apply: no outcomes, zero counts, and the errors that left the plan empty', () => {
    const plan: Plan = planOf([], [diagnostic('error', 'not-restorable', 'frank@contoso.com', 'purged'), diagnostic('info', 'license-from-group', 'ivy@contoso.com', 'a note')]);
    expect(parse({ plan, outcomes: [] })).toEqual({
      formatVersion: 1,
      tenantId: TENANT_ID,
      outcomes: [],
      summary: { applied: {}, failed: 0, skipped: 0 },
      blocked: [{ severity: 'error', code: 'not-restorable', userPrincipalName: 'frank@contoso.com', message: 'purged' }],
    });
  });
});

describe('key order is fixed', () => {
  const json = parse(mixedReport()) as { outcomes: Record<string, unknown>[]; summary: Record<string, unknown> & { applied: object }; blocked: object[] };

  it('at the top, in the summary and in a blocking error', () => {
    expect(Object.keys(json)).toEqual(['formatVersion', 'tenantId', 'outcomes', 'summary', 'blocked']);
    expect(Object.keys(json.summary)).toEqual(['applied', 'failed', 'skipped']);
    // Actions in plan order (docs/reconciliation.md §4), whatever order they were applied in.
    expect(Object.keys(json.summary.applied)).toEqual(['restore-user', 'set-usage-location', 'assign-licenses', 'block-sign-in']);
    expect(json.blocked.map((d) => Object.keys(d).join(','))).toEqual(['severity,code,userPrincipalName,message', 'severity,code,message']);
  });

  it('in each outcome, by status', () => {
    expect(json.outcomes.map((o) => Object.keys(o).join(','))).toEqual([
      'action,userPrincipalName,objectId,status,requestId',
      'action,userPrincipalName,objectId,status,requestId',
      'action,userPrincipalName,objectId,status,requestId,note',
      'action,userPrincipalName,status,error',
      'action,userPrincipalName,status,reason',
      'action,userPrincipalName,objectId,status,requestId',
    ]);
    expect(Object.keys(json.outcomes[3]?.error as object)).toEqual(['status', 'code', 'message', 'requestId']);
  });

  it('whatever order the plan and the outcomes were built in', () => {
    expect(renderApplyJson(reverseKeys(mixedReport()))).toBe(renderApplyJson(mixedReport()));
  });
});

describe('no secrets', () => {
  const PASSWORD = 'Sup3r-secret-initial-Passw0rd!aA1';
  /** A create-user change that carries more than the plan type allows: a password, as a careless caller might add. */
  const leaky = {
    ...erinCreate,
    password: PASSWORD,
    details: { ...erinCreate.details, passwordProfile: { password: PASSWORD, forceChangePasswordNextSignIn: true } },
  } as CreateUserChange;

  it.each<[string, ChangeOutcome]>([
    ['applied', applied(leaky, 'req-5')],
    ['failed', failed(leaky)],
    ['skipped', skipped(leaky, 'its restore failed')],
  ])('a %s create-user outcome holds no password, nor any of the change\'s details or reason', (_name, outcome) => {
    const text = renderApplyJson({ plan: planOf([leaky]), outcomes: [outcome] });
    expect(text).not.toContain(PASSWORD);
    expect(text.toLowerCase()).not.toContain('password');
    const [written] = (JSON.parse(text) as { outcomes: Record<string, unknown>[] }).outcomes;
    expect(Object.keys(written ?? {})).not.toContain('details');
    expect(text).not.toContain(erinCreate.reason);
    expect(text).not.toContain('Erin Smit');
  });
});

describe('the new actions', () => {
  it('report which change and object, never the details (attribute values, manager, group)', () => {
    const attributes = updateAttributes('tom@contoso.com', [['jobTitle', 'Engineer', 'Secret Title']], objectId(0x70));
    const manager = setManager('victor@contoso.com', null, 'carol@contoso.com', { id: null });
    const member = groupMember('add-group-member', 'uma@contoso.com', LICENSING_E3, objectId(0x75));
    const leave = groupMember('remove-group-member', 'uma@contoso.com', LICENSING_E3, objectId(0x75));
    const text = renderApplyJson({ plan: planOf([attributes, manager, member, leave]), outcomes: [applied(attributes, 'req-1'), applied(manager, 'req-2'), applied(member, 'req-3'), skipped(leave, 'its group membership failed')] });
    const json = JSON.parse(text) as { outcomes: unknown[]; summary: unknown };
    expect(json.outcomes).toEqual([
      { action: 'update-attributes', userPrincipalName: 'tom@contoso.com', objectId: objectId(0x70), status: 'applied', requestId: 'req-1' },
      { action: 'set-manager', userPrincipalName: 'victor@contoso.com', status: 'applied', requestId: 'req-2' },
      { action: 'add-group-member', userPrincipalName: 'uma@contoso.com', objectId: objectId(0x75), status: 'applied', requestId: 'req-3' },
      { action: 'remove-group-member', userPrincipalName: 'uma@contoso.com', objectId: objectId(0x75), status: 'skipped', reason: 'its group membership failed' },
    ]);
    expect(json.summary).toEqual({ applied: { 'update-attributes': 1, 'set-manager': 1, 'add-group-member': 1 }, failed: 0, skipped: 1 });
    expect(text).not.toContain('Secret Title');
    expect(text).not.toContain(LICENSING_E3.id);
  });
});
