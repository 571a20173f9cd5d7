// The MongoDB adapter's areas of the storage port, over driver collections (index.ts opens them on a
// mongoose connection; tests may hand in others). Every filter and update comes from queries.ts, every
// document from codec.ts.
import { NotFound, Duplicate } from '../../engine/errors.ts';
import { type CaseRecord, type Commit, type EventRecord, type OutboxEntry, type OversightStore, type Store, type TimerRecord, type WebhookAttempt, WEBHOOK_TOPIC_PREFIX } from '../port.ts';
import {
  type Doc,
  auditDoc,
  auditOf,
  bodyDoc,
  bodyOf,
  caseOf,
  documentDoc,
  documentOf,
  eventOf,
  idempotencyDoc,
  idempotencyOf,
  isoOf,
  nextPos,
  orgUnitDoc,
  orgUnitOf,
  outboxDoc,
  outboxOf,
  plain,
  sessionDoc,
  sessionOf,
  settingDoc,
  timerOf,
  toDate,
  userDoc,
  userOf,
} from './codec.ts';
import { type Coll, type CommitContext, commitMany, isDuplicateKey, newLeaseToken, repairPending } from './commit.ts';
import { mongoOversight } from './oversight.ts';
import { IDEMPOTENCY_TTL_SECONDS } from './schemas.ts';
import {
  AUDIT_SORT,
  BODIES_SORT,
  CASE_LIST_SORT,
  DOCUMENTS_SORT,
  ORG_UNITS_SORT,
  OUTBOX_PENDING,
  caseListFilter,
  caseListPage,
  caseScan,
  counterInc,
  eventList,
  nextDue,
  outboxCandidates,
  outboxDefer,
  outboxDone,
  outboxEarlier,
  outboxLease,
  outboxWon,
  replaceById,
  sessionRevoke,
  timerCancel,
  timerClaim,
  timerClaimDoc,
  timerClaimEnd,
  timerLatestClaim,
  timerRelease,
  timersOfCase,
  userPatch,
} from './queries.ts';

const count = (n: number): number => Math.max(0, Math.floor(n));

