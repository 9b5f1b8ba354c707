import { describe, expect, it } from 'vitest';
import { isIsoCountryCode, suggestCountryCode } from '../../src/domain/countries.ts';
import { isValidUserPrincipalName, splitUserPrincipalName } from '../../src/domain/upn.ts';

describe('country codes', () => {
  it.each([['NL', true], ['GB', true], ['US', true], ['AX', true], ['UK', false], ['XK', false], ['EU', false], ['nl', false]])('%s is ISO 3166-1: %s', (code, expected) => {
    expect(isIsoCountryCode(code)).toBe(expected);
  });

  it.each([['UK', 'GB'], ['uk', 'GB'], ['nl', 'NL'], ['EL', 'GR'], ['QQ', undefined]])('suggests for %s: %s', (code, expected) => {
    expect(suggestCountryCode(code)).toBe(expected);
  });
});

describe('user principal names', () => {
  it.each([
    ['plain', 'alice@contoso.com', true],
    ['all allowed characters', "a.b-c_d!e#f^g~h'i@contoso.onmicrosoft.com", true],
    ['upper case', 'Alice@Contoso.COM', true],
    ['two @', 'a@@contoso.com', false],
    ['no domain dot', 'alice@contoso', false],
    ['leading dot', '.alice@contoso.com', false],
    ['double dot', 'al..ice@contoso.com', false],
    ['trailing dot before @', 'alice.@contoso.com', false],
    ['space', 'al ice@contoso.com', false],
    ['plus sign', 'alice+x@contoso.com', false],
    ['65-character local part', `${'a'.repeat(65)}@contoso.com`, false],
    ['64-character local part', `${'a'.repeat(64)}@contoso.com`, true],
    ['114 characters in all', `${'a'.repeat(60)}@${'b'.repeat(49)}.com`, false],
  ])('%s', (_name, upn, valid) => {
    expect(isValidUserPrincipalName(upn)).toBe(valid);
  });

  it('splits at the last @', () => {
    expect(splitUserPrincipalName('alice@contoso.com')).toEqual({ localPart: 'alice', domain: 'contoso.com' });
  });
});
