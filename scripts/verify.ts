// npm run verify — checks the tamper evidence of every case in the configured store: each event
// must carry the hash of the one before it and hash to what it says, and each case record must
// agree with its last event. With the embedded store it also checks every case against the anchor
// log kept beside the database (server/integrity/anchor-log.ts) and names what is missing or
// altered. Prints the first broken link of each case; exits 1 if any is broken. A store that cannot
// be read is one clear line (exit 1), never a stack trace.
//   npm run verify -- --merkle [--day YYYY-MM-DD] [--case <caseId>]
// prints instead the Merkle root of the anchored heads (at the end of that Shanghai day), for a third
// party, with the inclusion proof of one case if asked. Reads the same configuration as the server
// (DATA_DIR or MONGODB_URI); writes nothing.
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../server/config.ts';
import { describeBreak, verifyStore } from '../server/engine/verify.ts';
import { readAnchors } from '../server/integrity/anchor-log.ts';
import { merkleStatement } from '../server/integrity/merkle.ts';
import { describeStorageError } from '../server/integrity/storage-status.ts';
import { anchorFileOf, openStore } from '../server/store/open.ts';
import { runMain } from './cli.ts';

runMain('verify', async () => {
  const { values } = parseArgs({ options: { merkle: { type: 'boolean' }, day: { type: 'string' }, case: { type: 'string' } }, strict: true });
  const config = loadConfigOrExit(process.env, 2);
  const anchorFile = anchorFileOf(config);

  if (values.merkle) {
    if (!anchorFile) {
      console.error('verify: the anchor log and its Merkle roots are kept for the embedded store only (MONGODB_URI is set)');
      return 2;
    }
    const s = merkleStatement(readAnchors(anchorFile).lines, { day: values.day, caseId: values.case });
    console.log(JSON.stringify({ anchorLog: anchorFile, ...s }, null, 2));
    return 0;
  }

  try {
    const store = await openStore(config);
    await store.init();
    try {
      const where = config.mongodbUri ? 'MongoDB' : `${config.dataDir}`;
      const report = await verifyStore(store, { anchors: anchorFile ? readAnchors(anchorFile) : null });
      for (const b of report.broken) console.log(`BROKEN ${describeBreak(b)}`);
      const a = report.anchors;
      if (a) {
        for (const n of a.damagedLines) console.log(`ANCHOR LOG line ${n} is damaged or altered (checksum)`);
        for (const n of a.tornLines) console.log(`ANCHOR LOG line ${n} was cut short by a crash during its append (never acknowledged)`);
        for (const n of a.notAnchored) console.log(`NOT ANCHORED ${n.caseNo} (${n.caseId}): events ${n.fromSeq}–${n.toSeq} (never acknowledged: a crash before their anchor, or written outside the service)`);
        console.log(`anchors: ${a.lines} lines, ${a.cases} cases anchored, ${a.notAnchored.length} cases with events not anchored`);
      } else if (!config.mongodbUri) {
        console.log('anchors: no anchor log beside the store');
      }
      console.log(
        report.ok
          ? `ok: ${report.cases} cases, ${report.events} events checked in ${where}; every chain is intact${a ? ' and holds every anchored head' : ''}`
          : `${report.broken.length} of ${report.cases} cases are broken or missing (${report.events} events checked in ${where})`,
      );
      return report.ok ? 0 : 1;
    } finally {
      await store.close();
    }
  } catch (err) {
    throw new Error(describeStorageError(err));
  }
});
