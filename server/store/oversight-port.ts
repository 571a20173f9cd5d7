// The oversight projection of the storage port (server/store/port.ts re-exports everything here):
// statistics, ledger (台账), recurrence look-back (回访倒查), company warnings.
import type { Outcome, Status, Tier } from '../../workflows/vocabulary.ts';
import type { CaseRecord } from './port.ts';

/** An earlier case a new one was linked to at intake: same compound, and the same category or a party
 * in common (name or phone), within the look-back window. */
export interface RelatedCaseRef {
  id: string;
  caseNo: string;
  registeredAt: string;
  reasons: Array<'category' | 'party'>;
}

/** One ledger (台账) line as projected: stable codes and ids, personal data already masked. Labels and
 * unit names are added when it is exported (server/oversight/ledger.ts). */
export type LedgerRow = Record<string, string | number | boolean | null | string[]>;

/** A property-service company among a case's parties (an organisation party that is not an owners'
 * committee or `other`), grouped by `key` (its normalised name). */
export interface CompanyFact {
  key: string;
  name: string;
  /** a clause it owes (or, unassigned, that a respondent company owes) was found not or only partly performed */
  nonPerformance: boolean;
  /** the case repeats an earlier dispute of the same kind in the same compound (within the window) */
  recurrence: boolean;
}

/** Per-case oversight facts (server/oversight/facts.ts). Everything statistics need is a number or a
 * code here, so adapters aggregate them without reading the workflow snapshot. */
export interface OversightFacts {
  /** projection version: records with an older one are recomputed (server/oversight/rebuild.ts) */
  v: number;
  registeredAt: string;
  /** YYYY-MM of registration, Shanghai time */
  month: string;
  /** the case in another system (12345 hotline, grid platform) */
  source: { system: string; ref: string } | null;
  /** an agreement in effect that stands: performing, awaiting confirmation, or closed as resolved */
  settled: boolean;
  settledAt: string | null;
  settledTier: Tier | null;
  /** working days from registration to the agreement taking effect (the registration day not counted) */
  daysToSettle: number | null;
  /** mediation ended without agreement: terminated, or referred to the court */
  failed: boolean;
  clauses: { total: number; checked: number; full: number; partial: number; none: number };
  visits: number;
  /** follow-up visits by satisfaction score: [score 1, 2, 3, 4, 5] */
  satisfaction: [number, number, number, number, number];
  /** a deadline of this case has expired at some point (逾期), even if the case has moved on since */
  everOverdue: boolean;
  /** opaque keys (hashed) that link recurrences: category and each party's name and phone */
  keys: string[];
  /** earlier cases this one was linked to at intake */
  relatedCases: RelatedCaseRef[];
  companies: CompanyFact[];
  ledger: LedgerRow;
}

/** Which cases an oversight query covers. Times are ISO instants, both ends inclusive, on registration. */
export interface OversightQuery {
  /** jurisdiction: cases held by these bodies (undefined = no restriction; [] = nothing) */
  bodyIds?: string[];
  from?: string;
  to?: string;
  subdistrictId?: string;
  communityId?: string;
  compoundId?: string;
}

export type OversightDimension =
  | 'status'
  | 'tier'
  | 'category'
  | 'channel'
  | 'outcome'
  | 'compoundId'
  | 'communityId'
  | 'subdistrictId'
  | 'month'
  | 'settledTier'
  | 'daysToSettle'
  // issue 16 §4: 受理方式 (codes.ts INTAKE_MODES) and 调解组织类型 (ORG_TYPES; null for a case no mediation body holds)
  | 'intakeMode'
  | 'orgType';

/** Sums over a set of cases' facts. */
export interface OversightTotals {
  cases: number;
  settled: number;
  /** settled at the community or sub-district tier (不出街镇) */
  settledWithinSubdistrict: number;
  failed: number;
  clausesChecked: number;
  clausesFull: number;
  clausesPartial: number;
  clausesNone: number;
  visits: number;
  /** visits by satisfaction score [1..5] */
  satisfaction: number[];
  /** ever overdue */
  overdue: number;
  /** showing a red warning now */
  red: number;
  /** linked to at least one earlier case */
  recurrences: number;
  // ── issue 16 §4 (the facts: server/oversight/stats-facts.ts) ──
  /** 协议涉及金额 of the settled cases, in fen (integers add without drift) */
  agreementFen: number;
  /** settled cases by 协议形式: written (书面), oral (口头) */
  agreementsWritten: number;
  agreementsOral: number;
  /** 涉及人数, 涉及户数 */
  people: number;
  households: number;
  /** 司法确认: applied for (any result), confirmed, refused */
  confirmationApplied: number;
  confirmed: number;
  confirmationRefused: number;
  /** flagged 防止民转刑 / 防止群体性事件 */
  preventsCriminal: number;
  preventsMass: number;
}

export interface OversightGroup extends OversightTotals {
  key: Partial<Record<OversightDimension, string | number | null>>;
}

export interface LedgerEntry {
  caseId: string;
  caseNo: string;
  registeredAt: string;
  bodyId: string;
  row: LedgerRow;
  /** case numbers of later cases linked back to this one, in registration order (then case number) */
  laterCases: string[];
}

/** A ledger line prepared for CSV at write time (server/oversight/ledger-format.ts ledgerTemplate(row),
 * stored as UTF-8): the export copies bytes, filling in unit and body names and the number. */
