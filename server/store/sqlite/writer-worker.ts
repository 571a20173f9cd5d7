// The writer thread's side (writer.ts): its own connection to the store's file, with the store's
// durability settings; it writes each group it is sent (write-group.ts) in one transaction, fsync
// included, and answers once that transaction has committed or failed.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { type WireError, toWire } from './writer-wire.ts';
import { type CommitRows, prepareGroupWriter } from './write-group.ts';

interface Options {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
  busyTimeoutMs: number;
  autoCheckpoint: boolean;
}

const opts = workerData as Options;
const db = new Database(opts.file, { timeout: opts.busyTimeoutMs });
db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs))}`);
db.pragma(`synchronous = ${opts.synchronous}`);
db.pragma('cache_size = -65536');
db.pragma('temp_store = MEMORY');
// the checkpoint worker copies the WAL; without it SQLite checkpoints after the commit that fills
// 1000 pages, here, off the event loop
if (!opts.autoCheckpoint) db.pragma('wal_autocheckpoint = 0');
const writer = prepareGroupWriter(db);

/** restartWal: first copy what is left in the WAL (the checkpoint worker reported it past its limit),
 * so that this group's write starts it over (db.ts `walRestartWanted`) */
export type WriterRequest = { id: number; group: CommitRows[]; restartWal?: boolean } | 'stop';
export type WriterReply =
  | { id: number; results: Array<WireError | null> }
  | { id: number; fatal: WireError }
  | 'ready'
  | 'stopped';

parentPort!.on('message', (m: WriterRequest) => {
  if (m === 'stop') {
    db.close();
    parentPort!.postMessage('stopped' satisfies WriterReply);
    return;
  }
  let reply: WriterReply;
  if (m.restartWal) {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // the checkpoint worker's next run reports the WAL again
    }
  }
  try {
    reply = { id: m.id, results: writer.write(m.group).map((e) => (e ? toWire(e) : null)) };
  } catch (e) {
    reply = { id: m.id, fatal: toWire(e) };
  }
  parentPort!.postMessage(reply);
});
parentPort!.postMessage('ready' satisfies WriterReply);
