import { expect } from 'chai';
import { EventNotAllowed, NotFound, VersionConflict } from '../../../server/engine/errors.ts';
import { verifyChain } from '../../../server/engine/hash-chain.ts';
import { makeHarness, type Harness } from '../../support/harness.ts';
import { acceptData, PARTICULARS } from '../../support/workflow.ts';

describe('the engine', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await makeHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  describe('intake', () => {
    it('registers a case at the community room with a docket number, an acceptance deadline and an access code', async () => {
      const { record, accessCode } = await h.intake();
      expect(record.status).to.equal('registered');
      expect(record.tier).to.equal('community');
      expect(record.bodyId).to.equal(h.user('med.c1').bodyId);
      expect(record.caseNo).to.match(/^（2026）\S+物调字第1号$/); // no zero-padding by default (issue 12 §6)
      expect(record.version).to.equal(1);
      expect(record.deadlines.map((d) => d.kind)).to.deep.equal(['acceptance']);
      // 3 working days from Monday 2026-11-23, the start day not counted → Thursday 26th
      expect(record.deadlines[0].dueAt).to.equal('2026-11-26T23:59:59.999+08:00');
      expect(accessCode).to.match(/^[A-Z2-9]{8}$/);
      expect(record.accessCodeHash).to.not.contain(accessCode);
      expect(await h.engine.accessCodes.check(record, accessCode)).to.equal(true);
      expect(await h.engine.accessCodes.check(record, 'WRONG222')).to.equal(false);
      const timers = await h.store.timers.forCase(record.id);
      expect(timers.map((t) => t.level)).to.deep.equal(['blue', 'yellow', 'orange', 'red']);
    });

    it('counts households from people and groups only: nine owners against their property company and 业委会 stay at the community room', async () => {
      const owners = Array.from({ length: 9 }, (_, i) => ({ role: 'applicant' as const, kind: 'person' as const, name: `业主${i + 1}` }));
      const { record } = await h.intake({
        parties: [...owners, { role: 'respondent', kind: 'organisation', name: '安居物业公司' }, { role: 'respondent', kind: 'organisation', orgType: 'owners_committee', name: '业主委员会' }],
      });
      expect(record.snapshot.context.householdsInvolved).to.equal(9);
      expect(record.tier).to.equal('community');
    });

    it('routes a major dispute (≥ 10 households) straight to the district committee', async () => {
      const { record } = await h.intake({ householdsInvolved: 40, category: 'service_quality' });
      expect(record.tier).to.equal('district');
      expect(record.bodyId).to.equal(h.user('med.d').bodyId);
      expect(record.snapshot.context.flags.major).to.equal(true);
    });

    it('flags a specialised category for an expert and keeps it at the community', async () => {
      const { record } = await h.intake({ category: 'maintenance_fund' });
      expect(record.tier).to.equal('community');
      expect(record.snapshot.context.flags.specialised).to.equal(true);
    });

    it('gives concurrent intakes distinct, gap-free docket numbers', async () => {
      const results = await Promise.all(Array.from({ length: 25 }, () => h.intake()));
      const numbers = results.map((r) => Number(r.record.caseNo.match(/第(\d+)号/)![1])).sort((a, b) => a - b);
      expect(numbers).to.deep.equal(Array.from({ length: 25 }, (_, i) => i + 1));
    });

    it('refuses an unknown compound', async () => {
      try {
        await h.intake({ compoundId: 'nope' });
        expect.fail('should refuse');
      } catch (err) {
        expect((err as Error & { code: string }).code).to.equal('VALIDATION_FAILED');
      }
    });
  });

  describe('events', () => {
    it('takes a case from intake to close, every step an event with its actor, in a hash chain', async () => {
      const { record } = await h.intake();
      const med = h.actor('med.c1');
      let r = await h.engine.dispatch(record.id, { type: 'ACCEPT', data: acceptData(), expectedVersion: 1 }, med);
      r = await h.engine.dispatch(r.id, { type: 'ASSIGN', data: { mediatorIds: [med.id] }, expectedVersion: r.version }, med);
      r = await h.engine.dispatch(r.id, { type: 'REACH_AGREEMENT', data: { terms: ['修复漏水'], performBy: '2026-12-10', ...PARTICULARS } }, med);
      r = await h.engine.dispatch(r.id, { type: 'SIGN_AGREEMENT', data: { signedBy: ['张三', '李四'] } }, med);
      expect(r.status).to.equal('performing');
      expect(r.deadlines.map((d) => d.kind).sort()).to.deep.equal(['confirmation', 'follow_up']);
      r = await h.engine.dispatch(r.id, { type: 'RECORD_FOLLOW_UP', data: { performance: 'full', satisfaction: 5, note: '已修复' } }, med);
      r = await h.engine.dispatch(r.id, { type: 'CLOSE' }, med, { clientIp: '10.0.0.8' });
      expect(r.status).to.equal('closed');
      expect(r.outcome).to.equal('resolved');
      expect(r.deadlines).to.deep.equal([]);
      const history = await h.engine.history(r.id);
      expect(history.map((e) => e.type)).to.deep.equal(['REGISTER', 'ACCEPT', 'ASSIGN', 'REACH_AGREEMENT', 'SIGN_AGREEMENT', 'RECORD_FOLLOW_UP', 'CLOSE']);
      expect(history.every((e) => e.actor.username === 'med.c1')).to.equal(true);
      expect(history.at(-1)!.clientIp).to.equal('10.0.0.8');
      expect(verifyChain(history)).to.deep.equal({ ok: true, events: 7 });
      const pendingTimers = (await h.store.timers.forCase(r.id)).filter((t) => t.state === 'pending');
      expect(pendingTimers).to.deep.equal([]);
    });

    it('refuses a stale expectedVersion and writes nothing', async () => {
      const { record } = await h.intake();
      await h.engine.dispatch(record.id, { type: 'ACCEPT', data: acceptData(), expectedVersion: 1 }, h.actor('med.c1'));
      try {
        await h.engine.dispatch(record.id, { type: 'DECLINE', data: { ground: 'not_civil', reason: 'x' }, expectedVersion: 1 }, h.actor('med.c1'));
        expect.fail('should conflict');
      } catch (err) {
        expect(err).to.be.instanceOf(VersionConflict);
      }
      expect((await h.engine.history(record.id)).length).to.equal(2);
    });

    it('lets exactly one of 20 concurrent writers on one expectedVersion win', async () => {
      const { record } = await h.intake();
      const med = h.actor('med.c1');
      await h.engine.dispatch(record.id, { type: 'ACCEPT', data: acceptData() }, med);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          h.engine.dispatch(record.id, { type: 'RECORD_SESSION', data: { summary: `第${i}次` }, expectedVersion: 2 }, med),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
      const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(rejected.every((r) => r.reason instanceof VersionConflict)).to.equal(true);
      expect((await h.engine.history(record.id)).length).to.equal(3);
    });

    it('refuses an event from outside the holding body and one that does not apply, writing nothing', async () => {
      const { record } = await h.intake();
      for (const [actor, type] of [
        ['med.c2', 'ACCEPT'],
        ['court.liaison', 'ACCEPT'],
        ['med.c1', 'SIGN_AGREEMENT'],
      ] as const) {
        try {
          await h.engine.dispatch(record.id, { type }, h.actor(actor));
          expect.fail('should refuse');
        } catch (err) {
          expect(err).to.be.instanceOf(EventNotAllowed);
        }
      }
      expect((await h.engine.history(record.id)).length).to.equal(1);
      expect(await h.store.outbox.pendingCount()).to.equal(2); // intake's case:updated + inbox:updated only
    });

    it('refuses assigning a mediator of another body and reports conflicts of interest', async () => {
      const { record } = await h.intake();
      const med = h.actor('med.c1');
      await h.engine.dispatch(record.id, { type: 'ACCEPT', data: acceptData() }, med);
      try {
        await h.engine.dispatch(record.id, { type: 'ASSIGN', data: { mediatorIds: [h.user('med.c2').id] } }, med);
        expect.fail('should refuse');
      } catch (err) {
        expect(err).to.be.instanceOf(EventNotAllowed);
        expect((err as EventNotAllowed).details).to.have.property('mediators');
      }
      // kinship with a party is a conflict; living in the compound is only a warning (workflow 2026.3, issue 12 §4)
      const applicant = record.snapshot.context.parties[0].name;
      await h.store.users.update(med.id, { profile: { homeCompoundId: h.compoundId, relatives: [applicant] } });
      await h.directory.refresh();
      try {
        await h.engine.dispatch(record.id, { type: 'ASSIGN', data: { mediatorIds: [med.id] } }, med);
        expect.fail('should refuse');
      } catch (err) {
        expect((err as EventNotAllowed).details).to.deep.include({ conflicts: [{ mediatorId: med.id, reason: `调解员与当事人${applicant}有亲属关系`, kind: 'relative' }] });
      }
      const r = await h.engine.dispatch(
        record.id,
        { type: 'ASSIGN', data: { mediatorIds: [med.id], overrides: [{ mediatorId: med.id, reason: '双方书面同意' }] } },
        med,
      );
      expect(r.assignees).to.deep.equal([med.id]);
      expect(r.snapshot.context.localTies).to.deep.equal([{ mediatorId: med.id, reason: '调解员居住在本小区', at: r.updatedAt }]);
    });

    it('answers NotFound for an unknown case', async () => {
      try {
        await h.engine.dispatch('nope', { type: 'ACCEPT', data: acceptData() }, h.actor('med.c1'));
        expect.fail('should refuse');
      } catch (err) {
        expect(err).to.be.instanceOf(NotFound);
      }
    });

    it('moves the case to the next body on escalation, which then sees it in its inbox', async () => {
      const { record } = await h.intake();
      await h.engine.dispatch(record.id, { type: 'ACCEPT', data: acceptData() }, h.actor('med.c1'));
      const r = await h.engine.dispatch(record.id, { type: 'ESCALATE', data: { reason: '涉及多户' } }, h.actor('med.c1'));
      expect(r.tier).to.equal('subdistrict');
      expect(r.bodyId).to.equal(h.user('med.s1').bodyId);
      expect(h.engine.availableEvents(r, h.actor('med.s1'))).to.include('ACCEPT');
      expect(h.engine.availableEvents(r, h.actor('med.c1'))).to.deep.equal([]);
    });
  });

  describe('durable deadlines', () => {
    it('fires blue, yellow, orange and red as the clock passes them, without changing the status', async () => {
      const { record } = await h.intake();
      h.clock.set('2026-11-25T12:00:00+08:00'); // past blue (half of the 3.6 days), before yellow
      expect(await h.scheduler.runDue()).to.equal(1);
      let r = (await h.store.cases.get(record.id))!;
      expect(r.deadlines[0].warning).to.equal('blue');
      expect(r.warning).to.equal('blue');
      h.clock.set('2026-11-27T08:00:00+08:00'); // past due
      expect(await h.scheduler.runDue()).to.equal(3);
      r = (await h.store.cases.get(record.id))!;
      expect(r.status).to.equal('registered');
      expect(r.overdue).to.equal(true);
      expect(r.warning).to.equal('red');
      const types = (await h.engine.history(record.id)).map((e) => `${e.type}:${(e.data as { level?: string }).level ?? ''}`);
      expect(types).to.deep.equal(['REGISTER:', 'DEADLINE_WARNING:blue', 'DEADLINE_WARNING:yellow', 'DEADLINE_WARNING:orange', 'DEADLINE_EXPIRED:']);
      expect(await h.scheduler.runDue()).to.equal(0); // each timer fires once
    });

    it('does not fire a deadline that was cancelled by the case moving on', async () => {
      const { record } = await h.intake();
      await h.engine.dispatch(record.id, { type: 'ACCEPT', data: acceptData() }, h.actor('med.c1'));
      h.clock.set('2026-11-30T09:00:00+08:00'); // acceptance would have expired; mediation month not yet half
      expect(await h.scheduler.runDue()).to.equal(0);
      const r = (await h.store.cases.get(record.id))!;
      expect(r.deadlines.map((d) => [d.kind, d.warning])).to.deep.equal([['mediation', 'none']]);
      // one calendar month from 2026-11-23 → 2026-12-23 (a Wednesday)
      expect(r.deadlines[0].dueAt).to.equal('2026-12-23T23:59:59.999+08:00');
    });

    it('extends the mediation deadline with consent and re-arms its warnings', async () => {
      const { record } = await h.intake();
      await h.engine.dispatch(record.id, { type: 'ACCEPT', data: acceptData() }, h.actor('med.c1'));
      const r = await h.engine.dispatch(record.id, { type: 'EXTEND_DEADLINE', data: { days: 15, reason: '双方同意', consentOf: ['p1', 'p2'] } }, h.actor('med.c1'));
      expect(r.deadlines[0].dueAt).to.equal('2027-01-07T23:59:59.999+08:00');
      const pending = (await h.store.timers.forCase(record.id)).filter((t) => t.state === 'pending');
      expect(pending.map((t) => t.deadlineDueAt)).to.deep.equal(Array(4).fill('2027-01-07T23:59:59.999+08:00'));
    });

    it('fires, after a restart, the timers that came due while the process was down', async () => {
      const { record } = await h.intake();
      await h.store.close();
      const h2 = await makeHarness({ file: h.file, start: '2026-12-01T09:00:00+08:00', keep: true });
      try {
        expect(await h2.scheduler.runDue()).to.equal(4);
        const r = (await h2.store.cases.get(record.id))!;
        expect(r.overdue).to.equal(true);
      } finally {
        await h2.close();
      }
      h = await makeHarness(); // afterEach closes a fresh one
    });

    it('fires many timers due at once, each exactly once, across two schedulers', async () => {
      const intakes = await Promise.all(Array.from({ length: 60 }, () => h.intake()));
      h.clock.set('2026-12-01T09:00:00+08:00');
      const { Scheduler } = await import('../../../server/engine/scheduler.ts');
      const other = new Scheduler(h.engine, h.store, h.clock, { owner: 'other' });
      const [a, b] = await Promise.all([h.scheduler.runDue(), other.runDue()]);
      expect(a + b).to.equal(240);
      for (const { record } of intakes.slice(0, 5)) {
        const events = await h.engine.history(record.id);
        expect(events.filter((e) => e.type.startsWith('DEADLINE_'))).to.have.length(4);
      }
    });

    it('arms the court’s own deadline for a delegated case', async () => {
      const { record } = await h.intake({ channel: 'court_delegation', delegation: { courtRef: '（2026）示0101民诉前调1号', dueAt: '2026-12-20' } });
      expect(record.tier).to.equal('district');
      const d = record.deadlines.find((x) => x.kind === 'delegation')!;
      // 2026-12-20 is a Sunday: the period ends on the next working day
      expect(d.dueAt).to.equal('2026-12-21T23:59:59.999+08:00');
      expect(record.courtInbox).to.equal(true);
    });
  });
});

