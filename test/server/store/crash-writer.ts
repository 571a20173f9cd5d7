// Child process for crash.test.ts: commits events on a file store (synchronous=FULL) in a loop, in
// batches of varying size, and prints "<caseId> <seq>" for each commit once commitMany has
// returned (= acknowledged). Resumes from whatever the file holds. Runs until killed.
//   node --import tsx test/server/store/crash-writer.ts <file> [thread]
// With `thread`, the commits are written by the store's writer thread (SQLITE_WRITER_THREAD=on).
import type { CaseRecord, Commit } from '../../../server/store/port.ts';
import { createSqliteStore } from '../../../server/store/sqlite/index.ts';
import { at, intake, makeCase, makeTimer, next } from '../../support/records.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: crash-writer.ts <file>');

const store = createSqliteStore({ file, synchronous: 'FULL', writerThread: process.argv[3] === 'thread' });
await store.init();
if (store.writesOnThread() !== (process.argv[3] === 'thread')) throw new Error('writer thread not as asked');

const ids = Array.from({ length: 5 }, (_, i) => `crash-${i}`);
const current = new Map<string, CaseRecord>();
for (const id of ids) {
  const r = await store.cases.get(id);
  if (r) current.set(id, r);
}

const filler = '物业漏水纠纷调解记录。'.repeat(150); // a few KB per commit: bigger transactions
const timerOf = (id: string, seq: number) =>
  makeTimer(id, 'mediation', at(seq), { id: `${id}:mediation:${seq}` });

function commitFor(id: string): Commit {
  const prev = current.get(id);
  if (!prev) return intake(makeCase({ id, caseNo: id, summary: filler }), { armTimers: [timerOf(id, 1)] });
  const seq = prev.version + 1;
  return next(prev, { summary: `${seq} ${filler}` }, { cancelTimerKinds: ['mediation'], armTimers: [timerOf(id, seq)] });
}

for (let round = 0; ; round++) {
  // batch sizes 1..5, starting at a rotating case
  const size = 1 + (round % ids.length);
  const batch = Array.from({ length: size }, (_, i) => commitFor(ids[(round + i) % ids.length]));
  const results = await store.cases.commitMany(batch);
  const lines: string[] = [];
  results.forEach((r, i) => {
    if (r instanceof Error) {
      process.stderr.write(`commit ${batch[i].caseId}@${batch[i].event.seq} failed: ${r.message}\n`);
      process.exit(1);
    }
    current.set(r.id, r);
    lines.push(`${r.id} ${r.version}`);
  });
  process.stdout.write(lines.join('\n') + '\n');
}
