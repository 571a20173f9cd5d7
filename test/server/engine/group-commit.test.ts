// The group commit's own counts (what `npm run bench:api` reports per paced run): groups formed,
// commits in them, and time spent in the store's commit and in the anchor hook.
import { expect } from 'chai';
import { GroupCommitter } from '../../../server/engine/group-commit.ts';
import { createSqliteStore } from '../../../server/store/sqlite/index.ts';
import type { CaseRecord } from '../../../server/store/port.ts';
import { intake, makeCase } from '../../support/records.ts';

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
