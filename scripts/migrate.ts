// Moves the embedded store into MongoDB: every collection (cases, events, timers, outbox, documents,
// users, sessions, organisation, audit, idempotency keys, settings, docket counters), then checks that
// MongoDB holds the same — counts and a sha256 per collection over the canonical JSON of its records
// in key order, computed on both sides — and that every case's hash chain verifies there.
//   npm run migrate -- --to mongo [--from-dir DATA_DIR] [--uri mongodb://…] [--db NAME]
// Stop the app first (the copy is not a live replication). The target database must be empty.
// Exit status: 0 all verified, 1 a mismatch or an error, 2 bad usage.
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config.ts';
import { runMain } from './cli.ts';
import { PORTABLE_COLLECTIONS, copyStore, openSide } from '../server/store/transfer.ts';
import { describeBreak, verifyStore } from '../server/engine/verify.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      to: { type: 'string' },
      'from-dir': { type: 'string' },
      uri: { type: 'string' },
      db: { type: 'string' },
      batch: { type: 'string' },
    },
    strict: true,
  });
  if (values.to !== 'mongo') {
    console.error('usage: npm run migrate -- --to mongo [--from-dir DATA_DIR] [--uri mongodb://…] [--db NAME]');
    return 2;
  }
  const config = loadConfig(process.env);
  const uri = values.uri ?? config.mongodbUri;
  if (!uri) {
    console.error('migrate: give --uri mongodb://… (or set MONGODB_URI)');
    return 2;
  }
  const from = await openSide({ kind: 'sqlite', dataDir: values['from-dir'] ?? config.dataDir });
  let to;
  try {
    to = await openSide({ kind: 'mongo', uri, dbName: values.db });
  } catch (e) {
    await from.close();
    throw e;
  }
  try {
    console.log(`from: ${from.describe}\nto:   ${to.describe}`);
    if (to.describe.endsWith('standalone')) {
      console.log('note: this MongoDB server is standalone (no replica set): commits will use the safe path without transactions; see docs/deploy.md');
    }
    const started = Date.now();
    const report = await copyStore(from, to, {
      batch: values.batch ? Number(values.batch) : undefined,
      progress: (name, n) => process.stdout.write(`\r  copying ${name}: ${n}        `),
    });
    process.stdout.write('\n');
    console.log(`\n  ${'collection'.padEnd(12)} ${'embedded'.padStart(9)} ${'mongo'.padStart(9)}  sha256 (embedded → mongo)`);
    for (const name of PORTABLE_COLLECTIONS) {
      const s = report.source[name];
      const t = report.target[name];
      const ok = s.count === t.count && s.sha256 === t.sha256;
      console.log(`  ${name.padEnd(12)} ${String(s.count).padStart(9)} ${String(t.count).padStart(9)}  ${s.sha256.slice(0, 16)} ${ok ? '=' : '≠'} ${t.sha256.slice(0, 16)}`);
    }
    const chains = await verifyStore(to.store);
    console.log(`\n  hash chains in MongoDB: ${chains.cases} cases, ${chains.events} events, ${chains.broken.length} broken`);
    for (const b of chains.broken.slice(0, 20)) console.log(`    ${describeBreak(b)}`);
    console.log(`  ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (report.mismatches.length || chains.broken.length) {
      console.error(`\nmigrate: NOT verified: ${[...report.mismatches, ...chains.broken].length} problem(s). The MongoDB database holds a partial copy: drop it before trying again.`);
      return 1;
    }
    console.log('\nmigrate: verified — every collection has the same count and checksum on both sides. Set MONGODB_URI and start the app.');
    return 0;
  } finally {
    await to.close();
    await from.close();
  }
}

runMain('migrate', main);
