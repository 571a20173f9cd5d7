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
import type { OversightFacts, OversightStore } from './oversight-port.ts';

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
  /** the current number: of the docket of the body that accepted the case last (or registered it) */
  caseNo: string;
  /** the numbers the case had before (原编号), oldest first: each body numbers the cases it accepts in
   * its own docket (issue 12 §6). Absent on records that never changed number. */
  formerCaseNos?: string[];
  /** the body whose docket issued caseNo; absent on records written before it existed (their REGISTER
   * event's bodyId) */
  docketBodyId?: string;
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
  /** the case in another system that sent it (12345, grid): its work-order reference, for the
   * closing report (server/webhooks/). Absent on cases without one or written before it existed. */
  source?: { system: string; ref: string };
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
  /** claim at commit: the live lane's entries (not the webhook lane's) are written already leased
   * to this owner until this time, so the relay that asked for it delivers them from memory with no
   * claim of its own; if it does not (its process died), they become claimable when the lease runs out */
  outboxLease?: OutboxLease;
}

export interface OutboxLease {
  owner: string;
  until: string;
}

/** Whether an outbox topic belongs to the live lane (the relay), not the webhook lane (the dispatcher). */
export const isLiveTopic = (topic: string): boolean => !topic.startsWith(WEBHOOK_TOPIC_PREFIX);

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
  profile: { homeCompoundId?: string; employer?: string; relatives?: string[]; /** experts: their fields (法律, 建筑…) */ expertise?: string[] };
  failedLogins: number;
  lockedUntil: string | null;
  active: boolean;
  createdAt: string;
  /** set by an administrator's password reset: the user must choose a new password before anything else */
  mustChangePassword?: boolean;
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
  /** compounds: the street address the documents print (纠纷发生地); absent: the chain of unit names */
  address?: string;
}

