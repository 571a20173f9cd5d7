// 对账销号: an office uploads its own list (CSV or XLSX: case numbers with the state it has on its
// books) and learns what matches, what is missing on either side and what differs, field by field.
//
// Columns are recognised by the ledger's own headers (what GET /api/ledger exports), its JSON keys,
// or the usual alternatives (状态, 结果, 结案日期…). Values are compared after normalising: labels
// or codes (已结案 = closed), dates in any common form (2026/3/2, 2026年3月2日), 是/否, unit names
// with full-width characters folded. Only columns present in the file are compared; a blank cell
// against a value on our side is a difference. Parties and the summary are not compared (ours are
// masked). A case number the caller cannot see counts as missing from the system.
import {
  CATEGORY_LABELS,
  CHANNEL_LABELS,
  OUTCOME_LABELS,
  STATUS_LABELS,
} from '../../workflows/vocabulary.ts';
import { shanghaiDate } from '../../workflows/calendar/calendar.ts';
import { performance } from 'node:perf_hooks';
import { DomainError, ValidationFailed } from '../engine/errors.ts';
import type { LedgerEntry, OversightQuery, Store } from '../store/port.ts';
import { canonicalCaseNo, normName } from './keys.ts';
import { LEDGER_COLUMNS, ledgerItem, ledgerPages, PERFORMANCE_LABELS, TIER_SHORT, type LedgerItem, type Names } from './ledger.ts';
import { headed, headerKey, type Table } from './tables.ts';
import { CONFIRMATION_LABELS, DISPUTE_TYPES, INTAKE_MODE_LABELS, ORG_TYPE_LABELS } from './codes.ts';

type Kind = 'date' | 'enum' | 'bool' | 'number' | 'tiers' | 'name' | 'text' | 'list';

interface FieldSpec {
  key: keyof LedgerItem;
  kind: Kind;
  aliases: string[];
  /** label/code → code, for enums */
  codes?: Map<string, string>;
}

function codeMap(labels: Record<string, { zh: string; en: string }>, extra: Record<string, string> = {}): Map<string, string> {
  const m = new Map<string, string>();
  for (const [code, l] of Object.entries(labels)) {
    m.set(normName(code), code);
    m.set(normName(l.zh), code);
    m.set(normName(l.en), code);
  }
  for (const [alias, code] of Object.entries(extra)) m.set(normName(alias), code);
  return m;
}

const STATUS_CODES = codeMap(STATUS_LABELS, {
  待受理: 'registered',
  已登记: 'registered',
  登记: 'registered',
  调解中: 'in_mediation',
  已受理: 'in_mediation',
  协议待签: 'agreement_pending',
  履行中: 'performing',
  司法确认中: 'confirmation_pending',
  移送法院: 'referred_to_court',
  已移送: 'referred_to_court',
  结案: 'closed',
  已结案: 'closed',
  已销号: 'closed',
});
const OUTCOME_CODES = codeMap(OUTCOME_LABELS, {
  成功: 'resolved',
  调解成功: 'resolved',
  已调解: 'resolved',
  调解不成: 'unresolved',
  不成功: 'unresolved',
  终止: 'unresolved',
  撤回: 'withdrawn',
  撤诉: 'withdrawn',
  移送: 'referred',
  转法院: 'referred',
});
const CATEGORY_CODES = codeMap(CATEGORY_LABELS);
const CHANNEL_CODES = codeMap(CHANNEL_LABELS, { '12345': 'hotline_12345', 网格: 'grid', 来访: 'walk_in' });
const PERFORMANCE_CODES = new Map<string, string>([
  ...Object.entries(PERFORMANCE_LABELS).flatMap(([code, zh]) => [
    [normName(code), code] as [string, string],
    [normName(zh), code] as [string, string],
  ]),
  ['已履行', 'full'],
  ['履行完毕', 'full'],
  ['未回访', 'pending'],
]);
const TIER_CODES = new Map<string, string>([
  ...Object.entries(TIER_SHORT).map(([code, zh]) => [zh, code] as [string, string]),
  ...['community', 'subdistrict', 'district', 'court'].map((t) => [t, t] as [string, string]),
  ['居委', 'community'],
  ['居村委', 'community'],
  ['社区调解室', 'community'],
  ['街道', 'subdistrict'],
  ['街镇中心', 'subdistrict'],
  ['区级', 'district'],
  ['区调委会', 'district'],
]);

