// The oversight projection of one case (statistics, ledger, 倒查, company warnings). A pure function
// of the new record (its workflow snapshot), the event that produced it and the facts before it: the
// engine computes it in buildCommit and the store commits it with the event, so it is right after
// every event — including the ones that arrive out of band (timer expiries, court results,
// recalculated deadlines) — and statistics never re-read the snapshots.
//
// Definitions (they are what the numbers mean; API.md "Oversight"):
// - settled: an agreement has taken effect (signed and sealed) and stands — the case is performing,
//   awaiting judicial confirmation, or closed as resolved. A case reopened for non-performance is not
//   settled until a new agreement takes effect.
// - settledTier: the tier holding the case when its agreement took effect; 不出街镇 = community or
//   sub-district.
// - daysToSettle: working days (statutory holidays and 调休 respected) from the registration day to
//   the day the agreement took effect, the registration day not counted (民法典 art. 201).
// - failed: mediation ended without agreement — terminated (unresolved), or referred to the court
//   (awaiting the court, or accepted there). Withdrawn and declined cases are neither.
// - clauses: clause-by-clause performance found by follow-up visits on the agreement in effect.
// - everOverdue: some deadline of the case expired at some point (a DEADLINE_EXPIRED event), even if
//   the case has moved on since.
import { addDays, shanghaiDate, type WorkingCalendar } from '../../workflows/calendar/calendar.ts';
import type { CaseContext, Clause, Party, RegisterData } from '../../workflows/case.types.ts';
import type { Tier } from '../../workflows/vocabulary.ts';
import { maskedText, maskParty } from '../privacy/mask.ts';
import type { CaseRecord, CompanyFact, LedgerRow, OversightFacts, RelatedCaseRef } from '../store/port.ts';
import { isPropertyCompany, normName, recurrenceKeys } from './keys.ts';
import { stripControls } from './ledger-format.ts';
import { disputeTypeOf, intakeModeOf, ORG_TYPE_BY_TIER, type ConfirmationState } from './codes.ts';

/** Bump when the facts' meaning or shape changes: older projections are recomputed (rebuild.ts).
 * 2: the ledger's 协议形式 (agreementForm, issue 12 §5).
 * 3: 承办调解员, 调解组织类型, 受理方式, 协议涉及金额, 司法确认, 涉及人数, 防止民转刑 / 群体性事件, 纠纷类型 (issue 16 §4).
 * 4: the same fields as the store's statistics columns (stats-facts.ts; SQLite migration 6, MongoDB `_f`). */
export const FACTS_VERSION = 4;

/** The longest summary kept in the ledger. */
const SUMMARY_CHARS = 200;
/** The most related cases kept on one case (the most recent first). */
export const MAX_RELATED = 50;

export interface FactsEvent {
  type: string;
  at: string;
  data?: unknown;
}

/** What only the history knows, when the projection is rebuilt from it rather than event by event. */
export interface FactsHistory {
  everOverdue: boolean;
  source: OversightFacts['source'];
  relatedCases: RelatedCaseRef[];
  firstAcceptedAt: string | null;
  /** REGISTER's `transferredFrom` (受理方式 of a department transfer) */
  transferredFrom?: RegisterData['transferredFrom'] | null;
}

/** What the projection may look up beyond the record: the names of the mediators on it. */
export interface FactsLookup {
  userName(id: string): string | undefined;
}

/** Working days d with from < d <= to (Shanghai calendar dates); 0 when `to` is not after `from`. */
export function workingDaysBetween(calendar: WorkingCalendar, from: string, to: string): number {
  let n = 0;
  for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (calendar.isWorkingDay(d)) n++;
  return n;
}

const day = (iso: string | null | undefined): string | null => (iso ? shanghaiDate(iso) : null);

function sourceOf(data: unknown): OversightFacts['source'] {
  const s = (data as { source?: { system?: unknown; ref?: unknown } } | null)?.source;
  return s && typeof s.system === 'string' && typeof s.ref === 'string' ? { system: s.system, ref: s.ref } : null;
}

