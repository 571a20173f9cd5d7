// Group commit: transitions that arrive while the store is busy (or in the same turn of the event
// loop) are committed together, so one fsync covers many acknowledged events. Each commit stays
// independent: a conflict fails that commit alone.
import type { CaseRecord, Commit, Store } from '../store/port.ts';

interface Pending {
  commit: Commit;
  resolve: (r: CaseRecord) => void;
  reject: (e: Error) => void;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private flushing = false;
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly maxBatch = 500,
    private readonly onCommitted?: () => void,
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
    try {
      const results = await this.store.cases.commitMany(batch.map((p) => p.commit));
      results.forEach((r, i) => (r instanceof Error ? batch[i].reject(r) : batch[i].resolve(r)));
      if (results.some((r) => !(r instanceof Error))) this.onCommitted?.();
    } catch (err) {
      for (const p of batch) p.reject(err as Error);
    } finally {
      this.flushing = false;
      if (this.queue.length > 0) this.schedule();
    }
  }
}
