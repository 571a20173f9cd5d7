// Child process for crash.mongo.test.ts: the product's engine (server/core.ts buildCore, real events
// with their hash chain) on the MongoDB adapter, committing on 200 cases at once, one commit in flight
// per case at all times, until killed. Prints ">" as each commit is submitted and "<caseId> <version>"
// once the engine has returned it (= acknowledged), so the test knows how many are in flight when it kills.
// A restart first finishes what its killed predecessor left half-way (as the product does at start),
// then carries on from what the database holds.
//   node --import tsx test/server/store/crash-writer-mongo.ts <mongodb uri with database>
import { buildCore } from '../../../server/core.ts';
import { actorOf } from '../../../server/cases/access.ts';
import { ManualClock } from '../../../server/engine/clock.ts';
import { createMongoStore } from '../../../server/store/mongo/index.ts';
import { seedDemo } from '../../../server/seed/demo.ts';
import { acceptData } from '../../support/workflow.ts';

export const CASES = 200;

const uri = process.argv[2];
if (!uri) throw new Error('usage: crash-writer-mongo.ts <uri>');

const store = createMongoStore({ uri });
await store.init();
await store.repairPending(0); // the predecessor is dead: whatever it left pending is finished now
const clock = new ManualClock('2026-11-23T09:00:00+08:00');
await seedDemo(store, { password: 'demo-pass-2026', now: clock.now().toISOString() });
const { directory, engine } = await buildCore(store, clock);
const med = actorOf((await store.users.getByUsername('med.c1'))!, directory);
const medBody = directory.body(med.bodyId!)!;
const compound = directory
  .allUnits()
  .filter((u) => u.kind === 'compound' && u.parentId === medBody.orgUnitId)
  .sort((a, b) => a.order - b.order)[0];

const fail = (what: string) => (e: Error) => {
  process.stderr.write(`${what} failed: ${e.stack ?? e.message}\n`);
  process.exit(1);
};

const intake = async (): Promise<string> => {
  process.stdout.write('>\n');
  const { record } = await engine
    .intake(
      {
        channel: 'walk_in',
        compoundId: compound.id,
        category: 'leakage',
        summary: '楼上卫生间漏水，渗至楼下天花板',
        parties: [{ role: 'applicant', kind: 'person', name: '张三', phone: '13812345678' }],
        claims: ['修复漏水'],
      },
      med,
    )
    .catch(fail('intake'));
  process.stdout.write(`${record.id} ${record.version}\n`);
  return record.id;
};

// 200 lanes at once, each with one commit in flight at any moment until the process is killed: a
// lane without a case yet (the first run, or an intake the predecessor never acknowledged) takes one
// in first, so the first run's burst is 200 concurrent intakes
const existing = (await store.cases.scan(null, CASES)).map((r) => r.id);
await Promise.all(
  Array.from({ length: CASES }, async (_, lane) => {
    const id = existing[lane] ?? (await intake());
    for (;;) {
      const current = (await store.cases.get(id))!;
      const event =
        current.status === 'registered'
          ? { type: 'ACCEPT' as const, data: acceptData(current.snapshot.context.parties) }
          : { type: 'RECORD_SESSION' as const, data: { summary: `第${current.version}次调解` } };
      process.stdout.write('>\n');
      const r = await engine.dispatch(id, event, med).catch(fail(`${event.type} on ${id}`));
      process.stdout.write(`${r.id} ${r.version}\n`);
    }
  }),
);
