// The outbox relay: live updates are driven by what was committed, never by what a request handler
// hoped would commit. The engine writes outbox entries in the same transaction as the event, so an
// event that is refused or rolled back leaves nothing to send, and entries written just before a
// crash are still pending when the process (or another instance) starts: the poll finds them.
//
// Each entry is claimed with a lease (store.outbox.claim), handed to `deliver`, then marked done.
// Delivery is at least once: a relay that dies between emitting and markDone leaves the lease to
// run out, and the entry is emitted again. Clients keep the highest `version` they applied per case
// and ignore anything not newer (resume replays use the same rule).
//
// Claim at commit (issue 17), the fast path: while the relay runs it lends its lease to the engine
// (`lease()`), so each group's live entries are written already leased to it, and the engine hands
// the committed ones over (`offer`); they are delivered from memory in the check phase after the
// group's answers, in commit order, with no claim transaction per group (each was a write of its own
// on the event loop). If the process dies before delivering them, they become claimable by any relay
// when the lease runs out (at least once, as above; a restarted process has a new owner, so a
// resident sees such an update up to `leaseMs` late rather than never).
//
// `kick()` claims what is pending now: after a commit written with no lease (no relay was running)
// and after writes made outside the engine. Kicks coalesce, and only one drain runs at a time per
// relay. The poll (`pollMs`) is the safety net: leftovers of a crash, another process's commits.
//
// Marking entries done is batched (every `doneFlushMs`): on the embedded store every write is an
// fsync on the event loop, and one markDone per drain doubled the relay's share of them. Entries
// delivered and not yet marked stay leased to this relay, so nobody sends them again meanwhile; a
// crash in that window re-sends at most those (at least once, as above).
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { OutboxEntry, OutboxLease, Store } from '../store/port.ts';

export interface RelayLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RelayOptions {
  /** identifies this instance's leases; unique per process */
  owner?: string;
  /** safety-net poll (crash recovery, commits made by other processes) */
  pollMs?: number;
  /** entries claimed per round trip */
  batch?: number;
  /** how long a claimed entry stays invisible to other relays */
  leaseMs?: number;
  /** delivered entries are marked done in one write at most this often */
  doneFlushMs?: number;
  logger?: RelayLogger;
  /** the time leases are measured in (ms since the epoch; tests move it) */
  now?: () => number;
}

export interface RelayStats {
  delivered: number;
  /** of those, handed over by the commit that wrote them (claim at commit) rather than claimed */
  deliveredFromCommit: number;
  drains: number;
  failedDeliveries: number;
  storeErrors: number;
}

const noop: RelayLogger = { debug() {}, warn() {}, error() {} };

