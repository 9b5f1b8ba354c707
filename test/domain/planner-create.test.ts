// Creating a declared user when nothing can be restored (CONTRACT §1, docs/reconciliation.md §3): the
// default for users; `whenMissing: report` keeps the error; restoring always comes first.
import { describe, expect, it } from 'vitest';
import { actionLines, daysAgo, declaredMailbox, declaredUser, deletedUser, desired, planAt, tenant, user } from '../support/planning.ts';

describe('a declared user with nothing to restore', () => {
  it('is created by default, and the reason says how the person gets in without showing a password', () => {
    const plan = planAt(desired([declaredUser('new.hire@contoso.com', { displayName: 'New Hire' })]), tenant());
    expect(actionLines(plan.changes)).toEqual(['create-user new.hire@contoso.com']);
    const [create] = plan.changes;
    expect(create?.reason).toContain('no deleted copy to restore');
    expect(create?.reason).toContain('Temporary Access Pass');
    expect(create?.reason).toContain('reset the password');
    expect(JSON.stringify(create)).not.toMatch(/passwordProfile|"password"/u);
    expect(plan.diagnostics).toEqual([]);
  });

  it('is reported, not created, when the user says whenMissing: report; the message names the setting and how to change it', () => {
    const plan = planAt(desired([declaredUser('dave@contoso.com', { whenMissing: 'report' }), declaredUser('erin@contoso.com')]), tenant());
    expect(actionLines(plan.changes)).toEqual(['create-user erin@contoso.com']);
    expect(plan.diagnostics.map((d) => [d.severity, d.code, d.userPrincipalName])).toEqual([['error', 'not-restorable', 'dave@contoso.com']]);
    expect(plan.diagnostics[0]?.message).toMatch(/whenMissing: report.*set whenMissing: create/u);
  });

  it('is reported when defaults.whenMissing is report (given to every user that sets none)', () => {
    const plan = planAt(desired([declaredUser('dave@contoso.com')], { whenMissing: 'report' }), tenant());
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics.map((d) => d.code)).toEqual(['not-restorable']);
  });

  it('purged more than 30 days ago: created, and the reason names the purged copy', () => {
    const old = deletedUser('carol@contoso.com', daysAgo(40));
    const plan = planAt(desired([declaredUser('carol@contoso.com')]), tenant({ deleted: [old] }));
    expect(actionLines(plan.changes)).toEqual(['create-user carol@contoso.com']);
    expect(plan.changes[0]?.reason).toContain(`purged after 30 days: ${old.id}`);
  });

  it('is not created while another object holds its address (proxy-conflict, as before)', () => {
    const bob = user('bob@contoso.com', { proxyAddresses: ['SMTP:bob@contoso.com', 'smtp:carol@contoso.com'] });
    const plan = planAt(desired([declaredUser('carol@contoso.com')]), tenant({ users: [bob] }));
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics.map((d) => [d.severity, d.code])).toEqual([['error', 'proxy-conflict']]);
  });

  it('a mailbox is never created: needs-exchange, whatever whenMissing says', () => {
    const plan = planAt(desired([declaredMailbox('support@contoso.com')], { whenMissing: 'create' }), tenant());
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics.map((d) => d.code)).toEqual(['needs-exchange']);
  });
});

describe('restore comes first: nothing restorable is created', () => {
  it('a restorable copy by UPN is restored', () => {
    const alice = deletedUser('alice@contoso.com', daysAgo(29));
    const plan = planAt(desired([declaredUser('alice@contoso.com')]), tenant({ deleted: [alice] }));
    expect(plan.changes.map((c) => c.action)).toEqual(['restore-user']);
  });

  it('a restorable copy found only by address is restored under the declared UPN, not created next to it', () => {
    const old = deletedUser('a.jansen@contoso.com', daysAgo(3), { displayName: 'alice', proxyAddresses: ['SMTP:a.jansen@contoso.com', 'smtp:alice@contoso.com'] });
    const plan = planAt(desired([declaredUser('alice@contoso.com')]), tenant({ deleted: [old] }));
    expect(plan.changes.map((c) => c.action)).toEqual(['restore-user']);
  });

  it('a created user gets no update-attributes: its attributes are in the create', () => {
    const plan = planAt(desired([declaredUser('new@contoso.com', { attributes: { jobTitle: 'Clerk' } })]), tenant());
    expect(plan.changes.map((c) => c.action)).toEqual(['create-user']);
    expect(plan.changes[0]).toMatchObject({ details: { attributes: [{ attribute: 'jobTitle', value: 'Clerk' }] } });
  });

  it('a create with no other declared attribute has no attributes key', () => {
    const plan = planAt(desired([declaredUser('new@contoso.com', { attributes: { displayName: 'new', jobTitle: null } })]), tenant());
    expect(plan.changes[0]?.action).toBe('create-user');
    expect(plan.changes[0]?.details).not.toHaveProperty('attributes');
  });
});
