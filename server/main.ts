// `npm start`: read the configuration, start the product (server/wiring.ts), stop on a signal.
// Nothing imports this module.
import { loadConfigOrExit } from './config.ts';
import { StoreRefused } from './integrity/data-dir.ts';
import { describeStorageError, storageFailure } from './integrity/storage-status.ts';
import { startServer, type Running } from './wiring.ts';

async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env, 1);
  let running: Running;
  try {
    running = await startServer(config);
  } catch (err) {
    // a store that must not or cannot be opened: one clear line, not a stack trace
    if (err instanceof StoreRefused || storageFailure(err)) {
      console.error(`cannot start: ${describeStorageError(err)}`);
      process.exit(1);
    }
    throw err;
  }
  const { logger } = running.services;
  logger.info({ port: config.port, store: running.services.store.kind, testClock: config.testClock }, `物业纠纷调解 listening on http://localhost:${config.port}`);
  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

await main();
