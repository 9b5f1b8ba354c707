/**
 * The permission preflight on its own: which roles satisfy a need (the least-privileged one or a
 * broader one), and how a gap is reported for reading (error) and for applying (warning).
 */
import { describe, expect, it } from 'vitest';
import { checkPermissions, readNeeds, writeNeeds } from '../../src/domain/permissions.ts';
import type { DesiredState } from '../../src/domain/desired.ts';

const withMailbox = { principals: [{ kind: 'mailbox', licenses: [] }], licenseSets: new Map() } as unknown as DesiredState;
const usersOnly = { principals: [{ kind: 'user', licenses: [] }], licenseSets: new Map() } as unknown as DesiredState;

describe('checkPermissions', () => {
  it('accepts the least-privileged permission or a broader one', () => {
    const needs = readNeeds(usersOnly, { groupsRead: false });
    expect(checkPermissions(needs, ['User.Read.All', 'LicenseAssignment.Read.All'])).toEqual([]);
    expect(checkPermissions(needs, ['Directory.Read.All'])).toEqual([]);
    expect(checkPermissions(writeNeeds(['restore-user', 'assign-licenses']), ['User.ReadWrite.All'])).toEqual([]);
  });

  it('names each missing read permission once, as an error, with everything it is needed for', () => {
    const missing = checkPermissions(readNeeds(withMailbox, { groupsRead: true }), ['User.Read.All']);
    expect(missing.map((d) => [d.severity, d.code, /permission (\S+),/u.exec(d.message)?.[1]])).toEqual([
      ['error', 'missing-permission', 'LicenseAssignment.Read.All'],
      ['error', 'missing-permission', 'MailboxSettings.Read'],
      ['error', 'missing-permission', 'GroupMember.Read.All'],
    ]);
  });

  it('reports a missing write permission as a warning that says apply needs it, merging the actions it serves', () => {
    const missing = checkPermissions(writeNeeds(['set-usage-location', 'enable-sign-in', 'assign-licenses']), ['User.Read.All', 'LicenseAssignment.ReadWrite.All'], { for: 'apply' });
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatchObject({ severity: 'warning', code: 'missing-permission' });
    expect(missing[0]?.message).toMatch(/lack the application permission User\.ReadWrite\.All, needed to apply this plan \(set usage locations and enable sign-in\)/u);
  });

  it('asks for mailbox settings only when mailboxes are declared, and group membership only when groups were read', () => {
    expect(readNeeds(usersOnly, { groupsRead: false }).map((n) => n.permission)).toEqual(['User.Read.All', 'LicenseAssignment.Read.All']);
    expect(readNeeds(withMailbox, { groupsRead: true }).map((n) => n.permission)).toEqual(['User.Read.All', 'LicenseAssignment.Read.All', 'MailboxSettings.Read', 'GroupMember.Read.All']);
  });

  it('asks to read groups when the policy names a licensing group, even before any group was read', () => {
    const withGroup = { principals: [{ kind: 'user', licenses: [{ sku: 'ENTERPRISEPACK', disabledPlans: [], licenseSet: 'staff', group: 'Staff' }] }], licenseSets: new Map() } as unknown as DesiredState;
    expect(readNeeds(withGroup, { groupsRead: false }).map((n) => n.permission)).toEqual(['User.Read.All', 'LicenseAssignment.Read.All', 'GroupMember.Read.All']);
    const unusedSet = { principals: [], licenseSets: new Map([['staff', { sku: 'ENTERPRISEPACK', disabledPlans: [], group: 'Staff' }]]) } as unknown as DesiredState;
    expect(readNeeds(unusedSet, { groupsRead: false }).map((n) => n.permission)).toContain('GroupMember.Read.All');
  });

  it('attributes and managers need User.ReadWrite.All (or Directory.ReadWrite.All); memberships GroupMember.ReadWrite.All (or Group.ReadWrite.All, Directory.ReadWrite.All)', () => {
    expect(writeNeeds(['update-attributes', 'set-manager']).map((n) => n.permission)).toEqual(['User.ReadWrite.All', 'User.ReadWrite.All']);
    expect(checkPermissions(writeNeeds(['update-attributes', 'set-manager']), ['Directory.ReadWrite.All'], { for: 'apply' })).toEqual([]);
    const memberships = writeNeeds(['add-group-member', 'remove-group-member']);
    expect(memberships.map((n) => n.permission)).toEqual(['GroupMember.ReadWrite.All', 'GroupMember.ReadWrite.All']);
    for (const role of ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All']) expect(checkPermissions(memberships, [role], { for: 'apply' })).toEqual([]);
    const missing = checkPermissions(memberships, ['User.ReadWrite.All'], { for: 'apply' });
    expect(missing).toHaveLength(1);
    expect(missing[0]?.message).toContain('GroupMember.ReadWrite.All, needed to apply this plan (add members to licensing groups and remove members from licensing groups)');
  });
});
