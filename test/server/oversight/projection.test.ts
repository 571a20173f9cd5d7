// The projection through the engine: recurrence look-back windows across a year boundary, events that
// arrive out of band (timer expiries, court results, judicial confirmation), and the backfill of cases
// written before the projection existed.
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { createCalendar } from '../../../workflows/calendar/calendar.ts';
import type { Party } from '../../../workflows/case.types.ts';
import { rebuildOversight } from '../../../server/oversight/rebuild.ts';
import { Projector, projectionCaughtUp, registerProjector } from '../../../server/oversight/projector.ts';
import { relatedCasesOf } from '../../../server/oversight/recurrence.ts';
import { FactsIndex } from '../../../server/oversight/memory.ts';
import { computeStats } from '../../../server/oversight/stats.ts';
import { ledgerPages } from '../../../server/oversight/ledger.ts';
import type { CaseRecord } from '../../../server/store/port.ts';
import { makeHarness, type Harness } from '../../support/harness.ts';
import { acceptData, PARTICULARS } from '../../support/workflow.ts';

const DAY = 86_400_000;
type P = Omit<Party, 'id'>;
const person = (name: string, phone?: string, role: P['role'] = 'applicant'): P => ({ role, kind: 'person', name, ...(phone ? { phone } : {}) });

