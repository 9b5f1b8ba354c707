import { describe, expect, it } from 'vitest';
import type { Change, Plan } from '../../src/domain/plan.ts';
import type { ChangeOutcome } from '../../src/engine/apply.ts';
import { renderApplyText, renderOutcomeLine, summariseOutcomes } from '../../src/render/apply-text.ts';
import {
  assignLicenses, blockSignIn, createUser, diagnostic, enableSignIn, groupMember, license, LICENSING_E3, objectId, planOf, removeLicenses, restoreUser, setManager,
  setUsageLocation, updateAttributes,
} from '../support/plans.ts';

/**
 * `tenantctl apply`'s text view (docs/cli-reference.md §4): the lines scripts and people read today.
 * The outcomes are the engine's own type, so this file also fails to compile if the engine's
 * outcome stops fitting the renderers' (src/render/apply-report.ts).
 */

const applied = (change: Change, note?: string): ChangeOutcome => ({ change, status: 'applied', ...(note === undefined ? {} : { note }) });
const failed = (change: Change, requestId: string | null = 'req-1'): ChangeOutcome => ({
  change, status: 'failed', error: { status: 400, code: 'Request_BadRequest', message: 'Another object with the same value for property proxyAddresses already exists.', requestId },
});
const skipped = (change: Change, reason: string): ChangeOutcome => ({ change, status: 'skipped', reason });

const erinCreate = createUser('erin@contoso.com');
const erinLicense = assignLicenses('erin@contoso.com', [license('ENTERPRISEPACK')], null);
const daveRestore = restoreUser('dave@contoso.com', { objectId: objectId(0xd0) });
const supportBlock = blockSignIn('support@contoso.com');

describe('failures (stderr)', () => {
  it('lists each failed change with Graph\'s code, message and request id, and each skipped one with why, in plan order; nothing for applied ones', () => {
    const plan = planOf([daveRestore, erinCreate, erinLicense, supportBlock]);
    const view = renderApplyText({ plan, outcomes: [applied(daveRestore), failed(erinCreate), skipped(erinLicense, 'its creation failed'), applied(supportBlock)] });
    expect(view.failures).toBe(
      'failed  create-user  erin@contoso.com: Request_BadRequest: Another object with the same value for property proxyAddresses already exists. (request-id req-1)\n'
      + 'skipped  assign-licenses  erin@contoso.com: its creation failed\n',
    );
  });

  it('leaves out the request id when Graph gave none', () => {
    const view = renderApplyText({ plan: planOf([erinCreate]), outcomes: [failed(erinCreate, null)] });
    expect(view.failures).toBe('failed  create-user  erin@contoso.com: Request_BadRequest: Another object with the same value for property proxyAddresses already exists.\n');
  });

  it('names a deferred manager change skipped after its principal failed, and a failed membership', () => {
    const create = createUser('nina@contoso.com');
    const manager = setManager('nina@contoso.com', null, 'otto@contoso.com', { id: null });
    const member = groupMember('add-group-member', 'carol@contoso.com', LICENSING_E3);
    const view = renderApplyText({ plan: planOf([create, manager, member]), outcomes: [failed(create), skipped(manager, 'its creation failed'), failed(member)] });
    expect(view.failures).toBe(
      'failed  create-user  nina@contoso.com: Request_BadRequest: Another object with the same value for property proxyAddresses already exists. (request-id req-1)\n'
      + 'skipped  set-manager  nina@contoso.com: its creation failed\n'
      + 'failed  add-group-member  carol@contoso.com: Request_BadRequest: Another object with the same value for property proxyAddresses already exists. (request-id req-1)\n',
    );
  });

  it('is empty when everything applied', () => {
    expect(renderApplyText({ plan: planOf([daveRestore]), outcomes: [applied(daveRestore, 'it was already restored')] }).failures).toBe('');
  });
});

