// npm run restore <backup.db> — puts a backup in place of the embedded store (stop the service
// first). The backup is verified before anything is touched; the current database and anchor log are
// renamed aside, never deleted. Prints what the restore rolls back and the verification of the result.
import { loadConfigOrExit } from '../server/config.ts';
import { describeBreak } from '../server/engine/verify.ts';
import { restoreBackup } from '../server/integrity/restore.ts';
import { describeStorageError } from '../server/integrity/storage-status.ts';
import { runMain } from './cli.ts';

runMain('restore', async () => {
  const config = loadConfigOrExit(process.env, 2);
  const file = process.argv[2];
  if (!file || file.startsWith('-')) {
    console.error('usage: npm run restore <backup.db>   (the service must be stopped)');
    return 2;
  }
  if (config.mongodbUri) {
    console.error('restore: MONGODB_URI is set; restore MongoDB with mongorestore (see README)');
    return 2;
  }
  let r;
  try {
    r = await restoreBackup({ dataDir: config.dataDir, backupFile: file });
  } catch (err) {
    throw new Error(describeStorageError(err));
  }
  console.log(`restored ${r.restored}${r.backupCreatedAt ? ` (taken ${r.backupCreatedAt})` : ''} into ${config.dataDir}`);
  for (const f of r.setAside) console.log(`set aside: ${f}`);
  if (r.rolledBack.length > 0) {
    const events = r.rolledBack.reduce((n, c) => n + c.anchoredVersion - c.backupVersion, 0);
    console.log(`rolled back: ${r.rolledBack.length} cases, ${events} acknowledged events after the backup (listed by the set-aside anchor log)`);
  }
  for (const b of r.verify.broken) console.log(`BROKEN ${describeBreak(b)}`);
  console.log(r.verify.ok ? `verify: ok, ${r.verify.cases} cases, ${r.verify.events} events` : `verify: ${r.verify.broken.length} broken cases`);
  return r.verify.ok ? 0 : 1;
});
