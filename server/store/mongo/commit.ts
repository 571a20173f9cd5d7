// The commit of the MongoDB adapter: one event with everything that must land with it (the record,
// timers, outbox), all or nothing, and optimistic concurrency on the case version.
//
// Two ways, chosen at init from the deployment (the `hello` command: a replica set or a sharded
// cluster runs transactions, a standalone server does not):
//
// 1. Transactions (replica set; what docs/deploy.md sets up). Each commit runs in
//    `session.withTransaction`: insert the event (unique {caseId, seq}), write the record only if it
//    is still at the expected version, fire / cancel / arm timers, append the outbox. Any failure
//    aborts the whole commit; a write conflict with a concurrent commit is retried by the driver and
//    then fails the version check. Writes are acknowledged by a majority.
//
// 2. Standalone (no transactions): the documented safe path.
//    - The event insert is the commit point: the unique {caseId, seq} index lets one writer per
//      version through, so two events can never claim the same seq.
//    - The event is written with `_pending` (hidden from readers) holding what the commit will write,
//      then the fired timer, the record (conditional on the version, the previous record kept), the
//      cancelled timers, the armed timers and the outbox, and finally `_pending` is removed. The
//      timer is fired before the record is written, so no reader of the record can fire it again.
//    - A failure at any step (stale version, taken case number, timer gone, duplicate id) undoes the
//      steps before it in reverse, the event last, so the commit leaves nothing, as with a
//      transaction. A commit that runs past half the repair delay undoes itself rather than race a
//      repair.
//    - Residual risk, and its repair: if the process dies between the event insert and the end, the
//      case is half-written. `repairPending` finds events still pending after `repairAfterMs`
//      (default 2 minutes) and rolls them back (the record was not written: the timer it fired is put back, the event deleted) or
//      forward (the record was written: the timers and outbox are inserted if absent, the fired timer
//      marked, the kinds cancelled, the event shown). It runs at init, on the scheduler's polls
//      (timers.claimDue), and when a commit finds a stale pending event in its way. Until then the
//      case refuses new events with VersionConflict (rolled back later) or shows its record one
//      event ahead of its history (rolled forward later). What no repair can undo: readers between
//      the record write and the end may see the new record before its event, and a cancellation the
//      dead commit meant is skipped if the case moved on meanwhile (the engine cancels a timer that
//      no longer applies when it fires). Production should run a replica set.
import { randomUUID } from 'node:crypto';
import type { mongo } from 'mongoose';
import { Duplicate, VersionConflict } from '../../engine/errors.ts';
import { checkCommit, outboxLeaseOf, timerGone } from '../commit-rules.ts';
import type { CaseRecord, Commit } from '../port.ts';
import { type Doc, caseDoc, eventDoc, nextPos, outboxDoc, sourceKey, timerDoc } from './codec.ts';
import { commitSource } from '../commit-rules.ts';
import {
  caseRestore,
  caseUncreate,
  caseUpdate,
  eventFinish,
  eventsPendingSince,
  factsSeqStamp,
  factsSeqTake,
  timerCancel,
  timerCancelKinds,
  timerFire,
  timerUnfire,
} from './queries.ts';
import type { CollectionName } from './schemas.ts';

export type Session = mongo.ClientSession;

/** The options the adapter passes to the driver. */
export interface Opts {
  session?: Session;
  sort?: Record<string, 1 | -1>;
  skip?: number;
  limit?: number;
  projection?: Record<string, 0 | 1>;
  upsert?: boolean;
  returnDocument?: 'before' | 'after';
  ordered?: boolean;
  allowDiskUse?: boolean;
}

/** The part of the driver's Collection the adapter uses (with `_id`s of any type: ours are strings,
 * ObjectIds only in audit). `db.collection(name)` is one; so is the test stand-in. */
