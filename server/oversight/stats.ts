// Statistics (GET /api/stats) from the oversight projection: a few GROUP BYs over per-case facts in
// one read snapshot, then arithmetic. Nothing here reads a case document.
//
// What the numbers are (the facts behind them: facts.ts). Cases are counted by registration time.
// - settledWithinSubdistrictRate (不出街镇率) = settled at the community or sub-district tier ÷ settled
// - resolutionRate (调解成功率) = settled ÷ (settled + failed); withdrawn, declined and open cases
//   are in neither
// - performanceRate (履行率) = agreement clauses found fully performed ÷ clauses checked on follow-up
//   visits (clause by clause)
// - satisfaction (满意率) = follow-up visits scoring at least `satisfiedAtLeast` (default 4 of 5) ÷ visits
// - medianDaysToSettle = median working days from registration to the agreement taking effect
// - overdue = cases a deadline of which expired at some point (逾期); red = cases showing a red
//   warning now (the same set as GET /api/cases?warning=red)
// - recurrences = cases linked to an earlier one (倒查)
// Issue 16 §4, with the names the ledger and the monthly table use (stats-facts.ts derives them):
// - agreementAmount (协议涉及金额, yuan) and byAgreementForm {written, oral} (协议形式) of the settled cases
// - people (涉及人数), households (涉及户数) of the cases
// - confirmationApplied / confirmed / confirmationRefused (司法确认 applied for, and its result)
// - preventsCriminal / preventsMass (防止民转刑 / 防止群体性事件)
// - byIntakeMode (受理方式), byOrgType (调解组织类型 of the body holding the case), byDisputeType (纠纷类型:
//   codes.ts, this product's own unverified numbering; a pure function of the category)
// A rate whose denominator is 0 is null.
import { CATEGORIES, STATUSES, TIERS, type Tier } from '../../workflows/vocabulary.ts';
import type { Body, OrgUnit, OversightDimension, OversightGroup, OversightQuery, OversightTotals, Store } from '../store/port.ts';
import {
  DISPUTE_TYPE_CODES,
  DISPUTE_TYPES,
  disputeTypeOf,
  INTAKE_MODE_LABELS,
  INTAKE_MODES,
  ORG_TYPE_BY_TIER,
  ORG_TYPE_LABELS,
  ORG_TYPES,
  type DisputeTypeCode,
  type IntakeMode,
  type OrgType,
} from './codes.ts';
import { ledgerItem, ledgerPages, type LedgerItem, type Names } from './ledger.ts';
import type { FacetSource } from './memory.ts';

export const GROUPINGS = ['month', 'subdistrict', 'community', 'compound', 'category', 'tier', 'intakeMode', 'orgType', 'disputeType'] as const;
export type Grouping = (typeof GROUPINGS)[number];

const GROUP_DIMENSION: Record<Grouping, OversightDimension> = {
  month: 'month',
  subdistrict: 'subdistrictId',
  community: 'communityId',
  compound: 'compoundId',
  category: 'category',
  tier: 'tier',
  intakeMode: 'intakeMode',
  orgType: 'orgType',
  // a pure function of the category: grouped by category, then merged by code
  disputeType: 'category',
};

/** The key and display name of a group, from the value of its dimension. */
const GROUP_KEY: Partial<Record<Grouping, (v: string) => string>> = { disputeType: (category) => disputeTypeOf(category) };
const GROUP_LABEL: Partial<Record<Grouping, (key: string) => string | undefined>> = {
  intakeMode: (k) => INTAKE_MODE_LABELS[k as IntakeMode]?.zh,
  orgType: (k) => ORG_TYPE_LABELS[k as OrgType]?.zh,
  disputeType: (k) => DISPUTE_TYPES[k as DisputeTypeCode]?.zh,
};

export interface Metrics {
  total: number;
  settled: number;
  settledWithinSubdistrict: number;
  failed: number;
  settledWithinSubdistrictRate: number | null;
  resolutionRate: number | null;
  performanceRate: number | null;
  satisfaction: number | null;
  /** mean satisfaction score (1–5) over follow-up visits */
  satisfactionMean: number | null;
  medianDaysToSettle: number | null;
  overdue: number;
  red: number;
  recurrences: number;
  clauses: { checked: number; full: number; partial: number; none: number };
  visits: number;
  visitsSatisfied: number;
  // ── issue 16 §4 ──
  /** 协议涉及金额 of the settled cases (yuan, to the fen) */
  agreementAmount: number;
  /** 协议形式 of the settled cases: written + oral = settled */
  byAgreementForm: { written: number; oral: number };
  /** 涉及人数 / 涉及户数 */
  people: number;
  households: number;
  /** 司法确认: applied for (any result), confirmed (确认有效), refused (不予确认) */
  confirmationApplied: number;
  confirmed: number;
  confirmationRefused: number;
  /** cases flagged 防止民转刑 / 防止群体性事件 */
  preventsCriminal: number;
  preventsMass: number;
}