export function relayOwner(): string {
  return `live:${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export class OutboxRelay {
  readonly owner: string;
  readonly stats: RelayStats = { delivered: 0, deliveredFromCommit: 0, drains: 0, failedDeliveries: 0, storeErrors: 0 };
  private readonly pollMs: number;
  private readonly batch: number;
  private readonly leaseMs: number;
  private readonly log: RelayLogger;
  private running = false;
  private stopping = false;
  private draining: Promise<void> | null = null;
  private again = false;
  private kickScheduled = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private readonly doneFlushMs: number;
  private delivered: string[] = [];
  private doneTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private readonly now: () => number;
  /** committed entries leased to this relay, handed over and not yet delivered (commit order) */
  private offered: OutboxEntry[] = [];
  private offerScheduled = false;

  constructor(
    private readonly outbox: Store['outbox'],
    private readonly deliver: (entry: OutboxEntry) => void,
    opts: RelayOptions = {},
  ) {
    this.owner = opts.owner ?? relayOwner();
    this.pollMs = opts.pollMs ?? 200;
    this.batch = opts.batch ?? 500;
    this.leaseMs = opts.leaseMs ?? 10_000;
    this.doneFlushMs = opts.doneFlushMs ?? 50;
    this.log = opts.logger ?? noop;
    this.now = opts.now ?? Date.now;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts polling and drains whatever is pending now (what a crashed process left behind). */
  start(): this {
    if (this.running) return this;
    this.running = true;
    this.stopping = false;
    this.kick();
    this.schedulePoll();
    return this;
  }

  /** Call after every commit: delivery then does not wait for the poll. Cheap and idempotent. */
  kick(): void {
    if (!this.running || this.kickScheduled) return;
    this.kickScheduled = true;
    // setImmediate: lets the rest of a group commit's callbacks run first, then one drain for all
    setImmediate(() => {
      this.kickScheduled = false;
      void this.run();
    });
  }

  /** The lease the engine writes this relay's live entries with (claim at commit); null when the relay
   * is not running, so that what is committed meanwhile stays claimable at once. */
  lease(): OutboxLease | null {
    if (!this.running) return null;
    return { owner: this.owner, until: new Date(this.now() + this.leaseMs).toISOString() };
  }

  /** Committed entries written with this relay's `lease()`, in commit order (the caller hands over only
   * those): delivered in the check phase, after the group's answers are written, with no claim. */
  offer(entries: readonly OutboxEntry[]): void {
    // stopped since it lent the lease (shutting down): they stay leased, and a relay claims them
    // when the lease runs out, rather than being marked done with nobody to send them to
    if (!this.running) return;
    for (const e of entries) this.offered.push(e);
    if (this.offerScheduled || this.offered.length === 0) return;
    this.offerScheduled = true;
    setImmediate(() => {
      this.offerScheduled = false;
      this.deliverOffered();
    });
  }

  private deliverOffered(): void {
    if (this.offered.length === 0) return;
    const entries = this.offered;
    this.offered = [];
    this.stats.deliveredFromCommit += this.deliverAll(entries);
    this.markDelivered(entries.map((e) => e.id));
  }

  /** Emits each entry; returns how many were emitted (a failed one is logged, and marked done too). */
  private deliverAll(entries: readonly OutboxEntry[]): number {
    let emitted = 0;
    for (const entry of entries) {
      try {
        this.deliver(entry);
        this.stats.delivered++;
        emitted++;
      } catch (err) {
        // a bug in delivery must not wedge the queue: the entry is logged and marked done
        this.stats.failedDeliveries++;
        this.log.error({ err, outboxId: entry.id, topic: entry.topic, caseId: entry.caseId }, 'live relay: delivering an entry failed');
      }
    }
    return emitted;
  }

  /** Claims and delivers until the outbox has nothing claimable, and marks what it delivered done.
   * Resolves when that is finished (tests and shutdown use it; the relay does not need it). */
  async drain(): Promise<void> {
    this.deliverOffered();
    await this.run();
    await this.flushDone();
  }

  /** Stops polling, waits for a drain in progress and marks what was delivered done. Entries
   * claimed but not delivered (none, unless the store failed) come back when their lease runs out. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    this.deliverOffered(); // committed and leased to this relay: delivered before it goes
    await this.draining;
    await this.flushDone();
  }

  private run(): Promise<void> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = this.drainLoop().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  private schedulePoll(): void {
    if (!this.running) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      void this.run().finally(() => this.schedulePoll());
    }, this.pollMs);
    this.pollTimer.unref();
  }

  private markDelivered(ids: string[]): void {
    for (const id of ids) this.delivered.push(id);
    if (this.doneTimer || this.delivered.length === 0) return;
    this.doneTimer = setTimeout(() => {
      this.doneTimer = null;
      void this.flushDone();
    }, this.doneFlushMs);
    this.doneTimer.unref();
  }

  private async flushDone(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.doneTimer) clearTimeout(this.doneTimer);
    this.doneTimer = null;
    if (this.delivered.length === 0) return;
    const ids = this.delivered;
    this.delivered = [];
    this.flushing = this.outbox
      .markDone(ids)
      .catch((err: unknown) => {
        // already emitted: the lease runs out and they go again (clients ignore old versions)
        this.stats.storeErrors++;
        this.log.error({ err, count: ids.length }, 'live relay: marking entries done failed; they will be re-sent');
      })
      .finally(() => {
        this.flushing = null;
      });
    await this.flushing;
  }

  private async drainLoop(): Promise<void> {
    this.stats.drains++;
    do {
      this.again = false;
      for (;;) {
        if (this.stopping) return;
        let entries: OutboxEntry[];
        try {
          entries = await this.outbox.claim(new Date(this.now()).toISOString(), this.batch, this.owner, this.leaseMs);
        } catch (err) {
          this.stats.storeErrors++;
          this.log.error({ err }, 'live relay: claiming outbox entries failed; retrying at the next poll');
          return;
        }
        if (entries.length === 0) break;
        this.deliverAll(entries);
        this.markDelivered(entries.map((e) => e.id));
        if (this.delivered.length >= this.batch) await this.flushDone();
        if (entries.length < this.batch) break;
      }
    } while (this.again && !this.stopping);
  }
}
