// The two leased queues: durable deadline timers and the outbox. A claim is one IMMEDIATE
// transaction (select + lease), so two processes never both hold the same item; a lease that
// expires (its holder died) makes the item claimable again.
import type { OutboxEntry, Store, TimerRecord, TimerState } from '../port.ts';
import { type DB, type Handle, json, parse, toIso, toMs } from './db.ts';

interface TimerRow {
  id: string;
  doc: string;
  state: TimerState;
  lease_owner: string | null;
  lease_until: number | null;
  fired_at: string | null;
}

const timerOf = (r: TimerRow): TimerRecord => ({
  ...parse<TimerRecord>(r.doc),
  state: r.state,
  leaseOwner: r.lease_owner,
  leaseUntil: toIso(r.lease_until),
  firedAt: r.fired_at,
});

interface OutboxRow {
  id: string;
  case_id: string;
  seq: number;
  topic: string;
  created_at: string;
  payload: string;
}

const outboxOf = (r: OutboxRow): OutboxEntry => ({
  id: r.id,
  caseId: r.case_id,
  seq: r.seq,
  topic: r.topic,
  payload: parse(r.payload),
  createdAt: r.created_at,
});

const TIMER_COLS = 'id, doc, state, lease_owner, lease_until, fired_at';

function prepare(db: DB) {
  const st = {
    dueTimers: db.prepare(
      `SELECT ${TIMER_COLS} FROM timers
       WHERE state = 'pending' AND due_at <= @now AND (lease_until IS NULL OR lease_until < @now)
       ORDER BY due_at, id LIMIT @limit`,
    ),
    leaseTimer: db.prepare('UPDATE timers SET lease_owner = ?, lease_until = ? WHERE id = ?'),
    releaseTimer: db.prepare(
      `UPDATE timers SET lease_owner = NULL, lease_until = NULL
       WHERE id = ? AND lease_owner = ? AND state = 'pending'`,
    ),
    cancelTimer: db.prepare(
      `UPDATE timers SET state = 'cancelled', lease_owner = NULL, lease_until = NULL
       WHERE id = ? AND state = 'pending'`,
    ),
    timersFor: db.prepare(`SELECT ${TIMER_COLS} FROM timers WHERE case_id = ? ORDER BY due_at, id`),
    // the earliest moment claimDue could return something: a leased timer waits for its lease
    nextDue: db
      .prepare(
        `SELECT MIN(MAX(due_at, COALESCE(lease_until + 1, 0))) FROM timers WHERE state = 'pending'`,
      )
      .pluck(),

    pendingOutbox: db.prepare(
      `SELECT id, case_id, seq, topic, created_at, payload FROM outbox
       WHERE done_at IS NULL AND (lease_until IS NULL OR lease_until < @now)
       ORDER BY pos LIMIT @limit`,
    ),
    leaseOutbox: db.prepare('UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE id = ?'),
    doneOutbox: db.prepare(
      `UPDATE outbox SET done_at = ?, lease_owner = NULL, lease_until = NULL
       WHERE done_at IS NULL AND id IN (SELECT value FROM json_each(?))`,
    ),
    pendingCount: db.prepare('SELECT COUNT(*) FROM outbox WHERE done_at IS NULL').pluck(),
  };

  const claimTimers = db.transaction((now: number, limit: number, owner: string, until: number) => {
    const rows = st.dueTimers.all({ now, limit }) as TimerRow[];
    for (const r of rows) st.leaseTimer.run(owner, until, r.id);
    return rows.map((r) => timerOf({ ...r, lease_owner: owner, lease_until: until }));
  });

  const claimOutbox = db.transaction((now: number, limit: number, owner: string, until: number) => {
    const rows = st.pendingOutbox.all({ now, limit }) as OutboxRow[];
    for (const r of rows) st.leaseOutbox.run(owner, until, r.id);
    return rows.map(outboxOf);
  });

  return { st, claimTimers, claimOutbox };
}

const count = (n: number): number => Math.max(0, Math.floor(n));

export function sqliteQueues(h: Handle): { timers: Store['timers']; outbox: Store['outbox']; warm(): void } {
  const s = () => h.prepared(prepare, prepare);

  const timers: Store['timers'] = {
    async claimDue(now: string, limit: number, owner: string, leaseMs: number): Promise<TimerRecord[]> {
      const at = toMs(now, 'now');
      if (count(limit) === 0) return [];
      return s().claimTimers.immediate(at, count(limit), owner, at + leaseMs);
    },
    async release(id: string, owner: string): Promise<void> {
      s().st.releaseTimer.run(id, owner);
    },
    async cancel(id: string): Promise<void> {
      s().st.cancelTimer.run(id);
    },
    async forCase(caseId: string): Promise<TimerRecord[]> {
      return (s().st.timersFor.all(caseId) as TimerRow[]).map(timerOf);
    },
    async nextDueAt(): Promise<string | null> {
      return toIso((s().st.nextDue.get() as number | null) ?? null);
    },
  };

  const outbox: Store['outbox'] = {
    async claim(now: string, limit: number, owner: string, leaseMs: number): Promise<OutboxEntry[]> {
      const at = toMs(now, 'now');
      if (count(limit) === 0) return [];
      return s().claimOutbox.immediate(at, count(limit), owner, at + leaseMs);
    },
    async markDone(ids: string[]): Promise<void> {
      if (ids.length) s().st.doneOutbox.run(Date.now(), json(ids));
    },
    async pendingCount(): Promise<number> {
      return s().st.pendingCount.get() as number;
    },
  };

  return { timers, outbox, warm: () => void s() };
}
