// `npm run test:under-load`: the whole suite while other processes keep every core busy, as on a
// shared CI runner. The suite must pass this way too (no test may depend on a quiet machine); the
// wall time is printed for bench/RESULTS.md-style records.
//
// Usage: node scripts/test-under-load.ts [--burners N] [vitest args...]   (default N: one per core)
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

const args = process.argv.slice(2);
let burners = availableParallelism();
const at = args.indexOf('--burners');
if (at >= 0) {
  burners = Number(args[at + 1]);
  if (!Number.isInteger(burners) || burners < 0) throw new Error(`--burners takes a whole number, not ${JSON.stringify(args[at + 1])}`);
  args.splice(at, 2);
}

// Each burner spins one core until it is killed; `process.execPath` is this Node, so nothing is fetched.
const spinning = Array.from({ length: burners }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
const stopBurners = (): void => {
  for (const burner of spinning) burner.kill('SIGKILL');
};
process.on('exit', stopBurners);

const started = performance.now();
const vitest = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...args], { stdio: 'inherit' });
const code = await new Promise<number>((resolve) => vitest.on('exit', (exit, signal) => resolve(exit ?? (signal ? 1 : 0))));
stopBurners();
const seconds = ((performance.now() - started) / 1000).toFixed(1);
process.stdout.write(`\ntest:under-load: ${burners} CPU burner${burners === 1 ? '' : 's'} on ${availableParallelism()} cores; vitest exited ${code} after ${seconds} s\n`);
process.exitCode = code;
