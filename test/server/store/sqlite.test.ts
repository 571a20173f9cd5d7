// The SQLite adapter: the shared contract on a file and in memory, plus what only SQLite has
// (pragmas, migrations, several processes on one file).
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS, SCHEMA_VERSION, type SqliteStore, createSqliteStore } from '../../../server/store/sqlite/index.ts';
import { openStore } from '../../../server/store/open.ts';
import { WriterThread } from '../../../server/store/sqlite/writer.ts';
import { commitRows } from '../../../server/store/sqlite/write-group.ts';
import { withoutOwnFsync } from '../../../server/store/sqlite/db.ts';
import type { Worker } from 'node:worker_threads';
import { migrate } from '../../../server/store/sqlite/schema.ts';
import { Duplicate, VersionConflict } from '../../../server/engine/errors.ts';
import type { OversightFacts } from '../../../server/store/port.ts';
import { FACTS_VERSION } from '../../../server/oversight/facts.ts';
import { at, intake, makeCase, makeOutbox, makeTimer, next } from '../../support/records.ts';
import { PENDING_WEBHOOKS } from '../../../server/store/sqlite/queue.ts';
import { closed, collectStderr, onLines, spawnScript } from './child.ts';
import { storeContract } from './contract.ts';

describe('sqlite store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-'));
  let n = 0;
  const freshFile = () => join(dir, `store-${++n}.db`);
  after(() => rmSync(dir, { recursive: true, force: true }));

  storeContract('sqlite (temp file)', async () => createSqliteStore({ file: freshFile() }));
  storeContract('sqlite (:memory:)', async () => createSqliteStore({ file: ':memory:' }));
  storeContract('sqlite (temp file, commits on the writer thread)', async () => createSqliteStore({ file: freshFile(), writerThread: true }));

  describe('sqlite specifics', () => {
    it('opens files in WAL mode with synchronous=FULL by default, NORMAL on request', async () => {
      const file = freshFile();
      const store = createSqliteStore({ file });
      await store.init();
      const raw = new Database(file);
      try {
        expect(raw.pragma('journal_mode', { simple: true })).to.equal('wal');
      } finally {
        raw.close();
      }
      expect(store.pragma('synchronous')).to.equal(2); // FULL
      expect(store.pragma('busy_timeout')).to.equal(5000);
      await store.close();

      const normal = createSqliteStore({ file, synchronous: 'NORMAL', busyTimeoutMs: 1234 });
      await normal.init();
      expect(normal.pragma('synchronous')).to.equal(1);
      expect(normal.pragma('busy_timeout')).to.equal(1234);
      await normal.close();
    });

    it('writes what a power cut may lose without harm (outbox leases and done marks) without an fsync of their own, and puts synchronous back', async () => {
      const raw = new Database(freshFile());
      try {
        for (const [level, name] of [[2, 'FULL'], [3, 'EXTRA']] as const) {
          raw.pragma(`synchronous = ${name}`);
          expect(withoutOwnFsync(raw, () => raw.pragma('synchronous', { simple: true }))).to.equal(1);
          expect(raw.pragma('synchronous', { simple: true })).to.equal(level);
          expect(() => withoutOwnFsync(raw, () => { throw new Error('failed inside'); })).to.throw('failed inside');
          expect(raw.pragma('synchronous', { simple: true })).to.equal(level);
        }
        raw.pragma('synchronous = NORMAL');
        expect(withoutOwnFsync(raw, () => raw.pragma('synchronous', { simple: true }))).to.equal(1);
        expect(raw.pragma('synchronous', { simple: true })).to.equal(1);
      } finally {
        raw.close();
      }

      const store = createSqliteStore({ file: freshFile() });
      await store.init();
      try {
        const entry = { id: 'o-1', caseId: 'c-1', seq: 1, topic: 'case:updated', payload: { v: 1 }, createdAt: at(0) };
        await store.outbox.enqueue([entry]);
        const claimed = await store.outbox.claim(at(1), 10, 'relay-a', 10_000);
        expect(claimed.map((e) => e.id)).to.deep.equal(['o-1']);
        expect(await store.outbox.claim(at(1), 10, 'relay-b', 10_000)).to.deep.equal([]); // leased to relay-a
        expect(store.pragma('synchronous')).to.equal(2);
        await store.outbox.markDone(['o-1']);
        expect((await store.outbox.get('o-1'))?.doneAt).to.be.a('string');
        expect(store.pragma('synchronous')).to.equal(2); // FULL again for the commits that follow
      } finally {
        await store.close();
      }
    });

    it('keeps live entries out of the webhook lane index, which its claim uses for both of its look-ups', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'wq-'));
      const store = createSqliteStore({ file: join(dir, 'cases.db') });
      await store.init();
      const raw = new Database(join(dir, 'cases.db'), { readonly: true });
      try {
        const c = makeCase({ id: 'wq', caseNo: 'WQ-1' });
        await store.cases.commit(intake(c, { outbox: [makeOutbox('wq', 1), makeOutbox('wq', 1, 'inbox:updated'), makeOutbox('wq', 1, 'webhook:source')] }));
        const inIndex = raw.prepare(`SELECT topic FROM outbox INDEXED BY outbox_webhook_pending WHERE done_at IS NULL AND topic LIKE 'webhook:%'`).pluck().all();
        expect(inIndex).to.deep.equal(['webhook:source']);
        expect(raw.prepare(`SELECT COUNT(*) FROM outbox`).pluck().get()).to.equal(3);
        const plan = (raw.prepare(`EXPLAIN QUERY PLAN ${PENDING_WEBHOOKS}`).all({ now: Date.now(), limit: 10 }) as Array<{ detail: string }>).map((r) => r.detail);
        // the outer scan and the look-back for an earlier undelivered entry of the same (topic, case)
        expect(plan.some((d) => /SEARCH p USING (COVERING )?INDEX outbox_webhook_pending/.test(d)), plan.join('\n')).to.equal(true);
        expect(plan.some((d) => / o USING (COVERING )?INDEX outbox_webhook_pending|SCAN o USING INDEX outbox_pending/.test(d)), plan.join('\n')).to.equal(true);
      } finally {
        raw.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('checkpoints the WAL in a worker thread, never after a commit on the event loop, and loses nothing', async () => {
      const file = freshFile();
      const store = createSqliteStore({ file });
      await store.init();
      expect(store.pragma('wal_autocheckpoint')).to.equal(0);
      const checkpointed = store.nextCheckpoint();
      const a = await store.cases.commit(intake(makeCase({ caseNo: 'WAL-1' })));
      let prev = a;
      for (let i = 0; i < 200; i++) prev = await store.cases.commit(next(prev, { status: 'in_mediation' }));
      await checkpointed;
      const stats = store.checkpoints()!;
      expect(stats.runs).to.be.greaterThan(0);
      expect(stats.frames).to.be.greaterThan(0);
      expect(stats.lastError).to.equal(null);
      await store.close();
      // everything acknowledged is there after the close (the last checkpoint is the store's own)
      const again = createSqliteStore({ file, checkpoints: 'auto' });
      await again.init();
      expect(again.pragma('wal_autocheckpoint')).to.equal(1000);
      expect(again.checkpoints()).to.equal(null);
      expect((await again.cases.get(a.id))!.version).to.equal(201);
      expect(await again.events.list(a.id)).to.have.length(201);
      await again.close();
    });

    it('starts the WAL over under a steady load: a group commit after the worker reported it past its limit waits for the worker to copy the rest first', async () => {
      // The state a steady load leaves: the worker's checkpoint could not copy the frames committed
      // while it ran, so no write finds the WAL fully copied and SQLite appends to it for ever. Here a
      // reader's snapshot holds the checkpoint back instead, deterministically.
      const run = async (walRestartFrames: number, writerThread = false) => {
        const file = freshFile();
        const store = createSqliteStore({ file, walRestartFrames, checkpointIntervalMs: 3_600_000, writerThread });
        await store.init();
        const reader = new Database(file);
        try {
          const a = await store.cases.commit(intake(makeCase({ caseNo: `WR-${walRestartFrames}` })));
          reader.exec('BEGIN');
          reader.prepare('SELECT COUNT(*) FROM cases').get(); // a snapshot: frames after it stay in the WAL
          let prev = a;
          for (let i = 0; i < 40; i++) prev = await store.cases.commit(next(prev, { status: 'in_mediation' }));
          const reported = store.nextCheckpoint();
          store.checkpointNow();
          await reported;
          // (with a limit: the worker's further passes, which the reader's snapshot also holds back)
          if (walRestartFrames > 0) await store.walRestartReady();
          reader.exec('COMMIT');
          // the next group commit: with the limit reached, it starts the WAL over
          const log = () => (reader.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>)[0].log;
          await store.cases.commit(next(prev, { status: 'in_mediation' }));
          const frames = log();
          expect((await store.cases.get(a.id))!.version).to.equal(42);
          return frames;
        } finally {
          reader.close();
          await store.close();
        }
      };
      const restarted = await run(16);
      const appended = await run(0); // 0: never asked for
      expect(restarted, 'the last commit alone in a WAL started over').to.be.below(16);
      expect(appended, 'without: appended behind all the others').to.be.above(40);
      // with the writer thread, which copies the rest on its own connection before the group
      expect(await run(16, true)).to.be.below(16);
      expect(await run(0, true)).to.be.above(40);
    });

    it('init is idempotent and a closed store fails loudly', async () => {
      const store = createSqliteStore({ file: ':memory:' });
      let err: unknown;
      try {
        await store.cases.count();
      } catch (e) {
        err = e;
      }
      expect(String(err)).to.match(/init/);
      await store.init();
      await store.cases.commit(intake(makeCase({ id: 'x' })));
      await store.init();
      expect(await store.cases.count()).to.equal(1);
      await store.close();
      await store.close();
      err = undefined;
      try {
        await store.cases.get('x');
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(Error);
    });

    it('records the schema version, migrates once, and refuses a newer database', async () => {
      const file = freshFile();
      const a = createSqliteStore({ file });
      await a.init();
      await a.cases.commit(intake(makeCase({ id: 'kept' })));
      await a.close();

      const b = createSqliteStore({ file });
      await b.init(); // reopening applies nothing and keeps the data
      expect((await b.cases.get('kept'))?.id).to.equal('kept');
      await b.close();

      const raw = new Database(file);
      const versions = raw.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all();
      expect(versions).to.deep.equal(MIGRATIONS.map((m) => m.version));
      expect(SCHEMA_VERSION).to.equal(MIGRATIONS.at(-1)!.version);

      // a later migration applies on top, once
      const later = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, name: 'test column', up: 'ALTER TABLE cases ADD COLUMN extra TEXT' }];
      expect(migrate(raw, later)).to.equal(SCHEMA_VERSION);
      expect(migrate(raw, later)).to.equal(SCHEMA_VERSION + 1);
      raw.close();

      const c = createSqliteStore({ file });
      let err: unknown;
      try {
        await c.init();
      } catch (e) {
        err = e;
      }
      expect(String(err)).to.match(/newer than this code/);
      await c.close();
    });

    it('migrates a store at schema 4 (webhooks) to 5 (the projector): a case\'s source reference stays unique', async () => {
      const file = freshFile();
      const a = createSqliteStore({ file });
      await a.init();
      const rec = makeCase({ id: 'old' });
      const facts: OversightFacts = {
        v: 1,
        registeredAt: rec.createdAt,
        month: '2026-03',
        source: { system: '12345', ref: 'GD-9' },
        settled: false,
        settledAt: null,
        settledTier: null,
        daysToSettle: null,
        failed: false,
        clauses: { total: 0, checked: 0, full: 0, partial: 0, none: 0 },
        visits: 0,
        satisfaction: [0, 0, 0, 0, 0],
        everOverdue: false,
        keys: ['c:service_quality'],
        relatedCases: [],
        companies: [],
        ledger: { caseNo: rec.caseNo, status: rec.status },
      };
      // a case projected in its commit, as every commit did at schema 4
      await a.cases.commit(intake({ ...rec, oversight: facts }));
      await a.close();
      // the file as schema 4 left it: no projector tables, the source only among the facts
      const raw = new Database(file);
      raw.exec('DROP TABLE projector; DROP TABLE case_oversight; DROP TABLE case_sources; DELETE FROM schema_version WHERE version >= 5;');
      // …nor migration 7's outbox indexes
      raw.exec(`DROP INDEX outbox_webhook_pending; CREATE INDEX outbox_case ON outbox(case_id, seq);
                CREATE INDEX outbox_topic_case ON outbox(topic, case_id, pos) WHERE done_at IS NULL;`);
      // …nor the statistics columns of issue 16 §4 (migration 6)
      for (const col of ['intake_mode', 'org_type', 'agreement_fen', 'agreement_written', 'agreement_oral', 'people', 'households', 'conf_applied', 'confirmed', 'conf_refused', 'prevents_criminal', 'prevents_mass']) {
        raw.exec(`ALTER TABLE case_facts DROP COLUMN ${col}`);
      }
      expect(raw.prepare('SELECT MAX(version) FROM schema_version').pluck().get()).to.equal(4);
      expect(raw.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'webhook_attempts'").pluck().get()).to.equal(1);
      raw.close();

      const b = createSqliteStore({ file });
      await b.init();
      const again = new Database(file, { readonly: true });
      expect(again.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all()).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
      expect(again.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox' ORDER BY name").pluck().all()).to.deep.equal([
        'outbox_pending',
        'outbox_webhook_pending',
        'sqlite_autoindex_outbox_1', // the UNIQUE id
      ]);
      // migration 6 adds the statistics columns with neutral values; the case's facts, of an older FACTS_VERSION,
      // are stale: the rebuild projects them again (server/oversight/rebuild.ts)
      expect(again.prepare('SELECT people, agreement_fen, intake_mode FROM case_facts').all()).to.deep.equal([{ people: 0, agreement_fen: 0, intake_mode: null }]);
      again.close();
      expect(await b.oversight!.stale(FACTS_VERSION, 10)).to.deep.equal(['old']);
      expect(await b.oversight!.bySource('12345', 'GD-9')).to.deep.equal({ caseId: 'old', caseNo: rec.caseNo });
      // the projector starts from 0 on a migrated store (it projects the history again)
      expect(await b.oversight!.position()).to.equal(0);
      expect(await b.oversight!.head()).to.be.greaterThan(0);
      // a second case with that reference is refused at commit, from its REGISTER event
      const second = intake(makeCase({ id: 'new' }));
      second.event = { ...second.event, type: 'REGISTER', data: { source: { system: '12345', ref: 'GD-9' } } };
      let err: unknown;
      try {
        await b.cases.commit(second);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(Duplicate);
      expect(await b.cases.count()).to.equal(1);
      await b.close();
    });

    for (const writerThread of [false, true]) {
      it(`keeps every indexed column equal to the record through events that change some of them${writerThread ? ' (writer thread)' : ''}`, async () => {
        const file = freshFile();
        const store = createSqliteStore({ file, writerThread });
        await store.init();
        const a1 = await store.cases.commit(intake(makeCase({ id: 'ix', caseNo: 'IX-1', compoundId: 'cmp-1' })));
        const a2 = await store.cases.commit(next(a1, { status: 'in_mediation' }));
        const a3 = await store.cases.commit(next(a2, { bodyId: 'body-s1', caseNo: 'IX-1-S', tier: 'subdistrict', warning: 'yellow' }));
        const a4 = await store.cases.commit(next(a3, { courtId: 'court-1', courtInbox: true, status: 'referred' as never }));
        const a5 = await store.cases.commit(next(a4, { summary: '只改了摘要' }));
        // a number another case holds is still refused when the update names it
        const b1 = await store.cases.commit(intake(makeCase({ id: 'iy', caseNo: 'IY-1' })));
        const taken = await store.cases.commit(next(b1, { caseNo: 'IX-1-S' })).catch((e: unknown) => e);
        expect(taken).to.be.instanceOf(Duplicate);
        expect(store.driftedColumns()).to.deep.equal([]);
        const raw = new Database(file, { readonly: true });
        const row = raw.prepare('SELECT case_no, body_id, court_id, court_inbox, status, compound_id, version FROM cases WHERE id = ?').get('ix');
        expect(row).to.deep.equal({ case_no: 'IX-1-S', body_id: 'body-s1', court_id: 'court-1', court_inbox: 1, status: 'referred', compound_id: 'cmp-1', version: 5 });
        // the lists read these columns: the case is found under its new body, status and number
        expect(raw.prepare('SELECT id FROM cases WHERE body_id = ? AND status = ?').pluck().all('body-s1', 'referred')).to.deep.equal(['ix']);
        expect(raw.prepare('SELECT id FROM cases WHERE case_no = ?').pluck().all('IX-1')).to.deep.equal([]);
        raw.close();
        expect((await store.cases.get('ix'))!.summary).to.equal(a5.summary);
        await store.close();
      });
    }

    for (const writerThread of [false, true]) {
      it(`keeps the records it committed or read in memory, and forgets them when another connection writes the file${writerThread ? ' (writer thread)' : ''}`, async () => {
        const file = freshFile();
        const store = createSqliteStore({ file, writerThread });
        await store.init();
        expect(store.writesOnThread()).to.equal(writerThread);
        const v1 = await store.cases.commit(intake(makeCase({ id: 'cached' })));
        const a = await store.cases.get('cached');
        // (read-your-writes: what the writer thread committed is what this connection reads)
        expect(a, 'the committed record, not parsed again').to.equal(v1);
        const v2 = await store.cases.commit(next(v1, { status: 'in_mediation' }));
        const b = (await store.cases.get('cached'))!;
        expect([b.version, b.status]).to.deep.equal([2, 'in_mediation']);
        expect(b).to.equal(v2);
        // a commit that fails (a stale version) leaves the case as it was
        const err = await store.cases.commit(next(v1, { status: 'closed' })).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(Error);
        expect((await store.cases.get('cached'))!.status).to.equal('in_mediation');
        // another connection edits the row (a tool, another process): the next read sees it
        const raw = new Database(file);
        raw.prepare(`UPDATE cases SET doc = json_set(doc, '$.summary', 'edited elsewhere') WHERE id = 'cached'`).run();
        raw.close();
        const c = (await store.cases.get('cached'))!;
        expect(c.summary).to.equal('edited elsewhere');
        expect(c).to.not.equal(v2);
        await store.close();
      });
    }

    it('writer thread: openStore turns it on from the configuration (SQLITE_WRITER_THREAD), off by default', async () => {
      for (const sqliteWriterThread of [true, false, undefined]) {
        const dataDir = mkdtempSync(join(dir, 'open-'));
        const store = (await openStore({ mongodbUri: null, dataDir, ...(sqliteWriterThread === undefined ? {} : { sqliteWriterThread }) })) as SqliteStore;
        await store.init();
        expect(store.writesOnThread()).to.equal(sqliteWriterThread === true);
        const v1 = await store.cases.commit(intake(makeCase({ id: 'opened' })));
        expect((await store.cases.get('opened'))!.version).to.equal(v1.version);
        await store.close();
      }
    });

    it('writer thread: when the thread dies, a group it had not answered is rejected (never left waiting) and the next group starts a new thread', async () => {
      const file = freshFile();
      const migrated = createSqliteStore({ file });
      await migrated.init();
      await migrated.close();
      const thread = new WriterThread({ file, synchronous: 'FULL', busyTimeoutMs: 5000, autoCheckpoint: true });
      await thread.open();
      const pending = thread.write([commitRows(intake(makeCase({ id: 'd1' })))]);
      await (thread as unknown as { worker: Worker }).worker.terminate();
      // answered before it died, or rejected: either way the writer hears
      const outcome = await pending.then(
        () => 'committed',
        (e: Error) => e.message,
      );
      expect(outcome).to.match(/^committed$|writer thread exited/);
      expect(await thread.write([commitRows(intake(makeCase({ id: 'd2' })))])).to.deep.equal([null]);
      await thread.stop();
      const raw = new Database(file, { readonly: true });
      const ids = raw.prepare('SELECT id FROM cases ORDER BY id').pluck().all();
      raw.close();
      // the new thread wrote the next group; an answered group is in the file (a rejected one may or may not be)
      expect(ids).to.include('d2');
      if (outcome === 'committed') expect(ids).to.include('d1');
    });

    it('writer thread: a group that fails as a whole (the file is locked) rejects exactly its writers and writes nothing', async () => {
      const file = freshFile();
      const store = createSqliteStore({ file, writerThread: true, busyTimeoutMs: 50 });
      await store.init();
      const a1 = await store.cases.commit(intake(makeCase({ id: 'wa' })));
      const b1 = await store.cases.commit(intake(makeCase({ id: 'wb' })));
      // another connection holds the write lock past the writer's busy timeout
      const raw = new Database(file);
      raw.exec('BEGIN IMMEDIATE');
      const group = await store.cases.commitMany([next(a1, { status: 'in_mediation' }), next(b1, { status: 'in_mediation' })]).catch((e: unknown) => e);
      raw.exec('ROLLBACK');
      expect(group).to.be.instanceOf(Database.SqliteError);
      expect((group as InstanceType<typeof Database.SqliteError>).code).to.equal('SQLITE_BUSY');
      // nothing of the group was written, and the cache does not pretend otherwise
      expect([(await store.cases.get('wa'))!.version, (await store.cases.get('wb'))!.version]).to.deep.equal([1, 1]);
      expect((await store.events.list('wa')).map((e) => e.seq)).to.deep.equal([1]);
      expect(raw.prepare(`SELECT COUNT(*) FROM outbox WHERE case_id IN ('wa', 'wb')`).pluck().get()).to.equal(2);
      raw.close();
      // the next group (other writers) commits
      const [a2, b2] = await store.cases.commitMany([next(a1, { status: 'in_mediation' }), next(b1, { status: 'closed' })]);
      expect([(a2 as { version: number }).version, (b2 as { version: number }).version]).to.deep.equal([2, 2]);
      expect((await store.cases.get('wb'))!.status).to.equal('closed');
      await store.close();
    });

    it("writer thread: the event loop's own writes wait for the group in flight, not for SQLite's lock", async () => {
      // busy timeout 0: a write that met the thread's lock would fail at once with SQLITE_BUSY
      const store = createSqliteStore({ file: freshFile(), writerThread: true, busyTimeoutMs: 0 });
      await store.init();
      const groups = [0, 1, 2].map((g) =>
        store.cases.commitMany(Array.from({ length: 40 }, (_, i) => intake(makeCase({ id: `t${g}-${i}`, caseNo: `T-${g}-${i}` })))),
      );
      // sent to the thread; the writes below are asked for while those groups are in flight
      const claimed = store.outbox.claim(at(0), 500, 'relay-A', 60_000);
      const number = store.cases.nextNumber('b1', 2026);
      const timers = store.timers.claimDue(at(0), 10, 'sched-A', 60_000);
      const results = (await Promise.all(groups)).flat();
      expect(results.filter((r) => r instanceof Error)).to.deep.equal([]);
      const entries = await claimed;
      // the claim ran once the thread had committed all three groups: it leased every one of their entries
      expect(entries.map((e) => e.caseId).sort()).to.deep.equal(results.map((r) => (r as { id: string }).id).sort());
      expect(await number).to.equal(1);
      expect(await timers).to.deep.equal([]);
      await store.outbox.markDone(entries.map((e) => e.id));
      expect(await store.outbox.pendingCount()).to.equal(0);
      await store.close();
    });

    it('writer thread: a commit rejected in the group arrives as the same error, the others commit', async () => {
      const store = createSqliteStore({ file: freshFile(), writerThread: true });
      await store.init();
      const a1 = await store.cases.commit(intake(makeCase({ id: 'ea', caseNo: 'NO-1' })));
      const results = await store.cases.commitMany([
        intake(makeCase({ id: 'eb', caseNo: 'NO-1' })), // the number is taken
        next(a1, { status: 'in_mediation' }),
        next(a1, { status: 'closed' }), // stale: the commit before it in the group took version 2
      ]);
      expect(results[0]).to.be.instanceOf(Duplicate);
      expect((results[0] as Duplicate).details).to.deep.equal({ caseNo: 'NO-1' });
      expect((results[1] as { version: number }).version).to.equal(2);
      expect(results[2]).to.be.instanceOf(VersionConflict);
      expect((results[2] as VersionConflict).details).to.deep.equal({ expectedVersion: 1, currentVersion: 2 });
      expect(await store.cases.get('eb')).to.equal(null);
      expect((await store.cases.get('ea'))!.status).to.equal('in_mediation');
      await store.close();
    });

    it('nextDueAt waits for the lease of a claimed timer', async () => {
      const store = createSqliteStore({ file: ':memory:' });
      await store.init();
      const v1 = await store.cases.commit(intake(makeCase()));
      const t = makeTimer(v1.id, 'acceptance', at(-10));
      await store.cases.commit(next(v1, {}, { armTimers: [t] }));
      const now = at(0);
      await store.timers.claimDue(now, 10, 'A', 60_000);
      expect(Date.parse((await store.timers.nextDueAt())!)).to.equal(Date.parse(now) + 60_001);
      await store.timers.release(t.id, 'A');
      expect(Date.parse((await store.timers.nextDueAt())!)).to.equal(Date.parse(t.dueAt));
      await store.close();
    });

    it('keeps numbers and versions right with several processes writing one file', async function () {
      this.timeout(120_000);
      const file = freshFile();
      const store = createSqliteStore({ file });
      await store.init();
      await store.cases.commit(intake(makeCase({ id: 'mp-shared', caseNo: 'mp-shared' })));

      const WORKERS = 4;
      const ROUNDS = 40;
      const outputs = await Promise.all(
        Array.from({ length: WORKERS }, async (_, i) => {
          const child = spawnScript('./multi-writer.ts', [file, `w${i}`, String(ROUNDS)]);
          const stderr = collectStderr(child);
          const lines: string[] = [];
          onLines(child, (l) => lines.push(l));
          const { code } = await closed(child);
          if (code !== 0) throw new Error(`worker w${i} exited ${code}: ${stderr()}`);
          return JSON.parse(lines.at(-1)!) as { numbers: number[]; sharedWins: number; conflicts: number };
        }),
      );

      const numbers = outputs.flatMap((o) => o.numbers).sort((a, b) => a - b);
      expect(numbers).to.deep.equal(Array.from({ length: WORKERS * ROUNDS }, (_, i) => i + 1));
      expect(outputs.reduce((s, o) => s + o.sharedWins, 0)).to.equal(WORKERS * ROUNDS);

      const shared = (await store.cases.get('mp-shared'))!;
      expect(shared.version).to.equal(1 + WORKERS * ROUNDS);
      const events = await store.events.list('mp-shared');
      expect(events.map((e) => e.seq)).to.deep.equal(Array.from({ length: 1 + WORKERS * ROUNDS }, (_, i) => i + 1));
      for (let i = 0; i < WORKERS; i++) expect((await store.cases.get(`mp-w${i}`))!.version).to.equal(1 + ROUNDS);
      expect(await store.outbox.pendingCount()).to.equal(1 + WORKERS * ROUNDS + WORKERS * (1 + ROUNDS));
      await store.close();
    });
  });
});
