// Opens the store the configuration names: MongoDB when MONGODB_URI is set, else the embedded
// SQLite store in DATA_DIR. Used by the wiring and by the command-line scripts.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Store } from './port.ts';
import { createSqliteStore } from './sqlite/index.ts';

export async function openStore(config: Pick<Config, 'mongodbUri' | 'dataDir'>): Promise<Store> {
  if (config.mongodbUri) {
    // loaded only when asked for: mongoose is heavy and the embedded store does not need it
    const { createMongoStore } = await import('./mongo/index.ts');
    return createMongoStore({ uri: config.mongodbUri });
  }
  mkdirSync(config.dataDir, { recursive: true });
  return createSqliteStore({ file: path.join(config.dataDir, 'mediation.db') });
}
