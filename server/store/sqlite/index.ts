// The SQLite adapter of the storage port (better-sqlite3). One file, WAL journal, fsync on every
// commit by default; several processes may share the file (writes take the lock up front with
// BEGIN IMMEDIATE and wait up to busyTimeoutMs for it).
import Database from 'better-sqlite3';
import type { Store } from '../port.ts';
import { sqliteCases } from './cases.ts';
import { Checkpointer, type CheckpointStats } from './checkpointer.ts';
import { Handle } from './db.ts';
import { sqliteOversight } from './oversight.ts';
import { sqliteQueues } from './queue.ts';
import { sqliteRecords } from './records.ts';
import { migrate } from './schema.ts';
import { WriterThread } from './writer.ts';

export interface SqliteStoreOptions {
  /** a path, or ':memory:' (tests) */
  file: string;
  /** FULL (default): an acknowledged commit survives power loss. NORMAL: it survives a crash of the
   * process but the last commits may be lost on power loss. */
  synchronous?: 'FULL' | 'NORMAL';
  /** how long a write waits for another process's lock before failing with SQLITE_BUSY */
  busyTimeoutMs?: number;
  /** 'worker' (default for a file): WAL checkpoints run in a worker thread (checkpointer.ts), never
   * after a commit on the event loop; 'auto': SQLite's own, after the commit that fills 1000 pages */
  checkpoints?: 'worker' | 'auto';
  /** with the checkpoint worker: once it reports this many frames (pages) or more in the WAL, the next
   * group commit waits for it to catch up so that the WAL starts over (db.ts `walRestartWanted`);
   * 0: never. Default WAL_RESTART_FRAMES. */
  walRestartFrames?: number;
  /** how often the checkpoint worker checkpoints (ms; default 200) */
  checkpointIntervalMs?: number;
  /** true: the group commit's writes and fsync run on a writer thread with its own connection
   * (writer.ts), not on the event loop; only for a file in WAL mode (':memory:' writes here). Off by
   * default (SQLITE_WRITER_THREAD, server/config.ts) */
  writerThread?: boolean;
  /** how many parsed case records the record cache keeps (cases.ts; RECORD_CACHE_SIZE, server/config.ts) */
  recordCache?: number;
}

export { MIGRATIONS, SCHEMA_VERSION } from './schema.ts';

/** The port, plus a read of a connection setting (diagnostics, tests): `pragma('synchronous')`. */
export interface SqliteStore extends Store {
  pragma(name: 'synchronous' | 'journal_mode' | 'busy_timeout' | 'user_version' | 'quick_check' | 'wal_autocheckpoint'): unknown;
  /** SQLite's online backup of this connection's database into `file` (server/integrity/backup.ts) */
  backup(file: string, pagesPerStep: number): Promise<void>;
  /** cases whose indexed columns (what lists, filters and jurisdiction read) disagree with their record
   * (what the case page reads): an edit of the table beside the engine (`verify`) */
  driftedColumns(): Array<{ caseId: string; caseNo: string; columns: string[] }>;
  /** what the checkpoint worker did (null: SQLite checkpoints itself) */
  checkpoints(): CheckpointStats | null;
  /** resolves after the checkpoint worker's next run that found frames in the WAL */
  nextCheckpoint(): Promise<void>;
  /** has the checkpoint worker run its periodic checkpoint now (tests) */
  checkpointNow(): void;
  /** resolves once the next group commit is to start the WAL over (tests) */
  walRestartReady(): Promise<void>;
  /** whether commits are written by the writer thread */
  writesOnThread(): boolean;
}

/** column → the record field it is derived from (server/store/sqlite/cases.ts caseRow) */
const CHECKED_COLUMNS: Array<[string, string]> = [
  ['case_no', "json_extract(doc, '$.caseNo')"],
  ['body_id', "json_extract(doc, '$.bodyId')"],
  ['court_id', "json_extract(doc, '$.courtId')"],
  ['court_inbox', "coalesce(json_extract(doc, '$.courtInbox'), 0)"],
  ['status', "json_extract(doc, '$.status')"],
  ['tier', "json_extract(doc, '$.tier')"],
  ['category', "json_extract(doc, '$.category')"],
  ['compound_id', "json_extract(doc, '$.compoundId')"],
  ['community_id', "json_extract(doc, '$.communityId')"],
  ['subdistrict_id', "json_extract(doc, '$.subdistrictId')"],
  ['warning', "json_extract(doc, '$.warning')"],
  ['overdue', "coalesce(json_extract(doc, '$.overdue'), 0)"],
  ['version', "json_extract(doc, '$.version')"],
];

