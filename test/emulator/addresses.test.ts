/**
 * The emulator's own rule of which names and addresses a user holds (src/emulator/directory/addresses.ts):
 * the functions, then the rule at work through Graph calls — create and restore conflicts with addresses
 * written as Graph writes them (docs/graph-behaviour.md §2, §4, §5).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { nicknameAddressKeys, proxyAddressKey, reservedAddressKeys, smtpAddressKey, userPrincipalNameKey } from '../../src/emulator/directory/addresses.ts';
import { conflictMessage, contoso, DAVE, expectRawError, SUPPORT, useHarness, userIn } from '../support/emulator.ts';

describe('proxyAddressKey', () => {
  it.each([
    ['the primary SMTP address', 'SMTP:bob@contoso.com', 'bob@contoso.com'],
    ['a secondary SMTP address', 'smtp:bob@contoso.com', 'bob@contoso.com'],
    ['a prefix in mixed case', 'Smtp:bob@contoso.com', 'bob@contoso.com'],
    ['an address in mixed case', 'SMTP:Bob.de.Vries@Contoso.COM', 'bob.de.vries@contoso.com'],
    // The user resource page's own example: "SMTP: bob@contoso.com" (https://learn.microsoft.com/graph/api/resources/user).
    ['Graph’s documented spelling, with a space after the prefix', 'SMTP: bob@contoso.com', 'bob@contoso.com'],
    ['an entry without a type', 'bob@contoso.com', 'bob@contoso.com'],
    ['a SIP address, kept with its type', 'SIP:Bob@contoso.com', 'sip:bob@contoso.com'],
    ['an X500 address, kept with its type', 'X500:/o=ExchangeLabs/ou=Exchange/cn=Recipients/cn=Bob', 'x500:/o=exchangelabs/ou=exchange/cn=recipients/cn=bob'],
  ])('reads %s', (_name, entry, key) => {
    expect(proxyAddressKey(entry)).toBe(key);
  });

  it('keeps an SMTP address and a SIP address of the same text apart', () => {
    expect(proxyAddressKey('SIP:bob@contoso.com')).not.toBe(proxyAddressKey('smtp:bob@contoso.com'));
    expect(proxyAddressKey('SIP:bob@contoso.com')).not.toBe(smtpAddressKey('bob@contoso.com'));
  });
});

describe('reservedAddressKeys', () => {
  it('holds the mail and every proxy address, once each, whatever their case and prefix', () => {
    const keys = reservedAddressKeys({ mail: 'Dave@Contoso.com', proxyAddresses: ['SMTP:dave@contoso.com', 'smtp:HelpDesk@contoso.com', 'SIP:dave@contoso.com'] });
    expect(keys.sort()).toEqual(['dave@contoso.com', 'helpdesk@contoso.com', 'sip:dave@contoso.com']);
  });

  it('holds the mail alone when there are no proxy addresses, and nothing without either', () => {
    expect(reservedAddressKeys({ mail: 'carol@contoso.com', proxyAddresses: [] })).toEqual(['carol@contoso.com']);
    expect(reservedAddressKeys({ mail: null, proxyAddresses: [] })).toEqual([]);
  });

  it('does not count the UPN as an address: it is a name of its own (only Exchange makes it the mail)', () => {
    const user = { userPrincipalName: 'erin@contoso.com', mail: null, proxyAddresses: [] };
    expect(reservedAddressKeys(user)).toEqual([]);
  });
});

describe('userPrincipalNameKey and nicknameAddressKeys', () => {
  it('compares UPNs without regard to case', () => {
    expect(userPrincipalNameKey('Bob@Contoso.COM')).toBe(userPrincipalNameKey('bob@contoso.com'));
  });

  it('claims nickname@domain for each verified domain', () => {
    expect(nicknameAddressKeys('AdeleV', ['contoso.com', 'contoso.onmicrosoft.com'])).toEqual(['adelev@contoso.com', 'adelev@contoso.onmicrosoft.com']);
  });
});

describe('the rule in Graph calls (§2, §5)', () => {
  const harness = useHarness();

  beforeEach(async () => {
    await harness().reseed();
  });

  const newUser = (overrides: Record<string, unknown>): Record<string, unknown> => ({
    accountEnabled: true,
    displayName: 'Dave II',
    mailNickname: 'dave.ii',
    userPrincipalName: 'dave.ii@contoso.com',
    usageLocation: 'NL',
    passwordProfile: { forceChangePasswordNextSignIn: true, password: 'xWwvJ]6NMw+bWH-d' },
    ...overrides,
  });

  it('a soft-deleted user keeps an address its proxyAddresses write as "SMTP: Dave@Contoso.COM"', async () => {
    await harness().reseed(
      contoso((draft) => {
        const dave = userIn(draft, DAVE);
        dave.mail = null;
        dave.proxyAddresses = ['SMTP: Dave@Contoso.COM'];
      }),
    );
    const response = await harness().raw('POST', '/users', { body: newUser({ mail: 'dave@contoso.com' }) });
    expectRawError(response, { status: 400, code: 'Request_BadRequest', message: conflictMessage('proxyAddresses') });
  });

  it('a SIP address does not hold the SMTP address of the same text', async () => {
    await harness().reseed(
      contoso((draft) => {
        const support = userIn(draft, SUPPORT);
        support.proxyAddresses = [...(support.proxyAddresses ?? []), 'SIP:adele@contoso.com'];
      }),
    );
    const response = await harness().raw('POST', '/users', { body: newUser({ userPrincipalName: 'adele@contoso.com', mailNickname: 'adele', mail: 'adele@contoso.com' }) });
    expect(response.status, response.text).toBe(201);
  });

  it('a UPN differing only in case is the same UPN', async () => {
    const response = await harness().raw('POST', '/users', { body: newUser({ userPrincipalName: 'BOB@Contoso.com', mailNickname: 'bob2' }) });
    expectRawError(response, { status: 400, code: 'Request_BadRequest', message: conflictMessage('userPrincipalName') });
  });

  it('a restore conflicts on an address written with another prefix case and spacing, and autoReconcileProxyConflict drops that entry', async () => {
    // Support holds smtp:helpdesk@contoso.com; the deleted Dave lists it as "Smtp: HelpDesk@Contoso.com".
    await harness().reseed(
      contoso((draft) => {
        userIn(draft, DAVE).proxyAddresses = ['SMTP:dave@contoso.com', 'Smtp: HelpDesk@Contoso.com'];
      }),
    );
    const refused = await harness().raw('POST', `/directory/deletedItems/${DAVE}/restore`, { body: {} });
    expectRawError(refused, { status: 400, code: 'Request_BadRequest', message: conflictMessage('proxyAddresses') });
    const restored = await harness().raw('POST', `/directory/deletedItems/${DAVE}/restore`, { body: { autoReconcileProxyConflict: true } });
    expect(restored.status, restored.text).toBe(200);
    const read = await harness().raw('GET', `/users/${DAVE}?$select=mail,proxyAddresses`);
    expect(read.json).toMatchObject({ mail: 'dave@contoso.com', proxyAddresses: ['SMTP:dave@contoso.com'] });
  });
});
