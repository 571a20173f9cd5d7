// The webhook dispatcher (issue 16 §3). It works the outbox's `webhook` lane:
//
// 1. fan-out: a `webhook:source` entry (written with its event) becomes one delivery entry per
//    matching subscription and message type, topic `webhook:<subscription id>`, with an id made from
//    the source entry, the subscription and the type — so a fan-out repeated after a crash adds
//    nothing — then the source entry is marked done;
// 2. delivery: each delivery entry is POSTed, signed per the Standard Webhooks specification (the
//    `standardwebhooks` package), with a timeout. A 2xx marks it done; anything else defers it with
//    exponential backoff (the outbox lease is the retry timer, so retries survive a restart), until
//    `maxAttempts`, when it is given up. Every attempt is written to the delivery log.
//
// Order: the lane is claimed in order per (topic, case) — an entry waits while an earlier entry of
// the same subscription and case is undelivered — so a subscriber gets each case's messages in order,
// even across retries, restarts and several instances.
// Targets: loopback, private, link-local and reserved addresses are refused at every delivery (the
// check is in the connection's own DNS look-up: targets.ts), unless WEBHOOK_ALLOW_PRIVATE=true.
// Delivery is at least once; the `webhook-id` is the same on every attempt and redelivery, so a
// receiver that remembers the ids it has handled gets each effect exactly once.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import { type Clock, isoShanghai } from '../engine/clock.ts';
import { NotFound } from '../engine/errors.ts';
import type { Logger } from '../log.ts';
import type { Org } from '../org.ts';
import type { OutboxEntry, Store, WebhookAttempt } from '../store/port.ts';
import { SOURCE_TOPIC, deliveryTopic, messageOf, typesOf, type WebhookMessage, type WebhookSource } from './messages.ts';
import { inScope, type ChangedBy, type Subscription, type Subscriptions } from './subscriptions.ts';
import { checkLiteralTarget, deliveryLookup, type TargetPolicy } from './targets.ts';

export interface DispatcherOptions {
  owner?: string;
  /** how long a claimed entry stays invisible to other dispatchers; longer than timeoutMs */
  leaseMs?: number;
  batch?: number;
  /** a request that has not answered by then counts as failed */
  timeoutMs?: number;
  /** after this many failed attempts a delivery is given up (kept in the log; can be redelivered) */
  maxAttempts?: number;
  /** first retry delay; each further one is `factor` times longer, up to maxDelayMs */
  baseDelayMs?: number;
  factor?: number;
  maxDelayMs?: number;
  /** how often to look for work without a kick */
  pollMs?: number;
  /** deliveries sent at once */
  concurrency?: number;
  /** WEBHOOK_ALLOW_PRIVATE: deliver to loopback, private and link-local addresses too */
  allowPrivateTargets?: boolean;
}

/** What a delivery entry carries. */
export interface DeliveryPayload {
  subscriptionId: string;
  webhookId: string;
  message: WebhookMessage;
}

export const DEFAULTS = {
  leaseMs: 60_000,
  batch: 100,
  timeoutMs: 10_000,
  maxAttempts: 10,
  baseDelayMs: 5_000,
  factor: 3,
  maxDelayMs: 8 * 3600_000,
  pollMs: 2_000,
  concurrency: 8,
  allowPrivateTargets: false,
} as const;

/** The delay before attempt n + 1, after n failed attempts (n ≥ 1): 5 s, 15 s, 45 s, … up to 8 h. */
export function backoffMs(failed: number, o: Pick<Required<DispatcherOptions>, 'baseDelayMs' | 'factor' | 'maxDelayMs'> = DEFAULTS): number {
  return Math.min(o.maxDelayMs, o.baseDelayMs * o.factor ** Math.max(0, failed - 1));
}

