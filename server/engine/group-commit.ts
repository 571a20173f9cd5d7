// Group commit: transitions that arrive while the store is busy (or in the same turn of the event
// loop) are committed together, so one fsync covers many acknowledged events. Each commit stays
// independent: a conflict fails that commit alone.
//
// Claim at commit: when a relay lends its lease (`lease`), each group's live-lane outbox entries are
// written already leased to it, and `onCommitted` hands the committed ones over in commit order, so
// the relay delivers them from memory with no claim transaction per group (server/live/relay.ts).
import { performance } from 'node:perf_hooks';
import type { CaseRecord, Commit, EventRecord, OutboxEntry, OutboxLease, Store } from '../store/port.ts';
import { outboxLeaseOf } from '../store/commit-rules.ts';

/** What the committer has done since it started (diagnostics: `npm run bench:api` reads differences). */
export interface GroupCommitStats {
  groups: number;
  commits: number;
  /** wall time in the store's commitMany, and in the anchor hook, summed over groups (ms) */
  commitMs: number;
  anchorMs: number;
}

interface Pending {
  commit: Commit;
  resolve: (r: CaseRecord) => void;
  reject: (e: Error) => void;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private flushing = false;
  private scheduled = false;
  readonly stats: GroupCommitStats = { groups: 0, commits: 0, commitMs: 0, anchorMs: 0 };

  constructor(
    private readonly store: Store,
    private readonly maxBatch = 500,
    /** told after each group that committed something, with the live entries it wrote leased and the
     * events it wrote (each in commit order) */
    private readonly onCommitted?: (leased: OutboxEntry[], events: EventRecord[]) => void,
    /** told the records a group committed, before any of them is acknowledged: the anchor log
     * (server/integrity/anchor-log.ts); if it fails, the whole group is answered with its error */
    private readonly anchor?: (committed: CaseRecord[]) => Promise<void>,
    /** the lease the group's live outbox entries are written with, or null (then a relay claims them) */
    private readonly lease?: () => OutboxLease | null,
  ) {}

  submit(commit: Commit): Promise<CaseRecord> {
    return new Promise((resolve, reject) => {
      this.queue.push({ commit, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = true;
    const batch = this.queue.splice(0, this.maxBatch);
    const { stats } = this;
    stats.groups++;
    stats.commits += batch.length;
    const lease = this.lease?.() ?? null;
    if (lease) for (const p of batch) if (p.commit.outbox.length > 0) p.commit.outboxLease = lease;
    const t0 = performance.now();
    try {
      const results = await this.store.cases.commitMany(batch.map((p) => p.commit));
      const t1 = performance.now();
      stats.commitMs += t1 - t0;
      const committed = results.filter((r): r is CaseRecord => !(r instanceof Error));
      if (this.anchor && committed.length > 0) {
        await this.anchor(committed);
        stats.anchorMs += performance.now() - t1;
      }
      results.forEach((r, i) => (r instanceof Error ? batch[i].reject(r) : batch[i].resolve(r)));
      if (committed.length > 0) this.onCommitted?.(lease ? leasedEntries(batch, results) : [], batch.filter((_, i) => !(results[i] instanceof Error)).map((p) => p.commit.event));
    } catch (err) {
      for (const p of batch) p.reject(err as Error);
    } finally {
      this.flushing = false;
      if (this.queue.length > 0) this.schedule();
    }
  }
}

/** The live entries of the commits that were written, leased (commit order, then each commit's order). */
function leasedEntries(batch: Pending[], results: Array<CaseRecord | Error>): OutboxEntry[] {
  const out: OutboxEntry[] = [];
  batch.forEach((p, i) => {
    if (results[i] instanceof Error) return;
    for (const o of p.commit.outbox) if (outboxLeaseOf(p.commit, o)) out.push(o);
  });
  return out;
}