const INTAKE_MODE_CODES = codeMap(INTAKE_MODE_LABELS, { 当事人申请调解: 'application', 申请: 'application', 主动: 'proactive', 委派: 'court_delegated', 委托: 'court_entrusted', 公安: 'police', 信访: 'petition', '12345': 'hotline_12345' });
const ORG_TYPE_CODES = codeMap(ORG_TYPE_LABELS, { 村居调委会: 'village_resident', '村（居）': 'village_resident', 乡镇街道调委会: 'township_street', 行业性专业性调委会: 'professional', 行专: 'professional' });
const CONFIRMATION_CODES = codeMap(CONFIRMATION_LABELS, { 申请中: 'pending', 确认: 'confirmed', 已确认: 'confirmed', 驳回: 'refused' });
// '12 物业纠纷', '12' or '物业纠纷' → '12'
const DISPUTE_TYPE_CODES = codeMap(
  DISPUTE_TYPES,
  Object.fromEntries(Object.entries(DISPUTE_TYPES).map(([code, l]) => [`${code}${l.zh}`, code])),
);

const header = (key: string) => LEDGER_COLUMNS.find((c) => c.key === key)?.header ?? key;

/** The fields reconciliation compares, with the headers that name them. */
export const RECONCILE_FIELDS: readonly FieldSpec[] = [
  { key: 'registeredAt', kind: 'date', aliases: ['登记时间', '收案日期', '收案时间'] },
  { key: 'channel', kind: 'enum', aliases: ['来源', '渠道', '案件来源'], codes: CHANNEL_CODES },
  { key: 'source', kind: 'text', aliases: ['工单号', '工单编号', '来源单号'] },
  { key: 'subdistrict', kind: 'name', aliases: ['街道', '街道（镇）', '所属街镇'] },
  { key: 'community', kind: 'name', aliases: ['居委会', '居村委', '所属社区'] },
  { key: 'compound', kind: 'name', aliases: ['小区名称', '所属小区'] },
  { key: 'category', kind: 'enum', aliases: ['类别', '纠纷类型', '案件类别'], codes: CATEGORY_CODES },
  { key: 'households', kind: 'number', aliases: ['户数'] },
  { key: 'major', kind: 'bool', aliases: ['是否重大纠纷', '重大'] },
  { key: 'tierPath', kind: 'tiers', aliases: ['层级', '调解层级路径'] },
  { key: 'body', kind: 'name', aliases: ['承办单位', '调解组织'] },
  { key: 'status', kind: 'enum', aliases: ['状态', '案件状态', '办理情况'], codes: STATUS_CODES },
  { key: 'outcome', kind: 'enum', aliases: ['结果', '结案方式', '调处结果'], codes: OUTCOME_CODES },
  { key: 'acceptedAt', kind: 'date', aliases: ['受理时间'] },
  { key: 'settledAt', kind: 'date', aliases: ['调解成功日期', '协议日期', '协议生效时间'] },
  { key: 'daysToSettle', kind: 'number', aliases: ['调结用时', '调结天数'] },
  { key: 'closedAt', kind: 'date', aliases: ['结案时间', '销号日期', '办结日期'] },
  { key: 'clauses', kind: 'number', aliases: ['条款数'] },
  { key: 'performance', kind: 'enum', aliases: ['履行', '协议履行情况'], codes: PERFORMANCE_CODES },
  { key: 'followUps', kind: 'number', aliases: ['回访'] },
  { key: 'lastFollowUp', kind: 'date', aliases: ['回访日期', '最近回访'] },
  { key: 'satisfaction', kind: 'number', aliases: ['满意度评分'] },
  { key: 'overdue', kind: 'bool', aliases: ['逾期', '是否超期'] },
  // issue 16 §4
  { key: 'mediators', kind: 'list', aliases: ['调解员', '承办人'] },
  { key: 'orgType', kind: 'enum', aliases: ['组织类型', '调委会类型'], codes: ORG_TYPE_CODES },
  { key: 'intakeMode', kind: 'enum', aliases: ['受理形式', '纠纷来源'], codes: INTAKE_MODE_CODES },
  { key: 'disputeType', kind: 'enum', aliases: ['纠纷类型代码', '统计纠纷类型'], codes: DISPUTE_TYPE_CODES },
  { key: 'agreementAmount', kind: 'number', aliases: ['协议金额', '涉及金额'] },
  { key: 'confirmation', kind: 'enum', aliases: ['司法确认情况', '司法确认结果'], codes: CONFIRMATION_CODES },
  { key: 'people', kind: 'number', aliases: ['人数', '涉及当事人数'] },
  { key: 'preventsCriminal', kind: 'bool', aliases: ['是否防止民转刑'] },
  { key: 'preventsMass', kind: 'bool', aliases: ['是否防止群体性事件', '防止群体性上访'] },
];

