import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/policy/load.ts';
import { renderValidationJson, renderValidationText } from '../../src/render/diagnostics.ts';

const repo = new URL('../../', import.meta.url).pathname;
const golden = (name: string): string => `../fixtures/golden/${name}`;

/**
 * Golden renderings of `tenantctl validate`. A change to wording or layout shows up here as a
 * diff to review; accept it with `npx vitest run test/render -u` and commit the golden files.
 */
describe.each([
  ['valid', 'policies/'],
  ['invalid', 'test/fixtures/policies/many-mistakes/'],
])('validate output for the %s policy', (name, path) => {
  it('as text', async () => {
    const result = await loadPolicy([path], { cwd: repo });
    await expect(renderValidationText(result, { color: false })).toMatchFileSnapshot(golden(`validate-${name}.txt`));
  });

  it('as json', async () => {
    const result = await loadPolicy([path], { cwd: repo });
    await expect(renderValidationJson(result)).toMatchFileSnapshot(golden(`validate-${name}.json`));
  });
});

describe('colour', () => {
  it('wraps only the severity, and only when asked', async () => {
    const result = await loadPolicy(['test/fixtures/policies/many-mistakes/'], { cwd: repo });
    const coloured = renderValidationText(result, { color: true });
    expect(coloured).toContain('\u001b[31merror\u001b[0m');
    expect(coloured).toContain('\u001b[33mwarning\u001b[0m');
    expect(renderValidationText(result, { color: false })).not.toContain('\u001b[');
  });
});
