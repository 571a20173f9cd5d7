// The monthly table (stats.ts monthlyTable) as XLSX with exceljs, as the ledger is written: one sheet,
// a title line, a two-line header (the 纠纷类型 and 受理方式 columns grouped under their heading), one
// line per body with its district's total after them and the grand total last. Counts and amounts are
// number cells; the header is frozen.
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { ORG_TYPE_LABELS, type OrgType } from './codes.ts';
import type { MonthlyCounts, MonthlyTable } from './stats.ts';

interface Col {
  header: string;
  width: number;
  value(c: MonthlyCounts): number | null;
  numFmt?: string;
}

const BASE: Col[] = [
  { header: '登记', width: 8, value: (c) => c.registered },
  { header: '受理', width: 8, value: (c) => c.accepted },
  { header: '调解成功', width: 9, value: (c) => c.settled },
  { header: '调解不成', width: 9, value: (c) => c.failed },
  { header: '调解成功率', width: 10, value: (c) => c.resolutionRate, numFmt: '0.0%' },
  { header: '协议涉及金额（元）', width: 14, value: (c) => c.agreementAmount, numFmt: '0.00' },
  { header: '涉及人数', width: 9, value: (c) => c.people },
  { header: '涉及户数', width: 9, value: (c) => c.households },
  { header: '申请司法确认', width: 10, value: (c) => c.confirmationApplied },
  { header: '司法确认有效', width: 10, value: (c) => c.confirmed },
  { header: '防止民转刑', width: 9, value: (c) => c.preventsCriminal },
  { header: '防止群体性事件', width: 11, value: (c) => c.preventsMass },
];

/** The columns after 调解组织 / 组织类型: the base counts, then one per dispute type and per intake mode. */
export function monthlyColumns(t: MonthlyTable): Array<Col & { group: string }> {
  return [
    ...BASE.map((c) => ({ ...c, group: '' })),
    ...t.disputeTypes.map((d) => ({ header: `${d.code} ${d.label}`, width: 9, value: (c: MonthlyCounts) => c.byDisputeType[d.code] ?? 0, group: '按纠纷类型' })),
    ...t.intakeModes.map((m) => ({ header: m.label, width: 9, value: (c: MonthlyCounts) => c.byIntakeMode[m.code] ?? 0, group: '按受理方式' })),
  ];
}

export async function writeMonthlyXlsx(out: Writable, t: MonthlyTable): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  wb.creator = '物业纠纷调解';
  const ws = wb.addWorksheet(`${t.month}月报`, { views: [{ state: 'frozen', xSplit: 2, ySplit: 3 }] });
  const cols = monthlyColumns(t);
  ws.columns = [{ width: 30 }, { width: 12 }, ...cols.map((c) => ({ width: c.width, ...(c.numFmt ? { style: { numFmt: c.numFmt } } : {}) }))];
  const title = ws.addRow([`人民调解工作月报（物业纠纷）${t.month}`]);
  title.font = { bold: true, size: 14 };
  title.commit();
  // header line 1: the groups; line 2: the columns
  const groups = ws.addRow(['调解组织', '组织类型', ...cols.map((c, i) => (c.group && (i === 0 || cols[i - 1].group !== c.group) ? c.group : ''))]);
  groups.font = { bold: true };
  groups.commit();
  const head = ws.addRow(['', '', ...cols.map((c) => c.header)]);
  head.font = { bold: true };
  head.commit();
  const line = (label: string, type: string, c: MonthlyCounts, bold = false) => {
    const row = ws.addRow([label, type, ...cols.map((col) => col.value(c))]);
    if (bold) row.font = { bold: true };
    row.commit();
  };
  for (const d of t.districts) {
    for (const b of d.bodies) line(b.body, b.orgType ? (ORG_TYPE_LABELS[b.orgType as OrgType]?.zh ?? b.orgType) : '', b);
    line(`${d.district || '（未归属）'} 小计`, '', d.total, true);
  }
  line('合计', '', t.total, true);
  ws.commit();
  await wb.commit();
}
