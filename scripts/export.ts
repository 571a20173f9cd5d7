// Backs a store up as JSON lines: a header, one line per record with its collection name
// ({"c":"cases","r":{…}}), and a summary line with the count and sha256 of every collection. The same
// store always exports the same bytes.
//   npm run export -- --out backup.jsonl [--from sqlite|mongo] [--data-dir DATA_DIR] [--uri mongodb://…] [--db NAME]
// The source is the store the app would use (MongoDB when MONGODB_URI is set) unless --from says.
// The embedded store is read in one snapshot, so it may be exported while the app runs; MongoDB is
// not: stop the app first for a consistent backup.
import { PORTABLE_COLLECTIONS, exportJsonl, openSide } from '../server/store/transfer.ts';
import { runMain, sideArgs } from './cli.ts';

async function main(): Promise<number> {
  const args = sideArgs('out', 'from', 'usage: npm run export -- --out FILE.jsonl [--from sqlite|mongo] [--data-dir DIR] [--uri URI] [--db NAME]');
  if (!args) return 2;
  const side = await openSide(args.spec);
  try {
    const summary = await exportJsonl(side, args.file);
    const total = PORTABLE_COLLECTIONS.reduce((n, c) => n + summary[c].count, 0);
    console.log(`export: ${total} records from ${side.describe} written to ${args.file} at ${new Date().toISOString()}`);
    for (const c of PORTABLE_COLLECTIONS) console.log(`  ${c.padEnd(12)} ${String(summary[c].count).padStart(9)}  ${summary[c].sha256}`);
    return 0;
  } finally {
    await side.close();
  }
}

runMain('export', main);
