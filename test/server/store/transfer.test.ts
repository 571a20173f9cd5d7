// Moving whole stores (server/store/transfer.ts): the JSON-lines backup and restore on the embedded
// store (export → import into a fresh store → export again → the same bytes, every hash chain
// verified), its refusals, the scripts themselves, and the migration into the MongoDB adapter — run
// here on the in-memory stand-in of the driver, since no MongoDB server exists on this machine.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Scheduler } from '../../../server/engine/scheduler.ts';
import { buildCore } from '../../../server/core.ts';
import { Projector } from '../../../server/oversight/projector.ts';
import { createCalendar } from '../../../workflows/calendar/calendar.ts';
import { verifyStore } from '../../../server/engine/verify.ts';
import { mongoSide } from '../../../server/store/mongo/transfer.ts';
import { sqliteSide } from '../../../server/store/sqlite/transfer.ts';
import { StandinMongo, createStandinStore } from '../../support/mongo-standin.ts';
import {
  PORTABLE_COLLECTIONS,
  compareSummaries,
  copyStore,
  exportJsonl,
  importJsonl,
  summarize,
} from '../../../server/store/transfer.ts';
import { makeHarness, type Harness } from '../../support/harness.ts';
import { acceptData } from '../../support/workflow.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('moving whole stores', function () {
  this.timeout(60_000);
  let dir: string;
  let h: Harness;
  const file = (name: string) => path.join(dir, name);

  /** A store with some life in it: cases at several stages, fired and pending deadlines, delivered
   * and undelivered outbox entries, a document, sessions, audit, idempotency keys, settings. */
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'transfer-'));
    mkdirSync(path.join(dir, 'source'));
    h = await makeHarness({ file: path.join(dir, 'source', 'mediation.db') });
    const med = h.actor('med.c1');
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { record } = await h.intake({ summary: `第${i}号 楼上漏水，渗至楼下天花板 (100%_测试)` });
      ids.push(record.id);
    }
    await h.engine.dispatch(ids[0], { type: 'ACCEPT', data: acceptData() }, med);
    await h.engine.dispatch(ids[1], { type: 'ACCEPT', data: acceptData() }, med);
    await h.engine.dispatch(ids[1], { type: 'ESCALATE', data: { reason: '涉及多户' } }, med);
    await h.engine.dispatch(ids[1], { type: 'ACCEPT', data: acceptData() }, h.actor('med.s1')); // the centre's number; the first is a former one
    h.clock.set('2026-11-25T12:00:00+08:00');
    expect(await h.scheduler.runDue()).to.be.greaterThan(0); // blue warnings fired
    await h.store.documents.insert({
      id: 'doc-1', caseId: ids[0], kind: 'acceptance_notice', version: 1, templateVersion: 't1',
      html: '<h1>受理通知书</h1>', sha256: 'x', draft: false, issuedAt: '2026-11-25T12:00:00+08:00', issuedBy: med.id,
    });
    await h.store.sessions.insert({ tokenHash: 'tok-1', userId: med.id, csrfToken: 'c', createdAt: '2026-11-25T12:00:00+08:00', expiresAt: '2026-11-25T20:00:00+08:00', revokedAt: null });
    await h.store.idempotency.put({ key: 'u:x:k1', requestHash: 'h', status: 201, body: { id: ids[0] }, createdAt: '2026-11-25T12:00:00+08:00' });
    await h.store.audit.append({ at: '2026-11-25T12:00:00+08:00', actor: med.id, action: 'login', ip: '10.0.0.1', detail: { ok: true } });
    await h.store.audit.append({ at: '2026-11-25T12:00:00+08:00', actor: null, action: 'login.failed', ip: '10.0.0.2', detail: null });
    await h.store.settings.put('runtime', { recurrenceDays: 180 });
    const delivered = await h.store.outbox.claim(new Date().toISOString(), 3, 'relay', 60_000);
    await h.store.outbox.markDone(delivered.map((o) => o.id));
    await h.close(); // the store file stays: it is in our folder, not the harness's
  });
  after(() => process.env.KEEP_TRANSFER ? console.log(dir) : rmSync(dir, { recursive: true, force: true }));

  const source = () => sqliteSide(h.file);

  describe('JSON-lines backup and restore (embedded store)', () => {
    it('exports, imports into a fresh store and exports again to the same bytes, every chain verified', async () => {
      const a = await source();
      const summary = await exportJsonl(a, file('a.jsonl'));
      const chainsBefore = await verifyStore(a.store);
      await a.close();
      expect(summary.cases.count).to.equal(6);
      expect(summary.events.count).to.be.greaterThan(6);
      expect(summary.timers.count).to.be.greaterThan(0);
      expect(summary.counters.count).to.be.greaterThan(0);
      expect(chainsBefore.broken).to.deep.equal([]);

      const b = await sqliteSide(file('restored/mediation.db'), { create: true });
      const report = await importJsonl(b, file('a.jsonl'), { batch: 7 });
      expect(report.mismatches).to.deep.equal([]);
      expect(report.target).to.deep.equal(summary);
      const chains = await verifyStore(b.store);
      expect(chains).to.deep.equal(chainsBefore);
      await exportJsonl(b, file('b.jsonl'));
      await b.close();
      expect(readFileSync(file('b.jsonl'), 'utf8')).to.equal(readFileSync(file('a.jsonl'), 'utf8'));
    });

    it('restores a store the port reads the same: lists, history, timers, the outbox queue, docket numbers', async () => {
      const a = await source();
      const b = await sqliteSide(file('restored-2/mediation.db'), { create: true });
      await importJsonl(b, file('a.jsonl'));
      const [x, y] = [a.store, b.store];
      const list = { page: 1, limit: 50 };
      expect(await y.cases.list(list)).to.deep.equal(await x.cases.list(list));
      expect(await y.cases.list({ ...list, q: '100%_' })).to.deep.equal(await x.cases.list({ ...list, q: '100%_' }));
      const first = (await x.cases.scan(null, 1))[0];
      expect(await y.events.list(first.id)).to.deep.equal(await x.events.list(first.id));
      expect(await y.timers.forCase(first.id)).to.deep.equal(await x.timers.forCase(first.id));
      expect(await y.timers.nextDueAt()).to.equal(await x.timers.nextDueAt());
      expect(await y.outbox.pendingCount()).to.equal(await x.outbox.pendingCount());
      // the undelivered outbox, in delivery order (claimed from the copy only: a claim leases)
      const undelivered: string[] = [];
      for await (const o of a.read('outbox')) if (o.doneAt === null && !String(o.topic).startsWith('webhook:')) undelivered.push(o.id);
      expect(undelivered).to.have.length.greaterThan(0);
      expect((await y.outbox.claim(new Date().toISOString(), 100, 'r', 1000)).map((o) => o.id)).to.deep.equal(undelivered);
      expect(await y.audit.list(10)).to.deep.equal(await x.audit.list(10));
      expect(await y.users.list()).to.deep.equal(await x.users.list());
      // a former case number (原编号) still finds its case
      const renumbered = (await x.cases.scan(null, 100)).find((r) => r.formerCaseNos?.length)!;
      expect(await y.cases.getByFormerNo(renumbered.formerCaseNos![0])).to.deep.equal(renumbered);
      // the oversight projection is rebuilt from the imported history by the projector (from position 0)
      if (x.oversight && y.oversight) {
        expect(await y.oversight.position()).to.equal(0);
        await new Projector(y, () => createCalendar()).drain();
        const ledger = await x.oversight.ledger({}, null, 100);
        expect(ledger).to.have.length(6);
        expect(await y.oversight.ledger({}, null, 100)).to.deep.equal(ledger);
      }
      // the docket counter carried over (asked of the copy only: nextNumber takes a number)
      const counters: Array<{ bodyId: string; year: number; n: number }> = [];
      for await (const c of a.read('counters')) counters.push(c);
      expect(counters).to.have.length.greaterThan(0);
      for (const c of counters) expect(await y.cases.nextNumber(c.bodyId, c.year)).to.equal(c.n + 1);
      await a.close();
      await b.close();
    });

    it('refuses to import into a store that holds anything', async () => {
      const a = await source();
      let err: unknown;
      try {
        await importJsonl(a, file('a.jsonl'));
      } catch (e) {
        err = e;
      }
      await a.close();
      expect(String(err)).to.match(/not empty: import only into an empty store/);
    });

    it('refuses a file that was edited or cut short', async () => {
      const text = readFileSync(file('a.jsonl'), 'utf8');
      const lines = text.trimEnd().split('\n');
      const i = lines.findIndex((l) => l.startsWith('{"c":"events"'));
      writeFileSync(file('edited.jsonl'), [...lines.slice(0, i), lines[i].replace('"REGISTER"', '"REGISTER "'), ...lines.slice(i + 1)].join('\n') + '\n');
      writeFileSync(file('cut.jsonl'), lines.slice(0, -5).join('\n') + '\n');
      for (const [name, why] of [
        ['edited.jsonl', /does not match its own summary: events/],
        ['cut.jsonl', /without its summary line/],
      ] as const) {
        const b = await sqliteSide(file(`refused-${name}/mediation.db`), { create: true });
        let err: unknown;
        try {
          await importJsonl(b, file(name));
        } catch (e) {
          err = e;
        }
        await b.close();
        expect(String(err), name).to.match(why);
      }
    });

    it('runs as npm run export / npm run import', function () {
      this.timeout(60_000);
      const env = { ...process.env, NODE_ENV: 'test', MONGODB_URI: '', LOG_LEVEL: 'silent' };
      const run = (script: string, args: string[]) =>
        spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', script), ...args], { cwd: root, env, encoding: 'utf8' });
      const exp = run('export.ts', ['--out', file('cli.jsonl'), '--data-dir', path.dirname(h.file)]);
      expect(exp.status, exp.stderr).to.equal(0);
      expect(exp.stdout).to.match(/export: \d+ records from embedded store/);
      const imp = run('import.ts', ['--in', file('cli.jsonl'), '--data-dir', file('cli-restored')]);
      expect(imp.status, imp.stderr).to.equal(0);
      expect(imp.stdout).to.match(/import: verified/);
      const again = run('import.ts', ['--in', file('cli.jsonl'), '--data-dir', file('cli-restored')]);
      expect(again.status).to.equal(1);
      expect(again.stderr).to.match(/not empty/);
      const usage = run('migrate.ts', ['--to', 'postgres']);
      expect(usage.status).to.equal(2);
      const noUri = run('migrate.ts', ['--to', 'mongo', '--from-dir', path.dirname(h.file)]);
      expect(noUri.status).to.equal(2);
      expect(noUri.stderr).to.match(/--uri/);
      expect(readFileSync(file('cli.jsonl'), 'utf8')).to.equal(readFileSync(file('a.jsonl'), 'utf8'));
    });
  });

  describe('migration into the MongoDB adapter (on the in-memory stand-in: no MongoDB server here)', () => {
    it('copies every collection, verifies counts and checksums on both sides, and keeps every chain', async () => {
      const from = await source();
      const db = new StandinMongo({ transactions: true });
      const mongo = createStandinStore(db);
      await mongo.init();
      const to = mongoSide(mongo);
      const report = await copyStore(from, to, { batch: 5 });
      expect(report.mismatches).to.deep.equal([]);
      expect(report.target).to.deep.equal(await summarize(from));
      expect(compareSummaries(report.source, report.target)).to.deep.equal([]);
      for (const c of PORTABLE_COLLECTIONS) expect(report.target[c].count, c).to.equal(await from.count(c));
      expect((await verifyStore(mongo)).broken).to.deep.equal([]);

      // the MongoDB copy exports the very records the embedded store did
      await exportJsonl(to, file('from-mongo.jsonl'));
      const body = (f: string) => readFileSync(file(f), 'utf8').split('\n').slice(1).join('\n');
      expect(body('from-mongo.jsonl')).to.equal(body('a.jsonl'));
      const renumbered = (await from.store.cases.scan(null, 100)).find((r) => r.formerCaseNos?.length)!;
      expect(await mongo.cases.getByFormerNo(renumbered.formerCaseNos![0])).to.deep.equal(renumbered);

      // a second copy into the same database is refused
      let err: unknown;
      try {
        await copyStore(from, to);
      } catch (e) {
        err = e;
      }
      expect(String(err)).to.match(/not empty/);
      await from.close();
      await mongo.close();
    });

    it('lets the engine go on working on the migrated store: events, deadlines, numbers', async () => {
      const from = await source();
      const mongo = createStandinStore(new StandinMongo({ transactions: false }));
      await mongo.init();
      expect((await copyStore(from, mongoSide(mongo))).mismatches).to.deep.equal([]);
      await from.close();

      const { engine } = await buildCore(mongo, h.clock);
      const before = await mongo.cases.count();
      const med = h.actor('med.c1');
      const { record } = await engine.intake(
        { channel: 'walk_in', compoundId: h.compoundId, category: 'leakage', summary: '迁移后的新案件', parties: [{ role: 'applicant', kind: 'person', name: '王五' }] },
        med,
      );
      expect(await mongo.cases.count()).to.equal(before + 1);
      const numbers = (await mongo.cases.list({ page: 1, limit: 100 })).items.map((c) => c.caseNo);
      expect(new Set(numbers).size).to.equal(numbers.length); // the docket counter carried over: no number reused
      await engine.dispatch(record.id, { type: 'ACCEPT', data: acceptData() }, med);
      const scheduler = new Scheduler(engine, mongo, h.clock, { owner: 'after-migration' });
      h.clock.set('2026-12-31T12:00:00+08:00');
      expect(await scheduler.runDue()).to.be.greaterThan(0);
      expect(await scheduler.runDue()).to.equal(0); // each timer fires once
      const chains = await verifyStore(mongo);
      expect(chains.broken).to.deep.equal([]);
      expect(chains.cases).to.equal(before + 1);
      await mongo.close();
    });
  });
});
