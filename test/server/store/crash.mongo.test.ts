// Durability of the MongoDB adapter's standalone commit path (issue 18), run by `npm run test:mongo`
// against FerretDB (no transactions, so every commit takes the standalone path): the product's engine
// in a child process commits on 200 cases at once (one commit in flight per case at every moment) and
// is SIGKILLed mid-burst, three times, each restart carrying on from what the database holds. Then
// every acknowledged event is there exactly once, nothing is left half-written, and every hash chain
// verifies (server/engine/verify.ts). Without TEST_MONGODB_URI it is pending, and says so.
//
// The bounds are lower than the embedded store's crash test (test/server/store/crash.test.ts): a
// standalone commit is about a dozen sequential round trips (event, record, timers, outbox, change
// number, event shown), each a read and a write through PostgreSQL in FerretDB, and the engine's group
// commit runs 16 of them at a time; on our shared 2-core machines that acknowledges a few to a few tens
// of commits a second (docs/deploy.md). Each writer is killed once it has acknowledged a batch, with the
// next batch in flight: the test checks that at least 100 commits were submitted and not acknowledged.
import { expect } from 'chai';
import { verifyStore } from '../../../server/engine/verify.ts';
import { createMongoStore } from '../../../server/store/mongo/index.ts';
import { testMongoUri } from '../../support/mongo-target.ts';
import { closed, collectStderr, onLines, spawnScript } from './child.ts';

/** Runs the writer until it has acknowledged `atLeast` commits, then SIGKILLs it; returns how many
 * commits were in flight (submitted, not acknowledged) at that moment. */
async function runAndKill(uri: string, atLeast: number, acked: Array<[string, number]>): Promise<number> {
  const child = spawnScript('./crash-writer-mongo.ts', [uri]);
  const stderr = collectStderr(child);
  let submitted = 0;
  let seen = 0;
  let inFlight = -1;
  onLines(child, (line) => {
    if (inFlight >= 0) return; // after the kill: what it wrote meanwhile was never seen as acknowledged
    if (line === '>') {
      submitted++;
      return;
    }
    const [caseId, version] = line.split(' ');
    acked.push([caseId, Number(version)]);
    if (++seen >= atLeast) {
      inFlight = submitted - seen;
      child.kill('SIGKILL');
    }
  });
  const { code, signal } = await closed(child);
  if (inFlight < 0) throw new Error(`writer exited by itself (code ${code}): ${stderr()}`);
  expect(signal).to.equal('SIGKILL');
  return inFlight;
}

describe('mongo store: crash durability of the standalone commit path', function () {
  this.timeout(600_000);
  const uri = testMongoUri('crash');

  it('keeps every acknowledged event exactly once, chains intact, across SIGKILLs during 200 concurrent commits', async function () {
    if (!uri) {
      console.log('      SKIPPED: needs a MongoDB server (npm run test:mongo sets TEST_MONGODB_URI)');
      this.skip();
    }
    const acked: Array<[string, number]> = [];
    // round 1 is killed among 200 concurrent intakes, rounds 2 and 3 among acceptances and sessions
    const inFlight: number[] = [];
    for (const atLeast of [40, 60, 60]) inFlight.push(await runAndKill(uri!, atLeast, acked));
    console.log(`      ${acked.length} commits acknowledged; in flight at each kill: ${inFlight.join(', ')}`);
    for (const n of inFlight) expect(n, 'commits in flight when the writer was killed').to.be.at.least(100);

    const store = createMongoStore({ uri: uri! });
    await store.init();
    try {
      // the last writer's half-done commits, as its restart would (its predecessors' were finished by
      // the next writer at its start); nothing may stay half-written after that
      await store.repairPending(0);
      const events = store.collections().events;
      expect(await events.countDocuments({ _pending: { $exists: true } })).to.equal(0);

      const top = new Map<string, number>();
      for (const [id, version] of acked) top.set(id, Math.max(top.get(id) ?? 0, version));
      for (const [id, version] of top) {
        const record = (await store.cases.get(id))!;
        expect(record, id).to.not.equal(null);
        expect(record.version, id).to.be.at.least(version);
        // each seq once: 1..version, no gap and no repeat, and exactly one stored event per seq
        const seqs = (await store.events.list(id)).map((e) => e.seq);
        expect(seqs, id).to.deep.equal(Array.from({ length: record.version }, (_, i) => i + 1));
        expect(await events.countDocuments({ caseId: id }), id).to.equal(record.version);
      }
      const report = await verifyStore(store);
      expect(report.broken).to.deep.equal([]);
      expect(report.cases).to.be.at.least(top.size);
      console.log(`      ${report.cases} cases, ${report.events} events: every chain verifies`);
    } finally {
      await store.close();
    }
  });
});
