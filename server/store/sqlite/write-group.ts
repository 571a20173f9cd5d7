// The group commit's writes, shared by the two places they run: the store's own connection (the
// default) and the writer thread's (writer.ts, SQLITE_WRITER_THREAD=on). A commit is first turned into
// rows on the event loop (`commitRows`: validated, every JSON document stringified, so what travels to
// the writer thread is strings and numbers, cheap to copy); `prepareGroupWriter` writes a group of them
// in one IMMEDIATE transaction (one fsync) with a savepoint per commit, so a conflict fails that commit
// alone and an I/O error fails the group.
import { checkCommit, commitSource, outboxLeaseOf, timerGone } from '../commit-rules.ts';
import { Duplicate, VersionConflict } from '../../engine/errors.ts';
import type { CaseRecord, Commit } from '../port.ts';
import { type DB, isConstraint, isFatalSqliteError, json, orDuplicate, toMs } from './db.ts';
import { prepareProjection, sourceKey } from './oversight.ts';

export const CASE_COLUMNS = [
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

export type CaseRow = Record<(typeof CASE_COLUMNS)[number], unknown>;

export function caseRow(r: CaseRecord): CaseRow {
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

/** One commit as the rows it writes: plain data (structured-cloneable, mostly strings). */
export interface CommitRows {
  caseId: string;
  caseNo: string;
  expectedVersion: number;
  row: CaseRow;
  /** the case's reference in another system (source_key), if it names one */
  source: { key: string; system: string; ref: string } | null;
  experts: string[];
  formerNos: string[];
  /** the record, only when it carries an oversight projection to write in the commit (rare) */
  projected: CaseRecord | null;
  event: { seq: number; type: string; at: string; doc: string };
  firedTimerId: string | null;
  cancelKinds: string | null;
  timers: unknown[][];
  /** id, seq, topic, created at, payload, lease owner, lease until (ms) */
  outbox: Array<[string, number, string, string, string, string | null, number | null]>;
}

/** Validates a commit and builds its rows (throws what the commit is rejected with). */
export function commitRows(c: Commit): CommitRows {
  checkCommit(c);
  const { caseId, event, record } = c;
  const source = commitSource(c);
  return {
    caseId,
    caseNo: record.caseNo,
    expectedVersion: c.expectedVersion,
    row: caseRow(record),
    source: source ? { key: sourceKey(source.system, source.ref), system: source.system, ref: source.ref } : null,
    experts: [...new Set(record.experts ?? [])],
    formerNos: [...(record.formerCaseNos ?? [])],
    projected: record.oversight ? record : null,
    event: { seq: event.seq, type: event.type, at: event.at, doc: json(event) },
    firedTimerId: c.firedTimerId ?? null,
    cancelKinds: c.cancelTimerKinds?.length ? json(c.cancelTimerKinds) : null,
    timers: (c.armTimers ?? []).map((t) => [
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
    ]),
    outbox: (c.outbox ?? []).map((o) => {
      const lease = outboxLeaseOf(c, o); // claim at commit: the live lane's, to the relay that will deliver them
      return [o.id, o.seq, o.topic, o.createdAt, json(o.payload), lease?.owner ?? null, lease ? toMs(lease.until, 'outboxLease.until') : null];
    }),
  };
}

/** Writes groups of commits on `db`: `write(rows)` answers each commit with null (written) or the
 * error that rejected it alone; it throws (and writes nothing) when the whole group fails. */
export function prepareGroupWriter(db: DB): { write(group: CommitRows[]): Array<Error | null> } {
  const st = {
    addSource: db.prepare('INSERT INTO case_sources (source_key, case_id) VALUES (?, ?) ON CONFLICT (source_key) DO NOTHING'),
    sourceOwner: db.prepare('SELECT case_id FROM case_sources WHERE source_key = ?').pluck(),
    addFormerNo: db.prepare('INSERT OR IGNORE INTO case_former_nos (case_no, case_id) VALUES (?, ?)'),
    versionOf: db.prepare('SELECT version FROM cases WHERE id = ?').pluck(),
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
      'INSERT INTO outbox (id, case_id, seq, topic, created_at, payload, lease_owner, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
  };
  const projection = prepareProjection(db);

  /** One commit, all or nothing (inside its own SAVEPOINT, nested in `many`). */
  const one = db.transaction((c: CommitRows): void => {
    const { caseId, caseNo, row } = c;
    if (c.expectedVersion === 0) {
      const current = st.versionOf.get(caseId) as number | undefined;
      if (current !== undefined) throw new VersionConflict(caseId, 0, current);
      orDuplicate(() => st.insert.run(row), `case number ${caseNo} is taken`, { caseNo });
    } else {
      const update = () => st.update.run({ ...row, expected: c.expectedVersion });
      const r = orDuplicate(update, `case number ${caseNo} is taken`, { caseNo });
      if (r.changes !== 1) {
        const current = st.versionOf.get(caseId) as number | undefined;
        throw new VersionConflict(caseId, c.expectedVersion, current ?? null);
      }
    }

    // a case's reference in another system names one case (the projection, written later, relies on it)
    if (c.source) {
      const { key, system, ref } = c.source;
      if (st.addSource.run(key, caseId).changes === 0 && st.sourceOwner.get(key) !== caseId) {
        throw new Duplicate(`a case from ${system} with reference ${ref} is registered already`, { source: { system, ref } });
      }
    }
    st.clearExperts.run(caseId);
    for (const e of c.experts) st.addExpert.run(e, caseId);
    // former numbers only ever grow (a number is never given back): adding the list again is a no-op
    for (const no of c.formerNos) st.addFormerNo.run(no, caseId);
    if (c.projected) projection.write(c.projected, c.expectedVersion === 0); // the oversight projection (statistics, ledger, 倒查), if any

    const { event } = c;
    try {
      st.insertEvent.run(caseId, event.seq, event.type, event.at, event.doc);
    } catch (e) {
      if (isConstraint(e, 'PRIMARYKEY') || isConstraint(e, 'UNIQUE')) {
        throw new VersionConflict(caseId, c.expectedVersion, (st.versionOf.get(caseId) as number | undefined) ?? null);
      }
      throw e;
    }

    // fire before cancelling: the fired timer is often of a kind this same event cancels
    if (c.firedTimerId !== null) {
      if (st.fireTimer.run(event.at, c.firedTimerId, caseId).changes !== 1) {
        throw timerGone({ caseId, firedTimerId: c.firedTimerId } as Commit);
      }
    }
    if (c.cancelKinds !== null) st.cancelKinds.run(caseId, c.cancelKinds);
    for (const t of c.timers) orDuplicate(() => st.insertTimer.run(...t), `timer ${String(t[0])} exists`);
    for (const [id, seq, topic, createdAt, payload, leaseOwner, leaseUntil] of c.outbox) {
      orDuplicate(() => st.insertOutbox.run(id, caseId, seq, topic, createdAt, payload, leaseOwner, leaseUntil), `outbox entry ${id} exists`);
    }
  });

  /** The group commit: one IMMEDIATE transaction (one fsync) around independent savepoints. */
  const many = db.transaction((group: CommitRows[]): Array<Error | null> =>
    group.map((c) => {
      try {
        one(c);
        return null;
      } catch (e) {
        // the savepoint is rolled back; but if SQLite gave up the whole transaction (I/O error,
        // full disk) carrying on would write the rest outside it: fail the batch instead
        if (!db.inTransaction || isFatalSqliteError(e)) throw e;
        return e instanceof Error ? e : new Error(String(e));
      }
    }),
  );

  return { write: (group) => many.immediate(group) };
}
