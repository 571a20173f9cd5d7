// Shared plumbing for the SQLite adapter: the connection handle (statements prepared once per
// connection), time conversion and error mapping.
import Database from 'better-sqlite3';
import { Duplicate, ValidationFailed } from '../../engine/errors.ts';

export type DB = Database.Database;
export type Stmt = Database.Statement<unknown[], unknown>;

/** The open connection plus everything prepared on it. Areas (cases, timers…) reach the database
 * only through this, so that statements are prepared once and a closed store fails loudly. */
export class Handle {
  private conn: DB | null = null;
  private readonly cache = new Map<unknown, unknown>();

  get db(): DB {
    if (!this.conn) throw new Error('sqlite store is not open: call init() first');
    return this.conn;
  }

  get isOpen(): boolean {
    return this.conn !== null;
  }

  attach(db: DB): void {
    this.conn = db;
  }

  /**
   * Keeping the WAL from growing without end under a steady load. SQLite starts the WAL file over
   * from its beginning only at a write that finds every frame in it already copied into the database
   * file; the checkpoint worker copies what was committed when it began, and while group after group
   * commits meanwhile, that moment never comes (measured: 820 MB of WAL after a minute at 1,000–1,500
   * events/s, every commit extending the file). So when the worker reports the WAL past its limit,
   * `walRestartWanted` is set, and the next group commit first has the worker copy the few frames
   * committed since (`catchUpWal`) while every writer on this connection waits its `turn()` — the
   * event loop keeps serving; the group waits for the worker's checkpoint (a few ms) — and the
   * group's own write then starts the WAL over. With the writer thread, that thread copies the rest
   * on its own connection before the group (writer-worker.ts). Without the checkpoint worker
   * (`checkpoints: 'auto'`, ':memory:'), SQLite's own checkpoints after a commit do this.
   */
  walRestartWanted = false;
  catchUpWal: (() => Promise<unknown>) | null = null;
  private catchingUp: Promise<unknown> | null = null;

  /** Has the checkpoint worker copy what is still in the WAL while no writer on this connection writes. */
  async restartWal(): Promise<void> {
    this.walRestartWanted = false;
    if (!this.catchUpWal || this.catchingUp) return;
    const run = this.catchUpWal().catch(() => undefined);
    this.catchingUp = run;
    try {
      await run;
    } finally {
      this.catchingUp = null;
    }
  }

  /** Set while commits are written on the writer thread (writer.ts): null when no group is in flight
   * there, else a promise that settles when none is. */
  writerBusy: (() => Promise<void> | null) | null = null;

  /**
   * Resolves when a write on this connection will not wait for the writer thread's lock. Call it
   * right before the (synchronous) write, with no other `await` in between: the thread starts a group
   * only when this thread posts it, which cannot happen while that write runs. Without it such a write
   * would wait in SQLite's busy handler, which sleeps on the event loop (1, 2, 5 … 100 ms) and, with
   * the thread writing group after group, was seen to hold the loop for half a second.
   */
  async turn(): Promise<void> {
    // (or while the checkpoint worker catches up so that the WAL restarts: restartWal)
    for (let busy = this.busy(); busy; busy = this.busy()) await busy;
  }

  private busy(): Promise<unknown> | null {
    return this.catchingUp ?? this.writerBusy?.() ?? null;
  }

  close(): void {
    const db = this.conn;
    this.conn = null;
    this.cache.clear();
    if (!db?.open) return;
    try {
      db.pragma('optimize'); // keeps the planner's statistics fresh; cheap when nothing changed
    } catch {
      // best effort
    }
    db.close();
  }

  /** `make(db)` runs once per connection for each key; its result (statements, transaction
   * functions) is reused until the store closes. */
  prepared<T>(key: unknown, make: (db: DB) => T): T {
    let v = this.cache.get(key) as T | undefined;
    if (v === undefined) {
      v = make(this.db);
      this.cache.set(key, v);
    }
    return v;
  }
}

/** ISO-8601 (any offset) → epoch milliseconds, the form stored in every column compared in SQL. */
export function toMs(iso: string, field: string): number {
  const ms = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  if (!Number.isFinite(ms)) throw new ValidationFailed(`${field} is not an ISO-8601 time: ${String(iso)}`);
  return ms;
}

export function toIso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export const json = (v: unknown): string => JSON.stringify(v ?? null);
export const parse = <T>(text: string): T => JSON.parse(text) as T;

/** Constraint violations (unique, primary key, not null, check…). */
export function isConstraint(e: unknown, code?: 'UNIQUE' | 'PRIMARYKEY'): boolean {
  if (!(e instanceof Database.SqliteError)) return false;
  return code ? e.code === `SQLITE_CONSTRAINT_${code}` : e.code.startsWith('SQLITE_CONSTRAINT');
}

/** Runs `fn`; a unique / primary key violation becomes `Duplicate(message)`. */
export function orDuplicate<T>(fn: () => T, message: string, details?: unknown): T {
  try {
    return fn();
  } catch (e) {
    if (isConstraint(e, 'UNIQUE') || isConstraint(e, 'PRIMARYKEY')) throw new Duplicate(message, details);
    throw e;
  }
}

/** An error after which the connection's transaction cannot be trusted (I/O, full disk, busy…):
 * anything SQLite reports that is not a constraint violation. */
export function isFatalSqliteError(e: unknown): boolean {
  return e instanceof Database.SqliteError && !e.code.startsWith('SQLITE_CONSTRAINT');
}

/**
 * Runs `fn` (a write the store may lose to a power cut without harm) with `synchronous = NORMAL`, so
 * that its commit does not wait for an fsync of its own on the event loop, and puts the connection's
 * setting back afterwards. Nothing acknowledged depends on such a write: in WAL mode the next FULL
 * commit's fsync of the WAL covers it (frames are appended in order), and a power cut before that
 * loses only it — the projector projects again from its last durable position; an outbox lease or
 * done mark lost means the entry is sent again (delivery is at least once). A process crash (kill -9)
 * loses nothing either way: the WAL's writes are in the operating system's cache.
 */
export function withoutOwnFsync<T>(db: DB, fn: () => T): T {
  const sync = db.pragma('synchronous', { simple: true }) as number;
  if (sync <= 1) return fn();
  db.pragma('synchronous = NORMAL');
  try {
    return fn();
  } finally {
    db.pragma(`synchronous = ${sync === 3 ? 'EXTRA' : 'FULL'}`);
  }
}
