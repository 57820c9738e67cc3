// Throughput of small synchronous or asynchronous functions, measured in interleaved rounds.
//
// Why rounds: the machine is shared, so load from elsewhere comes and goes. Running every
// contender of a case once per round, one after another, and keeping each one's median round
// makes the ratios between contenders (measured back to back) more trustworthy than the
// absolute figures.

/** Calls `fn` `count` times and returns the last result (awaiting it when it is a promise). */
async function runBatch(fn, count, isAsync) {
  let last;
  if (isAsync) {
    for (let i = 0; i < count; i += 1) last = await fn();
  } else {
    for (let i = 0; i < count; i += 1) last = fn();
  }
  return last;
}

/**
 * Runs `fn` for about `ms` milliseconds in batches, checking the last result of every batch
 * with `check` (so a contender that silently stops doing the work fails loudly), and returns
 * operations per second.
 */
async function timeFor(contender, ms) {
  const { fn, check, isAsync = false } = contender;
  let batch = 64;
  let ops = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(ms * 1e6));
  for (;;) {
    const before = process.hrtime.bigint();
    const result = await runBatch(fn, batch, isAsync);
    const after = process.hrtime.bigint();
    check(result);
    ops += batch;
    if (after >= deadline) return (ops * 1e9) / Number(after - started);
    // Aim for batches of ~5 ms: long enough to dwarf the clock reads, short enough to stop on time.
    const batchNs = Number(after - before);
    if (batchNs < 2e6) batch *= 2;
  }
}

/**
 * Measures every contender for `rounds` rounds of `ms` each, after a warm-up, interleaved.
 * Returns, per contender name, `{opsPerSec (median round), rounds: [...]}`.
 * @param {Array<{name: string, fn: () => unknown, check: (r: unknown) => void, isAsync?: boolean}>} contenders
 * @param {{rounds: number, ms: number, warmupMs: number}} plan
 */
export async function compare(contenders, plan) {
  for (const contender of contenders) await timeFor(contender, plan.warmupMs);
  const samples = new Map(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < plan.rounds; round += 1) {
    // Alternate the order each round so no contender always runs right after the same one.
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) {
      samples.get(contender.name).push(await timeFor(contender, plan.ms));
    }
  }
  const results = {};
  for (const [name, values] of samples) {
    results[name] = { opsPerSec: median(values), rounds: values.map(Math.round) };
  }
  return results;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
