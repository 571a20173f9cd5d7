// Property-service company warnings (GET /api/companies): per company — grouped by the organisation
// party's name (an organisation party is a company unless it carries orgType owners_committee or
// other) — its disputes by kind, recurrences and non-performance, and a colour green / yellow /
// orange / red by the configured rules, with the cases behind it.
//
// - disputes: cases in scope with the company among the parties
// - recurrences: those that repeat an earlier dispute of the same kind in the same compound within
//   the look-back window (倒查)
// - nonPerformance: those where a follow-up visit found a clause the company owes (a clause without
//   an obligor counts against a respondent company) not or only partly performed
import type { CompanyCaseRow, OversightQuery, Store } from '../store/port.ts';
import type { Colour, ColourRule, CompanyRules } from './settings.ts';

export type CompanyMetric = 'disputes' | 'recurrences' | 'nonPerformance';

export interface CompanyCaseRef {
  id: string;
  caseNo: string;
  category: string;
  status: string;
  outcome: string | null;
  registeredAt: string;
  recurrence: boolean;
  nonPerformance: boolean;
}

export interface CompanyWarning {
  /** the normalised name the cases are grouped by */
  key: string;
  name: string;
  disputes: number;
  byCategory: Record<string, number>;
  recurrences: number;
  nonPerformance: number;
  colour: Colour;
  /** the counts that reached the colour's thresholds */
  reasons: Array<{ metric: CompanyMetric; count: number; threshold: number }>;
  /** the cases behind the colour: for each metric that triggered it, the cases it counted */
  evidence: Partial<Record<CompanyMetric, string[]>>;
  cases: CompanyCaseRef[];
}

export interface CompaniesReport {
  companies: CompanyWarning[];
  byColour: Record<Colour, string[]>;
  rules: CompanyRules;
}

const SEVERITY: Colour[] = ['red', 'orange', 'yellow'];
const METRICS: CompanyMetric[] = ['disputes', 'recurrences', 'nonPerformance'];

export function colourFor(counts: Record<CompanyMetric, number>, rules: CompanyRules): { colour: Colour; reasons: CompanyWarning['reasons'] } {
  for (const colour of SEVERITY) {
    const rule: ColourRule = rules[colour as keyof CompanyRules] ?? {};
    const reasons = METRICS.filter((m) => rule[m] != null && counts[m] >= (rule[m] as number)).map((m) => ({
      metric: m,
      count: counts[m],
      threshold: rule[m] as number,
    }));
    if (reasons.length) return { colour, reasons };
  }
  return { colour: 'green', reasons: [] };
}

const RANK: Record<Colour, number> = { red: 0, orange: 1, yellow: 2, green: 3 };

/** Pure: rows (one per company and case) → the report. */
export function companyWarnings(rows: readonly CompanyCaseRow[], rules: CompanyRules): CompaniesReport {
  const groups = new Map<string, CompanyCaseRow[]>();
  for (const r of rows) {
    const list = groups.get(r.key) ?? [];
    list.push(r);
    groups.set(r.key, list);
  }
  const companies: CompanyWarning[] = [];
  for (const [key, list] of groups) {
    // one row per case (a company named twice in a case is one dispute)
    const cases = [...new Map(list.map((r) => [r.caseId, r])).values()];
    const names = new Map<string, number>();
    for (const r of cases) names.set(r.name, (names.get(r.name) ?? 0) + 1);
    const name = [...names.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
    const byCategory: Record<string, number> = {};
    for (const r of cases) byCategory[r.category] = (byCategory[r.category] ?? 0) + 1;
    const counts = {
      disputes: cases.length,
      recurrences: cases.filter((r) => r.recurrence).length,
      nonPerformance: cases.filter((r) => r.nonPerformance).length,
    };
    const { colour, reasons } = colourFor(counts, rules);
    const evidence: CompanyWarning['evidence'] = {};
    for (const reason of reasons) {
      const counted = reason.metric === 'disputes' ? cases : cases.filter((r) => (reason.metric === 'recurrences' ? r.recurrence : r.nonPerformance));
      evidence[reason.metric] = counted.map((r) => r.caseNo);
    }
    companies.push({
      key,
      name,
      ...counts,
      byCategory,
      colour,
      reasons,
      evidence,
      cases: cases.map((r) => ({
        id: r.caseId,
        caseNo: r.caseNo,
        category: r.category,
        status: r.status,
        outcome: r.outcome,
        registeredAt: r.registeredAt,
        recurrence: r.recurrence,
        nonPerformance: r.nonPerformance,
      })),
    });
  }
  companies.sort((a, b) => RANK[a.colour] - RANK[b.colour] || b.disputes - a.disputes || (a.key < b.key ? -1 : 1));
  const byColour: Record<Colour, string[]> = { red: [], orange: [], yellow: [], green: [] };
  for (const c of companies) byColour[c.colour].push(c.name);
  return { companies, byColour, rules };
}

export async function computeCompanies(store: Store, q: OversightQuery, rules: CompanyRules): Promise<CompaniesReport> {
  if (!store.oversight) throw new Error('this store has no oversight projection');
  return companyWarnings(await store.oversight.companies(q), rules);
}
