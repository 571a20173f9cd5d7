// /dashboard: the district's oversight statistics (API.md "Oversight"), read through the API's own
// routes (GET /api/stats, /api/companies) with the signed-in user's jurisdiction: cases by status,
// tier, category and compound; the share settled without leaving the sub-district; overdue and red
// cases; time to settle; property companies by warning colour with the cases behind each. Tables
// are the page; public/js/dashboard.js draws the same numbers as charts (chart.js). The ledger is
// exported through GET /api/ledger and reconciled (对账销号) with POST /dashboard/reconcile. The figures the
// 司法局 counts (issue 16 §4: 协议涉及金额, 协议形式, 涉及人数/户数, 司法确认, 防止民转刑/群体性事件) are tiles; 受理方式,
// 调解组织类型 and 纠纷类型 (statistics codes) are breakdowns like the others.
import type { Application, Request, Response } from 'express';
import { countingUnit, daysLeft } from '../../workflows/days-left.ts';
import { DEADLINE_LABELS } from '../../workflows/vocabulary.ts';
import { DomainError } from '../engine/errors.ts';
import type { Services } from '../services.ts';
import { oversightQueries } from '../oversight/queries.ts';
import { DISPUTE_TYPES, INTAKE_MODE_LABELS, ORG_TYPE_LABELS, type DisputeTypeCode, type IntakeMode, type OrgType } from '../oversight/codes.ts';
import { readTable, tableLimits } from '../oversight/table-pool.ts';
import { SEVERITY } from './case-rows.ts';
import { caseScope } from '../policy.ts';
import { base, langFor, render, requireRole, userOf } from './context.ts';
import { t, type Lang } from './i18n.ts';
import { vocab } from './render.ts';

interface Pair {
  key: string;
  label: string;
  count: number;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A breakdown as the API gives it — {key: n}, {key: {count}} or [{key|id|name, count}] — as pairs. */
export function pairsOf(value: unknown, label: (key: string, item?: Record<string, unknown>) => string): Pair[] {
  const out: Pair[] = [];
  if (Array.isArray(value)) {
    for (const raw of value) {
      const item = (raw ?? {}) as Record<string, unknown>;
      const key = String(item.key ?? item.id ?? item.code ?? item.status ?? item.tier ?? item.category ?? item.compoundId ?? item.name ?? '');
      const count = num(item.count) ?? num(item.total) ?? num(item.value) ?? num(item.cases) ?? 0;
      out.push({ key, label: label(key, item), count });
    }
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const item = v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
      const count = num(v) ?? num(item?.count) ?? num(item?.total) ?? 0;
      out.push({ key, label: label(key, item), count });
    }
  }
  return out.sort((a, b) => b.count - a.count);
}

const countOf = (v: unknown): number | null => (Array.isArray(v) ? v.length : num(v));

interface CaseRef {
  id: string;
  caseNo: string;
}

function caseRefs(v: unknown): CaseRef[] {
  if (!Array.isArray(v)) return [];
  return v
    .map((c) => (typeof c === 'string' ? { id: c, caseNo: c } : { id: String((c as CaseRef)?.id ?? ''), caseNo: String((c as CaseRef)?.caseNo ?? (c as CaseRef)?.id ?? '') }))
    .filter((c) => c.id);
}

