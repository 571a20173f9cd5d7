import { expect } from 'chai';
import { confirmationReadiness, courtPackage, COURT_PACKAGE_SCHEMA } from '../../../server/documents/readiness.ts';
import { buildDocumentView } from '../../../server/documents/view.ts';
import { BODIES, ctxOf, delegated, issueInput, mediatingCase, sign, withAgreement } from './fixture.ts';

const courts = BODIES.filter((b) => b.tier === 'court');
const codes = (r: ReturnType<typeof confirmationReadiness>) => r.missing.map((m) => m.code);

describe('documents: readiness for judicial confirmation', () => {
  it('is ready for an agreement signed by everyone, within 30 days, at the court of the place', () => {
    const f = withAgreement(mediatingCase());
    const r = confirmationReadiness(ctxOf(f), '2026-11-25T10:00:00+08:00', { courts });
    expect(r.ready, JSON.stringify(r.missing)).to.equal(true);
    expect(r.missing).to.deep.equal([]);
    expect(r.lastDay).to.equal('2026-12-18');
    expect(r.court).to.include({ id: 'court-1', name: '示范区人民法院', basis: 'place_of_property_or_body' });
    expect(r.court!.basisText).to.include('第二百零五条第（二）项');
  });

  it('says an unsigned agreement is not yet in effect, naming who has not signed', () => {
    const f = withAgreement(mediatingCase(), { signed: false });
    const r = confirmationReadiness(ctxOf(f), '2026-11-25T10:00:00+08:00', { courts });
    expect(r.ready).to.equal(false);
    expect(codes(r)).to.deep.equal(['not_signed']);
    expect(r.missing[0].message).to.include('张三');
    expect(r.missing[0].message).to.include('安居物业服务有限公司');
  });

  it('names the party whose signature is missing even when the rest signed', () => {
    const f = withAgreement(mediatingCase(), { signed: false });
    sign(f, '2026-11-18T15:00:00+08:00', ['p1', '赵六']); // the group signs through its representative
    const r = confirmationReadiness(ctxOf(f), '2026-11-25T10:00:00+08:00', { courts });
    expect(codes(r)).to.deep.equal(['not_signed']);
    expect(r.missing[0].details).to.deep.equal({ unsigned: ['p3'] });
  });

  it('counts the 30 days from effect, ending on a working day', () => {
    // effect 1 Oct 2026 → day 30 is Saturday 31 Oct → last day Monday 2 Nov
    const f = withAgreement(mediatingCase(), { effectiveAt: '2026-10-01T10:00:00+08:00' });
    const onLastDay = confirmationReadiness(ctxOf(f), '2026-11-02T23:00:00+08:00', { courts });
    expect(onLastDay.ready).to.equal(true);
    const dayAfter = confirmationReadiness(ctxOf(f), '2026-11-03T00:30:00+08:00', { courts });
    expect(codes(dayAfter)).to.deep.equal(['window_expired']);
    expect(dayAfter.missing[0].message).to.include('2026年11月2日');
  });

  it('judges an application already made by the day it was made', () => {
    const f = withAgreement(mediatingCase(), { effectiveAt: '2026-10-01T10:00:00+08:00' });
    ctxOf(f).confirmation = { requestedAt: '2026-10-20T10:00:00+08:00' };
    expect(confirmationReadiness(ctxOf(f), '2026-11-22T10:00:00+08:00', { courts }).ready).to.equal(true);
  });

  it('refuses an agreement that decides ownership of property rights (物权确权)', () => {
    const f = withAgreement(mediatingCase(), { decidesOwnership: true });
    const r = confirmationReadiness(ctxOf(f), '2026-11-25T10:00:00+08:00', { courts });
    expect(codes(r)).to.deep.equal(['decides_ownership']);
    expect(r.missing[0].message).to.include('物权确权');
  });

  it('lists every reason at once', () => {
    const f = withAgreement(mediatingCase(), { signed: false, decidesOwnership: true });
    const r = confirmationReadiness(ctxOf(f), '2026-11-25T10:00:00+08:00', { courts: [] });
    expect(codes(r)).to.deep.equal(['not_signed', 'decides_ownership', 'court_unknown']);
    expect(r.court).to.equal(null);
  });

  it('needs an agreement at all', () => {
    expect(codes(confirmationReadiness(ctxOf(mediatingCase()), '2026-11-25T10:00:00+08:00', { courts }))).to.deep.equal([
      'no_agreement',
    ]);
  });

  it('sends a court-delegated case to the court that invited the mediation', () => {
    const f = delegated(withAgreement(mediatingCase()), 'court-2');
    const r = confirmationReadiness(ctxOf(f), '2026-11-25T10:00:00+08:00', {
      courts,
      delegatingCourtId: f.record.courtId,
    });
    expect(r.ready).to.equal(true);
    expect(r.court).to.include({ id: 'court-2', name: '示范市中级人民法院', basis: 'inviting_court' });
    expect(r.court!.basisText).to.include('第二百零五条第（一）项');
    expect(r.court!.basisText).to.include('（2026）示民诉前调1234号');
  });

  it('does not apply again once the court has ruled', () => {
    const f = withAgreement(mediatingCase());
    ctxOf(f).confirmation = {
      requestedAt: '2026-11-20T10:00:00+08:00',
      confirmed: true,
      decidedAt: '2026-11-21T10:00:00+08:00',
    };
    expect(codes(confirmationReadiness(ctxOf(f), '2026-11-25T10:00:00+08:00', { courts }))).to.deep.equal([
      'already_decided',
    ]);
  });

  it('builds the court package: application, agreement, parties with particulars, dossier index', () => {
    const f = withAgreement(mediatingCase());
    const now = '2026-11-25T10:00:00+08:00';
    const r = confirmationReadiness(ctxOf(f), now, { courts });
    const view = buildDocumentView({ ...issueInput(f, 'confirmation_application'), now });
    const pkg = JSON.parse(JSON.stringify(courtPackage(view, 'confirmation_application', r)));
    expect(pkg.schema).to.equal(COURT_PACKAGE_SCHEMA);
    expect(pkg.caseNo).to.equal('（2026）幸福物调字第00012号');
    expect(pkg.court).to.include({ id: 'court-1', basis: 'place_of_property_or_body' });
    expect(pkg.application).to.include({ joint: true, lastDay: '2026-12-18' });
    expect(pkg.parties).to.have.length(3);
    expect(pkg.parties[0]).to.include({ name: '张三', idNumber: '110101199001011234', role: 'applicant' });
    expect(pkg.agreement.clauses).to.have.length(3);
    expect(pkg.agreement.clauses[1]).to.deep.include({ no: 2, performBy: '2026-12-31', obligor: '安居物业服务有限公司' });
    expect(pkg.agreement.clauses[1].amount).to.deep.equal({
      figures: '¥12,345.60',
      capital: '人民币壹万贰仟叁佰肆拾伍元陆角整',
      text: '人民币12,345.60元（大写：人民币壹万贰仟叁佰肆拾伍元陆角整）',
    });
    expect(pkg.agreement.clauses[1]).to.include({ manner: '银行转账', noPerformance: false });
    expect(pkg.dossierIndex.map((e: { title: string }) => e.title)).to.include('人民调解协议书');
  });
});
