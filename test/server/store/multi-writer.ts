// Child process for sqlite.test.ts: several of these share one file. Each takes docket numbers,
// commits on its own case, and advances one shared case with optimistic retries.
//   node --import tsx test/server/store/multi-writer.ts <file> <name> <rounds>
import { VersionConflict } from '../../../server/engine/errors.ts';
import { createSqliteStore } from '../../../server/store/sqlite/index.ts';
import { intake, makeCase, next } from '../../support/records.ts';

const [file, name, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg);
const store = createSqliteStore({ file, busyTimeoutMs: 20_000 });
await store.init();

const numbers: number[] = [];
let own = await store.cases.commit(intake(makeCase({ id: `mp-${name}`, caseNo: `mp-${name}` })));
let sharedWins = 0;
let conflicts = 0;
for (let i = 0; i < rounds; i++) {
  numbers.push(await store.cases.nextNumber('body-shared', 2026));
  own = await store.cases.commit(next(own));
  for (;;) {
    const shared = (await store.cases.get('mp-shared'))!;
    try {
      await store.cases.commit(next(shared, { summary: `${name} ${i}` }));
      sharedWins++;
      break;
    } catch (e) {
      if (!(e instanceof VersionConflict)) throw e;
      conflicts++;
    }
  }
}
await store.close();
process.stdout.write(JSON.stringify({ numbers, sharedWins, conflicts }) + '\n');
