// Child process for integrity.test.ts: commits events to 8 cases in parallel through the group
// commit and the anchor log, and prints "<caseId> <version>" for each acknowledged commit. Resumes
// from whatever the store holds. Runs until killed.
//   node --import tsx test/security/anchor-writer.ts <dataDir>
import { openWriter } from './anchored-writes.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: anchor-writer.ts <dataDir>');
const writer = await openWriter(dir);
const ids = Array.from({ length: 8 }, (_, i) => `w-${i}`);
for (;;) await writer.write(ids, 1_000_000, (id, v) => process.stdout.write(`${id} ${v}\n`));
