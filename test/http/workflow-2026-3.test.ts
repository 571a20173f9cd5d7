// Workflow 2026.3 end to end over HTTP (issue 12, "Done when"): the scenarios a court or a 司法局 would
// check, against the real product.
import { expect } from 'chai';
import { COMPOUND, intakeBody, startProduct, toPerforming, type Product } from '../support/http.ts';
import { acceptData, PARTICULARS } from '../support/workflow.ts';

const delegation = (mode: 'delegated' | 'entrusted') => ({
  ...intakeBody(COMPOUND.c2, { channel: undefined }),
  courtRef: '（2026）沪0105民诉前调77号',
  dueAt: '2026-12-20',
  mode,
  ...(mode === 'entrusted' ? { procedure: 'ordinary' } : {}),
});

describe('HTTP: workflow 2026.3 (issue 12)', () => {
  let p: Product;
  before(async () => {
    p = await startProduct();
  });
  after(async () => {
    await p.close();
  });

  it('特邀调解规定 (2016): a delegated case that is terminated goes back to the court’s inbox with the reason', async () => {
    const c = (await p.post('/api/court/delegations', 'court.liaison').send(delegation('delegated')).expect(201)).body.case;
    expect(c.workflowVersion).to.equal('2026.3');
    await p.event('med.d', c.id, 'ACCEPT', acceptData());
    const ended = await p.event('med.d', c.id, 'TERMINATE', { reason: '被申请人拒绝继续调解', undisputedFacts: '漏水事实双方无异议', consentOf: ['p1', 'p2'] });
    expect(ended.case).to.include({ status: 'referred_to_court' });
    const inbox = await p.get('/api/court/referrals', 'court.liaison').expect(200);
    const item = inbox.body.items.find((i: any) => i.id === c.id);
    expect(item).to.include({ inbox: 'referral', status: 'referred_to_court' });
    expect(item.referral).to.include({ reason: '被申请人拒绝继续调解' });
    expect(item.availableEvents).to.have.members(['COURT_ACCEPT', 'COURT_RETURN']);
  });

  it('委托调解: an entrusted case’s agreement is submitted to the court, never a 司法确认申请书', async () => {
    const c = (await p.post('/api/court/delegations', 'court.liaison').send(delegation('entrusted')).expect(201)).body.case;
    await p.event('med.d', c.id, 'ACCEPT', acceptData());
    await p.event('med.d', c.id, 'REACH_AGREEMENT', { terms: ['物业三日内修复'], performBy: '2026-12-10', ...PARTICULARS });
    const signed = await p.event('med.d', c.id, 'SIGN_AGREEMENT', { signedBy: ['张三', '李四'] });
    expect(signed.case).to.include({ status: 'submitted_to_court', phase: 'submitted_to_court' });
    expect(signed.case.availableEvents).not.to.include('REQUEST_CONFIRMATION');
    const doc = await p.post(`/api/cases/${c.id}/documents`, 'med.d').send({ kind: 'confirmation_application' });
    expect(doc.status).to.equal(422);
    const inbox = await p.get('/api/court/referrals', 'court.liaison').expect(200);
    expect(inbox.body.items.find((i: any) => i.id === c.id)).to.include({ inbox: 'confirmation' });
    const closed = await p.event('court.liaison', c.id, 'COURT_SETTLEMENT', { result: 'mediation_statement' });
    expect(closed.case).to.include({ status: 'closed', outcome: 'resolved' });
  });

  it('人民调解法 art. 17: without every party’s consent there is no acceptance (422 CONSENT_REQUIRED)', async () => {
    const { case: c } = await p.intake('med.c1');
    const res = await p
      .post(`/api/cases/${c.id}/events`, 'med.c1')
      .send({ type: 'ACCEPT', data: { consents: [{ partyId: 'p1', how: 'written' }], rightsNotified: true } })
      .expect(422);
    expect(res.body.error.code).to.equal('CONSENT_REQUIRED');
    const declined = await p.event('med.c1', c.id, 'DECLINE', { ground: 'party_refuses', reason: '被申请人明确拒绝调解' });
    expect(declined.case).to.include({ status: 'declined' });
    const noGround = await p.intake('med.c1');
    const bad = await p.post(`/api/cases/${noGround.case.id}/events`, 'med.c1').send({ type: 'DECLINE', data: { reason: 'x' } }).expect(400);
    expect(bad.body.error.details[0].field).to.equal('data.ground');
  });

  it('人民调解法 art. 33: a confirmed agreement not performed → the next step is enforcement', async () => {
    const { case: c } = await p.intake('med.c1');
    await toPerforming(p, c.id);
    await p.event('med.c1', c.id, 'REQUEST_CONFIRMATION');
    const inbox = await p.get('/api/court/referrals', 'court.liaison').expect(200);
    const pending = inbox.body.items.find((i: any) => i.id === c.id);
    expect(pending.reminders, '法释〔2011〕5号 handling times').to.have.keys(['acceptBy', 'decideBy', 'decideByExtended', 'sources']);
    expect(Date.parse(pending.reminders.acceptBy)).to.be.lessThan(Date.parse(pending.reminders.decideBy));
    await p.event('court.liaison', c.id, 'CONFIRMATION_RESULT', { confirmed: true });
    const visited = await p.event('med.c1', c.id, 'RECORD_FOLLOW_UP', { performance: 'none', satisfaction: 1 });
    expect(visited.case).to.include({ status: 'performing', phase: 'apply_for_enforcement' });
  });

  it('若干规定 art. 22(二): a case the court registered cannot be reopened (422)', async () => {
    const { case: c } = await p.intake('med.c1');
    await p.event('med.c1', c.id, 'ACCEPT', acceptData());
    await p.event('med.c1', c.id, 'REFER_TO_COURT', { reason: '当事人要求诉讼' });
    await p.event('court.liaison', c.id, 'COURT_ACCEPT', { courtCaseNo: '（2026）沪0105民初88号' });
    const res = await p.post(`/api/cases/${c.id}/events`, 'med.c1').send({ type: 'REOPEN', data: { reason: '再次调解' } }).expect(422);
    expect(res.body.error.code).to.equal('EVENT_NOT_ALLOWED');
  });

  it('人民调解法 art. 29: a written agreement without its particulars is not signed (422 AGREEMENT_INCOMPLETE)', async () => {
    const { case: c } = await p.intake('med.c1');
    await p.event('med.c1', c.id, 'ACCEPT', acceptData());
    await p.event('med.c1', c.id, 'REACH_AGREEMENT', { terms: ['修复'], performBy: '2026-12-10' });
    const res = await p.post(`/api/cases/${c.id}/events`, 'med.c1').send({ type: 'SIGN_AGREEMENT', data: { signedBy: ['张三', '李四'] } }).expect(422);
    expect(res.body.error.code).to.equal('AGREEMENT_INCOMPLETE');
  });

  it('若干规定 art. 33: an extension needs every party’s consent and stays within deadlines.maxExtensionDays (a setting)', async () => {
    const { case: c } = await p.intake('med.c1');
    await p.event('med.c1', c.id, 'ACCEPT', acceptData());
    const send = (data: Record<string, unknown>) => p.post(`/api/cases/${c.id}/events`, 'med.c1').send({ type: 'EXTEND_DEADLINE', data });
    const noConsent = await send({ days: 10, reason: '双方同意' }).expect(422);
    expect(noConsent.body.error.code).to.equal('CONSENT_REQUIRED');
    await send({ days: 25, reason: '双方同意', consentOf: ['p1', 'p2'] }).expect(200);
    const over = await send({ days: 6, reason: '再次延长', consentOf: ['p1', 'p2'] }).expect(422);
    expect(over.body.error.code).to.equal('EVENT_NOT_ALLOWED');
    const settings = await p.put('/api/admin/settings').send({ deadlines: { maxExtensionDays: 40 } }).expect(200);
    expect(settings.body.deadlines.maxExtensionDays).to.equal(40);
    await send({ days: 6, reason: '再次延长', consentOf: ['p1', 'p2'] }).expect(200);
    await p.put('/api/admin/settings').send({ deadlines: { maxExtensionDays: 0 } }).expect(400);
    await p.put('/api/admin/settings').send({ deadlines: { maxExtensionDays: 30 } }).expect(200);
  });

  it('/api/openapi.json describes the new events and fields', async () => {
    const api = JSON.stringify((await p.get('/api/openapi.json').expect(200)).body);
    for (const name of ['TRANSFER', 'FLAG_RISK', 'COURT_SETTLEMENT', 'consents', 'rightsNotified', 'undisputedFacts', 'consentOf', 'byPartyId', 'party_refuses']) {
      expect(api, name).to.include(name);
    }
  });
});
