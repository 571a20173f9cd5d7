// Workflow 2026.3 (issue 12; names from API.md "Additions with workflow 2026.3"): the paths the law
// and the court's rules require. Each test names the rule it checks.
import { expect } from 'chai';
import type { Command, IntakeInput } from '../../workflows/case.types.ts';
import { availableEvents, cautionsOf, CURRENT_VERSION, decide, migrationReport, phaseOf } from '../../workflows/registry.ts';
import { CaseDriver, court, intake, med } from '../support/workflow.ts';
import { createCalendar } from '../../workflows/calendar/calendar.ts';
import { confirmationReminders } from '../../workflows/deadlines.ts';

const V = '2026.3';
const committee = med('b-committee', 'm7');
const CONSENTS = { consents: [{ partyId: 'p1', how: 'written' }, { partyId: 'p2', how: 'oral' }], rightsNotified: true };
const COMPLETE = { facts: '楼上漏水致楼下天花板受损', disputes: '维修责任与赔偿数额', responsibilities: '物业公司负维修责任' };
const TERMS = { terms: ['修复漏水'], performBy: '2026-12-10', ...COMPLETE };
const delegation = (mode: 'delegated' | 'entrusted', procedure?: 'ordinary' | 'summary'): Partial<IntakeInput> => ({
  tier: 'district',
  delegation: { courtRef: '(2026)沪0101民诉前1号', dueAt: '', mode, ...(procedure ? { procedure } : {}) },
});

class Case extends CaseDriver {
  constructor(input = intake(), version = V) {
    super(input, version);
  }
}
const accepted = (over: Partial<IntakeInput> = {}, by = med()) => new Case(intake(over)).send('ACCEPT', CONSENTS, by);
const toCourt = (c: Command[]) => c.filter((x) => x.type === 'notify.inbox' && x.audience === 'court');

