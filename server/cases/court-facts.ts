// What the court reads of a case (issue 16 §4): its own 案号, 案由 and 标的额, the mode, the mediation's
// result and 结案方式, the agreement and the facts not in dispute. Pure: the court inbox
// (server/http/court.routes.ts, the inbox page) and the court package (server/documents/readiness.ts)
// both show it.
import type { CaseContext } from '../../workflows/case.types.ts';
import { CAUSE_OF_ACTION_LABELS, type Category, type Status } from '../../workflows/vocabulary.ts';
import { agreementAmountOf } from '../oversight/facts.ts';

/** 结案方式 as the court counts it: 司法确认 (民诉法 2023 arts. 205–206), 调解书 or 撤诉 (an entrusted case's
 * agreement, 特邀调解规定 2016), or 自动履行 (an agreement performed without the court). */
export const COURT_CLOSING_MODES = ['judicial_confirmation', 'mediation_statement', 'withdrawal', 'voluntary_performance'] as const;
export type CourtClosingMode = (typeof COURT_CLOSING_MODES)[number];
/** The mediation's result: an agreement in effect, none (failed, terminated or referred back), withdrawn, declined; null while open. */
export const COURT_RESULTS = ['agreement', 'no_agreement', 'withdrawn', 'declined'] as const;
export type CourtResult = (typeof COURT_RESULTS)[number];

export interface CourtFacts {
  /** the court's 案号 (its own number for the case; for 委派 its 诉前调 number) */
  caseNo: string | null;
  /** 案由: as the court filed it, else the cause the category falls under (《民事案件案由规定》) */
  causeOfAction: string;
  causeOfActionFrom: 'court' | 'category';
  /** 标的额 (yuan) as the court gave it; null when it gave none */
  claimAmount: number | null;
  mode: 'delegated' | 'entrusted' | null;
  result: CourtResult | null;
  closingMode: CourtClosingMode | null;
  agreement: {
    form: 'written' | 'oral';
    effectiveAt: string | null;
    /** the sum the clauses move (yuan), null when no amount was entered */
    amount: number | null;
    facts: string | null;
    disputes: string | null;
    responsibilities: string | null;
    clauses: Array<{ no: number; text: string; amount: number | null; performBy: string | null; performance: string }>;
  } | null;
  /** 无争议事实记载 (特邀调解规定 2016), with the parties who consented */
  undisputedFacts: { text: string; consentOf: string[]; at: string } | null;
}

/** The court's fields of a case, from its workflow context (pure). */
export function courtFacts(ctx: CaseContext, status: Status, outcome: string | null): CourtFacts {
  const d = ctx.delegation;
  const a = ctx.agreement;
  const inEffect = Boolean(a?.effectiveAt);
  const given = d?.causeOfAction?.trim();
  const result: CourtResult | null = inEffect && (status !== 'closed' || outcome === 'resolved')
    ? 'agreement'
    : status === 'referred_to_court' || outcome === 'unresolved' || outcome === 'referred'
      ? 'no_agreement'
      : outcome === 'withdrawn'
        ? 'withdrawn'
        : outcome === 'declined' || status === 'declined'
          ? 'declined'
          : null;
  const closingMode: CourtClosingMode | null =
    ctx.confirmation?.confirmed === true
      ? 'judicial_confirmation'
      : ctx.courtSettlement?.result === 'mediation_statement'
        ? 'mediation_statement'
        : ctx.courtSettlement?.result === 'withdrawal'
          ? 'withdrawal'
          : inEffect && status === 'closed' && outcome === 'resolved'
            ? 'voluntary_performance'
            : null;
  return {
    caseNo: d?.courtCaseNo ?? d?.courtRef ?? ctx.referral?.courtCaseNo ?? null,
    causeOfAction: given || (CAUSE_OF_ACTION_LABELS[ctx.category as Category]?.zh ?? ''),
    causeOfActionFrom: given ? 'court' : 'category',
    claimAmount: typeof d?.claimAmount === 'number' ? d.claimAmount : null,
    mode: d?.mode ?? null,
    result,
    closingMode,
    agreement: a
      ? {
          form: a.form ?? 'written',
          effectiveAt: a.effectiveAt ?? null,
          amount: agreementAmountOf(a),
          facts: a.facts ?? null,
          disputes: a.disputePoints ?? null,
          responsibilities: a.responsibilities ?? null,
          clauses: (a.clauses ?? []).map((c) => ({
            no: c.no,
            text: c.text,
            amount: typeof c.amount === 'number' ? c.amount : null,
            performBy: c.performBy || null,
            performance: c.performance,
          })),
        }
      : null,
    undisputedFacts: ctx.undisputedFacts?.text ? { text: ctx.undisputedFacts.text, consentOf: ctx.undisputedFacts.consentOf ?? [], at: ctx.undisputedFacts.at } : null,
  };
}
