import { availableParallelism } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer } from 'vitest/node';
import type { TestSpecification } from 'vitest/node';

/**
 * Files that take tens of seconds each, started first so that the two workers of a 2-core machine
 * do not end with one of them alone on a long file (vitest otherwise orders a fresh checkout by file
 * size). After that, vitest's own order (previous durations when it has them).
 */
const LONGEST_FIRST = [
  'test/package/consumer.test.ts', 'test/pulumi/run-harness.test.ts', 'test/workflows/pipeline.test.ts', 'test/workflows/pipeline-errors.test.ts',
  'test/workflows/github-steps.test.ts', 'test/cli/export.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification): number => {
      const index = LONGEST_FIRST.indexOf(path.relative(import.meta.dirname, file.moduleId).split(path.sep).join('/'));
      return index === -1 ? LONGEST_FIRST.length : index;
    };
    return sorted.map((file, index) => ({ file, index })).sort((a, b) => rank(a.file) - rank(b.file) || a.index - b.index).map((e) => e.file);
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    // Files share worker processes instead of starting one per file (~0.4 s each, 90 files): the
    // suite runs in about four fifths of the time. A file must leave the process as it found it;
    // the guard fails the file that does not (environment, working directory, fetch, fake timers).
    isolate: false,
    setupFiles: ['test/support/shared-worker-guard.ts'],
    sequence: { sequencer: LongestFirst },
    // vitest leaves one core free by default: on the 2-core machines of CI that is one test file at a
    // time. The tests wait for events, never for time, so both cores can run them.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
