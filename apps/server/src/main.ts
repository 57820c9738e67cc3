import { ConfigError, loadConfig } from './config.js';
import { startServer } from './server.js';

/** The process entry point: the only place that reads process.env and listens. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const running = await startServer(config);
  const { log } = running.runtime;
  log.info(
    {
      url: running.url,
      redis: config.redisUrl ? 'on' : 'off',
      reconcile: config.reconcile.enabled,
    },
    'fen server listening',
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('fen server failed to start:', err);
  process.exit(1);
});