function relatedOf(data: unknown): RelatedCaseRef[] {
  const r = (data as { relatedCases?: unknown } | null)?.relatedCases;
  return Array.isArray(r) ? (r as RelatedCaseRef[]).slice(0, MAX_RELATED) : [];
}

/** '张三（138****5678）；华阳花园12户业主（代表：王五，139****0000）' — names stay, numbers masked. */
export function partiesLine(parties: ReadonlyArray<Partial<Party>>): string {
  return parties
    .map((raw) => {
      const p = maskParty(raw);
      const extra: string[] = [];
      if (p.kind === 'group' && p.representative) extra.push(`代表：${p.representative}`);
      if (p.phone) extra.push(p.phone);
      const who = p.kind === 'group' && p.households ? `${p.name}（${p.households}户）` : (p.name ?? '');
      return extra.length ? `${who}（${extra.join('，')}）` : who;
    })
    .join('；');
}

/** The case's performance on the whole: '' without an agreement in effect, 'pending' before any
 * visit found anything, else full / partial / none. */
export function performanceOf(c: OversightFacts['clauses'], inEffect: boolean): string {
  if (!inEffect) return '';
  if (c.checked === 0) return 'pending';
  if (c.full === c.total) return 'full';
  if (c.full === 0 && c.partial === 0) return 'none';
  return 'partial';
}

function clauseCounts(clauses: readonly Clause[]): OversightFacts['clauses'] {
  const out = { total: clauses.length, checked: 0, full: 0, partial: 0, none: 0 };
  for (const c of clauses) {
    if (c.performance === 'full') out.full++;
    else if (c.performance === 'partial') out.partial++;
    else if (c.performance === 'none') out.none++;
    else continue;
    out.checked++;
  }
  return out;
}

function companiesOf(ctx: CaseContext, clauses: readonly Clause[], categoryRecurrence: boolean): CompanyFact[] {
  const out = new Map<string, CompanyFact>();
  const shortfall = clauses.filter((c) => c.performance === 'none' || c.performance === 'partial');
  for (const p of ctx.parties ?? []) {
    if (!isPropertyCompany(p)) continue;
    const key = normName(p.name);
    if (!key) continue;
    const owes = (c: Clause) =>
      c.obligor ? c.obligor === p.id || normName(c.obligor) === key : p.role === 'respondent';
    const prev = out.get(key);
    const nonPerformance = (prev?.nonPerformance ?? false) || shortfall.some(owes);
    out.set(key, { key, name: prev?.name ?? p.name.trim(), nonPerformance, recurrence: categoryRecurrence });
  }
  return [...out.values()];
}

/** The tiers the case went through, in order, the court last when it was referred there. */
function tierPath(ctx: CaseContext): Tier[] {
  const esc = ctx.escalations ?? [];
  const path: Tier[] = [esc.length ? esc[0].from : ctx.tier];
  for (const e of esc) if (path[path.length - 1] !== e.to) path.push(e.to);
  if (ctx.referral && path[path.length - 1] !== 'court') path.push('court');
  return path;
}

/**
 * 涉及人数: the people a case involves — a person party is one, a group party counts its households (the
 * named list, else the number given; at least one), an organisation is one party. Agents (委托代理人)
 * and representatives act for a party already counted and are not added.
 */
export function peopleOf(parties: ReadonlyArray<Partial<Party>>): number {
  let n = 0;
  for (const p of parties) {
    if (p.kind === 'group') n += Math.max(p.householdList?.length ?? 0, Number(p.households ?? 0), 1);
    else n += 1;
  }
  return n;
}

/** 协议涉及金额: the sum the clauses of the agreement move (yuan, to the fen), else the amount the
 * agreement states; null when neither is entered. */
