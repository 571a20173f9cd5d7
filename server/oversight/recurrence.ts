// 回访倒查: a new case in the same compound with the same category or a party in common (name or
// phone) within the look-back window is linked to the earlier cases. The links are found at intake
// and recorded in the new case's REGISTER event (data.relatedCases) — history stays append-only and
// the earlier cases are not touched: the store keeps the links as a projection (case_links), read in
// both directions, so an earlier case's follow-up record and ledger line show the later ones.
import type { Party } from '../../workflows/case.types.ts';
import type { RelatedCaseRef, Store } from '../store/port.ts';
import { MAX_RELATED } from './facts.ts';
import { categoryKey, recurrenceKeys } from './keys.ts';
import { projectionCaughtUp } from './projector.ts';

const DAY_MS = 86_400_000;

export interface RecurrenceProbe {
  compoundId: string;
  category: string;
  parties: ReadonlyArray<Partial<Party>>;
  /** when the new case is registered (ISO instant) */
  at: string;
  /** the look-back window in days: the run-time setting `recurrenceDays` (server/settings.ts) */
  windowDays: number;
}

/** Earlier cases registered within `windowDays` before `at` (inclusive), the most recent first. */
export async function findRelatedCases(store: Store, probe: RecurrenceProbe): Promise<RelatedCaseRef[]> {
  if (!store.oversight) return [];
  const { windowDays } = probe;
  const until = Date.parse(probe.at);
  const keys = recurrenceKeys(probe.category, probe.parties);
  const cat = categoryKey(probe.category);
  const found = await store.oversight.recurrenceCandidates({
    compoundId: probe.compoundId,
    keys,
    since: new Date(until - windowDays * DAY_MS).toISOString(),
    until: new Date(until).toISOString(),
  });
  return found.slice(0, MAX_RELATED).map((c) => {
    const reasons: RelatedCaseRef['reasons'] = [];
    if (c.keys.includes(cat)) reasons.push('category');
    if (c.keys.some((k) => k !== cat)) reasons.push('party');
    return { id: c.caseId, caseNo: c.caseNo, registeredAt: c.registeredAt, reasons };
  });
}

export interface RelatedCaseView extends RelatedCaseRef {
  /** earlier: this case repeats it; later: it repeats this case */
  direction: 'earlier' | 'later';
}

/** A case's relatedCases for its detail view and documents (the follow-up record): both directions. */
export async function relatedCasesOf(store: Store, caseId: string): Promise<RelatedCaseView[]> {
  if (!store.oversight) return [];
  await projectionCaughtUp(store);
  const { earlier, later } = await store.oversight.related(caseId);
  return [
    ...earlier.map((r) => ({ ...r, direction: 'earlier' as const })),
    ...later.map((r) => ({ ...r, direction: 'later' as const })),
  ];
}