const CASE_NO_HEADERS = ['案号', 'caseNo', 'case_no', '案件编号', '案件号', '调解案号'];

// ── normalising ─────────────────────────────────────────────────────────────────────────────────

const pad = (s: string) => s.padStart(2, '0');

export function normDate(v: string): string {
  const s = v.normalize('NFKC').trim();
  if (!s) return '';
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[\sT].*)?$/.exec(s);
  if (m && /T.*([+-]\d{2}:?\d{2}|Z)$/i.test(s)) {
    try {
      return shanghaiDate(s);
    } catch {
      // fall through to the date part
    }
  }
  if (m) return `${m[1]}-${pad(m[2])}-${pad(m[3])}`;
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  // an Excel serial date that arrived as a number (days since 1899-12-30)
  if (/^\d{5}(\.\d+)?$/.test(s)) {
    const ms = Date.UTC(1899, 11, 30) + Math.floor(Number(s)) * 86_400_000;
    return new Date(ms).toISOString().slice(0, 10);
  }
  return s;
}

function normBool(v: string): string {
  const s = normName(v);
  if (['是', 'y', 'yes', 'true', '1', '√', '有'].includes(s)) return 'true';
  if (['否', 'n', 'no', 'false', '0', '×', '无', ''].includes(s)) return 'false';
  return s;
}

function normNumber(v: string): string {
  const s = v.normalize('NFKC').trim();
  if (s === '') return '';
  const n = Number(s.replace(/[,，]/g, ''));
  return Number.isFinite(n) ? String(n) : s;
}

function normEnum(v: string, codes: Map<string, string>): string {
  // '部分履行（1/3条已履行）' → '部分履行'
  const s = normName(v).replace(/[(（].*$/, '');
  return codes.get(s) ?? s;
}

function normTiers(v: string): string {
  return v
    .normalize('NFKC')
    .split(/→|->|>|,|、|;|；|\s+/)
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => TIER_CODES.get(t.toLowerCase()) ?? t)
    .join('>');
}