export function companyRows(lang: Lang, value: unknown) {
  const wrapped = value as { items?: unknown; companies?: unknown } | null;
  const list = Array.isArray(value) ? value : Array.isArray(wrapped?.companies) ? (wrapped.companies as unknown[]) : Array.isArray(wrapped?.items) ? (wrapped.items as unknown[]) : [];
  return list
    .map((raw) => {
      const c = (raw ?? {}) as Record<string, unknown>;
      const warning = String(c.warning ?? c.colour ?? c.color ?? 'green');
      const disputes = c.byCategory ?? c.byKind ?? (typeof c.disputes === 'object' ? c.disputes : undefined);
      const total = num(c.total) ?? num(c.disputes) ?? (disputes && typeof disputes === 'object' ? pairsOf(disputes, (k) => k).reduce((n, p) => n + p.count, 0) : 0);
      return {
        name: String(c.name ?? c.company ?? ''),
        warning,
        warningLabel: t(lang, `colour_${warning}`),
        total,
        kinds: disputes && typeof disputes === 'object' ? pairsOf(disputes, (k) => vocab(lang, 'category', k)) : [],
        recurrence: countOf(c.recurrence ?? c.recurrences) ?? 0,
        nonPerformance: countOf(c.nonPerformance ?? c.nonPerformances) ?? 0,
        cases: caseRefs(c.cases ?? c.caseRefs),
      };
    })
    .sort((a, b) => (SEVERITY[b.warning] ?? 0) - (SEVERITY[a.warning] ?? 0) || b.total - a.total);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The period asked for; without one (a first visit) this month so far, in Asia/Shanghai. Emptied
 * fields (submitted) mean no bound. */
function periodOf(req: Request, now: string) {
  const asked = req.query.from !== undefined || req.query.to !== undefined;
  const today = now.slice(0, 10); // engine time is written in +08:00 (isoShanghai)
  const from = typeof req.query.from === 'string' && DAY.test(req.query.from) ? req.query.from : asked ? '' : `${today.slice(0, 8)}01`;
  const to = typeof req.query.to === 'string' && DAY.test(req.query.to) ? req.query.to : asked ? '' : today;
  const orgUnitId = typeof req.query.orgUnitId === 'string' && /^[A-Za-z0-9._-]{1,80}$/.test(req.query.orgUnitId) ? req.query.orgUnitId : '';
  return { from, to, orgUnitId };
}

/** A chart's numbers for public/js/dashboard.js (zero rows left out: the table keeps them). */
const chart = (pairs: Pair[], kind: 'bar' | 'doughnut' = 'bar', keepZeros = false) => {
  const shown = keepZeros ? pairs : pairs.filter((p) => p.count > 0);
  return JSON.stringify({ kind, labels: shown.map((p) => p.label), values: shown.map((p) => p.count) });
};

/** The monthly table's links for the month the page is in (Shanghai), when the user may read it. */
function monthlyLinks(user: { role: string; bodyId: string | null }, services: Services, orgUnitId?: string) {
  const tier = user.bodyId ? services.directory.body(user.bodyId)?.tier : undefined;
  if (user.role !== 'admin' && !(user.role === 'mediator' && (tier === 'subdistrict' || tier === 'district'))) return null;
  const month = services.engine.now().slice(0, 7); // ISO with +08:00: the Shanghai month
  const href = (format: string) => {
    const p = new URLSearchParams({ month, format });
    if (orgUnitId) p.set('orgUnitId', orgUnitId);
    return `/api/stats/monthly?${p.toString()}`;
  };
  return { month, json: href('json'), xlsx: href('xlsx') };
}

async function dashboard(req: Request, res: Response, services: Services, reconcile?: unknown) {
  const lang = langFor(req, res);
  const period = periodOf(req, services.engine.now());
  const query: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(period)) if (v) query[k] = v;
  // the queries GET /api/stats and GET /api/companies answer with; their errors are the page's
  const oversight = oversightQueries(services);
  const user = userOf(req)!;
  const [computed, companies] = await Promise.all([oversight.stats(user, query), oversight.companies(user, {})]);
  const stats = computed as unknown as Record<string, unknown> | null;
  const unitName = (key: string, item?: Record<string, unknown>) => services.directory.unit(key)?.name ?? String(item?.name ?? key);
  const byStatus = pairsOf(stats?.byStatus, (k) => vocab(lang, 'status', k));
  const byTier = pairsOf(stats?.byTier, (k) => vocab(lang, 'tier', k));
  const byCategory = pairsOf(stats?.byCategory, (k) => vocab(lang, 'category', k));
  const byCompound = pairsOf(stats?.byCompound, unitName);
  // issue 16 §4: the codes' own labels (server/oversight/codes.ts), the statistics code beside the dispute type
  const byIntakeMode = pairsOf(stats?.byIntakeMode, (k) => INTAKE_MODE_LABELS[k as IntakeMode]?.[lang] ?? k);
  const byOrgType = pairsOf(stats?.byOrgType, (k) => ORG_TYPE_LABELS[k as OrgType]?.[lang] ?? k);
  const byDisputeType = pairsOf(stats?.byDisputeType, (k) => (DISPUTE_TYPES[k as DisputeTypeCode] ? `${k} ${DISPUTE_TYPES[k as DisputeTypeCode][lang]}` : k));
  const forms = (stats?.byAgreementForm ?? {}) as { written?: unknown; oral?: unknown };
  const rows = companyRows(lang, companies);
  const warningPairs = (['red', 'orange', 'yellow', 'green'] as const).map((w) => ({ key: w, label: t(lang, `colour_${w}`), count: rows.filter((r) => r.warning === w).length }));

  const org = services.directory;
  const unitOptions = org.allUnits()
    .filter((u) => u.kind === 'district' || u.kind === 'subdistrict' || u.kind === 'community')
    .map((u) => ({ value: u.id, label: `${u.kind === 'community' ? '　' : ''}${u.name}`, selected: u.id === period.orgUnitId }));
  const ledgerQuery = new URLSearchParams(query as Record<string, string>);
  const ledgerHref = (format: string) => {
    const p = new URLSearchParams(ledgerQuery);
    p.set('format', format);
    return `/api/ledger?${p.toString()}`;
  };

  const overdueCases = stats ? await overdueNow(services, req, lang, period.orgUnitId) : [];
  const page = base(req, res, t(lang, 'dashboard_title'));
  render(res, 'dashboard', {
    ...page,
    scripts: ['dashboard.js'],
    chart: true,
    heading: page.title,
    period,
    unitOptions,
    available: stats !== null,
    kpis: stats && [
      { label: t(lang, 'total_cases'), value: String(num(stats.total) ?? 0) },
      { label: t(lang, 'settled_within'), value: pct(stats.settledWithinSubdistrictRate), id: 'settled-within' },
      { label: t(lang, 'resolution_rate'), value: pct(stats.resolutionRate) },
      { label: t(lang, 'performance_rate'), value: pct(stats.performanceRate) },
      { label: t(lang, 'satisfaction_avg'), value: pct(stats.satisfaction) },
      { label: t(lang, 'median_days'), value: numText(stats.medianDaysToSettle) },
      // 超期案件: the list below, one meaning (open now, a deadline past due; in the unit chosen)
      { label: t(lang, 'overdue_now'), value: String(overdueCases.length), alert: overdueCases.length > 0, id: 'overdue-now', href: '#overdue' },
      { label: t(lang, 'overdue_in_period'), value: String(countOf(stats.overdue) ?? 0), id: 'overdue-in-period' },
    ],
    // 司法局统计口径 (issue 16 §4)
    bureauKpis: stats && [
      { label: t(lang, 'stats_agreement_amount'), value: money(stats.agreementAmount), id: 'agreement-amount' },
      { label: t(lang, 'agreements_written'), value: String(num(forms.written) ?? 0), id: 'agreements-written' },
      { label: t(lang, 'agreements_oral'), value: String(num(forms.oral) ?? 0), id: 'agreements-oral' },
      { label: t(lang, 'people_involved'), value: String(num(stats.people) ?? 0), id: 'people' },
      { label: t(lang, 'stats_households'), value: String(num(stats.households) ?? 0), id: 'households' },
      { label: t(lang, 'confirmation_applied'), value: String(num(stats.confirmationApplied) ?? 0), id: 'confirmation-applied' },
      { label: t(lang, 'confirmation_confirmed'), value: String(num(stats.confirmed) ?? 0), id: 'confirmed' },
      { label: t(lang, 'confirmation_refused'), value: String(num(stats.confirmationRefused) ?? 0), id: 'confirmation-refused' },
      { label: t(lang, 'prevents_criminal'), value: String(num(stats.preventsCriminal) ?? 0), id: 'prevents-criminal' },
      { label: t(lang, 'prevents_mass'), value: String(num(stats.preventsMass) ?? 0), id: 'prevents-mass' },
    ],
    overdueCases,
    breakdowns: [
      { id: 'by-status', title: t(lang, 'by_status'), pairs: byStatus, chart: chart(byStatus, 'doughnut') },
      { id: 'by-tier', title: t(lang, 'by_tier'), pairs: byTier, chart: chart(byTier, 'doughnut') },
      { id: 'by-category', title: t(lang, 'by_category'), pairs: byCategory, chart: chart(byCategory) },
      { id: 'by-compound', title: t(lang, 'by_compound'), pairs: byCompound, chart: chart(byCompound.slice(0, 20)) },
      { id: 'by-intake-mode', title: t(lang, 'by_intake_mode'), pairs: byIntakeMode, chart: chart(byIntakeMode) },
      { id: 'by-org-type', title: t(lang, 'by_org_type'), pairs: byOrgType, chart: chart(byOrgType, 'doughnut') },
      { id: 'by-dispute-type', title: t(lang, 'by_dispute_type'), pairs: byDisputeType, chart: chart(byDisputeType) },
    ],
    companies: rows,
    companiesAvailable: companies !== null,
    companyChart: chart(warningPairs, 'doughnut', true),
    companyWarnings: warningPairs,
    // 月报 (issue 16 §4): the sub-district and district bodies and administrators (GET /api/stats/monthly)
    monthly: monthlyLinks(user, services, period.orgUnitId),
    ledgerCsv: ledgerHref('csv'),
    ledgerXlsx: ledgerHref('xlsx'),
    reconcile,
    isAdmin: userOf(req)?.role === 'admin',
  }, reconcile && (reconcile as { error?: string }).error ? 400 : 200);
}

