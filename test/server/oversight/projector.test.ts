// The asynchronous oversight projector (server/oversight/projector.ts, issue 17): the events it passes
// over really change nothing it projects, and a projector killed with SIGKILL half-way through resumes
// from its durable position and ends with statistics and a ledger equal to what the plan implies
// (the independent oracle of expected.ts).
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { FACTS_VERSION, projectOversight } from '../../../server/oversight/facts.ts';
import { ledgerPages } from '../../../server/oversight/ledger.ts';
import { NEUTRAL, Projector, registerProjector } from '../../../server/oversight/projector.ts';
import { historyOf } from '../../../server/oversight/rebuild.ts';
import type { CaseRecord } from '../../../server/store/port.ts';
import { computeStats } from '../../../server/oversight/stats.ts';
import { createCalendar } from '../../../workflows/calendar/calendar.ts';
import { makeHarness } from '../../support/harness.ts';
import { createSqliteStore } from '../../../server/store/sqlite/index.ts';
import { intake, makeCase, next } from '../../support/records.ts';
import { acceptData } from '../../support/workflow.ts';
import { expectedLinks, makeDistrictHarness, planDistrict, runDistrict } from './district.ts';
import { expectedStats, expectSameStats } from './expected.ts';

describe('oversight: the asynchronous projector', function () {
  this.timeout(300_000);

  it('passes over the events that cannot change the projection, and what it keeps equals a projection from the whole history', async () => {
    const h = await makeHarness({ start: '2026-03-02T09:00:00+08:00' });
    try {
      const med = h.actor('med.c1');
      const { record } = await h.intake();
      await h.engine.dispatch(record.id, { type: 'ACCEPT', data: acceptData() }, med);
      await h.engine.dispatch(record.id, { type: 'INVITE_EXPERT', data: { expertId: h.user('expert.law').id } }, med);
      await h.projector.caughtUp();
      const before = (await h.store.oversight!.facts(record.id))!;
      expect(before.version).to.equal(3);

      const neutral = [
        () => h.engine.dispatch(record.id, { type: 'SCHEDULE_SESSION', data: { at: '2026-03-05T09:00:00+08:00', place: '调解室' } }, med),
        () => h.engine.dispatch(record.id, { type: 'RECORD_SESSION', data: { summary: '双方到场' } }, med),
        () => h.engine.dispatch(record.id, { type: 'ADD_OPINION', data: { text: '按《民法典》第二百八十八条处理' } }, h.actor('expert.law')),
      ];
      expect(neutral).to.have.length(NEUTRAL.size);
      for (const send of neutral) await send();
      await h.projector.caughtUp();
      const kept = (await h.store.oversight!.facts(record.id))!;
      expect(kept.version, 'nothing was rewritten for them').to.equal(3);

      // … and they changed nothing: the facts equal a projection of the current record from its history
      const now = (await h.store.cases.get(record.id))!;
      const events = await h.store.events.list(record.id);
      expect(events.slice(3).map((e) => e.type).sort()).to.deep.equal([...NEUTRAL].sort());
      const scratch = projectOversight({ ...now, oversight: undefined }, events.at(-1)!, undefined, createCalendar(), historyOf(events), { userName: (id) => h.directory.user(id)?.name });
      expect(kept.facts).to.deep.equal(scratch);
      expect(kept.facts.v).to.equal(FACTS_VERSION);

      // the next event that matters is projected
      const referred = await h.engine.dispatch(record.id, { type: 'REFER_TO_COURT', data: { reason: '调解不成' } }, med);
      await h.projector.caughtUp();
      const after = (await h.store.oversight!.facts(record.id))!;
      expect([after.version, after.facts.failed, after.facts.ledger.status]).to.deep.equal([referred.version, true, 'referred_to_court']);
    } finally {
      await h.close();
    }
  });

  it('resumes after a kill -9 half-way through and ends equal to the oracle', async () => {
    const h = await makeDistrictHarness({ synchronous: 'FULL' });
    try {
      const plan = planDistrict(h.directory, { cases: Number(process.env.DISTRICT_CASES_PROJECTOR ?? 400) });
      await runDistrict(plan, h);
      await h.projector.caughtUp();
      const oracle = expectedStats(plan, h.calendar, () => true);
      expectSameStats(await computeStats(h.store.oversight!, {}, { satisfiedAtLeast: 4 }), oracle);

      // the projection is lost (a new database, a FACTS_VERSION change): the projector starts from 0
      await h.projector.stop();
      const raw = new Database(h.file, { timeout: 5000 });
      raw.exec(`DELETE FROM case_facts; DELETE FROM case_ledger; DELETE FROM case_keys; DELETE FROM case_links; DELETE FROM case_companies;
                DELETE FROM case_oversight; DELETE FROM projector;`);
      raw.close();
      const head = await h.store.oversight!.head();
      expect(await h.store.oversight!.position()).to.equal(0);

      // another process projects, 40 events a batch, and is killed with SIGKILL after its third batch
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/server/oversight/projector-child.ts', h.file, '40'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const reported: number[] = [];
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      for await (const line of createInterface({ input: child.stdout! })) {
        reported.push((JSON.parse(line) as { position: number }).position);
        if (reported.length === 3) child.kill('SIGKILL');
      }
      expect(await exited).to.equal('SIGKILL');
      const durable = await h.store.oversight!.position();
      expect(durable, 'the position it wrote survives').to.be.at.least(reported[2]);
      expect(durable, 'killed half-way').to.be.lessThan(head);
      const half = await computeStats(h.store.oversight!, {}, { satisfiedAtLeast: 4 });
      expect(half.total).to.be.lessThan(plan.cases.length);

      // a new projector resumes from there
      const resumed = registerProjector(h.store, new Projector(h.store, () => h.calendar, { batch: 100 }));
      const seen = await resumed.drain();
      expect(seen, 'it went on from the durable position, not from 0').to.equal((await h.store.oversight!.feed(durable, 1_000_000)).length);
      expect(resumed.position).to.equal(head);
      // (a run of neutral events moves the position in memory only; a graceful stop writes it down)
      await resumed.stop();
      expect(await h.store.oversight!.position()).to.equal(head);

      expectSameStats(await computeStats(h.store.oversight!, {}, { satisfiedAtLeast: 4 }), oracle);
      // the ledger: one line per case, in the planned state, with the later cases linked back to it
      const lines = [];
      for await (const page of ledgerPages(h.store, {}, 500)) lines.push(...page);
      expect(lines).to.have.length(plan.cases.length);
      const byId = new Map(lines.map((l) => [l.caseId, l]));
      const links = expectedLinks(plan);
      const laterOf = new Map<number, number[]>();
      for (const [n, earlier] of links) for (const e of earlier) laterOf.set(e.n, [...(laterOf.get(e.n) ?? []), n]);
      const noOf = new Map(plan.cases.map((c) => [c.n, c.caseNo!]));
      for (const c of plan.cases) {
        const line = byId.get(c.id!)!;
        expect(line.row.status, `#${c.n}`).to.equal(c.expect.status);
        expect([...line.laterCases].sort(), `#${c.n} later`).to.deep.equal((laterOf.get(c.n) ?? []).map((n) => noOf.get(n)!).sort());
      }
    } finally {
      await h.close();
    }
  });

  it('links an intake to its earlier cases without rewriting their ledger lines, and the ledger still names it as their later case', async () => {
    const h = await makeHarness({ start: '2026-03-02T09:00:00+08:00' });
    const raw = new Database(h.file, { timeout: 5000 });
    try {
      const earlier: CaseRecord[] = [];
      for (let i = 0; i < 3; i++) {
        earlier.push((await h.intake()).record);
        h.clock.advance(3_600_000);
      }
      await h.projector.caughtUp();
      // every write to an existing ledger line from now on is counted (a trigger on the store's file)
      raw.exec(`CREATE TABLE ledger_writes (case_id TEXT NOT NULL);
                CREATE TRIGGER ledger_writes AFTER UPDATE ON case_ledger BEGIN INSERT INTO ledger_writes VALUES (old.case_id); END;`);
      const { record: later } = await h.intake();
      await h.projector.caughtUp();
      expect((await h.store.oversight!.related(later.id)).earlier.map((r) => r.id)).to.have.members(earlier.map((e) => e.id));
      expect(raw.prepare('SELECT case_id FROM ledger_writes').pluck().all(), 'no earlier line rewritten').to.deep.equal([]);
      const lines = await h.store.oversight!.ledgerByCaseNos(earlier.map((e) => e.caseNo));
      expect(lines).to.have.length(3);
      // the 后续复发案件 of each earlier case, in registration order: the later intakes among these
      for (const line of lines) {
        const after = [...earlier, later].filter((r) => Date.parse(r.createdAt) > Date.parse(line.registeredAt));
        expect(line.laterCases, line.caseNo).to.deep.equal(after.map((r) => r.caseNo));
      }
      expect(lines.find((l) => l.caseId === earlier[0].id)!.laterCases).to.have.length(3);
    } finally {
      raw.close();
      await h.close();
    }
  });
});

