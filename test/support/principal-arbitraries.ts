/**
 * fast-check arbitraries for declared principals, shared by the planner's and the engine's
 * property tests: a small pool of UPNs (so that policies and tenants overlap), users and mailboxes.
 */
import fc from 'fast-check';
import type { DesiredLicense, DesiredPrincipal, MailboxType } from '../../src/domain/desired.ts';
import { declaredMailbox, declaredUser } from './planning.ts';

export type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

export const POOL = ['alice', 'bob', 'carol', 'dave', 'erin', 'zoe'] as const;
export const upnAt = (slot: number): string => `${POOL[slot % POOL.length] ?? 'x'}@contoso.com`;
export const slotArb = fc.nat({ max: POOL.length - 1 });

export function principalArbitrary(licenses: fc.Arbitrary<DesiredLicense[]>) {
  return fc.record({
    slot: slotArb,
    kind: fc.constantFrom('user', 'user', 'mailbox'),
    mailboxType: fc.constantFrom<MailboxType>('shared', 'room', 'equipment'),
    licenses,
    usageLocation: fc.option(fc.constantFrom('NL', 'DE', 'BE'), { nil: undefined }),
    accountEnabled: fc.boolean(),
  });
}

export type PrincipalValue = ValueOf<ReturnType<typeof principalArbitrary>>;

export function principalOf(p: PrincipalValue): DesiredPrincipal {
  const upn = upnAt(p.slot);
  const usage = p.usageLocation === undefined ? {} : { usageLocation: p.usageLocation };
  return p.kind === 'mailbox'
    ? declaredMailbox(upn, p.mailboxType, { licenses: p.licenses, ...usage })
    : declaredUser(upn, { licenses: p.licenses, accountEnabled: p.accountEnabled, ...usage });
}
