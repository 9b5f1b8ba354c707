import { describe, expect, it } from 'vitest';
import { closestMatches, editDistance, nameKey, rankCandidates, suggestionThreshold, wordsOf } from '../../src/domain/suggest.ts';

describe('editDistance', () => {
  it.each([
    { name: 'equal strings', a: 'ENTERPRISEPACK', b: 'ENTERPRISEPACK', expected: 0 },
    { name: 'both empty', a: '', b: '', expected: 0 },
    { name: 'empty and non-empty', a: '', b: 'abc', expected: 3 },
    { name: 'non-empty and empty', a: 'abc', b: '', expected: 3 },
    { name: 'one deletion', a: 'ENTERPRISEPACK', b: 'ENTERPRISEPAK', expected: 1 },
    { name: 'one insertion', a: 'YAMMER_ENTERPRSE', b: 'YAMMER_ENTERPRISE', expected: 1 },
    { name: 'one substitution', a: 'SPE_E3', b: 'SPE_E5', expected: 1 },
    { name: 'transposition counts as two', a: 'ab', b: 'ba', expected: 2 },
    { name: 'case-sensitive', a: 'abc', b: 'ABC', expected: 3 },
    { name: 'kitten / sitting', a: 'kitten', b: 'sitting', expected: 3 },
    { name: 'flaw / lawn', a: 'flaw', b: 'lawn', expected: 2 },
    { name: 'nothing in common', a: 'abc', b: 'xyz', expected: 3 },
    { name: 'astral code point counts once', a: 'a😀b', b: 'ab', expected: 1 },
  ])('$name: $a / $b = $expected', ({ a, b, expected }) => {
    expect(editDistance(a, b)).toBe(expected);
    expect(editDistance(b, a)).toBe(expected);
  });
});

describe('suggestionThreshold', () => {
  it.each([
    { ref: '', expected: 2 },
    { ref: 'abcdefgh', expected: 2 },
    { ref: 'abcdefghijkl', expected: 3 },
    { ref: 'ENTERPRISEPACK_PLUS_X', expected: 5 },
  ])('$ref -> $expected', ({ ref, expected }) => {
    expect(suggestionThreshold(ref)).toBe(expected);
  });
});

describe('closestMatches', () => {
  const names = ['Sales', 'sales1', 'Engineering', 'Support', 'SALES', 'Sales'];

  it('orders by case-insensitive distance, ties in candidate order, duplicates once', () => {
    expect(closestMatches('sales', names, 10)).toEqual(['Sales', 'SALES', 'sales1']);
  });

  it('stops at max', () => {
    expect(closestMatches('sales', names, 1)).toEqual(['Sales']);
  });

  it('drops candidates beyond max(2, floor(length / 4))', () => {
    expect(closestMatches('Enginering', names)).toEqual(['Engineering']);
    expect(closestMatches('Suport', names)).toEqual(['Support']);
    expect(closestMatches('Marketing', names)).toEqual([]);
  });

  it.each([
    { name: 'empty reference', ref: '', max: 3 },
    { name: 'blank reference', ref: '  ', max: 3 },
    { name: 'max 0', ref: 'sales', max: 0 },
    { name: 'max NaN', ref: 'sales', max: Number.NaN },
  ])('returns [] for $name', ({ ref, max }) => {
    expect(closestMatches(ref, names, max)).toEqual([]);
  });

  it('accepts any iterable', () => {
    expect(closestMatches('suport', new Set(names))).toEqual(['Support']);
  });
});

describe('nameKey and wordsOf', () => {
  it('compares names without case or extra whitespace', () => {
    expect(nameKey('  Office   365\tE3 ')).toBe('office 365 e3');
  });

  it('splits a name into lower-case words of letters and digits', () => {
    expect(wordsOf('YAMMER_ENTERPRISE')).toEqual(['yammer', 'enterprise']);
    expect(wordsOf('Exchange Online (Plan 2)')).toEqual(['exchange', 'online', 'plan', '2']);
  });
});

describe('rankCandidates', () => {
  const c = (value: string, names: string[], preferred = false) => ({ value, names, preferred });

  it('matches by any name: an equal name first, then fewer edits, then a name holding every word', () => {
    const candidates = [c('WORDS', ['YAMMER_ENTERPRISE']), c('EDITS', ['Yamer']), c('EXACT', ['X', 'yammer'])];
    expect(rankCandidates('Yammer', candidates)).toEqual(['EXACT', 'EDITS', 'WORDS']);
  });

  it('ranks preferred candidates before closer ones, but after an equal name', () => {
    const candidates = [c('CLOSE', ['SPE_E3x']), c('OWNED', ['SPE_E5x'], true), c('EQUAL', ['spe_e3'])];
    expect(rankCandidates('SPE_E3', candidates)).toEqual(['EQUAL', 'OWNED', 'CLOSE']);
  });

  it('leaves out what matches no way, returns each value once, and honours max', () => {
    expect(rankCandidates('Yammer', [c('A', ['SWAY']), c('B', ['Yammer']), c('B', ['Yammer Enterprise'])])).toEqual(['B']);
    expect(rankCandidates('E3', [c('A', ['E3']), c('B', ['Office 365 E3']), c('C', ['E5'])], 1)).toEqual(['A']);
    expect(rankCandidates('  ', [c('A', ['x'])])).toEqual([]);
    expect(rankCandidates('x', [c('A', ['x'])], 0)).toEqual([]);
  });
});
