// The writer thread (issue 17 §4, SQLITE_WRITER_THREAD=on): the group commit's SQLite writes and its
// fsync run on a worker thread with its own connection to the store's file, so the event loop keeps
// serving while a group commits. What crosses to it is each commit's rows, already validated and
// stringified on the event loop (write-group.ts commitRows); what comes back is, per commit, nothing
// (written) or the error that rejected it. A group is answered only after its transaction has
// committed (synchronous=FULL: after the fsync), or has failed and changed nothing. Reads stay on the
// event loop's connection, which (WAL) sees every committed transaction at its next statement.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WriterReply, WriterRequest } from './writer-worker.ts';
import { fromWire } from './writer-wire.ts';
import type { CommitRows } from './write-group.ts';

export interface WriterOptions {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
  busyTimeoutMs: number;
  /** SQLite's own checkpoints on the writer's connection (no checkpoint worker) */
  autoCheckpoint: boolean;
}

interface Waiting {
  resolve: (r: Array<Error | null>) => void;
  reject: (e: Error) => void;
}

/** The worker's entry. From TypeScript sources (tsx) the worker first registers tsx's loader in its own
 * thread: Node 20 does not carry the loader hooks of this thread over to a worker. */
function entry(): { code: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { code: new URL('./writer-worker.js', import.meta.url), eval: false };
  // tsx's ESM entry (its exports map, 'import' condition): this module may itself run as CommonJS under tsx
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = (JSON.parse(readFileSync(pkg, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'].import.default;
  const tsx = new URL(api, pathToFileURL(pkg)).href;
  const file = new URL('./writer-worker.ts', import.meta.url).href;
  return { code: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(file)}); })`, eval: true };
}

export class WriterThread {
  private worker: Worker | null = null;
  private next = 1;
  private readonly waiting = new Map<number, Waiting>();
  /** settles when no group is in flight (see `busy`) */
  private idle: { promise: Promise<void>; settle: () => void } | null = null;

  constructor(private readonly opts: WriterOptions) {}

  private ready: Promise<void> | null = null;

  /** Starts the thread and resolves once it has opened its connection and prepared its statements
   * (rejects if it cannot): a store's init waits for it, so the first group does not. */
  async open(): Promise<void> {
    this.start();
    await this.ready;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const { code, eval: isCode } = entry();
    const worker = new Worker(code, { eval: isCode, workerData: this.opts });
    worker.unref(); // an idle writer never keeps a process alive; a waiting group is a ref'd promise
    let opened!: () => void;
    let failed!: (e: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      opened = resolve;
      failed = reject;
    });
    this.ready.catch(() => {}); // (also told to the writers waiting, below)
    worker.on('message', (m: WriterReply) => {
      if (m === 'ready') return opened();
      if (m === 'stopped') return;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if ('fatal' in m) w.reject(fromWire(m.fatal));
      else w.resolve(m.results.map((e) => (e ? fromWire(e) : null)));
      this.settleIfIdle();
    });
    const gone = (e: Error) => {
      if (this.worker !== worker) return;
      this.worker = null;
      failed(e);
      // the groups sent and not answered: their transactions never committed (a commit is answered
      // right after it returns), or the thread died after committing; either way the writers are told
      // it failed, as after a disk error, and their next read shows what the file holds
      for (const [id, w] of this.waiting) {
        this.waiting.delete(id);
        w.reject(e);
      }
      this.settleIfIdle();
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`the SQLite writer thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  /** null when no group is in flight on the thread; else a promise that settles when none is (the
   * event loop's connection then writes without waiting for the thread's lock: Handle.turn). */
  busy(): Promise<void> | null {
    if (this.waiting.size === 0) return null;
    if (!this.idle) {
      let settle!: () => void;
      const promise = new Promise<void>((resolve) => (settle = resolve));
      this.idle = { promise, settle };
    }
    return this.idle.promise;
  }

  private settleIfIdle(): void {
    if (this.waiting.size > 0 || !this.idle) return;
    const { settle } = this.idle;
    this.idle = null;
    settle();
  }

  /** Writes one group; resolves after its transaction committed (per commit: null, or its error),
   * rejects when the whole group failed (nothing written). */
  write(group: CommitRows[], restartWal = false): Promise<Array<Error | null>> {
    const worker = this.start();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.ref(); // a process waiting for an acknowledgement stays alive for it
      worker.postMessage({ id, group, ...(restartWal ? { restartWal } : {}) } satisfies WriterRequest);
    }).finally(() => {
      if (this.waiting.size === 0) this.worker?.unref();
    }) as Promise<Array<Error | null>>;
  }

  /** Waits for the groups sent, then closes the thread's connection. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    await Promise.allSettled([...this.waiting.values()].map((w) => new Promise<void>((done) => {
      const { resolve, reject } = w;
      w.resolve = (r) => (resolve(r), done());
      w.reject = (e) => (reject(e), done());
    })));
    this.worker = null;
    const stopped = new Promise<void>((resolve) => {
      worker.on('message', (m) => m === 'stopped' && resolve());
      worker.once('exit', () => resolve());
    });
    worker.postMessage('stop' satisfies WriterRequest);
    await stopped;
    await worker.terminate();
  }
}