export function normalise(kind: Kind, v: unknown, codes?: Map<string, string>): string {
  const s = v == null ? '' : Array.isArray(v) ? v.join('>') : String(v);
  // a leading apostrophe is how a spreadsheet keeps text text (our CSV adds one before = + - @)
  const text = s.replace(/^'(?=[=+\-@])/, '');
  switch (kind) {
    case 'date':
      return normDate(text);
    case 'bool':
      return normBool(text);
    case 'number':
      return normNumber(text);
    case 'enum':
      return normEnum(text, codes ?? new Map());
    case 'tiers':
      return Array.isArray(v) ? v.join('>') : normTiers(text);
    case 'list':
      // names in any order, separated by 、 , ; or the JSON export's array
      return (Array.isArray(v) ? v.map(String) : text.split(/[、,，;；>]/))
        .map((x) => normName(x))
        .filter(Boolean)
        .sort()
        .join('>');
    case 'name':
    case 'text':
      return normName(text);
  }
}

/** Our side of a field, before normalising: codes for enums, booleans as 'true'/'false'. */
function ours(item: LedgerItem, key: keyof LedgerItem): unknown {
  const v = item[key];
  if (typeof v === 'boolean') return String(v);
  return v;
}

/** How our side reads to a person (in the report). */
function shown(item: LedgerItem, key: keyof LedgerItem): string {
  const col = LEDGER_COLUMNS.find((c) => c.key === key);
  const v = col ? col.cell(item, 0) : item[key];
  return v == null ? '' : String(v);
}

// ── the report ──────────────────────────────────────────────────────────────────────────────────

export interface FieldDifference {
  field: string;
  header: string;
  file: string;
  system: string;
}

export interface ReconcileReport {
  summary: {
    fileRows: number;
    systemRows: number;
    matched: number;
    differing: number;
    missingInSystem: number;
    missingInFile: number;
    duplicates: number;
    invalid: number;
  };
  columns: { caseNo: string; compared: Array<{ field: string; header: string }>; ignored: string[] };
  matched: string[];
  differing: Array<{ caseNo: string; line: number; fields: FieldDifference[] }>;
  missingInSystem: Array<{ caseNo: string; line: number }>;
  missingInFile: Array<{ caseNo: string; registeredAt: string | null; status: string }>;
  duplicates: Array<{ caseNo: string; lines: number[] }>;
  invalid: Array<{ line: number; message: string }>;
}

export interface ReconcileOptions {
  /** the caller's scope and the period: what "our side" is */
  query: OversightQuery;
  names: Names;
  /** the longest a reconciliation may run (config UPLOAD_PARSE_TIMEOUT_MS; default 60 s) */
  timeoutMs?: number;
}

/** Lets the event loop answer others every 250 rows (health, case work: issue 15 §1), and ends a
 * reconciliation that has run longer than `timeoutMs` (422 UPLOAD_TOO_COMPLEX). */
function cooperative(timeoutMs = 60_000): () => Promise<void> {
  const started = performance.now();
  let n = 0;
  return async () => {
    if (++n % 250 !== 0) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (performance.now() - started > timeoutMs) {
      throw new DomainError('UPLOAD_TOO_COMPLEX', `the list could not be reconciled within ${Math.round(timeoutMs / 1000)} s: split it`, {
        limit: 'time',
        max: Math.round(timeoutMs / 1000),
      });
    }
  };
}

export async function reconcile(store: Store, table: Table, opts: ReconcileOptions): Promise<ReconcileReport> {
  if (!store.oversight) throw new Error('this store has no oversight projection');
  const found = headed(table, CASE_NO_HEADERS);
  if (!found) {
    throw new ValidationFailed(`the file has no case number column (one of: ${CASE_NO_HEADERS.join(', ')})`);
  }
  const keys = found.headers.map(headerKey);
  const caseNoCol = keys.findIndex((k) => CASE_NO_HEADERS.map(headerKey).includes(k));
  const compared: Array<{ spec: FieldSpec; col: number; header: string }> = [];
  const ignored: string[] = [];
  found.headers.forEach((h, col) => {
    if (col === caseNoCol || h === '') return;
    const k = keys[col];
    const spec = RECONCILE_FIELDS.find(
      (f) => headerKey(f.key) === k || headerKey(header(f.key)) === k || f.aliases.some((a) => headerKey(a) === k),
    );
    if (spec && !compared.some((c) => c.spec.key === spec.key)) compared.push({ spec, col, header: h });
    else ignored.push(h);
  });

  // the file's rows by case number
  const invalid: ReconcileReport['invalid'] = [];
  const rows = new Map<string, { caseNo: string; line: number; cells: string[] }>();
  const dupLines = new Map<string, number[]>();
  const pause = cooperative(opts.timeoutMs);
  for (const r of found.rows) {
    await pause();
    const raw = (r.cells[caseNoCol] ?? '').trim();
    if (!raw) {
      invalid.push({ line: r.line, message: 'no case number' });
      continue;
    }
    const key = canonicalCaseNo(raw);
    const first = rows.get(key);
    if (first) {
      // append in place: copying the list per duplicate made 80,000 identical rows quadratic (issue 15)
      const lines = dupLines.get(key);
      if (lines) lines.push(r.line);
      else dupLines.set(key, [first.line, r.line]);
      continue;
    }
    rows.set(key, { caseNo: raw, line: r.line, cells: r.cells });
  }

  // our side for the file's case numbers (whatever their period), within the caller's jurisdiction
  const bodies = opts.query.bodyIds ? new Set(opts.query.bodyIds) : null;
  const entries = new Map<string, LedgerEntry>();
  const wanted = [...rows.keys()];
  for (let i = 0; i < wanted.length; i += 500) {
    for (const e of await store.oversight.ledgerByCaseNos(wanted.slice(i, i + 500))) {
      if (!bodies || bodies.has(e.bodyId)) entries.set(canonicalCaseNo(e.caseNo), e);
    }
  }

  const report: ReconcileReport = {
    summary: { fileRows: found.rows.length, systemRows: 0, matched: 0, differing: 0, missingInSystem: 0, missingInFile: 0, duplicates: 0, invalid: 0 },
    columns: {
      caseNo: found.headers[caseNoCol],
      compared: compared.map((c) => ({ field: c.spec.key, header: c.header })),
      ignored,
    },
    matched: [],
    differing: [],
    missingInSystem: [],
    missingInFile: [],
    duplicates: [...dupLines.entries()].map(([key, lines]) => ({ caseNo: rows.get(key)!.caseNo, lines })),
    invalid,
  };

  for (const [key, row] of rows) {
    await pause();
    const entry = entries.get(key);
    if (!entry) {
      report.missingInSystem.push({ caseNo: row.caseNo, line: row.line });
      continue;
    }
    const item = ledgerItem(entry, opts.names);
    const fields: FieldDifference[] = [];
    for (const c of compared) {
      const theirs = row.cells[c.col] ?? '';
      const a = normalise(c.spec.kind, theirs, c.spec.codes);
      // equal to our value, or to how our export shows it (协议条款数 0 is exported as an empty cell):
      // the ledger just downloaded reconciles with no difference, in every format
      const same = a === normalise(c.spec.kind, ours(item, c.spec.key), c.spec.codes) || a === normalise(c.spec.kind, shown(item, c.spec.key), c.spec.codes);
      if (!same) fields.push({ field: c.spec.key, header: c.header, file: theirs, system: shown(item, c.spec.key) });
    }
    if (fields.length) report.differing.push({ caseNo: entry.caseNo, line: row.line, fields });
    else report.matched.push(entry.caseNo);
  }

  // our side in scope and period that the file does not list
  for await (const page of ledgerPages(store, opts.query, 2000)) {
    for (const e of page) {
      report.summary.systemRows++;
      if (!rows.has(canonicalCaseNo(e.caseNo))) {
        report.missingInFile.push({ caseNo: e.caseNo, registeredAt: (e.row.registeredAt as string | null) ?? null, status: String(e.row.status ?? '') });
      }
    }
  }

  Object.assign(report.summary, {
    matched: report.matched.length,
    differing: report.differing.length,
    missingInSystem: report.missingInSystem.length,
    missingInFile: report.missingInFile.length,
    duplicates: report.duplicates.length,
    invalid: report.invalid.length,
  });
  return report;
}
