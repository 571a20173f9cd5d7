// The anchor log: the integrity of the history anchored OUTSIDE the database. After each group
// commit lands in SQLite, and before any of its events is acknowledged, the new head of every case
// it touched (case id, version, hash of the last event, digest of the case record) is appended to
// an append-only file beside the store and fsync'd. `npm run verify` then checks the store against
// it: a case behind its anchored version lost acknowledged events (a truncated tail, a rolled-back
// version, a WAL that dropped commits, an old copy put back), a different hash at an anchored
// version means rewritten history, a different record digest a tampered case record.
//
// The crash window, in order:
//   1. SQLite commits the group (WAL, synchronous=FULL: durable);
//   2. the heads are appended to the anchor log and fdatasync'd;
//   3. the callers are answered.
// A crash between 1 and 2 leaves events that are in the store but not anchored. None of them was
// acknowledged; `verify` lists them as "not anchored" (a warning, not damage), and the case's next
// event anchors them through its hash chain. A crash during 2 can leave a torn last line without its
// newline (its commits were never acknowledged either): the next append starts on a new line, never
// truncating (another process may be appending), and the fragment reads as "torn", a warning. A crash between 2 and 3 is an ordinary lost reply. If step 2 fails (a full
// disk), the callers get 503 and health reports it: the events are committed but their outcome is
// "unknown" to the client, exactly as after a crash.
//
// Each line is one JSON object with its own checksum; lines are written with one write() on a file
// opened O_APPEND, so several processes sharing one SQLite file may share one anchor log (the latest
// head of a case is the highest version anchored, whatever the line order).
import { createHash } from 'node:crypto';
import { fdatasync, closeSync, existsSync, fdatasyncSync, fsyncSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { CaseRecord } from '../store/port.ts';
import { writtenText } from '../store/record-text.ts';

/** A case's chain head as anchored: [caseId, version, event hash, record digest]. */
export type Head = [caseId: string, version: number, hash: string, record: string];

export interface AnchorLine {
  /** 1-based line number in the file */
  line: number;
  at: string;
  kind: 'commit' | 'restore';
  heads: Head[];
  note?: string;
}

/** What the record says, without the oversight projection (a cache recomputed from the snapshot, which
 * server/oversight/rebuild.ts may rewrite without an event). The record's JSON in its own key order: the
 * text the SQLite adapter stores, which reads back with the same order (SQLite's JSON functions keep
 * it), and 2–3× cheaper than the canonical JSON of the hash chain on every commit. */
export function recordDigest(record: CaseRecord): string {
  // the text the store has just written (`JSON.stringify(record)`), when the record carries no
  // projection: then it is exactly the text below (an undefined member is left out either way)
  const text = record.oversight === undefined ? writtenText(record) : undefined;
  return createHash('sha256')
    .update(text ?? JSON.stringify({ ...record, oversight: undefined }))
    .digest('hex');
}

export const headOf = (r: CaseRecord): Head => [r.id, r.version, r.lastHash, recordDigest(r)];

const checksum = (body: string): string => createHash('sha256').update(body).digest('hex').slice(0, 16);

function encode(at: string, kind: AnchorLine['kind'], heads: Head[], note?: string): string {
  const body = JSON.stringify(note === undefined ? { at, kind, heads } : { at, kind, heads, note });
  return `${body.slice(0, -1)},"sum":"${checksum(body)}"}\n`;
}

export interface AnchorFile {
  lines: AnchorLine[];
  /** lines that are not well-formed or fail their checksum (tampering or damage), by line number */
  damaged: number[];
  /** lines cut short by a crash during their append (never acknowledged), by line number */
  torn: number[];
  /** bytes of a torn last line (a crash during an append), ignored */
  tornBytes: number;
  /** bytes up to the end of the last complete line */
  goodBytes: number;
}

/** Parses an anchor log (or its first `limitBytes`). A missing file reads as empty. */
export function readAnchors(file: string, limitBytes?: number): AnchorFile {
  if (!existsSync(file)) return { lines: [], damaged: [], torn: [], tornBytes: 0, goodBytes: 0 };
  const buf = readFileSync(file);
  return parseAnchors(limitBytes === undefined ? buf : buf.subarray(0, limitBytes));
}

/** Parses complete lines; a last line without its newline is torn (counted, not parsed). */
export function parseAnchors(buf: Buffer, firstLine = 1): AnchorFile {
  const end = buf.lastIndexOf(0x0a) + 1;
  const out: AnchorFile = { lines: [], damaged: [], torn: [], tornBytes: buf.length - end, goodBytes: end };
  const rows = buf.subarray(0, end).toString('utf8').split('\n');
  rows.pop();
  rows.forEach((row, i) => {
    if (row === '') return; // the new line started after a torn one
    const parsed = parseLine(row);
    if (parsed) out.lines.push({ line: firstLine + i, ...parsed });
    else if (isTorn(row)) out.torn.push(firstLine + i);
    else out.damaged.push(firstLine + i);
  });
  return out;
}

/** The start of a line whose append was cut short: its beginning, but not its checksummed end. */
const isTorn = (row: string): boolean => row.startsWith('{"at":"') && !/,"sum":"[0-9a-f]{16}"}$/.test(row);