describe('oversight: the projection through the engine', function () {
  this.timeout(60_000);

  describe('recurrence look-back (回访倒查)', () => {
    let h: Harness;
    let other: string; // a compound of another community
    beforeEach(async () => {
      h = await makeHarness({ start: '2025-12-20T10:00:00+08:00' });
      other = h.directory.allUnits().find((u) => u.kind === 'compound' && u.id !== h.compoundId && u.parentId !== h.directory.unit(h.compoundId)!.parentId)!.id;
    });
    afterEach(() => h.close());

    const at = (iso: string) => h.clock.set(iso);
    /** the links the projector wrote for the case (everything committed is projected first, as the routes wait for it) */
    const related = async (r: CaseRecord) => {
      await h.projector.caughtUp();
      return (await h.store.oversight!.facts(r.id))!.facts.relatedCases.map((x) => [x.caseNo, x.reasons.join('+')]);
    };

    it('links a new case to earlier ones of the same compound with the same category or a shared party, across the new year', async () => {
      const a = (await h.intake({ category: 'leakage', parties: [person('张三', '13812345678'), person('李四', undefined, 'respondent')] })).record;
      at('2026-01-05T10:00:00+08:00');
      const b = (await h.intake({ category: 'leakage', parties: [person('赵六'), person('钱七', undefined, 'respondent')] })).record;
      expect(await related(b)).to.deep.equal([[a.caseNo, 'category']]);
      at('2026-01-06T10:00:00+08:00');
      // the same person (by phone, written another way), another category
      const c = (await h.intake({ category: 'noise', parties: [person('张 三', '+86 138-1234-5678'), person('孙八', undefined, 'respondent')] })).record;
      expect(await related(c)).to.deep.equal([[a.caseNo, 'party']]);
      // another compound: nothing, whatever it shares
      const d = (await h.intake({ compoundId: other, category: 'leakage', parties: [person('张三', '13812345678')] })).record;
      expect(await related(d)).to.deep.equal([]);

      // exactly 365 days after A: still inside the window
      at(new Date(Date.parse('2025-12-20T10:00:00+08:00') + 365 * DAY).toISOString());
      const e = (await h.intake({ category: 'leakage', parties: [person('周九')] })).record;
      expect(await related(e)).to.deep.equal([
        [b.caseNo, 'category'],
        [a.caseNo, 'category'],
      ]);
      // a day later A has dropped out of it
      at('2026-12-21T10:00:00+08:00');
      const f = (await h.intake({ category: 'leakage', parties: [person('吴十')] })).record;
      expect(await related(f)).to.deep.equal([
        [e.caseNo, 'category'],
        [b.caseNo, 'category'],
      ]);

      // the earlier case shows the later ones; its own history is untouched (append-only)
      const later = (await relatedCasesOf(h.store, a.id)).filter((r) => r.direction === 'later').map((r) => r.caseNo);
      expect(later).to.deep.equal([b.caseNo, c.caseNo, e.caseNo]);
      expect((await h.store.events.list(a.id)).map((x) => x.type)).to.deep.equal(['REGISTER']);
      const page = (await ledgerPages(h.store, {}).next()).value as Array<{ caseId: string; laterCases: string[] }>;
      const ledgerA = page.find((x) => x.caseId === a.id)!;
      expect(ledgerA.laterCases).to.deep.equal([b.caseNo, c.caseNo, e.caseNo]); // in registration order
      // the link is a recorded fact of the new case's registration
      const register = (await h.store.events.list(b.id))[0];
      expect((register.data as { relatedCases: Array<{ id: string }> }).relatedCases.map((x) => x.id)).to.deep.equal([a.id]);

      await h.projector.caughtUp();
      const stats = await computeStats(h.store.oversight!, {}, { satisfiedAtLeast: 4 });
      expect(stats.recurrences).to.equal(4); // b, c, e, f
    });

    it('uses the configured window (runtime setting recurrenceDays)', async () => {
      const a = (await h.intake({ category: 'parking' })).record;
      at('2027-01-10T10:00:00+08:00');
      const b = (await h.intake({ category: 'parking', parties: [person('某甲')] })).record;
      expect(await related(b)).to.deep.equal([]);
      h.engine.updateSettings({ recurrenceDays: 400 });
      at('2027-01-11T10:00:00+08:00');
      const c = (await h.intake({ category: 'parking', parties: [person('某乙')] })).record;
      expect(await related(c)).to.deep.equal([
        [b.caseNo, 'category'],
        [a.caseNo, 'category'],
      ]);
    });
  });

  describe('events that arrive out of band', () => {
    let h: Harness;
    beforeEach(async () => {
      h = await makeHarness({ start: '2026-03-02T09:00:00+08:00' });
    });
    afterEach(() => h.close());
    let index: FactsIndex;
    beforeEach(() => {
      index = new FactsIndex(h.store.oversight!);
    });
    /** the in-memory index (what the routes use) must follow every commit, and agree with the store */
    const stats = async () => {
      await h.projector.caughtUp();
      const [memory, sql] = await Promise.all([computeStats(index, {}, { satisfiedAtLeast: 4 }), computeStats(h.store.oversight!, {}, { satisfiedAtLeast: 4 })]);
      expect(memory).to.deep.equal(sql);
      return memory;
    };

    it('counts an expiry the moment the timer fires, and keeps it as overdue after the case moves on', async () => {
      const { record } = await h.intake();
      expect(await stats()).to.deep.include({ overdue: 0, red: 0 });
      h.clock.advance(10 * DAY);
      expect(await h.scheduler.runDue()).to.be.greaterThan(0);
      expect(await stats()).to.deep.include({ overdue: 1, red: 1 });
      await h.engine.dispatch(record.id, { type: 'ACCEPT', data: acceptData() }, h.actor('med.c1'));
      expect(await stats()).to.deep.include({ overdue: 1, red: 0 });
      expect((await h.store.oversight!.facts(record.id))!.facts.ledger).to.include({ overdue: true, warning: 'none' });
    });

    it('follows the court: a referral is a failure, the court’s acceptance closes it as referred', async () => {
      const med = h.actor('med.c1');
      const { record } = await h.intake();
      await h.engine.dispatch(record.id, { type: 'ACCEPT', data: acceptData() }, med);
      await h.engine.dispatch(record.id, { type: 'REFER_TO_COURT', data: { reason: '调解不成' } }, med);
      let s = await stats();
      expect(s.byStatus.referred_to_court).to.equal(1);
      expect([s.failed, s.resolutionRate]).to.deep.equal([1, 0]);
      await h.engine.dispatch(record.id, { type: 'COURT_ACCEPT', data: { courtCaseNo: '（2026）示0101民初1号' } }, h.actor('court.liaison'));
      s = await stats();
      expect([s.byStatus.closed, s.failed]).to.deep.equal([1, 1]);
      expect((await h.store.oversight!.facts(record.id))!.facts.ledger).to.include({ status: 'closed', outcome: 'referred' });
      expect((await h.store.cases.get(record.id))!.oversight, 'the case document carries no projection').to.equal(undefined);
    });

    it('keeps a case settled through judicial confirmation, and a court return undoes a failure', async () => {
      const med = h.actor('med.c1');
      const court = h.actor('court.liaison');
      const { record } = await h.intake();
      await h.engine.dispatch(record.id, { type: 'ACCEPT', data: acceptData() }, med);
      await h.engine.dispatch(record.id, { type: 'REACH_AGREEMENT', data: { terms: ['修复漏水'], performBy: '2026-03-20', ...PARTICULARS } }, med);
      h.clock.advance(2 * DAY);
      await h.engine.dispatch(record.id, { type: 'SIGN_AGREEMENT', data: { signedBy: ['张三', '李四'] } }, med);
      await h.engine.dispatch(record.id, { type: 'REQUEST_CONFIRMATION' }, med);
      let s = await stats();
      expect([s.settled, s.byStatus.confirmation_pending, s.medianDaysToSettle]).to.deep.equal([1, 1, 2]);
      await h.engine.dispatch(record.id, { type: 'CONFIRMATION_RESULT', data: { confirmed: true } }, court);
      s = await stats();
      expect([s.settled, s.byStatus.performing]).to.deep.equal([1, 1]);

      const other = (await h.intake()).record;
      await h.engine.dispatch(other.id, { type: 'ACCEPT', data: acceptData() }, med);
      await h.engine.dispatch(other.id, { type: 'REFER_TO_COURT', data: { reason: '移送' } }, med);
      expect((await stats()).failed).to.equal(1);
      await h.engine.dispatch(other.id, { type: 'COURT_RETURN', data: { reason: '退回补正' } }, court);
      expect((await stats()).failed).to.equal(0);
    });
  });

  describe('backfill of cases written before the projection', () => {
    it('projects them again from snapshot and history, the same as if it had been there all along', async () => {
      const h = await makeHarness({ start: '2026-03-02T09:00:00+08:00' });
      try {
        const med = h.actor('med.c1');
        const a = (await h.intake({ channel: 'hotline_12345', source: { system: '12345', ref: 'GD-1' } })).record;
        h.clock.advance(10 * DAY);
        await h.scheduler.runDue(); // a expires
        await h.engine.dispatch(a.id, { type: 'ACCEPT', data: acceptData() }, med);
        const b = (await h.intake({ category: 'leakage' })).record; // linked to a
        await h.engine.dispatch(b.id, { type: 'ACCEPT', data: acceptData() }, med);
        await h.engine.dispatch(b.id, { type: 'REACH_AGREEMENT', data: { terms: ['修复'], performBy: '2026-03-30', ...PARTICULARS } }, med);
        await h.engine.dispatch(b.id, { type: 'SIGN_AGREEMENT', data: { signedBy: ['张三', '李四'] } }, med);
        await h.engine.dispatch(b.id, { type: 'RECORD_FOLLOW_UP', data: { performance: 'full', satisfaction: 5, note: '' } }, med);

        const snapshot = async () => {
          await projectionCaughtUp(h.store);
          return {
            stats: await computeStats(h.store.oversight!, {}, { satisfiedAtLeast: 4 }),
            ledger: (await ledgerPages(h.store, {}).next()).value,
            related: await relatedCasesOf(h.store, a.id),
            source: await h.store.oversight!.bySource('12345', 'GD-1'),
            facts: (await h.store.oversight!.facts(a.id))!.facts,
          };
        };
        const before = await snapshot();
        expect(before.stats.total).to.equal(2);

        // what a database from before the projection looks like
        await h.projector.stop();
        const forget = () => {
          const raw = new Database(h.file, { timeout: 5000 });
          raw.exec(`DELETE FROM case_facts; DELETE FROM case_ledger; DELETE FROM case_keys; DELETE FROM case_links; DELETE FROM case_companies;
                    DELETE FROM case_oversight; DELETE FROM projector;`);
          raw.close();
        };
        forget();
        expect((await computeStats(h.store.oversight!, {}, { satisfiedAtLeast: 4 })).total).to.equal(0);

        // the backfill (after a FACTS_VERSION change): every stale case from its snapshot and history
        expect(await h.store.oversight!.stale(1, 10)).to.have.members([a.id, b.id]);

        // the rebuild looks the mediators' names up as the engine does (承办调解员, issue 16 §4)
        const lookup = { userName: (id: string) => h.directory.user(id)?.name };
        expect(await rebuildOversight(h.store, createCalendar(), { lookup })).to.equal(2);
        expect(await h.store.oversight!.stale(1, 10)).to.deep.equal([]);
        let after = await snapshot();
        expect(after.stats).to.deep.equal(before.stats);
        expect(after.ledger).to.deep.equal(before.ledger);
        expect(after.related).to.deep.equal(before.related);
        expect(after.source).to.deep.equal(before.source);
        expect(after.facts).to.deep.equal(before.facts);

        // the projector from position 0 (a new database, a lost projection): rebuilt from the history
        forget();
        const fresh = registerProjector(h.store, new Projector(h.store, () => createCalendar(), { batch: 3, lookup }));
        expect(await fresh.drain()).to.equal((await h.store.oversight!.feed(0, 1000)).length);
        after = await snapshot();
        expect(after.stats).to.deep.equal(before.stats);
        expect(after.ledger).to.deep.equal(before.ledger);
        expect(after.related).to.deep.equal(before.related);
        expect(after.facts).to.deep.equal(before.facts);
        expect(await rebuildOversight(h.store, createCalendar(), { lookup })).to.equal(0); // nothing left to do
      } finally {
        await h.close();
      }
    });
  });
});
