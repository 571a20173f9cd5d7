// What statistics and company warnings should say about a generated district, computed from the plan
// alone (scenarios, planned visits, registration and signing days, the calendar) — never from the
// projection under test.
import { expect } from 'chai';
import type { WorkingCalendar } from '../../../workflows/calendar/calendar.ts';
import type { Stats } from '../../../server/oversight/stats.ts';
// the product's own table of categories → statistics types is a definition (codes.ts), not a computation
import { DISPUTE_TYPE_OF } from '../../../server/oversight/codes.ts';
import { expectedLinks, finalClauses, workingDays, type DistrictPlan, type PlannedCase } from './district.ts';

export interface ExpectedStats {
  total: number;
  byStatus: Record<string, number>;
  byTier: Record<string, number>;
  byCategory: Record<string, number>;
  byCompound: Record<string, number>;
  byMonth: Record<string, number>;
  settled: number;
  settledWithinSubdistrict: number;
  failed: number;
  settledWithinSubdistrictRate: number | null;
  resolutionRate: number | null;
  performanceRate: number | null;
  satisfaction: number | null;
  medianDaysToSettle: number | null;
  overdue: number;
  red: number;
  recurrences: number;
  clauses: { checked: number; full: number; partial: number; none: number };
  visits: number;
  // issue 16 §4
  agreementAmount: number;
  byAgreementForm: { written: number; oral: number };
  people: number;
  households: number;
  confirmationApplied: number;
  confirmed: number;
  confirmationRefused: number;
  preventsCriminal: number;
  preventsMass: number;
  byIntakeMode: Record<string, number>;
  byOrgType: Record<string, number>;
  byDisputeType: Record<string, number>;
}

/** 调解组织类型 by the tier of the body holding the case (人民调解法 arts. 8, 34: a community room is a
 * 村居 committee, a sub-district centre a 乡镇街道 one, the district's property-dispute committee 行业性专业性). */
const PLANNED_ORG_TYPE: Record<string, string> = { community: 'village_resident', subdistrict: 'township_street', district: 'professional' };

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const inc = (o: Record<string, number>, k: string) => (o[k] = (o[k] ?? 0) + 1);

/** A planned case's 受理方式, 调解组织类型 and 纠纷类型, from the plan alone. */
export const plannedCode = {
  intakeMode: (c: PlannedCase) => PLANNED_MODE[c.channel],
  orgType: (c: PlannedCase) => PLANNED_ORG_TYPE[c.expect.bodyTier],
  disputeType: (c: PlannedCase) => DISPUTE_TYPE_OF[c.category],
};

