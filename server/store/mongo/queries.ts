// Every filter, update and sort the MongoDB adapter sends, built by pure functions, so tests can read
// the exact documents without a server (test/server/store/mongo-schemas.test.ts). The adapter sends
// them to the driver collections as they are: nothing casts or rewrites them on the way.
import { type CaseFilter, type OutboxLane, type OversightDimension, type OversightQuery, WEBHOOK_TOPIC_PREFIX } from '../port.ts';
import { type Doc, toDate } from './codec.ts';

type Sort = Record<string, 1 | -1>;

/** A literal substring as a regex: every metacharacter escaped (q = "100%", "a_b", "(x)" …). */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

// ── cases ────────────────────────────────────────────────────────────────────────────────────────

/** The list filter: the jurisdiction is an OR (held by these bodies, in this court's inbox, or with
 * this expert invited), ANDed with each field filter. An empty list of bodies or ids matches nothing. */
export function caseListFilter(f: CaseFilter): Doc {
  const and: Doc[] = [];
  const within: Doc[] = [];
  if (f.bodyIds != null) within.push({ bodyId: { $in: [...f.bodyIds] } });
  if (f.courtId != null) within.push({ courtId: f.courtId, courtInbox: true });
  if (f.expertId != null) within.push({ experts: f.expertId }); // matches inside the array
  if (within.length === 1) and.push(within[0]);
  else if (within.length > 1) and.push({ $or: within });

  if (f.ids != null) and.push({ _id: { $in: [...f.ids] } });
  const equal: Array<[string, unknown]> = [
    ['status', f.status],
    ['tier', f.tier],
    ['category', f.category],
    ['compoundId', f.compoundId],
    ['warning', f.warning],
    ['overdue', f.overdue],
  ];
  for (const [field, v] of equal) if (v != null) and.push({ [field]: v });

  const q = f.q?.trim().toLowerCase();
  if (q) and.push({ searchText: { $regex: escapeRegex(q), $options: 'i' } });

  if (and.length === 0) return {};
  return and.length === 1 ? and[0] : { $and: and };
}

/** Newest first by time (dates, so offsets do not matter), then id. */
export const CASE_LIST_SORT: Sort = { updatedAt: -1, _id: 1 };

export function caseListPage(f: Pick<CaseFilter, 'page' | 'limit'>): { skip: number; limit: number } {
  const limit = Math.max(0, Math.floor(f.limit));
  const page = Math.max(1, Math.floor(f.page) || 1);
  return { skip: (page - 1) * limit, limit };
}

export const caseScan = (afterId: string | null, limit: number) => ({
  filter: afterId == null ? {} : { _id: { $gt: afterId } },
  sort: { _id: 1 } as Sort,
  limit: Math.max(0, Math.floor(limit)),
});

/** The conditional write of a commit: the record replaces the one at `expected`, or nothing happens
 * (a stale version matches no document). The replacement is the whole new record, so no field of an
 * older shape survives. */
export const caseUpdate = (caseId: string, expected: number, replacement: Doc) => ({
  filter: { _id: caseId, version: expected },
  replacement,
});

/** Puts back the record a failed commit replaced, only if nobody has moved the case since. */
export const caseRestore = (caseId: string, writtenVersion: number, writtenHash: string, before: Doc) => ({
  filter: { _id: caseId, version: writtenVersion, lastHash: writtenHash },
  replacement: before,
});

/** Takes back a case a failed commit created. */
export const caseUncreate = (caseId: string, writtenHash: string) => ({
  filter: { _id: caseId, version: 1, lastHash: writtenHash },
});

/** The docket-number counter: one atomic `$inc` on an upsert. */
export const counterInc = (bodyId: string, year: number) => ({
  filter: { _id: `${bodyId}:${year}` },
  update: { $inc: { n: 1 }, $setOnInsert: { bodyId, year } },
  options: { upsert: true, returnDocument: 'after' as const },
});

// ── events ───────────────────────────────────────────────────────────────────────────────────────

