// Case numbers (issue 12 §6, API.md "Additions with workflow 2026.3" — Numbers): each body numbers the
// cases it accepts in its own docket; a case escalated to the district takes the district committee's
// number on acceptance and keeps the earlier ones as formerCaseNos (原编号), by which residents still
// find it. Padding is a run-time setting (default none: 第12号). Over HTTP against the real product.
import { expect } from 'chai';
import { startProduct, type DemoUser, type Product } from '../support/http.ts';
import { acceptData } from '../support/workflow.ts';

/** 受理 by `who` (one place to change when ACCEPT carries the parties' consent, API.md 2026.3). */
const accept = (p: Product, who: DemoUser, caseId: string) => p.event(who, caseId, 'ACCEPT', acceptData());

describe('HTTP case numbers: each body its own docket, former numbers still track', () => {
  let p: Product;
  before(async () => {
    p = await startProduct();
  });
  after(async () => {
    await p.close();
  });

  const track = (no: string, code: string) => p.get(`/api/track/${encodeURIComponent(no)}`, null).set('X-Access-Code', code);

  /** community → sub-district → district, each accepting: the numbers the case had at each step */
  async function escalatedToDistrict() {
    const { case: c, accessCode } = await p.intake('med.c1');
    const numbers = [c.caseNo as string];
    await accept(p, 'med.c1', c.id);
    const up = await p.event('med.c1', c.id, 'ESCALATE', { reason: '社区层面调解不成' });
    expect(up.case.caseNo, 'escalating does not renumber: the receiving body has not accepted yet').to.equal(numbers[0]);
    const atCentre = await accept(p, 'med.s1', c.id);
    numbers.push(atCentre.case.caseNo);
    await p.event('med.s1', c.id, 'ESCALATE', { reason: '涉及多户，街镇层面调解不成' });
    const atDistrict = await accept(p, 'med.d', c.id);
    numbers.push(atDistrict.case.caseNo);
    return { id: c.id as string, accessCode, numbers, view: atDistrict.case };
  }

  it('numbers without zero-padding by default (第1号), per body and year', async () => {
    const { case: c } = await p.intake('med.c1');
    expect(c.caseNo).to.match(/^（2026）示范华阳物调字第[1-9]\d*号$/);
    expect(c.formerCaseNos).to.deep.equal([]);
  });

  it('gives an escalated case the number of each body that accepts it, keeping the earlier ones', async () => {
    const { numbers, view } = await escalatedToDistrict();
    expect(new Set(numbers).size, numbers.join(' / ')).to.equal(3);
    const district = p.running.services.directory.body(view.body.id)!;
    expect(numbers[2]).to.match(new RegExp(`^（2026）${district.shortName}物调字第\\d+号$`));
    expect(view).to.include({ caseNo: numbers[2], tier: 'district', status: 'in_mediation' });
    expect(view.formerCaseNos).to.deep.equal(numbers.slice(0, 2));
    // staff find it by an old number too (the list's q searches every number of the case)
    const found = await p.get(`/api/cases?q=${encodeURIComponent(numbers[0])}`, 'med.d').expect(200);
    expect(found.body.items.map((i: any) => i.id)).to.deep.equal([view.id]);
  });

  it('keeps the number when the body that numbered the case accepts it (a major dispute registered at the district)', async () => {
    const { case: c } = await p.intake('med.d', { householdsInvolved: 12 });
    expect(c.tier).to.equal('district');
    const accepted = await accept(p, 'med.d', c.id);
    expect(accepted.case).to.include({ caseNo: c.caseNo, status: 'in_mediation' });
    expect(accepted.case.formerCaseNos).to.deep.equal([]);
  });

  it('counts each body’s docket on its own: the district’s next number follows its own last one', async () => {
    const first = await escalatedToDistrict();
    const second = await escalatedToDistrict();
    const serial = (no: string) => Number(/第(\d+)号/.exec(no)![1]);
    expect(serial(second.numbers[2])).to.equal(serial(first.numbers[2]) + 1);
    expect(serial(second.numbers[1])).to.equal(serial(first.numbers[1]) + 1);
  });

  it('prints the district’s number on documents the district issues', async () => {
    const { id, numbers } = await escalatedToDistrict();
    const issued = await p.post(`/api/cases/${id}/documents`, 'med.d').send({ kind: 'intake_form' }).expect(201);
    const html = (await p.get(issued.body.document.url, 'med.d').expect(200)).text;
    expect(html).to.include(numbers[2]);
  });

  it('finds the case by the current or any former number, typed loosely, over the API and the /track page', async () => {
    const { accessCode, numbers } = await escalatedToDistrict();
    const loose = (no: string) => ` ${no.replace('（', '(').replace('）', ')').replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))).replace('物调字', '物调字 ')} `;
    const spaced = `${accessCode.slice(0, 4).toLowerCase()} ${accessCode.slice(4)}`;
    for (const no of numbers) {
      const res = await track(no, accessCode).expect(200);
      expect(res.body.caseNo, 'the view shows the current number').to.equal(numbers[2]);
      await track(loose(no), spaced).expect(200);
    }
    const page = await p.post('/track', null).type('form').send({ caseNo: loose(numbers[0]), accessCode: spaced });
    expect(page.status).to.equal(200);
    expect(page.text).to.include(numbers[2]);
  });

  it('pads new numbers when an administrator sets caseNoDigits', async () => {
    const fresh = await startProduct();
    try {
      const bad = await fresh.put('/api/admin/settings').send({ caseNoDigits: 12 }).expect(400);
      expect(bad.body.error.details[0].field).to.equal('caseNoDigits');
      const set = await fresh.put('/api/admin/settings').send({ caseNoDigits: 5 }).expect(200);
      expect(set.body.caseNoDigits).to.equal(5);
      const { case: c } = await fresh.intake('med.c1');
      expect(c.caseNo).to.match(/^（2026）示范华阳物调字第\d{5}号$/);
    } finally {
      await fresh.close();
    }
  });
});

describe('HTTP residents: the acceptance period comes from the settings', () => {
  let p: Product;
  before(async () => {
    p = await startProduct();
  });
  after(async () => {
    await p.close();
  });

  it('tells a resident of a registered case the acceptance limit in force, not a fixed 3 working days', async () => {
    const { case: c, accessCode } = await p.intake('med.c1');
    const track = () => p.get(`/api/track/${encodeURIComponent(c.caseNo)}`, null).set('X-Access-Code', accessCode).expect(200);
    expect((await track()).body.nextStep.zh).to.include('3个工作日');
    await p.put('/api/admin/settings').send({ deadlines: { limits: { acceptance: { amount: 5, unit: 'days', source: '本地规定：五日内决定是否受理' } } } }).expect(200);
    const after = (await track()).body.nextStep;
    expect(after.zh).to.include('5日内').and.not.include('3个工作日');
    expect(after.en).to.include('within 5 days');
  });
});
