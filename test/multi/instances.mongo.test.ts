// Two app processes on one MongoDB database (FerretDB under `npm run test:mongo`) plus the local Redis:
// instances.test.ts on the other store (issue 18). Timers fire once each across both instances with a
// SIGKILL of one mid-way (on FerretDB the claims are unique inserts: server/store/mongo/queries.ts
// timerLatestClaim), and a resident on A sees an event posted on B. Without TEST_MONGODB_URI it is
// pending, and says so.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildCore } from '../../server/core.ts';
import { actorOf } from '../../server/cases/access.ts';
import { ManualClock } from '../../server/engine/clock.ts';
import { createMongoStore, type MongoStore } from '../../server/store/mongo/index.ts';
import { seedDemo } from '../../server/seed/demo.ts';
import { DEMO_PASSWORD } from '../support/harness.ts';
import { testMongoUri } from '../support/mongo-target.ts';
import { type Instance, deliversAcrossInstances, startInstance, stop, until } from './instances-support.ts';

describe('two instances on one MongoDB database', function () {
  this.timeout(300_000);
  let dir: string;
  let uri: string;
  let a: Instance | null = null;
  let b: Instance | null = null;

  beforeEach(function () {
    const u = testMongoUri('multi');
    if (!u) {
      console.log('      SKIPPED: needs a MongoDB server (npm run test:mongo sets TEST_MONGODB_URI)');
      this.skip();
    }
    uri = u!;
    dir = mkdtempSync(path.join(tmpdir(), 'mediation-multi-mongo-'));
  });
  afterEach(async () => {
    await stop(a);
    await stop(b);
    a = b = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fires each of hundreds of overdue timers exactly once, and survives kill -9 of one instance', async () => {
    // cases registered in January (the engine on this database, as the harness builds it): their
    // acceptance deadlines (4 timers each) are long overdue. Fewer than on the embedded store: each
    // firing is a standalone commit through FerretDB (docs/deploy.md)
    const N = 100;
    const seed = createMongoStore({ uri });
    await seed.init();
    const clock = new ManualClock('2026-01-05T09:00:00+08:00');
    await seedDemo(seed, { password: DEMO_PASSWORD, now: clock.now().toISOString() });
    const { directory, engine } = await buildCore(seed, clock);
    const med = actorOf((await seed.users.getByUsername('med.c1'))!, directory);
    const compound = directory.allUnits().filter((u) => u.kind === 'compound' && u.parentId === directory.body(med.bodyId!)!.orgUnitId)[0];
    for (let i = 0; i < N; i += 25)
      await Promise.all(
        Array.from({ length: Math.min(25, N - i) }, () =>
          engine.intake({ channel: 'walk_in', compoundId: compound.id, category: 'leakage', summary: '漏水', parties: [{ role: 'applicant', kind: 'person', name: '张三', phone: '13812345678' }], claims: [] }, med),
        ),
      );
    await seed.close();

    const store: MongoStore = createMongoStore({ uri, ensureIndexes: false });
    await store.init();
    try {
      const timers = store.collections().timers;
      const counts = async () => {
        const out: Record<string, number> = {};
        for (const state of ['pending', 'fired', 'cancelled']) out[state] = await timers.countDocuments({ state });
        return out;
      };
      expect((await counts()).pending).to.equal(N * 4);

      // a lease long enough for a claimed batch to be fired through FerretDB before it ends; both
      // started together, in claims of 20, so that neither works through the backlog alone while the
      // other starts (what once happened to the embedded store's twin of this test on CI)
      const env = { MONGODB_URI: uri, SCHEDULER_LEASE_MS: '10000', SCHEDULER_POLL_MS: '50', SCHEDULER_BATCH: '20' };
      await Promise.all([startInstance(dir, env).then((i) => (a = i)), startInstance(dir, env).then((i) => (b = i))]); // each kept as it starts (afterEach stops it)
      if (!a || !b) throw new Error('both instances should be running');
      await until(counts, (c) => c.fired >= N, 120_000);
      a.child.kill('SIGKILL');
      await a.exited;
      const atKill = await counts();
      expect(atKill.pending, 'work was left for B after the kill').to.be.greaterThan(0);
      const final = await until(counts, (c) => c.pending === 0, 180_000);
      expect(final.pending, JSON.stringify(final)).to.equal(0);
      expect(final.fired).to.equal(N * 4);

      const fired = await store
        .collections()
        .events.find({ type: { $in: ['DEADLINE_WARNING', 'DEADLINE_EXPIRED'] } }, { projection: { caseId: 1 } })
        .toArray();
      expect(fired.length, 'one event per timer: none fired twice').to.equal(N * 4);
      const perCase = new Map<string, number>();
      for (const e of fired) perCase.set(e.caseId as string, (perCase.get(e.caseId as string) ?? 0) + 1);
      expect(perCase.size).to.equal(N);
      expect([...perCase].filter(([, n]) => n !== 4)).to.deep.equal([]);
      console.log(`      ${N * 4} timers: ${atKill.fired} fired when A was killed, all ${final.fired} fired once`);
    } finally {
      await store.close();
    }
  });

  it('delivers to a resident connected to instance A the event a mediator posts on instance B (Redis adapter)', async function () {
    await deliversAcrossInstances(this, async (env) => {
      const i = await startInstance(dir, { ...env, MONGODB_URI: uri });
      if (!a) a = i;
      else b = i;
      return i;
    });
  });
});
