// The pure parts of oversight: working days, medians, colours, keys, CSV fields, value normalising for
// reconciliation, uploads.
import { expect } from 'chai';
import { createCalendar } from '../../../workflows/calendar/calendar.ts';
import { colourFor } from '../../../server/oversight/companies.ts';
import { projectOversight, workingDaysBetween } from '../../../server/oversight/facts.ts';
import { canonicalCaseNo, normPhone, recurrenceKeys } from '../../../server/oversight/keys.ts';
import { csvField, csvLine } from '../../../server/oversight/ledger.ts';
import { normalise, normDate } from '../../../server/oversight/reconcile.ts';
import { DEFAULT_OVERSIGHT_SETTINGS } from '../../../server/oversight/settings.ts';
import { medianOf } from '../../../server/oversight/stats.ts';
import { decodeText, readCsv, readTableHere } from '../../../server/oversight/tables.ts';
import { multipartFile } from '../../../server/http/upload.ts';
import type { CaseRecord } from '../../../server/store/port.ts';
import { makeCase } from '../../support/records.ts';

describe('oversight: pure parts', () => {
  const calendar = createCalendar();

  it('counts working days after the registration day, through 国庆 and its make-up Saturday', () => {
    expect(workingDaysBetween(calendar, '2025-09-30', '2025-09-30')).to.equal(0);
    expect(workingDaysBetween(calendar, '2025-09-30', '2025-10-08')).to.equal(0); // Oct 1–8: the holiday
    expect(workingDaysBetween(calendar, '2025-09-30', '2025-10-10')).to.equal(2); // Thu 9, Fri 10
    expect(workingDaysBetween(calendar, '2025-09-30', '2025-10-11')).to.equal(3); // Sat 11 is a working day (调休)
    expect(workingDaysBetween(calendar, '2025-12-31', '2026-01-05')).to.equal(2); // 元旦 Jan 1–3 off; Sun 4 (调休) and Mon 5
    expect(workingDaysBetween(calendar, '2026-01-05', '2025-12-31')).to.equal(0);
  });

  it('takes the median of a histogram, averaging the middle two of an even count', () => {
    expect(medianOf([])).to.equal(null);
    expect(medianOf([{ value: 7, count: 1 }])).to.equal(7);
    expect(medianOf([{ value: 9, count: 1 }, { value: 1, count: 2 }])).to.equal(1);
    expect(medianOf([{ value: 2, count: 2 }, { value: 10, count: 2 }])).to.equal(6);
    expect(medianOf([{ value: 3, count: 0 }, { value: 4, count: 3 }, { value: 8, count: 1 }])).to.equal(4);
  });

  it('colours a company by the most severe rule any of its counts reaches', () => {
    const rules = DEFAULT_OVERSIGHT_SETTINGS.companyRules;
    expect(colourFor({ disputes: 0, recurrences: 0, nonPerformance: 0 }, rules).colour).to.equal('green');
    expect(colourFor({ disputes: 4, recurrences: 0, nonPerformance: 0 }, rules).colour).to.equal('green');
    expect(colourFor({ disputes: 5, recurrences: 0, nonPerformance: 0 }, rules)).to.deep.equal({
      colour: 'yellow',
      reasons: [{ metric: 'disputes', count: 5, threshold: 5 }],
    });
    expect(colourFor({ disputes: 1, recurrences: 3, nonPerformance: 1 }, rules).colour).to.equal('orange');
    expect(colourFor({ disputes: 1, recurrences: 0, nonPerformance: 3 }, rules).colour).to.equal('red');
    expect(colourFor({ disputes: 100, recurrences: 0, nonPerformance: 0 }, { red: {}, orange: {}, yellow: { recurrences: 1 } }).colour).to.equal('green');
  });

  it('links people however their name and phone are written, and keeps no personal data in the keys', () => {
    const a = recurrenceKeys('leakage', [{ name: '张三', phone: '13812345678' }]);
    const b = recurrenceKeys('noise', [{ name: ' 张 三 ', phone: '+86 138-1234-5678' }]);
    expect(a.filter((k) => !k.startsWith('c:'))).to.deep.equal(b.filter((k) => !k.startsWith('c:')));
    expect(a.join()).not.to.include('张三').and.not.to.include('13812345678');
    expect(normPhone('0086 13812345678')).to.equal('13812345678');
    expect(normPhone('110')).to.equal('');
    expect(canonicalCaseNo(' (2026)示范物调字第00012号 ')).to.equal('（2026）示范物调字第00012号');
  });

  it('projects companies: not owners’ committees or “other”, and non-performance of the clauses they owe', () => {
    const base = makeCase();
    const ctx = {
      ...base.snapshot.context,
      registeredAt: '2026-03-02T09:00:00+08:00',
      category: 'service_quality',
      parties: [
        { id: 'p1', role: 'applicant', kind: 'person', name: '张三', phone: '13812345678' },
        { id: 'p2', role: 'respondent', kind: 'organisation', name: '甲物业有限公司' },
        { id: 'p3', role: 'respondent', kind: 'organisation', name: '某小区业主委员会', orgType: 'owners_committee' },
        { id: 'p4', role: 'applicant', kind: 'organisation', name: '乙物业公司', orgType: 'property_company' },
        { id: 'p5', role: 'respondent', kind: 'organisation', name: '开发商', orgType: 'other' },
      ],
      agreement: {
        effectiveAt: '2026-03-05T10:00:00+08:00',
        clauses: [
          { no: 1, text: '维修', obligor: 'p2', performBy: '2026-03-20', performance: 'full' },
          { no: 2, text: '退费', obligor: '乙物业公司', performBy: '2026-03-20', performance: 'none' },
          { no: 3, text: '道歉', performBy: '2026-03-20', performance: 'partial' },
        ],
      },
      followUps: [{ at: '2026-03-25T10:00:00+08:00', by: 'u', performance: 'partial', satisfaction: 2, note: '' }],
      escalations: [],
    };
    const record = { ...base, status: 'performing', snapshot: { value: 'performing', context: ctx } } as unknown as CaseRecord;
    const f = projectOversight(record, { type: 'RECORD_FOLLOW_UP', at: '2026-03-25T10:00:00+08:00' }, undefined, calendar, {
      everOverdue: false,
      source: null,
      relatedCases: [],
      firstAcceptedAt: null,
    });
    // p2 owes clause 1 (full) and, as the respondent company, the unassigned clause 3 (partial)
    expect(f.companies).to.deep.equal([
      { key: '甲物业有限公司', name: '甲物业有限公司', nonPerformance: true, recurrence: false },
      { key: '乙物业公司', name: '乙物业公司', nonPerformance: true, recurrence: false },
    ]);
    expect(f.clauses).to.deep.equal({ total: 3, checked: 3, full: 1, partial: 1, none: 1 });
    expect([f.settled, f.settledTier, f.daysToSettle, f.satisfaction]).to.deep.equal([true, 'community', 3, [0, 1, 0, 0, 0]]);
    expect(f.ledger.applicants).to.equal('张三（138****5678）；乙物业公司');
  });

  it('writes CSV fields that Excel reads as text, never as formulas', () => {
    expect(csvField(null)).to.equal('');
    expect(csvField(12)).to.equal('12');
    expect(csvField('a,b')).to.equal('"a,b"');
    expect(csvField('他说"好"')).to.equal('"他说""好"""');
    expect(csvField('=HYPERLINK("http://x")')).to.equal(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('-1+2')).to.equal("'-1+2");
    expect(csvField('@SUM(A1)')).to.equal("'@SUM(A1)");
    expect(csvLine(['甲', '乙\n丙'])).to.equal('甲,"乙\n丙"\r\n');
    // and reconciliation reads such a cell back as what was meant
    expect(normalise('text', "'=1+1")).to.equal('=1+1');
  });

  it('normalises what offices write: dates, labels, yes/no, tiers', () => {
    for (const d of ['2026-03-02', '2026/3/2', '2026.03.02', '2026年3月2日', '20260302', '2026-03-02 10:30', '2026-03-01T20:00:00Z', '46083']) {
      expect(normDate(d), d).to.equal('2026-03-02');
    }
    expect(normalise('bool', '是')).to.equal('true');
    expect(normalise('bool', 'N')).to.equal('false');
    expect(normalise('tiers', '社区→街镇→区')).to.equal('community>subdistrict>district');
    expect(normalise('tiers', ['community', 'subdistrict'])).to.equal('community>subdistrict');
    expect(normalise('number', '1,200')).to.equal('1200');
  });

  it('reads UTF-8 (with or without BOM) and GB18030 text, and CSV with quoted newlines', () => {
    expect(decodeText(Buffer.from('\uFEFF案号', 'utf8'))).to.equal('案号');
    expect(decodeText(Buffer.from('案号', 'utf8'))).to.equal('案号');
    expect(decodeText(Buffer.from([0xb0, 0xb8, 0xba, 0xc5]))).to.equal('案号'); // GBK bytes
    const t = readCsv('案号,备注\r\nA1,"两行\r\n内容"\r\n\r\nA2,\r\n');
    expect(t.rows.map((r) => r.cells)).to.deep.equal([['案号', '备注'], ['A1', '两行\r\n内容'], ['A2', '']]);
  });

  it('recognises a JSON file by its content (the dashboard sends files without a type): records as a table', async () => {
    const limits = { maxRows: 10, maxUncompressedBytes: 1024 * 1024, timeoutMs: 1000 };
    const exported = Buffer.from('\uFEFF {"items":[{"caseNo":"A1","tierPath":["community","subdistrict"],"major":false,"outcome":null},{"caseNo":"A2","clauses":2}],"total":2}');
    const t = await readTableHere(exported, undefined, limits);
    expect(t.rows).to.deep.equal([
      { line: 1, cells: ['caseNo', 'tierPath', 'major', 'outcome', 'clauses'] },
      { line: 2, cells: ['A1', 'community,subdistrict', 'false', '', ''] },
      { line: 3, cells: ['A2', '', '', '', '2'] },
    ]);
    const bare = await readTableHere(Buffer.from('[{"案号":"A1","状态":"已结案"}]'), undefined, limits);
    expect(bare.rows.map((r) => r.cells)).to.deep.equal([['案号', '状态'], ['A1', '已结案']]);
    // CSV stays CSV
    const csv = await readTableHere(Buffer.from('案号,状态\r\nA1,已结案\r\n'), undefined, limits);
    expect(csv.rows.map((r) => r.cells)).to.deep.equal([['案号', '状态'], ['A1', '已结案']]);
  });

  it('takes the file out of a multipart form', () => {
    const boundary = '----x1';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="台账.csv"\r\nContent-Type: text/csv\r\n\r\n`),
      Buffer.from('案号,状态\r\nA,B\r\n'),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const f = multipartFile(body, `multipart/form-data; boundary=${boundary}`)!;
    expect(f.filename).to.equal('台账.csv');
    expect(f.type).to.equal('text/csv');
    expect(f.data.toString('utf8')).to.equal('案号,状态\r\nA,B\r\n');
    expect(multipartFile(Buffer.from('nothing'), 'multipart/form-data; boundary=zz')).to.equal(null);
  });
});
