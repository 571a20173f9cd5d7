// Cases and their events: the group commit, lookups and the filtered list.
import type { CaseFilter, CaseRecord, Commit, EventRecord, Store } from '../port.ts';
import { type DB, type Handle, type Stmt, json, parse, withoutOwnFsync } from './db.ts';
import { type CommitRows, commitRows, prepareGroupWriter } from './write-group.ts';
import type { WriterThread } from './writer.ts';
import { rememberText } from '../record-text.ts';

function prepare(db: DB) {
  const st = {
    get: db.prepare('SELECT doc FROM cases WHERE id = ?').pluck(),
    getByNo: db.prepare('SELECT doc FROM cases WHERE case_no = ?').pluck(),
    getByFormerNo: db.prepare('SELECT c.doc FROM case_former_nos f JOIN cases c ON c.id = f.case_id WHERE f.case_no = ?').pluck(),
    // changes whenever another connection (a process, a tool, the writer thread; the checkpoint worker never) commits to the file
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
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

  const read = db.transaction((fn: () => unknown) => fn()) as <T>(fn: () => T) => T;

  return { st, read };
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
 * parses its case's document, 10–12 % of an event's CPU). Each entry keeps the document it was parsed
 * from (or written as) and the connection's data_version at which that document was last known to be
 * the row's: while no other connection has committed to the file since, the entry is handed out as
 * is; once one has (another process on the same file, a tool, an edit of the table beside the engine,
 * or this store's writer thread), the row's document is read again and the entry kept only if it is
 * the same text — a string comparison instead of a parse. A commit replaces its case's entry once its
 * transaction has committed; a failed commit's entry is dropped. Records are never changed in place by
 * their readers (the engine makes each new one as a copy), so the same object may be handed out twice.
 * Least recently used entries go first.
 */
interface Cached {
  record: CaseRecord;
  doc: string;
  /** the data_version at which `doc` was the row's; null: not yet looked at */
  seen: number | null;
}

class RecordCache {
  private readonly map = new Map<string, Cached>();

  constructor(private readonly max: number) {}

  /** The record of `id` as the row holds it now: `readDoc` is called unless the entry is known current. */
  get(id: string, dataVersion: number, readDoc: () => string | undefined): CaseRecord | null {
    const hit = this.map.get(id);
    if (hit && hit.seen === dataVersion) {
      this.map.delete(id);
      this.map.set(id, hit);
      return hit.record;
    }
    const doc = readDoc();
    if (doc === undefined) {
      this.map.delete(id);
      return null;
    }
    if (hit && hit.doc === doc) {
      hit.seen = dataVersion;
      this.map.delete(id);
      this.map.set(id, hit);
      return hit.record;
    }
    const record = parse<CaseRecord>(doc);
    this.set(record, doc, dataVersion);
    return record;
  }

  set(record: CaseRecord, doc: string, seen: number | null): void {
    if (this.max <= 0) return;
    this.map.delete(record.id);
    this.map.set(record.id, { record, doc, seen });
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }

  forget(id: string): void {
    this.map.delete(id);
  }

  clear(): void {
    this.map.clear();
  }
}

/** how many parsed records the cache keeps by default: about 8 KB each (the parsed record and its
 * document's text, measured on the bench district's records of ~2.5 KB), so 5,000 is about 40 MB —
 * enough for every open case of a large district, whose cases are worked in turn rather than a few hot
 * ones (a cache smaller than the cases in play misses on nearly every event: least recently used goes
 * first). RECORD_CACHE_SIZE (server/config.ts) sets it. */
export const RECORD_CACHE_SIZE = 5000;

export interface SqliteCasesOptions {
  recordCache?: number;
  /** the writer thread, when commits are written there (SQLITE_WRITER_THREAD=on); else this connection writes */
  writer?: () => WriterThread | null;
}

export function sqliteCases(h: Handle, opts: SqliteCasesOptions = {}): { cases: Store['cases']; events: Store['events']; warm(): void } {
  const s = () => h.prepared(prepare, prepare);
  const local = () => h.prepared(prepareGroupWriter, prepareGroupWriter);
  const recent = new RecordCache(opts.recordCache ?? RECORD_CACHE_SIZE);
  // (a new connection, after close and init, starts with an empty cache)
  const fresh = () =>
    h.prepared('recordCache', () => {
      recent.clear();
      return recent;
    });
  const record = (id: string): CaseRecord | null => {
    const st = s().st;
    return fresh().get(id, st.dataVersion.get() as number, () => st.get.get(id) as string | undefined);
  };
  const cached = (sql: string): Stmt => h.prepared(`sql:${sql}`, (db) => db.prepare(sql));

  const cases: Store['cases'] = {
    async commitMany(commits: Commit[]): Promise<Array<CaseRecord | Error>> {
      if (commits.length === 0) return [];
      // validated and turned into rows here; a commit that fails this is rejected alone
      const rows: Array<CommitRows | Error> = commits.map((c) => {
        try {
          return commitRows(c);
        } catch (e) {
          return e instanceof Error ? e : new Error(String(e));
        }
      });
      const group = rows.filter((r): r is CommitRows => !(r instanceof Error));
      const writer = opts.writer?.() ?? null;
      // the WAL past its limit: the worker copies what is left of it first, so this write starts it over
      // (on the writer thread, the thread copies it on its own connection before the group)
      let restartWal = false;
      if (group.length > 0 && h.walRestartWanted) {
        if (writer) {
          h.walRestartWanted = false;
          restartWal = true;
        } else await h.restartWal();
      }
      const written = group.length === 0 ? [] : writer ? await writer.write(group, restartWal) : local().write(group);
      // committed: these are the cases' records now (a failed commit's case is read afresh next time).
      // This connection's own commit leaves its data_version as it was; the writer thread's changes it,
      // so what the writer wrote is compared with the row at the next read.
      const cache = fresh();
      const seen = writer ? null : (s().st.dataVersion.get() as number);
      let k = 0;
      return rows.map((r, i) => {
        const err = r instanceof Error ? r : written[k++];
        if (err) {
          cache.forget(commits[i].caseId);
          return err;
        }
        const row = r as CommitRows;
        cache.set(commits[i].record, row.row.doc as string, seen);
        rememberText(commits[i].record, row.row.doc as string);
        return commits[i].record;
      });
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
      // one statement: SQLite runs it atomically under the write lock (busy_timeout waits for it).
      // Without an fsync of its own (withoutOwnFsync, db.ts): the number is acknowledged only inside the
      // case's commit, whose fsync of the WAL covers this earlier write too; a power cut before that
      // loses only a number no acknowledged case carries (it is handed out again).
      await h.turn();
      return withoutOwnFsync(h.db, () => s().st.nextNumber.get(bodyId, year) as number);
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
