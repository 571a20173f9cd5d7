// The clauses of an agreement checked against the case before REACH_AGREEMENT reaches the workflow
// (API.md 2026.3, 422 INVALID_CLAUSE): every obligor is a party, and every date lies between today and
// the agreement's overall date. 若干规定 (2002) art. 35(四) asks for 履行协议的方式、地点、期限; 法释〔2011〕5号
// refuses confirmation of an agreement whose content is "不明确" — an obligor who is not a party, or a
// date already past, is how an agreement fails there. Pure: the caller gives today's date.
import type { Agreement, EventData, Party } from '../../workflows/case.types.ts';
import { DomainError } from '../engine/errors.ts';
import { shanghaiDay } from '../documents/format.ts';

export interface ClauseProblem {
  /** 0-based index into `terms`; null for the agreement's own date */
  term: number | null;
  field: 'obligors' | 'obligor' | 'performBy';
  message: string;
}

export function clauseProblems(parties: readonly Party[], data: Pick<EventData['REACH_AGREEMENT'], 'terms' | 'performBy'>, today: string): ClauseProblem[] {
  const problems: ClauseProblem[] = [];
  const ids = new Set(parties.map((p) => p.id));
  if (data.performBy < today) {
    problems.push({ term: null, field: 'performBy', message: `履行期限${data.performBy}早于今日（${today}）` });
  }
  data.terms.forEach((t, i) => {
    if (typeof t === 'string') return;
    const no = `第${i + 1}条`;
    for (const o of t.obligors ?? []) {
      if (!ids.has(o)) problems.push({ term: i, field: 'obligors', message: `${no}的履行义务人${o}不是本案当事人` });
    }
    // before 2026.3 the one obligor could be named by id or by name
    if (t.obligor !== undefined && !parties.some((p) => p.id === t.obligor || p.name === t.obligor)) {
      problems.push({ term: i, field: 'obligor', message: `${no}的履行义务人${t.obligor}不是本案当事人` });
    }
    if (t.performBy !== undefined) {
      if (t.performBy < today) problems.push({ term: i, field: 'performBy', message: `${no}的履行期限${t.performBy}早于今日（${today}）` });
      if (t.performBy > data.performBy) {
        problems.push({ term: i, field: 'performBy', message: `${no}的履行期限${t.performBy}晚于协议的履行期限${data.performBy}` });
      }
    }
  });
  return problems;
}

/** Throws 422 INVALID_CLAUSE listing every problem; `now` is the engine's clock. */
export function assertClauses(parties: readonly Party[], data: EventData['REACH_AGREEMENT'], now: Date): void {
  const problems = clauseProblems(parties, data, shanghaiDay(now.toISOString()));
  if (problems.length) {
    throw new DomainError('INVALID_CLAUSE', problems.map((p) => p.message).join('；'), { problems });
  }
}

/**
 * The readiness check before SIGN_AGREEMENT (人民调解法 art. 29; 若干规定 art. 35): what a written agreement
 * still lacks — the main facts, the points in dispute, each party's responsibility, all three written by
 * the mediator. Listed in 422 AGREEMENT_INCOMPLETE and on the draft agreement.
 */
export function agreementMissing(agreement: Pick<Agreement, 'form' | 'facts' | 'disputePoints' | 'responsibilities'> | null): string[] {
  if (!agreement || agreement.form === 'oral') return [];
  const missing: string[] = [];
  if (!agreement.facts?.trim()) missing.push('纠纷主要事实');
  if (!agreement.disputePoints?.trim()) missing.push('争议事项');
  if (!agreement.responsibilities?.trim()) missing.push('各方责任');
  return missing;
}