describe('provisional deadlines (a year the holiday data does not cover)', () => {
  it('are marked provisional, and recomputed when that year’s schedule arrives', async () => {
    const { createCalendar } = await import('../../../workflows/calendar/calendar.ts');
    // the packaged notices up to 2026, whatever later years a newer chinese-days brings
    let calendar = createCalendar([], { packagedThrough: 2026 });
    const h = await makeHarness({ start: '2026-12-20T10:00:00+08:00', calendar: () => calendar });
    try {
      const { record } = await h.intake();
      const r1 = await h.engine.dispatch(record.id, { type: 'ACCEPT', data: acceptData() }, h.actor('med.c1'));
      const mediation = r1.deadlines.find((d) => d.kind === 'mediation')!;
      // one month from 2026-12-20 → 2027-01-20, a Wednesday; 2027 is not in the calendar
      expect(mediation.dueAt).to.equal('2027-01-20T23:59:59.999+08:00');
      expect(mediation.provisional).to.equal(true);
      // the (made-up, for the test) 2027 notice makes 2027-01-20 a holiday
      calendar = calendar.withYear({ year: 2027, holidays: ['2027-01-01', '2027-01-20'], workdays: [] });
      expect(await h.engine.recalculateProvisional()).to.equal(1);
      const r2 = (await h.store.cases.get(record.id))!;
      const after = r2.deadlines.find((d) => d.kind === 'mediation')!;
      expect(after.dueAt).to.equal('2027-01-21T23:59:59.999+08:00');
      expect(after.provisional).to.equal(false);
      const history = await h.engine.history(record.id);
      expect(history.at(-1)!.type).to.equal('DEADLINES_RECALCULATED');
      const pending = (await h.store.timers.forCase(record.id)).filter((t) => t.state === 'pending' && t.kind === 'mediation');
      expect(pending.every((t) => t.deadlineDueAt === after.dueAt)).to.equal(true);
      expect(pending).to.have.length(4);
    } finally {
      await h.close();
    }
  });
});
