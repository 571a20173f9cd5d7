// Issue 15 §3, the leftover: 倒查关联案件 and 后续复发案件 (and a bulk intake's relatedCases) named cases
// outside the viewer's jurisdiction. Two major disputes of 华阳花园 go straight to the district committee
// (b-d1); ordinary ones of the same parties stay with the community room (b-c1-1) and link to them. On
// the code before the fix (2026-12-06) the community room's and the sub-district centre's ledgers named
// the district's cases in every format, and the bulk intake's report did too: these tests failed.
// Each viewer's ledger still reconciles with no difference.
import { expect } from 'chai';
import ExcelJS from 'exceljs';
import type request from 'supertest';
import { XLSX_TYPE } from '../../server/http/upload.ts';
import { CaseNoScope, csvField, scopedLines } from '../../server/oversight/ledger.ts';
import type { LedgerLine, Store } from '../../server/store/port.ts';
import { intakeBody, startProduct, type DemoUser, type Product } from '../support/http.ts';

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

/** case number → [倒查关联案件, 后续复发案件] */
type Named = Map<string, { related: string[]; later: string[] }>;
const split = (s: unknown): string[] => (s ? String(s).split('；').filter(Boolean).sort() : []);
/** the order of links registered at the same instant is the case numbers': compare as sets */
const sorted = (...xs: string[]) => [...xs].sort();

describe('security: related cases named only within the viewer’s jurisdiction (issue 15 §3)', function () {
  this.timeout(120_000);
  let p: Product;
  /** a, d: district (major); b, c: the community room */
  const no: Record<'a' | 'b' | 'c' | 'd', string> = { a: '', b: '', c: '', d: '' };

  before(async () => {
    p = await startProduct();
    no.a = (await p.intake('admin', { escalationRisk: true })).case.caseNo;
    no.b = (await p.intake('med.c1')).case.caseNo;
    no.c = (await p.intake('med.c1')).case.caseNo;
    no.d = (await p.intake('admin', { escalationRisk: true })).case.caseNo;
  });
  after(() => p.close());

  const json = async (who: DemoUser): Promise<Named> => {
    const body = (await p.get('/api/ledger', who).expect(200)).body as { items: Array<{ caseNo: string; relatedCases: string[]; laterCases: string[] }> };
    return new Map(body.items.map((i) => [i.caseNo, { related: [...i.relatedCases].sort(), later: [...i.laterCases].sort() }]));
  };
  const csv = async (who: DemoUser): Promise<Named> => {
    const text = (await p.get('/api/ledger?format=csv', who).expect(200)).text;
    const [head, ...lines] = text.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
    const headers = head.split(',');
    expect(headers.slice(-2)).to.deep.equal(['倒查关联案件', '后续复发案件']);
    return new Map(
      lines.map((l) => {
        const cells = l.split(',');
        return [cells[1], { related: split(cells[cells.length - 2]), later: split(cells[cells.length - 1]) }];
      }),
    );
  };
  const xlsx = async (who: DemoUser): Promise<Named> => {
    const buf = (await p.get('/api/ledger?format=xlsx', who).buffer(true).parse(binary).expect(200)).body as Buffer;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('台账')!;
    const headers = (ws.getRow(1).values as unknown[]).map(String);
    const [caseNo, related, later] = ['案号', '倒查关联案件', '后续复发案件'].map((h) => headers.indexOf(h));
    const out: Named = new Map();
    ws.eachRow((row, n) => {
      if (n > 1) out.set(String(row.getCell(caseNo).value), { related: split(row.getCell(related).value), later: split(row.getCell(later).value) });
    });
    return out;
  };
  const formats = { json, csv, xlsx };

  for (const [format, read] of Object.entries(formats)) {
    it(`${format}: the community room and the sub-district centre see only their cases named; the district sees all`, async () => {
      // the district committee: every link, both ways
      const district = await read('med.d');
      expect([...district.keys()]).to.have.members([no.a, no.b, no.c, no.d]);
      expect(district.get(no.b)).to.deep.equal({ related: [no.a], later: sorted(no.c, no.d) });
      expect(district.get(no.a)!.later).to.deep.equal(sorted(no.b, no.c, no.d));
      expect(district.get(no.d)!.related).to.have.members([no.a, no.b, no.c]);

      for (const who of ['med.c1', 'med.s1'] as const) {
        const mine = await read(who);
        expect([...mine.keys()], who).to.have.members([no.b, no.c]);
        expect(mine.get(no.b), who).to.deep.equal({ related: [], later: [no.c] });
        expect(mine.get(no.c), who).to.deep.equal({ related: [no.b], later: [] });
      }
      // another community's room: no lines, nothing named
      expect((await read('med.c2')).size).to.equal(0);
    });
  }

  it('each viewer’s ledger reconciles with no difference (CSV, XLSX, JSON)', async () => {
    for (const who of ['med.c1', 'med.s1', 'med.d', 'admin'] as const) {
      const rows = who === 'med.c1' || who === 'med.s1' ? 2 : 4;
      const clean = (report: any, label: string) =>
        expect(report.summary, `${who} ${label}`).to.deep.include({ fileRows: rows, systemRows: rows, matched: rows, differing: 0, missingInSystem: 0, missingInFile: 0 });
      const text = (await p.get('/api/ledger?format=csv', who).expect(200)).text;
      clean((await p.post('/api/ledger/reconcile', who).set('Content-Type', 'text/csv').send(Buffer.from(text, 'utf8')).expect(200)).body, 'csv');
      const book = (await p.get('/api/ledger?format=xlsx', who).buffer(true).parse(binary).expect(200)).body as Buffer;
      clean((await p.post('/api/ledger/reconcile', who).set('Content-Type', XLSX_TYPE).send(book).expect(200)).body, 'xlsx');
      const items = (await p.get('/api/ledger', who).expect(200)).body;
      clean((await p.post('/api/ledger/reconcile', who).send(items).expect(200)).body, 'json');
    }
  });

  it('a bulk intake’s report names only related cases the caller may read', async () => {
    const row = { ...intakeBody(), channel: 'hotline_12345', source: { system: '12345', ref: 'GD-SCOPE-1' } };
    const res = await p.post('/api/cases/bulk', 'med.c1').send([row]).expect(201);
    expect(res.body.created[0].relatedCases).to.have.members([no.b, no.c]);
    // the same link, seen by the district in the ledger, includes the district's cases
    const district = await json('med.d');
    expect(district.get(res.body.created[0].caseNo)!.related).to.have.members([no.a, no.b, no.c, no.d]);
  });
});

