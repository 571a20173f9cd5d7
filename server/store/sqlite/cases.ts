// Cases and their events: the group commit, lookups and the filtered list.
import { VersionConflict } from '../../engine/errors.ts';
import { checkCommit, commitSource, timerGone } from '../commit-rules.ts';
import { Duplicate } from '../../engine/errors.ts';
import type { CaseFilter, CaseRecord, Commit, EventRecord, Store } from '../port.ts';
import { type DB, type Handle, type Stmt, isConstraint, isFatalSqliteError, json, orDuplicate, parse, toMs } from './db.ts';
import { prepareProjection, sourceKey } from './oversight.ts';

const CASE_COLUMNS = [
  'id',
  'case_no',
  'body_id',
  'court_id',
  'court_inbox',
  'status',
  'tier',
  'category',
  'compound_id',
  'community_id',
  'subdistrict_id',
  'warning',
  'overdue',
  'search_text',
  'version',
  'created_at',
  'updated_at',
  'doc',
] as const;

function caseRow(r: CaseRecord): Record<(typeof CASE_COLUMNS)[number], unknown> {
  return {
    id: r.id,
    case_no: r.caseNo,
    body_id: r.bodyId,
    court_id: r.courtId ?? null,
    court_inbox: r.courtInbox ? 1 : 0,
    status: r.status,
    tier: r.tier,
    category: r.category,
    compound_id: r.compoundId,
    community_id: r.communityId,
    subdistrict_id: r.subdistrictId,
    warning: r.warning,
    overdue: r.overdue ? 1 : 0,
    // lower-cased here too (JS lower-cases all scripts; SQLite's lower() only ASCII)
    search_text: (r.searchText ?? '').toLowerCase(),
    version: r.version,
    created_at: toMs(r.createdAt, 'record.createdAt'),
    updated_at: toMs(r.updatedAt, 'record.updatedAt'),
    doc: json(r),
  };
}