export function expectedStats(
  plan: DistrictPlan,
  calendar: WorkingCalendar,
  keep: (c: PlannedCase) => boolean,
  satisfiedAtLeast = 4,
): ExpectedStats {
  const links = expectedLinks(plan);
  const cases = plan.cases.filter(keep);
  const e: ExpectedStats = {
    total: cases.length,
    byStatus: {},
    byTier: {},
    byCategory: {},
    byCompound: {},
    byMonth: {},
    settled: 0,
    settledWithinSubdistrict: 0,
    failed: 0,
    settledWithinSubdistrictRate: null,
    resolutionRate: null,
    performanceRate: null,
    satisfaction: null,
    medianDaysToSettle: null,
    overdue: 0,
    red: 0,
    recurrences: 0,
    clauses: { checked: 0, full: 0, partial: 0, none: 0 },
    visits: 0,
    agreementAmount: 0,
    byAgreementForm: { written: 0, oral: 0 },
    people: 0,
    households: 0,
    confirmationApplied: 0,
    confirmed: 0,
    confirmationRefused: 0,
    preventsCriminal: 0,
    preventsMass: 0,
    byIntakeMode: {},
    byOrgType: {},
    byDisputeType: {},
  };
  let fen = 0;
  const days: number[] = [];
  let satisfied = 0;
  for (const c of cases) {
    const x = c.expect;
    inc(e.byStatus, x.status);
    inc(e.byTier, x.tier);
    inc(e.byCategory, c.category);
    inc(e.byCompound, c.compoundId);
    inc(e.byMonth, c.regDay.slice(0, 7));
    if (x.settled) {
      e.settled++;
      if (x.settledTier === 'community' || x.settledTier === 'subdistrict') e.settledWithinSubdistrict++;
      days.push(workingDays(calendar, c.regDay, x.signDay!));
      for (const p of finalClauses(x.visits)) {
        e.clauses.checked++;
        e.clauses[p]++;
      }
    }
    if (x.failed) e.failed++;
    for (const v of x.visits) {
      e.visits++;
      if (v.satisfaction >= satisfiedAtLeast) satisfied++;
    }
    if (x.everOverdue) e.overdue++;
    if (x.red) e.red++;
    if ((links.get(c.n) ?? []).length > 0) e.recurrences++;
    // issue 16 §4: amounts and forms of the settled cases; people: every party one (the plan has no
    // groups); households: the intake's default, one per person (organisations have none)
    if (x.settled) {
      fen += x.amountFen;
      e.byAgreementForm[x.form!]++;
    }
    e.people += c.parties.length;
    e.households += c.parties.filter((p) => p.kind === 'person').length;
    if (x.confirmation) e.confirmationApplied++;
    if (x.confirmation === 'confirmed') e.confirmed++;
    if (x.confirmation === 'refused') e.confirmationRefused++;
    if (x.prevents.includes('criminal_case')) e.preventsCriminal++;
    if (x.prevents.includes('mass_incident')) e.preventsMass++;
    inc(e.byIntakeMode, plannedCode.intakeMode(c));
    inc(e.byOrgType, plannedCode.orgType(c));
    inc(e.byDisputeType, plannedCode.disputeType(c));
  }
  e.agreementAmount = fen / 100;
  const ratio = (n: number, d: number) => (d > 0 ? n / d : null);
  e.settledWithinSubdistrictRate = ratio(e.settledWithinSubdistrict, e.settled);
  e.resolutionRate = ratio(e.settled, e.settled + e.failed);
  e.performanceRate = ratio(e.clauses.full, e.clauses.checked);
  e.satisfaction = ratio(satisfied, e.visits);
  e.medianDaysToSettle = median(days);
  return e;
}

export interface ExpectedCompany {
  disputes: number;
  recurrences: number;
  nonPerformance: number;
  byCategory: Record<string, number>;
  caseNos: string[];
}

/** Per property company (respondent organisations without orgType owners_committee / other). */
export function expectedCompanies(plan: DistrictPlan, keep: (c: PlannedCase) => boolean = () => true): Map<string, ExpectedCompany> {
  const links = expectedLinks(plan);
  const out = new Map<string, ExpectedCompany>();
  for (const c of plan.cases.filter(keep)) {
    if (!c.company) continue;
    const e = out.get(c.company) ?? { disputes: 0, recurrences: 0, nonPerformance: 0, byCategory: {}, caseNos: [] };
    e.disputes++;
    inc(e.byCategory, c.category);
    e.caseNos.push(c.caseNo!);
    if ((links.get(c.n) ?? []).some((l) => l.reasons.includes('category'))) e.recurrences++;
    // both clauses fall to the company: clause 1 names it (p2), clause 2 names nobody and it is the respondent
    if (c.expect.settled && finalClauses(c.expect.visits).some((p) => p !== 'full')) e.nonPerformance++;
    out.set(c.company, e);
  }
  return out;
}

// ── the monthly table (issue 16 §4) ─────────────────────────────────────────────────────────────

export interface ExpectedMonthlyRow {
  registered: number;
  settled: number;
  failed: number;
  people: number;
  confirmationApplied: number;
  confirmed: number;
  preventsCriminal: number;
  preventsMass: number;
  byIntakeMode: Record<string, number>;
  byDisputeType: Record<string, number>;
}

/** 受理方式 of a planned case, from its channel and source alone (the plan has no court cases and no
 * named transferring department). */
const PLANNED_MODE: Record<string, string> = {
  walk_in: 'application',
  phone: 'application',
  online: 'application',
  hotline_12345: 'hotline_12345',
  grid: 'grid',
  department_transfer: 'department',
  screening: 'proactive',
};

