// npm run backup — one online backup of the embedded store into BACKUP_DIR, while the service runs
// (SQLite's backup API from a second connection: the copy is one consistent snapshot). Writes
// mediation-<time>.db (+ .anchors, the anchor log as it stood, + .json, the manifest) and prints the
// manifest's essentials. MongoDB is backed up with its own tools (mongodump, replica sets).
import { loadConfigOrExit } from '../server/config.ts';
import { backupStore } from '../server/integrity/backup.ts';
import { checkDataDir, dataFiles } from '../server/integrity/data-dir.ts';
import { describeStorageError } from '../server/integrity/storage-status.ts';
import { createSqliteStore } from '../server/store/sqlite/index.ts';
import { runMain } from './cli.ts';

runMain('backup', async () => {
  const config = loadConfigOrExit(process.env, 2);
  if (config.mongodbUri) {
    console.error('backup: MONGODB_URI is set; back MongoDB up with mongodump or its replica set (see README)');
    return 2;
  }
  const files = dataFiles(config.dataDir);
  checkDataDir(config.dataDir);
  const store = createSqliteStore({ file: files.db });
  try {
    await store.init();
    const m = await backupStore(store, { backupDir: config.backupDir, anchorFile: files.anchors });
    console.log(`backup: ${m.file} (${m.bytes} bytes, ${m.cases} cases, ${m.events} events, ${m.tookMs} ms)`);
    console.log(`sha256 ${m.sha256}${m.merkleRoot ? `; Merkle root of its anchored heads ${m.merkleRoot}` : ''}`);
    return 0;
  } catch (err) {
    throw new Error(describeStorageError(err));
  } finally {
    await store.close();
  }
});