/** 16,384 pages of 4 KB: the WAL file stays near 64 MB under a steady load (and is reused, not extended) */
export const WAL_RESTART_FRAMES = 16384;

export function createSqliteStore(opts: SqliteStoreOptions): SqliteStore {
  const synchronous = opts.synchronous ?? 'FULL';
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') throw new Error(`synchronous must be FULL or NORMAL`);
  const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;

  const h = new Handle();
  let checkpointer: Checkpointer | null = null;
  const restartWaiters: Array<() => void> = [];
  let writer: WriterThread | null = null;
  const { cases, events, warm: warmCases } = sqliteCases(h, { writer: () => writer, recordCache: opts.recordCache });
  const { timers, outbox, webhookLog, warm: warmQueues } = sqliteQueues(h);
  const { warm: warmRecords, ...records } = sqliteRecords(h);
  const { oversight, warm: warmOversight } = sqliteOversight(h);

  return {
    kind: 'sqlite',

    async init(): Promise<void> {
      if (h.isOpen) return;
      const db = new Database(opts.file, { timeout: busyTimeoutMs });
      try {
        db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
        const wal = db.pragma('journal_mode = WAL', { simple: true }) === 'wal'; // stays 'memory' for ':memory:'
        db.pragma(`synchronous = ${synchronous}`);
        db.pragma('cache_size = -65536'); // 64 MB of page cache: the hot cases stay in memory
        db.pragma('temp_store = MEMORY');
        migrate(db);
        h.attach(db);
        warmCases(); // prepare every statement now: a typo fails init, not the first request
        warmQueues();
        warmRecords();
        warmOversight();
        const checkpointWorker = wal && (opts.checkpoints ?? 'worker') === 'worker';
        if (checkpointWorker) {
          db.pragma('wal_autocheckpoint = 0');
          const c = new Checkpointer(opts.file, {
            busyTimeoutMs,
            intervalMs: opts.checkpointIntervalMs,
            restartFrames: opts.walRestartFrames ?? WAL_RESTART_FRAMES,
            restartPending: () => h.walRestartWanted,
          });
          checkpointer = c;
          c.on('restart-wanted', () => {
            h.walRestartWanted = true;
            for (const resolve of restartWaiters.splice(0)) resolve();
          });
          h.catchUpWal = () => c.lastCopy();
          c.start();
        }
        if (wal && opts.writerThread) {
          const thread = new WriterThread({ file: opts.file, synchronous, busyTimeoutMs, autoCheckpoint: !checkpointWorker });
          writer = thread;
          await thread.open();
          h.writerBusy = () => thread.busy();
        }
      } catch (e) {
        const w = writer;
        writer = null;
        await w?.stop().catch(() => {});
        const c = checkpointer;
        checkpointer = null;
        await c?.stop().catch(() => {});
        h.close();
        if (db.open) db.close();
        throw e;
      }
    },

    async close(): Promise<void> {
      const w = writer;
      writer = null;
      await w?.stop(); // the groups sent are answered first
      h.writerBusy = null;
      const c = checkpointer;
      checkpointer = null;
      await c?.stop(); // its connection first: the store's own close then checkpoints the rest
      h.close();
    },

    pragma(name) {
      return h.db.pragma(name, { simple: true });
    },

    driftedColumns() {
      const sql = `SELECT id, case_no, ${CHECKED_COLUMNS.map(([c, e]) => `(${c} IS NOT ${e}) AS ${c}`).join(', ')} FROM cases
        WHERE ${CHECKED_COLUMNS.map(([c, e]) => `${c} IS NOT ${e}`).join(' OR ')}`;
      return (h.db.prepare(sql).all() as Array<Record<string, unknown>>).map((r) => ({
        caseId: String(r.id),
        caseNo: String(r.case_no),
        columns: CHECKED_COLUMNS.map(([c]) => c).filter((c) => r[c] === 1),
      }));
    },

    async backup(file, pagesPerStep) {
      await h.db.backup(file, { progress: () => pagesPerStep });
    },

    checkpoints() {
      return checkpointer ? { ...checkpointer.stats } : null;
    },

    nextCheckpoint() {
      const c = checkpointer;
      if (!c) return Promise.reject(new Error('no checkpoint worker'));
      return new Promise((resolve) => c.once('checkpoint', () => resolve()));
    },

    checkpointNow() {
      checkpointer?.runNow();
    },

    walRestartReady() {
      return h.walRestartWanted ? Promise.resolve() : new Promise<void>((resolve) => restartWaiters.push(resolve));
    },

    writesOnThread() {
      return writer !== null;
    },

    cases,
    events,
    timers,
    outbox,
    webhookLog,
    ...records,
    oversight,
  };
}
