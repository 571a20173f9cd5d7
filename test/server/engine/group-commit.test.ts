// The group commit's own counts (what `npm run bench:api` reports per paced run): groups formed,
// commits in them, and time spent in the store's commit and in the anchor hook; and claim at commit.
import { expect } from 'chai';
import { GroupCommitter } from '../../../server/engine/group-commit.ts';
import { createSqliteStore } from '../../../server/store/sqlite/index.ts';
import type { CaseRecord, OutboxLease } from '../../../server/store/port.ts';
import { intake, makeCase, makeOutbox } from '../../support/records.ts';

describe('group commit statistics', () => {
  it('counts the groups formed, the commits in them and the anchor calls they made', async () => {
    const store = createSqliteStore({ file: ':memory:' });
    await store.init();
    const anchored: CaseRecord[][] = [];
    const committer = new GroupCommitter(store, 3, undefined, async (records) => void anchored.push(records));
    try {
      // five in one turn of the event loop, at most three per group: two groups
      const first = await Promise.all([1, 2, 3, 4, 5].map((i) => committer.submit(intake(makeCase({ id: `g${i}`, caseNo: `G-${i}` })))));
      expect(first.map((r) => r.id)).to.deep.equal(['g1', 'g2', 'g3', 'g4', 'g5']);
      // a duplicate number fails alone; it still counts as a commit of its group
      const late = await committer.submit(intake(makeCase({ id: 'g6', caseNo: 'G-1' }))).catch((e: unknown) => e);
      expect(late).to.be.instanceOf(Error);
      const { stats } = committer;
      expect({ groups: stats.groups, commits: stats.commits }).to.deep.equal({ groups: 3, commits: 6 });
      expect(anchored.map((g) => g.length)).to.deep.equal([3, 2]); // the failed group anchored nothing
      expect(stats.commitMs).to.be.greaterThan(0);
    } finally {
      await store.close();
    }
  });
});

describe('group commit: claim at commit', () => {
  it('writes each group live entries leased to the relay that lent its lease and hands over those committed, in order', async () => {
    const store = createSqliteStore({ file: ':memory:' });
    await store.init();
    const handed: string[][] = [];
    const events: string[][] = [];
    let lease: OutboxLease | null = { owner: 'relay-1', until: '2030-01-01T00:00:00.000Z' };
    const committer = new GroupCommitter(
      store,
      500,
      (leased, written) => {
        handed.push(leased.map((o) => o.id));
        events.push(written.map((e) => `${e.caseId}:${e.seq}`));
      },
      undefined,
      () => lease,
    );
    const withWebhook = (id: string, no: string) => {
      const c = intake(makeCase({ id, caseNo: no }));
      return { ...c, outbox: [...c.outbox, makeOutbox(id, 1, 'webhook:source')] };
    };
    try {
      const results = await Promise.allSettled([
        committer.submit(withWebhook('h1', 'H-1')),
        committer.submit(withWebhook('h2', 'H-1')), // the number is taken: fails alone, hands over nothing
        committer.submit(withWebhook('h3', 'H-3')),
      ]);
      expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
      // the webhook lane is not the relay's: only the live entries are handed over
      expect(handed).to.deep.equal([['h1:1:case:updated', 'h3:1:case:updated']]);
      // and the events written (for the projector), without the failed commit's
      expect(events).to.deep.equal([['h1:1', 'h3:1']]);
      // leased to relay-1 until 2030: no other relay claims them meanwhile; the webhook entries stay free
      expect(await store.outbox.claim('2029-12-31T00:00:00.000Z', 10, 'relay-2', 60_000)).to.deep.equal([]);
      expect((await store.outbox.claim('2029-12-31T00:00:00.000Z', 10, 'w', 60_000, 'webhook')).length).to.equal(2);

      // with no lease lent (no relay running), nothing is handed over and the entries are claimable at once
      lease = null;
      await committer.submit(intake(makeCase({ id: 'h4', caseNo: 'H-4' })));
      expect(handed.at(-1)).to.deep.equal([]);
      expect((await store.outbox.claim('2026-01-01T00:00:00.000Z', 10, 'relay-2', 60_000)).map((o) => o.id)).to.deep.equal(['h4:1:case:updated']);
    } finally {
      await store.close();
    }
  });
});
