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
    private readonly opts: { intervalMs?: number; busyTimeoutMs?: number } = {},
  ) {
    super();
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
