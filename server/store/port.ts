// The storage port: everything the engine and the HTTP layer keep. Shaped as collections of documents
// so that MongoDB (mongoose) implements it as naturally as SQLite does. Every adapter passes
// test/server/store/contract.ts.
import type { PersistedSnapshot } from '../../workflows/registry.ts';
import type {
  Category,
  Channel,
  DeadlineKind,
  Outcome,
  Role,
  Status,
  Tier,
  WarningLevel,
} from '../../workflows/vocabulary.ts';

export interface DeadlineView {
  kind: DeadlineKind;
  startAt: string;
  dueAt: string;
  warning: WarningLevel;
  /** computed past the years the holiday calendar covers: recomputed when that year's data arrives */
  provisional: boolean;
  /** how dueAt was set: by a limit rule (plus extensions), by the court, or by the follow-up schedule */
  basis?: 'rule' | 'court' | 'schedule';
  /** extensions granted on this deadline, in calendar days (EXTEND_DEADLINE) */
  extendedDays?: number;
}

/** The current record of a case: the persisted workflow snapshot plus the fields lists need. */
export interface CaseRecord {
  id: string;
  caseNo: string;
  workflowVersion: string;
  status: Status;
  phase: string;
  tier: Tier;
  outcome: Outcome | null;
  bodyId: string;
  category: Category;
  channel: Channel;
  compoundId: string;
  communityId: string;
  subdistrictId: string;
  summary: string;
  /** lower-cased text searched by `q`: case number, summary, party names, claims */
  searchText: string;
  assignees: string[];
  experts: string[];
  /** the court's inbox: referrals, delegations and confirmation requests addressed to the court */
  courtId: string | null;
  courtInbox: boolean;
  deadlines: DeadlineView[];
  /** the most severe warning among open deadlines */
  warning: WarningLevel;
  overdue: boolean;
  snapshot: PersistedSnapshot;
  accessCodeHash: string;
  /** = seq of the last event; 1 after intake */
  version: number;
  lastHash: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** the oversight projection (statistics, ledger, 倒查, company warnings), recomputed from the new
   * snapshot with every event by server/oversight/facts.ts and committed with it; absent on records
   * written before it existed (server/oversight/rebuild.ts fills those in) */
  oversight?: OversightFacts;
}

export interface ActorRef {
  id: string;
  username: string;
  role: string;
  name?: string;
}

export interface EventRecord {
  caseId: string;
  seq: number; // gap-free from 1
  type: string;
  at: string;
  actor: ActorRef;
  data: unknown;
  clientIp?: string | null;
  prevHash: string; // '' for seq 1
  hash: string; // sha256(prevHash + canonical event)
}

export interface OutboxEntry {
  id: string;
  caseId: string;
  seq: number;
  topic: 'case:updated' | 'inbox:updated' | string;
  payload: unknown;
  createdAt: string;
}

export type TimerState = 'pending' | 'fired' | 'cancelled';
export interface TimerRecord {
  id: string;
  caseId: string;
  kind: DeadlineKind;
  level: Exclude<WarningLevel, 'none'>; // red = expiry
  dueAt: string; // when this timer fires
  deadlineDueAt: string; // the deadline it belongs to
  state: TimerState;
  leaseOwner: string | null;
  leaseUntil: string | null;
  firedAt: string | null;
}

/** One event with everything that must commit with it, atomically. */
export interface Commit {
  caseId: string;
  /** the record's version before this event; 0 creates the case */
  expectedVersion: number;
  event: EventRecord;
  record: CaseRecord; // the full new current record (record.version === event.seq)
  outbox: OutboxEntry[];
  armTimers: TimerRecord[];
  /** pending timers of these kinds for this case are cancelled */
  cancelTimerKinds: DeadlineKind[];
  /** the timer whose firing produced this event: marked fired in the same transaction */
  firedTimerId?: string;
}

export interface CaseFilter {
  /** jurisdiction: only cases held by these bodies (undefined = no restriction) */
  bodyIds?: string[];
  /** or referred/delegated to this court */
  courtId?: string;
  /** or with this expert invited */
  expertId?: string;
  ids?: string[];
  status?: Status;
  tier?: Tier;
  category?: string;
  compoundId?: string;
  overdue?: boolean;
  warning?: WarningLevel;
  q?: string;
  page: number; // 1-based
  limit: number;
}

export interface UserRecord {
  id: string;
  username: string;
  name: string;
  role: Role;
  bodyId: string | null;
  passwordHash: string;
  /** conflict-of-interest facts for mediators */
  profile: { homeCompoundId?: string; employer?: string; relatives?: string[] };
  failedLogins: number;
  lockedUntil: string | null;
  active: boolean;
  createdAt: string;
}

