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
function checkpoint() {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    if (r && r.log > 0) parentPort.postMessage({ busy: r.busy, log: r.log, checkpointed: r.checkpointed });
  } catch (e) {
    parentPort.postMessage({ error: String(e && e.message || e) });
  }
}
function tick() {
  checkpoint();
  timer = setTimeout(tick, workerData.intervalMs);
}
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearTimeout(timer);
  db.close();
  parentPort.postMessage('stopped');
});
tick();
`;

export interface CheckpointStats {
  /** checkpoints that found frames in the WAL */
  runs: number;
  /** frames copied into the database file, in all */
  frames: number;
  lastError: string | null;
}

export class Checkpointer extends EventEmitter {
  private worker: Worker | null = null;
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
    worker.on('message', (m: { log?: number; checkpointed?: number; error?: string } | 'stopped') => {
      if (m === 'stopped') return;
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
    });
    this.worker = worker;
  }

  /** Stops the worker (its connection closed) before the store closes its own. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
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
