import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { fastParseYaml } from '../../src/policy/fast-yaml.ts';
import type { PathSegment, PolicyDocument } from '../../src/policy/source.ts';
import { parsePolicySource, parseWithLibrary } from '../../src/policy/source.ts';

const REPO = path.resolve(import.meta.dirname, '../..');

/** Every path of a value's tree, and for each mapping a key it does not have. */
function pathsOf(value: unknown, prefix: PathSegment[] = [], out: PathSegment[][] = []): PathSegment[][] {
  out.push(prefix);
  if (Array.isArray(value)) {
    value.forEach((item, index) => pathsOf(item, [...prefix, index], out));
    out.push([...prefix, value.length], [...prefix, 'missing']);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) pathsOf(child, [...prefix, key], out);
    out.push([...prefix, 'missing', 'deeper'], [...prefix, 0]);
  } else {
    out.push([...prefix, 'below']);
  }
  return out;
}

/** The fast reader takes `text` only if the library reads it the same way, to the position. */
function expectSameAsLibrary(text: string): boolean {
  const fast = fastParseYaml(text);
  if (!fast) return false;
  const library = parseWithLibrary('p.yaml', text);
  expect(library.diagnostics).toEqual([]);
  expect(library.documents).toHaveLength(1);
  const slow = library.documents[0] as PolicyDocument;
  const quick = parsePolicySource({ file: 'p.yaml', bytes: new TextEncoder().encode(text) }).documents[0] as PolicyDocument;
  expect(quick.value).toStrictEqual(slow.value);
  expect(fast.value).toStrictEqual(slow.value);
  for (const at of pathsOf(slow.value)) {
    expect(quick.locate(at), `locate ${JSON.stringify(at)}`).toEqual(slow.locate(at));
    expect(quick.locate(at, 'key'), `locate key ${JSON.stringify(at)}`).toEqual(slow.locate(at, 'key'));
    expect(quick.written(at), `written ${JSON.stringify(at)}`).toEqual(slow.written(at));
    for (const offset of [0, 1, 3]) expect(quick.locateInScalar(at, offset), `locateInScalar ${JSON.stringify(at)}`).toEqual(slow.locateInScalar(at, offset));
  }
  return true;
}

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/u.test(entry.name) && !entry.parentPath.includes('node_modules'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe('the fast YAML reader', () => {
  it('reads the repository policies as the library does, to the position', () => {
    const files = ['policies', 'examples', 'test/fixtures/policies'].flatMap((dir) => yamlFilesUnder(path.join(REPO, dir)));
    expect(files.length).toBeGreaterThan(0);
    const taken = files.filter((file) => expectSameAsLibrary(readFileSync(file, 'utf8')));
    expect(taken.length).toBeGreaterThan(0);
  });

  it('takes the plain YAML policies are written in', () => {
    const texts = [
      'apiVersion: tenantctl/v1\nkind: TenantPolicy\ntenant: {id: 8f3c1a52-0000-4000-8000-000000000001}\n',
      'a: 1\nb: -2\nc: 0x1F\nd: 0o17\ne: 1.50\nf: 1e999999\ng: .inf\nh: -.Inf\ni: .NaN\nj: ~\nk: null\nl: True\nm: FALSE\nn: 12345678901234567890\no: +5\np: 1.\nq: .5\n',
      'users:\n  - userPrincipalName: alice@contoso.com   # first\n    displayName: "Alice Jansen"\n    licenses: [e3, {sku: SPE_E5, disabledPlans: [SWAY, YAMMER_ENTERPRISE]}]\n    manager: null\n\n  - userPrincipalName: bob@contoso.com\n    displayName: \'Bob O\'\'Brien\'\n',
      'users:\n- userPrincipalName: a@b.c\n  displayName: A\nmailboxes:\n- {userPrincipalName: m@b.c, displayName: "M", type: shared}\n',
      '# leading comment\n\ndefaults:\n  # inner comment\n  whenMissing: report\n  protected:\n    - a@b.c\n    - B@b.c\n  restore:\n    renameTo: "{localPart}.old@{domain}"\n  usageLocation:\n',
      'defaults:\nusers: []\nlicenses: {}\n"quoted key": x\n\'single\': y\nurl: http://a.b/c#d\nlist: [ a , "b" ,c ]\nplain: a, b [c] {d}\nempty:   \ncommented:  # nothing\nlast:',
      'a:\n  b:\n  c: # x\n    d: 1\n  e: [1, [2, [3]], {x: {y: z}}]\n  d: e\nf: g\n',
      'key with spaces: value with spaces  \nx-y_z: -foo\n"1a": one\n',
    ];
    for (const text of texts) expect(expectSameAsLibrary(text), text).toBe(true);
  });

  it('leaves everything else to the library', () => {
    const texts = [
      '',
      '# only a comment\n',
      '- a\n- b\n',
      '---\na: 1\n',
      'a: 1\n---\nb: 2\n',
      '%YAML 1.2\n---\na: 1\n',
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: |\n  text\n',
      'a: >\n  text\n',
      'a: multi\n  line\n',
      'a: "multi\n  line"\n',
      'a: [1,\n  2]\n',
      'a: "esc\\tape"\n',
      'a:\tb\n',
      'a: 1\r\nb: 2\r\n',
      'a: 1\na: 2\n',
      'a: {x: 1, x: 2}\n',
      '1: one\n',
      '"1": one\n',
      'a: {"0": x}\n',
      'true: yes\n',
      '~: nothing\n',
      '<<: {a: 1}\n',
      '__proto__: {a: 1}\n',
      '? a\n: b\n',
      '[a]: b\n',
      'a: b: c\n',
      'a:\n  - \n  - b\n',
      'a:\n  - - b\n',
      'a: [b, ]\n',
      'a: {b}\n',
      'a: {b: }\n',
      'a: [b: c]\n',
      'a: "x"y\n',
      'a: 1\n  b: 2\n',
      'a:\n    b: 1\n  c: 2\n',
      'a: 1\n- b\n',
      `${'k'.repeat(1100)}: v\n`,
      '\ufeffa: 1\n',
      'a: b\u0085c\n',
      'a: "\u0007"\n',
    ];
    for (const text of texts) expect(fastParseYaml(text), JSON.stringify(text)).toBeUndefined();
  });

  it('agrees with the library on whatever it takes (generated documents)', () => {
    const scalar = fc.oneof(
      fc.string(),
      fc.constantFrom('null', 'Null', '~', 'true', 'False', '0x1f', '0o7', '-.inf', '.NaN', '1e3', '+1.0', '-0', '007', 'a: b', 'a #b', 'a#b', "it's", '"q"', '- x', '-x', '', ' ', 'é ü 😀', '[x]', '{y}', 'a,b', '@x', '`x`'),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
    );
    const key = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('userPrincipalName', 'displayName', 'licenses', 'a b', 'x:y', "o'k", '#c', '-d', 'true', '1'));
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 4 })),
    })).node;
    const top = fc.dictionary(key, tree, { minKeys: 1, maxKeys: 5 });
    let taken = 0;
    fc.assert(
      fc.property(top, fc.integer({ min: 0, max: 4 }), fc.constantFrom(1, 2, 4), fc.boolean(), fc.constantFrom<'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE'>('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'), (value, flowLevel, indent, indentSeq, defaultStringType) => {
        const text = stringify(value, { flowCollectionPadding: flowLevel % 2 === 0, indent, indentSeq, defaultStringType, lineWidth: 0, collectionStyle: flowLevel === 0 ? 'flow' : 'any' });
        if (expectSameAsLibrary(text)) taken++;
      }),
      { numRuns: 400 },
    );
    expect(taken).toBeGreaterThan(50);
  });

  it('agrees with the library on whatever it takes (documents with characters inserted)', () => {
    const base = 'apiVersion: tenantctl/v1\ntenant: {id: 8f3c1a52-0000-4000-8000-000000000001}\ndefaults:\n  whenMissing: report  # c\n  protected: [a@b.c]\nusers:\n  - userPrincipalName: alice@contoso.com\n    displayName: "Alice J"\n    licenses: [e3, {sku: SPE_E5}]\n  - {userPrincipalName: b@c.d, displayName: \'B\'}\nmailboxes:\n- userPrincipalName: m@c.d\n  type: shared\n';
    const fragment = fc.constantFrom(' ', '  ', '\n', '\n  ', '#', ' #', ':', ': ', '-', '- ', ',', '[', ']', '{', '}', '"', "'", "''", '&a ', '*a', '!', '|', '>', '?', '~', '1', 'x', '---\n', '\t', '\r', '\\', '%');
    const edit = fc.tuple(fc.nat({ max: base.length }), fc.nat({ max: 3 }), fc.array(fragment, { minLength: 0, maxLength: 2 }));
    let taken = 0;
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        let text = base;
        for (const [at, remove, inserted] of edits) {
          const where = Math.min(at, text.length);
          text = text.slice(0, where) + inserted.join('') + text.slice(where + remove);
        }
        if (expectSameAsLibrary(text)) taken++;
      }),
      { numRuns: 1500 },
    );
    expect(taken).toBeGreaterThan(100);
  });
});