describe('security: the prepared CSV lines filtered as bytes (issue 15 §3)', () => {
  // a store that knows two cases: 甲 held by b-in, 乙 by b-out; 丙 is no case (renumbered since)
  const holders = { '（2026）甲物调字第1号': 'b-in', '（2026）乙物调字第2号': 'b-out' } as Record<string, string>;
  let lookups = 0;
  const store = {
    oversight: {
      async holders(caseNos: string[]) {
        lookups++;
        return caseNos.filter((n) => holders[n]).map((caseNo) => ({ caseNo, bodyId: holders[caseNo] }));
      },
    },
  } as unknown as Store;
  const [IN, OUT, GONE] = ['（2026）甲物调字第1号', '（2026）乙物调字第2号', '（2026）丙物调字第3号'];
  const line = (related: string, later: string): LedgerLine => ({
    subdistrictId: 's',
    communityId: 'c',
    compoundId: 'k',
    bodyId: 'b-in',
    line: Buffer.from(`（2026）甲物调字第9号,2026-12-01,\u0001S,${related}`, 'utf8'),
    later: Buffer.from(later, 'utf8'),
  });
  async function run(pages: LedgerLine[][], scope: CaseNoScope | null) {
    const out: LedgerLine[] = [];
    for await (const page of scopedLines((async function* () { yield* pages; })(), scope)) out.push(...page);
    return out.map((l) => [l.line.toString('utf8').split(',').pop(), l.later.toString('utf8')]);
  }

  it('keeps the numbers held within the scope, drops the others and unknown ones, and passes clean lines as they are', async () => {
    lookups = 0;
    const clean = line(IN, IN);
    const pages = [[clean, line(`${IN}；${OUT}；${GONE}`, `${OUT}；${IN}`), line('', '')], [line(OUT, '')]];
    const scope = CaseNoScope.of(store, { bodyIds: ['b-in'] })!;
    expect(await run(pages, scope)).to.deep.equal([
      [IN, IN],
      [IN, IN],
      ['', ''],
      ['', ''],
    ]);
    expect(lookups, 'one look-up per page with unknown numbers').to.equal(1);
    // a clean line is the same buffer
    const [first] = await (async () => {
      for await (const page of scopedLines((async function* () { yield [clean]; })(), scope)) return page;
      return [];
    })();
    expect(first).to.equal(clean);
  });

  it('handles a quoted last cell (a case number that needed quoting) and no scope at all', async () => {
    const odd = '（2026）甲,物调字第1号';
    holders[odd] = 'b-out';
    const quoted = line(`${csvField(`${IN}；${odd}`)}`, '');
    expect(quoted.line.toString('utf8').endsWith('"')).to.equal(true);
    expect(await run([[quoted]], CaseNoScope.of(store, { bodyIds: ['b-in'] }))).to.deep.equal([[IN, '']]);
    expect(CaseNoScope.of(store, {})).to.equal(null);
    expect(CaseNoScope.of(store, { bodyIds: ['b-in', 'b-out'] }, ['b-in', 'b-out'])).to.equal(null);
    const all = line(`${IN}；${OUT}`, OUT);
    expect((await run([[all]], null))[0]).to.deep.equal([`${IN}；${OUT}`, OUT]);
  });
});
