// Moving a whole store: the copy from the embedded store into MongoDB (scripts/migrate.ts) and the
// JSON-lines backup and restore (scripts/export.ts, scripts/import.ts).
//
// Both go below the port, on purpose: the port has no listing of the outbox, sessions, idempotency
// keys, settings or counters, and no way to write history (a commit needs the record at each version,
// which only the last event's record is kept of). Each adapter therefore offers a TransferSide that
// reads and writes whole collections: the SQLite one here (it reads the file in one read transaction,
// so an export is one consistent snapshot even while the app runs), the MongoDB one in
// mongo/transfer.ts. Everything else — the portable records, the order, the checksums, the file
// format — is defined here once.
//
// Portable records are the port's records (CaseRecord, EventRecord…), plus what the port keeps beside
// them: the state and lease of timers and outbox entries, the docket counters. Every collection has a
// canonical order (by key; the outbox in delivery order, audit oldest first), and its checksum is the
// sha256 of its records' canonical JSON (sorted object keys), one per line, in that order.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { canonicalJson, verifyChain } from '../engine/hash-chain.ts';
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
import { SCHEMA_VERSION, createSqliteStore } from './sqlite/index.ts';

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

/** Every case's events form an unbroken hash chain ending at the record's version and lastHash. */
export async function verifyChains(store: Store): Promise<{ cases: number; events: number; broken: string[] }> {
  let after: string | null = null;
  let cases = 0;
  let events = 0;
  const broken: string[] = [];
  for (;;) {
    const page = await store.cases.scan(after, 200);
    if (page.length === 0) return { cases, events, broken };
    for (const rec of page) {
      const history = await store.events.list(rec.id);
      const check = verifyChain(history);
      cases++;
      events += history.length;
      if (!check.ok) broken.push(`${rec.id}: seq ${check.seq}: ${check.problem}`);
      else if (history.length !== rec.version) broken.push(`${rec.id}: record at version ${rec.version}, ${history.length} events`);
      else if (history.length && history[history.length - 1].hash !== rec.lastHash) broken.push(`${rec.id}: lastHash is not the last event's hash`);
    }
    after = page[page.length - 1].id;
  }
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

// ── the embedded store's side ────────────────────────────────────────────────────────────────────

const iso = (ms: number | null): string | null => (ms == null ? null : new Date(ms).toISOString());
const toMs = (s: string | null | undefined, what: string): number | null => {
  if (s == null) return null;
  const ms = Date.parse(s);
  if (!Number.isFinite(ms)) throw new Error(`${what} is not an ISO-8601 time: ${s}`);
  return ms;
};
const json = (v: unknown) => JSON.stringify(v ?? null);

/** The SQLite schema versions whose tables this file writes: 1 (the tables below); 2 adds the oversight
 * projection, derived from CaseRecord.oversight and rebuilt through the port after cases are written. */
const KNOWN_SQLITE_SCHEMAS = [1, 2];

/** The SQLite store in `file` as a transfer side. It knows the SQLite schema version it was written
 * for (the columns beside each `doc`), and refuses any other. `create` makes an empty store first. */
export async function sqliteSide(file: string, opts: { create?: boolean } = {}): Promise<TransferSide> {
  if (!opts.create && !existsSync(file)) throw new Error(`no embedded store at ${file}`);
  if (opts.create) mkdirSync(path.dirname(file), { recursive: true });
  const store = createSqliteStore({ file });
  await store.init(); // applies the migrations: an empty file becomes an empty store
  const db = new Database(file, { timeout: 5000 });
  const version = (db.prepare('SELECT COALESCE(MAX(version), 0) FROM schema_version').pluck().get() as number) ?? 0;
  if (!KNOWN_SQLITE_SCHEMAS.includes(version) || version !== SCHEMA_VERSION) {
    db.close();
    await store.close();
    throw new Error(
      `transfer knows the embedded store's schema versions ${KNOWN_SQLITE_SCHEMAS.join(', ')}; this file is at ${version}: update server/store/transfer.ts`,
    );
  }
  // one read transaction for every read of this side: an export is one snapshot (WAL lets the app
  // go on writing meanwhile); writes (imports into an empty file) commit per batch
  let snapshot = false;
  const beginRead = () => {
    if (!snapshot && !db.inTransaction) {
      db.exec('BEGIN');
      db.prepare('SELECT 1 FROM cases LIMIT 1').get(); // a deferred transaction takes its snapshot at its first read
      snapshot = true;
    }
  };
  const endRead = () => {
    if (snapshot && db.inTransaction) db.exec('COMMIT');
    snapshot = false;
  };

  const docs = <T>(sql: string, map: (row: any) => T = (r) => JSON.parse(r.doc) as T) =>
    async function* (): AsyncIterable<T> {
      beginRead();
      for (const row of db.prepare(sql).iterate()) yield map(row);
    };

  const readers: { [K in PortableName]: () => AsyncIterable<PortableRecords[K]> } = {
    settings: docs('SELECT key, value FROM settings ORDER BY key', (r) => ({ key: r.key, value: JSON.parse(r.value) })),
    orgUnits: docs('SELECT doc FROM org_units ORDER BY id'),
    bodies: docs('SELECT doc FROM bodies ORDER BY id'),
    users: docs('SELECT doc FROM users ORDER BY id'),
    sessions: docs('SELECT doc FROM sessions ORDER BY token_hash'),
    counters: docs('SELECT body_id, year, n FROM counters ORDER BY body_id, year', (r) => ({ bodyId: r.body_id, year: r.year, n: r.n })),
    cases: docs('SELECT doc FROM cases ORDER BY id'),
    events: docs('SELECT doc FROM events ORDER BY case_id, seq'),
    timers: docs('SELECT doc, state, lease_owner, lease_until, fired_at FROM timers ORDER BY id', (r) => ({
      ...(JSON.parse(r.doc) as TimerRecord),
      state: r.state,
      leaseOwner: r.lease_owner,
      leaseUntil: iso(r.lease_until),
      firedAt: r.fired_at,
    })),
    outbox: docs('SELECT * FROM outbox ORDER BY pos', (r) => ({
      id: r.id,
      caseId: r.case_id,
      seq: r.seq,
      topic: r.topic,
      payload: JSON.parse(r.payload),
      createdAt: r.created_at,
      doneAt: iso(r.done_at),
      leaseOwner: r.lease_owner,
      leaseUntil: iso(r.lease_until),
    })),
    documents: docs('SELECT doc FROM documents ORDER BY id'),
    audit: docs('SELECT doc FROM audit ORDER BY at, pos'),
    idempotency: docs('SELECT doc FROM idempotency ORDER BY key'),
  };

  const st = (sql: string) => db.prepare(sql);
  const writers: { [K in PortableName]: (r: PortableRecords[K]) => void } = (() => {
    const s = {
      settings: st('INSERT INTO settings (key, value) VALUES (?, ?)'),
      orgUnits: st('INSERT INTO org_units (id, parent_id, ord, doc) VALUES (?, ?, ?, ?)'),
      bodies: st('INSERT INTO bodies (id, doc) VALUES (?, ?)'),
      users: st('INSERT INTO users (id, username, doc) VALUES (?, ?, ?)'),
      sessions: st('INSERT INTO sessions (token_hash, user_id, expires_at, doc) VALUES (?, ?, ?, ?)'),
      counters: st('INSERT INTO counters (body_id, year, n) VALUES (?, ?, ?)'),
      cases: st(
        `INSERT INTO cases (id, case_no, body_id, court_id, court_inbox, status, tier, category, compound_id, community_id,
           subdistrict_id, warning, overdue, search_text, version, created_at, updated_at, doc)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      expert: st('INSERT OR IGNORE INTO case_experts (expert_id, case_id) VALUES (?, ?)'),
      events: st('INSERT INTO events (case_id, seq, type, at, doc) VALUES (?, ?, ?, ?, ?)'),
      timers: st(
        `INSERT INTO timers (id, case_id, kind, level, due_at, state, lease_owner, lease_until, fired_at, doc)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      outbox: st(
        `INSERT INTO outbox (id, case_id, seq, topic, created_at, done_at, lease_owner, lease_until, payload)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      documents: st('INSERT INTO documents (id, case_id, kind, version, issued_at, doc) VALUES (?, ?, ?, ?, ?, ?)'),
      audit: st('INSERT INTO audit (at, actor, action, doc) VALUES (?, ?, ?, ?)'),
      idempotency: st('INSERT INTO idempotency (key, created_at, doc) VALUES (?, ?, ?)'),
    };
    // the same derived columns the adapter writes (server/store/sqlite/*.ts)
    return {
      settings: (r) => s.settings.run(r.key, json(r.value)),
      orgUnits: (u) => s.orgUnits.run(u.id, u.parentId ?? null, u.order ?? 0, json(u)),
      bodies: (b) => s.bodies.run(b.id, json(b)),
      users: (u) => s.users.run(u.id, u.username, json(u)),
      sessions: (x) => s.sessions.run(x.tokenHash, x.userId, toMs(x.expiresAt, 'session.expiresAt'), json(x)),
      counters: (c) => s.counters.run(c.bodyId, c.year, c.n),
      cases: (r) => {
        s.cases.run(
          r.id,
          r.caseNo,
          r.bodyId,
          r.courtId ?? null,
          r.courtInbox ? 1 : 0,
          r.status,
          r.tier,
          r.category,
          r.compoundId,
          r.communityId,
          r.subdistrictId,
          r.warning,
          r.overdue ? 1 : 0,
          (r.searchText ?? '').toLowerCase(),
          r.version,
          toMs(r.createdAt, 'record.createdAt'),
          toMs(r.updatedAt, 'record.updatedAt'),
          json(r),
        );
        for (const e of new Set(r.experts ?? [])) s.expert.run(e, r.id);
      },
      events: (e) => s.events.run(e.caseId, e.seq, e.type, e.at, json(e)),
      timers: (t) => {
        const { state, leaseOwner, leaseUntil, firedAt } = t;
        s.timers.run(t.id, t.caseId, t.kind, t.level, toMs(t.dueAt, 'timer.dueAt'), state, leaseOwner ?? null, toMs(leaseUntil, 'timer.leaseUntil'), firedAt ?? null, json(t));
      },
      outbox: (o) =>
        s.outbox.run(o.id, o.caseId, o.seq, o.topic, o.createdAt, toMs(o.doneAt, 'outbox.doneAt'), o.leaseOwner ?? null, toMs(o.leaseUntil, 'outbox.leaseUntil'), json(o.payload)),
      documents: (d) => s.documents.run(d.id, d.caseId, d.kind, d.version, toMs(d.issuedAt, 'document.issuedAt'), json(d)),
      audit: (e) => s.audit.run(toMs(e.at, 'audit.at'), e.actor ?? null, e.action, json(e)),
      idempotency: (r) => s.idempotency.run(r.key, toMs(r.createdAt, 'idempotency.createdAt'), json(r)),
    };
  })();

  return {
    kind: 'sqlite',
    store,
    read: <K extends PortableName>(name: K) => readers[name]() as AsyncIterable<PortableRecords[K]>,
    async write<K extends PortableName>(name: K, records: Array<PortableRecords[K]>) {
      endRead();
      const write = writers[name] as (r: PortableRecords[K]) => void;
      db.transaction(() => records.forEach(write)).immediate();
      if (name === 'cases') {
        // the oversight projection (schema 2) is derived from the record: the port rebuilds it
        const projected = (records as CaseRecord[]).filter((r) => r.oversight);
        if (projected.length) await store.oversight?.project(projected);
      }
    },
    async count(name) {
      const table = {
        settings: 'settings',
        orgUnits: 'org_units',
        bodies: 'bodies',
        users: 'users',
        sessions: 'sessions',
        counters: 'counters',
        cases: 'cases',
        events: 'events',
        timers: 'timers',
        outbox: 'outbox',
        documents: 'documents',
        audit: 'audit',
        idempotency: 'idempotency',
      }[name];
      return db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
    },
    async close() {
      endRead();
      db.close();
      await store.close();
    },
  };
}
