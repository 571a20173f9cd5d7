// Clauses that say who does what, how, where and by when (issue 13 §2; API.md 2026.3): the API keeps
// every part of a clause, refuses obligors who are not parties and dates out of range (422
// INVALID_CLAUSE, nothing changes), and lists what an agreement lacks before it is signed.
import { expect } from 'chai';
import { startProduct, type Product } from '../support/http.ts';
import { acceptData, PARTICULARS } from '../support/workflow.ts';

describe('HTTP: agreement clauses (issue 13 §2)', () => {
  let p: Product;
  before(async () => {
    p = await startProduct(); // clock at 2026-11-23
  });
  after(async () => {
    await p.close();
  });

  async function accepted() {
    const { case: c } = await p.intake('med.c1');
    await p.event('med.c1', c.id, 'ACCEPT', acceptData());
    return c.id as string;
  }
  const reach = (id: string, data: Record<string, unknown>) =>
    p.post(`/api/cases/${id}/events`, 'med.c1').send({ type: 'REACH_AGREEMENT', data: { performBy: '2026-12-31', ...PARTICULARS, ...data } });

  it('若干规定 art. 35(四): keeps obligors, manner, place, amount and date; a no-performance clause has none of them', async () => {
    const id = await accepted();
    const res = await reach(id, {
      terms: [
        { text: '李四向张三支付维修费', obligors: ['p2'], manner: '分两期银行转账', place: '华阳居委会调解室', amount: 12000, performBy: '2026-12-15' },
        { text: '双方对调解内容保密', noPerformance: true },
      ],
    }).expect(200);
    const [first, second] = res.body.case.agreement.clauses;
    expect(first).to.include({ obligor: 'p2', manner: '分两期银行转账', place: '华阳居委会调解室', amount: 12000, performBy: '2026-12-15' });
    expect(first.obligors).to.deep.equal(['p2']);
    expect(second).to.include({ noPerformance: true, performBy: '' });
    expect(second).not.to.have.property('obligors');
  });

  it('API.md 2026.3: an obligor who is not a party → 422 INVALID_CLAUSE, and nothing changes', async () => {
    const id = await accepted();
    const before = (await p.get(`/api/cases/${id}`, 'med.c1').expect(200)).body.version;
    const res = await reach(id, { terms: [{ text: '王五修复', obligors: ['p9'] }] }).expect(422);
    expect(res.body.error.code).to.equal('INVALID_CLAUSE');
    expect(res.body.error.details.problems[0]).to.include({ term: 0, field: 'obligors' });
    expect((await p.get(`/api/cases/${id}`, 'med.c1').expect(200)).body.version).to.equal(before);
    // before 2026.3 one obligor could be named by name: a name that is no party's is refused as well
    expect((await reach(id, { terms: [{ text: '王五修复', obligor: '王五' }] }).expect(422)).body.error.code).to.equal('INVALID_CLAUSE');
  });

  it('API.md 2026.3: a clause date after the agreement’s date, or before today, → 422 INVALID_CLAUSE', async () => {
    const id = await accepted();
    const late = await reach(id, { terms: [{ text: '修复', obligors: ['p2'], performBy: '2027-01-05' }] }).expect(422);
    expect(late.body.error.message).to.include('晚于协议的履行期限');
    const past = await reach(id, { terms: [{ text: '修复', obligors: ['p2'], performBy: '2026-11-20' }] }).expect(422);
    expect(past.body.error.message).to.include('早于今日（2026-11-23）');
    const pastOverall = await reach(id, { terms: ['修复'], performBy: '2026-11-22' }).expect(422);
    expect(pastOverall.body.error.details.problems[0]).to.include({ term: null, field: 'performBy' });
    // today itself and the agreement's own date are both allowed
    await reach(id, { terms: [{ text: '修复', obligors: ['p2'], performBy: '2026-11-23' }, { text: '赔偿', obligors: ['p2'], performBy: '2026-12-31' }] }).expect(200);
  });

  it('a no-performance clause carries no obligor, amount, place or date (400)', async () => {
    const id = await accepted();
    const res = await reach(id, { terms: [{ text: '放弃其他请求', noPerformance: true, obligors: ['p1'] }] }).expect(400);
    expect(res.body.error.code).to.equal('VALIDATION_FAILED');
  });

  it('人民调解法 art. 29: signing lists what the agreement still lacks (422 AGREEMENT_INCOMPLETE)', async () => {
    const id = await accepted();
    await p.event('med.c1', id, 'REACH_AGREEMENT', { terms: ['修复'], performBy: '2026-12-10', facts: '楼上漏水' });
    const res = await p.post(`/api/cases/${id}/events`, 'med.c1').send({ type: 'SIGN_AGREEMENT', data: { signedBy: ['张三', '李四'] } }).expect(422);
    expect(res.body.error.code).to.equal('AGREEMENT_INCOMPLETE');
    expect(res.body.error.details.missing).to.deep.equal(['争议事项', '各方责任']);
  });
});

describe('HTTP: the 文书校验码 on issued documents (issue 13 §4)', () => {
  let p: Product;
  before(async () => {
    p = await startProduct();
  });
  after(async () => {
    await p.close();
  });

  it('prints a verification line instead of the template in the footer, and GET /api/documents/:id checks it', async () => {
    const { case: c } = await p.intake('med.c1');
    const issued = await p.post(`/api/cases/${c.id}/documents`, 'med.c1').send({ kind: 'intake_form' }).expect(201);
    const res = await p.get(issued.body.document.url, 'med.c1').expect(200);
    const code = /文书校验码：([0-9A-F]{4}(?:-[0-9A-F]{4}){3})/.exec(res.text)?.[1];
    expect(code).to.be.a('string');
    expect(res.text).not.to.match(/<p class="footnote">[^]*模板：/); // the template id stays in the <meta> only
    expect(res.headers['x-document-check']).to.equal(code);
    expect(res.headers['x-document-verified']).to.equal('true');
    const ok = await p.get(`${issued.body.document.url}?check=${code!.toLowerCase().replace(/-/g, ' ')}`, 'med.c1').expect(200);
    expect(ok.body).to.deep.include({ verified: true });
    expect(ok.body.document.id).to.equal(issued.body.document.id);
    const wrong = await p.get(`${issued.body.document.url}?check=0000-0000-0000-0000`, 'med.c1').expect(200);
    expect(wrong.body.verified).to.equal(false);
  });
});
