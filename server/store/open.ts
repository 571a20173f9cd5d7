// Opens the store the configuration names: MongoDB when MONGODB_URI is set, else the embedded
// SQLite store in DATA_DIR. Used by the wiring and by the command-line scripts.
// The embedded store's folder is guarded (server/integrity/data-dir.ts): a folder that held a store
// never silently becomes a fresh one, and a database with damaged pages is refused at start-up.
import { mkdirSync } from 'node:fs';
import type { Config } from '../config.ts';
import { checkDataDir, dataFiles, StoreRefused, writeMarker } from '../integrity/data-dir.ts';
import type { Store } from './port.ts';
import { createSqliteStore } from './sqlite/index.ts';

export async function openStore(config: Pick<Config, 'mongodbUri' | 'dataDir'> & Partial<Pick<Config, 'sqliteWriterThread' | 'recordCacheSize'>>): Promise<Store> {
  if (config.mongodbUri) {
    // loaded only when asked for: mongoose is heavy and the embedded store does not need it
    const { createMongoStore } = await import('./mongo/index.ts');
    return createMongoStore({ uri: config.mongodbUri });
  }
  mkdirSync(config.dataDir, { recursive: true });
  const files = dataFiles(config.dataDir);
  checkDataDir(config.dataDir);
  const store = createSqliteStore({ file: files.db, writerThread: config.sqliteWriterThread ?? false, recordCache: config.recordCacheSize });
  return {
    ...store,
    async init() {
      await store.init();
      // damaged pages: found now (a clear refusal) rather than by whichever request reads them first
      const check = String(store.pragma('quick_check'));
      if (check !== 'ok') {
        await store.close();
        throw new StoreRefused(`${files.db} is damaged (SQLite quick_check: ${check.split('\n')[0]}): refusing to start. Restore a backup with \`npm run restore <file>\`.`);
      }
      writeMarker(config.dataDir);
    },
  };
}

/** Where the anchor log of a store opened by `openStore` lives; null for MongoDB (see README). */
export const anchorFileOf = (config: Pick<Config, 'mongodbUri' | 'dataDir'>): string | null =>
  config.mongodbUri ? null : dataFiles(config.dataDir).anchors;
