// The MongoDB adapter's own logic on the in-memory stand-in of the driver (test/support/mongo-standin.ts):
// the shared store contract on both commit paths, then what only this adapter has —
// undoing a standalone commit that fails half-way, repairing one that died half-way, transactions that
// carry their session on every write, leases taken by findOneAndUpdate across instances.
// NOT a test of MongoDB itself: that is contract.mongo.test.ts, with MONGODB_URI set.
import { expect } from 'chai';
import { verifyChain } from '../../../server/engine/hash-chain.ts';
import { VersionConflict } from '../../../server/engine/errors.ts';
import type { MongoStore } from '../../../server/store/mongo/index.ts';
import { StandinMongo, createStandinStore, type Fault } from '../../support/mongo-standin.ts';
import type { CaseRecord, OversightFacts, Store } from '../../../server/store/port.ts';
import { at, intake, makeCase, makeTimer, next } from '../../support/records.ts';
import { storeContract } from './contract.ts';

describe('mongo adapter on the in-memory stand-in (not MongoDB)', () => {
  storeContract('mongo adapter, standalone commit path, stand-in driver', async () =>
    createStandinStore(new StandinMongo({ transactions: false })),
  );
  storeContract('mongo adapter, transaction commit path, stand-in driver', async () =>
    createStandinStore(new StandinMongo({ transactions: true })),
  );

  describe('mongo adapter specifics (stand-in driver)', () => {
    const now = '2026-03-02T01:00:00.000Z';
    let db: StandinMongo;
    let store: MongoStore;
    const open = async (transactions: boolean) => {
      db = new StandinMongo({ transactions });
      store = createStandinStore(db);
      await store.init();
      return store;
    };
    afterEach(async () => store?.close());

    async function rejection(p: Promise<unknown>): Promise<Error> {
      try {
        await p;
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a rejection');
    }

    async function written(s: Store, caseId: string) {
      return {
        record: await s.cases.get(caseId),
        events: await s.events.list(caseId),
        timers: await s.timers.forCase(caseId),
        outboxPending: await s.outbox.pendingCount(),
      };
    }

    /** A case at v2 with two timers: `due` (claimed by A, so it carries a lease) and `other`. */
    async function caseWithTimers(s: Store) {
      const v1 = await s.cases.commit(intake(makeCase()));
      const due = makeTimer(v1.id, 'acceptance', at(-5));
      const other = makeTimer(v1.id, 'mediation', at(600));
      const v2 = await s.cases.commit(next(v1, {}, { armTimers: [due, other] }));
      const [claimed] = await s.timers.claimDue(now, 10, 'A', 60_000);
      expect(claimed.id).to.equal(due.id);
      return { v2, due, other };
    }

    /** The commit that fires `due`, cancels `other`'s kind and arms a new timer. */
    const firing = (v2: CaseRecord, due: { id: string }) =>
      next(v2, { status: 'in_mediation' }, {
        firedTimerId: due.id,
        cancelTimerKinds: ['mediation'],
        armTimers: [makeTimer(v2.id, 'mediation', at(1200))],
        type: 'DEADLINE_EXPIRED',
      });

    const failWhen = (pred: (coll: string, op: string, args: unknown[]) => boolean, message = 'connection reset'): Fault =>
      (coll, op, args) => (pred(coll, op, args) ? new Error(message) : undefined);

    it('reports its commit mode', async () => {
      expect((await open(false)).mode()).to.equal('standalone');
      await store.close();
      expect((await open(true)).mode()).to.equal('transactions');
    });

    it('standalone: undoes every step of a commit that fails at its last write, leases included', async () => {
      await open(false);
      const { v2, due } = await caseWithTimers(store);
      const before = await written(store, v2.id);
      db.fault = failWhen((coll, op) => coll === 'outbox' && op === 'insertOne');
      const err = await rejection(store.cases.commit(firing(v2, due)));
      expect(err.message).to.equal('connection reset');
      db.fault = undefined;
      expect(await written(store, v2.id)).to.deep.equal(before);
      expect(before.timers.find((t) => t.id === due.id)).to.deep.include({ state: 'pending', leaseOwner: 'A' });
      expect(db.dump('events').map((e) => e._id)).to.not.include(`${v2.id}:3`);
      // and the same commit goes through afterwards
      await store.cases.commit(firing(v2, due));
      expect((await store.events.list(v2.id)).map((e) => e.seq)).to.deep.equal([1, 2, 3]);
    });

    it('transactions: a commit that fails part-way leaves nothing (every write carries the session)', async () => {
      await open(true);
      const { v2, due } = await caseWithTimers(store);
      const before = await written(store, v2.id);
      db.fault = failWhen((coll, op) => coll === 'outbox' && op === 'insertOne');
      expect((await rejection(store.cases.commit(firing(v2, due)))).message).to.equal('connection reset');
      db.fault = undefined;
      expect(await written(store, v2.id)).to.deep.equal(before);
    });

    it('standalone: a commit that dies after writing the record is rolled forward by the repair', async () => {
      await open(false);
      const { v2, due, other } = await caseWithTimers(store);
      const commit = firing(v2, due);
      // the process "dies" once the record is written: every later write fails, the undo included
      let recordWritten = false;
      db.fault = (coll, op) => {
        if (coll === 'cases' && op === 'findOneAndUpdate') {
          recordWritten = true;
          return undefined;
        }
        return recordWritten && !['findOne', 'find', 'countDocuments'].includes(op) ? new Error('process died') : undefined;
      };
      expect((await rejection(store.cases.commit(commit))).message).to.match(/could not be fully undone/);
      db.fault = undefined;

      // half-written: the record is ahead of the visible history; a young pending commit is left alone
      expect((await store.cases.get(v2.id))!.version).to.equal(3);
      expect((await store.events.list(v2.id)).map((e) => e.seq)).to.deep.equal([1, 2]);
      expect(await store.repairPending()).to.equal(0);

      expect(await store.repairPending(0)).to.equal(1);
      const events = await store.events.list(v2.id);
      expect(events.map((e) => e.seq)).to.deep.equal([1, 2, 3]);
      expect(events[2]).to.deep.equal(commit.event);
      const timers = Object.fromEntries((await store.timers.forCase(v2.id)).map((t) => [t.id, t.state]));
      expect(timers).to.deep.equal({
        [due.id]: 'fired',
        [other.id]: 'cancelled',
        [commit.armTimers[0].id]: 'pending',
      });
      expect(await store.outbox.pendingCount()).to.equal(3);
      expect(db.dump('events').filter((e) => e._pending)).to.deep.equal([]);
    });

    it('standalone: a commit that dies before writing the record is rolled back, and the case moves on', async () => {
      await open(false);
      const v1 = await store.cases.commit(intake(makeCase()));
      let eventWritten = false;
      db.fault = (coll, op) => {
        if (coll === 'events' && op === 'insertOne' && !eventWritten) {
          eventWritten = true;
          return undefined;
        }
        return eventWritten && op !== 'findOne' ? new Error('process died') : undefined;
      };
      await rejection(store.cases.commit(next(v1, { summary: 'lost' })));
      db.fault = undefined;
      expect(db.dump('events').filter((e) => e._pending).map((e) => e._id)).to.deep.equal([`${v1.id}:2`]);

      // while the dead commit is young, the case refuses the next event as a conflict
      expect(await rejection(store.cases.commit(next(v1, { summary: 'kept' })))).to.be.instanceOf(VersionConflict);

      // once it is old enough, the next commit repairs it on the way (rolled back) and goes through
      const stale = db.collections.events.docs.get(`string:${JSON.stringify(`${v1.id}:2`)}`)!;
      stale._pending.since = new Date(0);
      const v2 = await store.cases.commit(next(v1, { summary: 'kept' }));
      expect(v2.summary).to.equal('kept');
      const events = await store.events.list(v1.id);
      expect(events.map((e) => e.seq)).to.deep.equal([1, 2]);
      expect(db.dump('events').filter((e) => e._pending)).to.deep.equal([]);
    });

    it('repairs at init what a previous run left half-way', async () => {
      await open(false);
      const v1 = await store.cases.commit(intake(makeCase()));
      await db.collections.events.insertOne({
        _id: `${v1.id}:2`,
        ...next(v1).event,
        _pending: { since: new Date(Date.now() - 10 * 60_000), intent: {} },
      });
      await store.close();
      await store.init();
      expect(db.dump('events').map((e) => e._id)).to.deep.equal([`${v1.id}:1`]);
    });

    it('two instances on one database claim each due timer exactly once', async () => {
      await open(false);
      const other = createStandinStore(db);
      await other.init();
      const v1 = await store.cases.commit(intake(makeCase()));
      const timers = Array.from({ length: 30 }, (_, i) => makeTimer(v1.id, 'acceptance', at(-i - 1)));
      await store.cases.commit(next(v1, {}, { armTimers: timers }));
      const claims = await Promise.all(
        [store, other, store, other].map(async (s, i) => {
          const got: string[] = [];
          for (;;) {
            const batch = await s.timers.claimDue(now, 3, `owner-${i}`, 60_000);
            if (!batch.length) return got;
            got.push(...batch.map((t) => t.id));
          }
        }),
      );
      const all = claims.flat();
      expect(all).to.have.length(30);
      expect(new Set(all).size).to.equal(30);
      await other.close();
    });

    it('nextDueAt waits for the lease of a claimed timer', async () => {
      await open(false);
      const v1 = await store.cases.commit(intake(makeCase()));
      const t = makeTimer(v1.id, 'acceptance', at(-10));
      await store.cases.commit(next(v1, {}, { armTimers: [t] }));
      await store.timers.claimDue(now, 10, 'A', 60_000);
      expect(Date.parse((await store.timers.nextDueAt())!)).to.equal(Date.parse(now) + 60_001);
      await store.timers.release(t.id, 'A');
      expect(Date.parse((await store.timers.nextDueAt())!)).to.equal(Date.parse(t.dueAt));
    });

    for (const transactions of [true, false]) {
      it(`numbers each facts write for factsSince, in commit order (${transactions ? 'transactions' : 'standalone'})`, async () => {
        await open(transactions);
        const facts = (over: Partial<OversightFacts> = {}): OversightFacts => ({
          v: 1, registeredAt: at(0), month: '2026-03', source: null, settled: false, settledAt: null, settledTier: null,
          daysToSettle: null, failed: false, clauses: { total: 0, checked: 0, full: 0, partial: 0, none: 0 }, visits: 0,
          satisfaction: [0, 0, 0, 0, 0], everOverdue: false, keys: [], relatedCases: [], companies: [], ledger: {}, ...over,
        });
        const a = await store.cases.commit(intake(makeCase({ oversight: facts() })));
        const b = await store.cases.commit(intake(makeCase({ oversight: facts() })));
        await store.cases.commit(intake(makeCase())); // no facts: not in the stream
        const all = await store.oversight!.factsSince(0, 10);
        expect(all.map((r) => r.caseId)).to.deep.equal([a.id, b.id]);
        expect(all[1].seq).to.be.greaterThan(all[0].seq);
        expect(all[0]).to.deep.include({ registeredAt: Date.parse(at(0)), month: '2026-03', settled: false, red: false, recurrence: 0 });
        await store.cases.commit(next(a, { warning: 'red', oversight: facts({ visits: 2 }) }));
        const since = await store.oversight!.factsSince(all[1].seq, 10);
        expect(since.map((r) => [r.caseId, r.visits, r.red])).to.deep.equal([[a.id, 2, true]]);
        expect(await store.oversight!.factsSince(since[0].seq, 10)).to.deep.equal([]);
      });
    }

    it('keeps hash chains intact through a group commit of many cases at once', async () => {
      await open(true);
      const { makeHarnessRecords } = await chainFixtures();
      const firsts = makeHarnessRecords(20);
      await store.cases.commitMany(firsts.map((r) => r.commit));
      const seconds = firsts.map((r) => r.next());
      const results = await store.cases.commitMany(seconds);
      expect(results.every((r) => !(r instanceof Error))).to.equal(true);
      for (const r of firsts) expect(verifyChain(await store.events.list(r.commit.caseId))).to.deep.equal({ ok: true, events: 2 });
    });
  });
});

/** Commits whose events carry real hashes (the fixtures' are placeholders). */
async function chainFixtures() {
  const { hashEvent } = await import('../../../server/engine/hash-chain.ts');
  const withHash = <E extends Parameters<typeof hashEvent>[0]>(e: E) => ({ ...e, hash: hashEvent(e) });
  return {
    makeHarnessRecords(n: number) {
      return Array.from({ length: n }, () => {
        const c = intake(makeCase());
        c.event = withHash({ ...c.event, prevHash: '' });
        c.record = { ...c.record, lastHash: c.event.hash };
        return {
          commit: c,
          next() {
            const n2 = next(c.record);
            n2.event = withHash({ ...n2.event, prevHash: c.event.hash });
            n2.record = { ...n2.record, lastHash: n2.event.hash };
            return n2;
          },
        };
      });
    },
  };
}
