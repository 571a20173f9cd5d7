// The pages for workflow 2026.3's practice (issue 12 §§2–5), without a browser: the intake form takes
// an agent and a group's household list; the case page offers and records invitations, investigation
// records, recusals with who asked, and the owners' assembly decision.
import { expect } from 'chai';
import { intakeForm, sendEvent, signIn, startProduct, textOf, type PageClient, type Product } from '../support/pages.ts';

const CASE_LINK = /href="\/cases\/([^"]+)" data-open-case/;
const ACCEPT_FORM = { consents: ['p1:written', 'p2:oral'], rightsNotified: 'on' };

describe('pages: workflow 2026.3 practice (issue 12 §§2–5)', function () {
  this.timeout(30_000);
  let product: Product;
  let med: PageClient;
  before(async () => {
    product = await startProduct();
    med = await signIn(product, 'med.c1');
  });
  after(async () => {
    await product.close();
  });

  async function register(overrides: Record<string, string>) {
    await med.get('/intake');
    const res = await med.post('/intake', intakeForm(overrides));
    return res;
  }

  it('the intake form takes an agent (一般/特别授权) and a group’s households, one a line; households count from the list', async () => {
    const form = await med.get('/intake');
    expect(form.text).to.include('name="p0.agentName"').and.include('name="p0.householdList"').and.include('name="p0.representativeChosenBy"');
    const res = await register({
      category: 'elevator',
      'p0.kind': 'group',
      'p0.name': '3号楼业主',
      'p0.representative': '王五',
      'p0.representativeChosenBy': '业主会议推选',
      'p0.householdList': '王五 3号楼101室\n赵六，3号楼102室\n钱七',
      'p0.phone': '',
      'p0.idNumber': '',
      'p0.address': '',
      'p0.agentName': '孙律师',
      'p0.agentPhone': '13912345678',
      'p0.agentAuthority': 'special',
      'p0.agentScope': '代为达成、签署调解协议',
    });
    expect(res.status, res.text.slice(0, 300)).to.equal(201);
    const id = CASE_LINK.exec(res.text)![1];
    const c = (await med.get(`/api/cases/${id}`)).body;
    expect(c.parties[0].agent).to.deep.equal({ name: '孙律师', phone: '13912345678', authority: 'special', scope: '代为达成、签署调解协议' });
    expect(c.parties[0].householdList).to.deep.equal([{ name: '王五', address: '3号楼101室' }, { name: '赵六', address: '3号楼102室' }, { name: '钱七' }]);
    expect(c.householdsInvolved, 'three households and a person').to.equal(4);
    const page = textOf((await med.get(`/cases/${id}`)).text);
    expect(page).to.include('委托代理人').and.include('特别授权').and.include('业主会议推选');
  });

  it('a special authority without its text is shown again with the error on the scope field', async () => {
    const res = await register({ 'p0.agentName': '孙律师', 'p0.agentAuthority': 'special' });
    expect(res.status).to.equal(400);
    expect(res.text).to.match(/id="p0-agentScope"[^>]*aria-invalid="true"/);
  });

  it('the case page offers INVITE_PARTICIPANT, RECORD_INVESTIGATION and a recusal with who asked, and shows what was recorded', async () => {
    const res = await register({});
    const id = CASE_LINK.exec(res.text)![1];
    expect((await sendEvent(med, id, 'ACCEPT', ACCEPT_FORM)).status).to.equal(303);
    const page = await med.get(`/cases/${id}`);
    expect(page.text).to.include('id="action-invite_participant"').and.include('id="action-record_investigation"').and.include('name="requestedBy"');
    const noConsent = await sendEvent(med, id, 'INVITE_PARTICIPANT', { kind: 'unit', unit: '街道房管办', name: '王科长', consentOf: ['p1'] });
    expect(noConsent.status).to.equal(422);
    expect((await sendEvent(med, id, 'INVITE_PARTICIPANT', { kind: 'unit', unit: '街道房管办', name: '王科长', consentOf: ['p1', 'p2'] })).status).to.equal(303);
    expect((await sendEvent(med, id, 'RECORD_INVESTIGATION', { whom: '物业工程部', what: '查看管道', findings: '立管接口渗漏' })).status).to.equal(303);
    const self = (await med.get('/api/me')).body.user.id as string;
    expect((await sendEvent(med, id, 'REQUEST_RECUSAL', { mediatorId: self, reason: '与申请人系同学', requestedBy: self })).status).to.equal(303);
    const text = textOf((await med.get(`/cases/${id}`)).text);
    expect(text).to.include('调解过程记录').and.include('街道房管办').and.include('立管接口渗漏').and.include('人民调解法第二十三条');
    expect(text).to.include('邀请参与调解').and.include('调查核实');
    const en = textOf((await med.get(`/cases/${id}?lang=en`)).text);
    expect(en).to.include('Mediation record').and.include('Record an investigation');
    await med.get(`/cases/${id}?lang=zh`);
  });

  it('民法典 art. 278: the case page shows the 业主大会 warning and records the decision', async () => {
    const res = await register({ category: 'elevator', 'p0.kind': 'group', 'p0.name': '5号楼业主', 'p0.representative': '王五', 'p0.households': '12', 'p0.phone': '', 'p0.idNumber': '', 'p0.address': '', householdsInvolved: '2' });
    expect(res.status, res.text.slice(0, 300)).to.equal(201);
    const id = CASE_LINK.exec(res.text)![1];
    await sendEvent(med, id, 'ACCEPT', ACCEPT_FORM);
    expect((await sendEvent(med, id, 'REACH_AGREEMENT', { form: 'oral', c0_text: '按楼层分摊', performBy: '2026-12-31' })).status).to.equal(303);
    const warned = await med.get(`/cases/${id}`);
    expect(warned.text).to.include('data-caution="assembly_decision_needed"').and.include('id="action-record_assembly_decision"');
    expect((await sendEvent(med, id, 'RECORD_ASSEMBLY_DECISION', { date: '2026-11-20', summary: '业主大会表决通过' })).status).to.equal(303);
    const after = await med.get(`/cases/${id}`);
    expect(after.text).not.to.include('data-caution=');
    expect(textOf(after.text)).to.include('业主大会决定').and.include('业主大会表决通过');
  });
});
