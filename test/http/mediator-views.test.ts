// Issue 14 (mediators and the court): reissuing a resident's access code, the read-only "已上报"
// view an escalating body keeps, and a court that issues no mediation body's documents — over HTTP
// against the real product.
import { expect } from 'chai';
import { startProduct, type Product } from '../support/http.ts';
import { acceptData } from '../support/workflow.ts';

describe('HTTP issue 14: access-code reissue, the escalating body’s view, the court’s documents', () => {
  let p: Product;
  before(async () => {
    p = await startProduct();
  });
  after(async () => {
    await p.close();
  });

  const track = (caseNo: string, code: string) => p.get(`/api/track/${encodeURIComponent(caseNo)}`, null).set('X-Access-Code', code);

  it('reissues the access code: 200 with the new code, the old one stops working, the history records who and when', async () => {
    const { case: c, accessCode: old } = await p.intake('med.c1');
    await track(c.caseNo, old).expect(200);
    const res = await p.post(`/api/cases/${c.id}/access-code`, 'med.c1').expect(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.body.accessCode).to.be.a('string').with.length.of.at.least(6).and.not.equal(old);
    expect(res.body).to.include({ caseNo: c.caseNo, version: c.version + 1 });
    await track(c.caseNo, old).expect(404);
    await track(c.caseNo, res.body.accessCode).expect(200);

    const history = (await p.get(`/api/cases/${c.id}/history`, 'med.c1').expect(200)).body;
    const items = history.items ?? history.events ?? history;
    const last = items[items.length - 1];
    expect(last.type).to.equal('ACCESS_CODE_REISSUED');
    expect(last.actor.username).to.equal('med.c1');
    expect(last.at).to.be.a('string');
    expect(JSON.stringify(history)).not.to.include(res.body.accessCode).and.not.to.include(old);
    // nothing else of the case changed: same status and deadlines
    const after = (await p.get(`/api/cases/${c.id}`, 'med.c1').expect(200)).body;
    expect(after.status).to.equal(c.status);
    expect(after.deadlines).to.deep.equal(c.deadlines);
  });

  it('lets only the holding body’s mediators and administrators reissue (422 for a superior body, 403 court/expert, 404 outside)', async () => {
    const { case: c, accessCode } = await p.intake('med.c1');
    const above = await p.post(`/api/cases/${c.id}/access-code`, 'med.s1').expect(422);
    expect(above.body.error.code).to.equal('EVENT_NOT_ALLOWED');
    await p.post(`/api/cases/${c.id}/access-code`, 'court.liaison').expect(403);
    await p.post(`/api/cases/${c.id}/access-code`, 'expert.law').expect(403);
    await p.post(`/api/cases/${c.id}/access-code`, 'med.c2').expect(404);
    await p.post(`/api/cases/${c.id}/access-code`, null).expect(401);
    // refusals change nothing: the code still opens the case, no event was added
    await track(c.caseNo, accessCode).expect(200);
    expect((await p.get(`/api/cases/${c.id}`, 'med.c1').expect(200)).body.version).to.equal(c.version);
    await p.post(`/api/cases/${c.id}/access-code`, 'admin').expect(200);
  });

  it('keeps a read-only, masked view for the body that escalated; the receiving body acts', async () => {
    const { case: c } = await p.intake('med.c1');
    await p.event('med.c1', c.id, 'ACCEPT', acceptData());
    await p.event('med.c1', c.id, 'ESCALATE', { reason: '涉及多户业主，社区调解未果' });
    const view = (await p.get(`/api/cases/${c.id}`, 'med.c1').expect(200)).body;
    expect(view.tier).to.equal('subdistrict');
    expect(view.availableEvents).to.deep.equal([]);
    expect(view.parties[0].phone).to.match(/\*\*\*\*/);
    const refused = await p.post(`/api/cases/${c.id}/events`, 'med.c1').send({ type: 'ADD_OPINION', data: { text: 'x' } });
    expect(refused.status).to.equal(422);
    const withdraw = await p.post(`/api/cases/${c.id}/events`, 'med.c1').send({ type: 'WITHDRAW', data: { reason: '申请人撤回' } }).expect(422);
    expect(withdraw.body.error.details.reason).to.equal('read_only');
    const doc = await p.post(`/api/cases/${c.id}/documents`, 'med.c1').send({ kind: 'intake_form' }).expect(422);
    expect(doc.body.error.code).to.equal('EVENT_NOT_ALLOWED');
    await p.post(`/api/cases/${c.id}/access-code`, 'med.c1').expect(422);
    // another community's mediators still do not see it
    await p.get(`/api/cases/${c.id}`, 'med.c2').expect(404);
    // the receiving centre sees it in full and may act
    const centre = (await p.get(`/api/cases/${c.id}`, 'med.s1').expect(200)).body;
    expect(centre.parties[0].phone).not.to.match(/\*\*\*\*/);
    expect(centre.availableEvents).to.include('ACCEPT');
  });

  it('describes the reissue in /api/openapi.json', async () => {
    const doc = (await p.get('/api/openapi.json', null).expect(200)).body;
    const op = doc.paths['/api/cases/{id}/access-code'].post;
    expect(op.summary).to.include('Reissue');
    expect(Object.keys(op.responses)).to.include.members(['200', '422']);
  });

  it('refuses the court liaison any mediation body’s document (403), which mediators still issue', async () => {
    const body = { ...(await import('../support/http.ts')).intakeBody('ou-k1-2-1', { channel: undefined }), courtRef: '（2026）沪0105民诉前调9号', dueAt: '2026-12-20' };
    const c = (await p.post('/api/court/delegations', 'court.liaison').send(body).expect(201)).body.case;
    for (const kind of ['intake_form', 'dossier']) {
      const res = await p.post(`/api/cases/${c.id}/documents`, 'court.liaison').send({ kind }).expect(403);
      expect(res.body.error.code).to.equal('FORBIDDEN');
    }
    await p.post(`/api/cases/${c.id}/documents`, 'med.d').send({ kind: 'intake_form' }).expect(201);
  });
});