export interface Body {
  id: string;
  name: string;
  /** short name used in case numbers, e.g. 示范 → （2026）示范物调字第00012号 */
  shortName: string;
  tier: Tier;
  orgUnitId: string; // the unit it serves (community, sub-district, district); court: the district
  /** the 人民调解委员会 this body works for, whose seal its documents carry (人民调解法 arts. 8, 29, 34);
   * a 工作室 or a 中心 is only a venue. Absent on bodies stored before: `name` is printed then. */
  committeeName?: string;
  /** the venue the committee mediates in (…物业纠纷调解工作室, …联合中心), printed beside the committee */
  venueName?: string;
  /** the room's phone, printed on the intake slip and shown to residents (issue 14) */
  phone?: string;
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

// ── oversight: the projection's types live in oversight-port.ts, re-exported here ───────────────────
export type * from './oversight-port.ts';

// ── the repositories of the port, one per area ────────────────────────────────────────────────────

export interface CaseRepository {
  /** Atomically commits each commit (event + record + outbox + timers). Commits are independent:
   * one failing (VersionConflict) does not undo the others. Results are in input order. */
  commitMany(commits: Commit[]): Promise<Array<CaseRecord | Error>>;
  commit(commit: Commit): Promise<CaseRecord>;
  get(id: string): Promise<CaseRecord | null>;
  getByNo(caseNo: string): Promise<CaseRecord | null>;
  /** the case that had this number before (CaseRecord.formerCaseNos); an exact match, as getByNo */
  getByFormerNo(caseNo: string): Promise<CaseRecord | null>;
  list(filter: CaseFilter): Promise<{ items: CaseRecord[]; total: number }>;
  /** every case, in id order, a page at a time (verification, migrations, statistics) */
  scan(afterId: string | null, limit: number): Promise<CaseRecord[]>;
  count(): Promise<number>;
  /** next docket number for a body and year: 1, 2, … without gaps under concurrency */
  nextNumber(bodyId: string, year: number): Promise<number>;
}

export interface EventRepository {
  list(caseId: string, afterSeq?: number, limit?: number): Promise<EventRecord[]>;
}

export interface TimerRepository {
  /** Claims up to `limit` pending timers due at or before `now` whose lease is free or expired. */
  claimDue(now: string, limit: number, owner: string, leaseMs: number): Promise<TimerRecord[]>;
  /** Gives a lease back without firing (e.g. the event failed for a reason worth retrying). */
  release(id: string, owner: string): Promise<void>;
  /** Marks a timer done without an event (its case moved on; the timer no longer applies). */
  cancel(id: string): Promise<void>;
  forCase(caseId: string): Promise<TimerRecord[]>;
  nextDueAt(): Promise<string | null>;
}

/** The outbox has two lanes. `live` (the default): `case:updated` and `inbox:updated`, for the socket
 * relay. `webhook`: topics starting `webhook:` (server/webhooks/), claimed strictly in order per
 * (topic, case): an entry is not claimable while an earlier entry of the same topic and case is
 * undelivered (leased, or deferred for a retry), so a subscriber sees a case's events in order. */
export type OutboxLane = 'live' | 'webhook';
export const WEBHOOK_TOPIC_PREFIX = 'webhook:';

export interface OutboxRepository {
  /** Claims up to `limit` pending entries of a lane, in delivery order, whose lease is free or expired at `now`. */
  claim(now: string, limit: number, owner: string, leaseMs: number, lane?: OutboxLane): Promise<OutboxEntry[]>;
  markDone(ids: string[]): Promise<void>;
  /** undelivered entries of a lane (default live) */
  pendingCount(lane?: OutboxLane): Promise<number>;
  /** Gives a claimed entry back, claimable again from `until` (a retry after backoff). */
  defer(id: string, until: string): Promise<void>;
  /** Appends entries outside a case commit (webhook fan-out, manual redelivery); an id already present
   * is skipped, so a fan-out repeated after a crash adds nothing. Order = delivery order. */
  enqueue(entries: OutboxEntry[]): Promise<void>;
  get(id: string): Promise<(OutboxEntry & { doneAt: string | null }) | null>;
}

/** One attempt to deliver a webhook (the delivery log). */
export interface WebhookAttempt {
  id: string;
  /** the outbox entry of the delivery (one per subscription and event) */
  deliveryId: string;
  /** the Standard Webhooks `webhook-id`: the same on every attempt and redelivery of a message */
  webhookId: string;
  subscriptionId: string;
  caseId: string;
  type: string;
  attempt: number;
  at: string;
  outcome: 'delivered' | 'failed' | 'gave_up' | 'dropped';
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookLogRepository {
  append(a: WebhookAttempt): Promise<void>;
  /** newest first */
  list(filter: { subscriptionId?: string; deliveryId?: string }, limit: number): Promise<WebhookAttempt[]>;
  /** attempts made so far for a delivery (the retry counter survives a restart) */
  attempts(deliveryId: string): Promise<number>;
}

export interface UserRepository {
  insert(user: UserRecord): Promise<void>;
  update(id: string, patch: Partial<UserRecord>): Promise<void>;
  get(id: string): Promise<UserRecord | null>;
  getByUsername(username: string): Promise<UserRecord | null>;
  list(): Promise<UserRecord[]>;
}

export interface SessionRepository {
  insert(session: SessionRecord): Promise<void>;
  get(tokenHash: string): Promise<SessionRecord | null>;
  revoke(tokenHash: string, at: string): Promise<void>;
  /** Revokes every live session of a user (but `exceptTokenHash`); the hashes revoked */
  revokeForUser(userId: string, at: string, exceptTokenHash?: string): Promise<string[]>;
}

export interface OrgRepository {
  putUnits(units: OrgUnit[]): Promise<void>;
  units(): Promise<OrgUnit[]>;
  putBodies(bodies: Body[]): Promise<void>;
  bodies(): Promise<Body[]>;
}

export interface DocumentRepository {
  insert(doc: DocumentRecord): Promise<void>;
  list(caseId: string): Promise<DocumentRecord[]>;
  get(id: string): Promise<DocumentRecord | null>;
}

export interface AuditRepository {
  append(entry: AuditEntry): Promise<void>;
  list(limit: number): Promise<AuditEntry[]>;
}

export interface IdempotencyRepository {
  get(key: string): Promise<IdempotencyRecord | null>;
  /** false when the key exists already (another request got there first) */
  put(rec: IdempotencyRecord): Promise<boolean>;
  /** deletes the records created before `at` (ISO); how many (issue 15 §3: kept for a configured time) */
  deleteBefore(at: string): Promise<number>;
}

export interface SettingsRepository {
  get<T>(key: string): Promise<T | null>;
  put<T>(key: string, value: T): Promise<void>;
}

export interface Store {
  readonly kind: 'sqlite' | 'mongo';
  init(): Promise<void>;
  close(): Promise<void>;

  cases: CaseRepository;
  events: EventRepository;
  timers: TimerRepository;
  outbox: OutboxRepository;
  users: UserRepository;
  sessions: SessionRepository;
  org: OrgRepository;
  documents: DocumentRepository;
  audit: AuditRepository;
  idempotency: IdempotencyRepository;
  settings: SettingsRepository;
  /** the webhook delivery log */
  webhookLog: WebhookLogRepository;
  /** the oversight projection */
  oversight: OversightStore;
}