export interface LedgerLine {
  subdistrictId: string;
  communityId: string;
  compoundId: string;
  bodyId: string;
  line: Buffer;
  /** later cases' numbers joined by '；' (UTF-8) */
  later: Buffer;
}

export interface CompanyCaseRow {
  key: string;
  name: string;
  caseId: string;
  caseNo: string;
  category: string;
  status: Status;
  outcome: Outcome | null;
  registeredAt: string;
  recurrence: boolean;
  nonPerformance: boolean;
}

/** One case's facts as numbers and codes (a row of the projection), with its change number. */
export interface FactsRow {
  /** increases with every write of any case's facts, in commit order */
  seq: number;
  caseId: string;
  bodyId: string;
  compoundId: string;
  communityId: string;
  subdistrictId: string;
  /** epoch milliseconds */
  registeredAt: number;
  month: string;
  status: string;
  tier: string;
  category: string;
  channel: string;
  outcome: string | null;
  settled: boolean;
  settledTier: string | null;
  daysToSettle: number | null;
  failed: boolean;
  clausesChecked: number;
  clausesFull: number;
  clausesPartial: number;
  clausesNone: number;
  visits: number;
  satisfaction: number[];
  overdue: boolean;
  red: boolean;
  /** how many earlier cases it is linked to */
  recurrence: number;
  // ── issue 16 §4 ──
  intakeMode: string | null;
  orgType: string | null;
  agreementFen: number;
  agreementWritten: boolean;
  agreementOral: boolean;
  people: number;
  households: number;
  confirmationApplied: boolean;
  confirmed: boolean;
  confirmationRefused: boolean;
  preventsCriminal: boolean;
  preventsMass: boolean;
}

/** The oversight projection's reads. Adapters write it with a commit whose record carries it (CaseRecord.oversight:
 * the store contract, imports), and through `project` (the asynchronous projector; the engine's commits carry none). */
export interface OversightStore {
  /** One group list per facet, each grouped by its dimensions ([] = one group of everything), all
   * from the same snapshot (MongoDB: one $facet). */
  facets(q: OversightQuery, facets: Record<string, OversightDimension[]>): Promise<Record<string, OversightGroup[]>>;
  /** the facts written after change number `afterSeq`, in change order: a reader keeps an in-memory
   * copy current with this (server/oversight/memory.ts; MongoDB: a counter-stamped field, or a change stream) */
  factsSince(afterSeq: number, limit: number): Promise<FactsRow[]>;
  /** ledger entries in (registeredAt, caseId) order, after the given one: a page of a stream */
  ledger(q: OversightQuery, after: { registeredAt: string; caseId: string } | null, limit: number): Promise<LedgerEntry[]>;
  ledgerByCaseNos(caseNos: string[]): Promise<LedgerEntry[]>;
  /** the body holding each of these cases now, by current case number (unknown numbers are left
   * out): which related case numbers a viewer's ledger may name (issue 15 §3). An indexed look-up. */
  holders(caseNos: string[]): Promise<Array<{ caseNo: string; bodyId: string }>>;
  /** the prepared lines in the ledger's order; `after`: the previous page's `next`. Optional: without
   * it a CSV export prepares each line from `ledger` as it goes (correct, slower) */
  ledgerLines?(q: OversightQuery, after: string | null, limit: number): Promise<{ lines: LedgerLine[]; next: string | null }>;
  /** cases of the compound registered in [since, until] carrying any of the keys */
  recurrenceCandidates(probe: {
    compoundId: string;
    keys: string[];
    since: string;
    until: string;
  }): Promise<Array<{ caseId: string; caseNo: string; registeredAt: string; keys: string[] }>>;
  /** the earlier cases this one is linked to, and the later ones linked back to it */
  related(caseId: string): Promise<{ earlier: RelatedCaseRef[]; later: RelatedCaseRef[] }>;
  /** one row per (company, case) in scope */
  companies(q: OversightQuery): Promise<CompanyCaseRow[]>;
  bySource(system: string, ref: string): Promise<{ caseId: string; caseNo: string } | null>;
  /** ids of cases whose projection is missing or older than `version` */
  stale(version: number, limit: number): Promise<string[]>;
  /** (re)writes the projection of these records (the projector, server/oversight/projector.ts, and the
   * backfill after an upgrade). A record whose case has moved on to another version is left alone: the
   * projector comes back for it. With `position`, the projector's position moves there with the writes
   * (atomically on SQLite; on MongoDB after them — writing a projection twice gives the same). */
  project(records: CaseRecord[], position?: number): Promise<void>;

  // ── the projector's feed (issue 17): the projection is written after the commit, in commit order ──
  /** committed events after feed position `after`, in commit order, at most `limit` */
  feed(after: number, limit: number): Promise<FeedEntry[]>;
  /** the feed position of the last committed event (0: none) */
  head(): Promise<number>;
  /** the projector's durable position: every event up to it is projected (0: none yet) */
  position(): Promise<number>;
  /** the facts last projected for a case and the case version they were projected at */
  facts(caseId: string): Promise<{ version: number; facts: OversightFacts } | null>;
}

/** One committed event as the projector's feed gives it. */
export interface FeedEntry {
  /** the feed position: increases with every committed event, in commit order */
  pos: number;
  caseId: string;
  seq: number;
  type: string;
}

