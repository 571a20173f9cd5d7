// Durability: a writer process is SIGKILLed in the middle of committing (synchronous=FULL). Every
// commit it acknowledged must be there afterwards, and nothing may be half-written.
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../../../server/store/sqlite/index.ts';
import { closed, collectStderr, onLines, spawnScript } from './child.ts';

/** Runs the writer until it has acknowledged `atLeast` commits, then kills it with SIGKILL. */
async function runAndKill(file: string, atLeast: number, acked: Array<[string, number]>, thread: boolean): Promise<void> {
  const child = spawnScript('./crash-writer.ts', thread ? [file, 'thread'] : [file]);
  const stderr = collectStderr(child);
  let seen = 0;
  let killed = false;
  onLines(child, (line) => {
    const [caseId, seq] = line.split(' ');
    acked.push([caseId, Number(seq)]);
    if (++seen >= atLeast && !killed) {
      killed = true;
      child.kill('SIGKILL');
    }
  });
  const { code, signal } = await closed(child);
  if (!killed) throw new Error(`writer exited by itself (code ${code}): ${stderr()}`);
  expect(signal).to.equal('SIGKILL');
}

describe('sqlite store: crash durability', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'store-crash-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const thread of [false, true]) {
    it(`keeps every acknowledged commit, gap-free and whole, across repeated SIGKILLs${thread ? ' (commits written by the writer thread)' : ''}`, async () => {
      const file = join(dir, thread ? 'crash-thread.db' : 'crash.db');
      const acked: Array<[string, number]> = [];
      // the writer resumes from what the file holds, so each round also proves the file reopens
      for (const atLeast of [300, 450, 250]) await runAndKill(file, atLeast, acked, thread);
      expect(acked.length).to.be.at.least(1000);

      const raw = new Database(file);
      try {
        expect(raw.pragma('integrity_check', { simple: true })).to.equal('ok');
        expect(raw.pragma('foreign_key_check')).to.deep.equal([]);
      } finally {
        raw.close();
      }

      const store = createSqliteStore({ file });
      await store.init();
      try {
        const lastAcked = new Map<string, number>();
        for (const [id, seq] of acked) lastAcked.set(id, Math.max(seq, lastAcked.get(id) ?? 0));
        expect(lastAcked.size).to.equal(5);

        const raw2 = new Database(file, { readonly: true });
        const outbox = raw2.prepare('SELECT seq FROM outbox WHERE case_id = ? ORDER BY seq').pluck();
        const timers = raw2.prepare('SELECT id, state FROM timers WHERE case_id = ? ORDER BY due_at');
        try {
          for (const [id, last] of lastAcked) {
            const events = await store.events.list(id);
            const seqs = events.map((e) => e.seq);
            // gap-free from 1, and nothing acknowledged is missing
            expect(seqs).to.deep.equal(Array.from({ length: seqs.length }, (_, i) => i + 1));
            expect(seqs.length).to.be.at.least(last);
            for (const [ackId, ackSeq] of acked) if (ackId === id) expect(seqs).to.include(ackSeq);

            // the record is at its last event
            const record = (await store.cases.get(id))!;
            expect(record.version).to.equal(seqs.length);
            expect(record.lastHash).to.equal(events.at(-1)!.hash);
            expect(record.summary.startsWith(`${seqs.length} `) || seqs.length === 1).to.equal(true);

            // every event has its outbox row and its timer; only the newest timer is still pending
            expect(outbox.all(id)).to.deep.equal(seqs);
            const ts = timers.all(id) as Array<{ id: string; state: string }>;
            expect(ts.map((t) => t.id)).to.deep.equal(seqs.map((s) => `${id}:mediation:${s}`));
            expect(ts.map((t) => t.state)).to.deep.equal(seqs.map((s) => (s === seqs.length ? 'pending' : 'cancelled')));
          }
        } finally {
          raw2.close();
        }
      } finally {
        await store.close();
      }
    });
  }
});
