// Workflow 2026.3 over HTTP, the practice of 人民调解 (issue 12 §§2–5): mediators and recusal,
// invitations, investigation records, agents and group households, oral agreements in the ledger and
// the owners' assembly. Each test names the rule it checks.
import { expect } from 'chai';
import { COMPOUND, startProduct, type Product } from '../support/http.ts';
import { acceptData, PARTICULARS } from '../support/workflow.ts';

const PASSWORD = 'practice-pass-2026';

describe('HTTP: workflow 2026.3 in practice (issue 12 §§2–5)', () => {
  let p: Product;
  let kin: string; // a mediator of b-c1-1 related to 张三, the applicant the harness registers
  let local: string; // a mediator of b-c1-1 who lives in 华阳花园 (COMPOUND.c1)
  let other: string; // a mediator of b-c1-1 with no tie to the case
  before(async () => {
    p = await startProduct();
    const create = async (username: string, profile: Record<string, unknown>) =>
      (await p.post('/api/admin/users').send({ username, name: username, role: 'mediator', bodyId: 'b-c1-1', password: PASSWORD, profile }).expect(201)).body.user.id as string;
    kin = await create('med.kin', { relatives: ['张三'] });
    local = await create('med.local', { homeCompoundId: COMPOUND.c1 });
    other = await create('med.other', {});
  });
  after(async () => {
    await p.close();
  });
  const send = (who: Parameters<Product['post']>[1], id: string, type: string, data: Record<string, unknown>) =>
    p.post(`/api/cases/${id}/events`, who).send({ type, data });

  describe('mediators, recusal and invitations (§4)', () => {
    it('人民调解法 arts. 19, 23: mediators named on ACCEPT are conflict-checked (422 with the conflict); an override with a reason lets them preside', async () => {
      const { case: c } = await p.intake('med.c1');
      const refused = await send('med.c1', c.id, 'ACCEPT', { ...acceptData(), mediatorIds: [kin] }).expect(422);
      expect(refused.body.error.code).to.equal('EVENT_NOT_ALLOWED');
      expect(refused.body.error.details.conflicts).to.deep.equal([{ mediatorId: kin, reason: '调解员与当事人张三有亲属关系', kind: 'relative' }]);
      const ok = await p.event('med.c1', c.id, 'ACCEPT', { ...acceptData(), mediatorIds: [kin], overrides: [{ mediatorId: kin, reason: '双方当事人书面同意由其调解' }] });
      expect(ok.case.assignees.map((a: any) => a.id)).to.deep.equal([kin]);
      expect(ok.case.conflictOverrides[0]).to.include({ mediatorId: kin, override: '双方当事人书面同意由其调解' });
    });

    it('issue 12 §4: a mediator living in the compound is assigned, with a warning shown on the case', async () => {
      const { case: c } = await p.intake('med.c1');
      await p.event('med.c1', c.id, 'ACCEPT', acceptData());
      const assigned = await p.event('med.c1', c.id, 'ASSIGN', { mediatorIds: [local] });
      expect(assigned.case.assignees.map((a: any) => a.id)).to.include(local);
      expect(assigned.case.cautions).to.have.length(1);
      expect(assigned.case.cautions[0]).to.include({ code: 'local_tie', mediatorId: local, basis: '人民调解法第二十三条' });
      const page = await p.get(`/cases/${c.id}`, 'med.c1').expect(200);
      expect(page.text).to.include('调解员居住在本小区');
    });

    it('人民调解法 art. 23: a recusal records who asked and who decided; the recused mediator comes back only with an override and its reason', async () => {
      const { case: c } = await p.intake('med.c1');
      await p.event('med.c1', c.id, 'ACCEPT', acceptData());
      await p.event('med.c1', c.id, 'ASSIGN', { mediatorIds: [other] });
      await send('med.c1', c.id, 'REQUEST_RECUSAL', { mediatorId: other, reason: '相识', requestedBy: 'p7' }).expect(422);
      const recused = await p.event('med.c1', c.id, 'REQUEST_RECUSAL', { mediatorId: other, reason: '被申请人认为其与申请人相识', requestedBy: 'p2', decidedBy: '调委会主任王某' });
      expect(recused.case.recusals[0]).to.deep.include({ reason: '被申请人认为其与申请人相识', requestedBy: 'p2', basis: '人民调解法第二十三条' });
      expect(recused.case.recusals[0].decidedBy).to.deep.equal({ id: '调委会主任王某', name: '调委会主任王某' });
      const again = await send('med.c1', c.id, 'ASSIGN', { mediatorIds: [other] }).expect(422);
      expect(again.body.error.details.conflicts[0]).to.include({ mediatorId: other, kind: 'recused' });
      const back = await p.event('med.c1', c.id, 'ASSIGN', { mediatorIds: [other], overrides: [{ mediatorId: other, reason: '被申请人撤回回避申请' }] });
      expect(back.case.assignees.map((a: any) => a.id)).to.include(other);
      const history = (await p.get(`/api/cases/${c.id}/history`, 'med.c1').expect(200)).body;
      expect(history.find((e: any) => e.type === 'REQUEST_RECUSAL').data).to.include({ requestedBy: 'p2' });
    });

    it('issue 12 §4: with no mediator on record a case is not terminated or referred (422), and those events are not offered', async () => {
      const { case: c } = await p.intake('med.c1');
      await p.event('med.c1', c.id, 'ACCEPT', acceptData());
      const alone = await p.event('med.c1', c.id, 'REQUEST_RECUSAL', { mediatorId: p.userIds['med.c1'], reason: '自行回避', requestedBy: p.userIds['med.c1'] });
      expect(alone.case.assignees).to.deep.equal([]);
      expect(alone.case.availableEvents).not.to.include('TERMINATE');
      expect(alone.case.availableEvents).not.to.include('REFER_TO_COURT');
      const refused = await send('med.c1', c.id, 'TERMINATE', { reason: '终止' }).expect(422);
      expect(refused.body.error.code).to.equal('EVENT_NOT_ALLOWED');
      expect(refused.body.error.details.mediators).to.contain('no mediator is recorded');
      await send('med.c1', c.id, 'REFER_TO_COURT', { reason: '起诉' }).expect(422);
    });

    it('人民调解法 art. 19: a major dispute with fewer mediators than routing.majorMinMediators shows a warning, never a refusal', async () => {
      const { case: c } = await p.intake('med.c1', { householdsInvolved: 12 });
      expect(c.tier).to.equal('district');
      const accepted = await p.event('med.d', c.id, 'ACCEPT', acceptData());
      expect(accepted.case.status).to.equal('in_mediation');
      expect(accepted.case.cautions.map((x: any) => x.code)).to.deep.equal(['too_few_mediators']);
      const settings = await p.put('/api/admin/settings').send({ routing: { majorMinMediators: 1 } }).expect(200);
      expect(settings.body.routing.majorMinMediators).to.equal(1);
      expect((await p.get(`/api/cases/${c.id}`, 'med.d').expect(200)).body.cautions).to.deep.equal([]);
      await p.put('/api/admin/settings').send({ routing: { majorMinMediators: 0 } }).expect(400);
      await p.put('/api/admin/settings').send({ routing: { majorMinMediators: 2 } }).expect(200);
    });

    it('人民调解法 art. 20; 若干规定 art. 27: others are invited with every party’s consent (422 CONSENT_REQUIRED without); INVITE_EXPERT {expertId} still works', async () => {
      const { case: c } = await p.intake('med.c1');
      await p.event('med.c1', c.id, 'ACCEPT', acceptData());
      const partial = await send('med.c1', c.id, 'INVITE_PARTICIPANT', { kind: 'unit', unit: '街道房管办', consentOf: ['p1'] }).expect(422);
      expect(partial.body.error.code).to.equal('CONSENT_REQUIRED');
      const noUnit = await send('med.c1', c.id, 'INVITE_PARTICIPANT', { kind: 'unit', name: '王科长', consentOf: ['p1', 'p2'] }).expect(400);
      expect(noUnit.body.error.details[0].field).to.equal('data.unit');
      await send('med.c1', c.id, 'INVITE_PARTICIPANT', { kind: 'neighbour', consentOf: ['p1', 'p2'] }).expect(400);
      const invited = await p.event('med.c1', c.id, 'INVITE_PARTICIPANT', { kind: 'unit', unit: '街道房管办', name: '王科长', consentOf: ['p1', 'p2'] });
      expect(invited.case.participants[0]).to.deep.include({ kind: 'unit', unit: '街道房管办', name: '王科长', consentOf: ['p1', 'p2'] });
      await p.event('med.c1', c.id, 'INVITE_EXPERT', { expertId: p.userIds['expert.law'] });
      const withConsent = await p.event('med.c1', c.id, 'INVITE_EXPERT', { expertId: p.userIds['expert.law'], consentOf: ['p1', 'p2'] });
      expect(withConsent.case.participants[1]).to.deep.include({ kind: 'expert', userId: p.userIds['expert.law'] });
      expect(withConsent.case.participants[1].user.name).to.be.a('string');
      const partialExpert = await send('med.c1', c.id, 'INVITE_EXPERT', { expertId: p.userIds['expert.law'], consentOf: ['p2'] }).expect(422);
      expect(partialExpert.body.error.code).to.equal('CONSENT_REQUIRED');
    });
  });

  it('调查核实 (issue 12 §5): an investigation record is added while mediating and shown in the timeline (staff only)', async () => {
    const { case: c, accessCode } = await p.intake('med.c1');
    await send('med.c1', c.id, 'RECORD_INVESTIGATION', { whom: '物业工程部', what: '查看管道', findings: '立管渗漏' }).expect(422);
    await p.event('med.c1', c.id, 'ACCEPT', acceptData());
    await send('med.c1', c.id, 'RECORD_INVESTIGATION', { whom: '物业工程部', what: '查看管道' }).expect(400);
    const done = await p.event('med.c1', c.id, 'RECORD_INVESTIGATION', { whom: '物业工程部、楼上住户', what: '查看卫生间管道', findings: '楼上立管接口渗漏' });
    expect(done.case.investigations[0]).to.include({ whom: '物业工程部、楼上住户', findings: '楼上立管接口渗漏', by: p.userIds['med.c1'] });
    const page = await p.get(`/cases/${c.id}`, 'med.c1').expect(200);
    expect(page.text).to.include('调查核实').and.to.include('楼上立管接口渗漏');
    const tracked = await p.get(`/api/track/${encodeURIComponent(c.caseNo)}`, null).set('X-Access-Code', accessCode).expect(200);
    expect(tracked.body.history.map((e: any) => e.type)).to.deep.equal(['REGISTER', 'ACCEPT']);
  });

  describe('parties: agents and group households (§2)', () => {
    const group = {
      role: 'applicant',
      kind: 'group',
      name: '3号楼业主',
      representative: '王五',
      representativeChosenBy: '3号楼业主会议推选',
      households: 40,
      householdList: [
        { name: '王五', address: '3号楼101室' },
        { name: '赵六', address: '3号楼102室' },
        { name: '钱七', address: '3号楼201室' },
      ],
      agent: { name: '孙律师', phone: '13912345678', authority: 'special', scope: '代为承认、放弃、变更调解请求，代为达成、签署调解协议' },
    };
    const company = { role: 'respondent', kind: 'organisation', name: '示范物业公司', agent: { name: '物业经理周某', authority: 'general' } };

    it('an agent (委托代理人: 一般/特别授权) and a group’s households are accepted at intake; households count from the list', async () => {
      const res = await p.post('/api/cases', 'med.c1').send({ channel: 'walk_in', compoundId: COMPOUND.c1, category: 'elevator', summary: '加装电梯', parties: [group, company] }).expect(201);
      const c = (await p.get(`/api/cases/${res.body.case.id}`, 'med.c1').expect(200)).body;
      expect(c.householdsInvolved, 'three listed households; the company is none').to.equal(3);
      expect(c.parties[0]).to.deep.include({ households: 3, representativeChosenBy: '3号楼业主会议推选' });
      expect(c.parties[0].agent).to.deep.equal(group.agent);
      expect(c.parties[0].householdList).to.deep.equal(group.householdList);
      expect(c.parties[1].agent).to.deep.equal({ name: '物业经理周某', authority: 'general' });
      const page = await p.get(`/cases/${c.id}`, 'med.c1').expect(200);
      expect(page.text).to.include('孙律师').and.to.include('特别授权').and.to.include('3号楼业主会议推选').and.to.include('赵六');
    });

    it('the agent’s phone and the households’ addresses are masked like other personal data', async () => {
      const res = await p.post('/api/cases', 'med.c1').send({ channel: 'walk_in', compoundId: COMPOUND.c1, category: 'elevator', summary: '加装电梯', parties: [group, company] }).expect(201);
      const id = res.body.case.id;
      await p.event('med.c1', id, 'ACCEPT', acceptData());
      await p.event('med.c1', id, 'INVITE_EXPERT', { expertId: p.userIds['expert.law'] });
      const seen = (await p.get(`/api/cases/${id}`, 'expert.law').expect(200)).body;
      expect(seen.parties[0].agent.phone).to.equal('139****5678');
      expect(seen.parties[0].householdList[0].address).not.to.include('101');
      const history = JSON.stringify((await p.get(`/api/cases/${id}/history`, 'expert.law').expect(200)).body);
      expect(history).not.to.include('13912345678');
    });

    it('bad agents and household lists are refused with 400 and change nothing', async () => {
      const post = (parties: unknown[]) => p.post('/api/cases', 'med.c1').send({ channel: 'walk_in', compoundId: COMPOUND.c1, category: 'leakage', summary: '漏水', parties });
      const special = await post([{ ...group, agent: { name: '孙律师', authority: 'special' } }, company]).expect(400);
      expect(special.body.error.details[0].field).to.equal('parties.0.agent.scope');
      const person = await post([{ role: 'applicant', kind: 'person', name: '张三', householdList: [{ name: '张三' }] }, company]).expect(400);
      expect(person.body.error.details[0].field).to.equal('parties.0.householdList');
      await post([{ ...group, agent: { ...group.agent, phone: 'call me' } }, company]).expect(400);
      await post([{ ...group, agent: { ...group.agent, authority: 'everything' } }, company]).expect(400);
    });
  });

  it('人民调解法 art. 28: an oral agreement is counted as 口头 in the ledger (协议形式)', async () => {
    const { case: oral } = await p.intake('med.c1');
    await p.event('med.c1', oral.id, 'ACCEPT', acceptData());
    await p.event('med.c1', oral.id, 'REACH_AGREEMENT', { form: 'oral', terms: ['当日清理堆物'], performBy: '2026-11-30' });
    const { case: written } = await p.intake('med.c1');
    await p.event('med.c1', written.id, 'ACCEPT', acceptData());
    await p.event('med.c1', written.id, 'REACH_AGREEMENT', { terms: ['修复漏水'], performBy: '2026-12-10', ...PARTICULARS });
    await p.event('med.c1', written.id, 'SIGN_AGREEMENT', { signedBy: ['张三', '李四'] });
    const { case: open } = await p.intake('med.c1');
    const ledger = (await p.get('/api/ledger?format=json', 'admin').expect(200)).body.items as any[];
    const form = (caseNo: string) => ledger.find((i) => i.caseNo === caseNo)?.agreementForm;
    expect([form(oral.caseNo), form(written.caseNo), form(open.caseNo)]).to.deep.equal(['oral', 'written', null]);
    const csv = (await p.get('/api/ledger?format=csv', 'admin').buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
    }).expect(200)).body as string;
    const [header, ...lines] = csv.replace(/^\uFEFF/, '').split('\r\n');
    const col = header.split(',').indexOf('协议形式');
    const noCol = header.split(',').indexOf('案号');
    expect(col).to.be.greaterThan(0);
    const cells = (caseNo: string) => lines.map((l) => l.split(',')).find((c) => c[noCol] === caseNo)!;
    expect([cells(oral.caseNo)[col], cells(written.caseNo)[col], cells(open.caseNo)[col]]).to.deep.equal(['口头', '书面', '']);
  });

  it('民法典 art. 278: an agreement a group signs on an assembly matter warns that it needs the 业主大会; recording the decision clears it', async () => {
    const parties = [
      { role: 'applicant', kind: 'group', name: '5号楼业主', representative: '王五', households: 12 },
      { role: 'respondent', kind: 'organisation', name: '示范物业公司' },
    ];
    const res = await p.post('/api/cases', 'med.c1').send({ channel: 'walk_in', compoundId: COMPOUND.c1, category: 'elevator', summary: '加装电梯分摊', parties, householdsInvolved: 1 }).expect(201);
    const id = res.body.case.id;
    await p.event('med.c1', id, 'ACCEPT', acceptData());
    await send('med.c1', id, 'RECORD_ASSEMBLY_DECISION', { date: '2026-11-20' }).expect(400);
    await p.event('med.c1', id, 'REACH_AGREEMENT', { terms: ['按楼层分摊加装费用'], performBy: '2026-12-31', ...PARTICULARS });
    const signed = await p.event('med.c1', id, 'SIGN_AGREEMENT', { signedBy: ['王五', '示范物业公司'] });
    expect(signed.case.cautions.map((x: any) => x.code)).to.deep.equal(['assembly_decision_needed']);
    expect(signed.case.availableEvents).to.include('RECORD_ASSEMBLY_DECISION');
    const page = await p.get(`/cases/${id}`, 'med.c1').expect(200);
    expect(page.text).to.include('业主大会');
    const decided = await p.event('med.c1', id, 'RECORD_ASSEMBLY_DECISION', { date: '2026-11-20', summary: '业主大会表决通过（专有部分面积及人数均超过四分之三同意）' });
    expect(decided.case.cautions).to.deep.equal([]);
    expect(decided.case.assemblyDecision).to.include({ date: '2026-11-20' });
    const { case: leak } = await p.intake('med.c1');
    await p.event('med.c1', leak.id, 'ACCEPT', acceptData());
    await send('med.c1', leak.id, 'RECORD_ASSEMBLY_DECISION', { date: '2026-11-20', summary: 'x' }).expect(422);
  });

  it('/api/openapi.json describes the new events and fields', async () => {
    const api = JSON.stringify((await p.get('/api/openapi.json').expect(200)).body);
    for (const name of ['INVITE_PARTICIPANT', 'RECORD_INVESTIGATION', 'RECORD_ASSEMBLY_DECISION', 'requestedBy', 'decidedBy', 'householdList', 'representativeChosenBy', 'authority', 'majorMinMediators']) {
      expect(api, name).to.include(name);
    }
  });
});
