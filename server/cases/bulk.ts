// Bulk intake from other systems (the 12345 hotline, the grid platform): a batch of cases as a JSON
// array or a CSV file. Each row is validated on its own and reported with its errors; a row whose
// source reference {system, ref} is registered already (or appears earlier in the batch) is skipped
// as a duplicate; the others are registered one after the other, in order (so a later row of the
// batch is linked to an earlier one by the recurrence look-back). Each row is checked as a single
// registration is (server/cases/register.ts: the compound exists and is in the caller's area).
import type Joi from 'joi';
import { CATEGORY_LABELS, CHANNEL_LABELS } from '../../workflows/vocabulary.ts';
import type { Actor } from '../../workflows/case.types.ts';
import type { Directory } from '../engine/directory.ts';
import type { Engine, IntakeRequest, RequestMeta } from '../engine/engine.ts';
import { DomainError, Duplicate } from '../engine/errors.ts';
import type { Services } from '../services.ts';
import type { RelatedCaseRef, Store, UserRecord } from '../store/port.ts';
import { actorOf } from './access.ts';
import { canReadCase } from '../policy.ts';
import { checkIntakeArea } from './register.ts';
import { intakeBody } from './schemas.ts';
import { normName } from '../oversight/keys.ts';
import { headerKey, type Table } from '../oversight/tables.ts';

export const MAX_BULK_ROWS = 500;

export interface RowProblem {
  field: string;
  message: string;
  /** the error code a single POST /api/cases would answer with, when not VALIDATION_FAILED */
  code?: string;
}

export interface BulkReport {
  summary: { rows: number; created: number; duplicates: number; errors: number };
  created: Array<{ row: number; id: string; caseNo: string; accessCode: string; source: IntakeRequest['source'] | null; tier: string; relatedCases: string[] }>;
  duplicates: Array<{ row: number; source: { system: string; ref: string }; caseId: string | null; caseNo: string | null; firstRow?: number }>;
  errors: Array<{ row: number; errors: RowProblem[] }>;
}

// ── CSV rows → intake objects ───────────────────────────────────────────────────────────────────

/** CSV headers (English keys, or the Chinese names offices and the platforms use). */
const CSV_FIELDS: Record<string, string[]> = {
  channel: ['channel', '渠道', '来源渠道'],
  sourceSystem: ['sourceSystem', 'source.system', '来源系统', '来源平台'],
  sourceRef: ['sourceRef', 'source.ref', '来源编号', '工单号', '工单编号', '事件编号'],
  compoundId: ['compoundId', '小区编号', '小区ID'],
  compound: ['compound', '小区', '小区名称'],
  category: ['category', '纠纷类别', '类别', '事项类别'],
  summary: ['summary', '简要案情', '诉求内容', '事由', '反映内容'],
  claims: ['claims', '诉求', '请求事项'],
  householdsInvolved: ['householdsInvolved', '涉及户数'],
  disputedAmount: ['disputedAmount', '争议金额'],
  escalationRisk: ['escalationRisk', '激化风险'],
  applicantKind: ['applicantKind', '申请人类型'],
  applicantName: ['applicantName', '申请人', '申请人姓名', '反映人', '诉求人'],
  applicantPhone: ['applicantPhone', '申请人电话', '联系电话', '反映人电话'],
  applicantIdNumber: ['applicantIdNumber', '申请人证件号', '申请人身份证号'],
  applicantAddress: ['applicantAddress', '申请人地址', '联系地址'],
  applicantRepresentative: ['applicantRepresentative', '申请人代表'],
  applicantHouseholds: ['applicantHouseholds', '申请人户数'],
  applicantOrgType: ['applicantOrgType', '申请人组织类型'],
  respondentKind: ['respondentKind', '被申请人类型'],
  respondentName: ['respondentName', '被申请人', '被申请人名称', '被反映对象'],
  respondentPhone: ['respondentPhone', '被申请人电话'],
  respondentIdNumber: ['respondentIdNumber', '被申请人证件号'],
  respondentAddress: ['respondentAddress', '被申请人地址'],
  respondentRepresentative: ['respondentRepresentative', '被申请人代表'],
  respondentHouseholds: ['respondentHouseholds', '被申请人户数'],
  respondentOrgType: ['respondentOrgType', '被申请人组织类型'],
};

const KINDS: Record<string, string> = {
  person: 'person',
  个人: 'person',
  自然人: 'person',
  organisation: 'organisation',
  organization: 'organisation',
  单位: 'organisation',
  组织: 'organisation',
  企业: 'organisation',
  公司: 'organisation',
  group: 'group',
  群体: 'group',
  业主群体: 'group',
};
const ORG_TYPES: Record<string, string> = {
  property_company: 'property_company',
  物业公司: 'property_company',
  物业服务企业: 'property_company',
  owners_committee: 'owners_committee',
  业委会: 'owners_committee',
  业主委员会: 'owners_committee',
  other: 'other',
  其他: 'other',
};

