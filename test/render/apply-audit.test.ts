import { describe, expect, it } from 'vitest';
import type { ChangeOutcome } from '../../src/domain/outcome.ts';
import type { CreateUserChange } from '../../src/domain/plan.ts';
import { renderAuditLine } from '../../src/render/apply-audit.ts';
import { assignLicenses, blockSignIn, createUser, groupMember, license, LICENSING_E3, objectId, restoreUser, setManager, updateAttributes } from '../support/plans.ts';

/** The audit log's line (docs/cli-reference.md §11): one JSON object per change, fields in a fixed order. */
describe('renderAuditLine', () => {
  const TIME = '2026-11-22T10:00:03.120Z';
  const parse = (line: string): Record<string, unknown> => {
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trimEnd()).not.toContain('\n');
    return JSON.parse(line) as Record<string, unknown>;
  };

  it.each<[string, ChangeOutcome, Record<string, unknown>]>([
    ['an applied restore with a note (no request of this run did it)', { change: restoreUser('dave@contoso.com', { objectId: objectId(0xd0) }), status: 'applied', note: 'it was already restored', requestId: null },
      { time: TIME, action: 'restore-user', userPrincipalName: 'dave@contoso.com', objectId: objectId(0xd0), outcome: 'applied', requestId: null, note: 'it was already restored' }],
    ['an applied license assignment, with the request id Graph answered it with', { change: assignLicenses('carol@contoso.com', [license('ENTERPRISEPACK')], objectId(0xc0)), status: 'applied', requestId: 'req-9' },
      { time: TIME, action: 'assign-licenses', userPrincipalName: 'carol@contoso.com', objectId: objectId(0xc0), outcome: 'applied', requestId: 'req-9' }],
    ['a failed license assignment', { change: assignLicenses('erin@contoso.com', [license('ENTERPRISEPACK')], objectId(0xe0)), status: 'failed', error: { status: 400, code: 'Request_BadRequest', message: 'no seats', requestId: 'req-1' } },
      { time: TIME, action: 'assign-licenses', userPrincipalName: 'erin@contoso.com', objectId: objectId(0xe0), outcome: 'failed', code: 'Request_BadRequest', message: 'no seats', requestId: 'req-1' }],
    ['a skipped sign-in change', { change: blockSignIn('erin@contoso.com', objectId(0xe0)), status: 'skipped', reason: 'its license assignment failed' },
      { time: TIME, action: 'block-sign-in', userPrincipalName: 'erin@contoso.com', objectId: objectId(0xe0), outcome: 'skipped', reason: 'its license assignment failed', requestId: null }],
    ['a creation (no object id yet)', { change: createUser('new@contoso.com'), status: 'applied', requestId: 'req-2' },
      { time: TIME, action: 'create-user', userPrincipalName: 'new@contoso.com', outcome: 'applied', requestId: 'req-2' }],
    ['an attribute update (no values)', { change: updateAttributes('tom@contoso.com', [['jobTitle', 'Engineer', 'Senior Engineer']], objectId(0x70)), status: 'applied', requestId: 'req-5' },
      { time: TIME, action: 'update-attributes', userPrincipalName: 'tom@contoso.com', objectId: objectId(0x70), outcome: 'applied', requestId: 'req-5' }],
    ['a manager change of a user the plan creates (no object id)', { change: setManager('victor@contoso.com', null, 'carol@contoso.com', { id: null }), status: 'skipped', reason: 'its creation failed' },
      { time: TIME, action: 'set-manager', userPrincipalName: 'victor@contoso.com', outcome: 'skipped', reason: 'its creation failed', requestId: null }],
    ['a membership', { change: groupMember('add-group-member', 'uma@contoso.com', LICENSING_E3, objectId(0x75)), status: 'applied', requestId: 'req-6' },
      { time: TIME, action: 'add-group-member', userPrincipalName: 'uma@contoso.com', objectId: objectId(0x75), outcome: 'applied', requestId: 'req-6' }],
  ])('writes %s with its fields in order', (_name, outcome, expected) => {
    const line = parse(renderAuditLine(outcome, TIME));
    expect(line).toEqual(expected);
    expect(Object.keys(line)).toEqual(Object.keys(expected));
  });

  it('never writes a change\'s details, even a password slipped into them', () => {
    const change = createUser('new@contoso.com');
    const withSecret = { ...change, details: { ...change.details, password: 'Sup3r-Secret!' } } as CreateUserChange;
    for (const outcome of [{ change: withSecret, status: 'applied' }, { change: withSecret, status: 'skipped', reason: 'x' }] as ChangeOutcome[]) {
      expect(renderAuditLine(outcome, TIME)).not.toContain('Sup3r-Secret!');
      expect(renderAuditLine(outcome, TIME)).not.toContain('details');
    }
  });
});