/** Events as readers see them: committed ones only (a standalone commit still writing is hidden). */
export const eventList = (caseId: string, afterSeq = 0, limit?: number) => ({
  filter: { caseId, seq: { $gt: afterSeq }, _pending: { $exists: false } },
  sort: { seq: 1 } as Sort,
  limit: limit == null ? undefined : Math.max(0, Math.floor(limit)),
});

/** Ends a standalone commit: its event becomes visible. Matches nothing if a repair took it back. */
export const eventFinish = (id: string) => ({
  filter: { _id: id, _pending: { $exists: true } },
  update: { $unset: { _pending: '' } },
});

export const eventsPendingSince = (notAfter: Date) => ({ '_pending.since': { $lte: notAfter } });

// ── timers ───────────────────────────────────────────────────────────────────────────────────────

/** A lease is free when there is none or it ended before `now`. */
export const leaseFree = (now: Date): Doc => ({ $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] });

/** One claim: the earliest due, pending timer whose lease is free gets this owner's lease, in one
 * atomic findOneAndUpdate; the lease condition sits in the filter, so two instances can never both
 * take the same timer (the loser's filter no longer matches it). */
export function timerClaim(now: Date, owner: string, leaseMs: number) {
  return {
    filter: { state: 'pending', dueAt: { $lte: now }, ...leaseFree(now) },
    update: { $set: { leaseOwner: owner, leaseUntil: new Date(now.getTime() + leaseMs) } },
    options: { sort: { dueAt: 1, _id: 1 } as Sort, returnDocument: 'after' as const },
  };
}

/** Where updates are not atomic (FerretDB 1.x reads a document and writes it back whole, so the lease
 * condition in timerClaim's filter is checked on a read that another instance may be acting on too):
 * a timer's claims are numbered, and claim n is the insert of `<timer>#<n>`, which the unique `_id`
 * lets through once. A claimer reads the latest claim, and takes the next number only if that one's
 * lease has ended; two claimers who read the same one race for the same `_id`, and one loses. The
 * numbers are never reused (claims are not deleted), so a claimer who read late loses too. */
export const timerLatestClaim = (timerId: string) => ({
  filter: { timer: timerId },
  sort: { gen: -1 } as Sort,
  limit: 1,
});

export const timerClaimDoc = (timerId: string, gen: number, owner: string, until: Date): Doc => ({
  _id: `${timerId}#${gen}`,
  timer: timerId,
  gen,
  owner,
  until,
});

/** Gives a claim back (its owner only): the lease ends at once. */
export const timerClaimEnd = (claimId: unknown, owner: string) => ({
  filter: { _id: claimId, owner },
  update: { $set: { until: new Date(0) } },
});

/** A repair's roll-back of a standalone commit that fired the timer but never wrote its record. */
export const timerUnfire = (id: string, caseId: string, at: string) => ({
  filter: { _id: id, caseId, state: 'fired', firedAt: at },
  update: { $set: { state: 'pending', firedAt: null, leaseOwner: null, leaseUntil: null } },
});

export const timerRelease = (id: string, owner: string) => ({
  filter: { _id: id, leaseOwner: owner, state: 'pending' },
  update: { $set: { leaseOwner: null, leaseUntil: null } },
});

const CANCEL = { $set: { state: 'cancelled', leaseOwner: null, leaseUntil: null } };

export const timerCancel = (id: string) => ({ filter: { _id: id, state: 'pending' }, update: CANCEL });

/** The timer whose firing produced the event: fired once, only while pending and of this case. */
export const timerFire = (id: string, caseId: string, at: string) => ({
  filter: { _id: id, caseId, state: 'pending' },
  update: { $set: { state: 'fired', firedAt: at, leaseOwner: null, leaseUntil: null } },
});

export const timerCancelKinds = (caseId: string, kinds: readonly string[]) => ({
  filter: { caseId, state: 'pending', kind: { $in: [...kinds] } },
  update: CANCEL,
});

export const timersOfCase = (caseId: string) => ({ filter: { caseId }, sort: { dueAt: 1, _id: 1 } as Sort });

/** nextDueAt = the earliest max(dueAt, leaseUntil + 1 ms) over pending timers, in two indexed reads:
 * the earliest unleased one, and the (few) leased ones. */
