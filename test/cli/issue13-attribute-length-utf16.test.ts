/**
 * Attribute length limits and characters outside the BMP (issue 13; found by an adversarial review).
 * Graph counts a string's length in UTF-16 code units, so the policy check does too (src/policy/schema-check.ts,
 * Ajv with `unicode: false`): a jobTitle of 128 emoji (256 code units) is refused by `validate`, not by Graph
 * during apply. It used to pass validate and plan, then fail every apply with 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { policyDir, reseed, tenantctl } from '../support/apply-e2e.ts';
import { contoso } from '../support/emulator.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());

describe('a declared attribute longer than Graph allows in UTF-16 code units', () => {
  const TITLE = '😀'.repeat(128); // 128 code points, 256 UTF-16 code units: over jobTitle's 128.
  const POLICY = `users:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, jobTitle: "${TITLE}", licenses: [e3-no-yammer]}\n`;

  it('is refused by validate (as Graph would refuse it), not first by Graph during apply', async () => {
    await reseed(emulator.url, contoso());
    const dir = policyDir(POLICY);
    const validated = await tenantctl(emulator.url, ['validate', dir]);
    expect(validated.code, validated.stdout).toBe(1);
    expect(validated.stdout).toMatch(/jobTitle.*longer than 128/u);
  });
});
