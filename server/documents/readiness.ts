// Before the joint application for judicial confirmation (司法确认申请书) is issued: what is missing,
// and which court it goes to. And the structured package the court receives beside the printout.
import type { CaseContext, Party } from '../../workflows/case.types.ts';
import type { Body } from '../store/port.ts';
import { shanghaiDay, zhDate } from './format.ts';
import type { LimitRule } from '../../workflows/deadlines.ts';
import { confirmationLastDay, defaultCalendar, type WorkingCalendar } from './schedule.ts';
import { DOCUMENT_TITLES, type DocumentView } from './view.ts';
import type { CourtFacts } from '../cases/court-facts.ts';

export type ReadinessCode =
  | 'no_agreement'
  | 'not_signed'
  | 'window_expired'
  | 'decides_ownership'
  | 'already_decided'
  | 'court_unknown';

export type CourtBasis = 'inviting_court' | 'place_of_property_or_body';

export interface Readiness {
  ready: boolean;
  missing: Array<{ code: ReadinessCode; message: string; details?: unknown }>;
  court: { id: string; name: string; basis: CourtBasis; basisText: string } | null;
  /** 人民调解法 art. 33: last day to apply (YYYY-MM-DD), once the agreement is in effect */
  lastDay: string | null;
}

export interface ReadinessOptions {
  /** the courts known to the system (bodies of tier `court`) */
  courts: Body[];
  /** the court that delegated the case, when known (the case record's courtId) */
  delegatingCourtId?: string | null;
  /** the confirmation limit (30 days from effect by default) */
  rule?: LimitRule;
  calendar?: WorkingCalendar;
}

function hasSigned(party: Party, signedBy: string[]): boolean {
  return signedBy.some(
    (s) => s === party.id || s === party.name || (party.representative !== undefined && s === party.representative),
  );
}

/**
 * 民事诉讼法 (2023) art. 205: (1) mediation the court invited → the inviting court; (2) otherwise the
 * basic court where a party lives, the property lies or the mediation body sits. The case's court
 * was fixed at intake from the compound's district, so it is both where the property lies and
 * where the body sits.
 */
function chooseCourt(ctx: CaseContext, opts: ReadinessOptions): Readiness['court'] {
  if (ctx.delegation) {
    const id = opts.delegatingCourtId ?? ctx.bodies.court;
    const court = opts.courts.find((c) => c.id === id && c.tier === 'court');
    if (!court) return null;
    return {
      id: court.id,
      name: court.name,
      basis: 'inviting_court',
      basisText: `本案系${court.name}${ctx.delegation.mode === 'entrusted' ? '委托' : '委派'}调解的案件，案号为${ctx.delegation.courtRef}，依照《中华人民共和国民事诉讼法》第二百零五条第（一）项，向作出邀请的人民法院提出`,
    };
  }
  const court = opts.courts.find((c) => c.id === ctx.bodies.court && c.tier === 'court');
  if (!court) return null;
  return {
    id: court.id,
    name: court.name,
    basis: 'place_of_property_or_body',
    basisText: `依照《中华人民共和国民事诉讼法》第二百零五条第（二）项，向标的物所在地、调解组织所在地的基层人民法院（即${court.name}）提出`,
  };
}

