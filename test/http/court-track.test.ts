// The court liaison's inbox and delegations, and residents tracking their case with the access
// code, over HTTP against the real product.
import { expect } from 'chai';
import { COMPOUND, intakeBody, startProduct, toPerforming, type Product } from '../support/http.ts';
import { acceptData } from '../support/workflow.ts';

const delegation = (overrides: Record<string, unknown> = {}) => ({
  ...intakeBody(COMPOUND.c2, { channel: undefined }),
  courtRef: '（2026）沪0105民诉前调1234号',
  dueAt: '2026-12-20',
  ...overrides,
});

describe('HTTP court: delegations and the liaison’s inbox', () => {
  let p: Product;
  before(async () => {
    p = await startProduct();
  });
  after(async () => {
    await p.close();
  });

  it('registers a court-delegated case at the district committee with the court’s deadline', async () => {
    const res = await p.post('/api/court/delegations', 'court.liaison').send(delegation()).expect(201);
    expect(res.body.accessCode).to.be.a('string').with.length.of.at.least(6);
    const c = res.body.case;
    expect(c).to.include({ channel: 'court_delegation', tier: 'district', status: 'registered' });
    expect(c.delegation).to.deep.equal({ courtRef: '（2026）沪0105民诉前调1234号', dueAt: '2026-12-20', mode: 'delegated' });
    const court = c.deadlines.find((d: any) => d.kind === 'delegation');
    expect(court.dueAt).to.equal('2026-12-21T23:59:59.999+08:00'); // the 20th is a Sunday: the next working day
    await p.get(`/api/cases/${c.id}`, 'court.liaison').expect(200);
    await p.get(`/api/cases/${c.id}`, 'med.d').expect(200);
  });

  it('refuses delegations from mediators and experts (403), past due dates and bad bodies (400)', async () => {
    await p.post('/api/court/delegations', 'med.d').send(delegation()).expect(403);
    await p.post('/api/court/delegations', 'expert.law').send(delegation()).expect(403);
    await p.post('/api/court/delegations', null).send(delegation()).expect(401);
    const past = await p.post('/api/court/delegations', 'court.liaison').send(delegation({ dueAt: '2026-11-01' })).expect(400);
    expect(past.body.error.details[0].field).to.equal('dueAt');
    const noRef = await p.post('/api/court/delegations', 'court.liaison').send(delegation({ courtRef: undefined })).expect(400);
    expect(noRef.body.error.details[0].field).to.equal('courtRef');
    const channel = await p.post('/api/court/delegations', 'court.liaison').send(delegation({ channel: 'walk_in' })).expect(400);
    expect(channel.body.error.details[0].field).to.equal('channel');
  });

  it('records an entrusted case (委托) with its procedure, 案由 and 标的额; the court’s 案号 and the mode show in the inbox', async () => {
    const body = delegation({ courtRef: '（2026）沪0105民初77号', mode: 'entrusted', procedure: 'ordinary', causeOfAction: '物业服务合同纠纷', claimAmount: 5200 });
    const c = (await p.post('/api/court/delegations', 'court.liaison').send(body).expect(201)).body.case;
    expect(c.delegation).to.deep.equal({ courtRef: '（2026）沪0105民初77号', dueAt: '2026-12-20', mode: 'entrusted', procedure: 'ordinary', causeOfAction: '物业服务合同纠纷', claimAmount: 5200 });
    const inbox = await p.get('/api/court/referrals?limit=100', 'court.liaison').expect(200);
    const item = inbox.body.items.find((i: any) => i.id === c.id);
    expect(item).to.include({ caseNo: c.caseNo, courtRef: '（2026）沪0105民初77号', mode: 'entrusted', inbox: 'delegation' });
    const page = await p.get('/', 'court.liaison').expect(200);
    expect(page.text).to.include('（2026）沪0105民初77号').and.include('委托调解');
  });

  it('without the court’s date runs the limit of the mode: 委派 30 days, 委托 15 (普通程序) or 7 (简易程序) days', async () => {
    const dueOf = async (extra: Record<string, unknown>) => {
      const c = (await p.post('/api/court/delegations', 'court.liaison').send(delegation({ dueAt: undefined, ...extra })).expect(201)).body.case;
      expect(c.delegation.dueAt, 'no date from the court').to.equal('');
      return c.deadlines.find((x: any) => x.kind === 'delegation').dueAt.slice(0, 10);
    };
    // registered Monday 2026-11-23
    expect(await dueOf({})).to.equal('2026-12-23');
    expect(await dueOf({ mode: 'entrusted', procedure: 'ordinary' })).to.equal('2026-12-08');
    expect(await dueOf({ mode: 'entrusted', procedure: 'summary' })).to.equal('2026-11-30');
  });

  it('requires the procedure of an entrusted case and refuses one on a delegated case (400)', async () => {
    const missing = await p.post('/api/court/delegations', 'court.liaison').send(delegation({ mode: 'entrusted' })).expect(400);
    expect(missing.body.error.details[0].field).to.equal('procedure');
    const stray = await p.post('/api/court/delegations', 'court.liaison').send(delegation({ procedure: 'summary' })).expect(400);
    expect(stray.body.error.details[0].field).to.equal('procedure');
    const negative = await p.post('/api/court/delegations', 'court.liaison').send(delegation({ claimAmount: -1 })).expect(400);
    expect(negative.body.error.details[0].field).to.equal('claimAmount');
  });

  it('describes the delegation fields and the tracking by any number in /api/openapi.json', async () => {
    const doc = (await p.get('/api/openapi.json', null).expect(200)).body;
    const body = doc.paths['/api/court/delegations'].post.requestBody.content['application/json'].schema;
    expect(body.properties).to.include.keys('mode', 'procedure', 'causeOfAction', 'claimAmount', 'dueAt', 'courtRef');
    expect(body.required).to.include('courtRef').and.not.include('dueAt');
    expect(body.properties.procedure.enum).to.deep.equal(['ordinary', 'summary']);
    expect(body.properties.procedure.description).to.include('委托');
    expect(doc.paths['/api/track/{caseNo}'].get.description).to.include('former');
  });

  it('puts referrals and confirmation requests first in the inbox, then delegated cases in progress', async () => {
    const delegated = (await p.post('/api/court/delegations', 'court.liaison').send(delegation()).expect(201)).body.case;

    const referred = (await p.intake('med.c1')).case;
    await p.event('med.c1', referred.id, 'ACCEPT', acceptData());
    await p.event('med.c1', referred.id, 'REFER_TO_COURT', { reason: '涉及产权争议，建议诉讼' });

    const confirming = (await p.intake('med.c1')).case;
    await toPerforming(p, confirming.id);
    await p.event('med.c1', confirming.id, 'REQUEST_CONFIRMATION');

    const ordinary = (await p.intake('med.c1')).case;

    const inbox = await p.get('/api/court/referrals', 'court.liaison').expect(200);
    const ids = inbox.body.items.map((i: any) => i.id);
    expect(ids).not.to.include(ordinary.id);
    expect(ids.indexOf(referred.id)).to.be.lessThan(ids.indexOf(confirming.id));
    expect(ids.indexOf(confirming.id)).to.be.lessThan(ids.indexOf(delegated.id));
    const item = inbox.body.items.find((i: any) => i.id === referred.id);
    expect(item).to.include({ inbox: 'referral', status: 'referred_to_court' });
    expect(item.referral).to.include({ fromTier: 'community', reason: '涉及产权争议，建议诉讼' });
    expect(item.referral.fromBody.name).to.equal('华阳居委物业纠纷调解工作室');
    expect(item.availableEvents).to.have.members(['COURT_ACCEPT', 'COURT_RETURN']);
    expect(item.parties[0].phone).to.equal('13812345678');
    expect(inbox.body.items.find((i: any) => i.id === confirming.id)).to.include({ inbox: 'confirmation' });
    expect(inbox.body.pending).to.equal(inbox.body.items.filter((i: any) => i.inbox !== 'done').length);
    const pendingOnly = await p.get('/api/court/referrals?view=pending', 'court.liaison').expect(200);
    expect(pendingOnly.body.items.every((i: any) => i.inbox !== 'done')).to.equal(true);

    await p.get('/api/court/referrals', 'med.d').expect(403);
    await p.get('/api/court/referrals', 'expert.law').expect(403);
    await p.get('/api/court/referrals', 'admin').expect(200);

    // the liaison may not read what is not addressed to the court
    await p.get(`/api/cases/${ordinary.id}`, 'court.liaison').expect(404);
    await p.post(`/api/cases/${ordinary.id}/events`, 'court.liaison').send({ type: 'COURT_ACCEPT', data: { courtCaseNo: 'x' } }).expect(404);
  });

  it('accepts a referral with a court case number (closed, referred) or returns it to the tier that sent it', async () => {
    const a = (await p.intake('med.c1')).case;
    await p.event('med.c1', a.id, 'ACCEPT', acceptData());
    await p.event('med.c1', a.id, 'REFER_TO_COURT', { reason: '调解不成' });
    await p.post(`/api/cases/${a.id}/events`, 'med.c1').send({ type: 'COURT_ACCEPT', data: { courtCaseNo: 'x' } }).expect(422);
    const accepted = await p.event('court.liaison', a.id, 'COURT_ACCEPT', { courtCaseNo: '（2026）沪0105民初888号' });
    expect(accepted.case).to.include({ status: 'closed', outcome: 'referred' });
    expect(accepted.case.referral.courtCaseNo).to.equal('（2026）沪0105民初888号');

    const b = (await p.intake('med.c1')).case;
    await p.event('med.c1', b.id, 'ACCEPT', acceptData());
    await p.event('med.c1', b.id, 'REFER_TO_COURT', { reason: '调解不成' });
    const returned = await p.event('court.liaison', b.id, 'COURT_RETURN', { reason: '材料不全，请补充后继续调解' });
    expect(returned.case).to.include({ status: 'registered', tier: 'community' });
    await p.event('med.c1', b.id, 'ACCEPT', acceptData());
    const done = await p.get('/api/court/referrals?limit=100', 'court.liaison').expect(200);
    expect(done.body.items.find((i: any) => i.id === a.id)).to.include({ inbox: 'done' });
  });

  it('records the court’s decision on judicial confirmation', async () => {
    const c = (await p.intake('med.c1')).case;
    await toPerforming(p, c.id);
    await p.event('med.c1', c.id, 'REQUEST_CONFIRMATION');
    const decided = await p.event('court.liaison', c.id, 'CONFIRMATION_RESULT', { confirmed: true, ruling: '（2026）沪0105民特12号' });
    expect(decided.case).to.include({ status: 'performing' });
    expect(decided.case.confirmation).to.include({ confirmed: true });
  });

  it('sends a failed court-delegated mediation back to the court', async () => {
    const c = (await p.post('/api/court/delegations', 'court.liaison').send(delegation()).expect(201)).body.case;
    await p.event('med.d', c.id, 'ACCEPT', acceptData());
    const failed = await p.event('med.d', c.id, 'MEDIATION_FAILED', { reason: '被申请人拒绝调解' });
    expect(failed.case).to.include({ status: 'referred_to_court' });
    const inbox = await p.get('/api/court/referrals', 'court.liaison');
    const referrals = inbox.body.items.filter((i: any) => i.inbox === 'referral').map((i: any) => i.id);
    expect(referrals).to.include(c.id);
    expect(inbox.body.items.findIndex((i: any) => i.inbox !== 'referral')).to.equal(referrals.length);
  });
});