export interface Coll {
  insertOne(doc: Doc, options?: Opts): Promise<unknown>;
  insertMany(docs: Doc[], options?: Opts): Promise<unknown>;
  findOne(filter: Doc, options?: Opts): Promise<Doc | null>;
  find(filter: Doc, options?: Opts): { toArray(): Promise<Doc[]>; [Symbol.asyncIterator](): AsyncIterator<Doc> };
  aggregate(pipeline: Doc[], options?: Opts): { toArray(): Promise<Doc[]> };
  countDocuments(filter: Doc, options?: Opts): Promise<number>;
  updateOne(filter: Doc, update: Doc, options?: Opts): Promise<{ matchedCount: number; modifiedCount: number }>;
  updateMany(filter: Doc, update: Doc, options?: Opts): Promise<{ matchedCount: number; modifiedCount: number }>;
  replaceOne(filter: Doc, replacement: Doc, options?: Opts): Promise<{ matchedCount: number; modifiedCount: number }>;
  findOneAndUpdate(filter: Doc, update: Doc, options?: Opts): Promise<Doc | null>;
  findOneAndReplace(filter: Doc, replacement: Doc, options?: Opts): Promise<Doc | null>;
  deleteOne(filter: Doc, options?: Opts): Promise<{ deletedCount: number }>;
  deleteMany(filter: Doc, options?: Opts): Promise<{ deletedCount: number }>;
}
export type Colls = Record<CollectionName, Coll>;

export interface CommitContext {
  colls: Colls;
  /** null: standalone, no transactions */
  startSession: (() => Session) | null;
  repairAfterMs: number;
  /** commits of different cases in one batch run this many at a time */
  lanes: number;
  features: ServerFeatures;
  /** where timer claims are taken by a unique insert, on a server without atomic updates (queries.ts
   * timerClaimDoc); not one of the schemas' collections: nothing is migrated or exported from it */
  claims?: Coll;
}

/** What the server can do beyond the commands every MongoDB-compatible server answers, found out once
 * at start (index.ts). MongoDB ≥ 6 has all of it; FerretDB 1.x neither (docs/deploy.md). */
export interface ServerFeatures {
  /** the $facet stage and $group with several accumulators: the oversight facets summed by the server
   * in one aggregation. Without (FerretDB 1.x) they are summed in this process from one read. */
  facet: boolean;
  /** TTL indexes (expireAfterSeconds): without them the adapter deletes expired idempotency keys itself */
  ttl: boolean;
  /** single-document updates are atomic (MongoDB). FerretDB 1.x reads and writes a findAndModify in two
   * steps, so two concurrent $inc may return the same value: docket numbers are then taken one at a
   * time in this process. Only unique indexes (the commit point) are atomic there. */
  atomicUpdates: boolean;
}

export const ALL_FEATURES: ServerFeatures = { facet: true, ttl: true, atomicUpdates: true };

// ── errors ───────────────────────────────────────────────────────────────────────────────────────

export function isDuplicateKey(e: unknown): boolean {
  if ((e as { code?: unknown })?.code === 11000) return true;
  // FerretDB 1.x answers an update that breaks a unique index with InternalError (code 1) carrying
  // PostgreSQL's unique_violation (SQLSTATE 23505) instead of E11000
  return (e as { code?: unknown })?.code === 1 && /SQLSTATE 23505/.test(String((e as Error)?.message));
}

/** The fields of the unique index a duplicate-key error names. */
export function duplicateFields(e: unknown): string[] {
  const pattern = (e as { keyPattern?: Record<string, unknown> })?.keyPattern;
  if (pattern && typeof pattern === 'object') return Object.keys(pattern);
  const index = /index: (\S+)/.exec(String((e as Error)?.message ?? ''))?.[1];
  if (index === '_id_') return ['_id'];
  if (index === 'caseNo_unique') return ['caseNo'];
  if (index === 'source_unique') return ['_f.source'];
  return index ? [index] : [];
}

/** Thrown inside a commit when the version check fails; becomes VersionConflict with the current
 * version read after the commit is undone. */
class Stale extends Error {}

/** Feed positions (events' `_pos`) of the commits this process is writing: the projector's feed stops
 * below the lowest, so that a commit that lands after a later one is not passed over (oversight.ts). */
export const commitsInFlight = new Set<number>();