export const nextDue = {
  unleased: { filter: { state: 'pending', leaseUntil: null }, sort: { dueAt: 1, _id: 1 } as Sort },
  leased: { filter: { state: 'pending', leaseUntil: { $gt: new Date(0) } } },
};

// ── outbox ───────────────────────────────────────────────────────────────────────────────────────

/** Claim, step 1: the first `limit` undelivered entries with a free lease, in delivery order. */
export const outboxCandidates = (now: Date, limit: number, lane: OutboxLane = 'live') => ({
  filter: {
    doneAt: null,
    ...leaseFree(now),
    topic: lane === 'webhook' ? { $regex: `^${WEBHOOK_TOPIC_PREFIX}` } : { $not: { $regex: `^${WEBHOOK_TOPIC_PREFIX}` } },
  },
  sort: { pos: 1 } as Sort,
  limit,
  projection: { _id: 1, topic: 1, caseId: 1, pos: 1 } as Record<string, 0 | 1>,
});

/** The webhook lane's order rule: an entry waits while an earlier one of its (topic, case) is undelivered. */
export const outboxEarlier = (d: { topic: string; caseId: string; pos: number }) => ({
  filter: { doneAt: null, topic: d.topic, caseId: d.caseId, pos: { $lt: d.pos } },
  projection: { _id: 1 } as Record<string, 0 | 1>,
});

export const outboxDefer = (id: string, until: Date) => ({
  filter: { _id: id, doneAt: null },
  update: { $set: { leaseOwner: null, leaseUntil: until, leaseToken: null } },
});

/** Claim, step 2: lease those still free (the condition is re-checked per document, atomically), under
 * a token unique to this call. */
export const outboxLease = (ids: string[], now: Date, owner: string, token: string, leaseMs: number) => ({
  filter: { _id: { $in: ids }, doneAt: null, ...leaseFree(now) },
  update: { $set: { leaseOwner: owner, leaseUntil: new Date(now.getTime() + leaseMs), leaseToken: token } },
});

/** Claim, step 3: exactly what this call won. */
export const outboxWon = (ids: string[], token: string) => ({
  filter: { _id: { $in: ids }, leaseToken: token },
  sort: { pos: 1 } as Sort,
});

export const outboxDone = (ids: string[], now: Date) => ({
  filter: { _id: { $in: ids }, doneAt: null },
  update: { $set: { doneAt: now, leaseOwner: null, leaseUntil: null, leaseToken: null } },
});

export const OUTBOX_PENDING = { doneAt: null };

// ── the plain collections ────────────────────────────────────────────────────────────────────────

/** A user patch: every defined field but the id, as `$set`. */
export function userPatch(patch: Record<string, unknown>): Doc {
  const set: Doc = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined || k === 'id' || k === '_id') continue;
    set[k] = JSON.parse(JSON.stringify(v));
  }
  return { $set: set };
}

/** The first revocation stands. */
export const sessionRevoke = (tokenHash: string, at: string) => ({
  filter: { _id: tokenHash, revokedAt: null },
  update: { $set: { revokedAt: at } },
});

export const ORG_UNITS_SORT: Sort = { order: 1, _id: 1 };
export const BODIES_SORT: Sort = { _id: 1 };
export const DOCUMENTS_SORT: Sort = { issuedAt: 1, kind: 1, version: 1 };
export const AUDIT_SORT: Sort = { at: -1, pos: -1 };

/** put replaces by id (org units, bodies, settings). */
export const replaceById = (doc: Doc) => ({ filter: { _id: doc._id }, replacement: doc, options: { upsert: true } });

// ── oversight (statistics, ledger, 倒查, company warnings) over the cases' derived facts `_f` ──────

/** Where each grouping dimension lives in a case document. */
export const DIMENSION_PATH: Record<OversightDimension, string> = {
  status: 'status',
  tier: 'tier',
  category: 'category',
  channel: 'channel',
  outcome: 'outcome',
  compoundId: 'compoundId',
  communityId: 'communityId',
  subdistrictId: 'subdistrictId',
  month: '_f.month',
  settledTier: '_f.settledTier',
  daysToSettle: '_f.daysToSettle',
  intakeMode: '_f.intakeMode',
  orgType: '_f.orgType',
};

