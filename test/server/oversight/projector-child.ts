// A process that only projects (test/server/oversight/projector.test.ts kills it with SIGKILL half-way):
// opens the district's store, runs the projector a batch at a time and reports its position after each.
import { createCalendar } from '../../../workflows/calendar/calendar.ts';
import { Projector } from '../../../server/oversight/projector.ts';
import { createSqliteStore } from '../../../server/store/sqlite/index.ts';

const [file, batch] = process.argv.slice(2);
const store = createSqliteStore({ file, synchronous: 'FULL' });
await store.init();
const calendar = createCalendar();
const projector = new Projector(store, () => calendar, { batch: Number(batch) });
for (;;) {
  const n = await projector.pass();
  process.stdout.write(`${JSON.stringify({ position: projector.position, n })}\n`);
  if (n === 0) break;
}
await store.close();
