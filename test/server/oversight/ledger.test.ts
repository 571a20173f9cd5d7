// The ledger (台账) of a generated district: every case once, in registration order, with the planned
// facts; personal data masked in JSON, CSV and XLSX alike; CSV (BOM, CRLF) and XLSX round trips; and
// reconciliation (对账销号) of an office's list with deliberate mismatches, as CSV, GB18030 CSV, XLSX.
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { canonicalCaseNo } from '../../../server/oversight/keys.ts';
import {
  LEDGER_COLUMNS,
  ledgerLinePages,
  ledgerPages,
  writeLedgerCsv,
  writeLedgerJson,
  writeLedgerXlsx,
  type LedgerItem,
  type Names,
} from '../../../server/oversight/ledger.ts';
import { reconcile } from '../../../server/oversight/reconcile.ts';
import { readTable } from '../../../server/oversight/table-pool.ts';
import type { OversightQuery } from '../../../server/store/port.ts';
import { expectedLinks, finalClauses, sharedDistrict, workingDays, type DistrictHarness, type DistrictPlan } from './district.ts';

async function collect(write: (out: PassThrough) => Promise<unknown>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => out.on('end', resolve));
  await write(out);
  await ended;
  return Buffer.concat(chunks);
}

/** A GB18030 encoder for test data, built from the platform's decoder (Node has no encoder). */
function gbEncoder(): (s: string) => Buffer {
  const map = new Map<string, number[]>();
  const dec = new TextDecoder('gb18030');
  for (let a = 0x81; a <= 0xfe; a++) {
    for (let b = 0x40; b <= 0xfe; b++) {
      if (b === 0x7f) continue;
      const ch = dec.decode(new Uint8Array([a, b]));
      if (ch.length === 1 && ch !== '\uFFFD' && !map.has(ch)) map.set(ch, [a, b]);
    }
  }
  return (s) => Buffer.from([...s].flatMap((ch) => (ch.charCodeAt(0) < 0x80 ? [ch.charCodeAt(0)] : (map.get(ch) ?? [0x3f]))));
}

async function xlsxCells(buf: Buffer): Promise<Array<Array<string | number | null>>> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  const rows: Array<Array<string | number | null>> = [];
  wb.worksheets[0].eachRow({ includeEmpty: true }, (row) => {
    const v = row.values as Array<unknown>;
    // days are date cells (issue 16 §2): compared as the day they show
    const cell = (x: unknown) => (x instanceof Date ? x.toISOString().slice(0, 10) : (x as string | number));
    rows.push(LEDGER_COLUMNS.map((_, i) => (v[i + 1] == null ? null : cell(v[i + 1]))));
  });
  return rows;
}