/** The cases an oversight query covers: those with facts, in the jurisdiction, registered in the
 * window (both ends inclusive), in the unit. */
export function oversightScope(q: OversightQuery): Doc {
  const f: Doc = {};
  if (q.bodyIds != null) f.bodyId = { $in: [...q.bodyIds] };
  const registered: Doc = { $exists: true };
  if (q.from != null) registered.$gte = toDate(q.from, 'from');
  if (q.to != null) registered.$lte = toDate(q.to, 'to');
  f['_f.registeredAt'] = registered;
  if (q.subdistrictId != null) f.subdistrictId = q.subdistrictId;
  if (q.communityId != null) f.communityId = q.communityId;
  if (q.compoundId != null) f.compoundId = q.compoundId;
  return f;
}

/** The sums of one group, as $group accumulators over `_f`. */
export const OVERSIGHT_SUMS: Doc = {
  cases: { $sum: 1 },
  ...Object.fromEntries(
    [
      ...['settled', 'within', 'failed', 'cc', 'cf', 'cp', 'cn', 'visits', 's1', 's2', 's3', 's4', 's5', 'overdue', 'red', 'rec'],
      // issue 16 §4 (codec.ts statsDoc)
      ...['fen', 'written', 'oral', 'people', 'hh', 'ca', 'conf', 'cr', 'pc', 'pm'],
    ].map((k) => [
      k,
      { $sum: `$_f.${k}` },
    ]),
  ),
};

/** Every facet in one aggregation ($facet): one snapshot of the data for all of them. */
export function oversightFacets(q: OversightQuery, facets: Record<string, OversightDimension[]>): Doc[] {
  const out: Doc = {};
  for (const [name, dims] of Object.entries(facets)) {
    for (const d of dims) if (!(d in DIMENSION_PATH)) throw new Error(`unknown oversight dimension ${d}`);
    const id = dims.length ? Object.fromEntries(dims.map((d, i) => [`d${i}`, `$${DIMENSION_PATH[d]}`])) : null;
    out[name] = [{ $group: { _id: id, ...OVERSIGHT_SUMS } }];
  }
  return [{ $match: oversightScope(q) }, { $facet: out }];
}

/** The same facets summed in this process from one read of the cases in scope, for a server whose
 * $group cannot (FerretDB 1.x: no $facet, and every accumulator after the first of a $group sums to 0).
 * The read is `find(filter, { projection })`; `groups` sums its documents like the $group stages would,
 * with the dimension values under d0, d1… of `_id`. */
export function oversightFacetsInProcess(q: OversightQuery, facets: Record<string, OversightDimension[]>) {
  oversightFacets(q, facets); // the same checks of the dimensions
  const paths = [...new Set(Object.values(facets).flatMap((dims) => dims.map((d) => DIMENSION_PATH[d])))];
  const projection = Object.fromEntries([...paths.filter((p) => !p.startsWith('_f.')), '_f'].map((p) => [p, 1])) as Record<string, 1>;
  const at = (doc: Doc, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v == null ? undefined : (v as Doc)[k]), doc) ?? null;
  const sums = Object.keys(OVERSIGHT_SUMS).filter((k) => k !== 'cases');
  return {
    filter: oversightScope(q),
    projection,
    groups(docs: Doc[]): Doc {
      const out: Doc = {};
      for (const [name, dims] of Object.entries(facets)) {
        const byKey = new Map<string, Doc>();
        for (const doc of docs) {
          const values = dims.map((d) => at(doc, DIMENSION_PATH[d]));
          const k = JSON.stringify(values);
          let g = byKey.get(k);
          if (!g) byKey.set(k, (g = { _id: Object.fromEntries(values.map((v, i) => [`d${i}`, v])), cases: 0, ...Object.fromEntries(sums.map((s) => [s, 0])) }));
          g.cases = Number(g.cases) + 1;
          for (const s of sums) g[s] = Number(g[s]) + Number(at(doc, `_f.${s}`) ?? 0);
        }
        out[name] = [...byKey.values()];
      }
      return out;
    },
  };
}