export class WebhookDispatcher {
  private readonly o: Required<DispatcherOptions>;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly subscriptions: Subscriptions,
    private readonly org: () => Org,
    private readonly clock: Clock,
    private readonly log: Logger,
    opts: DispatcherOptions = {},
  ) {
    this.o = { owner: opts.owner ?? `webhooks-${process.pid}-${randomUUID().slice(0, 8)}`, ...DEFAULTS, ...stripUndefined(opts) } as Required<DispatcherOptions>;
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.kick();
      this.timer = setTimeout(tick, this.o.pollMs);
      this.timer.unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Starts a drain unless one is running (then it runs once more after it). */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.work()
      .catch((err) => this.log.error({ err }, 'webhooks: drain failed; retrying at the next poll'))
      .finally(() => {
        this.running = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Fans out and delivers until nothing is claimable now, after any drain already running (tests
   * and shutdown await it). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
    const run = this.work();
    this.running = run.finally(() => {
      this.running = null;
    });
    await run;
  }

  private async work(): Promise<void> {
    // nothing subscribed (as read now, which also refreshes Subscriptions.anyActive for the engine)
    // and nothing queued from earlier: no claim, no write
    const subscribed = (await this.subscriptions.list()).some((s) => s.active);
    if (!subscribed && (await this.store.outbox.pendingCount('webhook')) === 0) return;
    for (let round = 0; round < 10_000; round++) {
      const now = this.clock.now();
      const entries = await this.store.outbox.claim(now.toISOString(), this.o.batch, this.o.owner, this.o.leaseMs, 'webhook');
      if (entries.length === 0) return;
      const subs = new Map((await this.subscriptions.list()).map((s) => [s.id, s]));
      const sources = entries.filter((e) => e.topic === SOURCE_TOPIC);
      const deliveries = entries.filter((e) => e.topic !== SOURCE_TOPIC);
      if (sources.length) await this.fanOut(sources, [...subs.values()]);
      await forEachLimited(deliveries, this.o.concurrency, (e) => this.deliver(e, subs));
    }
  }

  private async fanOut(sources: OutboxEntry[], all: Subscription[]): Promise<void> {
    const subs = all.filter((s) => s.active);
    const org = this.org();
    const out: OutboxEntry[] = [];
    for (const entry of sources) {
      const src = entry.payload as WebhookSource;
      for (const sub of subs) {
        if (!matches(sub, src, org)) continue;
        for (const type of typesOf(src)) {
          if (!sub.types.includes(type)) continue;
          const id = `${entry.id}.${sub.id}.${type}`;
          const payload: DeliveryPayload = { subscriptionId: sub.id, webhookId: `msg_${entry.id}.${type}`, message: messageOf(type, src) };
          out.push({ id, caseId: entry.caseId, seq: entry.seq, topic: deliveryTopic(sub.id), payload, createdAt: entry.createdAt });
        }
      }
    }
    if (out.length) await this.store.outbox.enqueue(out);
    await this.store.outbox.markDone(sources.map((s) => s.id));
  }

  private async deliver(entry: OutboxEntry, subs: ReadonlyMap<string, Subscription>): Promise<void> {
    const p = entry.payload as DeliveryPayload;
    const sub = subs.get(p.subscriptionId);
    const base = { id: randomUUID(), deliveryId: entry.id, webhookId: p.webhookId, subscriptionId: p.subscriptionId, caseId: entry.caseId, type: p.message.type };
    const attempt = (await this.store.webhookLog.attempts(entry.id)) + 1;
    if (!sub || !sub.active) {
      // the subscription was removed or paused: nothing is sent; the log says so
      await this.store.webhookLog.append({ ...base, attempt, at: isoShanghai(this.clock.now()), outcome: 'dropped', httpStatus: null, error: sub ? 'subscription paused' : 'subscription removed', durationMs: 0 });
      await this.store.outbox.markDone([entry.id]);
      return;
    }
    const body = JSON.stringify(p.message);
    // the signature's timestamp is wall time (receivers check it against theirs), not the engine's clock
    const started = new Date();
    const t0 = performance.now();
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      const headers = new Webhook(sub.secret).sign(p.webhookId, started, body);
      httpStatus = await post(
        sub.url,
        {
          'content-type': 'application/json',
          'user-agent': 'wuye-mediation-webhooks/1',
          'webhook-id': p.webhookId,
          'webhook-timestamp': String(Math.floor(started.getTime() / 1000)),
          'webhook-signature': headers,
        },
        body,
        this.o.timeoutMs,
        { allowPrivate: this.o.allowPrivateTargets },
      );
      if (httpStatus < 200 || httpStatus > 299) error = `HTTP ${httpStatus}`;
    } catch (err) {
      error = err instanceof Error ? (err.name === 'TimeoutError' ? `no answer within ${this.o.timeoutMs} ms` : err.message) : String(err);
    }
    const durationMs = Math.round(performance.now() - t0);
    const at = this.clock.now();
    const record = (outcome: WebhookAttempt['outcome']) =>
      this.store.webhookLog.append({ ...base, attempt, at: isoShanghai(at), outcome, httpStatus, error, durationMs });
    if (error === null) {
      await record('delivered');
      await this.store.outbox.markDone([entry.id]);
    } else if (attempt >= this.o.maxAttempts) {
      await record('gave_up');
      await this.store.outbox.markDone([entry.id]);
      this.log.warn({ subscriptionId: sub.id, deliveryId: entry.id, attempt, error }, 'webhooks: delivery given up');
    } else {
      await record('failed');
      await this.store.outbox.defer(entry.id, new Date(at.getTime() + backoffMs(attempt, this.o)).toISOString());
    }
  }

  /** Manual redelivery of a delivery (any outcome): a new entry with the same message and webhook
   * id, queued after anything pending for the same case; audited. */
  async redeliver(deliveryId: string, by: ChangedBy): Promise<string> {
    const entry = await this.store.outbox.get(deliveryId);
    if (!entry || entry.topic === SOURCE_TOPIC || !entry.topic.startsWith('webhook:')) throw new NotFound(`no webhook delivery ${deliveryId}`);
    const id = `${deliveryId.split('~')[0]}~${randomUUID().slice(0, 8)}`;
    await this.store.outbox.enqueue([{ id, caseId: entry.caseId, seq: entry.seq, topic: entry.topic, payload: entry.payload, createdAt: this.clock.now().toISOString() }]);
    await this.store.audit.append({ at: isoShanghai(new Date()), actor: by.actorId, action: 'webhook.redelivered', ip: by.ip ?? null, detail: { deliveryId, newDeliveryId: id } });
    this.kick();
    return id;
  }
}

function matches(sub: Subscription, src: WebhookSource, org: Org): boolean {
  if (sub.sourceSystem && src.source?.system !== sub.sourceSystem) return false;
  return inScope(org, sub.scope, src.bodyId);
}

/**
 * POSTs a delivery; resolves with the answer's status once its head arrives (a redirect is not
 * followed: it is a non-2xx answer). The connection's DNS look-up refuses addresses a webhook may not
 * reach, and an address written as the host is checked first (targets.ts). No answer within
 * `timeoutMs`: a TimeoutError.
 */
function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number, policy: TargetPolicy): Promise<number> {
  checkLiteralTarget(url, policy);
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const req = client.request(
      target,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: deliveryLookup(policy) as never },
      (res) => {
        clearTimeout(timer);
        res.resume(); // the answer's body is not read
        res.on('error', () => {});
        resolve(res.statusCode ?? 0);
      },
    );
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
