// Timer claims between instances on a real server (issue 18), run by `npm run test:mongo`: two stores
// (two connections, as two app instances have) with two claimers each race for the same due timers;
// each timer must go to exactly one of them. On FerretDB 1.x a conditional update is not atomic (it
// reads the document and writes it back whole: 10 concurrent `{owner: null}` → `$set owner` updates
// of one document had several winners in 19 rounds of 20), so there the claim is a unique insert
// (server/store/mongo/queries.ts timerLatestClaim); on MongoDB it is one findOneAndUpdate. Without
// TEST_MONGODB_URI it is pending, and says so.
import { expect } from 'chai';
import { timerDoc } from '../../../server/store/mongo/codec.ts';
import { createMongoStore, type MongoStore } from '../../../server/store/mongo/index.ts';
import { makeTimer } from '../../support/records.ts';
import { testMongoUri } from '../../support/mongo-target.ts';

describe('mongo store: timer claims between two instances', function () {
  this.timeout(300_000);
  const uri = testMongoUri('claims');
  const stores: MongoStore[] = [];
  after(async () => {
    for (const s of stores) await s.close();
  });

  it('gives each of 200 due timers to exactly one of four concurrent claimers on two connections', async function () {
    if (!uri) {
      console.log('      SKIPPED: needs a MongoDB server (npm run test:mongo sets TEST_MONGODB_URI)');
      this.skip();
    }
    for (let i = 0; i < 2; i++) {
      const s = createMongoStore({ uri: uri! });
      await s.init();
      stores.push(s);
    }
    const [a, b] = stores;
    const N = 200;
    const due = '2026-01-01T00:00:00.000Z';
    await a.collections().timers.insertMany(
      Array.from({ length: N }, (_, i) => timerDoc(makeTimer(`case-${i % 20}`, 'mediation', due, { id: `timer-${i}` }), `case-${i % 20}`)),
    );
    const now = '2026-06-01T00:00:00.000Z';
    const owners = new Map<string, string[]>();
    const claimer = async (store: MongoStore, owner: string) => {
      for (;;) {
        const got = await store.timers.claimDue(now, 10, owner, 600_000);
        if (got.length === 0) return;
        for (const t of got) {
          expect(t.leaseOwner).to.equal(owner);
          owners.set(t.id, [...(owners.get(t.id) ?? []), owner]);
        }
      }
    };
    await Promise.all([claimer(a, 'A1'), claimer(b, 'B1'), claimer(a, 'A2'), claimer(b, 'B2')]);
    const twice = [...owners].filter(([, o]) => o.length > 1);
    expect(twice, 'timers claimed by more than one claimer').to.deep.equal([]);
    expect(owners.size).to.equal(N);
    // every claimer's lease is on its timer, and nothing is left to claim while the leases hold
    const byOwner = new Map<string, number>();
    for (const t of await a.collections().timers.find({}).toArray()) {
      expect(owners.get(t._id as string)).to.deep.equal([t.leaseOwner]);
      byOwner.set(t.leaseOwner as string, (byOwner.get(t.leaseOwner as string) ?? 0) + 1);
    }
    expect(await b.timers.claimDue(now, 10, 'C', 600_000)).to.deep.equal([]);
    console.log(`      claims per claimer: ${JSON.stringify(Object.fromEntries([...byOwner].sort()))}`);
  });
});
