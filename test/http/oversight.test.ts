// Oversight over HTTP against the real product: statistics, the ledger in three formats, the
// reconciliation upload, company warnings, related cases, settings and the bulk intake — each in
// the caller's jurisdiction, with personal data masked in every export.
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type request from 'supertest';
import { COMPOUND, intakeBody, startProduct, toPerforming, type Product } from '../support/http.ts';
import { acceptData, PARTICULARS } from '../support/workflow.ts';

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

describe('HTTP oversight: statistics, ledger, reconciliation, companies, bulk intake', function () {
  this.timeout(60_000);
  let p: Product;
  const ids: Record<string, string> = {};
  const caseNos: Record<string, string> = {};

  before(async () => {
    p = await startProduct();
    // med.c1's room: one settled and followed up, one open; med.c2's room: one; the other sub-district: one
    const a = await p.intake('med.c1', { parties: [...intakeBody().parties.slice(0, 1), { role: 'respondent', kind: 'organisation', name: '华阳物业管理有限公司' }] });
    ids.a = a.case.id;
    caseNos.a = a.case.caseNo;
    await p.event('med.c1', ids.a, 'ACCEPT', acceptData());
    await p.event('med.c1', ids.a, 'REACH_AGREEMENT', { terms: ['修复漏水', '赔偿损失'], performBy: '2026-12-10', ...PARTICULARS });
    await p.event('med.c1', ids.a, 'SIGN_AGREEMENT', { signedBy: ['张三', '华阳物业管理有限公司'] });
    await p.event('med.c1', ids.a, 'RECORD_FOLLOW_UP', { performance: 'partial', satisfaction: 4, note: '', clauses: [{ clause: 1, performance: 'full' }, { clause: 2, performance: 'none' }] });
    const b = await p.intake('med.c1', { category: 'noise' }); // same compound and party as a: linked
    ids.b = b.case.id;
    caseNos.b = b.case.caseNo;
    const c = await p.post('/api/cases', 'med.s1').send(intakeBody(COMPOUND.c2)).expect(201);
    ids.c = c.body.case.id;
    const d = await p.post('/api/cases', 'admin').send(intakeBody(COMPOUND.s2, { category: 'parking' })).expect(201);
    ids.d = d.body.case.id;
    const e = await p.intake('med.c1'); // linked to a (category, party) and b (party)
    caseNos.e = e.case.caseNo;
    await toPerforming(p, e.case.id);
  });
  after(() => p.close());

  describe('GET /api/stats', () => {
    it('covers everything for an administrator and the own area for a mediator', async () => {
      const all = (await p.get('/api/stats', 'admin').expect(200)).body;
      expect(all).to.include({ total: 5, settled: 2, settledWithinSubdistrictRate: 1, performanceRate: 0.5, satisfaction: 1, recurrences: 2 });
      expect(all.byCompound).to.deep.equal({ [COMPOUND.c1]: 3, [COMPOUND.c2]: 1, [COMPOUND.s2]: 1 });
      expect(all).to.have.all.keys(
        'total', 'byStatus', 'byTier', 'byCategory', 'byCompound', 'settledWithinSubdistrictRate', 'resolutionRate', 'performanceRate',
        'satisfaction', 'medianDaysToSettle', 'overdue', 'red', 'settled', 'settledWithinSubdistrict', 'failed', 'satisfactionMean',
        'recurrences', 'clauses', 'visits', 'visitsSatisfied', 'byCommunity', 'bySubdistrict', 'byMonth', 'from', 'to',
        // issue 16 §4 (test/http/fields-2026-16.test.ts checks their values)
        'agreementAmount', 'byAgreementForm', 'people', 'households', 'confirmationApplied', 'confirmed', 'confirmationRefused',
        'preventsCriminal', 'preventsMass', 'byIntakeMode', 'byOrgType', 'byDisputeType',
      );
      expect((await p.get('/api/stats', 'med.c1').expect(200)).body.total).to.equal(3);
      expect((await p.get('/api/stats', 'med.c2').expect(200)).body.total).to.equal(1);
      expect((await p.get('/api/stats', 'med.s1').expect(200)).body.total).to.equal(4);
      expect((await p.get(`/api/stats?orgUnitId=${COMPOUND.s2}`, 'med.s1').expect(200)).body.total).to.equal(0);
      expect((await p.get('/api/stats?orgUnitId=ou-s2', 'admin').expect(200)).body.total).to.equal(1);
    });

    it('takes a period and groups by month', async () => {
      const none = (await p.get('/api/stats?from=2026-12-01&to=2026-12-31', 'admin').expect(200)).body;
      expect(none.total).to.equal(0);
      const nov = (await p.get('/api/stats?from=2026-11-23&to=2026-11-23&groupBy=month', 'admin').expect(200)).body;
      expect(nov.total).to.equal(5);
      expect(nov.groups.map((g: { key: string; total: number }) => [g.key, g.total])).to.deep.equal([['2026-11', 5]]);
    });

    it('refuses roles without oversight and bad parameters', async () => {
      await p.get('/api/stats', 'court.liaison').expect(403);
      await p.get('/api/stats', 'expert.law').expect(403);
      await p.get('/api/stats', null).expect(401);
      const bad = await p.get('/api/stats?from=2026-13-01', 'admin').expect(400);
      expect(bad.body.error.details[0].field).to.equal('from');
      await p.get('/api/stats?from=2026-12-01&to=2026-11-01', 'admin').expect(400);
      await p.get('/api/stats?orgUnitId=ou-nowhere', 'admin').expect(400);
      await p.get('/api/stats?groupBy=planet', 'admin').expect(400);
    });
  });

  describe('GET /api/ledger', () => {
    it('streams CSV with a BOM and Chinese headers, masked', async () => {
      const res = await p.get('/api/ledger?format=csv', 'admin').buffer(true).parse(binary).expect(200);
      expect(res.headers['content-type']).to.match(/^text\/csv; charset=utf-8/);
      expect(res.headers['content-disposition']).to.match(/^attachment; filename="ledger-.*\.csv"; filename\*=UTF-8''/);
      const buf = res.body as Buffer;
      expect([...buf.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
      const text = buf.toString('utf8');
      expect(text).not.to.include('13812345678').and.not.to.include('310101199001011234').and.not.to.include('示范路1号3室');
      expect(text).to.include('张三（138****5678）');
      const rows = parse(text, { bom: true }) as string[][];
      expect(rows[0].slice(0, 3)).to.deep.equal(['序号', '案号', '登记日期']);
      expect(rows).to.have.length(6);
    });

    it('gives XLSX and JSON, and a mediator only their own cases', async () => {
      const x = await p.get('/api/ledger?format=xlsx', 'med.c1').buffer(true).parse(binary).expect(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(x.body as ArrayBuffer);
      const sheet = wb.worksheets[0];
      expect(sheet.rowCount).to.equal(4);
      const cellText: string[] = [];
      sheet.eachRow((row) => row.eachCell((c) => cellText.push(String(c.value))));
      expect(cellText.join('|')).not.to.include('13812345678');
      const json = (await p.get('/api/ledger', 'med.c1').expect(200)).body;
      expect(json.total).to.equal(3);
      expect(json.items.map((i: { caseNo: string }) => i.caseNo)).to.include.members([caseNos.a, caseNos.b]);
      const a = json.items.find((i: { caseNo: string }) => i.caseNo === caseNos.a);
      expect(a).to.include({ status: 'performing', performance: 'partial', followUps: 1, compound: '华阳花园' });
      expect(a.laterCases).to.deep.equal([caseNos.b, caseNos.e]);
      await p.get('/api/ledger?format=pdf', 'admin').expect(400);
      await p.get('/api/ledger', 'expert.law').expect(403);
    });
  });

  describe('POST /api/ledger/reconcile', () => {
    const list = () => `案号,办理状态\r\n${caseNos.a},履行中\r\n${caseNos.b},已结案\r\n（2026）示范华阳物调字第99999号,已结案\r\n`;

    it('takes the list as a CSV body', async () => {
      const res = await p.post('/api/ledger/reconcile', 'med.c1').set('Content-Type', 'text/csv').send(list()).expect(200);
      expect(res.body.matched).to.deep.equal([caseNos.a]);
      expect(res.body.differing).to.deep.equal([{ caseNo: caseNos.b, line: 3, fields: [{ field: 'status', header: '办理状态', file: '已结案', system: '已登记，待受理' }] }]);
      expect(res.body.missingInSystem.map((m: { caseNo: string }) => m.caseNo)).to.deep.equal(['（2026）示范华阳物调字第99999号']);
      expect(res.body.missingInFile).to.have.length(1);
    });

    it('takes an XLSX file from a form, and JSON rows', async () => {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('对账');
      ws.addRow(['案号', '办理状态']);
      ws.addRow([caseNos.a, '履行中']);
      const file = Buffer.from(await wb.xlsx.writeBuffer());
      const res = await p.post('/api/ledger/reconcile', 'med.c1').attach('file', file, '对账.xlsx').expect(200);
      expect(res.body.summary).to.include({ matched: 1, missingInFile: 2 });
      const json = await p.post('/api/ledger/reconcile', 'admin').send({ rows: [{ caseNo: caseNos.a, status: 'performing' }] }).expect(200);
      expect(json.body.summary).to.include({ matched: 1, missingInFile: 4, systemRows: 5 });
    });

    it('refuses what is not a list, and the roles without oversight', async () => {
      await p.post('/api/ledger/reconcile', 'med.c1').set('Content-Type', 'text/csv').send('状态\r\n已结案\r\n').expect(400);
      await p.post('/api/ledger/reconcile', 'med.c1').send({}).expect(400);
      await p.post('/api/ledger/reconcile', 'court.liaison').set('Content-Type', 'text/csv').send(list()).expect(403);
      await p.post('/api/ledger/reconcile', null).set('Content-Type', 'text/csv').send(list()).expect(401);
    });
  });

  describe('GET /api/companies and related cases', () => {
    it('colours the company with the cases behind it', async () => {
      const res = await p.get('/api/companies', 'admin').expect(200);
      expect(res.body.companies).to.have.length(1);
      expect(res.body.companies[0]).to.deep.include({ name: '华阳物业管理有限公司', disputes: 1, nonPerformance: 1, colour: 'yellow' });
      expect(res.body.companies[0].evidence).to.deep.equal({ nonPerformance: [caseNos.a] });
      expect(res.body.byColour.yellow).to.deep.equal(['华阳物业管理有限公司']);
      expect((await p.get('/api/companies', 'med.c2').expect(200)).body.companies).to.deep.equal([]);
    });

    it('lists a case’s related cases both ways, for those who may read it', async () => {
      const b = (await p.get(`/api/cases/${ids.b}/related`, 'med.c1').expect(200)).body;
      expect(b.windowDays).to.equal(365);
      expect(b.relatedCases.map((r: { caseNo: string; direction: string }) => [r.caseNo, r.direction])).to.deep.include([caseNos.a, 'earlier']);
      const a = (await p.get(`/api/cases/${ids.a}/related`, 'med.c1').expect(200)).body;
      expect(a.relatedCases.map((r: { caseNo: string; direction: string; reasons: string[] }) => [r.caseNo, r.direction, r.reasons])).to.deep.include([caseNos.b, 'later', ['party']]);
      await p.get(`/api/cases/${ids.a}/related`, 'med.c2').expect(404);
    });

    it('lets an administrator change the rules, and others read them', async () => {
      await p.put('/api/oversight/settings', 'med.c1').send({ satisfiedAtLeast: 5 }).expect(403);
      const put = await p.put('/api/oversight/settings', 'admin').send({ companyRules: { red: { nonPerformance: 1 } }, satisfiedAtLeast: 5, recurrenceDays: 180 }).expect(200);
      expect(put.body).to.deep.include({ satisfiedAtLeast: 5, recurrenceDays: 180 });
      expect((await p.get('/api/companies', 'admin').expect(200)).body.companies[0].colour).to.equal('red');
      expect((await p.get('/api/stats', 'admin').expect(200)).body.satisfaction).to.equal(0);
      expect((await p.get('/api/oversight/settings', 'med.c1').expect(200)).body).to.deep.include({ recurrenceDays: 180 });
      await p.put('/api/oversight/settings', 'admin').send({ companyRules: { red: { nonPerformance: 3 } }, satisfiedAtLeast: 4, recurrenceDays: 365 }).expect(200);
      await p.put('/api/oversight/settings', 'admin').send({ satisfiedAtLeast: 9 }).expect(400);
    });
  });

  describe('POST /api/cases/bulk', () => {
    const row = (ref: string, over: Record<string, unknown> = {}) => ({ ...intakeBody(), channel: 'hotline_12345', source: { system: '12345', ref }, ...over });

    it('registers a JSON batch row by row, reporting errors and skipping duplicates', async () => {
      const res = await p
        .post('/api/cases/bulk', 'med.c1')
        .send([row('GD-1'), row('GD-2', { summary: '' }), row('GD-1'), row('GD-3', { compoundId: COMPOUND.s2 }), row('GD-4', { category: 'noise' })])
        .expect(201);
      expect(res.body.summary).to.deep.equal({ rows: 5, created: 2, duplicates: 1, errors: 2 });
      expect(res.body.created.map((c: { row: number }) => c.row)).to.deep.equal([1, 5]);
      expect(res.body.created[0].accessCode).to.be.a('string').with.length.at.least(6);
      expect(res.body.created[1].relatedCases).to.include(res.body.created[0].caseNo); // the batch's own earlier row
      expect(res.body.duplicates).to.deep.equal([{ row: 3, source: { system: '12345', ref: 'GD-1' }, caseId: res.body.created[0].id, caseNo: res.body.created[0].caseNo, firstRow: 1 }]);
      expect(res.body.errors.map((e: { row: number; errors: Array<{ field: string; code?: string }> }) => [e.row, e.errors[0].field, e.errors[0].code ?? null])).to.deep.equal([
        [2, 'summary', null],
        [4, 'compoundId', 'OUT_OF_JURISDICTION'],
      ]);
      const again = await p.post('/api/cases/bulk', 'med.c1').send([row('GD-1'), row('GD-4')]).expect(200);
      expect(again.body.summary).to.deep.include({ created: 0, duplicates: 2 });
      const c = await p.get(`/api/cases/${res.body.created[0].id}`, 'med.c1').expect(200);
      expect(c.body).to.include({ caseNo: res.body.created[0].caseNo });
    });

    it('takes the grid platform’s CSV with Chinese headers, and replays a retry with the same key', async () => {
      const csv =
        '来源系统,工单号,小区,类别,反映内容,反映人,联系电话,被反映对象,被申请人类型,被申请人组织类型\r\n' +
        '网格,WG-1,华阳花园,噪音,夜间装修噪音扰民,王五,13700001111,华阳物业管理有限公司,单位,物业公司\r\n' +
        '网格,WG-2,不存在的小区,噪音,楼道堆物,赵六,13700002222,,,\r\n';
      const first = await p.post('/api/cases/bulk', 'med.c1').set('Content-Type', 'text/csv').set('Idempotency-Key', 'grid-batch-1').send(csv).expect(201);
      expect(first.body.summary).to.deep.equal({ rows: 2, created: 1, duplicates: 0, errors: 1 });
      expect(first.body.errors[0]).to.deep.include({ row: 3 });
      expect(first.body.errors[0].errors[0].field).to.equal('compoundId');
      const stored = await p.running.services.store.cases.get(first.body.created[0].id);
      expect(stored!.channel).to.equal('grid');
      expect(stored!.snapshot.context.parties[1]).to.include({ kind: 'organisation', orgType: 'property_company' });
      const retry = await p.post('/api/cases/bulk', 'med.c1').set('Content-Type', 'text/csv').set('Idempotency-Key', 'grid-batch-1').send(csv).expect(201);
      expect(retry.headers['idempotent-replayed']).to.equal('true');
      expect(retry.body).to.deep.equal(first.body);
      const bad = await p.post('/api/cases/bulk', 'med.c1').set('Content-Type', 'text/csv').send('小区,颜色\r\n华阳花园,红\r\n').expect(400);
      expect(bad.body.error.message).to.include('颜色');
    });

    it('refuses those who may not register cases, and batches that are too large', async () => {
      await p.post('/api/cases/bulk', 'court.liaison').send([row('X-1')]).expect(403);
      await p.post('/api/cases/bulk', 'admin').send({ nope: true }).expect(400);
      await p.post('/api/cases/bulk', 'admin').send(Array.from({ length: 501 }, () => ({}))).expect(400);
    });
  });
});
