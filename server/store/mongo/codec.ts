// Records of the port ↔ MongoDB documents (the layout schemas.ts describes). Pure functions.
//
// A record is first made plain JSON (undefined fields dropped, as the SQLite adapter's JSON column
// does), so both adapters return the same thing for the same input. Compared times become dates;
// the text a date would not reproduce is kept in `_iso` (see schemas.ts).
import { ValidationFailed } from '../../engine/errors.ts';
import { statsFactsOf } from '../../oversight/stats-facts.ts';
import type {
  AuditEntry,
  Body,
  CaseRecord,
  DocumentRecord,
  EventRecord,
  IdempotencyRecord,
  OrgUnit,
  OutboxEntry,
  OutboxLease,
  OversightFacts,
  SessionRecord,
  TimerRecord,
  UserRecord,
} from '../port.ts';

export type Doc = Record<string, any>;

/** The JSON form of a value: what any adapter stores and gives back. */
export function plain<T>(v: T): T {
  return v === undefined ? (null as T) : (JSON.parse(JSON.stringify(v)) as T);
}

/** ISO-8601 (any offset) → Date, or ValidationFailed naming the field. */
export function toDate(iso: unknown, field: string): Date {
  const ms = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  if (!Number.isFinite(ms)) throw new ValidationFailed(`${field} is not an ISO-8601 time: ${String(iso)}`);
  return new Date(ms);
}

export const isoOf = (d: unknown): string | null => (d instanceof Date ? d.toISOString() : d == null ? null : String(d));

/** Turns the ISO strings in `fields` into dates, keeping in `_iso` the text a date would not give back. */
function datesIn(doc: Doc, fields: readonly string[], what: string): Doc {
  const kept: Record<string, string> = {};
  for (const f of fields) {
    const v = doc[f];
    if (v == null) continue;
    const d = toDate(v, `${what}.${f}`);
    doc[f] = d;
    if (d.toISOString() !== v) kept[f] = v as string;
  }
  delete doc._iso;
  if (Object.keys(kept).length) doc._iso = kept;
  return doc;
}

/** A stored document back to its record: dates to their original text, `_id` to `idKey`, and the
 * adapter's own fields (`_…`, and `drop`) left out. */
function recordOf<T>(doc: Doc, idKey: string | null, dates: readonly string[] = [], drop: readonly string[] = []): T {
  const kept = (doc._iso ?? {}) as Record<string, string>;
  const out: Doc = {};
  if (idKey) out[idKey] = doc._id;
  for (const [k, v] of Object.entries(doc)) {
    if (k.startsWith('_') || drop.includes(k)) continue;
    out[k] = dates.includes(k) && v instanceof Date ? (kept[k] ?? v.toISOString()) : v;
  }
  return out as T;
}

/** The record with its id field moved to `_id`. */
function withoutId<T extends { [k: string]: unknown }>(rec: T, idKey: string): Doc {
  const { [idKey]: id, ...rest } = rec;
  return { _id: id, ...rest };
}

// ── cases, events ────────────────────────────────────────────────────────────────────────────────

const CASE_DATES = ['updatedAt'] as const;

export function caseDoc(r: CaseRecord): Doc {
  const doc = datesIn(withoutId(plain(r) as unknown as Doc, 'id'), CASE_DATES, 'record');
  const f = factsOf(r);
  if (f) doc._f = f;
  return doc;
}

/** The unique key of a case in another system (as the embedded store keys it): JSON, so that no
 * separator can make two references collide. */
export const sourceKey = (system: string, ref: string): string => JSON.stringify([system.trim(), ref.trim()]);

/** What oversight queries filter, group and sum, derived from the record's oversight facts (absent
 * when the record has none): flat numbers and codes, every field present (null, not missing, so
 * that $group keys them alike) but `source`, registeredAt a date. The commit adds `seq` (factsSince's change
 * number) once it has taken one. */
export function factsOf(r: CaseRecord): Doc | null {
  const f = r.oversight;
  if (!f) return null;
  const b = (x: boolean) => (x ? 1 : 0);
  return {
    registeredAt: toDate(f.registeredAt, 'oversight.registeredAt'),
    month: f.month ?? null,
    settled: b(f.settled),
    settledTier: f.settledTier ?? null,
    within: b(f.settled && (f.settledTier === 'community' || f.settledTier === 'subdistrict')),
    daysToSettle: f.daysToSettle ?? null,
    failed: b(f.failed),
    cc: f.clauses?.checked ?? 0,
    cf: f.clauses?.full ?? 0,
    cp: f.clauses?.partial ?? 0,
    cn: f.clauses?.none ?? 0,
    visits: f.visits ?? 0,
    s1: f.satisfaction?.[0] ?? 0,
    s2: f.satisfaction?.[1] ?? 0,
    s3: f.satisfaction?.[2] ?? 0,
    s4: f.satisfaction?.[3] ?? 0,
    s5: f.satisfaction?.[4] ?? 0,
    overdue: b(f.everOverdue),
    red: b(r.warning === 'red'),
    rec: b((f.relatedCases?.length ?? 0) > 0),
    links: f.relatedCases?.length ?? 0,
    // issue 16 §4 (server/oversight/stats-facts.ts): what statistics group and sum
    ...statsDoc(f),
    v: f.v,
    // absent, not null, without a source: the unique index (schemas.ts) skips it
    ...(f.source ? { source: sourceKey(f.source.system, f.source.ref) } : {}),
  };
}
function statsDoc(f: OversightFacts): Doc {
  const x = statsFactsOf(f);
  const b = (v: boolean) => (v ? 1 : 0);
  return {
    intakeMode: x.intakeMode,
    orgType: x.orgType,
    fen: x.agreementFen,
    written: b(x.agreementWritten),
    oral: b(x.agreementOral),
    people: x.people,
    hh: x.households,
    ca: b(x.confirmationApplied),
    conf: b(x.confirmed),
    cr: b(x.confirmationRefused),
    pc: b(x.preventsCriminal),
    pm: b(x.preventsMass),
  };
}

