// `pnpm bench`: Fen's codec and HTTP paths against peers and ceilings, in one run, side by side.
//
//   pnpm bench                 full run (~3 minutes)
//   pnpm bench -- --quick      a few seconds per case (CI)
//   pnpm bench -- --only=codec | --only=http
//   pnpm bench -- --strict     exit 2 when a target is missed (a failed check always exits 1)
//   pnpm bench -- --cpu-prof   the server writes a CPU profile into bench-results/<run>-logs/
//
// Prints the tables and writes bench-results/<timestamp>.json. Every process it starts is
// stopped at the end, on failure and on Ctrl-C.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '@fen/scripts/paths.mjs';
import { runOrThrow } from '@fen/scripts/run.mjs';
import { cleanUp, cleanUpOnSignal } from './lib/processes.mjs';
import { codecTable, httpTable, machine, targets, targetsTable } from './lib/report.mjs';

const PLANS = {
  quick: {
    codec: { rounds: 3, ms: 400, warmupMs: 300 },
    http: { httpSeconds: 4, warmupSeconds: 1, notifyPool: 3000 },
  },
  full: {
    codec: { rounds: 7, ms: 1000, warmupMs: 1000 },
    http: { httpSeconds: 10, warmupSeconds: 2, notifyPool: 8000 },
  },
};

/** Builds the workspace when a package the bench imports has no dist yet. */
async function ensureBuilt() {
  const outputs = [
    'packages/wxpay/dist/index.js',
    'apps/server/dist/main.js',
    'apps/wx-sandbox/dist/index.js',
  ];
  if (outputs.every((file) => existsSync(join(repoRoot, file)))) return;
  console.error('[bench] building first (pnpm build)…');
  await runOrThrow('pnpm', ['build'], { cwd: repoRoot });
}

async function main() {
  const { values } = parseArgs({
    // `pnpm bench -- --quick` passes the `--` on (pnpm 10): what follows it is still ours.
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: {
      quick: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      only: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
    },
  });
  if (values.only && !['codec', 'http'].includes(values.only)) {
    throw new Error('--only must be codec or http');
  }
  const mode = values.quick ? 'quick' : 'full';
  const plan = PLANS[mode];
  const startedAt = new Date();
  const runId = startedAt.toISOString().replace(/[-:]/g, '').replace(/\..+/, '');
  const outDir = join(repoRoot, 'bench-results');
  const logDir = join(outDir, `${runId}-logs`);
  mkdirSync(logDir, { recursive: true });
  cleanUpOnSignal();
  await ensureBuilt();

  const results = { startedAt: startedAt.toISOString(), mode, machine: machine(), plan };
  console.log(
    `Fen bench (${mode}) on ${results.machine.nproc} × ${results.machine.cpu}, Node ${results.machine.node}, load ${results.machine.loadAverage.join(' ')}\n`,
  );

  if (values.only !== 'http') {
    const { runCodec } = await import('./codec.mjs');
    results.codec = await runCodec(plan.codec);
    console.log(
      `Codec (median of ${plan.codec.rounds} interleaved rounds)\n${codecTable(results.codec)}\n`,
    );
  }
  if (values.only !== 'codec') {
    const { runHttp } = await import('./http.mjs');
    results.http = await runHttp(plan.http, { logDir, runId, cpuProf: values['cpu-prof'] });
    for (const c of results.http.cases) {
      const fewest = Math.min(c.fen.requests, c.ceiling.requests);
      if (fewest < 50) {
        console.log(
          `note: ${c.case}: only ${fewest} requests completed in ${plan.http.httpSeconds} s; ` +
            'the machine or database is too slow for these figures to mean much',
        );
      }
    }
    const mem = results.http.serverMemory;
    console.log(
      `HTTP (autocannon, 100 connections, 127.0.0.1, ${results.http.database})\n${httpTable(results.http)}`,
    );
    console.log(
      `server RSS: ${mem.idleRssMb} MB after start, peak sampled ${mem.peakRssMb} MB, kernel high-water mark (VmHWM) ${mem.hwmMb} MB\n`,
    );
  }
  results.targets = targets(results);
  results.finishedAt = new Date().toISOString();
  results.machine.loadAverageAtEnd = machine().loadAverage;
  console.log(`Targets\n${targetsTable(results.targets)}\n`);
  const file = join(outDir, `${runId}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  console.log(`results: ${file}`);
  return values.strict && results.targets.some((t) => !t.met) ? 2 : 0;
}

main().then(
  async (code) => {
    await cleanUp();
    process.exit(code);
  },
  async (err) => {
    console.error(`[bench] ${err.stack ?? err.message}`);
    await cleanUp();
    process.exit(1);
  },
);
