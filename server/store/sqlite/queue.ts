// The two leased queues: durable deadline timers and the outbox. A claim is one IMMEDIATE
// transaction (select + lease), so two processes never both hold the same item; a lease that
// expires (its holder died) makes the item claimable again.
import { type OutboxEntry, type OutboxLane, type Store, type TimerRecord, type TimerState, type WebhookAttempt, WEBHOOK_TOPIC_PREFIX } from '../port.ts';
import { type DB, type Handle, json, parse, toIso, toMs, withoutOwnFsync } from './db.ts';

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

/** The webhook lane's claim: in order per (topic, case) — nothing after an undelivered entry of the
 * same pair. Both the outer query and the look-back name the partial index's condition
 * (outbox_webhook_pending, schema migration 7), so the index of the webhook lane's pending entries
 * serves them and no live entry has to be in it. */
export const PENDING_WEBHOOKS = `SELECT o.id, o.case_id, o.seq, o.topic, o.created_at, o.payload FROM outbox o
   WHERE o.done_at IS NULL AND (o.lease_until IS NULL OR o.lease_until < @now)
     AND o.topic LIKE '${WEBHOOK_TOPIC_PREFIX}%'
     AND NOT EXISTS (SELECT 1 FROM outbox p
                     WHERE p.topic = o.topic AND p.case_id = o.case_id AND p.pos < o.pos AND p.done_at IS NULL
                       AND p.topic LIKE '${WEBHOOK_TOPIC_PREFIX}%')
   ORDER BY o.pos LIMIT @limit`;

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
         AND topic NOT LIKE '${WEBHOOK_TOPIC_PREFIX}%'
       ORDER BY pos LIMIT @limit`,
    ),
    pendingWebhooks: db.prepare(PENDING_WEBHOOKS),
    deferOutbox: db.prepare('UPDATE outbox SET lease_owner = NULL, lease_until = ? WHERE id = ? AND done_at IS NULL'),
    enqueueOutbox: db.prepare(
      'INSERT OR IGNORE INTO outbox (id, case_id, seq, topic, created_at, payload) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    getOutbox: db.prepare('SELECT id, case_id, seq, topic, created_at, payload, done_at FROM outbox WHERE id = ?'),

    attemptInsert: db.prepare('INSERT INTO webhook_attempts (id, delivery_id, subscription_id, doc) VALUES (?, ?, ?, ?)'),
    attemptsBySubscription: db.prepare('SELECT doc FROM webhook_attempts WHERE subscription_id = ? ORDER BY pos DESC LIMIT ?').pluck(),
    attemptsByDelivery: db.prepare('SELECT doc FROM webhook_attempts WHERE delivery_id = ? ORDER BY pos DESC LIMIT ?').pluck(),
    attemptsAll: db.prepare('SELECT doc FROM webhook_attempts ORDER BY pos DESC LIMIT ?').pluck(),
    attemptCount: db.prepare(
      `SELECT COUNT(*) FROM webhook_attempts WHERE delivery_id = ?
         AND json_extract(doc, '$.outcome') IN ('delivered', 'failed', 'gave_up')`,
    ).pluck(),
    leaseOutbox: db.prepare('UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE id = ?'),
    doneOutbox: db.prepare(
      `UPDATE outbox SET done_at = ?, lease_owner = NULL, lease_until = NULL
       WHERE done_at IS NULL AND id IN (SELECT value FROM json_each(?))`,
    ),
    pendingCount: db.prepare(`SELECT COUNT(*) FROM outbox WHERE done_at IS NULL AND topic NOT LIKE '${WEBHOOK_TOPIC_PREFIX}%'`).pluck(),
    pendingWebhookCount: db.prepare(`SELECT COUNT(*) FROM outbox WHERE done_at IS NULL AND topic LIKE '${WEBHOOK_TOPIC_PREFIX}%'`).pluck(),
  };

  const claimTimers = db.transaction((now: number, limit: number, owner: string, until: number) => {
    const rows = st.dueTimers.all({ now, limit }) as TimerRow[];
    for (const r of rows) st.leaseTimer.run(owner, until, r.id);
    return rows.map((r) => timerOf({ ...r, lease_owner: owner, lease_until: until }));
  });

  const claimOutbox = db.transaction((now: number, limit: number, owner: string, until: number, lane: OutboxLane) => {
    const rows = (lane === 'webhook' ? st.pendingWebhooks : st.pendingOutbox).all({ now, limit }) as OutboxRow[];
    for (const r of rows) st.leaseOutbox.run(owner, until, r.id);
    return rows.map(outboxOf);
  });

  return { st, claimTimers, claimOutbox };
}

const count = (n: number): number => Math.max(0, Math.floor(n));

export function sqliteQueues(h: Handle): { timers: Store['timers']; outbox: Store['outbox']; webhookLog: Store['webhookLog']; warm(): void } {
  const s = () => h.prepared(prepare, prepare);

  const timers: Store['timers'] = {
    async claimDue(now: string, limit: number, owner: string, leaseMs: number): Promise<TimerRecord[]> {
      const at = toMs(now, 'now');
      if (count(limit) === 0) return [];
      await h.turn();
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
    async claim(now: string, limit: number, owner: string, leaseMs: number, lane: OutboxLane = 'live'): Promise<OutboxEntry[]> {
      const at = toMs(now, 'now');
      if (count(limit) === 0) return [];
      // a lease lost to a power cut only lets the entry be sent again (at least once): no fsync of its own
      await h.turn();
      return withoutOwnFsync(h.db, () => s().claimOutbox.immediate(at, count(limit), owner, at + leaseMs, lane));
    },
    async defer(id: string, until: string): Promise<void> {
      s().st.deferOutbox.run(toMs(until, 'until'), id);
    },
    async enqueue(entries: OutboxEntry[]): Promise<void> {
      const st = s().st;
      h.db.transaction(() => {
        for (const o of entries) st.enqueueOutbox.run(o.id, o.caseId, o.seq, o.topic, o.createdAt, json(o.payload));
      }).immediate();
    },
    async get(id: string) {
      const r = s().st.getOutbox.get(id) as (OutboxRow & { done_at: number | null }) | undefined;
      return r ? { ...outboxOf(r), doneAt: toIso(r.done_at) } : null;
    },
    async markDone(ids: string[]): Promise<void> {
      // a done mark lost to a power cut only lets the entries be sent again (at least once)
      if (!ids.length) return;
      await h.turn();
      withoutOwnFsync(h.db, () => s().st.doneOutbox.run(Date.now(), json(ids)));
    },
    async pendingCount(lane: OutboxLane = 'live'): Promise<number> {
      return (lane === 'webhook' ? s().st.pendingWebhookCount : s().st.pendingCount).get() as number;
    },
  };

  const webhookLog: Store['webhookLog'] = {
    async append(a: WebhookAttempt): Promise<void> {
      s().st.attemptInsert.run(a.id, a.deliveryId, a.subscriptionId, json(a));
    },
    async list(filter, limit): Promise<WebhookAttempt[]> {
      const st = s().st;
      const n = count(limit);
      const docs = (
        filter.deliveryId
          ? st.attemptsByDelivery.all(filter.deliveryId, n)
          : filter.subscriptionId
            ? st.attemptsBySubscription.all(filter.subscriptionId, n)
            : st.attemptsAll.all(n)
      ) as string[];
      return docs.map((d) => parse<WebhookAttempt>(d)).filter((a) => !filter.subscriptionId || a.subscriptionId === filter.subscriptionId);
    },
    async attempts(deliveryId: string): Promise<number> {
      return s().st.attemptCount.get(deliveryId) as number;
    },
  };

  return { timers, outbox, webhookLog, warm: () => void s() };
}