/** 超期案件 — the tile and the list alike: the cases in the user's jurisdiction (and the unit chosen)
 * open now with a deadline past its due date (a red warning), each with its body, the deadline and
 * the days overdue in the days its rule counts; most overdue first. Not bounded by the period: a
 * case registered last month and overdue today is overdue today. */
async function overdueNow(services: Services, req: Request, lang: Lang, orgUnitId: string) {
  const user = userOf(req)!;
  const org = services.directory;
  const { items } = await services.store.cases.list({ ...caseScope(user, org), overdue: true, page: 1, limit: 500 });
  const now = services.engine.now();
  const calendar = services.settings.calendar();
  const inUnit = (compoundId: string) => !orgUnitId || compoundId === orgUnitId || org.isUnder(compoundId, orgUnitId);
  return items
    .filter((r) => inUnit(r.compoundId))
    .map((r) => {
      const late = r.deadlines.filter((d) => d.warning === 'red').sort((a, b) => a.dueAt.localeCompare(b.dueAt))[0] ?? r.deadlines[0];
      const d = late ? daysLeft(calendar, now, late.dueAt, countingUnit(late, services.settings.deadlines.limits)) : null;
      const days = d?.state === 'overdue' ? d.days : 0;
      return {
        id: r.id,
        caseNo: r.caseNo,
        bodyName: org.body(r.bodyId)?.name ?? r.bodyId,
        deadline: late ? (DEADLINE_LABELS[late.kind]?.[lang] ?? late.kind) : '',
        dueDate: late ? late.dueAt.slice(0, 10) : '',
        days,
        overdueText: d?.state === 'overdue' ? t(lang, d.unit === 'working_days' ? 'track_overdue_working_days' : 'track_overdue_days', { n: d.days }) : '',
        rank: late ? late.dueAt : '',
      };
    })
    .sort((a, b) => a.rank.localeCompare(b.rank) || a.caseNo.localeCompare(b.caseNo));
}