function codeOf(value: string, labels: Record<string, { zh: string; en: string }>): string {
  const n = normName(value);
  for (const [code, l] of Object.entries(labels)) if (n === code || n === normName(l.zh) || n === normName(l.en)) return code;
  return value.trim();
}

function channelFromSystem(system: string | undefined): string | undefined {
  const s = normName(system);
  if (!s) return undefined;
  if (s.includes('12345')) return 'hotline_12345';
  if (s.includes('grid') || s.includes('网格')) return 'grid';
  return undefined;
}

const num = (v: string): number | string => (/^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v.trim()) : v);
const bool = (v: string): boolean | string => {
  const s = normName(v);
  if (['true', '1', '是', 'y', 'yes'].includes(s)) return true;
  if (['false', '0', '否', 'n', 'no'].includes(s)) return false;
  return v;
};

/** CSV rows as intake objects (the same shape POST /api/cases takes). Unknown columns are refused
 * once, for the whole file: a misspelt header would otherwise silently drop a field of every row. */
export function csvRowsToIntake(table: Table, directory: Directory): { rows: Array<{ line: number; value: Record<string, unknown> }>; unknownHeaders: string[] } {
  const [head, ...body] = table.rows;
  if (!head) return { rows: [], unknownHeaders: [] };
  const lookup = new Map<string, string>();
  for (const [field, names] of Object.entries(CSV_FIELDS)) for (const n of names) lookup.set(headerKey(n), field);
  const fields = head.cells.map((h) => lookup.get(headerKey(h)));
  const unknownHeaders = head.cells.filter((h, i) => h.trim() !== '' && !fields[i]);
  const compounds = new Map<string, string[]>();
  for (const u of directory.allUnits()) {
    if (u.kind !== 'compound') continue;
    compounds.set(normName(u.name), [...(compounds.get(normName(u.name)) ?? []), u.id]);
  }

  const rows = body.map(({ line, cells }) => {
    const f: Record<string, string> = {};
    fields.forEach((name, i) => {
      const v = (cells[i] ?? '').trim();
      if (name && v !== '') f[name] = v;
    });
    const out: Record<string, unknown> = {};
    const channel = f.channel ? codeOf(f.channel, CHANNEL_LABELS) : channelFromSystem(f.sourceSystem);
    if (channel) out.channel = channel;
    if (f.compoundId) out.compoundId = f.compoundId;
    else if (f.compound) {
      const ids = compounds.get(normName(f.compound)) ?? [];
      // an unknown or ambiguous name is left for validation to report as compoundId
      out.compoundId = ids.length === 1 ? ids[0] : f.compound;
    }
    if (f.category) out.category = codeOf(f.category, CATEGORY_LABELS);
    if (f.summary) out.summary = f.summary;
    if (f.claims) out.claims = f.claims.split(/[;；\n|]/).map((c) => c.trim()).filter(Boolean);
    if (f.householdsInvolved) out.householdsInvolved = num(f.householdsInvolved);
    if (f.disputedAmount) out.disputedAmount = num(f.disputedAmount);
    if (f.escalationRisk) out.escalationRisk = bool(f.escalationRisk);
    if (f.sourceSystem || f.sourceRef) out.source = { system: f.sourceSystem ?? '', ref: f.sourceRef ?? '' };
    const parties: Array<Record<string, unknown>> = [];
    for (const role of ['applicant', 'respondent'] as const) {
      const g = (k: string) => f[`${role}${k}`];
      if (!g('Name')) continue;
      const p: Record<string, unknown> = { role, kind: KINDS[normName(g('Kind'))] ?? g('Kind') ?? 'person', name: g('Name') };
      if (g('Phone')) p.phone = g('Phone');
      if (g('IdNumber')) p.idNumber = g('IdNumber');
      if (g('Address')) p.address = g('Address');
      if (g('Representative')) p.representative = g('Representative');
      if (g('Households')) p.households = num(g('Households'));
      if (g('OrgType')) p.orgType = ORG_TYPES[normName(g('OrgType'))] ?? g('OrgType');
      parties.push(p);
    }
    if (parties.length) out.parties = parties;
    return { line, value: out };
  });
  return { rows, unknownHeaders };
}

// ── the batch ───────────────────────────────────────────────────────────────────────────────────

// source keys being registered right now, per store: a concurrent batch with the same reference waits
// for nothing and reports a duplicate instead of registering it twice
const registering = new WeakMap<Store, Set<string>>();
const keyOf = (s: { system: string; ref: string }) => JSON.stringify([s.system.trim(), s.ref.trim()]);