/** The documents of a commit, encoded once (a retried transaction writes the same ones). */
function encode(c: Commit) {
  const pos = nextPos();
  const record = caseDoc(c.record);
  // the case's reference in another system is unique from the commit that creates the case on
  // (the projection, with the rest of `_f`, is written by the projector after the commit)
  const source = record._f ? null : commitSource(c);
  if (source) record._f = { source: sourceKey(source.system, source.ref) };
  return {
    pos,
    event: eventDoc(c.event, pos),
    record,
    timers: (c.armTimers ?? []).map((t) => timerDoc(t, c.caseId)),
    outbox: (c.outbox ?? []).map((o) => outboxDoc(o, c.caseId, nextPos(), outboxLeaseOf(c, o))),
  };
}

/** A duplicate key on a case write: its number, or its reference in another system, is taken. A
 * server that does not name the index (FerretDB) is asked which of the case's unique keys is held by
 * another case. */
async function caseDuplicate(colls: Colls, e: unknown, c: Commit): Promise<Duplicate | null> {
  let fields = duplicateFields(e);
  if (fields.length === 0) {
    const other = { _id: { $ne: c.caseId } };
    const source = commitSource(c);
    if (await colls.cases.findOne({ ...other, caseNo: c.record.caseNo }, { projection: { _id: 1 } })) fields = ['caseNo'];
    else if (source && (await colls.cases.findOne({ ...other, '_f.source': sourceKey(source.system, source.ref) }, { projection: { _id: 1 } })))
      fields = ['_f.source'];
  }
  const source = commitSource(c);
  if (fields.includes('_f.source') && source) {
    return new Duplicate(`a case from ${source.system} with reference ${source.ref} is registered already`, { source });
  }
  if (fields.includes('caseNo')) return new Duplicate(`case number ${c.record.caseNo} is taken`, { caseNo: c.record.caseNo });
  return null;
}

async function insertCase(colls: Colls, c: Commit, doc: Doc, session?: Session): Promise<void> {
  try {
    await colls.cases.insertOne(doc, { session });
  } catch (e) {
    if (!isDuplicateKey(e)) throw e;
    throw (await caseDuplicate(colls, e, c)) ?? new Stale();
  }
}

async function replaceCase(colls: Colls, c: Commit, doc: Doc, session?: Session): Promise<Doc | null> {
  const { filter, replacement } = caseUpdate(c.caseId, c.expectedVersion, doc);
  // $set, not a replacement: the projection the projector wrote beside the record (`oversight`, `_f`) stays
  const { _id: _ignored, ...fields } = replacement;
  const update: Doc = { $set: fields };
  if (!('_iso' in fields)) update.$unset = { _iso: '' };
  try {
    return await colls.cases.findOneAndUpdate(filter, update, { returnDocument: 'before', session });
  } catch (e) {
    if (isDuplicateKey(e)) throw (await caseDuplicate(colls, e, c)) ?? e;
    throw e;
  }
}

async function insertEach(coll: Coll, docs: Doc[], what: string, session?: Session, done?: (id: unknown) => void) {
  for (const d of docs) {
    try {
      await coll.insertOne(d, { session });
    } catch (e) {
      if (isDuplicateKey(e)) throw new Duplicate(`${what} ${d._id} exists`);
      throw e;
    }
    done?.(d._id);
  }
}

/** Stamps the case's oversight facts with the next change number (factsSince). In a transaction the
 * counter is taken last, so the lock on its one document is held only until the commit. */
export async function stampFacts(colls: Colls, caseId: string, session?: Session): Promise<void> {
  const q = factsSeqTake();
  const counter = await colls.counters.findOneAndUpdate(q.filter, q.update, { ...q.options, session });
  const s = factsSeqStamp(caseId, counter!.n as number);
  await colls.cases.updateOne(s.filter, s.update, { session });
}

async function currentVersion(colls: Colls, caseId: string): Promise<number | null> {
  const doc = await colls.cases.findOne({ _id: caseId }, { projection: { version: 1 } });
  return (doc?.version as number | undefined) ?? null;
}

