// Storage health: what the store last said about itself. Every call into the store goes through
// `watchStore`, which notes storage failures (a full disk, an I/O error, damaged pages, a lost
// connection) and the outcome of the last group commit; `/api/health` reads it and turns 503 while
// the store is failing. A storage failure reaches the caller as StorageUnavailable (503 UNAVAILABLE,
// one clear sentence) instead of a 500 with a stack in the log only.
import Database from 'better-sqlite3';
import { DomainError } from '../engine/errors.ts';
import type { Store } from '../store/port.ts';
import { isoShanghai } from '../engine/clock.ts';

/** The store cannot do its work (disk full, I/O error, damaged file, no connection): 503. */
export class StorageUnavailable extends DomainError {
  constructor(
    message: string,
    readonly storageCode: string,
  ) {
    super('UNAVAILABLE', message);
  }
}

const NODE_STORAGE_CODES: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EIO: 'an input/output error',
  EROFS: 'the file system is read-only',
};

const SQLITE_MEANING: Array<[RegExp, string]> = [
  [/^SQLITE_FULL/, 'the disk is full'],
  [/^SQLITE_CORRUPT/, 'the database file is damaged'],
  [/^SQLITE_NOTADB/, 'the database file is not a database (damaged or overwritten)'],
  [/^SQLITE_IOERR/, 'an input/output error on the database file'],
  [/^SQLITE_READONLY/, 'the database is read-only'],
  [/^SQLITE_CANTOPEN/, 'the database file cannot be opened'],
  [/^SQLITE_BUSY/, 'the database is locked by another process'],
  [/^SQLITE_PROTOCOL/, 'the database lock protocol failed'],
];

/** The storage meaning of an error, or null when it is not a storage failure (domain errors,
 * constraint violations, programming errors). */
export function storageFailure(err: unknown): { code: string; meaning: string } | null {
  if (err instanceof StorageUnavailable) return { code: err.storageCode, meaning: err.message };
  if (err instanceof DomainError) return null;
  if (err instanceof Database.SqliteError) {
    if (err.code.startsWith('SQLITE_CONSTRAINT')) return null;
    const meaning = SQLITE_MEANING.find(([re]) => re.test(err.code))?.[1] ?? `SQLite reported ${err.code}`;
    return { code: err.code, meaning };
  }
  const e = err as { code?: unknown; name?: unknown } | null;
  if (e && typeof e.code === 'string' && NODE_STORAGE_CODES[e.code]) return { code: e.code, meaning: NODE_STORAGE_CODES[e.code] };
  if (e && typeof e.name === 'string' && /^Mongo(Network|ServerSelection|NotConnected|Topology)/.test(e.name)) {
    return { code: e.name, meaning: 'the MongoDB server cannot be reached' };
  }
  return null;
}

/** What failed, without the underlying message (which may name files): for health and API answers. */
export function storageSummary(err: unknown): string {
  const f = storageFailure(err);
  if (!f) return 'the commit failed';
  return err instanceof StorageUnavailable ? err.message : `${f.meaning} (${f.code})`;
}

/** One line for an operator (start-up, scripts): what failed and what it means. */
export function describeStorageError(err: unknown): string {
  const f = storageFailure(err);
  const message = err instanceof Error ? err.message : String(err);
  return f && !(err instanceof StorageUnavailable) ? `${f.meaning} (${f.code}: ${message})` : message;
}

export interface CommitOutcome {
  at: string;
  ok: boolean;
  /** events in the group (acknowledged when ok) */
  commits: number;
  error?: string;
}

export interface StorageReport {
  ok: boolean;
  lastCommit: CommitOutcome | null;
  /** the storage failures seen since the last successful commit (damaged files: since start), newest last */
  errors: Array<{ at: string; code: string; message: string }>;
}

/** Damage does not heal by itself: once seen, health stays 503 until the process restarts. */
const STICKY = /^SQLITE_(CORRUPT|NOTADB)/;

export class StorageStatus {
  private lastCommit: CommitOutcome | null = null;
  private errors: StorageReport['errors'] = [];
  private sticky = false;

  constructor(private readonly now: () => Date = () => new Date()) {}

  noteError(err: unknown): void {
    const f = storageFailure(err);
    if (!f) return;
    if (STICKY.test(f.code)) this.sticky = true;
    this.errors.push({ at: isoShanghai(this.now()), code: f.code, message: storageSummary(err) });
    if (this.errors.length > 10) this.errors.shift();
  }

  noteCommit(commits: number, err?: unknown): void {
    this.lastCommit = { at: isoShanghai(this.now()), ok: err === undefined, commits, ...(err === undefined ? {} : { error: storageSummary(err) }) };
    if (err === undefined) {
      if (!this.sticky) this.errors = [];
    } else this.noteError(err);
  }

  report(): StorageReport {
    const ok = !this.sticky && this.errors.length === 0 && this.lastCommit?.ok !== false;
    return { ok, lastCommit: this.lastCommit, errors: [...this.errors] };
  }
}

const statusOf = new WeakMap<object, StorageStatus>();

/** The status kept by `watchStore` for this store, if it is watched. */
export function storageStatusOf(store: Store): StorageStatus | null {
  return statusOf.get(store) ?? null;
}

function wrapError(err: unknown, status: StorageStatus): unknown {
  const f = storageFailure(err);
  if (!f) return err;
  status.noteError(err);
  if (err instanceof StorageUnavailable) return err;
  const wrapped = new StorageUnavailable(`storage unavailable: ${f.meaning} (${f.code})`, f.code);
  (wrapped as Error & { cause?: unknown }).cause = err;
  return wrapped;
}

function watchMethods<T extends object>(target: T, status: StorageStatus, isCases: boolean): T {
  const wrappers = new Map<PropertyKey, { fn: unknown; wrapper: unknown }>();
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const known = wrappers.get(key);
      if (known?.fn === value) return known.wrapper;
      const fn = value as (...args: unknown[]) => unknown;
      const wrapper = (...args: unknown[]) => {
        const commitMany = isCases && key === 'commitMany';
        const n = commitMany && Array.isArray(args[0]) ? (args[0] as unknown[]).length : 0;
        let out: unknown;
        try {
          out = fn.apply(obj, args);
        } catch (err) {
          if (commitMany) status.noteCommit(n, err);
          throw wrapError(err, status);
        }
        if (!(out instanceof Promise)) return out;
        return out.then(
          (v: unknown) => {
            if (commitMany) status.noteCommit(n);
            return v;
          },
          (err: unknown) => {
            if (commitMany) status.noteCommit(n, err);
            throw wrapError(err, status);
          },
        );
      };
      wrappers.set(key, { fn: value, wrapper });
      return wrapper;
    },
  });
}

/** The same store, with every repository call watched: storage failures are noted in `status` (and
 * reach callers as StorageUnavailable); each commitMany's outcome is the last commit's. */
export function watchStore<S extends Store>(store: S, status = new StorageStatus()): S {
  const areas = new Map<PropertyKey, unknown>();
  const watched = new Proxy(store, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver) as unknown;
      if (key === 'init' && typeof value === 'function') {
        return async () => {
          try {
            await (value as () => Promise<void>).call(obj);
          } catch (err) {
            throw wrapError(err, status);
          }
        };
      }
      if (value === null || typeof value !== 'object') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(obj) : value;
      let area = areas.get(key);
      if (!area) {
        area = watchMethods(value, status, key === 'cases');
        areas.set(key, area);
      }
      return area;
    },
  });
  statusOf.set(watched, status);
  return watched;
}
