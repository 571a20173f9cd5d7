import { expect } from 'chai';
import { availableEvents, migrationReport, phaseOf } from '../../workflows/registry.ts';
import { admin, CaseDriver, court, expert, intake, med, system } from '../support/workflow.ts';
import { USER_EVENT_TYPES, type EventType } from '../../workflows/vocabulary.ts';

/** the driver (test/support/workflow.ts), on workflow 2026.2: these tests describe that version,
 * which keeps running for the cases started on it; 2026.3 has its own (legal-paths.test.ts) */
class Case extends CaseDriver {
  constructor(input = intake(), version = '2026.2') {
    super(input, version);
  }
}

const agreed = () =>
  new Case()
    .send('ACCEPT')
    .send('REACH_AGREEMENT', { terms: ['修复漏水', { text: '赔偿2000元', obligor: 'p2', performBy: '2026-12-05' }], performBy: '2026-12-10' });
const signed = () => agreed().send('SIGN_AGREEMENT', { signedBy: ['p1', '示范物业公司'] });

describe('the case workflow', () => {
  describe('registration and triage', () => {
    it('starts registered at the routed tier, held by that tier’s body, with an acceptance deadline and an inbox notice', () => {
      const c = new Case();
      expect(c.status).to.equal('registered');
      expect(c.ctx.bodyId).to.equal('b-room');
      expect(c.commands).to.deep.include({ type: 'deadline.arm', kind: 'acceptance', from: '2026-11-23T09:00:00+08:00' });
      expect(c.commands.some((x) => x.type === 'notify.inbox' && x.bodyId === 'b-room')).to.equal(true);
    });
    it('arms the court’s own deadline for a court-delegated case', () => {
      const c = new Case(intake({ tier: 'district', delegation: { courtRef: '(2026)沪0101民诉前1号', dueAt: '2026-12-20', mode: 'delegated' } }));
      expect(c.ctx.bodyId).to.equal('b-committee');
      expect(c.commands).to.deep.include({ type: 'deadline.arm', kind: 'delegation', from: '2026-11-23T09:00:00+08:00', dueAt: '2026-12-20' });
    });
    it('lets a mediator of the holding body accept, moving to in_mediation and arming the mediation month', () => {
      const c = new Case().send('ACCEPT');
      expect(c.status).to.equal('in_mediation');
      expect(c.commands).to.deep.include({ type: 'deadline.cancel', kind: 'acceptance' });
      expect(c.commands).to.deep.include({ type: 'deadline.arm', kind: 'mediation', from: '2026-11-24T10:00:00+08:00' });
    });
    it('refuses ACCEPT from a mediator of another community, the court, an expert, an admin', () => {
      const c = new Case();
      for (const a of [med('b-other'), med('b-centre'), court, expert, admin]) expect(c.refuses('ACCEPT', {}, a)).to.equal('refused');
    });
    it('declines with a reason (不予受理) and can then be filed away as closed, outcome declined', () => {
      const c = new Case().send('DECLINE', { reason: '已进入诉讼程序' });
      expect(c.status).to.equal('declined');
      expect(c.ctx.outcome).to.equal('declined');
      expect(c.ctx.lastReason).to.equal('已进入诉讼程序');
      c.send('CLOSE');
      expect(c.status).to.equal('closed');
      expect(c.ctx.outcome).to.equal('declined');
    });
    it('refuses mediation events before acceptance', () => {
      const c = new Case();
      for (const t of ['REACH_AGREEMENT', 'SIGN_AGREEMENT', 'ESCALATE', 'REFER_TO_COURT', 'RECORD_SESSION', 'CLOSE'] as EventType[]) {
        expect(c.refuses(t)).to.equal('state');
      }
    });
  });

  describe('assignment and recusal (回避)', () => {
    it('assigns mediators of the holding body', () => {
      const c = new Case().send('ACCEPT').send('ASSIGN', { mediatorIds: ['m1', 'm2'] }, med(), { mediatorsValid: true, conflicts: [] });
      expect(c.ctx.assignees).to.deep.equal(['m1', 'm2']);
      expect(phaseOf(c.snapshot)).to.equal('investigating');
    });
    it('refuses a mediator with a conflict of interest unless overridden with a reason', () => {
      const c = new Case().send('ACCEPT');
      const facts = { mediatorsValid: true, conflicts: [{ mediatorId: 'm2', reason: '调解员居住在本小区' }] };
      expect(c.refuses('ASSIGN', { mediatorIds: ['m2'] }, med(), facts)).to.equal('condition');
      expect(c.refuses('ASSIGN', { mediatorIds: ['m2'], overrides: [{ mediatorId: 'm2', reason: ' ' }] }, med(), facts)).to.equal('condition');
      c.send('ASSIGN', { mediatorIds: ['m2'], overrides: [{ mediatorId: 'm2', reason: '当事人书面同意' }] }, med(), facts);
      expect(c.ctx.assignees).to.deep.equal(['m2']);
      expect(c.ctx.conflictOverrides[0]).to.include({ mediatorId: 'm2', override: '当事人书面同意' });
    });
    it('refuses assigning someone who is not a mediator of the body', () => {
      const c = new Case().send('ACCEPT');
      expect(c.refuses('ASSIGN', { mediatorIds: ['x'] }, med(), { mediatorsValid: false, conflicts: [] })).to.equal('condition');
    });
    it('removes a mediator at once when a party asks for recusal', () => {
      const c = new Case().send('ACCEPT').send('ASSIGN', { mediatorIds: ['m1', 'm2'] }, med(), { mediatorsValid: true });
      c.send('REQUEST_RECUSAL', { mediatorId: 'm2', reason: '与被申请人相识' });
      expect(c.ctx.assignees).to.deep.equal(['m1']);
      expect(c.ctx.recusals[0]).to.include({ mediatorId: 'm2' });
      expect(c.refuses('REQUEST_RECUSAL', { mediatorId: 'm9', reason: 'x' })).to.equal('condition');
    });
  });

  describe('experts, sessions and extensions', () => {
    it('lets only the invited expert add an opinion', () => {
      const c = new Case().send('ACCEPT');
      expect(c.refuses('ADD_OPINION', { text: '意见' }, expert)).to.equal('refused');
      c.send('INVITE_EXPERT', { expertId: 'ex' }, med(), { expertExists: true });
      c.send('ADD_OPINION', { text: '建议按维修资金管理办法处理' }, expert);
      expect(c.lists.opinions[0]).to.include({ expertId: 'ex' });
      expect(c.refuses('INVITE_EXPERT', { expertId: 'zz' }, med(), { expertExists: false })).to.equal('condition');
    });
    it('schedules and records sessions, with the phase following', () => {
      const c = new Case().send('ACCEPT').send('SCHEDULE_SESSION', { at: '2026-11-28T14:00:00+08:00', place: '居委会调解室' });
      expect(phaseOf(c.snapshot)).to.equal('session_scheduled');
      c.send('RECORD_SESSION', { summary: '双方同意现场查看' });
      expect(c.lists.sessions[0]).to.include({ no: 1, summary: '双方同意现场查看' });
      expect(phaseOf(c.snapshot)).to.equal('in_session');
    });
    it('records a session without an earlier schedule (offices work that way)', () => {
      const c = new Case().send('ACCEPT').send('RECORD_SESSION', { summary: '当场调解' });
      expect(c.lists.sessions).to.have.length(1);
    });
    it('extends the mediation deadline with consent', () => {
      const c = new Case().send('ACCEPT').send('EXTEND_DEADLINE', { days: 15, reason: '双方同意延期' });
      expect(c.commands).to.deep.equal([{ type: 'deadline.extend', kind: 'mediation', days: 15 }]);
      expect(c.ctx.extensions[0]).to.include({ days: 15, kind: 'mediation' });
    });
    it('refuses to extend a deadline the engine finds not running, as a condition, and records nothing', () => {
      const c = new Case().send('ACCEPT');
      const none = { extension: { kind: 'delegation' as const, running: false } };
      expect(c.refuses('EXTEND_DEADLINE', { days: 5, reason: '同意', kind: 'delegation' }, med(), none)).to.equal('condition');
      expect(c.refuses('EXTEND_DEADLINE', { days: 5, reason: '同意', kind: 'delegation' }, med('b-other'), none)).to.equal('refused');
      expect(c.ctx.extensions).to.deep.equal([]);
      c.send('EXTEND_DEADLINE', { days: 5, reason: '同意' }, med(), { extension: { kind: 'mediation', running: true } });
      expect(c.ctx.extensions).to.have.length(1);
    });
  });

  describe('agreement, signature and effect', () => {
    it('drafts numbered clauses, each with its performance date', () => {
      const c = agreed();
      expect(c.status).to.equal('agreement_pending');
      expect(c.ctx.agreement!.clauses.map((x) => [x.no, x.performBy])).to.deep.equal([
        [1, '2026-12-10'],
        [2, '2026-12-05'],
      ]);
    });
    it('takes effect only when every party signs; then arms the 30-day confirmation window and the follow-ups', () => {
      const c = agreed();
      expect(c.refuses('SIGN_AGREEMENT', { signedBy: ['张三'] })).to.equal('condition');
      c.send('SIGN_AGREEMENT', { signedBy: ['p1', '示范物业公司'] });
      expect(c.status).to.equal('performing');
      expect(c.ctx.agreement!.effectiveAt).to.equal('2026-11-24T10:00:00+08:00');
      expect(c.commands).to.deep.include({ type: 'deadline.arm', kind: 'confirmation', from: '2026-11-24T10:00:00+08:00' });
      // issue 13 §3: a visit after each distinct clause date (5 and 10 December), none recorded yet
      expect(c.commands).to.deep.include({ type: 'followUp.schedule', performBy: '2026-12-10', dueDates: ['2026-12-05', '2026-12-10'], done: 0 });
    });
    it('accepts a group’s representative signing for the group', () => {
      const c = new Case(
        intake({ parties: [{ id: 'p1', role: 'applicant', kind: 'group', name: '3号楼业主', representative: '王五', households: 12 }, { id: 'p2', role: 'respondent', kind: 'organisation', name: '示范物业' }] }),
      )
        .send('ACCEPT')
        .send('REACH_AGREEMENT', { terms: ['整改'], performBy: '2026-12-10' })
        .send('SIGN_AGREEMENT', { signedBy: ['王五', 'p2'] });
      expect(c.status).to.equal('performing');
    });
    it('goes back to mediation when the parties will not sign', () => {
      const c = agreed().send('MEDIATION_FAILED', { reason: '被申请人拒签' });
      expect(c.status).to.equal('in_mediation');
      expect(phaseOf(c.snapshot)).to.equal('mediation_failed');
    });
  });

  describe('judicial confirmation (司法确认)', () => {
    it('goes to the court and back to performing with the ruling', () => {
      const c = signed().send('REQUEST_CONFIRMATION');
      expect(c.status).to.equal('confirmation_pending');
      expect(c.commands.some((x) => x.type === 'notify.inbox' && x.audience === 'court')).to.equal(true);
      expect(c.refuses('CONFIRMATION_RESULT', { confirmed: true }, med())).to.equal('refused');
      c.send('CONFIRMATION_RESULT', { confirmed: true, ruling: '(2026)沪0101民特1号' }, court);
      expect(c.status).to.equal('performing');
      expect(c.ctx.confirmation).to.include({ confirmed: true });
      expect(c.refuses('REQUEST_CONFIRMATION')).to.equal('condition');
    });
    it('is refused up front for an agreement that decides ownership (物权确权), with no window armed', () => {
      const c = new Case()
        .send('ACCEPT')
        .send('REACH_AGREEMENT', { terms: ['车位归申请人所有'], performBy: '2026-12-10', decidesOwnership: true })
        .send('SIGN_AGREEMENT', { signedBy: ['p1', 'p2'] });
      expect(c.commands.some((x) => x.type === 'deadline.arm' && x.kind === 'confirmation')).to.equal(false);
      expect(c.refuses('REQUEST_CONFIRMATION')).to.equal('condition');
    });
    it('is refused once the 30-day window has expired', () => {
      const c = signed().send('DEADLINE_EXPIRED', { kind: 'confirmation' }, system);
      expect(c.refuses('REQUEST_CONFIRMATION')).to.equal('condition');
    });
  });

  describe('performance, follow-up and closing', () => {
    it('records follow-ups clause by clause and closes resolved after one visit', () => {
      const c = signed();
      expect(c.refuses('CLOSE')).to.equal('condition');
      c.send('RECORD_FOLLOW_UP', { performance: 'partial', satisfaction: 3, note: '第二条未履行', clauses: [{ clause: 1, performance: 'full' }, { clause: 2, performance: 'none' }] });
      expect(c.ctx.agreement!.clauses.map((x) => x.performance)).to.deep.equal(['full', 'none']);
      c.send('CLOSE');
      expect(c.status).to.equal('closed');
      expect(c.ctx.outcome).to.equal('resolved');
    });
    it('reopens on non-performance found at a visit, but not after full performance', () => {
      const full = signed().send('RECORD_FOLLOW_UP', { performance: 'full', satisfaction: 5, note: '' });
      expect(full.refuses('REOPEN', { reason: 'x' })).to.equal('condition');
      const c = signed().send('RECORD_FOLLOW_UP', { performance: 'none', satisfaction: 1, note: '未履行' }).send('REOPEN', { reason: '未履行' });
      expect(c.status).to.equal('in_mediation');
      expect(c.ctx.reopenCount).to.equal(1);
    });
    it('reopens a closed case (recurrence) and arms a new mediation deadline', () => {
      const c = signed().send('RECORD_FOLLOW_UP', { performance: 'full', satisfaction: 5, note: '' }).send('CLOSE').send('REOPEN', { reason: '再次漏水' });
      expect(c.status).to.equal('in_mediation');
      expect(c.ctx.outcome).to.equal(null);
      expect(c.commands.some((x) => x.type === 'deadline.arm' && x.kind === 'mediation')).to.equal(true);
    });
  });

  describe('escalation, referral, termination, withdrawal', () => {
    it('escalates one tier at a time, re-registering at the next body', () => {
      const c = new Case().send('ACCEPT').send('ESCALATE', { reason: '涉及多户' });
      expect(c.status).to.equal('registered');
      expect(c.ctx.tier).to.equal('subdistrict');
      expect(c.ctx.bodyId).to.equal('b-centre');
      expect(c.refuses('ACCEPT', {}, med('b-room'))).to.equal('refused');
      c.send('ACCEPT', {}, med('b-centre')).send('ESCALATE', { reason: '重大' }, med('b-centre'));
      expect(c.ctx.tier).to.equal('district');
      c.send('ACCEPT', {}, med('b-committee'));
      expect(c.refuses('ESCALATE', { reason: 'x' }, med('b-committee'))).to.equal('condition');
    });
    it('refers to court; the liaison accepts with a case number, closing it as referred', () => {
      const c = new Case().send('ACCEPT').send('REFER_TO_COURT', { reason: '调解不成' });
      expect(c.status).to.equal('referred_to_court');
      expect(c.refuses('COURT_ACCEPT', { courtCaseNo: 'x' }, med())).to.equal('refused');
      c.send('COURT_ACCEPT', { courtCaseNo: '(2026)沪0101民初123号' }, court);
      expect(c.status).to.equal('closed');
      expect(c.ctx.outcome).to.equal('referred');
      expect(c.ctx.referral!.courtCaseNo).to.equal('(2026)沪0101民初123号');
    });
    it('returns from court to the tier that referred it', () => {
      const c = new Case().send('ACCEPT').send('ESCALATE', { reason: 'x' }).send('ACCEPT', {}, med('b-centre'));
      c.send('REFER_TO_COURT', { reason: 'x' }, med('b-centre')).send('COURT_RETURN', { reason: '材料不全' }, court);
      expect(c.status).to.equal('registered');
      expect(c.ctx.tier).to.equal('subdistrict');
      expect(c.ctx.bodyId).to.equal('b-centre');
    });
    it('sends a failed court-delegated case back to the court', () => {
      const c = new Case(intake({ tier: 'district', delegation: { courtRef: 'r', dueAt: '2026-12-20', mode: 'delegated' } })).send('ACCEPT', {}, med('b-committee'));
      expect(c.refuses('ESCALATE', { reason: 'x' }, med('b-committee'))).to.equal('condition');
      c.send('MEDIATION_FAILED', { reason: '分歧过大' }, med('b-committee'));
      expect(c.status).to.equal('referred_to_court');
    });
    it('terminates with advice of other remedies, and lets the applicant withdraw', () => {
      expect(new Case().send('ACCEPT').send('TERMINATE', { reason: '一方拒绝调解' }).ctx.outcome).to.equal('unresolved');
      expect(new Case().send('WITHDRAW', { reason: '自行和解' }).ctx.outcome).to.equal('withdrawn');
      expect(agreed().send('WITHDRAW', { reason: '自行和解' }).status).to.equal('closed');
    });
  });

  describe('deadlines', () => {
    it('accepts warnings and expiry only from the engine, in any state, without changing the status', () => {
      const c = new Case().send('ACCEPT');
      expect(c.refuses('DEADLINE_WARNING', { kind: 'mediation', level: 'yellow' }, med())).to.equal('refused');
      c.send('DEADLINE_WARNING', { kind: 'mediation', level: 'yellow' }, system);
      expect(c.status).to.equal('in_mediation');
      expect(c.ctx.warnings.mediation).to.equal('yellow');
      c.send('DEADLINE_EXPIRED', { kind: 'mediation' }, system);
      expect(c.ctx.warnings.mediation).to.equal('red');
    });
    it('clears a warning when its deadline is cancelled', () => {
      const c = new Case().send('DEADLINE_WARNING', { kind: 'acceptance', level: 'blue' }, system).send('ACCEPT');
      expect(c.ctx.warnings.acceptance).to.equal(undefined);
    });
  });

  describe('available events', () => {
    it('are derived from the machine for each actor', () => {
      const c = new Case();
      expect(availableEvents(c.version, c.snapshot, med(), 'now')).to.deep.equal(['ACCEPT', 'DECLINE', 'INVITE_EXPERT', 'WITHDRAW']);
      expect(availableEvents(c.version, c.snapshot, med('b-other'), 'now')).to.deep.equal([]);
      const p = signed().send('REQUEST_CONFIRMATION');
      expect(availableEvents(p.version, p.snapshot, court, 'now')).to.deep.equal(['CONFIRMATION_RESULT']);
    });
    it('agree with decide() for every user event type in every reachable state', () => {
      const states = [new Case(), new Case().send('ACCEPT'), agreed(), signed(), signed().send('REQUEST_CONFIRMATION'), new Case().send('ACCEPT').send('REFER_TO_COURT', { reason: 'x' })];
      for (const c of states) {
        const avail = availableEvents(c.version, c.snapshot, med(), 'now');
        for (const t of USER_EVENT_TYPES) {
          const r = c.try(t, {}, med());
          if (avail.includes(t)) expect(r.ok || (!r.ok && r.why === 'condition'), `${t} in ${c.status}`).to.equal(true);
          else expect(r.ok, `${t} in ${c.status}`).to.equal(false);
        }
      }
    });
  });

  describe('versions', () => {
    it('keeps a case started on 2026.1 running on 2026.1 (investigation stage) after 2026.2 ships', () => {
      const old = new Case(intake(), '2026.1').send('ACCEPT');
      expect(old.snapshot.value).to.equal('investigating');
      expect(old.status).to.equal('in_mediation');
      old.send('SCHEDULE_SESSION', { at: '2026-11-30T09:00:00+08:00', place: '调解室' });
      expect(old.snapshot.value).to.equal('mediating');
      const current = new Case().send('ACCEPT');
      expect(current.snapshot.value).to.equal('mediating');
    });
    it('reports which running cases could move to a new version before anything changes', () => {
      const inInvestigation = new Case(intake({ caseId: 'a', caseNo: 'A' }), '2026.1').send('ACCEPT');
      const inSessions = new Case(intake({ caseId: 'b', caseNo: 'B' }), '2026.1').send('ACCEPT').send('SCHEDULE_SESSION', { at: 'x', place: 'y' });
      const report = migrationReport(
        [
          { id: 'a', caseNo: 'A', workflowVersion: '2026.1', snapshot: inInvestigation.snapshot },
          { id: 'b', caseNo: 'B', workflowVersion: '2026.1', snapshot: inSessions.snapshot },
        ],
        '2026.1',
        '2026.2',
      );
      expect(report.movable.map((m) => m.caseId)).to.deep.equal(['b']);
      expect(report.blocked.map((m) => m.caseId)).to.deep.equal(['a']);
      expect(report.blocked[0].reason).to.contain('investigating');
    });
  });
});
