import fc from 'fast-check';

/**
 * How big a fuzz run is. CI (`pnpm test:fuzz`, and `npm test`) runs a bounded number of cases
 * with a fixed seed, so a failure is reproducible from the log; `FEN_FULL=1` (`pnpm test:fuzz --
 * --full`) runs the full size with a fresh seed, printed with every property. `FEN_FUZZ_SEED`
 * replays a given seed in either mode.
 */
export const FULL = process.env.FEN_FULL === '1';

const CI_SEED = 20_261_201;
export const SEED = process.env.FEN_FUZZ_SEED
  ? Number(process.env.FEN_FUZZ_SEED)
  : FULL
    ? Date.now() % 2_147_483_647
    : CI_SEED;

/** The number of cases for one property: `ci` in CI mode, `full` under FEN_FULL=1. */
export function cases(ci: number, full: number): number {
  return FULL ? full : ci;
}

/** A test timeout generous enough for the full size, tight enough to catch a hang in CI. */
export function timeoutMs(ciMs: number, fullMs = 3 * 60 * 60_000): number {
  return FULL ? fullMs : ciMs;
}

let fileTotal = 0;

/** How many cases the properties of this test file ran so far. */
export function casesRun(): number {
  return fileTotal;
}

/**
 * Runs a property (sync or async) for `numRuns` cases and prints how many ran, how long it took
 * and the seed; on a failure, throws fast-check's report (seed, path and the shrunk
 * counterexample), which is what replaying needs.
 */
export async function holds<Ts>(
  name: string,
  property: fc.IRawProperty<Ts>,
  numRuns: number,
  parameters: fc.Parameters<Ts> = {},
): Promise<void> {
  const started = performance.now();
  const details = await fc.check(property, { numRuns, seed: SEED, ...parameters });
  const ms = Math.round(performance.now() - started);
  fileTotal += details.numRuns;
  const rate = details.numRuns / Math.max(ms / 1000, 0.001);
  console.log(
    `[fuzz] ${name}: ${details.numRuns} cases in ${ms} ms (${Math.round(rate)}/s, seed ${details.seed})`,
  );
  if (details.failed) {
    const error = details.errorInstance;
    throw new Error(
      `[fuzz] ${name} failed\n${fc.defaultReportMessage(details) ?? ''}\n` +
        `Got: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