describe('oversight: the ledger of a generated district', function () {
  this.timeout(600_000);
  let h: DistrictHarness;
  let plan: DistrictPlan;
  let names: Names;
  let items: LedgerItem[];
  let csv: Buffer;
  let xlsx: Buffer;
  let json: Buffer;

  before(async () => {
    ({ h, plan } = await sharedDistrict());
    names = { unit: (id) => h.directory.unit(id)?.name, body: (id) => h.directory.body(id)?.name };
    json = await collect((out) => writeLedgerJson(out, ledgerPages(h.store, {}, 333), names));
    items = JSON.parse(json.toString('utf8')).items;
    csv = await collect((out) => writeLedgerCsv(out, ledgerLinePages(h.store, {}, 333), names));
    xlsx = await collect((out) => writeLedgerXlsx(out, ledgerPages(h.store, {}, 333), names));
  });

  it('has one line per case, in registration order, with what the plan implies', () => {
    expect(JSON.parse(json.toString('utf8')).total).to.equal(plan.cases.length);
    const ordered = [...plan.cases].sort((a, b) => (a.regDay + String(a.regMinute).padStart(4, '0')).localeCompare(b.regDay + String(b.regMinute).padStart(4, '0')));
    expect(items.map((i) => i.registeredAt)).to.deep.equal(ordered.map((c) => c.regDay));
    const byNo = new Map(items.map((i) => [i.caseNo, i]));
    const caseNoOf = new Map(plan.cases.map((c) => [c.n, c.caseNo!]));
    const caseOfNo = new Map(plan.cases.flatMap((c) => [c.caseNo!, ...(c.formerCaseNos ?? [])].map((no) => [no, c.n] as const)));
    const links = expectedLinks(plan);
    // the later cases linked back to each, in registration order
    const when = (n: number) => `${plan.cases[n].regDay}${String(plan.cases[n].regMinute).padStart(4, '0')}`;
    const later = new Map<number, string[]>();
    for (const c of [...plan.cases].sort((x, y) => when(x.n).localeCompare(when(y.n)))) {
      for (const l of links.get(c.n) ?? []) later.set(l.n, [...(later.get(l.n) ?? []), caseNoOf.get(c.n)!]);
    }
    for (const c of plan.cases) {
      const i = byNo.get(c.caseNo!)!;
      const x = c.expect;
      const clauses = finalClauses(x.visits);
      const perf = !x.settled ? '' : clauses.every((p) => p === 'full') ? 'full' : clauses.every((p) => p === 'none') ? 'none' : 'partial';
      expect(
        {
          status: i.status,
          outcome: i.outcome,
          tier: i.tier,
          compound: i.compound,
          category: i.category,
          channel: i.channel,
          source: i.source,
          settledAt: i.settledAt,
          daysToSettle: i.daysToSettle,
          performance: i.performance,
          followUps: i.followUps,
          overdue: i.overdue,
          // the earlier cases by the number each had when this one was registered (a later renumbering
          // at another body leaves that record alone): compared as which cases they are
          relatedCases: i.relatedCases.map((no) => caseOfNo.get(no)),
          laterCases: i.laterCases,
        },
        `${c.scenario} #${c.n}`,
      ).to.deep.equal({
        status: x.status,
        outcome: x.outcome,
        tier: x.tier,
        compound: h.directory.unit(c.compoundId)!.name,
        category: c.category,
        channel: c.channel,
        source: c.source ? `${c.source.system}:${c.source.ref}` : null,
        settledAt: x.signDay,
        daysToSettle: x.settled ? workingDays(h.calendar, c.regDay, x.signDay!) : null,
        performance: perf,
        followUps: x.visits.length,
        overdue: x.everOverdue,
        relatedCases: (links.get(c.n) ?? []).map((l) => l.n),
        laterCases: later.get(c.n) ?? [],
      });
      const path = { community: ['community'], subdistrict: ['community', 'subdistrict'], district: ['community', 'subdistrict', 'district'] }[x.bodyTier];
      expect(i.tierPath).to.deep.equal(c.scenario.startsWith('referred') ? [...path, 'court'] : path);
    }
  });

  it('masks personal data in every export: JSON, CSV and XLSX', async () => {
    const secrets = new Set<string>();
    for (const c of plan.cases) {
      for (const p of c.parties) {
        if (p.phone) secrets.add(p.phone);
        if (p.idNumber) secrets.add(p.idNumber);
        if (p.address) secrets.add(p.address);
      }
    }
    expect(secrets.size).to.be.greaterThan(100);
    const cells = (await xlsxCells(xlsx)).flat().map((v) => String(v ?? ''));
    const texts = { json: json.toString('utf8'), csv: csv.toString('utf8'), xlsx: cells.join('\n') };
    for (const [format, text] of Object.entries(texts)) {
      for (const s of secrets) expect(text.includes(s), `${format} shows ${s}`).to.equal(false);
      expect(text, format).to.match(/139\*\*\*\*\d{4}/); // masked the way people here recognise
    }
    // the summary (with the applicant's phone in it) is masked too
    const withPhone = items.find((i) => i.summary.includes('联系电话'))!;
    expect(withPhone.summary).to.match(/联系电话139\*\*\*\*\d{4}/);
  });

  it('writes CSV that Excel opens with Chinese intact: BOM, CRLF, and the same cells as the JSON', () => {
    expect([...csv.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    const text = csv.toString('utf8').slice(1);
    expect(text.split('\r\n')[0]).to.equal(LEDGER_COLUMNS.map((c) => c.header).join(','));
    expect(text.match(/\r\n/g)!.length).to.equal(items.length + 1); // every line ends CRLF
    expect(/[^\r]\n/.test(text)).to.equal(false);
    const rows = parse(text, { bom: true, relax_column_count: false }) as string[][];
    expect(rows.length).to.equal(items.length + 1);
    rows.slice(1).forEach((row, k) => {
      const want = LEDGER_COLUMNS.map((c) => {
        const v = c.cell(items[k], k + 1);
        return v == null ? '' : String(v);
      });
      expect(row).to.deep.equal(want);
    });
    expect(text).to.include('已结案').and.to.include('调解成功');
  });

  it('writes XLSX with the same cells', async () => {
    const rows = await xlsxCells(xlsx);
    expect(rows[0]).to.deep.equal(LEDGER_COLUMNS.map((c) => c.header));
    expect(rows.length).to.equal(items.length + 1);
    rows.slice(1).forEach((row, k) => {
      const want = LEDGER_COLUMNS.map((c) => {
        const v = c.cell(items[k], k + 1);
        return v === '' ? null : (v ?? null);
      });
      expect(row, `row ${k + 2}`).to.deep.equal(want);
    });
  });

  it('exports only the caller’s jurisdiction and period', async () => {
    const q: OversightQuery = { bodyIds: ['b-c1-1'], from: '2025-06-01T00:00:00+08:00', to: '2025-12-31T23:59:59.999+08:00' };
    const text = await collect((out) => writeLedgerJson(out, ledgerPages(h.store, q, 50), names));
    const got: LedgerItem[] = JSON.parse(text.toString('utf8')).items;
    const want = items.filter((i) => i.bodyId === 'b-c1-1' && i.registeredAt! >= '2025-06-01' && i.registeredAt! <= '2025-12-31');
    expect(got.map((i) => i.caseNo)).to.deep.equal(want.map((i) => i.caseNo));
    expect(got.length).to.be.greaterThan(10);
  });

  describe('reconciliation (对账销号)', () => {
    /** The office's list: the ledger's CSV with a few columns kept and deliberate mismatches. */
    function officeList() {
      const rows = parse(csv.toString('utf8'), { bom: true }) as string[][];
      const header = rows[0];
      const keep = ['案号', '登记日期', '办理状态', '调解结果', '结案日期', '履行情况'];
      const idx = keep.map((k) => header.indexOf(k));
      let body = rows.slice(1).map((r) => [...idx.map((i) => r[i]), '']);
      const all = body.map((r) => r[0]);
      // 1. three cases missing from the office's list
      const dropped = [body[5][0], body[50][0], body[500][0]];
      body = body.filter((r) => !dropped.includes(r[0]));
      // 2. two case numbers we never registered
      body.push(['（2025）示范华阳物调字第99998号', '2025-03-01', '已结案', '调解成功', '2025-03-20', '', ''], ['（2026）示范物调字第99999号', '2026-01-02', '调解中', '', '', '', '']);
      // 3. a status and an outcome that differ, and a closing date
      const closed = body.filter((r) => r[2] === '已结案' && r[3] === '调解成功');
      const [d1, d2, d3] = [closed[1], closed[2], closed[3]];
      d1[2] = '调解中';
      d2[3] = '调解终止';
      d3[4] = '2027-01-01';
      // 4. the same facts written otherwise still match: half-width brackets, 2025/3/2, a short label
      const same = closed[4];
      same[0] = same[0].replace('（', '(').replace('）', ')');
      same[1] = same[1].replace(/-0?/g, '/');
      same[2] = '结案';
      // 5. a case listed twice, a line without a case number, and a remark column we do not know
      body.push([...closed[6]]);
      body.push(['', '2025-05-05', '已结案', '', '', '', '']);
      const duplicate = closed[6][0];
      const lines = [[...keep, '备注'], ...body];
      return { lines, dropped, all, differing: { status: d1[0], outcome: d2[0], closedAt: d3[0] }, same: same[0], duplicate };
    }

    function check(report: Awaited<ReturnType<typeof reconcile>>, o: ReturnType<typeof officeList>) {
      expect(report.missingInFile.map((m) => m.caseNo).sort()).to.deep.equal([...o.dropped].sort());
      expect(report.missingInSystem.map((m) => m.caseNo).sort()).to.deep.equal(['（2025）示范华阳物调字第99998号', '（2026）示范物调字第99999号']);
      const diffs = Object.fromEntries(report.differing.map((d) => [d.caseNo, d.fields.map((f) => f.field)]));
      expect(diffs).to.deep.equal({ [o.differing.status]: ['status'], [o.differing.outcome]: ['outcome'], [o.differing.closedAt]: ['closedAt'] });
      const statusDiff = report.differing.find((d) => d.caseNo === o.differing.status)!.fields[0];
      expect(statusDiff).to.include({ header: '办理状态', file: '调解中', system: '已结案' });
      expect(report.matched).to.include(canonicalCaseNo(o.same));
      expect(report.duplicates.map((d) => d.caseNo)).to.deep.equal([o.duplicate]);
      expect(report.invalid).to.have.length(1);
      expect(report.columns.compared.map((c) => c.field)).to.deep.equal(['registeredAt', 'status', 'outcome', 'closedAt', 'performance']);
      expect(report.columns.ignored).to.deep.equal(['备注']);
      expect(report.summary).to.deep.include({
        systemRows: o.all.length,
        matched: o.all.length - 3 - 3,
        differing: 3,
        missingInSystem: 2,
        missingInFile: 3,
        duplicates: 1,
        invalid: 1,
      });
    }

    it('finds what matches, what differs field by field, and what is missing on either side (CSV)', async () => {
      const o = officeList();
      const text = '\uFEFF' + o.lines.map((l) => l.map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',')).join('\r\n');
      check(await reconcile(h.store, await readTable(Buffer.from(text, 'utf8')), { query: {}, names }), o);
    });

    it('reads a CSV saved by Excel on Chinese Windows (GB18030, no BOM)', async () => {
      const o = officeList();
      const encode = gbEncoder();
      const bytes = encode(o.lines.map((l) => l.join(',')).join('\r\n'));
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).to.throw();
      check(await reconcile(h.store, await readTable(bytes), { query: {}, names }), o);
    });

    it('reads XLSX with a title row above the headers', async () => {
      const o = officeList();
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('台账');
      ws.addRow(['长宁街道物业纠纷调解台账（2025—2026）']);
      for (const l of o.lines) ws.addRow(l.map((v) => (v === '' ? null : v)));
      const buf = Buffer.from(await wb.xlsx.writeBuffer());
      check(await reconcile(h.store, await readTable(buf), { query: {}, names }), o);
    });

    it('treats a case outside the caller’s jurisdiction as missing from the system', async () => {
      const inside = items.find((i) => i.bodyId === 'b-c1-1')!;
      const outside = items.find((i) => i.bodyId === 'b-c2-1')!;
      const text = `案号,办理状态\r\n${inside.caseNo},${inside.status}\r\n${outside.caseNo},${outside.status}\r\n`;
      const report = await reconcile(h.store, await readTable(Buffer.from(text)), { query: { bodyIds: ['b-c1-1'] }, names });
      expect(report.matched).to.deep.equal([inside.caseNo]);
      expect(report.missingInSystem.map((m) => m.caseNo)).to.deep.equal([outside.caseNo]);
      expect(report.summary.systemRows).to.equal(items.filter((i) => i.bodyId === 'b-c1-1').length);
    });

    it('refuses a file without a case number column', async () => {
      const err = await reconcile(h.store, await readTable(Buffer.from('状态,日期\r\n已结案,2025-01-01\r\n')), { query: {}, names }).catch((e) => e);
      expect(err).to.be.instanceOf(Error);
      expect((err as { code?: string }).code).to.equal('VALIDATION_FAILED');
    });
  });
});
