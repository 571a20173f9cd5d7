// npm run verify — checks the tamper evidence of every case in the configured store: each event
// must carry the hash of the one before it and hash to what it says, and each case record must
// agree with its last event. Prints the first broken link of each case; exits 1 if any is broken.
// Reads the same configuration as the server (DATA_DIR or MONGODB_URI); writes nothing.
import { loadConfigOrExit } from '../server/config.ts';
import { describeBreak, verifyStore } from '../server/engine/verify.ts';
import { openStore } from '../server/store/open.ts';

async function run(): Promise<number> {
  const config = loadConfigOrExit(process.env, 2);
  const store = await openStore(config);
  await store.init();
  try {
    const where = config.mongodbUri ? 'MongoDB' : `${config.dataDir}`;
    const report = await verifyStore(store);
    for (const b of report.broken) console.log(`BROKEN ${describeBreak(b)}`);
    console.log(
      report.ok
        ? `ok: ${report.cases} cases, ${report.events} events checked in ${where}; every chain is intact`
        : `${report.broken.length} of ${report.cases} cases have a broken chain (${report.events} events checked in ${where})`,
    );
    return report.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

process.exitCode = await run();
