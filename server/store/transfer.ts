// Moving a whole store: the copy from the embedded store into MongoDB (scripts/migrate.ts) and the
// JSON-lines backup and restore (scripts/export.ts, scripts/import.ts).
//
// Both go below the port, on purpose: the port has no listing of the outbox, sessions, idempotency
// keys, settings or counters, and no way to write history (a commit needs the record at each version,
// which only the last event's record is kept of). Each adapter therefore offers a TransferSide that
// reads and writes whole collections: the SQLite one in sqlite/transfer.ts (it reads the file in one read transaction,
// so an export is one consistent snapshot even while the app runs), the MongoDB one in
// mongo/transfer.ts. Everything else — the portable records, the order, the checksums, the file
// format — is defined here once.
//
// Portable records are the port's records (CaseRecord, EventRecord…), plus what the port keeps beside
// them: the state and lease of timers and outbox entries, the docket counters. Every collection has a
// canonical order (by key; the outbox in delivery order, audit oldest first), and its checksum is the
// sha256 of its records' canonical JSON (sorted object keys), one per line, in that order.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { canonicalJson } from '../engine/hash-chain.ts';
import type {
  AuditEntry,
  Body,
  CaseRecord,
  DocumentRecord,
  EventRecord,
  IdempotencyRecord,
  OrgUnit,
  OutboxEntry,
  SessionRecord,
  Store,
  TimerRecord,
  UserRecord,
} from './port.ts';
import { sqliteSide } from './sqlite/transfer.ts';

// ── the portable records ─────────────────────────────────────────────────────────────────────────

export interface PortableRecords {
  settings: { key: string; value: unknown };
  orgUnits: OrgUnit;
  bodies: Body;
  users: UserRecord;
  sessions: SessionRecord;
  counters: { bodyId: string; year: number; n: number };
  cases: CaseRecord;
  events: EventRecord;
  timers: TimerRecord;
  outbox: OutboxEntry & { doneAt: string | null; leaseOwner: string | null; leaseUntil: string | null };
  documents: DocumentRecord;
  audit: AuditEntry;
  idempotency: IdempotencyRecord;
}
export type PortableName = keyof PortableRecords;

/** Every collection, in the order they are copied and written to a file. */
export const PORTABLE_COLLECTIONS: readonly PortableName[] = [
  'settings',
  'orgUnits',
  'bodies',
  'users',
  'sessions',
  'counters',
  'cases',
  'events',
  'timers',
  'outbox',
  'documents',
  'audit',
  'idempotency',
];

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** The key a collection is ordered by (null: the outbox and audit keep their own order: delivery and
 * insertion). Keys compare as UTF-8 bytes, as SQLite's BINARY collation and MongoDB without a
 * collation do. */
export const ORDER_KEY: { [K in PortableName]: ((r: PortableRecords[K]) => string) | null } = {
  settings: (r) => r.key,
  orgUnits: (r) => r.id,
  bodies: (r) => r.id,
  users: (r) => r.id,
  sessions: (r) => r.tokenHash,
  counters: (r) => `${r.bodyId}\u0000${pad(r.year, 6)}`,
  cases: (r) => r.id,
  events: (r) => `${r.caseId}\u0000${pad(r.seq, 12)}`,
  timers: (r) => r.id,
  outbox: null,
  documents: (r) => r.id,
  audit: null,
  idempotency: (r) => r.key,
};

/** Reads and writes whole collections of one store, below the port. */
export interface TransferSide {
  readonly kind: 'sqlite' | 'mongo';
  /** every record of a collection, in its canonical order */
  read<K extends PortableName>(name: K): AsyncIterable<PortableRecords[K]>;
  /** appends records, in the order given (the target must not hold them yet) */
  write<K extends PortableName>(name: K, records: Array<PortableRecords[K]>): Promise<void>;
  count(name: PortableName): Promise<number>;
  /** the store the side belongs to, through the port (hash-chain checks) */
  readonly store: Store;
  close(): Promise<void>;
}

// ── checksums ────────────────────────────────────────────────────────────────────────────────────

export interface CollectionSummary {
  count: number;
  sha256: string;
}
export type Summary = Record<PortableName, CollectionSummary>;

/** The running checksum of one collection; refuses records out of canonical order. */
export class Digest {
  private hash = createHash('sha256');
  private last: Buffer | null = null;
  count = 0;
  constructor(readonly name: PortableName) {}

