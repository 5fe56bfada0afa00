/** Boot: configuration → database → services → HTTP; graceful shutdown on SIGTERM/SIGINT. Started by src/start.js. */
import { ConfigError, loadConfig } from '../config/load.ts';
import { createLogger } from './log.ts';
import { startServer } from './server.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  if (!config.mongodbUri) {
    process.stderr.write('MONGODB_URI: required (npm run dev starts a local MongoDB stand-in for development)\n');
    process.exit(1);
  }
  const started = performance.now();
  let running;
  try {
    running = await startServer(config, { logger, purge: true });
  } catch (error) {
    process.stderr.write(`Poort could not start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  logger.info({ issuer: config.issuer, address: running.address, ms: Math.round(performance.now() - started) }, 'poort listening');
  const stop = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    running.close().then(() => process.exit(0), (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  };
  // A promise nobody awaited that failed (a bug, or an outage in background work) is logged; it must not end the
  // process and every request with it (Node's default).
  process.on('unhandledRejection', (reason: unknown) => logger.error({ err: reason }, 'unhandled rejection'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

await main();
