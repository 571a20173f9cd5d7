// The lean event path (issue 17 §3): an event request loads its case once; `Prefer: return=minimal`
// answers the case's summary and version instead of the whole view; the whole view at GET
// /api/cases/:id carries an ETag, so a client skips an unchanged one (304).
import { expect } from 'chai';
import { projectionCaughtUp } from '../../server/oversight/projector.ts';
import { startProduct, type Product } from '../support/http.ts';
import { acceptData } from '../support/workflow.ts';

describe('HTTP: the lean event path', () => {
  let p: Product;
  let id: string;
  before(async () => {
    p = await startProduct();
    const { case: c } = await p.intake('med.c1');
    id = c.id;
    await p.event('med.c1', id, 'ACCEPT', acceptData(c.parties));
  });
  after(async () => {
    await p.close();
  });

  it('answers the summary and version with Prefer: return=minimal, and the whole case without it', async () => {
    const res = await p
      .post(`/api/cases/${id}/events`, 'med.c1')
      .set('Prefer', 'return=minimal')
      .send({ type: 'RECORD_SESSION', data: { summary: '双方到场' } })
      .expect(200);
    expect(res.headers['preference-applied']).to.equal('return=minimal');
    expect(Object.keys(res.body.case).sort()).to.deep.equal(
      ['availableEvents', 'caseNo', 'formerCaseNos', 'id', 'outcome', 'overdue', 'phase', 'status', 'tier', 'updatedAt', 'version', 'warning'].sort(),
    );
    expect(res.body.case).to.include({ id, status: 'in_mediation', version: 3 });
    expect(res.body.case.availableEvents).to.include('RECORD_SESSION');

    const full = await p.post(`/api/cases/${id}/events`, 'med.c1').send({ type: 'RECORD_SESSION', data: { summary: '第二次' } }).expect(200);
    expect(full.headers['preference-applied']).to.equal(undefined);
    expect(full.body.case).to.include({ id, version: 4 });
    expect(full.body.case.parties).to.be.an('array').with.length.greaterThan(0);
  });

  it('keeps the headers compression gives: the minimal answer and its errors carry Vary: Accept-Encoding, the whole case is compressed', async () => {
    const minimal = await p
      .post(`/api/cases/${id}/events`, 'med.c1')
      .set('Prefer', 'return=minimal')
      .set('Accept-Encoding', 'gzip, br')
      .send({ type: 'RECORD_SESSION', data: { summary: '压缩与否' } })
      .expect(200);
    expect(minimal.headers.vary).to.equal('Accept-Encoding');
    expect(minimal.headers['content-encoding']).to.equal(undefined);
    expect(minimal.body.case).to.include({ id });
    const refused = await p
      .post(`/api/cases/${id}/events`, 'med.c1')
      .set('Prefer', 'return=minimal')
      .set('Accept-Encoding', 'gzip')
      .send({ type: 'RECORD_SESSION', data: {} })
      .expect(400);
    expect(refused.headers.vary).to.equal('Accept-Encoding');
    expect(refused.body.error.code).to.equal('VALIDATION_FAILED');

    const full = await p.post(`/api/cases/${id}/events`, 'med.c1').set('Accept-Encoding', 'gzip').send({ type: 'RECORD_SESSION', data: { summary: '整份' } }).expect(200);
    expect(full.headers.vary).to.equal('Accept-Encoding');
    expect(full.headers['content-encoding']).to.equal('gzip');
    expect(full.body.case).to.include({ id });
  });

  it('loads the case once per event request', async () => {
    const store = p.running.services.store;
    await projectionCaughtUp(store); // the projector reads cases too: let it finish what came before
    const get = store.cases.get.bind(store.cases);
    let loads = 0;
    store.cases.get = (caseId: string) => {
      if (caseId === id) loads++;
      return get(caseId);
    };
    try {
      await p.post(`/api/cases/${id}/events`, 'med.c1').set('Prefer', 'return=minimal').send({ type: 'RECORD_SESSION', data: { summary: '第三次' } }).expect(200);
    } finally {
      store.cases.get = get;
    }
    expect(loads).to.equal(1);
  });

  it('gives the case view an ETag: an unchanged case answers 304, a changed one the new view', async () => {
    const first = await p.get(`/api/cases/${id}`, 'med.c1').expect(200);
    const etag = first.headers.etag;
    expect(etag).to.be.a('string');
    await p.get(`/api/cases/${id}`, 'med.c1').set('If-None-Match', etag).expect(304);
    await p.event('med.c1', id, 'RECORD_SESSION', { summary: '第四次' });
    const changed = await p.get(`/api/cases/${id}`, 'med.c1').set('If-None-Match', etag).expect(200);
    expect(changed.headers.etag).to.not.equal(etag);
    expect(changed.body.version).to.be.greaterThan(first.body.version);
  });
});
