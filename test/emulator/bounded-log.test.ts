import { describe, expect, it } from 'vitest';
import { BoundedLog } from '../../src/emulator/controls/bounded-log.ts';

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('BoundedLog (the emulator request logs)', () => {
  it.each([1, 2, 3, 8, 10])('keeps exactly the newest %i entries, oldest first, whatever was appended', (max) => {
    const log = new BoundedLog<number>(max);
    for (let n = 0; n < 5 * max + 3; n++) {
      log.push(n);
      const expected = range(Math.max(0, n + 1 - max), n + 1);
      expect(log.length).toBe(expected.length);
      expect(log.entries()).toEqual(expected);
    }
  });

  it('drops old entries between reads too', () => {
    const log = new BoundedLog<number>(4);
    for (let n = 0; n < 11; n++) log.push(n);
    expect(log.length).toBe(4);
    expect(log.entries()).toEqual([7, 8, 9, 10]);
  });

  it('hands out one array, which later appends extend and clear empties', () => {
    const log = new BoundedLog<string>(3);
    const entries = log.entries();
    log.push('a');
    log.push('b');
    expect(entries).toEqual(['a', 'b']);
    expect(log.entries()).toBe(entries);
    log.clear();
    expect(entries).toEqual([]);
    expect(log.length).toBe(0);
  });
});