describe('HTTP residents: tracking with the access code', () => {
  let p: Product;
  let caseNo: string;
  let code: string;
  before(async () => {
    p = await startProduct();
    const res = await p.post('/api/cases', 'med.c1').send(
      intakeBody(undefined, {
        parties: [
          { role: 'applicant', kind: 'person', name: '张三', phone: '13812345678', idNumber: '310101199001011234', address: '示范区长宁路88弄3号1202室' },
          { role: 'respondent', kind: 'organisation', name: '安居物业公司', phone: '021-62345678', address: '示范区天山路100号' },
        ],
      }),
    ).expect(201);
    caseNo = res.body.case.caseNo;
    code = res.body.accessCode;
    await p.event('med.c1', res.body.case.id, 'ACCEPT', acceptData());
    await p.event('med.c1', res.body.case.id, 'INVITE_EXPERT', { expertId: p.userIds['expert.law'] });
    await p.event('med.c1', res.body.case.id, 'SCHEDULE_SESSION', { at: '2026-11-26T14:00:00+08:00', place: '华阳居委调解室' });
  });
  after(async () => {
    await p.close();
  });

  const track = (no: string, accessCode?: string) => {
    const req = p.get(`/api/track/${encodeURIComponent(no)}`, null);
    return accessCode === undefined ? req : req.set('X-Access-Code', accessCode);
  };

  it('shows status with plain-words labels, tier, next step, the upcoming session and the public history', async () => {
    const res = await track(caseNo, code).expect(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.body).to.include({ caseNo, status: 'in_mediation', tier: 'community' });
    expect(res.body.statusLabel).to.deep.equal({ zh: '调解中', en: 'In mediation' });
    expect(res.body.tierLabel.zh).to.equal('居村委调解工作室');
    expect(res.body.nextStep.zh).to.include('调解');
    expect(res.body.nextStep.en).to.be.a('string').with.length.greaterThan(0);
    expect(res.body.nextSession).to.deep.equal({ at: '2026-11-26T14:00:00+08:00', place: '华阳居委调解室' });
    expect(res.body.history.map((h: any) => h.type)).to.deep.equal(['REGISTER', 'ACCEPT', 'SCHEDULE_SESSION']);
    expect(res.body.history[1]).to.deep.include({ label: { zh: '受理', en: 'Accept' }, by: { zh: '调解员', en: 'mediator' } });
  });

  it('accepts the code case-insensitively and with surrounding spaces', async () => {
    await track(caseNo, ` ${code.toLowerCase()} `).expect(200);
  });

  it('carries no party’s phone, ID number or address, and no staff names or usernames', async () => {
    const text = JSON.stringify((await track(caseNo, code).expect(200)).body);
    for (const secret of ['13812345678', '138****5678', '310101199001011234', '3101', '长宁路88弄', '示范区天山路', '62345678', 'med.c1', '王丽华', 'expert.law', '赵明', 'INVITE_EXPERT', 'u-med-c1']) {
      expect(text, secret).not.to.include(secret);
    }
    expect(text).not.to.match(/\d{7}/);
  });

  it('answers a wrong code and an unknown case number with the same 404', async () => {
    const wrong = await track(caseNo, 'WRONGCODE').expect(404);
    const unknown = await track('（2026）示范华阳物调字第99999号', code).expect(404);
    expect(wrong.body).to.deep.equal(unknown.body);
  });

  it('refuses a missing access code with 400 naming the header', async () => {
    const res = await track(caseNo).expect(400);
    expect(res.body.error.details[0].field).to.equal('X-Access-Code');
  });

  it('after 10 wrong codes for one case in 15 minutes, answers 429 even to the right code', async () => {
    const fresh = await startProduct({ signIn: false });
    try {
      fresh.tokens['med.c1'] = await fresh.login('med.c1');
      const { case: c, accessCode } = await fresh.intake('med.c1');
      const t = (codeTried: string) => fresh.get(`/api/track/${encodeURIComponent(c.caseNo)}`, null).set('X-Access-Code', codeTried);
      await t(accessCode).expect(200);
      for (let i = 0; i < 10; i++) await t(`WRONG${i}X`).expect(404);
      const limited = await t(accessCode).expect(429);
      expect(limited.body.error.code).to.equal('RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).to.be.within(1, 15 * 60);
    } finally {
      await fresh.close();
    }
  });

  it('after 10 wrong codes from one client across case numbers, answers that client 429', async () => {
    const fresh = await startProduct({ signIn: false });
    try {
      fresh.tokens['med.c1'] = await fresh.login('med.c1');
      const { case: c, accessCode } = await fresh.intake('med.c1');
      for (let i = 0; i < 10; i++) {
        await fresh.get(`/api/track/${encodeURIComponent(`（2026）示范华阳物调字第${String(500 + i).padStart(5, '0')}号`)}`, null).set('X-Access-Code', 'ABCDEFGH').expect(404);
      }
      await fresh.get(`/api/track/${encodeURIComponent(c.caseNo)}`, null).set('X-Access-Code', accessCode).expect(429);
    } finally {
      await fresh.close();
    }
  });

  it('shows the outcome in plain words once the case is closed', async () => {
    const fresh = await startProduct({ signIn: false });
    try {
      fresh.tokens['med.c1'] = await fresh.login('med.c1');
      const { case: c, accessCode } = await fresh.intake('med.c1');
      await fresh.event('med.c1', c.id, 'ACCEPT', acceptData());
      await fresh.event('med.c1', c.id, 'TERMINATE', { reason: '被申请人拒绝调解，联系电话13987654321' });
      const res = await fresh.get(`/api/track/${encodeURIComponent(c.caseNo)}`, null).set('X-Access-Code', accessCode).expect(200);
      expect(res.body).to.include({ status: 'closed', outcome: 'unresolved' });
      expect(res.body.outcomeLabel).to.deep.equal({ zh: '调解终止', en: 'Unresolved' });
      expect(res.body.nextStep.zh).to.include('诉');
      expect(JSON.stringify(res.body)).not.to.include('13987654321');
    } finally {
      await fresh.close();
    }
  });
});
