// Fires durable timers. Timers live in the store, not in setTimeout: a timer that came due while the
// process was down fires on the first pass after start. Each timer is claimed with a lease, so
// several instances can run schedulers on one store and each timer fires once.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Store } from '../store/port.ts';
import { isoShanghai, type Clock } from './clock.ts';
import type { Engine } from './engine.ts';

export interface SchedulerOptions {
  owner?: string;
  leaseMs?: number;
  batch?: number;
  /** the longest the loop sleeps before looking again (timers armed by other instances) */
  pollMs?: number;
  logger?: Pick<Logger, 'error' | 'info'>;
}

export class Scheduler {
  readonly owner: string;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = true;

  constructor(
    private readonly engine: Engine,
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly opts: SchedulerOptions = {},
  ) {
    this.owner = opts.owner ?? `sched-${randomUUID().slice(0, 8)}`;
  }

  /** Fires every timer due now, in due order, many at once; returns how many fired. */
  runDue(): Promise<number> {
    // one pass at a time; a caller arriving mid-pass waits for it and then runs its own
    const next = (this.running ?? Promise.resolve(0)).then(() => this.pass());
    this.running = next.finally(() => {
      if (this.running === next) this.running = null;
    });
    return next;
  }

  private async pass(): Promise<number> {
    const batch = this.opts.batch ?? 200;
    const leaseMs = this.opts.leaseMs ?? 30_000;
    let fired = 0;
    for (;;) {
      const now = isoShanghai(this.clock.now());
      const due = await this.store.timers.claimDue(now, batch, this.owner, leaseMs);
      if (due.length === 0) return fired;
      const results = await Promise.allSettled(due.map((t) => this.engine.fireTimer(t)));
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') {
          if (r.value) fired++;
        } else {
          this.opts.logger?.error({ err: r.reason, timer: due[i].id }, 'timer failed; its lease will expire and it will be retried');
        }
      });
      if (results.every((r) => r.status === 'rejected')) return fired; // do not spin on a broken batch
    }
  }

  start(): void {
    this.stopped = false;
    void this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private async loop(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.runDue();
    } catch (err) {
      this.opts.logger?.error({ err }, 'scheduler pass failed');
    }
    if (this.stopped) return;
    const pollMs = this.opts.pollMs ?? 1000;
    const next = await this.store.timers.nextDueAt().catch(() => null);
    const untilNext = next ? Date.parse(next) - this.clock.now().getTime() : pollMs;
    const wait = Math.max(10, Math.min(pollMs, untilNext));
    this.timer = setTimeout(() => void this.loop(), wait);
    this.timer.unref?.();
  }
}
