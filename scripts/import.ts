// Restores a JSON-lines backup (npm run export) into an EMPTY store, then checks the store against
// the file's summary (count and sha256 of every collection) and every case's hash chain.
//   npm run import -- --in backup.jsonl [--to sqlite|mongo] [--data-dir DATA_DIR] [--uri mongodb://…] [--db NAME]
// The target is the store the app would use (MongoDB when MONGODB_URI is set) unless --to says. Run it
// before the app first starts on that store: outside production the app seeds demo data into an empty
// store, and import refuses a store that holds anything.
// Exit status: 0 restored and verified, 1 a mismatch or an error, 2 bad usage.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../server/config.ts';
import { importJsonl, openSide, verifyChains } from '../server/store/transfer.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      in: { type: 'string' },
      to: { type: 'string' },
      'data-dir': { type: 'string' },
      uri: { type: 'string' },
      db: { type: 'string' },
    },
    strict: true,
  });
  if (!values.in || (values.to && !['sqlite', 'mongo'].includes(values.to))) {
    console.error('usage: npm run import -- --in FILE.jsonl [--to sqlite|mongo] [--data-dir DIR] [--uri URI] [--db NAME]');
    return 2;
  }
  const config = loadConfig(process.env);
  const kind = (values.to ?? (values.uri || config.mongodbUri ? 'mongo' : 'sqlite')) as 'sqlite' | 'mongo';
  const side = await openSide({
    kind,
    dataDir: values['data-dir'] ?? config.dataDir,
    uri: values.uri ?? config.mongodbUri ?? undefined,
    dbName: values.db,
    create: true,
  });
  try {
    const report = await importJsonl(side, values.in);
    const chains = await verifyChains(side.store);
    const total = Object.values(report.target).reduce((n, s) => n + s.count, 0);
    console.log(`import: ${total} records from ${values.in} into ${side.describe}`);
    console.log(`  hash chains: ${chains.cases} cases, ${chains.events} events, ${chains.broken.length} broken`);
    const problems = [...report.mismatches, ...chains.broken];
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

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`import: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