/** The port over an open context; `ctx()` throws while the store is closed. `newId()` makes audit ids. */
export function mongoAreas(ctx: () => CommitContext, newId: () => unknown): Omit<Store, 'kind' | 'init' | 'close'> & { oversight: OversightStore } {
  const c = () => ctx().colls;
  let lastRepair = 0;
  let lastSweep = 0;
  let numbering: Promise<unknown> = Promise.resolve();
  let writing: Promise<unknown> = Promise.resolve();
  /** On a server without atomic updates (FerretDB 1.x: an update reads and writes the whole document in
   * two steps) the projector's write of a case document and a commit of the same case would lose one of
   * them: in this process they take turns (ServerFeatures.atomicUpdates). */
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    if (ctx().features.atomicUpdates) return work();
    const turn = writing.then(work, work);
    writing = turn.catch(() => {});
    return turn;
  };

  const cases: Store['cases'] = {
    commitMany: (commits: Commit[]) => (commits.length ? exclusive(() => commitMany(ctx(), commits)) : Promise.resolve([])),

    async commit(commit: Commit): Promise<CaseRecord> {
      const [r] = await cases.commitMany([commit]);
      if (r instanceof Error) throw r;
      return r;
    },

    async get(id) {
      const doc = await c().cases.findOne({ _id: id });
      return doc ? caseOf(doc) : null;
    },

    async getByNo(caseNo) {
      const doc = await c().cases.findOne({ caseNo });
      return doc ? caseOf(doc) : null;
    },

    async getByFormerNo(caseNo) {
      const doc = await c().cases.findOne({ formerCaseNos: caseNo });
      return doc ? caseOf(doc) : null;
    },

    async list(f) {
      const filter = caseListFilter(f);
      const { skip, limit } = caseListPage(f);
      // limit(0) means "no limit" to MongoDB: an empty page is answered here
      const [total, docs] = await Promise.all([
        c().cases.countDocuments(filter),
        limit === 0 ? [] : c().cases.find(filter, { sort: CASE_LIST_SORT, skip, limit }).toArray(),
      ]);
      return { items: docs.map(caseOf), total };
    },

    async scan(afterId, limit) {
      const q = caseScan(afterId, limit);
      if (q.limit === 0) return [];
      return (await c().cases.find(q.filter, { sort: q.sort, limit: q.limit }).toArray()).map(caseOf);
    },

    count: () => c().cases.countDocuments({}),

    async nextNumber(bodyId, year) {
      if (!ctx().features.atomicUpdates) {
        // one at a time in this process (ServerFeatures.atomicUpdates); the unique case number stays the guard between instances
        const turn = numbering.then(() => incrementCounter(bodyId, year));
        numbering = turn.catch(() => {});
        return turn;
      }
      return incrementCounter(bodyId, year);
    },
  };

  async function incrementCounter(bodyId: string, year: number): Promise<number> {
    const q = counterInc(bodyId, year);
    // two first upserts of one counter can race on its _id: the loser retries and increments
    for (let attempt = 0; ; attempt++) {
      try {
        const doc = await c().counters.findOneAndUpdate(q.filter, q.update, q.options);
        return doc!.n as number;
      } catch (e) {
        if (!isDuplicateKey(e) || attempt >= 3) throw e;
      }
    }
  }

  /** claimDue where updates are not atomic (queries.ts timerLatestClaim): the timers' lease fields
   * pick the candidates (they look free), the claim's unique insert decides who has each, and the
   * winner then writes its lease on the timer, where nextDueAt, release and readers see it. */
  async function claimByInsert(
    claims: Coll,
    q: ReturnType<typeof timerClaim>,
    at: Date,
    limit: number,
    owner: string,
  ): Promise<TimerRecord[]> {
    if (limit === 0) return [];
    const until = q.update.$set.leaseUntil;
    const candidates = await c().timers.find(q.filter, { sort: q.options.sort, limit }).toArray();
    const out: TimerRecord[] = [];
    for (const t of candidates) {
      const l = timerLatestClaim(t._id as string);
      const [latest] = await claims.find(l.filter, { sort: l.sort, limit: l.limit }).toArray();
      if (latest && (latest.until as Date).getTime() >= at.getTime()) continue; // still held: its lease on the timer was lost
      try {
        await claims.insertOne(timerClaimDoc(t._id as string, ((latest?.gen as number | undefined) ?? 0) + 1, owner, until));
      } catch (e) {
        if (isDuplicateKey(e)) continue; // another instance claimed it first
        throw e;
      }
      await c().timers.updateOne({ _id: t._id, state: 'pending' }, q.update);
      out.push(timerOf({ ...t, ...q.update.$set }));
    }
    return out;
  }

  const events: Store['events'] = {
    async list(caseId, afterSeq = 0, limit?: number): Promise<EventRecord[]> {
      const q = eventList(caseId, afterSeq, limit);
      if (q.limit === 0) return [];
      return (await c().events.find(q.filter, { sort: q.sort, ...(q.limit ? { limit: q.limit } : {}) }).toArray()).map(eventOf);
    },
  };

  const timers: Store['timers'] = {
    async claimDue(now, limit, owner, leaseMs): Promise<TimerRecord[]> {
      const at = toDate(now, 'now');
      // the scheduler polls here on every instance: a good place to finish commits that died half-way
      const ctxNow = ctx();
      if (Date.now() - lastRepair > ctxNow.repairAfterMs / 2) {
        lastRepair = Date.now();
        await repairPending(ctxNow);
      }
      const q = timerClaim(at, owner, leaseMs);
      if (ctxNow.claims) return claimByInsert(ctxNow.claims, q, at, count(limit), owner);
      const out: TimerRecord[] = [];
      while (out.length < count(limit)) {
        const doc = await c().timers.findOneAndUpdate(q.filter, q.update, q.options);
        if (!doc) break;
        out.push(timerOf(doc));
      }
      return out;
    },
    async release(id, owner) {
      const claims = ctx().claims;
      if (claims) {
        const l = timerLatestClaim(id);
        const [latest] = await claims.find(l.filter, { sort: l.sort, limit: l.limit }).toArray();
        if (latest?.owner !== owner) return; // not this owner's lease (any more)
        const end = timerClaimEnd(latest._id, owner);
        await claims.updateOne(end.filter, end.update);
      }
      const q = timerRelease(id, owner);
      await c().timers.updateOne(q.filter, q.update);
    },
    async cancel(id) {
      const q = timerCancel(id);
      await c().timers.updateOne(q.filter, q.update);
    },
    async forCase(caseId) {
      const q = timersOfCase(caseId);
      return (await c().timers.find(q.filter, { sort: q.sort }).toArray()).map(timerOf);
    },
    async nextDueAt() {
      const [first, leased] = await Promise.all([
        c().timers.findOne(nextDue.unleased.filter, { sort: nextDue.unleased.sort }),
        c().timers.find(nextDue.leased.filter).toArray(),
      ]);
      // the earliest moment claimDue could return something: a leased timer waits for its lease
      const times = [
        ...(first ? [(first.dueAt as Date).getTime()] : []),
        ...leased.map((t) => Math.max((t.dueAt as Date).getTime(), (t.leaseUntil as Date).getTime() + 1)),
      ];
      return times.length ? new Date(Math.min(...times)).toISOString() : null;
    },
  };

  const outbox: Store['outbox'] = {
    async claim(at, limit, owner, leaseMs, lane = 'live'): Promise<OutboxEntry[]> {
      const now = toDate(at, 'now');
      if (count(limit) === 0) return [];
      const cand = outboxCandidates(now, count(limit), lane);
      let found = await c().outbox.find(cand.filter, { sort: cand.sort, limit: cand.limit, projection: cand.projection }).toArray();
      if (lane === 'webhook') {
        // in order per (topic, case): skip an entry while an earlier one of its pair is undelivered
        const free: typeof found = [];
        const seen = new Set<string>();
        for (const d of found) {
          const pair = `${d.topic}\u0000${d.caseId}`;
          if (seen.has(pair)) continue;
          seen.add(pair);
          const q = outboxEarlier(d as { topic: string; caseId: string; pos: number });
          if (!(await c().outbox.findOne(q.filter, { projection: q.projection }))) free.push(d);
        }
        found = free;
      }
      const ids = found.map((d) => d._id as string);
      if (ids.length === 0) return [];
      const token = newLeaseToken();
      const lease = outboxLease(ids, now, owner, token, leaseMs);
      await c().outbox.updateMany(lease.filter, lease.update);
      const won = outboxWon(ids, token);
      return (await c().outbox.find(won.filter, { sort: won.sort }).toArray()).map(outboxOf);
    },
    async markDone(ids) {
      if (!ids.length) return;
      const q = outboxDone(ids, new Date());
      await c().outbox.updateMany(q.filter, q.update);
    },
    pendingCount: (lane = 'live') =>
      c().outbox.countDocuments({ ...OUTBOX_PENDING, topic: lane === 'webhook' ? { $regex: `^${WEBHOOK_TOPIC_PREFIX}` } : { $not: { $regex: `^${WEBHOOK_TOPIC_PREFIX}` } } }),
    async defer(id, until) {
      const q = outboxDefer(id, toDate(until, 'until'));
      await c().outbox.updateOne(q.filter, q.update);
    },
    async enqueue(entries) {
      for (const o of entries) {
        try {
          await c().outbox.insertOne(outboxDoc(o, o.caseId, nextPos()));
        } catch (e) {
          if (!isDuplicateKey(e)) throw e; // already there: a repeated fan-out adds nothing
        }
      }
    },
    async get(id) {
      const d = await c().outbox.findOne({ _id: id });
      return d ? { ...outboxOf(d), doneAt: isoOf(d.doneAt) ?? null } : null;
    },
  };

  const webhookLog: Store['webhookLog'] = {
    async append(a) {
      await c().webhookAttempts.insertOne({ _id: a.id, deliveryId: a.deliveryId, subscriptionId: a.subscriptionId, pos: nextPos(), doc: plain(a) });
    },
    async list(filter, limit) {
      const q: Doc = {};
      if (filter.deliveryId) q.deliveryId = filter.deliveryId;
      if (filter.subscriptionId) q.subscriptionId = filter.subscriptionId;
      const docs = await c().webhookAttempts.find(q, { sort: { pos: -1 }, limit: count(limit) }).toArray();
      return docs.map((d) => d.doc as WebhookAttempt);
    },
    async attempts(deliveryId) {
      return c().webhookAttempts.countDocuments({ deliveryId, 'doc.outcome': { $in: ['delivered', 'failed', 'gave_up'] } });
    },
  };

  const orDuplicate = async <T>(p: Promise<T>, message: string, details?: unknown): Promise<T> => {
    try {
      return await p;
    } catch (e) {
      if (isDuplicateKey(e)) throw new Duplicate(message, details);
      throw e;
    }
  };

  return {
    webhookLog,
    cases,
    events,
    timers,
    outbox,
    oversight: mongoOversight(c, () => ctx().features, exclusive),

    users: {
      async insert(u) {
        await orDuplicate(c().users.insertOne(userDoc(u)), `username ${u.username} is taken`, { username: u.username });
      },
      async update(id, patch) {
        const update = userPatch(patch as Record<string, unknown>);
        if (Object.keys(update.$set).length === 0) {
          if (!(await c().users.findOne({ _id: id }, { projection: { _id: 1 } }))) throw new NotFound(`user ${id}`);
          return;
        }
        const doc = await orDuplicate(
          c().users.findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' }),
          `username ${patch.username} is taken`,
          { username: patch.username },
        );
        if (!doc) throw new NotFound(`user ${id}`);
      },
      async get(id) {
        const doc = await c().users.findOne({ _id: id });
        return doc ? userOf(doc) : null;
      },
      async getByUsername(username) {
        const doc = await c().users.findOne({ username });
        return doc ? userOf(doc) : null;
      },
      list: async () => (await c().users.find({}, { sort: { username: 1 } }).toArray()).map(userOf),
    },

    sessions: {
      async insert(s) {
        await orDuplicate(c().sessions.insertOne(sessionDoc(s)), 'session exists');
      },
      async get(tokenHash) {
        const doc = await c().sessions.findOne({ _id: tokenHash });
        return doc ? sessionOf(doc) : null;
      },
      async revoke(tokenHash, at) {
        const q = sessionRevoke(tokenHash, at);
        await c().sessions.updateOne(q.filter, q.update);
      },
      async revokeForUser(userId, at, exceptTokenHash) {
        const live = await c().sessions.find({ userId, revokedAt: null }, { projection: { _id: 1 } }).toArray();
        const hashes = live.map((d) => String(d._id)).filter((h) => h !== exceptTokenHash);
        for (const h of hashes) {
          const q = sessionRevoke(h, at);
          await c().sessions.updateOne(q.filter, q.update);
        }
        return hashes;
      },
    },

    org: {
      async putUnits(units) {
        for (const u of units) {
          const q = replaceById(orgUnitDoc(u));
          await c().orgUnits.replaceOne(q.filter, q.replacement, q.options);
        }
      },
      units: async () => (await c().orgUnits.find({}, { sort: ORG_UNITS_SORT }).toArray()).map(orgUnitOf),
      async putBodies(bodies) {
        for (const b of bodies) {
          const q = replaceById(bodyDoc(b));
          await c().bodies.replaceOne(q.filter, q.replacement, q.options);
        }
      },
      bodies: async () => (await c().bodies.find({}, { sort: BODIES_SORT }).toArray()).map(bodyOf),
    },

    documents: {
      async insert(d) {
        await orDuplicate(c().documents.insertOne(documentDoc(d)), `document ${d.id} (${d.kind} v${d.version}) exists`, {
          id: d.id,
          kind: d.kind,
          version: d.version,
        });
      },
      list: async (caseId) => (await c().documents.find({ caseId }, { sort: DOCUMENTS_SORT }).toArray()).map(documentOf),
      async get(id) {
        const doc = await c().documents.findOne({ _id: id });
        return doc ? documentOf(doc) : null;
      },
    },

    audit: {
      async append(e) {
        await c().audit.insertOne(auditDoc(e, newId(), nextPos()));
      },
      async list(limit) {
        if (count(limit) === 0) return [];
        return (await c().audit.find({}, { sort: AUDIT_SORT, limit: count(limit) }).toArray()).map(auditOf);
      },
    },

    idempotency: {
      async get(key) {
        const doc = await c().idempotency.findOne({ _id: key });
        return doc ? idempotencyOf(doc) : null;
      },
      async put(rec) {
        // without a TTL index (FerretDB) expired keys are deleted here, at most once an hour
        if (!ctx().features.ttl && Date.now() - lastSweep > 3_600_000) {
          lastSweep = Date.now();
          await c().idempotency.deleteMany({ createdAt: { $lt: new Date(Date.now() - IDEMPOTENCY_TTL_SECONDS * 1000) } });
        }
        try {
          await c().idempotency.insertOne(idempotencyDoc(rec));
          return true;
        } catch (e) {
          if (isDuplicateKey(e)) return false;
          throw e;
        }
      },
      async deleteBefore(at) {
        return (await c().idempotency.deleteMany({ createdAt: { $lt: new Date(at) } })).deletedCount ?? 0;
      },
    },

    settings: {
      async get<T>(key: string): Promise<T | null> {
        const doc = await c().settings.findOne({ _id: key });
        return doc ? ((doc.value ?? null) as T) : null;
      },
      async put<T>(key: string, value: T): Promise<void> {
        const q = replaceById(settingDoc(key, value));
        await c().settings.replaceOne(q.filter, q.replacement, q.options);
      },
    },
  };
}
