// The outbox relay's claim at commit (issue 17): a running relay lends its lease to the group commit,
// the live entries are written leased to it and handed over once committed, and it delivers them from
// memory without claiming; what a relay that died was handed is delivered by another once the lease
// has run out.
import { expect } from 'chai';
import { GroupCommitter } from '../../server/engine/group-commit.ts';
import { OutboxRelay } from '../../server/live/relay.ts';
import type { OutboxEntry, Store } from '../../server/store/port.ts';
import { createSqliteStore } from '../../server/store/sqlite/index.ts';
import { intake, makeCase } from '../support/records.ts';

/** The store's outbox, counting the claims made through it. */
function counted(store: Store): { outbox: Store['outbox']; claims: () => number } {
  let claims = 0;
  const outbox: Store['outbox'] = {
    ...store.outbox,
    claim: (...args) => {
      claims++;
      return store.outbox.claim(...args);
    },
  };
  return { outbox, claims: () => claims };
}

describe('outbox relay: claim at commit', () => {
  let store: Store;
  beforeEach(async () => {
    store = createSqliteStore({ file: ':memory:' });
    await store.init();
  });
  afterEach(() => store.close());

  it('delivers what the commit handed over, in commit order, without a claim, and marks it done', async () => {
    const { outbox, claims } = counted(store);
    const delivered: OutboxEntry[] = [];
    let allIn!: () => void;
    const arrived = new Promise<void>((r) => (allIn = r));
    const relay = new OutboxRelay(outbox, (e) => {
      delivered.push(e);
      if (delivered.length === 4) allIn();
    }, { pollMs: 3_600_000 });
    relay.start(); // its first claim (what a crashed process left) runs in the check phase: let it
    await new Promise<void>((resolve) => setImmediate(resolve));
    await relay.drain();
    const claimsBefore = claims();
    const committer = new GroupCommitter(store, 500, (leased) => relay.offer(leased), undefined, () => relay.lease());
    await Promise.all([1, 2, 3].map((i) => committer.submit(intake(makeCase({ id: `r${i}`, caseNo: `R-${i}` })))));
    await committer.submit(intake(makeCase({ id: 'r4', caseNo: 'R-4' })));
    await arrived;
    expect(delivered.map((e) => e.id)).to.deep.equal(['r1', 'r2', 'r3', 'r4'].map((id) => `${id}:1:case:updated`));
    expect(claims()).to.equal(claimsBefore);
    expect(relay.stats).to.include({ delivered: 4, deliveredFromCommit: 4 });
    await relay.stop(); // marks what it delivered done
    expect(await store.outbox.pendingCount()).to.equal(0);
  });

  it('lends no lease while stopped, so what is committed meanwhile is claimed when it starts', async () => {
    const delivered: string[] = [];
    const relay = new OutboxRelay(store.outbox, (e) => void delivered.push(e.id), { pollMs: 3_600_000 });
    expect(relay.lease()).to.equal(null);
    const committer = new GroupCommitter(store, 500, (leased) => relay.offer(leased), undefined, () => relay.lease());
    await committer.submit(intake(makeCase({ id: 's1', caseNo: 'S-1' })));
    relay.start();
    await relay.drain();
    expect(delivered).to.deep.equal(['s1:1:case:updated']);
    expect(relay.stats.deliveredFromCommit).to.equal(0);
    await relay.stop();
  });

  it('a relay stopped after lending its lease leaves what it is then handed for another relay, not marked done', async () => {
    const now = Date.parse('2026-12-01T08:00:00Z');
    const delivered: string[] = [];
    const relay = new OutboxRelay(store.outbox, (e) => void delivered.push(e.id), { pollMs: 3_600_000, leaseMs: 10_000, now: () => now });
    relay.start();
    await relay.drain();
    // the group took the lease while the relay ran, and committed after it had stopped (a shutdown)
    const lease = relay.lease();
    await relay.stop();
    const committer = new GroupCommitter(store, 500, (leased) => relay.offer(leased), undefined, () => lease);
    await committer.submit(intake(makeCase({ id: 'x1', caseNo: 'X-1' })));
    await new Promise<void>((resolve) => setImmediate(resolve)); // where a hand-over is delivered
    expect(delivered).to.deep.equal([]);
    expect(await store.outbox.pendingCount()).to.equal(1);
    // the next process's relay sends it once the lease has run out
    const next = new OutboxRelay(store.outbox, (e) => void delivered.push(e.id), { pollMs: 3_600_000, now: () => now + 10_001 });
    next.start();
    await next.drain();
    expect(delivered).to.deep.equal(['x1:1:case:updated']);
    await next.stop();
  });

  it('entries handed to a relay that died are delivered by another once the lease has run out', async () => {
    let now = Date.parse('2026-12-01T08:00:00Z');
    const dead = new OutboxRelay(store.outbox, () => expect.fail('the dead relay delivers nothing'), { pollMs: 3_600_000, leaseMs: 10_000, now: () => now });
    dead.start();
    await dead.drain();
    // the commit is written leased to it; the process dies before the hand-over is delivered
    const committer = new GroupCommitter(store, 500, () => {}, undefined, () => dead.lease());
    await committer.submit(intake(makeCase({ id: 'd1', caseNo: 'D-1' })));

    const delivered: string[] = [];
    const other = new OutboxRelay(store.outbox, (e) => void delivered.push(e.id), { pollMs: 3_600_000, now: () => now });
    other.start();
    await other.drain();
    expect(delivered, 'while the lease holds').to.deep.equal([]);
    now += 10_001;
    await other.drain();
    expect(delivered).to.deep.equal(['d1:1:case:updated']);
    await other.stop();
    await dead.stop();
    expect(await store.outbox.pendingCount()).to.equal(0);
  });
});
