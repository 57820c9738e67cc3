// Running a script file as a command: `node scripts/x.mjs`.
import { pathToFileURL } from 'node:url';

/**
 * Runs `main` when the module at `moduleUrl` is the script Node was started with; an error ends
 * the process with its message and exit code 1.
 * @param {string} moduleUrl `import.meta.url`
 * @param {() => Promise<void>} main
 */
export function runIfMain(moduleUrl, main) {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  main().catch((error) => {
    console.error(`[fen] ${error.message}`);
    process.exit(1);
  });
}

/**
 * On the first SIGINT or SIGTERM, runs `stop` and exits with code 0. Later signals are ignored,
 * so a second Ctrl-C (npm forwards one too) cannot cut the stop short.
 * @param {() => Promise<void>} stop
 */
export function stopOnSignal(stop) {
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error) => {
        console.error(`[fen] ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