export interface SessionRecord {
  tokenHash: string;
  userId: string;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

export interface OrgUnit {
  id: string;
  name: string;
  kind: 'district' | 'subdistrict' | 'community' | 'compound';
  parentId: string | null;
  order: number;
}

export interface Body {
  id: string;
  name: string;
  /** short name used in case numbers, e.g. 示范 → （2026）示范物调字第00012号 */
  shortName: string;
  tier: Tier;
  orgUnitId: string; // the unit it serves (community, sub-district, district); court: the district
}

export interface DocumentRecord {
  id: string;
  caseId: string;
  kind: string;
  version: number; // 1, 2… per (case, kind)
  templateVersion: string;
  html: string;
  sha256: string;
  draft: boolean;
  issuedAt: string;
  issuedBy: string;
  data?: unknown; // structured package beside the printable HTML (e.g. for the court)
}

export interface AuditEntry {
  at: string;
  actor: string | null;
  action: string;
  ip: string | null;
  detail: unknown;
}

export interface IdempotencyRecord {
  key: string; // scoped by the caller: `${userId}:${key}`
  requestHash: string;
  status: number;
  body: unknown;
  createdAt: string;
}

// ── oversight: statistics, ledger (台账), recurrence look-back (回访倒查), company warnings ────────────

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
  | 'daysToSettle';

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
}

/** The oversight projection's reads. Adapters write it with each commit (from CaseRecord.oversight). */
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
  /** (re)writes the projection of these records, outside any event (backfill after an upgrade) */
  project(records: CaseRecord[]): Promise<void>;
}

export interface Store {
  readonly kind: 'sqlite' | 'mongo';
  init(): Promise<void>;
  close(): Promise<void>;

  cases: {
    /** Atomically commits each commit (event + record + outbox + timers). Commits are independent:
     * one failing (VersionConflict) does not undo the others. Results are in input order. */
    commitMany(commits: Commit[]): Promise<Array<CaseRecord | Error>>;
    commit(commit: Commit): Promise<CaseRecord>;
    get(id: string): Promise<CaseRecord | null>;
    getByNo(caseNo: string): Promise<CaseRecord | null>;
    list(filter: CaseFilter): Promise<{ items: CaseRecord[]; total: number }>;
    /** every case, in id order, a page at a time (verification, migrations, statistics) */
    scan(afterId: string | null, limit: number): Promise<CaseRecord[]>;
    count(): Promise<number>;
    /** next docket number for a body and year: 1, 2, … without gaps under concurrency */
    nextNumber(bodyId: string, year: number): Promise<number>;
  };
  events: {
    list(caseId: string, afterSeq?: number, limit?: number): Promise<EventRecord[]>;
  };
  timers: {
    /** Claims up to `limit` pending timers due at or before `now` whose lease is free or expired. */
    claimDue(now: string, limit: number, owner: string, leaseMs: number): Promise<TimerRecord[]>;
    /** Gives a lease back without firing (e.g. the event failed for a reason worth retrying). */
    release(id: string, owner: string): Promise<void>;
    /** Marks a timer done without an event (its case moved on; the timer no longer applies). */
    cancel(id: string): Promise<void>;
    forCase(caseId: string): Promise<TimerRecord[]>;
    nextDueAt(): Promise<string | null>;
  };
  outbox: {
    claim(limit: number, owner: string, leaseMs: number): Promise<OutboxEntry[]>;
    markDone(ids: string[]): Promise<void>;
    pendingCount(): Promise<number>;
  };
  users: {
    insert(user: UserRecord): Promise<void>;
    update(id: string, patch: Partial<UserRecord>): Promise<void>;
    get(id: string): Promise<UserRecord | null>;
    getByUsername(username: string): Promise<UserRecord | null>;
    list(): Promise<UserRecord[]>;
  };
  sessions: {
    insert(session: SessionRecord): Promise<void>;
    get(tokenHash: string): Promise<SessionRecord | null>;
    revoke(tokenHash: string, at: string): Promise<void>;
  };
  org: {
    putUnits(units: OrgUnit[]): Promise<void>;
    units(): Promise<OrgUnit[]>;
    putBodies(bodies: Body[]): Promise<void>;
    bodies(): Promise<Body[]>;
  };
  documents: {
    insert(doc: DocumentRecord): Promise<void>;
    list(caseId: string): Promise<DocumentRecord[]>;
    get(id: string): Promise<DocumentRecord | null>;
  };
  audit: {
    append(entry: AuditEntry): Promise<void>;
    list(limit: number): Promise<AuditEntry[]>;
  };
  idempotency: {
    get(key: string): Promise<IdempotencyRecord | null>;
    /** false when the key exists already (another request got there first) */
    put(rec: IdempotencyRecord): Promise<boolean>;
  };
  settings: {
    get<T>(key: string): Promise<T | null>;
    put<T>(key: string, value: T): Promise<void>;
  };
  /** the oversight projection (optional while an adapter does not have it yet) */
  oversight?: OversightStore;
}
