// The fields the 司法局 and the court need (issue 16 §4), over HTTP against the real product: the
// ledger's new columns, the monthly table (JSON and XLSX read back with exceljs), the court inbox and
// the court package. Every expected value is computed from the scenario this file sends, never typed
// in as a snapshot; personal data stays masked in every new surface.
import { expect } from 'chai';
import ExcelJS from 'exceljs';
import type request from 'supertest';
import { DISPUTE_TYPE_OF, INTAKE_MODES } from '../../server/oversight/codes.ts';
import { COMPOUND, intakeBody, startProduct, type Product } from '../support/http.ts';
import { acceptData, PARTICULARS } from '../support/workflow.ts';

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

const PHONE = '13812345678';
const ID_NUMBER = '310101199001011234';

/** 涉及人数 as issue 16 defines it: a person 1, a group its households (list or count), an organisation 1. */
const peopleOf = (parties: Array<{ kind: string; households?: number; householdList?: unknown[] }>) =>
  parties.reduce((n, p) => n + (p.kind === 'group' ? Math.max(p.householdList?.length ?? 0, p.households ?? 0, 1) : 1), 0);

describe('HTTP: the fields the 司法局 and the court need (issue 16 §4)', function () {
  this.timeout(120_000);
  let p: Product;
  // a group of owners with its households named, a person, and the property company
  const groupParties = [
    { role: 'applicant', kind: 'person', name: '张三', phone: PHONE, idNumber: ID_NUMBER, address: '示范路1号3室' },
    {
      role: 'applicant',
      kind: 'group',
      name: '华阳花园3号楼业主',
      representative: '王五',
      householdList: [{ name: '赵一', address: '3号楼101室' }, { name: '钱二', address: '3号楼102室' }, { name: '孙三', address: '3号楼201室' }],
    },
    { role: 'respondent', kind: 'organisation', name: '示范物业服务有限公司', orgType: 'property_company' },
  ];
  const terms = [
    { text: '示范物业服务有限公司赔偿张三维修费用', obligors: ['p3'], amount: 1500.5, performBy: '2026-12-05' },
    { text: '示范物业服务有限公司退还3号楼业主多收的停车费', obligors: ['p3'], amount: 2000 },
    '各方不再就此事另行主张',
  ];
  const amountOf = (ts: typeof terms) => ts.reduce((s, t) => s + (typeof t === 'string' ? 0 : t.amount), 0);
  const cases: Record<string, { id: string; caseNo: string; parties: Array<{ kind: string; householdList?: unknown[] }>; mode: string; category: string }> = {};
  let mediatorName = '';

  before(async () => {
    p = await startProduct();
    const register = async (key: string, body: Record<string, unknown>, mode: string) => {
      const full = intakeBody(COMPOUND.c1, body);
      const res = await p.post('/api/cases', 'med.c1').send(full).expect(201);
      cases[key] = { id: res.body.case.id, caseNo: res.body.case.caseNo, parties: full.parties, mode, category: full.category };
      return res.body.case;
    };
    // A: a party applied; settled with amounts, a risk of 民转刑 flagged, judicially confirmed
    const a = await register('A', { parties: groupParties, category: 'parking' }, 'application');
    await p.event('med.c1', a.id, 'ACCEPT', acceptData([{ id: 'p1' }, { id: 'p2' }, { id: 'p3' }]));
    await p.event('med.c1', a.id, 'REACH_AGREEMENT', { terms, performBy: '2026-12-10', ...PARTICULARS });
    await p.event('med.c1', a.id, 'SIGN_AGREEMENT', { signedBy: ['张三', '王五', '示范物业服务有限公司'] });
    await p.event('med.c1', a.id, 'FLAG_RISK', { level: 'high', reason: '业主扬言堵门，可能引发冲突', prevents: ['criminal_case', 'mass_incident'] });
    await p.event('med.c1', a.id, 'REQUEST_CONFIRMATION');
    await p.event('court.liaison', a.id, 'CONFIRMATION_RESULT', { confirmed: true, ruling: '（2026）沪0105民特88号' });
    const view = await p.get(`/api/cases/${a.id}`, 'med.c1').expect(200);
    mediatorName = view.body.assignees[0].name;
    // B: transferred by the police; C: found by screening (主动调解); D: a 12345 work order; E: a phone
    // call whose work order came from the grid platform
    await register('B', { channel: 'department_transfer', transferredFrom: 'police', category: 'noise' }, 'police');
    await register('C', { channel: 'screening', category: 'housing_quality' }, 'proactive');
    await register('D', { channel: 'hotline_12345', source: { system: '12345', ref: 'GD-2026-001' } }, 'hotline_12345');
    await register('E', { channel: 'phone', source: { system: '区网格化管理平台', ref: 'WG-77' }, category: 'other' }, 'grid');
    await register('F', { channel: 'department_transfer', transferredFrom: 'petition' }, 'petition');
  });
  after(() => p.close());

  const ledgerItems = async (who: 'admin' | 'med.c1' | 'med.s1' = 'admin') => (await p.get('/api/ledger', who).expect(200)).body.items as any[];

  it('intake takes transferredFrom for department transfers only, and FLAG_RISK only known preventions (400, nothing written)', async () => {
    const wrongChannel = await p.post('/api/cases', 'med.c1').send(intakeBody(COMPOUND.c1, { transferredFrom: 'police' })).expect(400);
    expect(wrongChannel.body.error.code).to.equal('VALIDATION_FAILED');
    await p.post('/api/cases', 'med.c1').send(intakeBody(COMPOUND.c1, { channel: 'department_transfer', transferredFrom: 'fbi' })).expect(400);
    const before = (await p.get(`/api/cases/${cases.A.id}`, 'med.c1').expect(200)).body.version;
    await p.post(`/api/cases/${cases.A.id}/events`, 'med.c1').send({ type: 'FLAG_RISK', data: { level: 'high', reason: 'x', prevents: ['riot'] } }).expect(400);
    expect((await p.get(`/api/cases/${cases.A.id}`, 'med.c1').expect(200)).body.version).to.equal(before);
    expect((await ledgerItems()).length).to.equal(Object.keys(cases).length);
    // the flag is an event with its actor and time, in the history as accepted
    const history = (await p.get(`/api/cases/${cases.A.id}/history`, 'med.c1').expect(200)).body as any;
    const flag = (history.items ?? history).find((e: any) => e.type === 'FLAG_RISK');
    expect(flag.data.prevents).to.deep.equal(['criminal_case', 'mass_incident']);
    expect(flag.actor).to.not.equal(null);
    expect(flag.at).to.match(/\+08:00$/);
  });

  it('the ledger carries 承办调解员, 调解组织类型, 受理方式, 纠纷类型, 协议涉及金额, 司法确认, 涉及人数 and the prevention flags', async () => {
    const items = await ledgerItems();
    const byNo = new Map(items.map((i) => [i.caseNo, i]));
    const a = byNo.get(cases.A.caseNo);
    expect(a.mediators).to.deep.equal([mediatorName]);
    expect(a.orgType).to.equal('village_resident'); // med.c1's community room
    expect(a.agreementAmount).to.equal(amountOf(terms));
    expect(a.confirmation).to.equal('confirmed');
    expect(a.people).to.equal(peopleOf(groupParties));
    expect(a.people).to.not.equal(a.households); // people beside households: the company is a party, not a household
    expect([a.preventsCriminal, a.preventsMass]).to.deep.equal([true, true]);
    for (const [key, c] of Object.entries(cases)) {
      const item = byNo.get(c.caseNo);
      expect(item.intakeMode, key).to.equal(c.mode);
      expect(item.disputeType, key).to.equal(DISPUTE_TYPE_OF[c.category as keyof typeof DISPUTE_TYPE_OF]);
      if (key !== 'A') expect([item.agreementAmount, item.confirmation, item.preventsCriminal, item.mediators], key).to.deep.equal([null, null, false, []]);
    }
    // the CSV shows the labels under the Chinese headers
    const csv = (await p.get('/api/ledger?format=csv').expect(200)).text.replace(/^\uFEFF/, '').split('\r\n');
    const header = csv[0].split(',');
    const line = csv.find((l) => l.split(',')[1] === cases.A.caseNo)!.split(',');
    const cell = (h: string) => line[header.indexOf(h)];
    expect(cell('承办调解员')).to.equal(mediatorName);
    expect(cell('调解组织类型')).to.equal('村居');
    expect(cell('受理方式')).to.equal('当事人申请');
    expect(cell('协议涉及金额（元）')).to.equal(String(amountOf(terms)));
    expect(cell('司法确认')).to.equal('确认有效');
    expect(cell('涉及人数')).to.equal(String(peopleOf(groupParties)));
    expect([cell('防止民转刑'), cell('防止群体性事件')]).to.deep.equal(['是', '是']);
    expect(cell('纠纷类型（统计）')).to.match(/^12 /);
  });

  it('keeps personal data masked in the new columns and tables', async () => {
    const json = JSON.stringify(await ledgerItems());
    const monthly = JSON.stringify((await p.get('/api/stats/monthly?month=2026-11').expect(200)).body);
    for (const text of [json, monthly]) {
      expect(text).to.not.include(PHONE);
      expect(text).to.not.include(ID_NUMBER);
      expect(text).to.not.include('3号楼101室');
    }
  });

  it('the monthly table counts each body’s cases of the month, as JSON and XLSX; sub-district and district roles only', async () => {
    const res = await p.get('/api/stats/monthly?month=2026-11', 'med.s1').expect(200);
    const t = res.body;
    expect(t.from).to.equal('2026-11-01T00:00:00.000+08:00');
    const rows = t.districts.flatMap((d: any) => d.bodies);
    const roomId = (await p.get(`/api/cases/${cases.A.id}`, 'med.c1').expect(200)).body.bodyId ?? rows.find((r: any) => r.tier === 'community' && r.registered > 0).bodyId;
    const room = rows.find((r: any) => r.bodyId === roomId);
    const all = Object.values(cases);
    expect(room.orgType).to.equal('village_resident');
    expect(room.registered).to.equal(all.length);
    expect(room.accepted).to.equal(1);
    expect(room.settled).to.equal(1);
    expect(room.resolutionRate).to.equal(1);
    expect(room.agreementAmount).to.equal(amountOf(terms));
    expect(room.people).to.equal(all.reduce((n, c) => n + peopleOf(c.parties), 0));
    expect([room.confirmationApplied, room.confirmed, room.preventsCriminal, room.preventsMass]).to.deep.equal([1, 1, 1, 1]);
    const byMode: Record<string, number> = Object.fromEntries(INTAKE_MODES.map((m) => [m, 0]));
    const byType: Record<string, number> = {};
    for (const c of all) {
      byMode[c.mode]++;
      const code = DISPUTE_TYPE_OF[c.category as keyof typeof DISPUTE_TYPE_OF];
      byType[code] = (byType[code] ?? 0) + 1;
    }
    expect(room.byIntakeMode).to.deep.equal(byMode);
    expect(Object.fromEntries(Object.entries(room.byDisputeType).filter(([, n]) => (n as number) > 0))).to.deep.equal(byType);
    // every body of med.s1's centre is listed, the ones with nothing to report with zeros
    expect(rows.length).to.be.greaterThan(1);
    expect(rows.filter((r: any) => r.bodyId !== roomId).every((r: any) => r.registered === 0)).to.equal(true);
    expect(t.total.registered).to.equal(all.length);
    expect(t.districts[0].total.agreementAmount).to.equal(amountOf(terms));
    // another month: nothing
    expect((await p.get('/api/stats/monthly?month=2026-10', 'med.s1').expect(200)).body.total.registered).to.equal(0);

    // XLSX, read back: the same numbers in number cells
    const xlsx = (await p.get('/api/stats/monthly?month=2026-11&format=xlsx', 'med.s1').buffer(true).parse(binary).expect(200)).body as Buffer;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    const header = (ws.getRow(3).values as unknown[]).map((v) => (v == null ? '' : String(v)));
    let line: ExcelJS.Row | undefined;
    ws.eachRow((r) => {
      if (r.getCell(1).value === room.body) line = r;
    });
    expect(line, 'the room’s line').to.not.equal(undefined);
    const cell = (h: string) => line!.getCell(header.indexOf(h)).value;
    expect(cell('调解成功')).to.equal(room.settled);
    expect(cell('协议涉及金额（元）')).to.equal(room.agreementAmount);
    expect(cell('涉及人数')).to.equal(room.people);
    expect(cell('防止民转刑')).to.equal(1);
    expect(typeof cell('登记')).to.equal('number');
    expect(line!.getCell(2).value).to.equal('村居');

    // who may read it
    await p.get('/api/stats/monthly', 'med.d').expect(200);
    await p.get('/api/stats/monthly', 'admin').expect(200);
    for (const who of ['med.c1', 'court.liaison', 'expert.law'] as const) {
      const denied = await p.get('/api/stats/monthly', who).expect(403);
      expect(denied.body.error.code).to.equal('FORBIDDEN');
    }
    await p.get('/api/stats/monthly?month=2026-13').expect(400);
  });

  it('GET /api/stats carries the same fields, and groups by them (issue 16 §4)', async () => {
    const all = Object.values(cases);
    const households = (parties: Array<{ kind: string; householdList?: unknown[] }>) =>
      parties.reduce((n, p) => n + (p.kind === 'organisation' ? 0 : p.kind === 'group' ? Math.max(p.householdList?.length ?? 0, 1) : 1), 0);
    const byMode: Record<string, number> = Object.fromEntries(INTAKE_MODES.map((m) => [m, 0]));
    const byType: Record<string, number> = {};
    for (const c of all) {
      byMode[c.mode]++;
      const code = DISPUTE_TYPE_OF[c.category as keyof typeof DISPUTE_TYPE_OF];
      byType[code] = (byType[code] ?? 0) + 1;
    }
    for (const who of ['admin', 'med.c1', 'med.s1'] as const) {
      const s = (await p.get('/api/stats', who).expect(200)).body;
      expect(s.total, who).to.equal(all.length);
      // only A settled: a written agreement with amounts, confirmed by the court, both risks flagged
      expect(s.agreementAmount, who).to.equal(amountOf(terms));
      expect(s.byAgreementForm, who).to.deep.equal({ written: 1, oral: 0 });
      expect([s.confirmationApplied, s.confirmed, s.confirmationRefused, s.preventsCriminal, s.preventsMass], who).to.deep.equal([1, 1, 0, 1, 1]);
      expect(s.people, who).to.equal(all.reduce((n, c) => n + peopleOf(c.parties), 0));
      expect(s.households, who).to.equal(all.reduce((n, c) => n + households(c.parties), 0));
      expect(s.byIntakeMode, who).to.deep.equal(byMode);
      expect(s.byOrgType, who).to.deep.equal({ village_resident: all.length, township_street: 0, professional: 0 });
      expect(Object.fromEntries(Object.entries(s.byDisputeType).filter(([, n]) => (n as number) > 0)), who).to.deep.equal(byType);
    }
    // another body's mediators count none of them
    const other = (await p.get('/api/stats', 'med.c2').expect(200)).body;
    expect([other.total, other.people, other.agreementAmount, other.byIntakeMode.police]).to.deep.equal([0, 0, 0, 0]);
    const grouped = (await p.get('/api/stats?groupBy=intakeMode', 'admin').expect(200)).body;
    expect(grouped.groups.map((g: any) => g.key).sort()).to.deep.equal(Object.keys(byMode).filter((m) => byMode[m] > 0).sort());
    const police = grouped.groups.find((g: any) => g.key === 'police');
    expect([police.name, police.total, police.people]).to.deep.equal(['公安移送', 1, peopleOf(cases.B.parties)]);
    const application = grouped.groups.find((g: any) => g.key === 'application');
    expect([application.agreementAmount, application.confirmed]).to.deep.equal([amountOf(terms), 1]);
    const types = (await p.get('/api/stats?groupBy=disputeType', 'admin').expect(200)).body.groups;
    expect(Object.fromEntries(types.map((g: any) => [g.key, g.total]))).to.deep.equal(byType);
    await p.get('/api/stats?groupBy=people', 'admin').expect(400);
  });

  it('the oversight page links to the monthly table for those who may read it', async () => {
    const page = await p.get('/dashboard', 'med.s1').expect(200);
    expect(page.text).to.include('data-monthly-xlsx');
    const html = page.text.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
    expect(html).to.include('/api/stats/monthly?month=2026-11&format=xlsx');
    const room = await p.get('/dashboard', 'med.c1').expect(200);
    expect(room.text).to.not.include('data-monthly-xlsx');
  });

  it('the court inbox and the court package carry 案号, 案由, 标的额, mode, result, 结案方式, the agreement and the facts not in dispute', async () => {
    const delegation = {
      ...intakeBody(COMPOUND.c2, { channel: undefined }),
      courtRef: '（2026）沪0105民诉前调5678号',
      dueAt: '2026-12-20',
      causeOfAction: '物业服务合同纠纷',
      claimAmount: 36_800,
    };
    const failed = (await p.post('/api/court/delegations', 'court.liaison').send(delegation).expect(201)).body.case;
    await p.event('med.d', failed.id, 'ACCEPT', acceptData());
    const undisputed = '双方确认2026年10月起漏水，维修费用单据真实';
    await p.event('med.d', failed.id, 'MEDIATION_FAILED', { reason: '赔偿数额分歧较大', undisputedFacts: undisputed, consentOf: ['p1', 'p2'] });

    const entrusted = (
      await p.post('/api/court/delegations', 'court.liaison').send({ ...delegation, courtRef: '（2026）沪0105民初999号', mode: 'entrusted', procedure: 'summary', causeOfAction: undefined, claimAmount: undefined }).expect(201)
    ).body.case;
    await p.event('med.d', entrusted.id, 'ACCEPT', acceptData());
    const entrustedTerms = [{ text: '李四赔偿张三人民币800元', obligors: ['p2'], amount: 800 }];
    await p.event('med.d', entrusted.id, 'REACH_AGREEMENT', { terms: entrustedTerms, performBy: '2026-12-10', ...PARTICULARS });
    await p.event('med.d', entrusted.id, 'SIGN_AGREEMENT', { signedBy: ['张三', '李四'] });
    await p.event('court.liaison', entrusted.id, 'COURT_SETTLEMENT', { result: 'mediation_statement' });

    const inbox = (await p.get('/api/court/referrals?limit=100', 'court.liaison').expect(200)).body.items as any[];
    const f = inbox.find((i) => i.id === failed.id).court;
    expect(f).to.deep.include({ caseNo: delegation.courtRef, causeOfAction: delegation.causeOfAction, causeOfActionFrom: 'court', claimAmount: delegation.claimAmount, mode: 'delegated', result: 'no_agreement', closingMode: null, agreement: null });
    expect(f.undisputedFacts).to.deep.include({ text: undisputed, consentOf: ['p1', 'p2'] });
    const e = inbox.find((i) => i.id === entrusted.id).court;
    expect(e).to.deep.include({ caseNo: '（2026）沪0105民初999号', mode: 'entrusted', claimAmount: null, causeOfActionFrom: 'category', result: 'agreement', closingMode: 'mediation_statement', undisputedFacts: null });
    expect(e.causeOfAction).to.equal('相邻关系纠纷'); // leakage under 《民事案件案由规定》
    expect(e.agreement.amount).to.equal(entrustedTerms[0].amount);
    expect(e.agreement.clauses.map((c: any) => c.text)).to.deep.equal(entrustedTerms.map((t) => t.text));
    const confirmed = inbox.find((i) => i.id === cases.A.id).court;
    expect(confirmed).to.deep.include({ closingMode: 'judicial_confirmation', result: 'agreement', mode: null });
    expect(confirmed.agreement.amount).to.equal(amountOf(terms));

    // the inbox page shows them
    const page = await p.get('/', 'court.liaison').expect(200);
    expect(page.text).to.include(undisputed);
    expect(page.text).to.include('36,800.00');

    // the court package (JSON) issued with the referral letter carries the same, read by those who may see the parties
    const doc = (await p.post(`/api/cases/${failed.id}/documents`, 'med.d').send({ kind: 'court_referral' }).expect(201)).body;
    const docId = doc.id ?? doc.document?.id;
    const pkg = (await p.get(`/api/documents/${docId}/package`, 'court.liaison').expect(200)).body;
    expect(pkg.kind).to.equal('court_referral');
    expect(pkg.courtCase).to.deep.equal(f);
    await p.get(`/api/documents/${docId}/package`, 'expert.law').expect(403);
    await p.get(`/api/documents/${docId}/package`, 'med.c1').expect(404); // another body's case
    const intakeForm = (await p.post(`/api/cases/${failed.id}/documents`, 'med.d').send({ kind: 'intake_form' }).expect(201)).body;
    await p.get(`/api/documents/${intakeForm.id ?? intakeForm.document?.id}/package`, 'med.d').expect(404); // no package with that kind
  });
});
