import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { runDoctor } from './doctor/run.js';

const USAGE = `Usage: fen doctor [--env-file <path>]

Checks the server's configuration (the environment, and the file if given) against the WeChat
it names, read-only, and prints one line per check: ok, warn or FAIL with the fix.
Exits 1 when a check fails. Variables already in the environment win over the file's.`;

/** `--env-file <path>` or `--env-file=<path>`; undefined without one. */
function envFileArgument(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '--env-file') return args[i + 1];
    if (arg.startsWith('--env-file=')) return arg.slice('--env-file='.length);
  }
  return undefined;
}

/** The process entry point of `fen doctor` (`pnpm doctor`, `node apps/server/dist/doctor.js`). */
async function main(): Promise<number> {
  const args = process.argv.slice(2).filter((arg) => arg !== '--');
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const unknown = args.filter(
    (arg, i) => !arg.startsWith('--env-file') && args[i - 1] !== '--env-file',
  );
  const envFile = envFileArgument(args);
  if (unknown.length > 0 || (args.some((a) => a.startsWith('--env-file')) && !envFile)) {
    console.error(USAGE);
    return 2;
  }
  let fromFile: Record<string, string> = {};
  if (envFile) {
    try {
      fromFile = parseEnv(readFileSync(envFile, 'utf8')) as Record<string, string>;
    } catch (err) {
      console.error(
        `fen doctor: cannot read ${envFile} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      );
      return 2;
    }
  }
  // As `node --env-file` does: what the environment already says wins.
  const report = await runDoctor({ ...fromFile, ...process.env });
  for (const line of report.lines) console.log(line);
  const failed = report.results.filter((r) => r.status === 'fail').length;
  console.log(
    failed === 0 ? 'fen doctor: all checks passed' : `fen doctor: ${failed} check(s) failed`,
  );
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('fen doctor failed:', err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