function parseLine(row: string): Omit<AnchorLine, 'line'> | null {
  const m = /^(.*),"sum":"([0-9a-f]{16})"}$/.exec(row);
  if (!m) return null;
  const body = `${m[1]}}`;
  if (checksum(body) !== m[2]) return null;
  try {
    const v = JSON.parse(body) as Partial<AnchorLine>;
    if (typeof v.at !== 'string' || (v.kind !== 'commit' && v.kind !== 'restore') || !Array.isArray(v.heads)) return null;
    const heads = v.heads.filter(
      (h): h is Head => Array.isArray(h) && typeof h[0] === 'string' && Number.isInteger(h[1]) && typeof h[2] === 'string' && typeof h[3] === 'string',
    );
    if (heads.length !== v.heads.length) return null;
    return { at: v.at, kind: v.kind, heads, ...(typeof v.note === 'string' ? { note: v.note } : {}) };
  } catch {
    return null;
  }
}

export interface AnchoredHead {
  version: number;
  hash: string;
  record: string;
  at: string;
  line: number;
}

/** The latest anchored head of each case (the highest version), from lines anchored before `until`
 * (exclusive, ISO time) when given. */
export function latestHeads(lines: readonly AnchorLine[], until?: number): Map<string, AnchoredHead> {
  const heads = new Map<string, AnchoredHead>();
  for (const l of lines) {
    if (until !== undefined && Date.parse(l.at) >= until) continue;
    for (const [caseId, version, hash, record] of l.heads) {
      const known = heads.get(caseId);
      if (!known || version >= known.version) heads.set(caseId, { version, hash, record, at: l.at, line: l.line });
    }
  }
  return heads;
}

/** Appends, one fsync per call. Opened once per process. */
export class AnchorLog {
  private handle: FileHandle | null = null;
  /** the file ended in a torn line: the next append starts a new line */
  private newline = false;

  constructor(
    readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Creates the file if needed (and makes its directory entry durable). */
  async open(): Promise<this> {
    if (this.handle) return this;
    const fresh = !existsSync(this.file);
    this.newline = !fresh && endsTorn(this.file);
    this.handle = await open(this.file, 'a');
    if (fresh) syncDirectory(path.dirname(this.file));
    return this;
  }

  /** Appends the heads of one commit group and waits for them to be on disk. */
  async append(heads: Head[], kind: AnchorLine['kind'] = 'commit', note?: string): Promise<void> {
    if (!this.handle) await this.open();
    const line = `${this.newline ? '\n' : ''}${encode(this.now().toISOString(), kind, heads, note)}`;
    const fd = this.handle!.fd;
    // The line goes into the page cache on the event loop (one write() of a few hundred bytes: no
    // wait for the disk); only the fdatasync goes to the thread pool. One hand-over and one wake-up of
    // the loop per group instead of two: measured, the group's wait for its anchor fell from about
    // 1.1 to 0.6 ms at 1,000 events/s (README, "What we measured").
    const bytes = Buffer.from(line);
    const written = writeSync(fd, bytes);
    if (written !== bytes.length) {
      // a short write (the disk filled up): the line is torn, the next one starts on a new line
      this.newline = true;
      throw Object.assign(new Error(`anchor log: wrote ${written} of ${bytes.length} bytes`), { code: 'ENOSPC' });
    }
    this.newline = false;
    await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    await h?.close();
  }
}

/** Whether a non-empty file does not end with a newline. */
function endsTorn(file: string): boolean {
  const size = statSync(file).size;
  if (size === 0) return false;
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, size - 1);
    return b[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}

/** Appends one line synchronously (the restore script, which runs with the service stopped). */
export function appendAnchorSync(file: string, heads: Head[], kind: AnchorLine['kind'], note: string, at = new Date()): void {
  const torn = existsSync(file) && endsTorn(file);
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, `${torn ? '\n' : ''}${encode(at.toISOString(), kind, heads, note)}`);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some file systems cannot fsync a directory; the file's own fsync is what matters most
  }
}

export const anchorLogSize = (file: string): number => (existsSync(file) ? statSync(file).size : 0);
