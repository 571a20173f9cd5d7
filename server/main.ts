// `npm start`: read the configuration, start the product (server/wiring.ts), stop on a signal.
// Nothing imports this module.
import { loadConfigOrExit } from './config.ts';
import { startServer } from './wiring.ts';

async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env, 1);
  const running = await startServer(config);
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
