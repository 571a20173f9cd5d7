// Restores a JSON-lines backup (npm run export) into an EMPTY store, then checks the store against
// the file's summary (count and sha256 of every collection) and every case's hash chain.
//   npm run import -- --in backup.jsonl [--to sqlite|mongo] [--data-dir DATA_DIR] [--uri mongodb://…] [--db NAME]
// The target is the store the app would use (MongoDB when MONGODB_URI is set) unless --to says. Run it
// before the app first starts on that store: outside production the app seeds demo data into an empty
// store, and import refuses a store that holds anything.
// Exit status: 0 restored and verified, 1 a mismatch or an error, 2 bad usage.
import { importJsonl, openSide } from '../server/store/transfer.ts';
import { describeBreak, verifyStore } from '../server/engine/verify.ts';
import { runMain, sideArgs } from './cli.ts';

async function main(): Promise<number> {
  const args = sideArgs('in', 'to', 'usage: npm run import -- --in FILE.jsonl [--to sqlite|mongo] [--data-dir DIR] [--uri URI] [--db NAME]');
  if (!args) return 2;
  const side = await openSide({ ...args.spec, create: true });
  try {
    const report = await importJsonl(side, args.file);
    const chains = await verifyStore(side.store);
    const total = Object.values(report.target).reduce((n, s) => n + s.count, 0);
    console.log(`import: ${total} records from ${args.file} into ${side.describe}`);
    console.log(`  hash chains: ${chains.cases} cases, ${chains.events} events, ${chains.broken.length} broken`);
    const problems = [...report.mismatches, ...chains.broken.map(describeBreak)];
    for (const p of problems.slice(0, 20)) console.error(`  ${p}`);
    if (problems.length) {
      console.error(`import: NOT verified: ${problems.length} problem(s)`);
      return 1;
    }
    console.log('import: verified — counts and checksums match the file, every hash chain verifies');
    return 0;
  } finally {
    await side.close();
  }
}

runMain('import', main);
