// Online backups of the embedded store and their restore. A backup is SQLite's online backup API
// (better-sqlite3 `db.backup()`): a consistent copy taken while the service keeps committing, plus the
// part of the anchor log written before it began, plus a manifest (sha256 of the copy, the Merkle
// root of its anchors). `npm run backup` takes one from its own connection (the whole database in one
// step: a snapshot no concurrent commit can restart); the service takes one every BACKUP_EVERY_HOURS
// from its own connection in small steps (the event loop keeps answering; its own commits are folded
// into the copy by SQLite) and keeps the newest BACKUP_KEEP.
//
// Why the anchors copied are exactly right: the anchor log's length is read BEFORE the copy starts, and
// a head is appended only after its commit landed, so every head in that prefix is in the copy. Commits
// that land during the copy are in it without their anchor: `verify` lists them as "not anchored".
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { SqliteStore } from '../store/sqlite/index.ts';
import { anchorLogSize, readAnchors, syncDirectory } from './anchor-log.ts';
import { merkleStatement } from './merkle.ts';

export interface BackupManifest {
  createdAt: string;
  database: string;
  anchors: string | null;
  bytes: number;
  sha256: string;
  cases: number;
  events: number;
  /** bytes of the anchor log copied (its length when the backup began) */
  anchorBytes: number;
  /** the Merkle root of the anchored heads in the copy (what a third party can be given) */
  merkleRoot: string | null;
  tookMs: number;
}

const PATTERN = /^mediation-(\d{8}T\d{6}(?:\d{3})?Z)\.db$/;

export const stampOf = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace('.', '');

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Copies the complete lines among the first `bytes` of `from` into a new file `to`, fsync'd;
 * returns the bytes copied. */
function copyPrefix(from: string, to: string, bytes: number): number {
  let copied = 0;
  const out = openSync(to, 'w');
  try {
    if (bytes > 0) {
      const buf = Buffer.alloc(bytes);
      const fd = openSync(from, 'r');
      try {
        readSync(fd, buf, 0, bytes, 0);
      } finally {
        closeSync(fd);
      }
      // up to the last complete line: an append in flight is not part of the copy
      copied = buf.lastIndexOf(0x0a) + 1;
      writeSync(out, buf, 0, copied);
    }
    fsyncSync(out);
  } finally {
    closeSync(out);
  }
  return copied;
}

/** Turns a fresh copy into one self-contained file (rollback journal, no -wal/-shm needed) and
 * checks it; returns what it holds. */
function sealCopy(file: string): { cases: number; events: number } {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = DELETE');
    const check = String(db.pragma('quick_check', { simple: true }));
    if (check !== 'ok') throw new Error(`the backup ${file} fails SQLite's quick_check: ${check}`);
    return {
      cases: db.prepare('SELECT COUNT(*) FROM cases').pluck().get() as number,
      events: db.prepare('SELECT COUNT(*) FROM events').pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

/** Takes one online backup of `store` into `backupDir`; returns its manifest. */
export async function backupStore(
  store: SqliteStore,
  opts: { backupDir: string; anchorFile: string | null; now?: () => Date; pagesPerStep?: number },
): Promise<BackupManifest & { file: string }> {
  const now = opts.now ?? (() => new Date());
  const started = now();
  const t0 = performance.now();
  mkdirSync(opts.backupDir, { recursive: true });
  const base = path.join(opts.backupDir, `mediation-${stampOf(started)}`);
  const file = `${base}.db`;
  if (existsSync(file)) throw new Error(`${file} exists already`);

  // 1. the anchors first (see the header: every head in this prefix is in the copy taken after it)
  const anchorsFile = opts.anchorFile ? `${base}.anchors` : null;
  const anchorBytes = opts.anchorFile && anchorsFile ? copyPrefix(opts.anchorFile, anchorsFile, anchorLogSize(opts.anchorFile)) : 0;

  // 2. the database, into a temporary name until it is whole and checked
  const partial = `${base}.partial`;
  try {
    await store.backup(partial, opts.pagesPerStep ?? 0x7fffffff);
    const { cases, events } = sealCopy(partial);
    fsyncFile(partial);
    renameSync(partial, file);
    syncDirectory(opts.backupDir);

    const lines = anchorsFile ? readAnchors(anchorsFile).lines : [];
    const manifest: BackupManifest = {
      createdAt: started.toISOString(),
      database: path.basename(file),
      anchors: anchorsFile ? path.basename(anchorsFile) : null,
      bytes: statSync(file).size,
      sha256: await sha256File(file),
      cases,
      events,
      anchorBytes,
      merkleRoot: anchorsFile ? merkleStatement(lines).root : null,
      tookMs: Math.round(performance.now() - t0),
    };
    writeFileSync(`${base}.json`, `${JSON.stringify(manifest, null, 2)}\n`, { flush: true });
    return { ...manifest, file };
  } catch (err) {
    rmSync(partial, { force: true });
    rmSync(`${partial}-journal`, { force: true });
    if (anchorsFile) rmSync(anchorsFile, { force: true });
    throw err;
  }
}

/** The backups in a folder, oldest first. */
export function listBackups(backupDir: string): string[] {
  if (!existsSync(backupDir)) return [];
  return readdirSync(backupDir)
    .filter((n) => PATTERN.test(n))
    .sort()
    .map((n) => path.join(backupDir, n));
}

/** Deletes the oldest backups (with their anchors and manifest) beyond `keep`; returns the deleted. */
export function pruneBackups(backupDir: string, keep: number): string[] {
  const all = listBackups(backupDir);
  const gone = all.slice(0, Math.max(0, all.length - keep));
  for (const f of gone) {
    const base = f.slice(0, -'.db'.length);
    for (const ext of ['.db', '.anchors', '.json']) rmSync(`${base}${ext}`, { force: true });
  }
  return gone;
}

export interface BackupSchedule {
  /** the backup running now, if any (tests, shutdown) */
  running(): Promise<void>;
  stop(): Promise<void>;
}

/** Runs `take` every `everyHours` (never two at once), keeping the newest `keep`. */
export function scheduleBackups(opts: {
  everyHours: number;
  keep: number;
  backupDir: string;
  take: () => Promise<BackupManifest & { file: string }>;
  onDone: (result: { ok: true; manifest: BackupManifest & { file: string }; pruned: string[] } | { ok: false; error: unknown }) => void;
}): BackupSchedule {
  let current: Promise<void> = Promise.resolve();
  let stopped = false;
  const every = opts.everyHours * 3600_000;
  const tick = () => {
    if (stopped) return;
    current = opts
      .take()
      .then(
        (manifest) => opts.onDone({ ok: true, manifest, pruned: pruneBackups(opts.backupDir, opts.keep) }),
        (error: unknown) => opts.onDone({ ok: false, error }),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, every).unref();
      });
  };
  let timer = setTimeout(tick, every).unref();
  return {
    running: () => current,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

/** Copies `from` to `to` through a temporary name, fsync'd, then renamed into place. */
export function installFile(from: string, to: string): void {
  const tmp = `${to}.installing`;
  copyFileSync(from, tmp);
  fsyncFile(tmp);
  renameSync(tmp, to);
  syncDirectory(path.dirname(to));
}
