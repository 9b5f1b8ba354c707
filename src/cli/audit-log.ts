import { closeSync, openSync, writeSync } from 'node:fs';
import { reasonOf } from './output-path.ts';

/**
 * The audit log, open for appending from before the tenant is read until apply ends. Each line is
 * written whole, synchronously, as its outcome is known (docs/cli-reference.md §11): a process killed
 * mid-apply loses at most the lines of the writes in flight. A line that cannot be written (a full
 * disk) does not stop apply, whose writes are under way: the failure and the number of lines missing
 * are reported at the end, and apply exits 1.
 */
export interface AuditLog {
  write(line: string): void;
  close(): void;
  readonly failure: string | undefined;
  readonly missing: number;
}

export function openAuditLog(file: string): AuditLog {
  let fd: number | undefined;
  let failure: string | undefined;
  let missing = 0;
  return {
    write(line) {
      if (failure !== undefined) {
        missing++;
        return;
      }
      try {
        fd ??= openSync(file, 'a');
        const bytes = Buffer.from(line, 'utf8');
        for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
      } catch (error) {
        failure = reasonOf(error);
        missing++;
      }
    },
    close: () => {
      if (fd !== undefined) closeSync(fd);
    },
    get failure() {
      return failure;
    },
    get missing() {
      return missing;
    },
  };
}