function prepare(db: DB) {
  const st = {
    get: db.prepare('SELECT doc FROM cases WHERE id = ?').pluck(),
    getByNo: db.prepare('SELECT doc FROM cases WHERE case_no = ?').pluck(),
    getByFormerNo: db.prepare('SELECT c.doc FROM case_former_nos f JOIN cases c ON c.id = f.case_id WHERE f.case_no = ?').pluck(),
    addSource: db.prepare('INSERT INTO case_sources (source_key, case_id) VALUES (?, ?) ON CONFLICT (source_key) DO NOTHING'),
    sourceOwner: db.prepare('SELECT case_id FROM case_sources WHERE source_key = ?').pluck(),
    addFormerNo: db.prepare('INSERT OR IGNORE INTO case_former_nos (case_no, case_id) VALUES (?, ?)'),
    versionOf: db.prepare('SELECT version FROM cases WHERE id = ?').pluck(),
    // changes whenever another connection (a process, a tool, the checkpoint worker never) commits to the file
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    insert: db.prepare(
      `INSERT INTO cases (${CASE_COLUMNS.join(', ')}) VALUES (${CASE_COLUMNS.map((c) => '@' + c).join(', ')})`,
    ),
    update: db.prepare(
      `UPDATE cases SET ${CASE_COLUMNS.filter((c) => c !== 'id')
        .map((c) => `${c} = @${c}`)
        .join(', ')} WHERE id = @id AND version = @expected`,
    ),
    clearExperts: db.prepare('DELETE FROM case_experts WHERE case_id = ?'),
    addExpert: db.prepare('INSERT OR IGNORE INTO case_experts (expert_id, case_id) VALUES (?, ?)'),
    insertEvent: db.prepare('INSERT INTO events (case_id, seq, type, at, doc) VALUES (?, ?, ?, ?, ?)'),
    fireTimer: db.prepare(
      `UPDATE timers SET state = 'fired', fired_at = ?, lease_owner = NULL, lease_until = NULL
       WHERE id = ? AND case_id = ? AND state = 'pending'`,
    ),
    cancelKinds: db.prepare(
      `UPDATE timers SET state = 'cancelled', lease_owner = NULL, lease_until = NULL
       WHERE case_id = ? AND state = 'pending' AND kind IN (SELECT value FROM json_each(?))`,
    ),
    insertTimer: db.prepare(
      `INSERT INTO timers (id, case_id, kind, level, due_at, state, lease_owner, lease_until, fired_at, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertOutbox: db.prepare(
      'INSERT INTO outbox (id, case_id, seq, topic, created_at, payload) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    scan: db.prepare('SELECT doc FROM cases WHERE id > ? ORDER BY id LIMIT ?').pluck(),
    count: db.prepare('SELECT COUNT(*) FROM cases').pluck(),
    nextNumber: db
      .prepare(
        `INSERT INTO counters (body_id, year, n) VALUES (?, ?, 1)
         ON CONFLICT (body_id, year) DO UPDATE SET n = n + 1 RETURNING n`,
      )
      .pluck(),
    events: db.prepare('SELECT doc FROM events WHERE case_id = ? AND seq > ? ORDER BY seq LIMIT ?').pluck(),
  };

  const projection = prepareProjection(db);

  /** One commit, all or nothing (runs inside its own SAVEPOINT when nested in `many`). */
  const one = db.transaction((c: Commit): CaseRecord => {
    checkCommit(c);
    const { caseId, event, record } = c;
    const row = caseRow(record);

    if (c.expectedVersion === 0) {
      const current = st.versionOf.get(caseId) as number | undefined;
      if (current !== undefined) throw new VersionConflict(caseId, 0, current);
      orDuplicate(() => st.insert.run(row), `case number ${record.caseNo} is taken`, { caseNo: record.caseNo });
    } else {
      const update = () => st.update.run({ ...row, expected: c.expectedVersion });
      const r = orDuplicate(update, `case number ${record.caseNo} is taken`, { caseNo: record.caseNo });
      if (r.changes !== 1) {
        const current = st.versionOf.get(caseId) as number | undefined;
        throw new VersionConflict(caseId, c.expectedVersion, current ?? null);
      }
    }

    // a case's reference in another system names one case (the projection, written later, relies on it)
    const source = commitSource(c);
    if (source) {
      const key = sourceKey(source.system, source.ref);
      if (st.addSource.run(key, caseId).changes === 0 && st.sourceOwner.get(key) !== caseId) {
        throw new Duplicate(`a case from ${source.system} with reference ${source.ref} is registered already`, { source });
      }
    }
    st.clearExperts.run(caseId);
    for (const e of new Set(record.experts ?? [])) st.addExpert.run(e, caseId);
    // former numbers only ever grow (a number is never given back): adding the list again is a no-op
    for (const no of record.formerCaseNos ?? []) st.addFormerNo.run(no, caseId);
    projection.write(record, c.expectedVersion === 0); // the oversight projection (statistics, ledger, 倒查), if any

    try {
      st.insertEvent.run(caseId, event.seq, event.type, event.at, json(event));
    } catch (e) {
      if (isConstraint(e, 'PRIMARYKEY') || isConstraint(e, 'UNIQUE')) {
        throw new VersionConflict(caseId, c.expectedVersion, (st.versionOf.get(caseId) as number | undefined) ?? null);
      }
      throw e;
    }

    // fire before cancelling: the fired timer is often of a kind this same event cancels
    if (c.firedTimerId !== undefined) {
      if (st.fireTimer.run(event.at, c.firedTimerId, caseId).changes !== 1) {
        throw timerGone(c);
      }
    }
    if (c.cancelTimerKinds?.length) st.cancelKinds.run(caseId, json(c.cancelTimerKinds));
    for (const t of c.armTimers ?? []) {
      orDuplicate(
        () =>
          st.insertTimer.run(
            t.id,
            caseId,
            t.kind,
            t.level,
            toMs(t.dueAt, 'timer.dueAt'),
            t.state ?? 'pending',
            t.leaseOwner ?? null,
            t.leaseUntil ? toMs(t.leaseUntil, 'timer.leaseUntil') : null,
            t.firedAt ?? null,
            json({ ...t, caseId }),
          ),
        `timer ${t.id} exists`,
      );
    }
    for (const o of c.outbox ?? []) {
      orDuplicate(
        () => st.insertOutbox.run(o.id, caseId, o.seq, o.topic, o.createdAt, json(o.payload)),
        `outbox entry ${o.id} exists`,
      );
    }
    return record;
  });

  /** The group commit: one IMMEDIATE transaction (one fsync) around independent savepoints. */
  const many = db.transaction((commits: Commit[]): Array<CaseRecord | Error> =>
    commits.map((c) => {
      try {
        return one(c);
      } catch (e) {
        // the savepoint is rolled back; but if SQLite gave up the whole transaction (I/O error,
        // full disk) carrying on would write the rest outside it: fail the batch instead
        if (!db.inTransaction || isFatalSqliteError(e)) throw e;
        return e instanceof Error ? e : new Error(String(e));
      }
    }),
  );

  const read = db.transaction((fn: () => unknown) => fn()) as <T>(fn: () => T) => T;

  return { st, many, read };
}

/** The WHERE clause for a list filter. Values are bound, never spliced; arrays travel as one JSON
 * parameter so the SQL text (and its cached statement) does not depend on their length. */
function listWhere(f: CaseFilter): { sql: string; params: unknown[] } {
  const and: string[] = [];
  const params: unknown[] = [];

  const within: string[] = [];
  if (f.bodyIds != null) {
    within.push('body_id IN (SELECT value FROM json_each(?))');
    params.push(json(f.bodyIds));
  }
  if (f.courtId != null) {
    within.push('(court_id = ? AND court_inbox = 1)');
    params.push(f.courtId);
  }
  if (f.expertId != null) {
    within.push('id IN (SELECT case_id FROM case_experts WHERE expert_id = ?)');
    params.push(f.expertId);
  }
  if (within.length) and.push(`(${within.join(' OR ')})`);

  if (f.ids != null) {
    and.push('id IN (SELECT value FROM json_each(?))');
    params.push(json(f.ids));
  }
  const equal: Array<[string, unknown]> = [
    ['status', f.status],
    ['tier', f.tier],
    ['category', f.category],
    ['compound_id', f.compoundId],
    ['warning', f.warning],
    ['overdue', f.overdue == null ? undefined : f.overdue ? 1 : 0],
  ];
  for (const [col, v] of equal) {
    if (v == null) continue;
    and.push(`${col} = ?`);
    params.push(v);
  }
  const q = f.q?.trim().toLowerCase();
  if (q) {
    // instr: a literal substring, so % and _ in q need no escaping; works for any script
    and.push('instr(search_text, ?) > 0');
    params.push(q);
  }
  return { sql: and.length ? `WHERE ${and.join(' AND ')}` : '', params };
}

/**
 * The records last committed or read here, parsed, by case id (issue 17: an event's load no longer
 * parses its case's document, 10–12 % of an event's CPU). An entry is the record at its version: this
 * connection's commits replace it once their transaction has committed, and everything is forgotten
 * when another connection has committed to the file since the last look (SQLite's data_version: another
 * process on the same file, a tool, an edit of the table beside the engine). Records are never changed
 * in place by their readers (the engine makes each new one as a copy), so the same object may be
 * handed out twice. Least recently used entries go first.
 */
class RecordCache {
  private readonly map = new Map<string, CaseRecord>();
  private seen: number | null = null;

  constructor(private readonly max: number) {}

  /** Forgets everything when the file changed under this connection. */
  check(dataVersion: number): void {
    if (this.seen !== dataVersion) this.map.clear();
    this.seen = dataVersion;
  }

  get(id: string): CaseRecord | undefined {
    const r = this.map.get(id);
    if (r) {
      this.map.delete(id);
      this.map.set(id, r);
    }
    return r;
  }

  set(r: CaseRecord): void {
    if (this.max <= 0) return;
    this.map.delete(r.id);
    this.map.set(r.id, r);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }

  forget(id: string): void {
    this.map.delete(id);
  }

  clear(): void {
    this.map.clear();
    this.seen = null;
  }
}

/** how many parsed records the cache keeps (a few MB at 4 KB a record) */
export const RECORD_CACHE_SIZE = 2000;

export function sqliteCases(h: Handle, opts: { recordCache?: number } = {}): { cases: Store['cases']; events: Store['events']; warm(): void } {
  const s = () => h.prepared(prepare, prepare);
  const recent = new RecordCache(opts.recordCache ?? RECORD_CACHE_SIZE);
  // (a new connection, after close and init, starts with an empty cache)
  const fresh = () =>
    h.prepared('recordCache', () => {
      recent.clear();
      return recent;
    });
  const record = (id: string): CaseRecord | null => {
    const st = s().st;
    const cache = fresh();
    cache.check(st.dataVersion.get() as number);
    const hit = cache.get(id);
    if (hit) return hit;
    const doc = st.get.get(id) as string | undefined;
    if (doc === undefined) return null;
    const r = parse<CaseRecord>(doc);
    cache.set(r);
    return r;
  };
  const cached = (sql: string): Stmt => h.prepared(`sql:${sql}`, (db) => db.prepare(sql));

  const cases: Store['cases'] = {
    async commitMany(commits: Commit[]): Promise<Array<CaseRecord | Error>> {
      if (commits.length === 0) return [];
      const out = s().many.immediate(commits);
      // committed: these are the cases' records now (a failed commit's case is read afresh next time)
      const cache = fresh();
      cache.check(s().st.dataVersion.get() as number);
      for (let i = 0; i < out.length; i++) {
        const r = out[i];
        if (r instanceof Error) cache.forget(commits[i].caseId);
        else cache.set(r);
      }
      return out;
    },

    async commit(commit: Commit): Promise<CaseRecord> {
      const [r] = await cases.commitMany([commit]);
      if (r instanceof Error) throw r;
      return r;
    },

    async get(id: string): Promise<CaseRecord | null> {
      return record(id);
    },

    async getByNo(caseNo: string): Promise<CaseRecord | null> {
      const doc = s().st.getByNo.get(caseNo) as string | undefined;
      return doc === undefined ? null : parse<CaseRecord>(doc);
    },

    async getByFormerNo(caseNo: string): Promise<CaseRecord | null> {
      const doc = s().st.getByFormerNo.get(caseNo) as string | undefined;
      return doc === undefined ? null : parse<CaseRecord>(doc);
    },

    async list(f: CaseFilter): Promise<{ items: CaseRecord[]; total: number }> {
      const limit = Math.max(0, Math.floor(f.limit));
      const page = Math.max(1, Math.floor(f.page) || 1);
      const { sql, params } = listWhere(f);
      const count = cached(`SELECT COUNT(*) FROM cases ${sql}`).pluck();
      const rows = cached(`SELECT doc FROM cases ${sql} ORDER BY updated_at DESC, id LIMIT ? OFFSET ?`).pluck();
      // one read transaction: the page and the total come from the same snapshot
      const { total, docs } = s().read(() => ({
        total: count.get(...params) as number,
        docs: limit === 0 ? [] : (rows.all(...params, limit, (page - 1) * limit) as string[]),
      }));
      return { items: docs.map((d) => parse<CaseRecord>(d)), total };
    },

    async scan(afterId: string | null, limit: number): Promise<CaseRecord[]> {
      const docs = s().st.scan.all(afterId ?? '', Math.max(0, Math.floor(limit))) as string[];
      return docs.map((d) => parse<CaseRecord>(d));
    },

    async count(): Promise<number> {
      return s().st.count.get() as number;
    },

    async nextNumber(bodyId: string, year: number): Promise<number> {
      // one statement: SQLite runs it atomically under the write lock (busy_timeout waits for it)
      return s().st.nextNumber.get(bodyId, year) as number;
    },
  };

  const events: Store['events'] = {
    async list(caseId: string, afterSeq = 0, limit?: number): Promise<EventRecord[]> {
      const docs = s().st.events.all(caseId, afterSeq, limit == null ? -1 : Math.max(0, Math.floor(limit))) as string[];
      return docs.map((d) => parse<EventRecord>(d));
    },
  };

  return { cases, events, warm: () => void s() };
}