  /** Adds a record; returns its canonical JSON line. */
  add(record: unknown): string {
    const orderKey = ORDER_KEY[this.name] as ((r: unknown) => string) | null;
    if (orderKey) {
      const key = Buffer.from(orderKey(record), 'utf8');
      if (this.last && Buffer.compare(this.last, key) >= 0) {
        throw new Error(`${this.name}: records out of order or repeated at key ${JSON.stringify(key.toString('utf8'))}`);
      }
      this.last = key;
    }
    const line = canonicalJson(record);
    this.hash.update(line);
    this.hash.update('\n');
    this.count++;
    return line;
  }

  done(): CollectionSummary {
    return { count: this.count, sha256: this.hash.digest('hex') };
  }
}

/** Counts and checksums of every collection of a side. */
export async function summarize(side: TransferSide): Promise<Summary> {
  const out = {} as Summary;
  for (const name of PORTABLE_COLLECTIONS) {
    const d = new Digest(name);
    for await (const r of side.read(name)) d.add(r);
    out[name] = d.done();
  }
  return out;
}

/** The collections whose counts or checksums differ (empty: identical). */
export function compareSummaries(a: Summary, b: Summary): string[] {
  return PORTABLE_COLLECTIONS.filter((n) => a[n]?.count !== b[n]?.count || a[n]?.sha256 !== b[n]?.sha256).map(
    (n) => `${n}: ${a[n]?.count ?? '?'} records (${a[n]?.sha256?.slice(0, 12) ?? '?'}…) vs ${b[n]?.count ?? '?'} (${b[n]?.sha256?.slice(0, 12) ?? '?'}…)`,
  );
}

export async function isEmpty(side: TransferSide): Promise<boolean> {
  for (const name of PORTABLE_COLLECTIONS) if ((await side.count(name)) > 0) return false;
  return true;
}

// ── copying ──────────────────────────────────────────────────────────────────────────────────────

export interface CopyReport {
  source: Summary;
  target: Summary;
  mismatches: string[];
}

/** Copies every collection of `from` into the empty `to`, then checks counts and checksums of what
 * `to` holds against what was read. */
export async function copyStore(
  from: TransferSide,
  to: TransferSide,
  opts: { batch?: number; progress?: (name: PortableName, n: number) => void } = {},
): Promise<CopyReport> {
  if (!(await isEmpty(to))) throw new Error(`the target ${to.kind} store is not empty: copy only into an empty store`);
  const batch = opts.batch ?? 500;
  const source = {} as Summary;
  for (const name of PORTABLE_COLLECTIONS) {
    const d = new Digest(name);
    let buf: Array<PortableRecords[typeof name]> = [];
    for await (const r of from.read(name)) {
      d.add(r);
      buf.push(r);
      if (buf.length >= batch) {
        await to.write(name, buf);
        buf = [];
        opts.progress?.(name, d.count);
      }
    }
    if (buf.length) await to.write(name, buf);
    opts.progress?.(name, d.count);
    source[name] = d.done();
  }
  const target = await summarize(to);
  return { source, target, mismatches: compareSummaries(source, target) };
}

// ── JSON lines ───────────────────────────────────────────────────────────────────────────────────

export const FORMAT = 'wuye-mediation-store';
export const FORMAT_VERSION = 1;

/** The file: a header line, one line per record `{"c": collection, "r": record}`, a summary line.
 * Lines are canonical JSON, so the same store always exports the same bytes. */
export async function exportJsonl(side: TransferSide, file: string): Promise<Summary> {
  const out = createWriteStream(file, { encoding: 'utf8' });
  const put = async (line: string) => {
    if (!out.write(line + '\n')) await once(out, 'drain');
  };
  try {
    await put(canonicalJson({ c: '$header', format: FORMAT, version: FORMAT_VERSION, source: side.kind }));
    const summary = {} as Summary;
    for (const name of PORTABLE_COLLECTIONS) {
      const d = new Digest(name);
      for await (const r of side.read(name)) await put(`{"c":${JSON.stringify(name)},"r":${d.add(r)}}`);
      summary[name] = d.done();
    }
    await put(canonicalJson({ c: '$summary', summary }));
    out.end();
    await once(out, 'finish');
    return summary;
  } catch (e) {
    out.destroy();
    throw e;
  }
}