/** Per holding body, the cases registered in `month`: counts from the plan (parties, channels, steps). */
export function expectedMonthly(
  plan: DistrictPlan,
  month: string,
  bodyOf: (c: PlannedCase) => string,
  disputeTypeOf: (category: string) => string,
): Map<string, ExpectedMonthlyRow> {
  const out = new Map<string, ExpectedMonthlyRow>();
  for (const c of plan.cases.filter((x) => x.regDay.startsWith(month))) {
    const body = bodyOf(c);
    const e = out.get(body) ?? {
      registered: 0,
      settled: 0,
      failed: 0,
      people: 0,
      confirmationApplied: 0,
      confirmed: 0,
      preventsCriminal: 0,
      preventsMass: 0,
      byIntakeMode: {},
      byDisputeType: {},
    };
    e.registered++;
    if (c.expect.settled) e.settled++;
    if (c.expect.failed) e.failed++;
    e.people += c.parties.length; // people and organisations, one each: the plan has no groups
    if (c.steps.some((s) => s.type === 'REQUEST_CONFIRMATION')) e.confirmationApplied++;
    if (c.steps.some((s) => s.type === 'CONFIRMATION_RESULT' && s.data.confirmed === true)) e.confirmed++;
    const prevents = c.steps.filter((s) => s.type === 'FLAG_RISK').flatMap((s) => (s.data.prevents as string[] | undefined) ?? []);
    if (prevents.includes('criminal_case')) e.preventsCriminal++;
    if (prevents.includes('mass_incident')) e.preventsMass++;
    inc(e.byIntakeMode, PLANNED_MODE[c.channel]);
    inc(e.byDisputeType, disputeTypeOf(c.category));
    out.set(body, e);
  }
  return out;
}

/** Statistics as computed (server/oversight/stats.ts) against those the plan implies. */
export function expectSameStats(actual: Stats, want: ExpectedStats): void {
  const nonZero = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v > 0));
  expect(actual.total, 'total').to.equal(want.total);
  expect(nonZero(actual.byStatus), 'byStatus').to.deep.equal(want.byStatus);
  expect(nonZero(actual.byTier), 'byTier').to.deep.equal(want.byTier);
  expect(nonZero(actual.byCategory), 'byCategory').to.deep.equal(want.byCategory);
  expect(actual.byCompound, 'byCompound').to.deep.equal(want.byCompound);
  expect(actual.byMonth, 'byMonth').to.deep.equal(want.byMonth);
  for (const k of ['settled', 'settledWithinSubdistrict', 'failed', 'overdue', 'red', 'recurrences', 'visits'] as const) {
    expect(actual[k], k).to.equal(want[k]);
  }
  expect(actual.clauses, 'clauses').to.deep.equal(want.clauses);
  for (const k of ['settledWithinSubdistrictRate', 'resolutionRate', 'performanceRate', 'satisfaction'] as const) {
    if (want[k] === null) expect(actual[k], k).to.equal(null);
    else expect(actual[k], k).to.be.closeTo(want[k]!, 1e-12);
  }
  expect(actual.medianDaysToSettle, 'medianDaysToSettle').to.equal(want.medianDaysToSettle);
  // issue 16 §4
  expect(actual.agreementAmount, 'agreementAmount').to.equal(want.agreementAmount);
  expect(actual.byAgreementForm, 'byAgreementForm').to.deep.equal(want.byAgreementForm);
  for (const k of ['people', 'households', 'confirmationApplied', 'confirmed', 'confirmationRefused', 'preventsCriminal', 'preventsMass'] as const) {
    expect(actual[k], k).to.equal(want[k]);
  }
  expect(nonZero(actual.byIntakeMode), 'byIntakeMode').to.deep.equal(want.byIntakeMode);
  expect(nonZero(actual.byOrgType), 'byOrgType').to.deep.equal(want.byOrgType);
  expect(nonZero(actual.byDisputeType), 'byDisputeType').to.deep.equal(want.byDisputeType);
}
