// Uploaded tables are read off the event loop (issue 15 §1): parsing a large CSV or unpacking an
// XLSX is CPU work that would otherwise stop /api/health and every case for its whole duration.
// readTable() reads a small file (≤ INLINE_BYTES) here, anything larger on a worker thread
// (node:worker_threads) that has
// - its own heap ceiling (resourceLimits): a file that needs more ends that worker, not the server;
// - a time limit: a file not read in `timeoutMs` ends its worker, answered 422 UPLOAD_TOO_COMPLEX;
// - company: at most `workers` files are read at once (the machine's cores minus the event loop's),
//   and at most QUEUE_MAX more wait; beyond that 503 UNAVAILABLE, so six big uploads at once cost
//   the server one core, not all of them.
// Workers are kept for the next file (starting one costs about a second: it loads the TypeScript
// loader, csv-parse and ExcelJS) and ended when they time out or fail.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DomainError } from '../engine/errors.ts';
import { DEFAULT_TABLE_LIMITS, readTableHere, UploadTooLarge, type Table, type TableKind, type TableLimits } from './tables.ts';

/** Files up to this size are read on the event loop: at most a few milliseconds of work. */
export const INLINE_BYTES = 16 * 1024;
const QUEUE_MAX = 8;
const HEAP_MB = 512;

export class UploadTooComplex extends DomainError {
  constructor(seconds: number) {
    super('UPLOAD_TOO_COMPLEX', `the file could not be read within ${seconds} s: split it or simplify it`, { limit: 'time', max: seconds });
  }
}

type Reply = { id: number; ok: true; table: Table } | { id: number; ok: false; error: { code: string; message: string; details?: unknown } };

// the worker runs TypeScript: it registers the loader (tsx) in its own thread, then loads its module
// (both resolved here, so the worker does not depend on the process's working directory)
const WORKER_URL = new URL('./table-worker.ts', import.meta.url).href;
const TSX_API = import.meta.resolve('tsx/esm/api');
const BOOT = `import(${JSON.stringify(TSX_API)}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL)}); })`;

let concurrency = Math.max(1, availableParallelism() - 1);
const idle: Worker[] = [];
let running = 0;
const waiting: Array<() => void> = [];
let nextId = 1;

/** How many files are read at once (config UPLOAD_PARSE_WORKERS; 0 = the cores minus one). */
export function setTableWorkers(n: number): void {
  concurrency = n > 0 ? n : Math.max(1, availableParallelism() - 1);
}

async function acquire(): Promise<void> {
  if (running < concurrency) {
    running++;
    return;
  }
  if (waiting.length >= QUEUE_MAX) throw new DomainError('UNAVAILABLE', 'too many files are being read right now: try again in a minute');
  await new Promise<void>((resolve) => waiting.push(resolve));
}

function release(): void {
  const next = waiting.shift();
  if (next) next(); // the slot passes on
  else running--;
}

function spawn(): Worker {
  const w = new Worker(BOOT, { eval: true, resourceLimits: { maxOldGenerationSizeMb: HEAP_MB, maxYoungGenerationSizeMb: 16 } });
  w.unref(); // an idle worker does not keep the process alive
  return w;
}

function onWorker(data: Buffer, kind: TableKind | undefined, limits: TableLimits): Promise<Table> {
  const worker = idle.pop() ?? spawn();
  const id = nextId++;
  return new Promise<Table>((resolve, reject) => {
    let done = false;
    const finish = (keep: boolean, outcome: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (keep) idle.push(worker);
      else void worker.terminate();
      outcome();
    };
    const onMessage = (reply: Reply) => {
      if (reply.id !== id) return;
      if (reply.ok) return finish(true, () => resolve(reply.table));
      const { code, message, details } = reply.error;
      finish(true, () => reject(new DomainError(code, message, details)));
    };
    const onError = (err: Error & { code?: string }) =>
      finish(false, () =>
        reject(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new UploadTooLarge('the file needs more memory to read than an upload may have: split it', { limit: 'memory', max: HEAP_MB * 1024 * 1024 })
            : err,
        ),
      );
    const onExit = (code: number) => finish(false, () => reject(new Error(`the table worker stopped (exit ${code})`)));
    // the time limit runs from the start of this file (a fresh worker's start-up included)
    const timer = setTimeout(() => finish(false, () => reject(new UploadTooComplex(Math.round(limits.timeoutMs / 1000)))), limits.timeoutMs);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage({ id, data, kind, limits });
  });
}

/** The rows of an uploaded CSV or XLSX file, within `limits`; large files are read on a worker. */
export async function readTable(buf: Buffer, kind?: TableKind, limits: TableLimits = DEFAULT_TABLE_LIMITS): Promise<Table> {
  if (buf.length <= INLINE_BYTES) return readTableHere(buf, kind, limits);
  await acquire();
  try {
    return await onWorker(buf, kind, limits);
  } finally {
    release();
  }
}

/** The limits the configuration sets (UPLOAD_MAX_ROWS, UPLOAD_MAX_UNCOMPRESSED, UPLOAD_PARSE_TIMEOUT_MS). */
export function tableLimits(config: { uploadMaxRows: number; uploadMaxUncompressedBytes: number; uploadParseTimeoutMs: number }): TableLimits {
  return { maxRows: config.uploadMaxRows, maxUncompressedBytes: config.uploadMaxUncompressedBytes, timeoutMs: config.uploadParseTimeoutMs };
}

/** Ends the idle workers (tests, shutdown). */
export async function closeTableWorkers(): Promise<void> {
  await Promise.all(idle.splice(0).map((w) => w.terminate()));
}
