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
// A rate whose denominator is 0 is null.
import { CATEGORIES, STATUSES, TIERS } from '../../workflows/vocabulary.ts';
import type { OversightDimension, OversightGroup, OversightQuery, OversightTotals } from '../store/port.ts';
import type { FacetSource } from './memory.ts';

export const GROUPINGS = ['month', 'subdistrict', 'community', 'compound', 'category', 'tier'] as const;
export type Grouping = (typeof GROUPINGS)[number];

const GROUP_DIMENSION: Record<Grouping, OversightDimension> = {
  month: 'month',
  subdistrict: 'subdistrictId',
  community: 'communityId',
  compound: 'compoundId',
  category: 'category',
  tier: 'tier',
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
}

export interface Stats extends Metrics {
  byStatus: Record<string, number>;
  byTier: Record<string, number>;
  byCategory: Record<string, number>;
  byCompound: Record<string, number>;
  byCommunity: Record<string, number>;
  bySubdistrict: Record<string, number>;
  byMonth: Record<string, number>;
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
  };
}

const histogram = (groups: OversightGroup[]) =>
  groups.filter((g) => g.key.daysToSettle != null).map((g) => ({ value: Number(g.key.daysToSettle), count: g.settled }));

function countBy(groups: OversightGroup[], dim: OversightDimension, into: Record<string, number> = {}): Record<string, number> {
  for (const g of groups) {
    const k = String(g.key[dim] ?? '');
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
    month: ['month'],
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
    from: q.from ?? null,
    to: q.to ?? null,
  };

  if (dim && opts.groupBy) {
    const byKey = new Map<string, { totals: OversightTotals; days: Array<{ value: number; count: number }> }>();
    for (const g of r.groupDays) {
      const key = String(g.key[dim] ?? '');
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
        name: (isUnit ? opts.unitName?.(key) : undefined) ?? key,
        ...metricsOf(e.totals, e.days, opts.satisfiedAtLeast),
      }));
  }
  return stats;
}