export interface Stats extends Metrics {
  byStatus: Record<string, number>;
  byTier: Record<string, number>;
  byCategory: Record<string, number>;
  byCompound: Record<string, number>;
  byCommunity: Record<string, number>;
  bySubdistrict: Record<string, number>;
  byMonth: Record<string, number>;
  /** 受理方式 (every mode, 0 when none) */
  byIntakeMode: Record<string, number>;
  /** 调解组织类型 of the holding body (every type, 0 when none) */
  byOrgType: Record<string, number>;
  /** 纠纷类型 codes (every code, 0 when none) */
  byDisputeType: Record<string, number>;
  /** with ?groupBy: the same metrics per group */
  groupBy?: Grouping;
  groups?: Array<Metrics & { key: string; name: string }>;
  from: string | null;
  to: string | null;
}

const ZERO: OversightTotals = {
  cases: 0,
  settled: 0,
  settledWithinSubdistrict: 0,
  failed: 0,
  clausesChecked: 0,
  clausesFull: 0,
  clausesPartial: 0,
  clausesNone: 0,
  visits: 0,
  satisfaction: [0, 0, 0, 0, 0],
  overdue: 0,
  red: 0,
  recurrences: 0,
  agreementFen: 0,
  agreementsWritten: 0,
  agreementsOral: 0,
  people: 0,
  households: 0,
  confirmationApplied: 0,
  confirmed: 0,
  confirmationRefused: 0,
  preventsCriminal: 0,
  preventsMass: 0,
};

export function addTotals(a: OversightTotals, b: OversightTotals): OversightTotals {
  return {
    cases: a.cases + b.cases,
    settled: a.settled + b.settled,
    settledWithinSubdistrict: a.settledWithinSubdistrict + b.settledWithinSubdistrict,
    failed: a.failed + b.failed,
    clausesChecked: a.clausesChecked + b.clausesChecked,
    clausesFull: a.clausesFull + b.clausesFull,
    clausesPartial: a.clausesPartial + b.clausesPartial,
    clausesNone: a.clausesNone + b.clausesNone,
    visits: a.visits + b.visits,
    satisfaction: a.satisfaction.map((x, i) => x + (b.satisfaction[i] ?? 0)),
    overdue: a.overdue + b.overdue,
    red: a.red + b.red,
    recurrences: a.recurrences + b.recurrences,
    agreementFen: a.agreementFen + b.agreementFen,
    agreementsWritten: a.agreementsWritten + b.agreementsWritten,
    agreementsOral: a.agreementsOral + b.agreementsOral,
    people: a.people + b.people,
    households: a.households + b.households,
    confirmationApplied: a.confirmationApplied + b.confirmationApplied,
    confirmed: a.confirmed + b.confirmed,
    confirmationRefused: a.confirmationRefused + b.confirmationRefused,
    preventsCriminal: a.preventsCriminal + b.preventsCriminal,
    preventsMass: a.preventsMass + b.preventsMass,
  };
}

const ratio = (n: number, d: number): number | null => (d > 0 ? n / d : null);

/** The median of a histogram of values (the mean of the two middle values for an even count). */
export function medianOf(histogram: ReadonlyArray<{ value: number; count: number }>): number | null {
  const sorted = histogram.filter((h) => h.count > 0).sort((a, b) => a.value - b.value);
  const n = sorted.reduce((s, h) => s + h.count, 0);
  if (n === 0) return null;
  const at = (i: number): number => {
    let seen = 0;
    for (const h of sorted) {
      seen += h.count;
      if (i < seen) return h.value;
    }
    return sorted[sorted.length - 1].value;
  };
  return n % 2 === 1 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
}