function pct(x: unknown): string {
  const n = num(x);
  return n === null ? '—' : `${Math.round(n * 1000) / 10}%`;
}
/** yuan with thousands separators and the fen: 12,345.60 */
function money(x: unknown): string {
  const n = num(x) ?? 0;
  return n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}
function numText(x: unknown): string {
  const n = num(x);
  return n === null ? '—' : String(Math.round(n * 10) / 10);
}

export function dashboardPages(services: Services) {
  const oversight = requireRole(services, ['admin', 'mediator']);
  return (app: Application) => {
    app.get('/dashboard', oversight, (req, res) => dashboard(req, res, services));
    app.post('/dashboard/reconcile', oversight, async (req, res) => {
      const lang = langFor(req, res);
      const b = (req.body ?? {}) as Record<string, unknown>;
      // a file read by the page's script arrives base64-encoded (CSV, XLSX or JSON); pasted text as is
      const file64 = typeof b.file64 === 'string' && /^[A-Za-z0-9+/=\s]+$/.test(b.file64) ? b.file64.replace(/\s/g, '') : '';
      const text = typeof b.text === 'string' ? b.text : '';
      if (!file64 && !text.trim()) return dashboard(req, res, services, { error: t(lang, 'v_required') });
      const file = file64 ? Buffer.from(file64, 'base64') : Buffer.from(text, 'utf8');
      let result: unknown;
      try {
        // as POST /api/ledger/reconcile: the caller's cases of all time against the list
        result = await oversightQueries(services).reconcile(userOf(req)!, await readTable(file, undefined, tableLimits(services.config)), {}, req.ip);
      } catch (err) {
        if (err instanceof DomainError) return dashboard(req, res, services, { error: err.message });
        throw err;
      }
      return dashboard(req, res, services, { result: reconcileView(result) });
    });
  };
}

/** The reconciliation's answer (server/oversight/reconcile.ts ReconcileReport): what matches, what
 * is missing on either side, what differs. */
function reconcileView(result: unknown) {
  const r = (result ?? {}) as Record<string, unknown>;
  const arr = (v: unknown) => (Array.isArray(v) ? (v as Array<Record<string, unknown>>) : []);
  return {
    matched: countOf(r.matched) ?? 0,
    missingHere: arr(r.missingInSystem).map((x) => `${String(x.caseNo ?? '')}${x.line ? `（第${String(x.line)}行）` : ''}`),
    missingThere: arr(r.missingInFile).map((x) => String(x.caseNo ?? '')),
    differs: arr(r.differing).map((x) => {
      const fields = arr(x.fields).map((f) => `${String(f.header ?? f.field ?? '')}: ${String(f.file ?? '')} ≠ ${String(f.system ?? '')}`);
      return `${String(x.caseNo ?? '')} — ${fields.join('；')}`;
    }),
    invalid: arr(r.invalid).map((x) => `${String(x.line ?? '')}: ${String(x.message ?? '')}`),
  };
}