export function confirmationReadiness(ctx: CaseContext, now: string, opts: ReadinessOptions): Readiness {
  const missing: Readiness['missing'] = [];
  const court = chooseCourt(ctx, opts);
  let lastDay: string | null = null;
  const agreement = ctx.agreement;

  if (!agreement) {
    missing.push({ code: 'no_agreement', message: '尚未达成调解协议' });
  } else {
    const unsigned = ctx.parties.filter((p) => !hasSigned(p, agreement.signedBy));
    if (!agreement.effectiveAt || unsigned.length) {
      missing.push({
        code: 'not_signed',
        message: unsigned.length
          ? `调解协议尚未生效：${unsigned.map((p) => p.name).join('、')}未签名`
          : '调解协议尚未生效：尚未由当事人、调解员签名并加盖调解组织印章',
        details: { unsigned: unsigned.map((p) => p.id) },
      });
    }
    if (agreement.effectiveAt) {
      lastDay = confirmationLastDay(agreement.effectiveAt, opts.calendar ?? defaultCalendar(), opts.rule);
      // An application already made in time stays in time: judge by the day it was made.
      const asOf = shanghaiDay(ctx.confirmation?.requestedAt ?? now);
      if (asOf > lastDay) {
        missing.push({
          code: 'window_expired',
          message: `已超过申请期限：调解协议自${zhDate(agreement.effectiveAt)}生效，应于${zhDate(lastDay)}前共同申请司法确认（《中华人民共和国人民调解法》第三十三条）`,
          details: { effectiveAt: agreement.effectiveAt, lastDay },
        });
      }
    }
    if (agreement.decidesOwnership) {
      missing.push({
        code: 'decides_ownership',
        message: '调解协议内容涉及物权确权，人民法院不予司法确认，可告知当事人通过诉讼等途径解决',
      });
    }
  }
  if (ctx.confirmation?.confirmed !== undefined) {
    missing.push({
      code: 'already_decided',
      message: `人民法院已于${zhDate(ctx.confirmation.decidedAt)}作出${ctx.confirmation.confirmed ? '确认' : '不予确认'}裁定`,
    });
  }
  if (!court) {
    missing.push({ code: 'court_unknown', message: '无法确定受理司法确认申请的人民法院' });
  }
  return { ready: missing.length === 0, missing, court, lastDay };
}

/** Schema name and version of the package, so the court's system can tell what it receives. */
export const COURT_PACKAGE_SCHEMA = 'wuye-mediation/court-package@1';
// @1 still: `courtCase` (issue 16 §4) is an added member, nothing was renamed or removed

/**
 * The structured package the court receives beside the printable document: application (or
 * referral), agreement, parties with full particulars, dossier index. Plain JSON; text as typed.
 */
export function courtPackage(
  view: DocumentView,
  kind: 'confirmation_application' | 'court_referral' = 'confirmation_application',
  readiness?: Readiness,
  court?: CourtFacts,
): Record<string, unknown> {
  const a = view.agreement;
  return {
    schema: COURT_PACKAGE_SCHEMA,
    kind,
    title: DOCUMENT_TITLES[kind],
    caseId: view.caseId,
    caseNo: view.caseNo,
    issuedAt: view.issuedAtIso,
    court: readiness?.court ?? view.court,
    mediationBody: { id: view.body.id, name: view.body.committee, venue: view.body.venue || null },
    mediators: view.mediators,
    category: { code: view.category, label: view.categoryLabel },
    compound: view.compound,
    delegation: view.delegation,
    application:
      kind === 'confirmation_application'
        ? {
            joint: true,
            request: `确认${a ? `${a.effectiveAt}` : ''}经${view.body.committee}主持调解达成的人民调解协议有效`,
            lastDay: readiness?.lastDay ?? null,
          }
        : { reason: view.referral?.reason ?? '', referredAt: view.referral?.at ?? '', summary: view.summary, claims: view.claims },
    parties: view.parties.map((p) => ({
      id: p.id,
      role: p.role,
      kind: p.kind,
      kindLabel: p.kindLabel,
      name: p.name,
      idNumber: p.idNumber || null,
      address: p.address || null,
      phone: p.phone || null,
      representative: p.representative || null,
      households: p.households || null,
    })),
    agreement: a
      ? {
          effectiveAt: a.effectiveAt || null,
          signed: a.signed,
          signedBy: a.signedBy,
          facts: a.facts,
          disputes: a.disputes,
          responsibilities: a.responsibilities,
          decidesOwnership: a.decidesOwnership,
          performBy: a.performBy,
          copies: a.copies,
          clauses: a.clauses.map((c) => ({
            no: c.no,
            text: c.text,
            obligor: c.obligor || null,
            manner: c.manner || null,
            place: c.place || null,
            performBy: c.performByIso || null,
            noPerformance: c.noPerformance,
            amount: c.amount,
          })),
        }
      : null,
    dossierIndex: view.dossierIndex,
    // issue 16 §4: the court's 案号, 案由, 标的额, mode, result, 结案方式, the agreement's amount, 无争议事实
    ...(court ? { courtCase: court } : {}),
  };
}