export function metricsOf(t: OversightTotals, days: ReadonlyArray<{ value: number; count: number }>, satisfiedAtLeast: number): Metrics {
  const visitsSatisfied = t.satisfaction.reduce((s, n, i) => (i + 1 >= satisfiedAtLeast ? s + n : s), 0);
  const scoreSum = t.satisfaction.reduce((s, n, i) => s + n * (i + 1), 0);
  return {
    total: t.cases,
    settled: t.settled,
    settledWithinSubdistrict: t.settledWithinSubdistrict,
    failed: t.failed,
    settledWithinSubdistrictRate: ratio(t.settledWithinSubdistrict, t.settled),
    resolutionRate: ratio(t.settled, t.settled + t.failed),
    performanceRate: ratio(t.clausesFull, t.clausesChecked),
    satisfaction: ratio(visitsSatisfied, t.visits),
    satisfactionMean: ratio(scoreSum, t.visits),
    medianDaysToSettle: medianOf(days),
    overdue: t.overdue,
    red: t.red,
    recurrences: t.recurrences,
    clauses: { checked: t.clausesChecked, full: t.clausesFull, partial: t.clausesPartial, none: t.clausesNone },
    visits: t.visits,
    visitsSatisfied,
    agreementAmount: t.agreementFen / 100,
    byAgreementForm: { written: t.agreementsWritten, oral: t.agreementsOral },
    people: t.people,
    households: t.households,
    confirmationApplied: t.confirmationApplied,
    confirmed: t.confirmed,
    confirmationRefused: t.confirmationRefused,
    preventsCriminal: t.preventsCriminal,
    preventsMass: t.preventsMass,
  };
}

const histogram = (groups: OversightGroup[]) =>
  groups.filter((g) => g.key.daysToSettle != null).map((g) => ({ value: Number(g.key.daysToSettle), count: g.settled }));

function countBy(groups: OversightGroup[], dim: OversightDimension, into: Record<string, number> = {}, keyOf?: (v: string) => string, skipNull = false): Record<string, number> {
  for (const g of groups) {
    if (skipNull && g.key[dim] == null) continue;
    const v = String(g.key[dim] ?? '');
    const k = keyOf ? keyOf(v) : v;
    into[k] = (into[k] ?? 0) + g.cases;
  }
  return into;
}

const zeros = (keys: readonly string[]): Record<string, number> => Object.fromEntries(keys.map((k) => [k, 0]));

export interface StatsOptions {
  satisfiedAtLeast: number;
  groupBy?: Grouping;
  /** display name of an org unit (for groups) */
  unitName?: (id: string) => string | undefined;
}

/** `source`: the in-memory index (memory.ts: what the routes use) or the store's projection itself. */
export async function computeStats(source: FacetSource, q: OversightQuery, opts: StatsOptions): Promise<Stats> {
  const facets: Record<string, OversightDimension[]> = {
    main: ['status', 'tier', 'category'],
    place: ['compoundId', 'communityId', 'subdistrictId'],
    // 受理方式 and 调解组织类型 ride on the months (a few hundred groups): one pass less over the cases
    month: ['month', 'intakeMode', 'orgType'],
    days: ['daysToSettle'],
  };
  const dim = opts.groupBy ? GROUP_DIMENSION[opts.groupBy] : undefined;
  if (dim) facets.groupDays = [dim, 'daysToSettle'];
  // only the main facet (and the groups) need every sum; the others are counts (days: of settled cases)
  const r = await source.facets(q, facets, { place: 'cases', month: 'cases', days: 'cases' });

  const totals = r.main.reduce(addTotals, ZERO);
  const stats: Stats = {
    ...metricsOf(totals, histogram(r.days), opts.satisfiedAtLeast),
    byStatus: countBy(r.main, 'status', zeros(STATUSES)),
    byTier: countBy(r.main, 'tier', zeros(TIERS)),
    byCategory: countBy(r.main, 'category', zeros(CATEGORIES)),
    byCompound: countBy(r.place, 'compoundId'),
    byCommunity: countBy(r.place, 'communityId'),
    bySubdistrict: countBy(r.place, 'subdistrictId'),
    byMonth: countBy(r.month, 'month'),
    byIntakeMode: countBy(r.month, 'intakeMode', zeros(INTAKE_MODES)),
    // a case no mediation body holds has no 调解组织类型 (none today): left out rather than keyed ''
    byOrgType: countBy(r.month, 'orgType', zeros(ORG_TYPES), undefined, true),
    byDisputeType: countBy(r.main, 'category', zeros(DISPUTE_TYPE_CODES), disputeTypeOf),
    from: q.from ?? null,
    to: q.to ?? null,
  };

  if (dim && opts.groupBy) {
    const byKey = new Map<string, { totals: OversightTotals; days: Array<{ value: number; count: number }> }>();
    const keyOf = GROUP_KEY[opts.groupBy];
    for (const g of r.groupDays) {
      const value = String(g.key[dim] ?? '');
      const key = keyOf ? keyOf(value) : value;
      const entry = byKey.get(key) ?? { totals: ZERO, days: [] };
      entry.totals = addTotals(entry.totals, g);
      if (g.key.daysToSettle != null) entry.days.push({ value: Number(g.key.daysToSettle), count: g.settled });
      byKey.set(key, entry);
    }
    const isUnit = dim === 'subdistrictId' || dim === 'communityId' || dim === 'compoundId';
    stats.groupBy = opts.groupBy;
    stats.groups = [...byKey.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, e]) => ({
        key,
        name: (isUnit ? opts.unitName?.(key) : GROUP_LABEL[opts.groupBy!]?.(key)) ?? key,
        ...metricsOf(e.totals, e.days, opts.satisfiedAtLeast),
      }));
  }
  return stats;
}