const LEDGER_FIELDS = { caseNo: 1, bodyId: 1, '_f.registeredAt': 1, 'oversight.ledger': 1 } as Record<string, 0 | 1>;

/** A page of the ledger in (registeredAt, id) order, after the given entry. */
export function ledgerPage(q: OversightQuery, after: { registeredAt: string; caseId: string } | null, limit: number) {
  const scope = oversightScope(q);
  const at = after ? toDate(after.registeredAt, 'after.registeredAt') : null;
  return {
    filter: at ? { $and: [scope, { $or: [{ '_f.registeredAt': { $gt: at } }, { '_f.registeredAt': at, _id: { $gt: after!.caseId } }] }] } : scope,
    sort: { '_f.registeredAt': 1, _id: 1 } as Sort,
    limit: Math.max(0, Math.floor(limit)),
    projection: LEDGER_FIELDS,
  };
}

export const ledgerByCaseNos = (caseNos: string[]) => ({
  filter: { caseNo: { $in: [...caseNos] }, '_f.registeredAt': { $exists: true } },
  projection: LEDGER_FIELDS,
});

/** The later cases linked back to any of these (their relatedCases name them). */
export const laterLinks = (caseIds: string[]) => ({
  filter: { 'oversight.relatedCases.id': { $in: [...caseIds] }, '_f.registeredAt': { $exists: true } },
  projection: { caseNo: 1, '_f.registeredAt': 1, 'oversight.relatedCases': 1 } as Record<string, 0 | 1>,
});

export const recurrenceCandidates = (p: { compoundId: string; keys: string[]; since: string; until: string }) => ({
  filter: {
    compoundId: p.compoundId,
    'oversight.keys': { $in: [...p.keys] },
    '_f.registeredAt': { $gte: toDate(p.since, 'since'), $lte: toDate(p.until, 'until') },
  },
  sort: { '_f.registeredAt': -1, _id: 1 } as Sort,
  limit: 500,
  projection: { caseNo: 1, '_f.registeredAt': 1, 'oversight.keys': 1 } as Record<string, 0 | 1>,
});

export const companyCases = (q: OversightQuery) => ({
  filter: { ...oversightScope(q), 'oversight.companies.0': { $exists: true } },
  projection: { caseNo: 1, category: 1, status: 1, outcome: 1, '_f.registeredAt': 1, 'oversight.companies': 1 } as Record<string, 0 | 1>,
});

/** Cases whose facts are missing or older than `version`. */
export const staleFacts = (version: number, limit: number) => ({
  filter: { $or: [{ _f: { $exists: false } }, { '_f.v': { $lt: version } }] },
  sort: { _id: 1 } as Sort,
  limit: Math.max(0, Math.floor(limit)),
  projection: { _id: 1 } as Record<string, 0 | 1>,
});

/** Backfill of one record's facts, unless a commit moved the case on meanwhile. */
export const projectFacts = (caseId: string, version: number, oversight: unknown, facts: Doc) => ({
  filter: { _id: caseId, version },
  update: { $set: { oversight, _f: facts } },
});

/** The change number of facts writes (factsSince): one counter, incremented in the same transaction
 * as the facts it stamps, so numbers become visible in commit order. */
export const FACTS_SEQ_ID = 'oversight:facts';
export const factsSeqTake = (count = 1) => ({
  filter: { _id: FACTS_SEQ_ID },
  update: { $inc: { n: count } },
  options: { upsert: true, returnDocument: 'after' as const },
});
export const factsSeqStamp = (caseId: string, seq: number) => ({
  filter: { _id: caseId, _f: { $exists: true } },
  update: { $set: { '_f.seq': seq } },
});

/** The facts written after change number `afterSeq`, in change order. */
export const factsSince = (afterSeq: number, limit: number) => ({
  filter: { '_f.seq': { $gt: afterSeq } },
  sort: { '_f.seq': 1 } as Sort,
  limit: Math.max(0, Math.floor(limit)),
  projection: { bodyId: 1, compoundId: 1, communityId: 1, subdistrictId: 1, status: 1, tier: 1, category: 1, channel: 1, outcome: 1, _f: 1 } as Record<string, 0 | 1>,
});