export const caseOf = (doc: Doc): CaseRecord => recordOf<CaseRecord>(doc, 'id', CASE_DATES);

export const eventId = (caseId: string, seq: number): string => `${caseId}:${seq}`;

/** `_pos`: the event's place in the projector's feed (oversight.ts feed; issue 17), increasing in the
 * order events are written by this process. */
export function eventDoc(e: EventRecord, pos = nextPos()): Doc {
  const p = plain(e);
  return { _id: eventId(p.caseId, p.seq), ...p, _pos: pos };
}
export const eventOf = (doc: Doc): EventRecord => recordOf<EventRecord>(doc, null);

// ── timers, outbox ───────────────────────────────────────────────────────────────────────────────

export function timerDoc(t: TimerRecord, caseId: string): Doc {
  const p = plain({ ...t, caseId }) as unknown as Doc;
  const doc = withoutId(p, 'id');
  doc.state = p.state ?? 'pending';
  doc.leaseOwner = p.leaseOwner ?? null;
  doc.leaseUntil = p.leaseUntil ? toDate(p.leaseUntil, 'timer.leaseUntil') : null;
  doc.firedAt = p.firedAt ?? null;
  return datesIn(doc, ['dueAt'], 'timer');
}

export function timerOf(doc: Doc): TimerRecord {
  const t = recordOf<TimerRecord>(doc, 'id', ['dueAt']);
  t.leaseUntil = isoOf(doc.leaseUntil);
  return t;
}

export function outboxDoc(o: OutboxEntry, caseId: string, pos: number, lease: OutboxLease | null = null): Doc {
  return {
    _id: o.id,
    caseId,
    seq: o.seq,
    topic: o.topic,
    payload: plain(o.payload) ?? null,
    createdAt: o.createdAt,
    pos,
    doneAt: null,
    // claim at commit (Commit.outboxLease): written leased to the relay that will deliver it
    leaseOwner: lease?.owner ?? null,
    leaseUntil: lease ? new Date(lease.until) : null,
    leaseToken: null,
  };
}

export const outboxOf = (doc: Doc): OutboxEntry => ({
  id: doc._id,
  caseId: doc.caseId,
  seq: doc.seq,
  topic: doc.topic,
  payload: doc.payload ?? null,
  createdAt: doc.createdAt,
});

let lastPos = 0;
/** Delivery order of the outbox (and insertion order of audit entries): strictly increasing within a
 * process, and ordered by the millisecond it was taken across processes (1024 per millisecond before
 * it runs ahead of the clock). */
export function nextPos(now = Date.now()): number {
  lastPos = Math.max(lastPos + 1, now * 1024);
  return lastPos;
}

// ── the plain collections ────────────────────────────────────────────────────────────────────────

export const userDoc = (u: UserRecord): Doc => withoutId(plain(u) as unknown as Doc, 'id');
export const userOf = (doc: Doc): UserRecord => recordOf<UserRecord>(doc, 'id');

export const sessionDoc = (s: SessionRecord): Doc => withoutId(plain(s) as unknown as Doc, 'tokenHash');
export const sessionOf = (doc: Doc): SessionRecord => recordOf<SessionRecord>(doc, 'tokenHash');

export const orgUnitDoc = (u: OrgUnit): Doc => withoutId(plain(u) as unknown as Doc, 'id');
export const orgUnitOf = (doc: Doc): OrgUnit => recordOf<OrgUnit>(doc, 'id');

export const bodyDoc = (b: Body): Doc => withoutId(plain(b) as unknown as Doc, 'id');
export const bodyOf = (doc: Doc): Body => recordOf<Body>(doc, 'id');

export const documentDoc = (d: DocumentRecord): Doc =>
  datesIn(withoutId(plain(d) as unknown as Doc, 'id'), ['issuedAt'], 'document');
export const documentOf = (doc: Doc): DocumentRecord => recordOf<DocumentRecord>(doc, 'id', ['issuedAt']);

export function auditDoc(e: AuditEntry, id: unknown, pos: number): Doc {
  return datesIn({ _id: id, pos, ...(plain(e) as unknown as Doc) }, ['at'], 'audit');
}
export const auditOf = (doc: Doc): AuditEntry => recordOf<AuditEntry>(doc, null, ['at'], ['pos']);

export const idempotencyDoc = (r: IdempotencyRecord): Doc =>
  datesIn(withoutId(plain(r) as unknown as Doc, 'key'), ['createdAt'], 'idempotency');
export const idempotencyOf = (doc: Doc): IdempotencyRecord => recordOf<IdempotencyRecord>(doc, 'key', ['createdAt']);

export const settingDoc = (key: string, value: unknown): Doc => ({ _id: key, value: plain(value) ?? null });