export function agreementAmountOf(agreement: Pick<NonNullable<CaseContext['agreement']>, 'clauses' | 'amount'>): number | null {
  const amounts = (agreement.clauses ?? []).map((c) => c.amount).filter((a): a is number => typeof a === 'number' && Number.isFinite(a));
  if (amounts.length) return Math.round(amounts.reduce((s, a) => s + a * 100, 0)) / 100;
  return typeof agreement.amount === 'number' && Number.isFinite(agreement.amount) ? agreement.amount : null;
}

/** 司法确认 and its result: null when never applied for. */
export function confirmationOf(ctx: Pick<CaseContext, 'confirmation'>): ConfirmationState | null {
  const c = ctx.confirmation;
  if (!c) return null;
  return c.confirmed === true ? 'confirmed' : c.confirmed === false ? 'refused' : 'pending';
}

/** The tier of the body holding the case, read from the case's own chain of bodies. */
function holdingTier(ctx: CaseContext, bodyId: string): Tier | null {
  const chain = ctx.bodies as unknown as Record<string, string> | undefined;
  if (!chain) return null;
  const hit = Object.entries(chain).find(([, id]) => id === bodyId);
  return hit ? (hit[0] as Tier) : null;
}

/**
 * The facts after `event`. `prev` is the projection before it (undefined for REGISTER, and for
 * records written before the projection existed: then `history` supplies what only events carry).
 */
