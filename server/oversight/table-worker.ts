// The worker thread that reads uploaded tables (server/oversight/table-pool.ts): one file at a time,
// answered by id. A refusal is sent back as the error's code, message and details; anything else
// the worker cannot survive (its heap ceiling) ends it, and the pool answers for it.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { DomainError } from '../engine/errors.ts';
import { readTableHere, type TableKind, type TableLimits } from './tables.ts';

const port = parentPort;
if (!port) throw new Error('table-worker.ts runs as a worker thread only');

// Linux: this thread (not the process) yields the CPU to the event loop — setpriority() with a
// thread id renices that thread alone. Elsewhere, or when refused, the worker runs at normal priority.
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19);
} catch {
  // not Linux, or not allowed: nothing to do
}

port.on('message', (job: { id: number; data: Uint8Array; kind?: TableKind; limits: TableLimits }) => {
  const data = Buffer.from(job.data.buffer, job.data.byteOffset, job.data.byteLength);
  readTableHere(data, job.kind, job.limits).then(
    (table) => port.postMessage({ id: job.id, ok: true, table }),
    (err: unknown) => {
      const error =
        err instanceof DomainError
          ? { code: err.code, message: err.message, details: err.details }
          : { code: 'VALIDATION_FAILED', message: `the file cannot be read: ${(err as Error)?.message ?? String(err)}` };
      port.postMessage({ id: job.id, ok: false, error });
    },
  );
});