// ── the two ways ─────────────────────────────────────────────────────────────────────────────────

async function inTransaction(ctx: CommitContext, c: Commit, session: Session): Promise<CaseRecord> {
  checkCommit(c);
  const docs = encode(c);
  commitsInFlight.add(docs.pos);
  try {
    return await inTransactionEncoded(ctx, c, session, docs);
  } finally {
    commitsInFlight.delete(docs.pos);
  }
}

async function inTransactionEncoded(ctx: CommitContext, c: Commit, session: Session, docs: ReturnType<typeof encode>): Promise<CaseRecord> {
  const { colls } = ctx;
  try {
    // every operation awaited in turn with the session: a rejection aborts the transaction, and the
    // driver retries the whole callback on a transient error (a write conflict with another commit)
    await session.withTransaction(
      async () => {
        try {
          await colls.events.insertOne(docs.event, { session });
        } catch (e) {
          if (isDuplicateKey(e)) throw new Stale();
          throw e;
        }
        if (c.expectedVersion === 0) {
          await insertCase(colls, c, docs.record, session);
        } else if (!(await replaceCase(colls, c, docs.record, session))) {
          throw new Stale();
        }
        // fire before cancelling: the fired timer is often of a kind this same event cancels
        if (c.firedTimerId !== undefined) {
          const f = timerFire(c.firedTimerId, c.caseId, c.event.at);
          if ((await colls.timers.updateOne(f.filter, f.update, { session })).matchedCount !== 1) throw timerGone(c);
        }
        if (c.cancelTimerKinds?.length) {
          const k = timerCancelKinds(c.caseId, c.cancelTimerKinds);
          await colls.timers.updateMany(k.filter, k.update, { session });
        }
        await insertEach(colls.timers, docs.timers, 'timer', session);
        await insertEach(colls.outbox, docs.outbox, 'outbox entry', session);
        if (c.record.oversight) await stampFacts(colls, c.caseId, session);
      },
      { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } },
    );
  } catch (e) {
    if (e instanceof Stale) throw new VersionConflict(c.caseId, c.expectedVersion, await currentVersion(colls, c.caseId));
    throw e;
  }
  return c.record;
}

async function standalone(ctx: CommitContext, c: Commit, retried = false): Promise<CaseRecord> {
  checkCommit(c);
  const docs = encode(c);
  commitsInFlight.add(docs.pos);
  try {
    return await standaloneEncoded(ctx, c, retried, docs);
  } finally {
    commitsInFlight.delete(docs.pos);
  }
}

