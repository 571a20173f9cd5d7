// The ledger line's format (台账): its columns with the headers offices use, labels, CSV fields — and
// the prepared CSV line the store keeps beside each row (ledgerTemplate), so that a CSV export of
// 100,000 lines only copies bytes. No I/O; no exceljs (the store imports this).
import {
  CATEGORY_LABELS,
  CHANNEL_LABELS,
  OUTCOME_LABELS,
  STATUS_LABELS,
  type Category,
  type Channel,
  type Outcome,
  type Status,
} from '../../workflows/vocabulary.ts';
import type { LedgerEntry, LedgerRow } from '../store/port.ts';
import {
  CONFIRMATION_LABELS,
  DISPUTE_TYPES,
  INTAKE_MODE_LABELS,
  ORG_TYPE_LABELS,
  type ConfirmationState,
  type DisputeTypeCode,
  type IntakeMode,
  type OrgType,
} from './codes.ts';

export const TIER_SHORT: Record<string, string> = { community: '社区', subdistrict: '街镇', district: '区', court: '法院' };
export const PERFORMANCE_LABELS: Record<string, string> = { pending: '待回访', full: '全部履行', partial: '部分履行', none: '未履行' };
export const WARNING_LABELS: Record<string, string> = { none: '无', blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色' };
/** 协议形式 (人民调解法 arts. 28–29): 书面 or 口头 */
export const AGREEMENT_FORM_LABELS: Record<string, string> = { written: '书面', oral: '口头' };

/** Names of org units and bodies, resolved at export (a renamed compound shows its new name). */
export interface Names {
  unit(id: string): string | undefined;
  body(id: string): string | undefined;
}

/** A ledger line for JSON: stable codes and ids, plus the names of units and body. */
export interface LedgerItem {
  caseNo: string;
  registeredAt: string | null;
  channel: string;
  source: string | null;
  subdistrictId: string;
  subdistrict: string;
  communityId: string;
  community: string;
  compoundId: string;
  compound: string;
  bodyId: string;
  body: string;
  category: string;
  summary: string;
  applicants: string;
  respondents: string;
  households: number | null;
  major: boolean;
  tierPath: string[];
  tier: string;
  status: string;
  outcome: string | null;
  acceptedAt: string | null;
  settledAt: string | null;
  /** written | oral, for an agreement in effect (issue 12 §5); null otherwise */
  agreementForm: string | null;
  daysToSettle: number | null;
  closedAt: string | null;
  clauses: number;
  clausesFull: number;
  performance: string;
  followUps: number;
  lastFollowUp: string | null;
  satisfaction: number | null;
  overdue: boolean;
  warning: string;
  // ── issue 16 §4 (codes: server/oversight/codes.ts) ──
  /** 承办调解员: the names of the mediators on the case */
  mediators: string[];
  /** 调解组织类型 of the holding body: village_resident | township_street | professional; null at the court */
  orgType: string | null;
  /** 受理方式 */
  intakeMode: string;
  /** 协议涉及金额 (yuan): the sum of the clauses' amounts of the agreement in effect */
  agreementAmount: number | null;
  /** 司法确认: pending | confirmed | refused; null when never applied for */
  confirmation: string | null;
  /** 涉及人数 (beside 涉及户数) */
  people: number;
  /** 防止民转刑 / 防止群体性事件: a risk of it was flagged on the case (FLAG_RISK prevents) */
  preventsCriminal: boolean;
  preventsMass: boolean;
  /** 纠纷类型 of the 人民调解 statistics (two-digit code; the list is unverified: codes.ts) */
  disputeType: string;
  relatedCases: string[];
  laterCases: string[];
}

export function ledgerItem(e: LedgerEntry, names: Names): LedgerItem {
  const r = e.row as Record<string, any>;
  const str = (v: unknown): string => (v == null ? '' : String(v));
  return {
    caseNo: e.caseNo,
    registeredAt: r.registeredAt ?? null,
    channel: str(r.channel),
    source: r.source ?? null,
    subdistrictId: str(r.subdistrictId),
    subdistrict: names.unit(str(r.subdistrictId)) ?? str(r.subdistrictId),
    communityId: str(r.communityId),
    community: names.unit(str(r.communityId)) ?? str(r.communityId),
    compoundId: str(r.compoundId),
    compound: names.unit(str(r.compoundId)) ?? str(r.compoundId),
    bodyId: e.bodyId,
    body: names.body(e.bodyId) ?? e.bodyId,
    category: str(r.category),
    summary: str(r.summary),
    applicants: str(r.applicants),
    respondents: str(r.respondents),
    households: r.households ?? null,
    major: Boolean(r.major),
    tierPath: Array.isArray(r.tierPath) ? r.tierPath : [],
    tier: str(r.tier),
    status: str(r.status),
    outcome: r.outcome ?? null,
    acceptedAt: r.acceptedAt ?? null,
    settledAt: r.settledAt ?? null,
    agreementForm: r.agreementForm ?? null,
    daysToSettle: r.daysToSettle ?? null,
    closedAt: r.closedAt ?? null,
    clauses: Number(r.clauses ?? 0),
    clausesFull: Number(r.clausesFull ?? 0),
    performance: str(r.performance),
    followUps: Number(r.followUps ?? 0),
    lastFollowUp: r.lastFollowUp ?? null,
    satisfaction: r.satisfaction ?? null,
    overdue: Boolean(r.overdue),
    warning: str(r.warning) || 'none',
    mediators: Array.isArray(r.mediators) ? r.mediators : [],
    orgType: r.orgType ?? null,
    intakeMode: str(r.intakeMode),
    agreementAmount: typeof r.agreementAmount === 'number' ? r.agreementAmount : null,
    confirmation: r.confirmation ?? null,
    people: Number(r.people ?? 0),
    preventsCriminal: Boolean(r.preventsCriminal),
    preventsMass: Boolean(r.preventsMass),
    disputeType: str(r.disputeType),
    relatedCases: Array.isArray(r.relatedCases) ? r.relatedCases : [],
    laterCases: e.laterCases,
  };
}

const yesNo = (b: boolean) => (b ? '是' : '否');

export function performanceText(i: Pick<LedgerItem, 'performance' | 'clauses' | 'clausesFull'>): string {
  const label = PERFORMANCE_LABELS[i.performance];
  if (!label) return '';
  return i.performance === 'pending' ? label : `${label}（${i.clausesFull}/${i.clauses}条已履行）`;
}

export interface LedgerColumn {
  /** the LedgerItem field it shows (reconciliation compares by it) */
  key: keyof LedgerItem | 'no';
  header: string;
  width: number;
  cell(i: LedgerItem, no: number): string | number | null;
  /** how XLSX types the cell: a day (a real date cell, yyyy-mm-dd) or a number; text otherwise */
  type?: 'date' | 'number';
  /** XLSX number format of a number column (default '0'): amounts keep their fen */
  numFmt?: string;
}

/** '12 物业纠纷' — the code with its label, so that a person reads it and reconciliation finds the code. */
export const disputeTypeText = (code: string): string => (DISPUTE_TYPES[code as DisputeTypeCode] ? `${code} ${DISPUTE_TYPES[code as DisputeTypeCode].zh}` : code);

/** The ledger's columns, in order, with the headers offices use. */
export const LEDGER_COLUMNS: readonly LedgerColumn[] = [
  { key: 'no', header: '序号', width: 7, cell: (_i, no) => no, type: 'number' },
  { key: 'caseNo', header: '案号', width: 30, cell: (i) => i.caseNo },
  { key: 'registeredAt', header: '登记日期', width: 12, cell: (i) => i.registeredAt, type: 'date' },
  { key: 'channel', header: '来源渠道', width: 12, cell: (i) => CHANNEL_LABELS[i.channel as Channel]?.zh ?? i.channel },
  { key: 'source', header: '来源编号', width: 20, cell: (i) => i.source },
  { key: 'subdistrict', header: '街镇', width: 12, cell: (i) => i.subdistrict },
  { key: 'community', header: '社区', width: 12, cell: (i) => i.community },
  { key: 'compound', header: '小区', width: 14, cell: (i) => i.compound },
  { key: 'category', header: '纠纷类别', width: 14, cell: (i) => CATEGORY_LABELS[i.category as Category]?.zh ?? i.category },
  { key: 'summary', header: '简要案情', width: 40, cell: (i) => i.summary },
  { key: 'applicants', header: '申请人', width: 30, cell: (i) => i.applicants },
  { key: 'respondents', header: '被申请人', width: 30, cell: (i) => i.respondents },
  { key: 'households', header: '涉及户数', width: 9, cell: (i) => i.households, type: 'number' },
  { key: 'major', header: '重大纠纷', width: 9, cell: (i) => yesNo(i.major) },
  { key: 'tierPath', header: '调解层级', width: 16, cell: (i) => i.tierPath.map((t) => TIER_SHORT[t] ?? t).join('→') },
  { key: 'body', header: '承办组织', width: 28, cell: (i) => i.body },
  { key: 'status', header: '办理状态', width: 14, cell: (i) => STATUS_LABELS[i.status as Status]?.zh ?? i.status },
  { key: 'outcome', header: '调解结果', width: 10, cell: (i) => (i.outcome ? (OUTCOME_LABELS[i.outcome as Outcome]?.zh ?? i.outcome) : '') },
  { key: 'acceptedAt', header: '受理日期', width: 12, cell: (i) => i.acceptedAt, type: 'date' },
  { key: 'settledAt', header: '协议生效日期', width: 12, cell: (i) => i.settledAt, type: 'date' },
  { key: 'agreementForm', header: '协议形式', width: 9, cell: (i) => (i.agreementForm ? (AGREEMENT_FORM_LABELS[i.agreementForm] ?? i.agreementForm) : '') },
  { key: 'daysToSettle', header: '调结用时（工作日）', width: 10, cell: (i) => i.daysToSettle, type: 'number' },
  { key: 'closedAt', header: '结案日期', width: 12, cell: (i) => i.closedAt, type: 'date' },
  { key: 'clauses', header: '协议条款数', width: 9, cell: (i) => (i.clauses ? i.clauses : null), type: 'number' },
  { key: 'performance', header: '履行情况', width: 22, cell: (i) => performanceText(i) },
  { key: 'followUps', header: '回访次数', width: 9, cell: (i) => i.followUps, type: 'number' },
  { key: 'lastFollowUp', header: '最近回访日期', width: 12, cell: (i) => i.lastFollowUp, type: 'date' },
  { key: 'satisfaction', header: '满意度', width: 7, cell: (i) => i.satisfaction, type: 'number' },
  { key: 'overdue', header: '是否逾期', width: 9, cell: (i) => yesNo(i.overdue) },
  { key: 'warning', header: '当前预警', width: 9, cell: (i) => WARNING_LABELS[i.warning] ?? i.warning },
  // issue 16 §4: what the 司法局's statistics and reports ask for (codes and labels: codes.ts)
  { key: 'mediators', header: '承办调解员', width: 16, cell: (i) => i.mediators.join('、') },
  { key: 'orgType', header: '调解组织类型', width: 12, cell: (i) => (i.orgType ? (ORG_TYPE_LABELS[i.orgType as OrgType]?.zh ?? i.orgType) : '') },
  { key: 'intakeMode', header: '受理方式', width: 12, cell: (i) => INTAKE_MODE_LABELS[i.intakeMode as IntakeMode]?.zh ?? i.intakeMode },
  { key: 'disputeType', header: '纠纷类型（统计）', width: 14, cell: (i) => disputeTypeText(i.disputeType) },
  { key: 'agreementAmount', header: '协议涉及金额（元）', width: 12, cell: (i) => i.agreementAmount, type: 'number', numFmt: '0.00' },
  { key: 'confirmation', header: '司法确认', width: 10, cell: (i) => (i.confirmation ? (CONFIRMATION_LABELS[i.confirmation as ConfirmationState]?.zh ?? i.confirmation) : '') },
  { key: 'people', header: '涉及人数', width: 9, cell: (i) => i.people, type: 'number' },
  { key: 'preventsCriminal', header: '防止民转刑', width: 9, cell: (i) => yesNo(i.preventsCriminal) },
  { key: 'preventsMass', header: '防止群体性事件', width: 9, cell: (i) => yesNo(i.preventsMass) },
  { key: 'relatedCases', header: '倒查关联案件', width: 30, cell: (i) => i.relatedCases.join('；') },
  { key: 'laterCases', header: '后续复发案件', width: 30, cell: (i) => i.laterCases.join('；') },
];

// ── CSV ────────────────────────────────────────────────────────────────────────────────────────

/** One CSV field (RFC 4180). Text a spreadsheet would run as a formula (=, +, -, @ first) gets a
 * leading apostrophe, which Excel shows as text (CSV injection). */
const NEEDS_CARE = /[",\r\n]|^[=+\-@\t]/;

export function csvField(v: string | number | null | undefined): string {
  if (v == null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (!NEEDS_CARE.test(v)) return v;
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: ReadonlyArray<string | number | null>): string => cells.map(csvField).join(',') + '\r\n';


// ── the prepared line ────────────────────────────────────────────────────────────────────────────

/** Placeholders for what is filled in at export: the names of units and body (so a renamed compound
 * shows its new name). A control character never found in the text (sanitised by facts.ts) and,
 * UTF-8 being what it is, never inside a multi-byte character. */
export const PLACEHOLDER = 0x01;
export const NAME_SLOTS = { subdistrict: 'S', community: 'C', compound: 'K', body: 'B' } as const;

/** What separates later cases' numbers in a line (they need no CSV quoting: case numbers are ours). */
export const LATER_SEPARATOR = '；';

/**
 * The CSV line of a ledger row without its first cell (序号, numbered at export) and its last (后续复发
 * 案件, which grows as later cases link back), names as placeholders. Stored as UTF-8 with the row.
 */
export function ledgerTemplate(row: LedgerRow): string {
  const ph = (slot: string) => `\u0001${slot}`;
  const ids = row as Record<string, unknown>;
  const names: Names = {
    unit: (id) =>
      id === ids.subdistrictId ? ph(NAME_SLOTS.subdistrict) : id === ids.communityId ? ph(NAME_SLOTS.community) : ph(NAME_SLOTS.compound),
    body: () => ph(NAME_SLOTS.body),
  };
  const entry: LedgerEntry = { caseId: '', caseNo: String(ids.caseNo ?? ''), registeredAt: '', bodyId: String(ids.bodyId ?? ''), row, laterCases: [] };
  const item = ledgerItem(entry, names);
  const cells: string[] = [];
  for (let c = 1; c < LEDGER_COLUMNS.length - 1; c++) cells.push(csvField(LEDGER_COLUMNS[c].cell(item, 0)));
  return cells.join(',');
}

/** Control characters other than tab, CR and LF: not allowed in XML (XLSX) and kept out of the lines. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const stripControls = (s: string): string => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
