// How hard the property tests push. In `npm test` they are a regression suite: a fixed seed and a
// bounded number of runs, so a failure reproduces. `npm run fuzz` turns them into a campaign:
//   GREENLIGHT_FUZZ_RUNS=N          runs per property instead of each test's own bound
//   GREENLIGHT_FUZZ_SECONDS=S       run each property for S seconds instead of a number of runs
//   GREENLIGHT_FUZZ_SEED=N|random   another seed; fast-check prints the seed and path of a failure
import type { Parameters } from 'fast-check';

/** fast-check parameters: `runs` with `seed` by default, what the environment asks for in a campaign. */
export function fuzzRuns<T = unknown>(
  seed: number,
  runs: number,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Parameters<T> {
  const seedText = env.GREENLIGHT_FUZZ_SEED;
  const chosenSeed =
    seedText === 'random'
      ? Math.floor(Math.random() * 0x7fffffff)
      : seedText !== undefined && /^\d+$/.test(seedText)
        ? Number(seedText)
        : seed;
  const seconds = Number(env.GREENLIGHT_FUZZ_SECONDS ?? '');
  if (Number.isFinite(seconds) && seconds > 0) {
    return {
      seed: chosenSeed,
      numRuns: Number.MAX_SAFE_INTEGER,
      interruptAfterTimeLimit: seconds * 1000,
      markInterruptAsFailure: false,
      includeErrorInReport: true,
    };
  }
  const asked = Number(env.GREENLIGHT_FUZZ_RUNS ?? '');
  // The failed assertion goes into the report: node:test prints the message, not the error's cause.
  return {
    seed: chosenSeed,
    numRuns: Number.isSafeInteger(asked) && asked > 0 ? asked : runs,
    includeErrorInReport: true,
  };
}