// ── the monthly table (月报, issue 16 §4) ────────────────────────────────────────────────────────
//
// One row per mediation body (rows: bodies; a total per district), in the shape the 司法行政 monthly
// reports are kept: 登记 / 受理 / 调解成功 / 调解不成 / 调解成功率 / 协议涉及金额 / 涉及人数 / 涉及户数 /
// 司法确认 / 防止民转刑 / 防止群体性事件, then counts by 纠纷类型 (codes.ts, unverified numbering) and by 受理方式.
// The seeds hold no specimen of the form: the columns are the fields issue 16 §4 names, not an
// official layout. Cases are counted by registration in the month (Shanghai), as /api/stats counts,
// at the body holding them now; read from the ledger projection (one pass over the month's lines).

export interface MonthlyCounts {
  /** 登记: registered in the month */
  registered: number;
  /** 受理: accepted (a first acceptance is on record) */
  accepted: number;
  /** 调解成功: an agreement in effect that stands (facts.ts "settled") */
  settled: number;
  /** 调解不成: terminated, or referred to the court */
  failed: number;
  /** settled ÷ (settled + failed); null when both are 0 */
  resolutionRate: number | null;
  /** 协议涉及金额 (yuan) of the settled cases */
  agreementAmount: number;
  /** 涉及人数 / 涉及户数 of the registered cases */
  people: number;
  households: number;
  /** 司法确认: applied for, and confirmed */
  confirmationApplied: number;
  confirmed: number;
  preventsCriminal: number;
  preventsMass: number;
  /** registered cases by 纠纷类型 code (every code present, 0 when none) */
  byDisputeType: Record<string, number>;
  /** registered cases by 受理方式 (every mode present) */
  byIntakeMode: Record<string, number>;
}

export interface MonthlyBodyRow extends MonthlyCounts {
  bodyId: string;
  body: string;
  tier: string;
  orgType: string | null;
}

export interface MonthlyTable {
  month: string;
  from: string;
  to: string;
  districts: Array<{ districtId: string; district: string; total: MonthlyCounts; bodies: MonthlyBodyRow[] }>;
  total: MonthlyCounts;
  disputeTypes: Array<{ code: string; label: string }>;
  intakeModes: Array<{ code: string; label: string }>;
}

/** What the table needs of the organisation (server/org.ts Org). */
export interface MonthlyOrg {
  allBodies(): Body[];
  unit(id: string): OrgUnit | undefined;
  body(id: string): Body | undefined;
  isUnder(unitId: string, ancestorId: string): boolean;
}

const emptyCounts = (): MonthlyCounts => ({
  registered: 0,
  accepted: 0,
  settled: 0,
  failed: 0,
  resolutionRate: null,
  agreementAmount: 0,
  people: 0,
  households: 0,
  confirmationApplied: 0,
  confirmed: 0,
  preventsCriminal: 0,
  preventsMass: 0,
  byDisputeType: Object.fromEntries(DISPUTE_TYPE_CODES.map((c) => [c, 0])),
  byIntakeMode: Object.fromEntries(INTAKE_MODES.map((m) => [m, 0])),
});

function addLine(into: MonthlyCounts, i: LedgerItem): void {
  into.registered++;
  if (i.acceptedAt) into.accepted++;
  if (i.settledAt) {
    into.settled++;
    // fen, then yuan: no drift from adding decimals
    into.agreementAmount = Math.round(into.agreementAmount * 100 + (i.agreementAmount ?? 0) * 100) / 100;
  }
  if (i.status === 'referred_to_court' || i.outcome === 'unresolved' || i.outcome === 'referred') into.failed++;
  into.people += i.people;
  into.households += i.households ?? 0;
  if (i.confirmation) into.confirmationApplied++;
  if (i.confirmation === 'confirmed') into.confirmed++;
  if (i.preventsCriminal) into.preventsCriminal++;
  if (i.preventsMass) into.preventsMass++;
  into.byDisputeType[i.disputeType] = (into.byDisputeType[i.disputeType] ?? 0) + 1;
  into.byIntakeMode[i.intakeMode] = (into.byIntakeMode[i.intakeMode] ?? 0) + 1;
}

