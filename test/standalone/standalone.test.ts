import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePnpm } from '@fen/scripts/bootstrap.mjs';
import { repoRoot } from '@fen/scripts/paths.mjs';

// A clone of the public repository has nothing beside it. This copies the tracked files (as they
// are in the working tree) into an empty temporary folder, installs the dependencies there from
// the local pnpm store (offline: a few seconds), builds @fen/wxpay (the sandbox imports its
// dist), and runs the known-answer suites of the packages that read vectors, in the copy.

/** The packages whose known-answer suites run in the copy. */
const SUITES = [
  { name: 'wxpay', dir: 'packages/wxpay' },
  { name: 'wx-sandbox', dir: 'apps/wx-sandbox' },
];

/** A test file that reads the vectors, directly or through its package's test support. */
const READS_VECTORS = /wechat-vectors\.json|support\/(vectors|v3-keys)\.js/;

/** A reference to the reference material that lived beside the repository during its growth. */
const OUTSIDE_REFERENCE = /(\.\.|\/work)\/shared\b/;

interface Finished {
  code: number | null;
  output: string;
}

/** The environment of a fresh shell: nothing of the vitest run or the npm script around it. */
function freshEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(VITEST|npm_)/i.test(key)),
  );
}

/** Runs a command with its output captured; at the deadline its whole process group is killed. */
function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: freshEnv(), detached: true });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(deadline);
      resolve({
        code,
        output: signal ? `${output}\n[killed: ${signal} after ${timeoutMs} ms]` : output,
      });
    });
  });
}

async function runOrThrow(command: string, args: string[], cwd: string, timeoutMs: number) {
  const { code, output } = await run(command, args, cwd, timeoutMs);
  if (code !== 0) throw new Error(`${[command, ...args].join(' ')} failed (${code}):\n${output}`);
}

/** The repository's tracked files, by path. */
function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file !== '');
}

/** Copies the tracked files as the working tree has them (one deleted there is left out). */
function copyTracked(files: string[], to: string): void {
  for (const file of files) {
    const from = join(repoRoot, file);
    if (!existsSync(from)) continue;
    mkdirSync(dirname(join(to, file)), { recursive: true });
    if (lstatSync(from).isSymbolicLink()) symlinkSync(readlinkSync(from), join(to, file));
    else copyFileSync(from, join(to, file));
  }
}

const tracked = trackedFiles();
let scratch = '';
let copy = '';

beforeAll(async () => {
  scratch = realpathSync(mkdtempSync(join(tmpdir(), 'fen-standalone-')));
  copy = join(scratch, 'fen');
  copyTracked(tracked, copy);
  const pnpm = await ensurePnpm();
  await runOrThrow(pnpm, ['install', '--offline', '--frozen-lockfile'], copy, 120_000);
  const tsc = join(copy, 'node_modules', 'typescript', 'bin', 'tsc');
  await runOrThrow(process.execPath, [tsc, '-b', 'packages/wxpay'], copy, 120_000);
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the repository on its own', () => {
  it('when copied to an empty folder, then it has no shared folder beside it', () => {
    expect(readdirSync(scratch)).toEqual(['fen']);
    expect(existsSync(join(copy, 'package.json'))).toBe(true);
  });

  it.each(SUITES)(
    'when the copy runs the $name known-answer suite, then every vector test passes',
    async (suite) => {
      const testDir = join(copy, suite.dir, 'test');
      const files = readdirSync(testDir)
        .filter((file) => file.endsWith('.test.ts'))
        .filter((file) => READS_VECTORS.test(readFileSync(join(testDir, file), 'utf8')))
        .map((file) => `test/${file}`)
        .sort();
      expect(files.length).toBeGreaterThan(0);

      const reportFile = join(scratch, `${suite.name}-report.json`);
      const vitest = join(copy, 'node_modules', 'vitest', 'vitest.mjs');
      const args = ['run', '--root', suite.dir, '--reporter=json', `--outputFile=${reportFile}`];
      const { code, output } = await run(
        process.execPath,
        [vitest, ...args, ...files],
        copy,
        150_000,
      );
      expect(code, output).toBe(0);

      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
        numPassedTests: number;
        numFailedTests: number;
        testResults: { name: string; status: string }[];
      };
      const ran = report.testResults.map((result) => relative(join(copy, suite.dir), result.name));
      expect(ran.sort()).toEqual(files);
      expect(report.testResults.filter((result) => result.status !== 'passed')).toEqual([]);
      expect(report.numFailedTests).toBe(0);
      expect(report.numPassedTests).toBeGreaterThan(0);
    },
  );

  it('when the tracked files are read, then none outside docs/ refers to the folder beside it', () => {
    const referring = tracked
      .filter((file) => !file.startsWith('docs/') && existsSync(join(repoRoot, file)))
      .filter((file) => OUTSIDE_REFERENCE.test(readFileSync(join(repoRoot, file), 'utf8')));
    expect(referring).toEqual([]);
  });
});