describe('workflow 2026.3', () => {
  it('is the version new cases start on; 2026.2 keeps its behaviour for the cases started on it', () => {
    expect(CURRENT_VERSION).to.equal('2026.3');
    const old = new CaseDriver(intake(), '2026.2').send('ACCEPT');
    expect(old.status).to.equal('in_mediation');
    expect(old.ctx.assignees).to.deep.equal([]);
  });

  describe('court-delegated (委派) and entrusted (委托) cases', () => {
    for (const [type, data, before] of [
      ['TERMINATE', { reason: '一方拒绝继续调解' }, 'in_mediation'],
      ['WITHDRAW', { reason: '申请人撤回' }, 'in_mediation'],
      ['MEDIATION_FAILED', { reason: '分歧过大' }, 'in_mediation'],
      ['DECLINE', { ground: 'party_refuses', reason: '被申请人拒绝调解' }, 'registered'],
    ] as const) {
      for (const mode of ['delegated', 'entrusted'] as const) {
        it(`特邀调解规定 (2016): a ${mode} case ended by ${type} goes back to the court (referred_to_court, court's inbox, with the reason)`, () => {
          const c = before === 'registered' ? new Case(intake(delegation(mode))) : accepted(delegation(mode), committee);
          c.send(type, data, committee);
          expect(c.status).to.equal('referred_to_court');
          expect(c.ctx.referral).to.include({ reason: data.reason, fromTier: 'district' });
          expect(toCourt(c.commands)).to.deep.equal([{ type: 'notify.inbox', audience: 'court', bodyId: 'b-court', reason: type }]);
          expect(c.ctx.outcome, 'open until the court records it').to.equal(null);
          c.send('COURT_ACCEPT', { courtCaseNo: '(2026)沪0101民初9号' }, court);
          expect(c.status).to.equal('closed');
          expect(c.ctx.outcome).to.equal('referred');
        });
      }
    }
    it('a case that is not delegated still closes locally on TERMINATE (人民调解法 art. 26)', () => {
      const c = accepted().send('TERMINATE', { reason: '拒绝' });
      expect(c.status).to.equal('closed');
      expect(c.ctx.outcome).to.equal('unresolved');
    });
    it('特邀调解规定 (2016) 无争议事实记载: facts not in dispute travel back to the court, only with every party’s consent', () => {
      const c = accepted(delegation('delegated'), committee);
      expect(c.refuses('MEDIATION_FAILED', { reason: '分歧', undisputedFacts: '漏水属实', consentOf: ['p1'] }, committee)).to.equal('condition');
      const r = c.try('MEDIATION_FAILED', { reason: '分歧', undisputedFacts: '漏水属实', consentOf: ['p1'] }, committee);
      expect(!r.ok && r.code).to.equal('CONSENT_REQUIRED');
      c.send('MEDIATION_FAILED', { reason: '分歧', undisputedFacts: '漏水属实', consentOf: ['p1', 'p2'] }, committee);
      expect(c.status).to.equal('referred_to_court');
      expect(c.ctx.undisputedFacts).to.deep.equal({ text: '漏水属实', consentOf: ['p1', 'p2'], at: '2026-11-24T10:00:00+08:00' });
    });
    it('委托调解 (特邀调解规定 2016): SIGN_AGREEMENT submits the agreement to the court (submitted_to_court); COURT_SETTLEMENT closes it resolved; never 司法确认 (民诉法 art. 205 is for 委派 and non-court cases)', () => {
      const c = accepted(delegation('entrusted'), committee).send('REACH_AGREEMENT', TERMS, committee).send('SIGN_AGREEMENT', { signedBy: ['p1', 'p2'] }, committee);
      expect(c.status).to.equal('submitted_to_court');
      expect(phaseOf(c.snapshot)).to.equal('submitted_to_court');
      expect(toCourt(c.commands)).to.have.length(1);
      expect(c.commands.some((x) => x.type === 'deadline.arm' && x.kind === 'confirmation')).to.equal(false);
      expect(c.refuses('REQUEST_CONFIRMATION', {}, committee)).to.equal('state');
      expect(c.refuses('COURT_SETTLEMENT', { result: 'withdrawal' }, committee)).to.equal('refused');
      c.send('COURT_SETTLEMENT', { result: 'mediation_statement' }, court);
      expect(c.status).to.equal('closed');
      expect(c.ctx.outcome).to.equal('resolved');
      expect(c.ctx.courtSettlement).to.include({ result: 'mediation_statement' });
    });
    it('委派调解 keeps 司法确认 before the inviting court (民诉法 art. 205(一))', () => {
      const c = accepted(delegation('delegated'), committee).send('REACH_AGREEMENT', TERMS, committee).send('SIGN_AGREEMENT', { signedBy: ['p1', 'p2'] }, committee);
      expect(c.status).to.equal('performing');
      c.send('REQUEST_CONFIRMATION', {}, committee);
      expect(c.status).to.equal('confirmation_pending');
    });
    it('特邀调解规定 (2016): the court’s deadline is armed again when a returned case is accepted again', () => {
      const c = accepted(delegation('entrusted', 'summary'), committee).send('TERMINATE', { reason: '拒绝' }, committee);
      expect(c.commands).to.deep.include({ type: 'deadline.cancel', kind: 'all' });
      c.send('COURT_RETURN', { reason: '请继续调解' }, court);
      expect(c.status).to.equal('registered');
      c.send('ACCEPT', CONSENTS, committee);
      expect(c.commands).to.deep.include({ type: 'deadline.arm', kind: 'delegation', from: '2026-11-24T10:00:00+08:00' });
      expect(c.commands.some((x) => x.type === 'deadline.arm' && x.kind === 'mediation')).to.equal(false);
    });
    it('特邀调解规定 (2016): extending the court’s deadline needs every party’s consent and tells the court', () => {
      const c = accepted(delegation('delegated'), committee);
      const facts = { extension: { kind: 'delegation' as const, running: true, maxDays: 30 } };
      expect(c.refuses('EXTEND_DEADLINE', { days: 10, reason: '同意', consentOf: ['p1'] }, committee, facts)).to.equal('condition');
      c.send('EXTEND_DEADLINE', { days: 10, reason: '同意', consentOf: ['p1', 'p2'] }, committee, facts);
      expect(c.commands).to.deep.include({ type: 'deadline.extend', kind: 'delegation', days: 10 });
      expect(toCourt(c.commands)).to.deep.equal([{ type: 'notify.inbox', audience: 'court', bodyId: 'b-court', reason: 'EXTEND_DEADLINE' }]);
      expect(c.ctx.extensions[0]).to.include({ kind: 'delegation', days: 10, tier: 'district' });
      expect(c.ctx.extensions[0].consentOf).to.deep.equal(['p1', 'p2']);
    });
  });

  describe('voluntariness and the parties’ rights', () => {
    it('人民调解法 arts. 3, 17; 若干规定 art. 30: ACCEPT records every party’s consent and the rights notice; the accepting mediator presides', () => {
      const c = accepted();
      expect(c.status).to.equal('in_mediation');
      expect(c.ctx.consents).to.deep.equal([
        { partyId: 'p1', how: 'written', at: '2026-11-24T10:00:00+08:00' },
        { partyId: 'p2', how: 'oral', at: '2026-11-24T10:00:00+08:00' },
      ]);
      expect(c.ctx.rightsNotifiedAt).to.equal('2026-11-24T10:00:00+08:00');
      expect(c.ctx.assignees).to.deep.equal(['m1']);
    });
    it('人民调解法 art. 17 (一方明确拒绝调解的，不得调解): a missing consent or rights notice → CONSENT_REQUIRED', () => {
      const c = new Case();
      for (const data of [{}, { ...CONSENTS, consents: [{ partyId: 'p1', how: 'written' }] }, { consents: CONSENTS.consents }]) {
        const r = c.try('ACCEPT', data);
        expect(r.ok).to.equal(false);
        expect(!r.ok && r.why === 'condition' && r.code).to.equal('CONSENT_REQUIRED');
      }
      expect(c.status).to.equal('registered');
    });
    it('人民调解法 art. 19: ACCEPT may name the mediators (the first presides), who must be mediators of the body', () => {
      const c = new Case().send('ACCEPT', { ...CONSENTS, mediatorIds: ['m2', 'm3'] }, med(), { mediatorsValid: true });
      expect(c.ctx.assignees).to.deep.equal(['m2', 'm3']);
      expect(new Case().refuses('ACCEPT', { ...CONSENTS, mediatorIds: ['x'] }, med(), { mediatorsValid: false })).to.equal('condition');
    });
    it('若干规定 art. 22: DECLINE takes a ground from the fixed list', () => {
      expect(new Case().refuses('DECLINE', { reason: '已起诉' })).to.equal('condition');
      expect(new Case().refuses('DECLINE', { ground: 'whatever', reason: '已起诉' })).to.equal('condition');
      const c = new Case().send('DECLINE', { ground: 'before_court', reason: '已起诉' });
      expect(c.status).to.equal('declined');
      expect(c.ctx.declineGround).to.equal('before_court');
    });
    it('人民调解法 art. 23: a party may stop the mediation; WITHDRAW by that party is recorded as theirs', () => {
      const c = accepted().send('WITHDRAW', { reason: '不愿继续', byPartyId: 'p2' });
      expect(c.status).to.equal('closed');
      expect(c.ctx.outcome).to.equal('withdrawn');
      expect(c.ctx.withdrawnBy).to.equal('p2');
      expect(accepted().refuses('WITHDRAW', { reason: 'x', byPartyId: 'p9' })).to.equal('condition');
    });
  });

  it('人民调解法 art. 27: a session records who attended, the mediators (default: those assigned) and the recorder', () => {
    const c = accepted().send('SCHEDULE_SESSION', { at: '2026-11-25T14:00:00+08:00', place: '调解室' });
    c.send('RECORD_SESSION', { summary: '双方陈述', attendees: [{ partyId: 'p1', name: '张三' }, { partyId: 'p2', name: '物业经理王某' }], recorder: '李书记员' });
    expect(c.lists.sessions[0]).to.deep.include({ mediatorIds: ['m1'], recorder: '李书记员' });
    expect(c.lists.sessions[0].attendees).to.deep.equal([{ partyId: 'p1', name: '张三' }, { partyId: 'p2', name: '物业经理王某' }]);
    const old = new CaseDriver(intake(), '2026.2').send('ACCEPT').send('RECORD_SESSION', { summary: 'x', recorder: 'y' });
    expect(old.lists.sessions[0], '2026.2 unchanged').not.to.have.property('recorder');
  });

  describe('transfer, risk and reopening', () => {
    it('上报/移交: TRANSFER moves an unaccepted case to a higher tier’s body; status stays registered', () => {
      const c = new Case().send('TRANSFER', { toTier: 'subdistrict', reason: '涉及多个小区' });
      expect(c.status).to.equal('registered');
      expect(c.ctx.tier).to.equal('subdistrict');
      expect(c.ctx.bodyId).to.equal('b-centre');
      expect(c.commands).to.deep.include({ type: 'notify.inbox', audience: 'body', bodyId: 'b-centre', reason: 'TRANSFER' });
      expect(c.commands.some((x) => x.type === 'deadline.arm' && x.kind === 'acceptance')).to.equal(true);
      expect(c.refuses('TRANSFER', { toTier: 'subdistrict', reason: 'x' }, med('b-centre'))).to.equal('condition');
      expect(accepted().refuses('TRANSFER', { toTier: 'district', reason: 'x' })).to.equal('state');
    });
    it('人民调解法 art. 25: FLAG_RISK records the risk and whom it was reported to; an unaccepted case that becomes major moves to the district', () => {
      const c = new Case().send('FLAG_RISK', { level: 'high', reason: '扬言堵门', reportedTo: '派出所' });
      expect(c.status).to.equal('registered');
      expect(c.ctx.tier).to.equal('district');
      expect(c.ctx.bodyId).to.equal('b-committee');
      expect(c.ctx.flags).to.include({ major: true, escalationRisk: true });
      expect(c.ctx.risks?.[0]).to.include({ level: 'high', reportedTo: '派出所' });
      const inMediation = accepted().send('FLAG_RISK', { level: 'elevated', reason: '情绪激动' });
      expect(inMediation.ctx.tier, 'an accepted case stays with its body').to.equal('community');
      expect(inMediation.ctx.flags.major).to.equal(true);
    });
    for (const [label, end] of [
      ['declined', (c: Case) => c.send('DECLINE', { ground: 'not_civil', reason: 'x' })],
      ['withdrawn', (c: Case) => c.send('ACCEPT', CONSENTS).send('WITHDRAW', { reason: 'x' })],
      ['terminated', (c: Case) => c.send('ACCEPT', CONSENTS).send('TERMINATE', { reason: 'x' })],
    ] as const) {
      it(`人民调解法 arts. 3, 17: REOPEN of a ${label} case returns it to acceptance (registered), with new consent`, () => {
        const c = end(new Case()).send('REOPEN', { reason: '当事人再次申请' });
        expect(c.status).to.equal('registered');
        expect(c.ctx.outcome).to.equal(null);
        expect(c.commands.some((x) => x.type === 'deadline.arm' && x.kind === 'acceptance')).to.equal(true);
        expect(c.refuses('ACCEPT', {})).to.equal('condition');
      });
    }
    it('若干规定 art. 22(二): a case the court registered (COURT_ACCEPT) is never reopened', () => {
      const c = accepted().send('REFER_TO_COURT', { reason: '起诉' }).send('COURT_ACCEPT', { courtCaseNo: '(2026)沪0101民初1号' }, court);
      expect(c.refuses('REOPEN', { reason: 'x' })).to.equal('condition');
      const old = new CaseDriver(intake(), '2026.2').send('ACCEPT').send('REFER_TO_COURT', { reason: 'x' }).send('COURT_ACCEPT', { courtCaseNo: 'y' }, court);
      expect(old.send('REOPEN', { reason: 'x' }).status, '2026.2 unchanged').to.equal('in_mediation');
    });
  });

  describe('agreements and follow-through', () => {
    it('人民调解法 arts. 28, 30: an oral agreement takes effect at once (performing), and is never confirmed', () => {
      const c = accepted().send('REACH_AGREEMENT', { form: 'oral', terms: ['当日修复'], performBy: '2026-11-30' });
      expect(c.status).to.equal('performing');
      expect(c.ctx.agreement).to.include({ form: 'oral', effectiveAt: '2026-11-24T10:00:00+08:00' });
      expect(c.commands.some((x) => x.type === 'deadline.arm' && x.kind === 'confirmation')).to.equal(false);
      expect(c.refuses('REQUEST_CONFIRMATION')).to.equal('condition');
    });
    it('人民调解法 art. 29: signing a written agreement without facts, disputes and responsibilities → AGREEMENT_INCOMPLETE', () => {
      const c = accepted().send('REACH_AGREEMENT', { terms: ['修复'], performBy: '2026-12-10', facts: '漏水' });
      const r = c.try('SIGN_AGREEMENT', { signedBy: ['p1', 'p2'] });
      expect(!r.ok && r.code).to.equal('AGREEMENT_INCOMPLETE');
      c.send('REACH_AGREEMENT', TERMS).send('SIGN_AGREEMENT', { signedBy: ['p1', 'p2'] });
      expect(c.status).to.equal('performing');
    });
    const signed = () => accepted().send('REACH_AGREEMENT', TERMS).send('SIGN_AGREEMENT', { signedBy: ['p1', 'p2'] });
    it('民诉法 art. 206: after 司法确认 is refused the same agreement cannot be submitted again; a new one can', () => {
      const c = signed().send('REQUEST_CONFIRMATION').send('CONFIRMATION_RESULT', { confirmed: false, ruling: '驳回' }, court);
      expect(c.status).to.equal('performing');
      expect(phaseOf(c.snapshot)).to.equal('amend_new_agreement_or_sue');
      expect(c.refuses('REQUEST_CONFIRMATION')).to.equal('condition');
      c.send('REOPEN', { reason: '变更协议' }).send('REACH_AGREEMENT', TERMS).send('SIGN_AGREEMENT', { signedBy: ['p1', 'p2'] });
      c.send('REQUEST_CONFIRMATION');
      expect(c.status).to.equal('confirmation_pending');
    });
    it('人民调解法 art. 33 para. 2: a confirmed agreement not performed → advice to apply for enforcement', () => {
      const c = signed().send('REQUEST_CONFIRMATION').send('CONFIRMATION_RESULT', { confirmed: true }, court);
      c.send('RECORD_FOLLOW_UP', { performance: 'none', satisfaction: 1 });
      expect(c.ctx.nextStep).to.equal('apply_for_enforcement');
      expect(phaseOf(c.snapshot)).to.equal('apply_for_enforcement');
    });
    it('人民调解法 art. 32: an unconfirmed agreement not performed → urge performance, or sue on it', () => {
      const c = signed().send('RECORD_FOLLOW_UP', { performance: 'partial', satisfaction: 2 });
      expect(phaseOf(c.snapshot)).to.equal('urge_performance_or_sue');
      c.send('RECORD_FOLLOW_UP', { performance: 'full', satisfaction: 5 });
      expect(phaseOf(c.snapshot)).to.equal('followed_up');
    });
    it('若干规定 art. 33: an extension needs every party’s consent and stays under the cap for the tier', () => {
      const facts = { extension: { kind: 'mediation' as const, running: true, maxDays: 30 } };
      const c = accepted();
      const r = c.try('EXTEND_DEADLINE', { days: 10, reason: '同意' }, med(), facts);
      expect(!r.ok && r.code).to.equal('CONSENT_REQUIRED');
      c.send('EXTEND_DEADLINE', { days: 20, reason: '同意', consentOf: ['p1', 'p2'] }, med(), facts);
      expect(c.refuses('EXTEND_DEADLINE', { days: 11, reason: '再延', consentOf: ['p1', 'p2'] }, med(), facts)).to.equal('condition');
      c.send('EXTEND_DEADLINE', { days: 10, reason: '再延', consentOf: ['p1', 'p2'] }, med(), facts);
      expect(c.ctx.extensions.map((e) => e.days)).to.deep.equal([20, 10]);
    });
  });

  describe('the court’s handling times for 司法确认 (reminders in the liaison’s inbox)', () => {
    it('法释〔2011〕5号 arts. 4, 7: accept within 3 days; decide within 15 days of accepting, +10 with approval; a rest day moves the end on', () => {
      const r = confirmationReminders(createCalendar(), '2026-11-24T10:00:00+08:00');
      expect(r.acceptBy).to.equal('2026-11-27T23:59:59.999+08:00');
      expect(r.decideBy, '12 December is a Saturday').to.equal('2026-12-14T23:59:59.999+08:00');
      expect(r.decideByExtended).to.equal('2026-12-24T23:59:59.999+08:00');
      expect(r.sources.every((x) => x.includes('法释〔2011〕5号'))).to.equal(true);
    });
  });

  describe('migration from 2026.2', () => {
    it('the dry run says which running cases can move to 2026.3 and why the others cannot', () => {
      const entrusted = intake({ ...delegation('entrusted'), caseId: 'e', caseNo: 'E' });
      const run = (input: IntakeInput) => new CaseDriver(input, '2026.2');
      const plain = run(intake({ caseId: 'a', caseNo: 'A' })).send('ACCEPT');
      const signedEntrusted = run(entrusted).send('ACCEPT', {}, committee).send('REACH_AGREEMENT', TERMS, committee).send('SIGN_AGREEMENT', { signedBy: ['p1', 'p2'] }, committee);
      const report = migrationReport(
        [
          { id: 'a', caseNo: 'A', workflowVersion: '2026.2', snapshot: plain.snapshot },
          { id: 'e', caseNo: 'E', workflowVersion: '2026.2', snapshot: signedEntrusted.snapshot },
        ],
        '2026.2',
        '2026.3',
      );
      expect(report.movable.map((m) => m.caseId)).to.deep.equal(['a']);
      expect(report.blocked.map((m) => m.caseId)).to.deep.equal(['e']);
      expect(report.blocked[0].reason).to.contain('entrusted');
      // a moved case goes on under 2026.3's rules (its snapshot lacks the new fields: they are optional)
      const moved = decide('2026.3', plain.snapshot, { type: 'WITHDRAW', data: { reason: 'x', byPartyId: 'p1' }, actor: med(), at: '2026-11-25T10:00:00+08:00' });
      expect(moved.ok).to.equal(true);
    });
  });

  describe('mediators, recusal and invitations (issue 12 §4)', () => {
    const relative = { conflicts: [{ mediatorId: 'm2', reason: '调解员与当事人张三有亲属关系', kind: 'relative' as const }], mediatorsValid: true };
    const employee = { conflicts: [{ mediatorId: 'm2', reason: '调解员受雇于当事企业（示范物业公司）', kind: 'employer' as const }], mediatorsValid: true };
    const neighbour = { conflicts: [{ mediatorId: 'm2', reason: '调解员居住在本小区', kind: 'same_compound' as const }], mediatorsValid: true };
    it('人民调解法 arts. 19, 23: mediators named on ACCEPT are conflict-checked as ASSIGN’s are; an override needs a reason', () => {
      const named = { ...CONSENTS, mediatorIds: ['m2'] };
      expect(new Case().refuses('ACCEPT', named, med(), relative)).to.equal('condition');
      expect(new Case().refuses('ACCEPT', { ...named, overrides: [{ mediatorId: 'm2', reason: ' ' }] }, med(), relative)).to.equal('condition');
      const c = new Case().send('ACCEPT', { ...named, overrides: [{ mediatorId: 'm2', reason: '双方当事人均同意由其调解' }] }, med(), relative);
      expect(c.ctx.assignees).to.deep.equal(['m2']);
      expect(c.ctx.conflictOverrides).to.deep.equal([
        { mediatorId: 'm2', reason: '调解员与当事人张三有亲属关系', override: '双方当事人均同意由其调解', at: '2026-11-24T10:00:00+08:00' },
      ]);
    });
    it('issue 12 §4: kinship and employment by a party stay conflicts on ASSIGN', () => {
      for (const facts of [relative, employee]) {
        expect(accepted().refuses('ASSIGN', { mediatorIds: ['m2'] }, med(), facts)).to.equal('condition');
        expect(accepted().send('ASSIGN', { mediatorIds: ['m2'], overrides: [{ mediatorId: 'm2', reason: '当事人同意' }] }, med(), facts).ctx.assignees).to.deep.equal(['m1', 'm2']);
      }
    });
    it('issue 12 §4: living in the same compound is a warning shown on the case, not a conflict (2026.2 still refuses it)', () => {
      const c = accepted().send('ASSIGN', { mediatorIds: ['m2'] }, med(), neighbour);
      expect(c.ctx.assignees).to.deep.equal(['m1', 'm2']);
      expect(c.ctx.conflictOverrides).to.deep.equal([]);
      expect(c.ctx.localTies).to.deep.equal([{ mediatorId: 'm2', reason: '调解员居住在本小区', at: '2026-11-24T10:00:00+08:00' }]);
      expect(cautionsOf(V, c.snapshot).map((x) => [x.code, x.mediatorId])).to.deep.equal([['local_tie', 'm2']]);
      const onAccept = new Case().send('ACCEPT', { ...CONSENTS, mediatorIds: ['m2'] }, med(), neighbour);
      expect(cautionsOf(V, onAccept.snapshot).map((x) => x.code)).to.deep.equal(['local_tie']);
      const old = new CaseDriver(intake(), '2026.2').send('ACCEPT');
      expect(old.refuses('ASSIGN', { mediatorIds: ['m2'] }, med(), neighbour)).to.equal('condition');
      expect(cautionsOf('2026.2', old.snapshot)).to.deep.equal([]);
    });
    it('人民调解法 art. 23: a recusal records who asked (a party or the mediator themself), who decided, and its basis', () => {
      const c = accepted().send('ASSIGN', { mediatorIds: ['m2'] }, med(), { mediatorsValid: true, conflicts: [] });
      expect(c.refuses('REQUEST_RECUSAL', { mediatorId: 'm2', reason: '相识', requestedBy: 'p9' })).to.equal('condition');
      expect(c.refuses('REQUEST_RECUSAL', { mediatorId: 'm2', reason: '相识', requestedBy: 'm1' }), 'another mediator is neither').to.equal('condition');
      c.send('REQUEST_RECUSAL', { mediatorId: 'm2', reason: '与被申请人相识', requestedBy: 'p1', decidedBy: '调委会主任王某' });
      expect(c.ctx.assignees).to.deep.equal(['m1']);
      expect(c.ctx.recusals).to.deep.equal([
        { mediatorId: 'm2', reason: '与被申请人相识', at: '2026-11-24T10:00:00+08:00', requestedBy: 'p1', decidedBy: '调委会主任王某', basis: '人民调解法第二十三条' },
      ]);
      const own = accepted().send('REQUEST_RECUSAL', { mediatorId: 'm1', reason: '自行回避', requestedBy: 'm1' });
      expect(own.ctx.recusals[0]).to.include({ requestedBy: 'm1', decidedBy: 'm1' });
    });
    it('人民调解法 art. 23: a recused mediator is not assigned again (ASSIGN or ACCEPT) without an override and its reason', () => {
      const none = { mediatorsValid: true, conflicts: [] };
      const c = accepted().send('ASSIGN', { mediatorIds: ['m2'] }, med(), none).send('REQUEST_RECUSAL', { mediatorId: 'm2', reason: '当事人申请', requestedBy: 'p2' });
      expect(c.refuses('ASSIGN', { mediatorIds: ['m2'] }, med(), none)).to.equal('condition');
      c.send('ASSIGN', { mediatorIds: ['m2'], overrides: [{ mediatorId: 'm2', reason: '申请回避的当事人撤回申请' }] }, med(), none);
      expect(c.ctx.assignees).to.deep.equal(['m1', 'm2']);
      expect(c.ctx.conflictOverrides.at(-1)).to.include({ mediatorId: 'm2', override: '申请回避的当事人撤回申请' });
      // the accepting mediator, recused before the court returned the case, presides again only with an override
      const d = accepted(delegation('delegated'), committee).send('REQUEST_RECUSAL', { mediatorId: 'm7', reason: '当事人申请', requestedBy: 'p1' }, committee);
      d.send('ASSIGN', { mediatorIds: ['m8'] }, committee, none).send('TERMINATE', { reason: '拒绝' }, committee).send('COURT_RETURN', { reason: '继续调解' }, court);
      expect(d.refuses('ACCEPT', CONSENTS, committee)).to.equal('condition');
      d.send('ACCEPT', { ...CONSENTS, overrides: [{ mediatorId: 'm7', reason: '当事人同意' }] }, committee);
      expect(d.status).to.equal('in_mediation');
    });
    it('人民调解法 art. 19: a major dispute with fewer mediators than the setting shows a warning, and is never refused for it', () => {
      const major = { flags: { major: true, specialised: false, escalationRisk: false, majorReasons: ['涉及12户（≥10户）'] }, tier: 'district' as const };
      const c = accepted(major, committee);
      expect(c.status).to.equal('in_mediation');
      expect(cautionsOf(V, c.snapshot).map((x) => x.code)).to.deep.equal(['too_few_mediators']);
      expect(cautionsOf(V, c.snapshot)[0].zh).to.contain('2名');
      c.send('ASSIGN', { mediatorIds: ['m8'] }, committee, { mediatorsValid: true, conflicts: [] });
      expect(cautionsOf(V, c.snapshot)).to.deep.equal([]);
      expect(cautionsOf(V, c.snapshot, { majorMinMediators: 3 }).map((x) => x.code)).to.deep.equal(['too_few_mediators']);
      expect(cautionsOf(V, accepted().snapshot), 'not major').to.deep.equal([]);
    });
    it('issue 12 §4: nothing is referred, terminated or signed with no mediator recorded', () => {
      const c = accepted().send('REQUEST_RECUSAL', { mediatorId: 'm1', reason: '自行回避', requestedBy: 'm1' });
      expect(c.ctx.assignees).to.deep.equal([]);
      expect(c.refuses('TERMINATE', { reason: 'x' })).to.equal('condition');
      expect(c.refuses('REFER_TO_COURT', { reason: 'x' })).to.equal('condition');
      expect(c.refuses('REACH_AGREEMENT', { form: 'oral', terms: ['x'], performBy: '2026-12-01' })).to.equal('condition');
      expect(c.refuses('REACH_AGREEMENT', TERMS)).to.equal('condition');
      const available = availableEvents(V, c.snapshot, med(), 'now');
      expect(available).to.include('ASSIGN');
      for (const type of ['TERMINATE', 'REFER_TO_COURT', 'REACH_AGREEMENT'] as const) expect(available).not.to.include(type);
      const drafted = accepted().send('REACH_AGREEMENT', TERMS).send('REQUEST_RECUSAL', { mediatorId: 'm1', reason: '自行回避', requestedBy: 'm1' });
      expect(drafted.refuses('SIGN_AGREEMENT', { signedBy: ['p1', 'p2'] })).to.equal('condition');
      drafted.send('ASSIGN', { mediatorIds: ['m2'] }, med(), { mediatorsValid: true, conflicts: [] }).send('SIGN_AGREEMENT', { signedBy: ['p1', 'p2'] });
      expect(drafted.status).to.equal('performing');
      const d = accepted(delegation('delegated'), committee).send('REQUEST_RECUSAL', { mediatorId: 'm7', reason: 'x' }, committee);
      expect(d.refuses('MEDIATION_FAILED', { reason: 'x' }, committee), 'a delegated failure is a referral').to.equal('condition');
      expect(d.refuses('TERMINATE', { reason: 'x' }, committee)).to.equal('condition');
    });
    it('人民调解法 art. 20; 若干规定 art. 27: relatives, neighbours and units (房管办、城管、物业协会) are invited with every party’s consent', () => {
      const c = accepted();
      const partial = c.try('INVITE_PARTICIPANT', { kind: 'unit', unit: '房管办', consentOf: ['p1'] });
      expect(!partial.ok && partial.code).to.equal('CONSENT_REQUIRED');
      expect(c.refuses('INVITE_PARTICIPANT', { kind: 'unit', name: '王科长', consentOf: ['p1', 'p2'] }), 'a unit is named').to.equal('condition');
      c.send('INVITE_PARTICIPANT', { kind: 'unit', unit: '街道房管办', name: '王科长', consentOf: ['p1', 'p2'] });
      c.send('INVITE_PARTICIPANT', { kind: 'neighbour', name: '对门邻居刘阿姨', consentOf: ['p2', 'p1'] });
      expect(c.lists.participants).to.deep.equal([
        { kind: 'unit', name: '王科长', unit: '街道房管办', consentOf: ['p1', 'p2'], at: '2026-11-24T10:00:00+08:00', by: 'm1' },
        { kind: 'neighbour', name: '对门邻居刘阿姨', consentOf: ['p2', 'p1'], at: '2026-11-24T10:00:00+08:00', by: 'm1' },
      ]);
      expect(new CaseDriver(intake(), '2026.2').send('ACCEPT').refuses('INVITE_PARTICIPANT', { kind: 'relative', name: 'x', consentOf: ['p1', 'p2'] })).to.equal('state');
    });
    it('人民调解法 art. 20: INVITE_EXPERT {expertId} keeps working; with consentOf it records every party’s consent', () => {
      const facts = { expertExists: true };
      expect(accepted().send('INVITE_EXPERT', { expertId: 'ex' }, med(), facts).ctx.experts).to.deep.equal(['ex']);
      const r = accepted().try('INVITE_EXPERT', { expertId: 'ex', consentOf: ['p1'] }, med(), facts);
      expect(!r.ok && r.code).to.equal('CONSENT_REQUIRED');
      const c = accepted().send('INVITE_EXPERT', { expertId: 'ex', consentOf: ['p1', 'p2'] }, med(), facts);
      expect(c.lists.participants).to.deep.equal([{ kind: 'expert', userId: 'ex', consentOf: ['p1', 'p2'], at: '2026-11-24T10:00:00+08:00', by: 'm1' }]);
    });
  });

  it('民事诉讼法 art. 62 (issue 12 §2): an agent signs for a party only with 特别授权', () => {
    const agent = (authority: 'general' | 'special') => ({ name: '孙律师', authority, ...(authority === 'special' ? { scope: '代为签署调解协议' } : {}) });
    const withAgent = (authority: 'general' | 'special') =>
      accepted({ parties: [{ id: 'p1', role: 'applicant', kind: 'person', name: '张三', agent: agent(authority) }, { id: 'p2', role: 'respondent', kind: 'organisation', name: '示范物业公司' }] }).send('REACH_AGREEMENT', TERMS);
    expect(withAgent('general').refuses('SIGN_AGREEMENT', { signedBy: ['孙律师', '示范物业公司'] })).to.equal('condition');
    expect(withAgent('special').send('SIGN_AGREEMENT', { signedBy: ['孙律师', '示范物业公司'] }).status).to.equal('performing');
  });

  it('调查核实 (issue 12 §5): an investigation record — whom, what, findings — is added while mediating', () => {
    const c = accepted().send('RECORD_INVESTIGATION', { whom: '物业工程部、楼上住户', what: '查看卫生间管道', findings: '楼上立管接口渗漏' });
    expect(c.status).to.equal('in_mediation');
    expect(c.lists.investigations).to.deep.equal([
      { whom: '物业工程部、楼上住户', what: '查看卫生间管道', findings: '楼上立管接口渗漏', at: '2026-11-24T10:00:00+08:00', by: 'm1' },
    ]);
    expect(new Case().refuses('RECORD_INVESTIGATION', { whom: 'x', what: 'y', findings: 'z' })).to.equal('state');
  });

  describe('民法典 art. 278: matters for the owners’ assembly (ASSEMBLY_MATTERS)', () => {
    const group = { id: 'p1', role: 'applicant' as const, kind: 'group' as const, name: '3号楼业主', representative: '王五', households: 12 };
    const company = { id: 'p2', role: 'respondent' as const, kind: 'organisation' as const, name: '示范物业公司' };
    const elevator = (p1: IntakeInput['parties'][number] = group) => accepted({ category: 'elevator', parties: [p1, company] }).send('REACH_AGREEMENT', TERMS);
    it('an agreement a group or an 业委会 signs on these matters warns that it needs the 业主大会 decision; recording the decision clears it', () => {
      const c = elevator().send('SIGN_AGREEMENT', { signedBy: ['p1', 'p2'] });
      expect(cautionsOf(V, c.snapshot).map((x) => x.code)).to.deep.equal(['assembly_decision_needed']);
      expect(cautionsOf(V, c.snapshot)[0].basis).to.equal('民法典第二百七十八条');
      c.send('RECORD_ASSEMBLY_DECISION', { date: '2026-11-20', summary: '业主大会表决通过加装电梯方案' });
      expect(c.ctx.assemblyDecision).to.deep.equal({ date: '2026-11-20', summary: '业主大会表决通过加装电梯方案', at: '2026-11-24T10:00:00+08:00' });
      expect(cautionsOf(V, c.snapshot)).to.deep.equal([]);
      const committeeParty = { id: 'p1', role: 'applicant' as const, kind: 'organisation' as const, orgType: 'owners_committee' as const, name: '业委会' };
      expect(cautionsOf(V, elevator(committeeParty).snapshot).map((x) => x.code)).to.deep.equal(['assembly_decision_needed']);
    });
    it('no warning, and no such event, for other categories or for a single owner', () => {
      const leak = accepted({ parties: [group, company] }).send('REACH_AGREEMENT', TERMS);
      expect(cautionsOf(V, leak.snapshot)).to.deep.equal([]);
      expect(leak.refuses('RECORD_ASSEMBLY_DECISION', { date: '2026-11-20', summary: 'x' })).to.equal('condition');
      const single = elevator({ id: 'p1', role: 'applicant', kind: 'person', name: '张三' });
      expect(cautionsOf(V, single.snapshot)).to.deep.equal([]);
    });
  });
});
