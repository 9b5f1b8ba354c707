// One small invalid policy per diagnostic code that file contents can cause, with the exact
// position each diagnostic must point at. Positions were worked out by hand from the YAML text:
// the builder puts `apiVersion` on line 1 and `kind` on line 2, so the first line passed to
// `policy(...)` is line 3. Columns are 1-based and count characters.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { PolicyDiagnosticCode, Severity } from '../../src/domain/diagnostics.ts';
import { assemblePolicy } from '../../src/policy/assemble.ts';
import type { PolicyResult } from '../../src/policy/assemble.ts';
import type { PolicySource } from '../../src/policy/source.ts';

const encoder = new TextEncoder();

/** A policy file's text: the two required header lines, then `lines` (line 3 onwards), then a newline. */
function policy(...lines: readonly string[]): string {
  return ['apiVersion: tenantctl/v1', 'kind: TenantPolicy', ...lines, ''].join('\n');
}

function source(file: string, content: string | Uint8Array): PolicySource {
  return { file, bytes: typeof content === 'string' ? encoder.encode(content) : content };
}

function concat(...parts: readonly (string | Uint8Array)[]): Uint8Array {
  const chunks = parts.map((p) => (typeof p === 'string' ? encoder.encode(p) : p));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

type FileSystemCode = 'unreadable-path' | 'no-policy-files' | 'input-too-large';
/** About the run as a whole (test/policy/bounds.test.ts), not about one file's contents. */
type RunCode = 'too-many-diagnostics';
/** About includes and the many-tenant layout (test/policy/includes.test.ts, test/policy/tenants.test.ts). */
type LayoutCode = 'invalid-include' | 'include-not-shared' | 'missing-tenant-id' | 'invalid-tenant-name' | 'unknown-tenant';
type ContentCode = Exclude<PolicyDiagnosticCode, FileSystemCode | RunCode | LayoutCode>;

/**
 * Every code of `PolicyDiagnosticCode`, maintained by hand, and where it comes from. Typed as a
 * `Record` over the union, so `tsc --noEmit` (npm run lint) fails as soon as a code is added to
 * the union without being listed here (or one listed here is removed from it). `ROWS` below is a
 * `Record` over the content codes for the same reason: a new content code without a row does not
 * compile. The test "covers every code" repeats both checks at run time (it also reads the union
 * from src/domain/diagnostics.ts), so a plain `vitest run` fails too.
 */
const CODE_ORIGIN: Record<PolicyDiagnosticCode, 'file-system' | 'run' | 'layout' | 'contents'> = {
  'unreadable-path': 'file-system',
  'no-policy-files': 'file-system',
  'input-too-large': 'file-system',
  'too-many-diagnostics': 'run',
  'not-text': 'contents',
  'empty-file': 'contents',
  'yaml-syntax': 'contents',
  'yaml-warning': 'contents',
  'duplicate-key': 'contents',
  'unknown-key': 'contents',
  'missing-key': 'contents',
  'invalid-type': 'contents',
  'invalid-value': 'contents',
  'invalid-upn': 'contents',
  'invalid-guid': 'contents',
  'invalid-country-code': 'contents',
  'conflicting-setting': 'contents',
  'duplicate-principal': 'contents',
  'user-mailbox-conflict': 'contents',
  'duplicate-license-set': 'contents',
  'unknown-license-set': 'contents',
  'unused-license-set': 'contents',
  'duplicate-sku': 'contents',
  'unknown-sku': 'contents',
  'ambiguous-sku': 'contents',
  'unknown-service-plan': 'contents',
  'unknown-placeholder': 'contents',
  'invalid-rename-template': 'contents',
  'deprecated-setting': 'contents',
  'invalid-manager': 'contents',
  'invalid-include': 'layout',
  'include-not-shared': 'layout',
  'missing-tenant-id': 'layout',
  'invalid-tenant-name': 'layout',
  'unknown-tenant': 'layout',
};

interface Row {
  readonly name: string;
  readonly sources: readonly PolicySource[];
  readonly severity: Severity;
  readonly file: string;
  /** Undefined for a diagnostic about the whole file. */
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** Text the message must contain (the fix it suggests, the other place it names). */
  readonly message?: string;
}

const USER_ALICE = ['  - userPrincipalName: alice@contoso.com', '    displayName: Alice'];

/** Each row's policy has exactly one mistake, so the code under test is the only diagnostic. */
const ROWS: Record<ContentCode, readonly Row[]> = {
  'not-text': [
    {
      name: 'a NUL byte',
      sources: [source('binary.yaml', concat(policy('users: []'), new Uint8Array([0x00, 0x01, 0x02])))],
      severity: 'error',
      file: 'binary.yaml',
      line: undefined,
      column: undefined,
      message: 'binary',
    },
    {
      name: 'invalid UTF-8 (0xC3 0x28)',
      sources: [source('latin.yaml', concat(policy('tenant:'), '  # caf', new Uint8Array([0xc3, 0x28]), '\n'))],
      severity: 'error',
      file: 'latin.yaml',
      line: undefined,
      column: undefined,
      message: 'not valid UTF-8',
    },
  ],
  'empty-file': [
    { name: 'zero bytes', sources: [source('empty.yaml', '')], severity: 'warning', file: 'empty.yaml', line: 1, column: 1, message: 'apiVersion: tenantctl/v1' },
  ],
  'yaml-syntax': [
    {
      name: 'a tab as indentation',
      // line 4, column 1 is the tab
      sources: [source('tab.yaml', policy('defaults:', '\twhenPurged: report'))],
      severity: 'error',
      file: 'tab.yaml',
      line: 4,
      column: 1,
      message: 'Tabs',
    },
  ],
  'yaml-warning': [
    {
      name: 'an unresolved custom tag !foo',
      // `  whenMissing: !foo report`: the tag starts at column 16
      sources: [source('tag.yaml', policy('defaults:', '  whenMissing: !foo report'))],
      severity: 'warning',
      file: 'tag.yaml',
      line: 4,
      column: 16,
      message: '!foo',
    },
  ],
  'duplicate-key': [
    {
      name: 'whenMissing twice in defaults',
      // the second `whenMissing` key, line 5 column 3
      sources: [source('dup.yaml', policy('defaults:', '  whenMissing: report', '  whenMissing: report'))],
      severity: 'error',
      file: 'dup.yaml',
      line: 5,
      column: 3,
    },
  ],
  'unknown-key': [
    {
      name: 'a misspelt key under defaults',
      sources: [source('typo.yaml', policy('defaults:', '  usageLocaton: NL'))],
      severity: 'error',
      file: 'typo.yaml',
      line: 4,
      column: 3,
      message: 'did you mean `usageLocation`?',
    },
  ],
  'missing-key': [
    {
      name: 'a user without displayName',
      // points at the user's mapping, which starts after `  - `
      sources: [source('missing.yaml', policy('users:', '  - userPrincipalName: alice@contoso.com'))],
      severity: 'error',
      file: 'missing.yaml',
      line: 4,
      column: 5,
      message: '`displayName`',
    },
  ],
  'invalid-type': [
    {
      name: 'a quoted boolean',
      // `  pruneLicenses: "yes"`: the opening quote is column 18
      sources: [source('type.yaml', policy('defaults:', '  pruneLicenses: "yes"'))],
      severity: 'error',
      file: 'type.yaml',
      line: 4,
      column: 18,
      message: 'without quotes',
    },
  ],
  'invalid-value': [
    {
      name: 'an enum value in the wrong case',
      sources: [source('enum.yaml', policy('defaults:', '  whenMissing: Create'))],
      severity: 'error',
      file: 'enum.yaml',
      line: 4,
      column: 16,
      message: 'did you mean create?',
    },
  ],
  'invalid-upn': [
    {
      name: 'two @ signs',
      // `  - userPrincipalName: `: 23 characters, the value starts at column 24
      sources: [source('upn.yaml', policy('users:', '  - userPrincipalName: alice@@contoso.com', '    displayName: Alice'))],
      severity: 'error',
      file: 'upn.yaml',
      line: 4,
      column: 24,
      message: 'local-part@domain',
    },
  ],
  'invalid-guid': [
    {
      name: 'a tenant id that is no GUID',
      sources: [source('guid.yaml', policy('tenant:', '  id: not-a-guid'))],
      severity: 'error',
      file: 'guid.yaml',
      line: 4,
      column: 7,
      message: '8f3c1a52-0000-4000-8000-000000000001',
    },
  ],
  'invalid-country-code': [
    {
      name: 'lower case nl (schema pattern)',
      sources: [source('nl.yaml', policy('defaults:', '  usageLocation: nl'))],
      severity: 'error',
      file: 'nl.yaml',
      line: 4,
      column: 18,
      message: 'upper-case ISO 3166-1 alpha-2 code such as NL, US or GB; did you mean NL?',
    },
    {
      name: 'UK, which ISO does not assign (on a user)',
      // `    usageLocation: `: 19 characters
      sources: [source('uk.yaml', policy('users:', ...USER_ALICE, '    usageLocation: UK'))],
      severity: 'error',
      file: 'uk.yaml',
      line: 6,
      column: 20,
      message: 'did you mean GB?',
    },
  ],
  'conflicting-setting': [
    {
      name: 'whenMissing set differently in two files',
      sources: [
        source('policies/a.yaml', policy('defaults:', '  whenMissing: report')),
        source('policies/b.yaml', policy('defaults:', '  whenMissing: create')),
      ],
      severity: 'error',
      file: 'policies/b.yaml',
      line: 4,
      column: 16,
      message: 'policies/a.yaml:4:16',
    },
  ],
  'duplicate-principal': [
    {
      name: 'the same UPN in two files, differently cased',
      sources: [
        source('policies/a.yaml', policy('users:', '  - userPrincipalName: Alice@Contoso.com', '    displayName: Alice')),
        source('policies/b.yaml', policy('users:', '  - userPrincipalName: alice@contoso.COM', '    displayName: Alice Jansen')),
      ],
      severity: 'error',
      file: 'policies/b.yaml',
      line: 4,
      column: 24,
      message: 'policies/a.yaml:4:24',
    },
  ],
  'user-mailbox-conflict': [
    {
      name: 'a UPN declared as a user and as a mailbox',
      sources: [
        source(
          'both.yaml',
          policy('users:', ...USER_ALICE, 'mailboxes:', '  - userPrincipalName: alice@contoso.com', '    displayName: Alice', '    type: shared'),
        ),
      ],
      severity: 'error',
      file: 'both.yaml',
      line: 7,
      column: 24,
      message: 'both.yaml:4:24',
    },
  ],
  'duplicate-license-set': [
    {
      name: 'license set e3 declared in two files',
      sources: [
        source('policies/a.yaml', policy('licenses:', '  e3:', '    sku: ENTERPRISEPACK', 'users:', ...USER_ALICE, '    licenses: [e3]')),
        source('policies/b.yaml', policy('licenses:', '  e3:', '    sku: SPE_E3')),
      ],
      severity: 'error',
      file: 'policies/b.yaml',
      line: 4,
      column: 3,
      message: 'policies/a.yaml:4:3',
    },
  ],
  'unknown-license-set': [
    {
      name: 'a reference to an undeclared set',
      // `    licenses: [e3, e5]`: e5 starts at column 20
      sources: [source('ref.yaml', policy('licenses:', '  e3:', '    sku: ENTERPRISEPACK', 'users:', ...USER_ALICE, '    licenses: [e3, e5]'))],
      severity: 'error',
      file: 'ref.yaml',
      line: 9,
      column: 20,
      message: 'did you mean "e3"?',
    },
  ],
  'unused-license-set': [
    {
      name: 'a set nobody refers to',
      sources: [source('unused.yaml', policy('licenses:', '  e3:', '    sku: ENTERPRISEPACK'))],
      severity: 'info',
      file: 'unused.yaml',
      line: 4,
      column: 3,
      message: '"e3"',
    },
  ],
  'duplicate-sku': [
    {
      name: 'a set and an inline license of the same SKU',
      // the second list item (`sku: ENTERPRISEPACK`) on line 11 starts at column 9
      sources: [
        source(
          'twice.yaml',
          policy('licenses:', '  e3:', '    sku: ENTERPRISEPACK', 'users:', ...USER_ALICE, '    licenses:', '      - e3', '      - sku: ENTERPRISEPACK'),
        ),
      ],
      severity: 'error',
      file: 'twice.yaml',
      line: 11,
      column: 9,
      message: 'twice.yaml:10:9',
    },
  ],
  'unknown-sku': [
    {
      name: 'a misspelt part number',
      // `      - sku: `: 13 characters
      sources: [source('sku.yaml', policy('users:', ...USER_ALICE, '    licenses:', '      - sku: ENTERPRISEPAK'))],
      severity: 'warning',
      file: 'sku.yaml',
      line: 7,
      column: 14,
      message: 'Did you mean ENTERPRISEPACK (Office 365 E3)?',
    },
  ],
  'ambiguous-sku': [
    {
      name: 'MCOPSTN5, which names two products',
      sources: [source('pstn.yaml', policy('users:', ...USER_ALICE, '    licenses:', '      - sku: MCOPSTN5'))],
      severity: 'warning',
      file: 'pstn.yaml',
      line: 7,
      column: 14,
      message: 'write the skuId instead',
    },
  ],
  'unknown-service-plan': [
    {
      name: 'a disabled plan that ENTERPRISEPACK lacks',
      // `    disabledPlans: [SWAY, YAMMER_ENTERPRSE]`: the second item starts at column 27
      sources: [
        source('plan.yaml', policy('licenses:', '  e3:', '    sku: ENTERPRISEPACK', '    disabledPlans: [SWAY, YAMMER_ENTERPRSE]', 'users:', ...USER_ALICE, '    licenses: [e3]')),
      ],
      severity: 'error',
      file: 'plan.yaml',
      line: 6,
      column: 27,
      message: 'did you mean YAMMER_ENTERPRISE (Yammer Enterprise)?',
    },
  ],
  'unknown-placeholder': [
    {
      name: '{user} in renameTo',
      // `    renameTo: "`: 15 characters; `{localPart}.` is 12 more, so {user} is at column 28
      sources: [source('rename.yaml', policy('defaults:', '  restore:', '    renameTo: "{localPart}.{user}@{domain}"'))],
      severity: 'error',
      file: 'rename.yaml',
      line: 5,
      column: 28,
      message: '{localPart}, {domain}, {objectId}',
    },
  ],
  'invalid-rename-template': [
    {
      name: 'a stray closing brace',
      // the second `}` after {localPart} (columns 16-26) is column 27
      sources: [source('brace.yaml', policy('defaults:', '  restore:', '    renameTo: "{localPart}}@{domain}"'))],
      severity: 'error',
      file: 'brace.yaml',
      line: 5,
      column: 27,
      message: 'does not belong to a placeholder',
    },
    {
      name: 'a template that gives every user the same UPN',
      // the whole template is wrong: its first character, column 16
      sources: [source('same.yaml', policy('defaults:', '  restore:', '    renameTo: "restored@{domain}"'))],
      severity: 'error',
      file: 'same.yaml',
      line: 5,
      column: 16,
      message: 'must contain {localPart} or {objectId}',
    },
  ],
  'deprecated-setting': [
    {
      name: 'the old key defaults.whenPurged',
      // points at the key `whenPurged`, line 4 column 3
      sources: [source('old.yaml', policy('defaults:', '  whenPurged: create'))],
      severity: 'warning',
      file: 'old.yaml',
      line: 4,
      column: 3,
      message: 'defaults.whenPurged is deprecated: write defaults.whenMissing (same values: create or report)',
    },
  ],
  'invalid-manager': [
    {
      name: 'a user who is their own manager (differently cased)',
      // `    manager: `: 13 characters, the value starts at column 14
      sources: [source('self.yaml', policy('users:', ...USER_ALICE, '    manager: Alice@Contoso.com'))],
      severity: 'error',
      file: 'self.yaml',
      line: 6,
      column: 14,
      message: 'write `manager: null` for no manager',
    },
  ],
};

const TABLE = (Object.entries(ROWS) as [ContentCode, readonly Row[]][]).flatMap(([code, rows]) =>
  rows.map((row) => ({ ...row, code, title: `${code}: ${row.name}` })),
);

function where(result: PolicyResult): string[] {
  return result.diagnostics.map((d) => `${d.location?.file}:${d.location?.line}:${d.location?.column} ${d.severity} ${d.code} ${d.message}`);
}

describe('every diagnostic code that file contents can cause', () => {
  it.each(TABLE)('$title', (row) => {
    const result = assemblePolicy(row.sources);
    // The only diagnostic is the one under test.
    expect(result.diagnostics.map((d) => d.code), where(result).join('\n')).toEqual([row.code]);
    const [diagnostic] = result.diagnostics;
    expect(diagnostic?.severity).toBe(row.severity);
    expect(diagnostic?.location?.file).toBe(row.file);
    expect(diagnostic?.location?.line).toBe(row.line);
    expect(diagnostic?.location?.column).toBe(row.column);
    if (row.message !== undefined) expect(diagnostic?.message).toContain(row.message);
    // An error leaves no desired state; a warning or a note keeps it.
    if (row.severity === 'error') expect(result.desired).toBeUndefined();
    else expect(result.desired).toBeDefined();
    expect(result.files).toEqual(row.sources.map((s) => s.file));
  });

  it('covers every code of PolicyDiagnosticCode except the file-system ones', () => {
    const union = /export type PolicyDiagnosticCode =([^;]*);/u.exec(readFileSync(new URL('../../src/domain/diagnostics.ts', import.meta.url), 'utf8'))?.[1] ?? '';
    const declared = [...union.matchAll(/'([a-z-]+)'/gu)].map((m) => m[1]);
    expect(declared.length).toBeGreaterThan(0);
    // The literal list above is the union (tsc checks this too).
    expect(Object.keys(CODE_ORIGIN).sort()).toEqual([...declared].sort());
    const contentCodes = Object.entries(CODE_ORIGIN)
      .filter(([, origin]) => origin === 'contents')
      .map(([code]) => code);
    expect(contentCodes).not.toContain('unreadable-path');
    expect(contentCodes).not.toContain('no-policy-files');
    expect(contentCodes).not.toContain('input-too-large');
    expect(contentCodes).not.toContain('too-many-diagnostics');
    // Each content code has at least one row (tsc checks the keys; this checks non-empty).
    expect(Object.keys(ROWS).sort()).toEqual(contentCodes.sort());
    for (const [code, rows] of Object.entries(ROWS)) expect(rows.length, code).toBeGreaterThan(0);
  });
});

/** Loader behaviour found wrong in review and fixed; each test states what must happen. */
describe('positions and follow-on diagnostics (regressions from review)', () => {
  const only = (result: PolicyResult, code: PolicyDiagnosticCode) => result.diagnostics.filter((d) => d.code === code);

  it('an unclosed flow sequence points at its [ , not at the end of the file', () => {
    // `users: [` on line 3
    const [d] = only(assemblePolicy([source('flow.yaml', policy('users: ['))]), 'yaml-syntax');
    expect(d?.location).toEqual({ file: 'flow.yaml', line: 3, column: 8 });
  });

  it('an unclosed quote points at the opening quote, not at the end of the file', () => {
    // `  id: "abc` on line 4
    const [d] = only(assemblePolicy([source('quote.yaml', policy('tenant:', '  id: "abc'))]), 'yaml-syntax');
    expect(d?.location).toEqual({ file: 'quote.yaml', line: 4, column: 7 });
  });

  it('an alias to an undefined anchor points at the alias, not at line 1', () => {
    // `users: *nope` on line 3
    const [d] = only(assemblePolicy([source('alias.yaml', policy('users: *nope'))]), 'yaml-syntax');
    expect(d?.location).toEqual({ file: 'alias.yaml', line: 3, column: 8 });
  });

  it('a key without a value is pointed at by its key (as source.ts intends), not after the colon', () => {
    // `  whenMissing:` on line 4
    const [d] = only(assemblePolicy([source('null.yaml', policy('defaults:', '  whenMissing:'))]), 'invalid-value');
    expect(d?.location).toEqual({ file: 'null.yaml', line: 4, column: 3 });
  });

  it('a plan listed twice is pointed at by its second (redundant) occurrence', () => {
    // `    disabledPlans: [SWAY, YAMMER_ENTERPRISE, SWAY]`: the second SWAY is column 46
    const result = assemblePolicy([source('twice.yaml', policy('licenses:', '  e3:', '    sku: ENTERPRISEPACK', '    disabledPlans: [SWAY, YAMMER_ENTERPRISE, SWAY]'))]);
    const [d] = only(result, 'invalid-value');
    expect(d?.location).toEqual({ file: 'twice.yaml', line: 6, column: 46 });
  });

  it('a principal repeated through an alias is pointed at by the alias', () => {
    // `  - *a` on line 7
    const result = assemblePolicy([
      source('alias.yaml', policy('users:', '  - &a', '    userPrincipalName: alice@contoso.com', '    displayName: Alice', '  - *a')),
    ]);
    const [d] = only(result, 'duplicate-principal');
    expect(d?.location).toEqual({ file: 'alias.yaml', line: 7, column: 5 });
  });

  it('a complex (non-scalar) key is pointed at itself, not at line 1', () => {
    // `? [a]` on line 3: the key `[a]` is column 3; and yaml's toJS must not print a
    // Node process warning ("Keys with collection values will be stringified") to stderr.
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const [d] = only(assemblePolicy([source('complex.yaml', policy('? [a]', ': 1'))]), 'invalid-type');
      expect(d?.location).toEqual({ file: 'complex.yaml', line: 3, column: 3 });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('the duplicate-key message names the key and its first occurrence', () => {
    const [d] = only(assemblePolicy([source('dup.yaml', policy('defaults:', '  whenMissing: report', '  whenMissing: create'))]), 'duplicate-key');
    expect(d?.message).toContain('whenMissing');
    expect(d?.message).toContain('dup.yaml:4:3');
  });

  it('a duplicate key does not hide the other mistakes of the file', () => {
    const result = assemblePolicy([
      source(
        'dup.yaml',
        policy('defaults:', '  whenMissing: report', '  whenMissing: report', 'users:', '  - userPrincipalName: bob@@contoso.com', '    displayName: Bob'),
      ),
    ]);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['duplicate-key', 'invalid-upn']);
  });

  it('a user with a bad UPN still has its licenses and usage location checked', () => {
    const result = assemblePolicy([
      source('upn.yaml', policy('users:', '  - userPrincipalName: bob@@contoso.com', '    displayName: Bob', '    licenses: [nosuch]', '    usageLocation: UK')),
    ]);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['invalid-upn', 'unknown-license-set', 'invalid-country-code']);
  });

  it('a malformed license set is not also reported as undeclared where it is used', () => {
    // licenses.e3 is missing `sku`: only that is reported, not also "which no policy file declares" where it is used
    const result = assemblePolicy([source('set.yaml', policy('licenses:', '  e3:', '    disabledPlans: [SWAY]', 'users:', ...USER_ALICE, '    licenses: [e3]'))]);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['missing-key']);
  });

  it('an invalid license-set name is reported once, without dumping the whole mapping', () => {
    const result = assemblePolicy([source('name.yaml', policy('licenses:', '  3e:', '    sku: ENTERPRISEPACK'))]);
    const invalid = only(result, 'invalid-value');
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.message).not.toContain('{"');
  });
});
