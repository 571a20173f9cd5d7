// The storage contract against a real MongoDB server (`npm run test:mongo`). It runs whenever
// MONGODB_URI is set — a replica set exercises the transaction path, a standalone server the safe path
// of server/store/mongo/commit.ts — on a fresh database per run, dropped afterwards. Without
// MONGODB_URI it says plainly that it was skipped: it is reported as pending, never as passing.
import mongoose from 'mongoose';
import { createMongoStore, scratchDbName } from '../../../server/store/mongo/index.ts';
import { COLLECTION_NAMES, collectionOf } from '../../../server/store/mongo/schemas.ts';
import { storeContract } from './contract.ts';

const uri = process.env.MONGODB_URI;
const SKIPPED = 'MongoDB contract suite SKIPPED here: MONGODB_URI is not set (npm run test:mongo runs it on FerretDB or the server MONGODB_URI names)';

if (!uri) {
  describe('Store contract: mongo (real MongoDB server)', function () {
    before(function () {
      console.log(`\n  ${SKIPPED}\n`);
    });
    it.skip(SKIPPED, () => {});
  });
} else {
  describe('Store contract: mongo (real MongoDB server)', function () {
    this.timeout(60_000);
    const dbName = scratchDbName();
    const conn = mongoose.createConnection(uri, { autoIndex: false, autoCreate: false, serverSelectionTimeoutMS: 10_000 });
    let first = true;

    before(async function () {
      await conn.asPromise();
      const hello = await conn.db!.command({ hello: 1 });
      const what = hello.setName ? `replica set ${hello.setName} (transactions)` : hello.msg === 'isdbgrid' ? 'a sharded cluster (transactions)' : 'a standalone server (the safe path without transactions)';
      console.log(`\n  MongoDB contract suite against ${what}, database ${dbName}\n`);
    });
    after(async () => {
      await conn.useDb(dbName).dropDatabase();
      await conn.close();
    });

    // one fresh database for the run (dropped after it); emptied before each test, indexes kept
    storeContract('mongo', async () => {
      const db = conn.useDb(dbName, { useCache: true });
      if (!first) await Promise.all(COLLECTION_NAMES.map((name) => db.db!.collection(collectionOf(name)).deleteMany({})));
      const store = createMongoStore({ connection: db, ensureIndexes: first });
      first = false;
      return store;
    });
  });
}
