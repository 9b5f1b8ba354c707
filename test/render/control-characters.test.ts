import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/domain/diagnostics.ts';
import { renderValidationText } from '../../src/render/diagnostics.ts';
import { printable } from '../../src/render/plan-text.ts';
import { renderApplyText } from '../../src/render/apply-text.ts';
import type { ChangeOutcome } from '../../src/engine/apply.ts';
import { createUser, planOf } from '../support/plans.ts';

/** Issue 12: no C0 or C1 control character from a policy or the tenant reaches the terminal. */

// eslint-disable-next-line no-control-regex -- finding them is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u;

describe('printable', () => {
  it('escapes C0, DEL and C1 controls (ESC and CSI included) and keeps other text', () => {
    expect(printable('a\u001b[31mb\u009b2Jc\u007fd\u0085e\u0000')).toBe('a\\u001b[31mb\\u009b2Jc\\u007fd\\u0085e\\u0000');
    expect(printable('Zoë 山田 🙂\u00a0')).toBe('Zoë 山田 🙂\u00a0');
  });
});

describe('renderValidationText', () => {
  it('escapes control characters in messages and file names', () => {
    const diagnostic: Diagnostic = {
      severity: 'error',
      code: 'invalid-value',
      message: 'top level: unknown key `x\u001b]0;pwned\u0007\u009b2J`; did you mean `users`?',
      location: { file: 'evil\u001b[2J.yaml', line: 1, column: 1 },
    };
    const text = renderValidationText({ diagnostics: [diagnostic], files: ['evil\u001b[2J.yaml'] }, { color: false });
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toContain('evil\\u001b[2J.yaml:1:1  error  invalid-value  top level: unknown key `x\\u001b]0;pwned\\u0007\\u009b2J`');
  });

  it('still colours the severity when asked', () => {
    const text = renderValidationText({ diagnostics: [{ severity: 'error', code: 'invalid-value', message: 'm\u001b' }], files: [] }, { color: true });
    expect(text).toContain('\u001b[31merror\u001b[0m');
    expect(text).toContain('m\\u001b');
  });
});

describe('renderApplyText', () => {
  it('escapes names and Graph messages in failure and skip lines', () => {
    const change = createUser('erin@contoso.com');
    const evil = { ...change, userPrincipalName: 'erin\u001b[8m@contoso.com' } as typeof change;
    const outcomes: ChangeOutcome[] = [
      { change: evil, status: 'failed', error: { status: 400, code: 'Bad\u0085', message: 'line one\nline two \u001b[2J', requestId: 'r\u009b1' } },
      { change: evil, status: 'skipped', reason: 'because\u001b[0m' },
    ];
    const view = renderApplyText({ plan: planOf([evil]), outcomes });
    expect(view.failures).not.toMatch(RAW_CONTROL);
    expect(view.failures.split('\n')).toHaveLength(3);
    expect(view.failures).toContain('failed  create-user  erin\\u001b[8m@contoso.com: Bad\\u0085: line one\\u000aline two \\u001b[2J (request-id r\\u009b1)');
  });
});