export interface ImportReport {
  /** what the file's summary line says */
  file: Summary;
  /** recomputed from the target after the import */
  target: Summary;
  mismatches: string[];
}

/** Restores a file written by exportJsonl into an empty store, then checks the target against the
 * file's summary (a truncated or edited file fails here, and so does a lossy target). */
export async function importJsonl(side: TransferSide, file: string, opts: { batch?: number } = {}): Promise<ImportReport> {
  if (!existsSync(file)) throw new Error(`no such file: ${file}`);
  if (!(await isEmpty(side))) throw new Error(`the target ${side.kind} store is not empty: import only into an empty store`);
  const batch = opts.batch ?? 500;
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  const digests = new Map<PortableName, Digest>();
  let header = false;
  let fileSummary: Summary | null = null;
  let name: PortableName | null = null;
  let buf: unknown[] = [];
  const flush = async () => {
    if (name && buf.length) await side.write(name, buf as never[]);
    buf = [];
  };
  let n = 0;
  for await (const text of lines) {
    n++;
    if (!text.trim()) continue;
    if (fileSummary) throw new Error(`line ${n}: data after the summary line`);
    let line: { c?: unknown; r?: unknown; format?: unknown; version?: unknown; summary?: Summary };
    try {
      line = JSON.parse(text);
    } catch {
      throw new Error(`line ${n}: not JSON`);
    }
    if (!header) {
      if (line.c !== '$header' || line.format !== FORMAT) throw new Error(`line ${n}: not a ${FORMAT} export`);
      if (line.version !== FORMAT_VERSION) throw new Error(`line ${n}: format version ${String(line.version)} (this code reads ${FORMAT_VERSION})`);
      header = true;
      continue;
    }
    if (line.c === '$summary') {
      await flush();
      fileSummary = line.summary!;
      continue;
    }
    if (!PORTABLE_COLLECTIONS.includes(line.c as PortableName)) throw new Error(`line ${n}: unknown collection ${String(line.c)}`);
    const c = line.c as PortableName;
    if (c !== name) {
      await flush();
      if (digests.has(c)) throw new Error(`line ${n}: ${c} appears twice in the file`);
      name = c;
      digests.set(c, new Digest(c));
    }
    digests.get(c)!.add(line.r);
    buf.push(line.r);
    if (buf.length >= batch) await flush();
  }
  await flush();
  if (!header) throw new Error('empty file');
  if (!fileSummary) throw new Error('the file ends without its summary line: truncated?');
  const read = {} as Summary;
  for (const c of PORTABLE_COLLECTIONS) read[c] = digests.get(c)?.done() ?? new Digest(c).done();
  const inFile = compareSummaries(fileSummary, read);
  if (inFile.length) throw new Error(`the file does not match its own summary: ${inFile.join('; ')}`);
  const target = await summarize(side);
  return { file: fileSummary, target, mismatches: compareSummaries(fileSummary, target) };
}

// ── opening a side ───────────────────────────────────────────────────────────────────────────────

export interface SideSpec {
  kind: 'sqlite' | 'mongo';
  /** sqlite: the folder holding mediation.db (DATA_DIR) */
  dataDir?: string;
  /** mongo */
  uri?: string;
  dbName?: string;
  /** sqlite: make an empty store if there is none (import) */
  create?: boolean;
}

/** Opens the store a script names. The MongoDB adapter is loaded only when asked for. */
export async function openSide(spec: SideSpec): Promise<TransferSide & { describe: string }> {
  if (spec.kind === 'sqlite') {
    if (!spec.dataDir) throw new Error('the embedded store needs its folder (--data-dir or DATA_DIR)');
    const file = path.join(spec.dataDir, 'mediation.db');
    return Object.assign(await sqliteSide(file, { create: spec.create }), { describe: `embedded store ${file}` });
  }
  if (!spec.uri) throw new Error('MongoDB needs a URI (--uri or MONGODB_URI)');
  const [{ createMongoStore }, { mongoSide }] = await Promise.all([import('./mongo/index.ts'), import('./mongo/transfer.ts')]);
  const store = createMongoStore({ uri: spec.uri, dbName: spec.dbName });
  await store.init();
  const where = spec.uri.replace(/\/\/[^@/]*@/, '//***@'); // never print credentials
  return Object.assign(mongoSide(store), { describe: `MongoDB ${where}${spec.dbName ? ` (database ${spec.dbName})` : ''}, commits: ${store.mode()}` });
}