describe('oversight: the projector reads the feed once per group commit', () => {
  it('stops after a short batch (the whole feed when read) and reads on while batches come back full', async () => {
    const store = createSqliteStore({ file: ':memory:' });
    await store.init();
    try {
      const c = await store.cases.commit(intake(makeCase({ id: 'pf', caseNo: 'PF-1' })));
      const ov = store.oversight!;
      let feeds = 0;
      const counted = { ...ov, feed: (after: number, limit: number) => (feeds++, ov.feed(after, limit)) };
      const counting: typeof store = { ...store, oversight: counted };
      const projector = new Projector(counting, () => createCalendar(), { batch: 2, pollMs: 0 });
      await projector.drain();
      expect(feeds, 'one event: one short batch').to.equal(1);
      // three neutral events: a full batch of two, then a short one of one — and no third read
      let prev = c;
      for (let i = 0; i < 3; i++) prev = await store.cases.commit(next(prev, {}, { type: 'RECORD_SESSION' }));
      feeds = 0;
      expect(await projector.drain()).to.equal(3);
      expect(feeds).to.equal(2);
      expect(projector.position).to.equal(await ov.head());
    } finally {
      await store.close();
    }
  });

  it('is not woken by a group commit whose events are all neutral, and a read that waits for it still passes over them', async () => {
    const store = createSqliteStore({ file: ':memory:' });
    await store.init();
    try {
      const c = await store.cases.commit(intake(makeCase({ id: 'pn', caseNo: 'PN-1' })));
      const ov = store.oversight!;
      let reads = 0;
      // a pass starts by reading the durable position, synchronously within kick(): counting those
      // calls tells whether the commit woke the projector, with no waiting
      const counted = { ...ov, position: () => (reads++, ov.position()) };
      const projector = new Projector({ ...store, oversight: counted }, () => createCalendar(), { pollMs: 0 });
      await projector.drain();
      await store.cases.commit(next(c, {}, { type: 'RECORD_SESSION' }));
      reads = 0;
      projector.committed([{ type: 'RECORD_SESSION' }, { type: 'SCHEDULE_SESSION' }, { type: 'ADD_OPINION' }]);
      expect(reads, 'neutral events only: no pass').to.equal(0);
      expect(projector.position).to.be.below(await ov.head());
      projector.committed([{ type: 'RECORD_SESSION' }, { type: 'ACCEPT' }]);
      expect(reads, 'one event that can change the projection: a pass').to.equal(1);
      // the neutral event left behind is passed over when a read waits for the projector
      await projector.caughtUp();
      expect(projector.position).to.equal(await ov.head());
      await projector.stop();
    } finally {
      await store.close();
    }
  });
});
