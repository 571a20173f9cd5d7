// The WAL checkpoint off the event loop (issue 17): the store's connection runs with
// wal_autocheckpoint = 0, so a commit never copies the WAL into the database file (and fsyncs it,
// 8–23 ms) on the event loop; a worker thread with its own connection to the same file checkpoints
// instead (PASSIVE: it never blocks a writer or a reader, it copies what no reader still needs), every
// `intervalMs`. Durability is unchanged: a commit is durable once its WAL frames are synced
// (synchronous=FULL), checkpointed or not. When the store closes, the worker stops first and the
// store's own close does the last checkpoint.
import { createRequire } from 'node:module';
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.file, { timeout: workerData.busyTimeoutMs });
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
let timer = null;
function checkpoint(id) {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    if (id !== undefined || (r && r.log > 0)) parentPort.postMessage({ id, busy: r.busy, log: r.log, checkpointed: r.checkpointed });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message || e) });
  }
}
function tick() {
  checkpoint();
  timer = setTimeout(tick, workerData.intervalMs);
}
parentPort.on('message', (m) => {
  if (m === 'now') return checkpoint();
  if (m && m.catchUp !== undefined) return checkpoint(m.catchUp);
  if (m !== 'stop') return;
  clearTimeout(timer);
  db.close();
  parentPort.postMessage('stopped');
});
// the first run one interval after start, like the others (a test that sets a long interval runs none)
timer = setTimeout(tick, workerData.intervalMs);
`;

export interface CheckpointStats {
  /** checkpoints that found frames in the WAL */
  runs: number;
  /** frames copied into the database file, in all */
  frames: number;
  lastError: string | null;
}

/** What one checkpoint found: frames in the WAL, and how many of them are now in the database file. */
export interface CheckpointResult {
  busy?: number;
  log?: number;
  checkpointed?: number;
  error?: string;
}

export class Checkpointer extends EventEmitter {
  private worker: Worker | null = null;
  private asked = 0;
  private readonly waiting = new Map<number, (r: CheckpointResult | null) => void>();
  readonly stats: CheckpointStats = { runs: 0, frames: 0, lastError: null };

  constructor(
    private readonly file: string,
    private readonly opts: {
      intervalMs?: number;
      busyTimeoutMs?: number;
      /** once a periodic run finds this many frames or more in the WAL (0: never), prepare a restart
       * of the WAL and emit 'restart-wanted' (db.ts `walRestartWanted`) */
      restartFrames?: number;
      /** whether a restart asked for is still to be made (then no other is prepared) */
      restartPending?: () => boolean;
    } = {},
  ) {
    super();
    const limit = opts.restartFrames ?? 0;
    if (limit > 0) this.on('checkpoint', (m: CheckpointResult) => void this.prepareRestart(m, limit));
  }

  private preparing = false;
  /** a reader holding an old snapshot (a long read, a backup in steps) kept the last copy from
   * finishing: no group waits for another try until then */
  private pausedUntil = 0;

  /** After a periodic run that found the WAL past its limit: more passes while the commits go on, each
   * copying what was committed during the one before, until one copies at most 256 frames; then the
   * group that `lastCopy` makes wait has about as few left (that copy and the database file's fsync
   * are what it waits for). */
  private async prepareRestart(m: CheckpointResult, limit: number): Promise<void> {
    if ((m.log ?? 0) < limit || this.preparing || this.opts.restartPending?.() || Date.now() < this.pausedUntil) return;
    this.preparing = true;
    try {
      let copied = m.checkpointed ?? 0;
      for (let pass = 0; pass < 4; pass++) {
        const r = await this.catchUp();
        if (!r || r.error) break;
        const before = copied;
        copied = r.checkpointed ?? 0;
        if (copied - before <= 256) break;
      }
    } finally {
      this.preparing = false;
      this.emit('restart-wanted');
    }
  }

  /** The copy a group commit waits for before the write that starts the WAL over. */
  async lastCopy(): Promise<CheckpointResult | null> {
    const r = await this.catchUp();
    if (r && (r.checkpointed ?? 0) < (r.log ?? 0)) this.pausedUntil = Date.now() + 5000;
    return r;
  }

  start(): void {
    if (this.worker) return;
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: { file: this.file, sqlite, intervalMs: this.opts.intervalMs ?? 200, busyTimeoutMs: this.opts.busyTimeoutMs ?? 5000 },
    });
    worker.unref(); // never what keeps a process alive
    worker.on('message', (m: (CheckpointResult & { id?: number }) | 'stopped') => {
      if (m === 'stopped') return;
      if (m.id !== undefined) {
        // a catch-up asked for (catchUp): answered to the one who asked, not counted as a periodic run
        this.waiting.get(m.id)?.(m);
        this.waiting.delete(m.id);
        return;
      }
      if (m.error) this.stats.lastError = m.error;
      else {
        this.stats.runs++;
        this.stats.frames += m.checkpointed ?? 0;
      }
      this.emit('checkpoint', m);
    });
    worker.on('error', (e) => {
      this.stats.lastError = e.message;
      this.worker = null;
      for (const resolve of this.waiting.values()) resolve(null);
      this.waiting.clear();
    });
    this.worker = worker;
  }

  /** Runs the periodic checkpoint now (a test's clock): reported like one its timer ran. */
  runNow(): void {
    this.worker?.postMessage('now');
  }

  /** Runs a checkpoint now, in the worker, and resolves with what it found (null when stopped). */
  catchUp(): Promise<CheckpointResult | null> {
    const worker = this.worker;
    if (!worker) return Promise.resolve(null);
    const id = ++this.asked;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      worker.postMessage({ catchUp: id });
    });
  }

  /** Stops the worker (its connection closed) before the store closes its own. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    for (const resolve of this.waiting.values()) resolve(null);
    this.waiting.clear();
    if (!worker) return;
    const stopped = new Promise<void>((resolve) => {
      worker.on('message', (m) => m === 'stopped' && resolve());
      worker.once('exit', () => resolve());
    });
    worker.postMessage('stop');
    await stopped;
    await worker.terminate();
  }
}