export function projectOversight(
  record: CaseRecord,
  event: FactsEvent,
  prev: OversightFacts | undefined,
  calendar: WorkingCalendar,
  history?: FactsHistory,
  lookup?: FactsLookup,
): OversightFacts {
  const ctx = record.snapshot.context;
  const registeredAt = ctx.registeredAt ?? record.createdAt;
  const agreement = ctx.agreement ?? null;
  const inEffect = Boolean(agreement?.effectiveAt);
  const status = record.status;
  const outcome = record.outcome ?? null;

  const settled =
    inEffect &&
    // submitted_to_court (2026.3): an entrusted case's signed agreement, with the court for its 调解书
    (status === 'performing' || status === 'confirmation_pending' || status === 'submitted_to_court' || (status === 'closed' && outcome === 'resolved'));
  const settledAt = settled ? agreement!.effectiveAt! : null;
  const settledTier: Tier | null = settled ? (ctx.tier ?? record.tier) : null;
  let daysToSettle: number | null = null;
  if (settledAt) {
    daysToSettle =
      prev?.settledAt === settledAt && prev.daysToSettle !== null && prev.registeredAt === registeredAt
        ? prev.daysToSettle
        : workingDaysBetween(calendar, shanghaiDate(registeredAt), shanghaiDate(settledAt));
  }
  const failed = status === 'referred_to_court' || outcome === 'unresolved' || outcome === 'referred';

  const clauses = inEffect ? clauseCounts(agreement!.clauses ?? []) : { total: 0, checked: 0, full: 0, partial: 0, none: 0 };
  const followUps = ctx.followUps ?? [];
  const satisfaction: OversightFacts['satisfaction'] = [0, 0, 0, 0, 0];
  for (const f of followUps) {
    const s = Math.round(Number(f.satisfaction));
    if (s >= 1 && s <= 5) satisfaction[s - 1]++;
  }
  const lastVisit = followUps.length ? followUps[followUps.length - 1] : null;

  const isRegister = event.type === 'REGISTER';
  const source = prev ? prev.source : isRegister ? sourceOf(event.data) : (history?.source ?? null);
  const relatedCases = prev ? prev.relatedCases : isRegister ? relatedOf(event.data) : (history?.relatedCases ?? []);
  const everOverdue =
    (prev?.everOverdue ?? history?.everOverdue ?? false) || event.type === 'DEADLINE_EXPIRED' || record.overdue === true;
  const keys = prev?.keys?.length ? prev.keys : recurrenceKeys(ctx.category ?? record.category, ctx.parties ?? []);
  const categoryRecurrence = relatedCases.some((r) => r.reasons.includes('category'));
  // 受理日期 is the first acceptance: escalation and court returns reset ctx.acceptedAt at the next tier
  const firstAccepted =
    (prev?.ledger.acceptedAt as string | null | undefined) ?? (history ? day(history.firstAcceptedAt) : null) ?? day(ctx.acceptedAt);

  const register = isRegister ? (event.data as Partial<RegisterData> | undefined) : undefined;
  const prevMode = prev?.ledger.intakeMode;
  const intakeMode =
    typeof prevMode === 'string' && prevMode
      ? prevMode
      : intakeModeOf({
          channel: ctx.channel ?? record.channel,
          delegationMode: ctx.delegation?.mode ?? null,
          transferredFrom: register?.transferredFrom ?? history?.transferredFrom ?? null,
          sourceSystem: source?.system ?? null,
        });
  const risks = ctx.risks ?? [];
  const orgType = ORG_TYPE_BY_TIER[holdingTier(ctx, record.bodyId) ?? record.tier] ?? null;
  const mediators = (ctx.assignees ?? []).map((id) => stripControls(lookup?.userName(id) ?? id));
  const category = ctx.category ?? record.category;

  const ledger: LedgerRow = {
    caseNo: record.caseNo,
    registeredAt: day(registeredAt),
    channel: ctx.channel ?? record.channel,
    source: source ? stripControls(`${source.system}:${source.ref}`) : null,
    subdistrictId: record.subdistrictId,
    communityId: record.communityId,
    compoundId: record.compoundId,
    bodyId: record.bodyId,
    category,
    summary: stripControls(maskedText(String(ctx.summary ?? record.summary ?? ''))).slice(0, SUMMARY_CHARS),
    applicants: stripControls(partiesLine((ctx.parties ?? []).filter((p) => p.role === 'applicant'))),
    respondents: stripControls(partiesLine((ctx.parties ?? []).filter((p) => p.role === 'respondent'))),
    households: ctx.householdsInvolved ?? null,
    major: Boolean(ctx.flags?.major),
    tierPath: ctx.tier ? tierPath(ctx) : [record.tier],
    tier: record.tier,
    status,
    outcome,
    acceptedAt: firstAccepted,
    settledAt: day(settledAt),
    // 人民调解法 art. 28: an oral agreement (口头协议) is counted as such; '' without an agreement in effect
    agreementForm: inEffect ? (agreement!.form ?? 'written') : null,
    daysToSettle,
    closedAt: day(record.closedAt),
    clauses: clauses.total,
    clausesFull: clauses.full,
    performance: performanceOf(clauses, inEffect),
    followUps: followUps.length,
    lastFollowUp: day(lastVisit?.at),
    satisfaction: lastVisit ? Number(lastVisit.satisfaction) : null,
    overdue: everOverdue,
    warning: record.warning,
    relatedCases: relatedCases.map((r) => r.caseNo),
    // ── issue 16 §4: the fields the 司法局 asks for ──
    mediators,
    orgType,
    intakeMode,
    agreementAmount: inEffect ? agreementAmountOf(agreement!) : null,
    confirmation: confirmationOf(ctx),
    people: peopleOf(ctx.parties ?? []),
    preventsCriminal: risks.some((r) => r.prevents?.includes('criminal_case')),
    preventsMass: risks.some((r) => r.prevents?.includes('mass_incident')),
    disputeType: disputeTypeOf(category),
  };

  return {
    // without the facts before this event or the history, what only events carry (source, links, a past
    // expiry) is unknown: version 0 marks the projection for rebuild.ts to redo from the history
    v: prev || isRegister || history ? FACTS_VERSION : 0,
    registeredAt,
    month: shanghaiDate(registeredAt).slice(0, 7),
    source,
    settled,
    settledAt,
    settledTier,
    daysToSettle,
    failed,
    clauses,
    visits: followUps.length,
    satisfaction,
    everOverdue,
    keys,
    relatedCases,
    companies: companiesOf(ctx, inEffect ? (agreement!.clauses ?? []) : [], categoryRecurrence),
    ledger,
  };
}
