// Protected principals (CONTRACT §4): planned as usual, reported as information, never changed.
import { describe, expect, it } from 'vitest';
import { actionLines, daysAgo, declaredUser, deletedUser, desired, desiredLicense, groupSetLicense, licensingGroup, planAt, sku, tenant, user, E3 } from '../support/planning.ts';

const e3 = desiredLicense('ENTERPRISEPACK');

describe('a protected principal', () => {
  it('has no change; each change it would get is a protected-drift note with its before → after', () => {
    const bg = user('breakglass@contoso.com', { accountEnabled: false, displayName: 'BG', usageLocation: null, managerId: null });
    const boss = user('boss@contoso.com');
    const plan = planAt(
      desired([declaredUser('breakglass@contoso.com', { protected: true, displayName: 'Break Glass', manager: 'boss@contoso.com', licenses: [e3] })]),
      tenant({ users: [bg, boss] }),
    );
    expect(plan.changes).toEqual([]);
    expect(plan.protectedPrincipals).toEqual(['breakglass@contoso.com']);
    expect(plan.diagnostics.every((d) => d.severity === 'info' && d.code === 'protected-drift' && d.userPrincipalName === 'breakglass@contoso.com')).toBe(true);
    expect(plan.diagnostics.map((d) => d.message).sort()).toEqual(
      [
        'protected: left alone; would set displayName "BG" → "Break Glass"',
        'protected: left alone; would set its manager (none) → boss@contoso.com',
        'protected: left alone; would set its usage location (none) → NL',
        'protected: left alone; would assign ENTERPRISEPACK',
        'protected: left alone; would enable sign-in (accountEnabled false → true)',
      ].sort(),
    );
  });

  it('listed in defaults.protected: the same, and an undeclared protected UPN is listed too', () => {
    const bg = user('bg@contoso.com', { accountEnabled: false });
    const plan = planAt(desired([declaredUser('bg@contoso.com')], { protected: ['bg@contoso.com', 'other@contoso.com'] }), tenant({ users: [bg] }));
    expect(plan.changes).toEqual([]);
    expect(plan.protectedPrincipals).toEqual(['bg@contoso.com', 'other@contoso.com']);
    expect(plan.diagnostics.map((d) => d.code)).toEqual(['protected-drift']);
  });

  it("an undeclared protected account's deleted copy is never restored for a principal its addresses match", () => {
    // The break-glass account (only in defaults.protected) was deleted; it still holds ops@ as an alias.
    const bg = deletedUser('breakglass@contoso.com', daysAgo(3), { proxyAddresses: ['SMTP:breakglass@contoso.com', 'smtp:ops@contoso.com'] });
    const plan = planAt(desired([declaredUser('ops@contoso.com')], { protected: ['breakglass@contoso.com'] }), tenant({ deleted: [bg] }));
    expect(plan.changes.filter((c) => c.action === 'restore-user')).toEqual([]);
    expect(plan.changes.some((c) => 'objectId' in c && c.objectId === bg.id)).toBe(false);
    // Without the protection the same tenant restores it as ops@ (the address fallback).
    const unprotected = planAt(desired([declaredUser('ops@contoso.com')]), tenant({ deleted: [bg] }));
    expect(unprotected.changes).toContainEqual(expect.objectContaining({ action: 'restore-user', objectId: bg.id }));
  });

  it('its errors and warnings become information', () => {
    const plan = planAt(
      desired([declaredUser('bg@contoso.com', { protected: true, licenses: [desiredLicense('NOPE')] }), declaredUser('old@contoso.com', { protected: true })]),
      tenant({ users: [user('bg@contoso.com')], deleted: [deletedUser('old@contoso.com', daysAgo(27), { displayName: 'old' })] }),
    );
    expect(plan.diagnostics.map((d) => `${d.severity} ${d.code} ${d.userPrincipalName}`)).toEqual([
      'info unknown-sku bg@contoso.com',
      'info protected-drift old@contoso.com',
      'info restore-window-closing old@contoso.com',
    ]);
    expect(plan.diagnostics[1]?.message).toMatch(/^protected: left alone; would restore the deleted user .* \(deleted 2026-10-26\)$/u);
    expect(plan.changes).toEqual([]);
  });

  it('takes no seat: the last seat goes to the next principal', () => {
    const plan = planAt(
      desired([declaredUser('alice@contoso.com', { protected: true, licenses: [e3] }), declaredUser('bob@contoso.com', { licenses: [e3] })]),
      tenant({ users: [user('alice@contoso.com'), user('bob@contoso.com')], skus: [sku({ enabledUnits: 1 })] }),
    );
    expect(actionLines(plan.changes)).toEqual(['assign-licenses bob@contoso.com']);
    expect(plan.diagnostics.map((d) => `${d.severity} ${d.code} ${d.userPrincipalName}`)).toEqual(['info protected-drift alice@contoso.com']);
  });

  it('still claims its own deleted copy: nobody else restores it through an address', () => {
    const old = deletedUser('alice@contoso.com', daysAgo(3), { proxyAddresses: ['SMTP:alice@contoso.com', 'smtp:al@contoso.com'] });
    const plan = planAt(desired([declaredUser('alice@contoso.com', { protected: true }), declaredUser('al@contoso.com', { whenMissing: 'report' })]), tenant({ deleted: [old] }));
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics.map((d) => `${d.code} ${d.userPrincipalName}`)).toEqual(['not-restorable al@contoso.com', 'protected-drift alice@contoso.com']);
  });

  it('is not created, so it cannot be the manager of a principal the plan creates', () => {
    const plan = planAt(desired([declaredUser('boss@contoso.com', { protected: true }), declaredUser('new@contoso.com', { manager: 'boss@contoso.com' })]), tenant());
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics.map((d) => `${d.severity} ${d.code} ${d.userPrincipalName}`)).toEqual(['info protected-drift boss@contoso.com', 'error manager-not-found new@contoso.com']);
    expect(plan.diagnostics[0]?.message).toBe('protected: left alone; would create it (no deleted copy to restore)');
  });

  it('its memberships take no seat and are reported, not made', () => {
    const staff = licensingGroup('Staff', [E3]);
    const plan = planAt(desired([declaredUser('bg@contoso.com', { protected: true, licenses: [groupSetLicense('staff', 'ENTERPRISEPACK', 'Staff')] })]), tenant({ users: [user('bg@contoso.com')], licensingGroups: [staff] }));
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics.map((d) => d.message)).toEqual(['protected: left alone; would add it to the group "Staff" (ENTERPRISEPACK)']);
  });
});