function addCounts(into: MonthlyCounts, c: MonthlyCounts): void {
  for (const k of ['registered', 'accepted', 'settled', 'failed', 'people', 'households', 'confirmationApplied', 'confirmed', 'preventsCriminal', 'preventsMass'] as const) into[k] += c[k];
  into.agreementAmount = Math.round(into.agreementAmount * 100 + c.agreementAmount * 100) / 100;
  for (const [k, v] of Object.entries(c.byDisputeType)) into.byDisputeType[k] = (into.byDisputeType[k] ?? 0) + v;
  for (const [k, v] of Object.entries(c.byIntakeMode)) into.byIntakeMode[k] = (into.byIntakeMode[k] ?? 0) + v;
}

const withRate = <T extends MonthlyCounts>(c: T): T => ({ ...c, resolutionRate: ratio(c.settled, c.settled + c.failed) });

const TIER_RANK: Record<string, number> = { district: 0, subdistrict: 1, community: 2, court: 3 };

/** The first and last instant of a month (YYYY-MM) in Shanghai time. */
export function monthBounds(month: string): { from: string; to: string } {
  const [y, m] = month.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${month}-01T00:00:00.000+08:00`, to: `${month}-${String(last).padStart(2, '0')}T23:59:59.999+08:00` };
}

/**
 * The monthly table over `q` (the caller's jurisdiction and org unit; its period is replaced by the
 * month). Rows: the bodies in scope — every mediation body of the jurisdiction (a report lists the
 * bodies with nothing to report too), narrowed to `unitId` and below when given — plus any body
 * holding a case of the month; grouped by district, district body first.
 */
export async function monthlyTable(store: Store, org: MonthlyOrg, q: OversightQuery, month: string, names: Names, unitId?: string): Promise<MonthlyTable> {
  const { from, to } = monthBounds(month);
  const query: OversightQuery = { ...q, from, to };
  const rows = new Map<string, MonthlyBodyRow>();
  const rowFor = (bodyId: string): MonthlyBodyRow => {
    let row = rows.get(bodyId);
    if (!row) {
      const b = org.body(bodyId);
      const tier = b?.tier ?? '';
      row = { bodyId, body: names.body(bodyId) ?? bodyId, tier, orgType: ORG_TYPE_BY_TIER[tier as Tier] ?? null, ...emptyCounts() };
      rows.set(bodyId, row);
    }
    return row;
  };
  const inScope = (b: Body) =>
    b.tier !== 'court' && (!q.bodyIds || q.bodyIds.includes(b.id)) && (!unitId || b.orgUnitId === unitId || org.isUnder(b.orgUnitId, unitId));
  for (const b of org.allBodies()) if (inScope(b)) rowFor(b.id);
  for await (const page of ledgerPages(store, query, 2000)) for (const e of page) addLine(rowFor(e.bodyId), ledgerItem(e, names));

  const districtOf = (bodyId: string): OrgUnit | undefined => {
    let u = org.unit(org.body(bodyId)?.orgUnitId ?? '');
    for (let hops = 0; u && u.kind !== 'district' && hops < 16; hops++) u = u.parentId ? org.unit(u.parentId) : undefined;
    return u;
  };
  const districts = new Map<string, MonthlyTable['districts'][number]>();
  const total = emptyCounts();
  const sorted = [...rows.values()].sort((a, b) => (TIER_RANK[a.tier] ?? 9) - (TIER_RANK[b.tier] ?? 9) || (a.bodyId < b.bodyId ? -1 : a.bodyId > b.bodyId ? 1 : 0));
  for (const row of sorted) {
    const d = districtOf(row.bodyId);
    const key = d?.id ?? '';
    let entry = districts.get(key);
    if (!entry) districts.set(key, (entry = { districtId: key, district: d?.name ?? '', total: emptyCounts(), bodies: [] }));
    entry.bodies.push(withRate(row));
    addCounts(entry.total, row);
    addCounts(total, row);
  }
  return {
    month,
    from,
    to,
    districts: [...districts.values()].map((d) => ({ ...d, total: withRate(d.total) })),
    total: withRate(total),
    disputeTypes: DISPUTE_TYPE_CODES.map((code) => ({ code, label: DISPUTE_TYPES[code].zh })),
    intakeModes: INTAKE_MODES.map((code) => ({ code, label: INTAKE_MODE_LABELS[code].zh })),
  };
}
