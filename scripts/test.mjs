// What `npm test` and `pnpm test` run: install what is missing, build, type-check the tests and
// lint (whole suite only), run every vitest project (the global setup starts the database and
// Redis), and end with one line `N passed, M failed`.
//
//   node scripts/test.mjs [--full] [vitest arguments, e.g. --project server]
//
// --full sets FEN_FULL=1 for the tests: the storm and fuzz projects then run at full size
// instead of the bounded size CI uses.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrap } from './bootstrap.mjs';
import { cacheDir, repoRoot } from './paths.mjs';
import { runInherit } from './run.mjs';

/**
 * The summary line from vitest's JSON report. A file that failed outside its tests (it did not
 * load, or a beforeAll threw, so none of its tests failed) counts as one failure, and so does an
 * error vitest reported outside any file (exit code ≠ 0 with nothing failed): the line never says
 * 0 failed for a failed run.
 * @param {any} report vitest's JSON report
 * @param {number} exitCode vitest's exit code
 */
function summarize(report, exitCode) {
  const brokenFiles = report.testResults.filter(
    (file) =>
      file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'),
  ).length;
  let failed = report.numFailedTests + brokenFiles;
  if (exitCode !== 0 && failed === 0) failed = 1;
  const skipped = report.numPendingTests + report.numTodoTests;
  return `${report.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
}

/** A step before the tests failed: say so, and count the run as one failure. */
function failedBeforeTests(step, error) {
  console.error(`[fen] ${step} failed${error ? `: ${error.message}` : ''}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const full = process.argv.includes('--full');
const vitestArgs = process.argv.slice(2).filter((arg) => arg !== '--full');

async function main() {
  let pnpm;
  try {
    pnpm = await bootstrap();
  } catch (error) {
    failedBeforeTests('installing dependencies', error);
  }
  if ((await runInherit(pnpm, ['run', '--silent', 'build'], { cwd: repoRoot })) !== 0) {
    failedBeforeTests('pnpm build');
  }
  // The whole suite (what CI runs) also type-checks the tests, which vitest runs untyped, and
  // lints (the package boundaries live in eslint.config.js); a run of chosen projects or files
  // skips both to stay quick.
  if (vitestArgs.length === 0) {
    for (const script of ['typecheck:tests', 'lint']) {
      if ((await runInherit(pnpm, ['run', '--silent', script], { cwd: repoRoot })) !== 0) {
        failedBeforeTests(`pnpm ${script}`);
      }
    }
  }
  const reportFile = join(cacheDir(), 'test-results.json');
  mkdirSync(cacheDir(), { recursive: true });
  rmSync(reportFile, { force: true });
  const vitest = join(repoRoot, 'node_modules', '.bin', 'vitest');
  const exitCode = await runInherit(
    vitest,
    [
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${reportFile}`,
      ...vitestArgs,
    ],
    { cwd: repoRoot, env: full ? { ...process.env, FEN_FULL: '1' } : process.env },
  );
  if (!existsSync(reportFile))
    failedBeforeTests(`vitest (exit code ${exitCode}, no report written)`);
  const line = summarize(JSON.parse(readFileSync(reportFile, 'utf8')), exitCode);
  console.log(`[fen] test report: ${reportFile}`);
  console.log(line);
  process.exit(exitCode === 0 ? 0 : 1);
}

main().catch((error) => failedBeforeTests('the test run', error));