export interface BulkOptions {
  engine: Engine;
  store: Store;
  /** the intake schema of POST /api/cases (server/cases/schemas.ts) */
  schema: Joi.Schema;
  actor: Actor;
  meta?: RequestMeta;
  /** what POST /api/cases checks beyond the schema (e.g. the caller's area): throws a DomainError */
  check?: (req: IntakeRequest) => void;
  /** may the caller see this case named among a row's related cases (倒查)? (a batch never names a
   * case outside the caller's jurisdiction: issue 15 §3); all when absent */
  mayName?: (caseId: string) => Promise<boolean>;
}

function rowProblems(err: DomainError): RowProblem[] {
  const code = err.code === 'VALIDATION_FAILED' ? {} : { code: err.code };
  const raw = err.details;
  const list = (Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? [raw] : []) as Array<{ field?: string; message?: string }>;
  const withField = list.filter((d) => d && typeof d.field === 'string');
  return withField.length
    ? withField.map((d) => ({ field: d.field!, message: d.message ?? err.message, ...code }))
    : [{ field: 'row', message: err.message, ...code }];
}

function problems(error: Joi.ValidationError): RowProblem[] {
  return error.details.map((d) => ({ field: d.path.join('.') || 'row', message: d.message }));
}

export async function bulkIntake(rows: ReadonlyArray<{ line: number; value: unknown }>, opts: BulkOptions): Promise<BulkReport> {
  const report: BulkReport = { summary: { rows: rows.length, created: 0, duplicates: 0, errors: 0 }, created: [], duplicates: [], errors: [] };
  let mine = registering.get(opts.store);
  if (!mine) registering.set(opts.store, (mine = new Set()));
  const inFlight = mine;

  for (const { line, value } of rows) {
    const { error, value: req } = opts.schema.validate(value, { abortEarly: false, convert: false, errors: { wrap: { label: '"' } } });
    if (error) {
      report.errors.push({ row: line, errors: problems(error) });
      continue;
    }
    const intake = req as IntakeRequest;
    try {
      opts.check?.(intake);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      report.errors.push({ row: line, errors: rowProblems(err) });
      continue;
    }
    const source = intake.source ? { system: intake.source.system.trim(), ref: intake.source.ref.trim() } : null;
    const key = source ? keyOf(source) : null;
    if (source && key) {
      // registered before, or by an earlier row of this batch (rows are registered in order)
      const existing = (await opts.store.oversight?.bySource(source.system, source.ref)) ?? null;
      if (existing || inFlight.has(key)) {
        const firstRow = existing ? report.created.find((c) => c.id === existing.caseId)?.row : undefined;
        report.duplicates.push({
          row: line,
          source,
          caseId: existing?.caseId ?? null,
          caseNo: existing?.caseNo ?? null,
          ...(firstRow !== undefined ? { firstRow } : {}),
        });
        continue;
      }
      inFlight.add(key);
    }
    try {
      const { record, accessCode } = await opts.engine.intake({ ...intake, ...(source ? { source } : {}) }, opts.actor, opts.meta ?? {});
      // the links found at intake, as its REGISTER event recorded them (the projection follows after the commit)
      const registered = (await opts.store.events.list(record.id, 0, 1))[0]?.data as { relatedCases?: RelatedCaseRef[] } | undefined;
      const related = registered?.relatedCases ?? [];
      const named = opts.mayName ? await Promise.all(related.map((r) => opts.mayName!(r.id))) : related.map(() => true);
      report.created.push({
        row: line,
        id: record.id,
        caseNo: record.caseNo,
        accessCode,
        source,
        tier: record.tier,
        relatedCases: related.filter((_, i) => named[i]).map((r) => r.caseNo),
      });
    } catch (err) {
      if (err instanceof Duplicate && source) {
        const existing = (await opts.store.oversight?.bySource(source.system, source.ref)) ?? null;
        report.duplicates.push({ row: line, source, caseId: existing?.caseId ?? null, caseNo: existing?.caseNo ?? null });
      } else if (err instanceof DomainError) {
        report.errors.push({ row: line, errors: rowProblems(err) });
      } else {
        throw err;
      }
    } finally {
      if (key) inFlight.delete(key);
    }
  }
  report.summary.created = report.created.length;
  report.summary.duplicates = report.duplicates.length;
  report.summary.errors = report.errors.length;
  return report;
}

/** A batch registered by a signed-in user (POST /api/cases/bulk): every row validated by the
 * intake schema and checked as registerCase checks one case. */
export function registerBulk(
  services: Services,
  user: UserRecord,
  rows: ReadonlyArray<{ line: number; value: unknown }>,
  meta: RequestMeta = {},
): Promise<BulkReport> {
  return bulkIntake(rows, {
    engine: services.engine,
    store: services.store,
    schema: intakeBody,
    actor: actorOf(user, services.directory),
    meta,
    check: (req) => checkIntakeArea(services, user, req.compoundId),
    mayName: async (caseId) => {
      const other = await services.store.cases.get(caseId);
      return other !== null && canReadCase(user, other, services.directory);
    },
  });
}