async function standaloneEncoded(ctx: CommitContext, c: Commit, retried: boolean, docs: ReturnType<typeof encode>): Promise<CaseRecord> {
  const { colls } = ctx;
  const since = new Date();
  const pendingEvent = {
    ...docs.event,
    _pending: {
      since,
      intent: {
        firedTimerId: c.firedTimerId ?? null,
        cancelTimerKinds: c.cancelTimerKinds ?? [],
        armTimers: docs.timers,
        outbox: docs.outbox,
      },
    },
  };

  // 1. the commit point
  try {
    await colls.events.insertOne(pendingEvent);
  } catch (e) {
    if (!isDuplicateKey(e)) throw e;
    // a commit that died half-way may be in the way: repair it once if it is old enough, then retry
    if (!retried && (await repairEvent(ctx, docs.event._id as string))) return standalone(ctx, c, true);
    throw new VersionConflict(c.caseId, c.expectedVersion, await currentVersion(colls, c.caseId));
  }

  const undo: Array<() => Promise<unknown>> = [() => colls.events.deleteOne({ _id: docs.event._id, '_pending.since': since })];
  // stop (and undo) well before a repair could take this commit for dead
  const deadline = since.getTime() + ctx.repairAfterMs / 2;
  const inTime = () => {
    if (Date.now() > deadline) throw new Error(`commit of case ${c.caseId} v${c.event.seq} took too long; undone`);
  };
  try {
    // 2. the fired timer (its lease kept to put back), before the record: a case whose record shows
    //    this event has its timer fired already, so another instance that took the timer's lease
    //    meanwhile (it ended, or its holder was killed half-way) finds the timer gone instead of
    //    firing it a second time; if the record write fails, the undo (or the repair) puts it back
    if (c.firedTimerId !== undefined) {
      inTime();
      const f = timerFire(c.firedTimerId, c.caseId, c.event.at);
      const before = await colls.timers.findOneAndUpdate(f.filter, f.update, { returnDocument: 'before' });
      if (!before) throw timerGone(c);
      undo.push(() =>
        colls.timers.updateOne(
          { _id: before._id, state: 'fired', firedAt: c.event.at },
          { $set: { state: 'pending', firedAt: before.firedAt ?? null, leaseOwner: before.leaseOwner ?? null, leaseUntil: before.leaseUntil ?? null } },
        ),
      );
    }

    // 3. the record, only at the expected version; the one it replaces is kept to put back
    inTime();
    if (c.expectedVersion === 0) {
      await insertCase(colls, c, docs.record);
      const u = caseUncreate(c.caseId, c.record.lastHash);
      undo.push(() => colls.cases.deleteOne(u.filter));
    } else {
      const before = await replaceCase(colls, c, docs.record);
      if (!before) throw new Stale();
      const r = caseRestore(c.caseId, c.record.version, c.record.lastHash, before);
      undo.push(() => colls.cases.replaceOne(r.filter, r.replacement));
    }

    // 4. cancelled kinds, one timer at a time so exactly the ones this commit cancelled go back
    if (c.cancelTimerKinds?.length) {
      inTime();
      const k = timerCancelKinds(c.caseId, c.cancelTimerKinds);
      for (const t of await colls.timers.find(k.filter).toArray()) {
        const one = timerCancel(t._id as string);
        if ((await colls.timers.updateOne(one.filter, one.update)).modifiedCount !== 1) continue;
        undo.push(() =>
          colls.timers.updateOne(
            { _id: t._id, state: 'cancelled' },
            { $set: { state: 'pending', leaseOwner: t.leaseOwner ?? null, leaseUntil: t.leaseUntil ?? null } },
          ),
        );
      }
    }

    // 5, 6. armed timers and the outbox
    inTime();
    await insertEach(colls.timers, docs.timers, 'timer', undefined, (id) => undo.push(() => colls.timers.deleteOne({ _id: id })));
    inTime();
    await insertEach(colls.outbox, docs.outbox, 'outbox entry', undefined, (id) => undo.push(() => colls.outbox.deleteOne({ _id: id })));
    // without a transaction a reader may see a later change number before this one (documented)
    if (c.record.oversight) await stampFacts(colls, c.caseId);

    // 7. done: the event shows. Nothing matched = a repair took this commit back meanwhile
    inTime();
    const fin = eventFinish(docs.event._id as string);
    if ((await colls.events.updateOne(fin.filter, fin.update)).matchedCount !== 1) throw new Stale();
    return c.record;
  } catch (e) {
    await undoAll(undo, e);
    if (e instanceof Stale) throw new VersionConflict(c.caseId, c.expectedVersion, await currentVersion(colls, c.caseId));
    throw e;
  }
}

async function undoAll(undo: Array<() => Promise<unknown>>, cause: unknown): Promise<void> {
  const failures: unknown[] = [];
  for (const step of undo.reverse()) {
    try {
      await step();
    } catch (e) {
      failures.push(e);
    }
  }
  if (failures.length) {
    // the commit is left half-written: repairPending finishes the job once it is old enough
    const err = new Error(`commit failed and could not be fully undone (repair will finish it): ${String(cause)}`);
    (err as Error & { cause?: unknown }).cause = failures;
    throw err;
  }
}

// ── repair of commits that died half-way (standalone only) ───────────────────────────────────────

/** Rolls one pending event back or forward if it is older than the repair delay. true = repaired. */
export async function repairEvent(ctx: CommitContext, eventId: string, now = Date.now()): Promise<boolean> {
  const ev = await ctx.colls.events.findOne({ _id: eventId });
  const since = ev?._pending?.since as Date | undefined;
  if (!ev || !since || since.getTime() > now - ctx.repairAfterMs) return false;
  await repairOne(ctx, ev);
  return true;
}

