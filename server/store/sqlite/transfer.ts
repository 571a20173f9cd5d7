// The embedded store as a transfer side (server/store/transfer.ts defines the portable records, the
// order, the checksums and the file format; this file maps them to the SQLite tables).
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { CaseRecord, TimerRecord } from '../port.ts';
import type { PortableName, PortableRecords, TransferSide } from '../transfer.ts';
import { SCHEMA_VERSION, createSqliteStore } from './index.ts';
import { sourceKey } from './oversight.ts';

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
 * projection, derived from CaseRecord.oversight and rebuilt through the port after cases are written;
 * 3 the former case numbers (case_former_nos), written below from CaseRecord.formerCaseNos; 4 the
 * webhook delivery log (webhook_attempts), which is operational history and not carried over: the
 * outbox — the deliveries still to make — is; 5 the
 * asynchronous projector (issue 17): its position and kept facts are not carried over (the target's
 * projector projects the imported history from position 0), case_sources is written below from the
 * REGISTER events; 6 the statistics columns of issue 16 §4 on case_facts, derived from the facts like the
 * rest of the projection (nothing to carry); 7 only changes the outbox's indexes (no column, nothing to
 * carry; the outbox rows are written as before, their leases with them). */
const KNOWN_SQLITE_SCHEMAS = [1, 2, 3, 4, 5, 6, 7];

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
      `transfer knows the embedded store's schema versions ${KNOWN_SQLITE_SCHEMAS.join(', ')}; this file is at ${version}: update server/store/sqlite/transfer.ts`,
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
      formerNo: st('INSERT OR IGNORE INTO case_former_nos (case_no, case_id) VALUES (?, ?)'),
      events: st('INSERT INTO events (case_id, seq, type, at, doc) VALUES (?, ?, ?, ?, ?)'),
      source: st('INSERT OR IGNORE INTO case_sources (source_key, case_id) VALUES (?, ?)'),
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
        for (const no of r.formerCaseNos ?? []) s.formerNo.run(no, r.id);
      },
      events: (e) => {
        s.events.run(e.caseId, e.seq, e.type, e.at, json(e));
        const src = (e.type === 'REGISTER' ? (e.data as { source?: { system?: unknown; ref?: unknown } } | null)?.source : null) ?? null;
        if (src && typeof src.system === 'string' && typeof src.ref === 'string') s.source.run(sourceKey(src.system, src.ref), e.caseId);
      },
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