describe('summary (stdout)', () => {
  const every = [
    blockSignIn('a@contoso.com'), enableSignIn('b@contoso.com'), removeLicenses('c@contoso.com', ['EMS']), assignLicenses('d@contoso.com', [license('EMS')]),
    setUsageLocation('e@contoso.com', 'NL'), createUser('f@contoso.com'), restoreUser('g@contoso.com'), restoreUser('h@contoso.com'),
  ];

  it.each<[string, readonly ChangeOutcome[], string]>([
    ['nothing ran', [], 'Apply complete: nothing to do.'],
    ['every action, given out of order: counted in plan order', every.map((c) => applied(c)), 'Apply complete: 2 restored, 1 created, 1 usage location set, 1 licensed, 1 unlicensed, 1 enabled, 1 blocked.'],
    ['the new actions', [
      applied(groupMember('remove-group-member', 'a@contoso.com', LICENSING_E3)), applied(groupMember('add-group-member', 'b@contoso.com', LICENSING_E3)),
      applied(setManager('c@contoso.com', null, 'a@contoso.com')), applied(setManager('d@contoso.com', null, 'a@contoso.com')), applied(updateAttributes('e@contoso.com', [['jobTitle', null, 'Engineer']])),
    ], 'Apply complete: 1 updated, 2 managers set, 1 added to a group, 1 removed from a group.'],
    ['failed and skipped come last, and are not counted as their action', [applied(daveRestore), failed(erinCreate), skipped(erinLicense, 'its creation failed')], 'Apply complete: 1 restored, 1 failed, 1 skipped.'],
    ['only failures', [failed(erinCreate)], 'Apply complete: 1 failed.'],
  ])('%s', (_name, outcomes, line) => {
    expect(summariseOutcomes(outcomes)).toBe(line);
    expect(renderApplyText({ plan: planOf(outcomes.length === 0 ? [daveRestore] : outcomes.map((o) => o.change)), outcomes }).summary).toBe(`${line}\n`);
  });
});

describe('blocked (stderr)', () => {
  const withErrors = (errors: number, warnings = 0): Plan => planOf([daveRestore], [
    ...Array.from({ length: errors }, (_, i) => diagnostic('error', 'not-restorable', `p${i}@contoso.com`, 'purged')),
    ...Array.from({ length: warnings }, (_, i) => diagnostic('warning', 'restore-window-closing', `w${i}@contoso.com`, 'soon')),
  ]);

  it.each<[string, Plan, string]>([
    ['no errors (warnings do not count)', withErrors(0, 2), ''],
    ['one error', withErrors(1, 1), '1 error in the plan: what they name was not applied.\n'],
    ['two errors', withErrors(2), '2 errors in the plan: what they name was not applied.\n'],
  ])('%s', (_name, plan, expected) => {
    expect(renderApplyText({ plan, outcomes: [applied(daveRestore)] }).blocked).toBe(expected);
  });
});

describe('a plan without changes', () => {
  it('says only "Nothing to apply.", even when the plan held errors (they were shown with the plan)', () => {
    const plan = planOf([], [diagnostic('error', 'not-restorable', 'frank@contoso.com', 'purged')]);
    expect(renderApplyText({ plan, outcomes: [] })).toEqual({ failures: '', summary: 'Nothing to apply.\n', blocked: '' });
  });
});

/** `apply` without a terminal: each change and its outcome as it lands (docs/cli-reference.md §4). */
describe('renderOutcomeLine', () => {
  it.each<[string, ChangeOutcome, string]>([
    ['an applied change, with its request id', { change: restoreUser('dave@contoso.com'), status: 'applied', requestId: 'req-1' }, 'applied  restore-user  dave@contoso.com  (request-id req-1)\n'],
    ['a step an earlier run had done: the note, and no request id', { change: restoreUser('dave@contoso.com'), status: 'applied', note: 'it was already restored', requestId: null }, 'applied  restore-user  dave@contoso.com  (it was already restored; no request id)\n'],
    ['a failure, with Graph\'s code, message and request id', { change: blockSignIn('erin@contoso.com'), status: 'failed', error: { status: 400, code: 'Request_BadRequest', message: 'no', requestId: 'req-2' } }, 'failed  block-sign-in  erin@contoso.com: Request_BadRequest: no (request-id req-2)\n'],
    ['a skip, with why', { change: blockSignIn('erin@contoso.com'), status: 'skipped', reason: 'its license assignment failed' }, 'skipped  block-sign-in  erin@contoso.com: its license assignment failed\n'],
    ['control characters escaped', { change: restoreUser('dave@contoso.com'), status: 'applied', requestId: 'req\u001b[2J' }, 'applied  restore-user  dave@contoso.com  (request-id req\\u001b[2J)\n'],
  ])('%s', (_name, outcome, line) => {
    expect(renderOutcomeLine(outcome)).toBe(line);
  });
});