/** Repairs every commit pending for longer than `olderThanMs`; returns how many. */
export async function repairPending(ctx: CommitContext, olderThanMs = ctx.repairAfterMs, now = Date.now()): Promise<number> {
  const seen = new Set<string>();
  for (;;) {
    const stale = await ctx.colls.events.find(eventsPendingSince(new Date(now - olderThanMs)), { limit: 100 }).toArray();
    const fresh = stale.filter((ev) => !seen.has(ev._id as string));
    for (const ev of fresh) {
      seen.add(ev._id as string);
      await repairOne(ctx, ev);
    }
    // another instance may be repairing the same ones: stop when a page brings nothing new
    if (stale.length < 100 || fresh.length === 0) return seen.size;
  }
}

async function repairOne(ctx: CommitContext, ev: Doc): Promise<void> {
  const { colls } = ctx;
  const mine = { _id: ev._id, '_pending.since': ev._pending.since };
  const rec = await colls.cases.findOne({ _id: ev.caseId }, { projection: { version: 1, '_f.seq': 1, '_f.v': 1 } });
  const intent = ev._pending.intent ?? {};
  if (!rec || (rec.version as number) < ev.seq) {
    // the record never took this event: nothing but the event, and the timer it fired, was written
    if (intent.firedTimerId) {
      const back = timerUnfire(intent.firedTimerId, ev.caseId, ev.at);
      await colls.timers.updateOne(back.filter, back.update);
    }
    await colls.events.deleteOne(mine);
    return;
  }
  // the record took it: write what the commit meant to, where still absent, then show the event
  if (intent.firedTimerId) {
    const f = timerFire(intent.firedTimerId, ev.caseId, ev.at);
    await colls.timers.updateOne(f.filter, f.update);
  }
  const armed = (intent.armTimers ?? []) as Doc[];
  if (intent.cancelTimerKinds?.length && rec.version === ev.seq) {
    const k = timerCancelKinds(ev.caseId, intent.cancelTimerKinds);
    await colls.timers.updateMany({ ...k.filter, _id: { $nin: armed.map((t) => t._id) } }, k.update);
  }
  for (const [coll, docs] of [
    [colls.timers, armed],
    [colls.outbox, (intent.outbox ?? []) as Doc[]],
  ] as const) {
    for (const { _id, ...rest } of docs) await coll.updateOne({ _id }, { $setOnInsert: rest }, { upsert: true });
  }
  if (rec._f && rec._f.seq == null) await stampFacts(colls, ev.caseId);
  await colls.events.updateOne(mine, { $unset: { _pending: '' } });
}

// ── the batch ────────────────────────────────────────────────────────────────────────────────────

/** Commits each commit on its own; results in input order. Commits of one case run in order; those
 * of different cases run `lanes` at a time (each lane with its own session). */
export async function commitMany(ctx: CommitContext, commits: Commit[]): Promise<Array<CaseRecord | Error>> {
  const results: Array<CaseRecord | Error> = new Array(commits.length);
  const byCase = new Map<string, number[]>();
  commits.forEach((c, i) => {
    const key = typeof c?.caseId === 'string' ? c.caseId : `#${i}`;
    byCase.set(key, [...(byCase.get(key) ?? []), i]);
  });
  const groups = [...byCase.values()];
  let next = 0;
  const lane = async () => {
    const session = ctx.startSession?.() ?? null;
    try {
      while (next < groups.length) {
        for (const i of groups[next++]) {
          try {
            results[i] = session ? await inTransaction(ctx, commits[i], session) : await standalone(ctx, commits[i]);
          } catch (e) {
            results[i] = e instanceof Error ? e : new Error(String(e));
          }
        }
      }
    } finally {
      await session?.endSession();
    }
  };
  await Promise.all(Array.from({ length: Math.min(ctx.lanes, groups.length) }, lane));
  return results;
}

export const newLeaseToken = (): string => randomUUID();
