// Issue 15 §4: damage that is detected, and backups that restore. Each case first does the damage the
// way it happens (a file emptied or deleted, a record edited in the database, a case's tail cut off
// with its version rolled back, an older copy of the database put back under a newer anchor log,
// damaged pages, a full disk), then shows that the chain check alone misses it (what `verify` did
// before the anchor log) and that start-up, `verify` and /api/health now name it. Writers are killed
// with SIGKILL mid-commit; a backup is taken from a second process while a writer commits, restored,
// and must hold every event acknowledged before it began.
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, openSync, closeSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { loadConfig } from '../../server/config.ts';
import { verifyStore } from '../../server/engine/verify.ts';
import { AnchorLog, latestHeads, readAnchors } from '../../server/integrity/anchor-log.ts';
import { anchorHook, checkAgainstAnchorTail } from '../../server/integrity/anchoring.ts';
import { dataFiles, StoreRefused } from '../../server/integrity/data-dir.ts';
import { merkleStatement, rootFromProof } from '../../server/integrity/merkle.ts';
import { restoreBackup } from '../../server/integrity/restore.ts';
import { backupStore, listBackups, scheduleBackups } from '../../server/integrity/backup.ts';
import { openStore } from '../../server/store/open.ts';
import type { Store } from '../../server/store/port.ts';
import { createSqliteStore } from '../../server/store/sqlite/index.ts';
import { startServer } from '../../server/wiring.ts';
import { collectStderr, closed, onLines, repoRoot } from '../server/store/child.ts';
import { chained, openWriter } from './anchored-writes.ts';
import { GroupCommitter } from '../../server/engine/group-commit.ts';
import { StorageStatus, StorageUnavailable, storageStatusOf, watchStore } from '../../server/integrity/storage-status.ts';
import { intakeBody, PASSWORD, startProduct } from '../support/http.ts';
import { acceptData } from '../support/workflow.ts';
import type { SqliteStore } from '../../server/store/sqlite/index.ts';

const faults: string[] = [];
const notes: string[] = [];
let lostAcknowledged = 0;

function tsx(script: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(repoRoot, script), ...args], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'info', NODE_ENV: 'development', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a script to its end; a server that starts listening instead is killed and reported. */
async function run(script: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; listened: boolean }> {
  const child = tsx(script, args, env);
  const stderr = collectStderr(child);
  let stdout = '';
  let listened = false;
  onLines(child, (line) => {
    stdout += `${line}\n`;
    if (/listening on/.test(line) && !listened) {
      listened = true;
      child.kill('SIGKILL');
    }
  });
  const { code } = await closed(child);
  return { code, stdout, stderr: stderr(), listened };
}

const noStack = (text: string) => expect(text, text).not.to.match(/^\s+at /m);

async function withStore<T>(dir: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const s = createSqliteStore({ file: dataFiles(dir).db });
  await s.init();
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** What verify says now, and what the chain check alone (verify before the anchor log) said. */
async function verifyBoth(dir: string) {
  return withStore(dir, async (s) => ({
    anchored: await verifyStore(s, { anchors: readAnchors(dataFiles(dir).anchors) }),
    chainOnly: await verifyStore(s),
  }));
}

async function seed(dir: string, ids: string[], events: number): Promise<Array<[string, number]>> {
  const acked: Array<[string, number]> = [];
  const w = await openWriter(dir);
  try {
    await w.write(ids, events, (id, v) => acked.push([id, v]));
  } finally {
    await w.close();
  }
  return acked;
}

/** Runs the writer child until it has acknowledged `atLeast` more commits (calling `during` once
 * after `duringAt`), then SIGKILLs it. */
async function writeAndKill(dir: string, atLeast: number, acked: Array<[string, number]>, during?: { at: number; run: () => Promise<void> }): Promise<void> {
  const child = tsx('test/security/anchor-writer.ts', [dir], {});
  const stderr = collectStderr(child);
  let seen = 0;
  let killed = false;
  let duringDone: Promise<void> | null = null;
  const kill = () => {
    if (killed) return;
    killed = true;
    child.kill('SIGKILL');
  };
  onLines(child, (line) => {
    const [id, v] = line.split(' ');
    acked.push([id, Number(v)]);
    seen++;
    if (during && seen === during.at) duringDone = during.run();
    if (seen >= atLeast && (!during || duringDone)) {
      if (duringDone) void duringDone.finally(kill);
      else kill();
    }
  });
  const { signal } = await closed(child);
  if (!killed) throw new Error(`writer exited by itself: ${stderr()}`);
  expect(signal).to.equal('SIGKILL');
  faults.push('SIGKILL of a writer mid-commit');
  if (duringDone) await duringDone;
}

describe('integrity (issue 15 §4): damage detected, backups that restore', function () {
  this.timeout(180_000);
  let root: string;
  let n = 0;
  const fresh = () => join(root, `d${++n}`);
  before(() => (root = mkdtempSync(join(tmpdir(), 'integrity-'))));
  after(() => {
    rmSync(root, { recursive: true, force: true });
    // the numbers for the note
    console.log(`      faults injected: ${faults.length} (${[...new Set(faults)].join('; ')}); acknowledged writes lost: ${lostAcknowledged}`);
    for (const line of notes) console.log(`      ${line}`);
  });

  describe('a database emptied or deleted where a store was', () => {
    for (const damage of ['zero-length', 'missing'] as const) {
      it(`refuses to start on a ${damage} database (one line, no demo data seeded)`, async () => {
        const dir = fresh();
        await seed(dir, ['a', 'b'], 3);
        const { db } = dataFiles(dir);
        for (const s of ['-wal', '-shm']) rmSync(`${db}${s}`, { force: true });
        if (damage === 'zero-length') truncateSync(db, 0);
        else rmSync(db);
        faults.push(`${damage} database file`);

        const r = await run('server/main.ts', [], { DATA_DIR: dir });
        expect(r.listened, 'the server started on a fresh store').to.equal(false);
        expect(r.code).to.equal(1);
        expect(r.stderr.trim().split('\n')).to.have.length(1);
        expect(r.stderr).to.match(damage === 'zero-length' ? /cannot start: .*empty \(0 bytes\).*held a store/ : /cannot start: .*missing.*held a store/);
        noStack(r.stderr);
        // nothing was created in its place
        expect(existsSync(db) ? statSync(db).size : 0).to.equal(0);

        const v = await run('scripts/verify.ts', [], { DATA_DIR: dir });
        expect(v.code).to.equal(1);
        expect(v.stderr).to.match(/^verify: .*held a store/);
        noStack(v.stderr);
      });
    }

    it('still starts a new store in an empty folder, and marks it', async () => {
      const dir = fresh();
      const s = await openStore({ dataDir: dir, mongodbUri: null });
      await s.init();
      await s.close();
      expect(existsSync(dataFiles(dir).marker)).to.equal(true);
    });
  });

  it('damaged pages: start-up and verify refuse with one clear line', async () => {
    const dir = fresh();
    await seed(dir, ['p1', 'p2', 'p3'], 40);
    const { db } = dataFiles(dir);
    // write garbage over the middle of the file (pages of the events table), as a failing disk would
    const size = statSync(db).size;
    const fd = openSync(db, 'r+');
    try {
      writeSync(fd, Buffer.alloc(8192, 0x5a), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
    } finally {
      closeSync(fd);
    }
    faults.push('damaged database pages');
    const r = await run('server/main.ts', [], { DATA_DIR: dir });
    expect(r.listened).to.equal(false);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^cannot start: .*(damaged|not a database)/);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    noStack(r.stderr);
    const v = await run('scripts/verify.ts', [], { DATA_DIR: dir });
    expect(v.code).to.equal(1);
    expect(v.stderr).to.match(/^verify: .*(damaged|not a database)/);
    noStack(v.stderr);
  });

  it('names a case record altered in the database (the chain check alone does not)', async () => {
    const dir = fresh();
    await seed(dir, ['t1', 't2'], 5);
    const raw = new Database(dataFiles(dir).db);
    raw.prepare(`UPDATE cases SET doc = json_set(doc, '$.summary', '已调解成功', '$.assignees', json('["u-evil"]')) WHERE id = 't1'`).run();
    raw.close();
    faults.push('case record edited in the database');

    const { anchored, chainOnly } = await verifyBoth(dir);
    expect(chainOnly.ok, 'the chain check alone misses it').to.equal(true);
    expect(anchored.ok).to.equal(false);
    expect(anchored.broken).to.have.length(1);
    expect(anchored.broken[0]).to.include({ caseId: 't1', seq: 5 });
    expect(anchored.broken[0].problem).to.match(/record is not the one anchored with version 5.*altered outside the engine/);

    const v = await run('scripts/verify.ts', [], { DATA_DIR: dir });
    expect(v.code).to.equal(1);
    expect(v.stdout).to.match(/BROKEN .*\(t1\): seq 5: the case record is not the one anchored/);
  });

  it("names a case moved to another body's jurisdiction by editing the table's columns (the record untouched)", async () => {
    const dir = fresh();
    await seed(dir, ['col1', 'col2'], 2);
    const raw = new Database(dataFiles(dir).db);
    raw.prepare(`UPDATE cases SET body_id = 'body-elsewhere', status = 'closed' WHERE id = 'col2'`).run();
    raw.close();
    faults.push("case columns edited (jurisdiction moved)");
    const { anchored } = await verifyBoth(dir);
    expect(anchored.broken).to.have.length(1);
    expect(anchored.broken[0]).to.include({ caseId: 'col2', seq: 2 });
    expect(anchored.broken[0].problem).to.equal('the indexed columns (body_id, status) disagree with the case record: the table was edited outside the engine');
  });

  it("names a case's tail cut off with its version rolled back, and start-up refuses", async () => {
    const dir = fresh();
    await seed(dir, ['cut', 'kept'], 10);
    const raw = new Database(dataFiles(dir).db);
    const hash7 = (JSON.parse(raw.prepare(`SELECT doc FROM events WHERE case_id = 'cut' AND seq = 7`).pluck().get() as string) as { hash: string }).hash;
    raw.prepare(`DELETE FROM events WHERE case_id = 'cut' AND seq > 7`).run();
    raw.prepare(`UPDATE cases SET version = 7, doc = json_set(doc, '$.version', 7, '$.lastHash', ?) WHERE id = 'cut'`).run(hash7);
    raw.close();
    faults.push("case tail truncated, version rolled back");

    const { anchored, chainOnly } = await verifyBoth(dir);
    expect(chainOnly.ok, 'the chain check alone misses it').to.equal(true);
    expect(anchored.ok).to.equal(false);
    expect(anchored.broken.map((b) => b.caseId)).to.deep.equal(['cut']);
    expect(anchored.broken[0].seq).to.equal(8);
    expect(anchored.broken[0].problem).to.match(/anchored at version 10 .* holds 7 events: acknowledged events 8–10 are missing/);

    const r = await run('server/main.ts', [], { DATA_DIR: dir });
    expect(r.listened).to.equal(false);
    expect(r.stderr).to.match(/^cannot start: the store does not hold what its anchor log says was acknowledged \(case .*cut.* is at version 7 but was anchored at version 10\)/);
    noStack(r.stderr);
  });

  it('names every acknowledged event an older copy of the database lost (dropped WAL), and start-up refuses', async () => {
    const dir = fresh();
    const ids = ['w1', 'w2', 'w3'];
    await seed(dir, ids, 5);
    const { db } = dataFiles(dir);
    const early = join(root, `early-${n}.db`);
    await withStore(dir, async () => {}); // the last connection closing checkpoints the WAL into the file
    copyFileSync(db, early);
    const later: Array<[string, number]> = [];
    const w = await openWriter(dir);
    await w.write(ids, 5, (id, v) => later.push([id, v]));
    await w.close();
    expect(later).to.have.length(15);
    // the WAL that held the last 15 acknowledged events is gone: the file is the early one again
    for (const s of ['', '-wal', '-shm']) rmSync(`${db}${s}`, { force: true });
    copyFileSync(early, db);
    faults.push('WAL lost after acknowledged commits (older database under the anchor log)');

    const { anchored, chainOnly } = await verifyBoth(dir);
    expect(chainOnly.ok, 'the chain check alone misses it').to.equal(true);
    expect(anchored.ok).to.equal(false);
    expect(anchored.broken.map((b) => b.caseId).sort()).to.deep.equal(ids);
    let named = 0;
    for (const b of anchored.broken) {
      const m = /acknowledged events (\d+)–(\d+) are missing/.exec(b.problem)!;
      named += Number(m[2]) - Number(m[1]) + 1;
    }
    expect(named, 'every dropped acknowledged event is named').to.equal(15);

    const r = await run('server/main.ts', [], { DATA_DIR: dir });
    expect(r.listened).to.equal(false);
    expect(r.code).to.equal(1);
    noStack(r.stderr);
    await withStore(dir, async (s) => {
      let refused: unknown = null;
      await checkAgainstAnchorTail(s, dataFiles(dir).anchors).catch((e: unknown) => (refused = e));
      expect(refused).to.be.instanceOf(StoreRefused);
    });
  });

  it('names a case deleted from the database', async () => {
    const dir = fresh();
    await seed(dir, ['gone', 'here'], 3);
    const raw = new Database(dataFiles(dir).db);
    raw.prepare(`DELETE FROM events WHERE case_id = 'gone'`).run();
    raw.prepare(`DELETE FROM cases WHERE id = 'gone'`).run();
    raw.close();
    faults.push('case deleted from the database');
    const { anchored, chainOnly } = await verifyBoth(dir);
    expect(chainOnly.ok).to.equal(true);
    expect(anchored.broken).to.have.length(1);
    expect(anchored.broken[0].problem).to.match(/the case is missing from the store: it was anchored at version 3/);
  });

  it('names an edited line of the anchor log', async () => {
    const dir = fresh();
    await seed(dir, ['x'], 3);
    const { anchors } = dataFiles(dir);
    const raw = readAnchors(anchors);
    expect(raw.lines).to.have.length(3);
    const text = (await import('node:fs')).readFileSync(anchors, 'utf8').replace('"x",2,', '"x",9,');
    (await import('node:fs')).writeFileSync(anchors, text);
    faults.push('anchor log line edited');
    const { anchored } = await verifyBoth(dir);
    expect(anchored.ok).to.equal(false);
    expect(anchored.anchors!.damagedLines).to.deep.equal([2]);
  });

  it('a line torn by a crash during its append is a warning, and the next append starts a new line', async () => {
    const dir = fresh();
    await seed(dir, ['torn'], 2);
    const { anchors } = dataFiles(dir);
    const fs = await import('node:fs');
    fs.appendFileSync(anchors, '{"at":"2026-12-06T01:00:00.000Z","kind":"commit","heads":[["torn",3,"ab'); // cut short
    faults.push('anchor append torn by a crash');
    await seed(dir, ['torn'], 1);
    const { anchored } = await verifyBoth(dir);
    expect(anchored.ok, JSON.stringify(anchored)).to.equal(true);
    expect(anchored.anchors!.tornLines).to.deep.equal([3]);
    expect(anchored.anchors!.damagedLines).to.deep.equal([]);
    expect(latestHeads(readAnchors(anchors).lines).get('torn')!.version).to.equal(3);
  });

  describe('a full disk', () => {
    it('a store whose writes throw ENOSPC: the write is 503, /api/health turns 503 with the last commit and the error', async () => {
      const dir = fresh();
      const config = loadConfig({ DATA_DIR: dir, NODE_ENV: 'test', LOG_LEVEL: 'silent', PASSWORD_SCRYPT_LOG_N: '10', BACKUP_EVERY_HOURS: '0' });
      const real = await openStore(config);
      let full = false;
      const store: Store = {
        ...real,
        cases: {
          ...real.cases,
          commitMany: async (commits) => {
            if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
            return real.cases.commitMany(commits);
          },
        },
      };
      const running = await startServer(config, { store, listen: false });
      try {
        const app = running.app;
        expect((await request(app).get('/api/health')).status).to.equal(200);
        const login = await request(app).post('/api/auth/login').send({ username: 'med.c1', password: PASSWORD });
        expect(login.status).to.equal(200);
        const token = login.body.token as string;
        const intake = () => request(app).post('/api/cases').set('Authorization', `Bearer ${token}`).send(intakeBody());
        expect((await intake()).status).to.equal(201);

        full = true;
        faults.push('disk full (a store whose writes throw ENOSPC)');
        const failed = await intake();
        expect(failed.status).to.equal(503);
        expect(failed.body.error.code).to.equal('UNAVAILABLE');
        expect(failed.body.error.message).to.match(/storage unavailable: the disk is full/);
        const health = await request(app).get('/api/health');
        expect(health.status).to.equal(503);
        expect(health.body.status).to.equal('unavailable');
        expect(health.body.storage.ok).to.equal(false);
        expect(health.body.storage.lastCommit).to.include({ ok: false, commits: 1 });
        expect(health.body.storage.lastCommit.error).to.match(/the disk is full \(ENOSPC/);
        expect(health.body.storage.errors[0].code).to.equal('ENOSPC');

        // space again: the next commit clears it
        full = false;
        expect((await intake()).status).to.equal(201);
        const again = await request(app).get('/api/health');
        expect(again.status).to.equal(200);
        expect(again.body.storage).to.include({ ok: true });
        expect(again.body.storage.lastCommit).to.include({ ok: true });
      } finally {
        await running.close();
      }
    });

    it('an anchor log that cannot be written: the group is answered 503 (committed, not acknowledged) and health says so', async () => {
      const dir = fresh();
      const store = watchStore(await openStore({ dataDir: dir, mongodbUri: null }), new StorageStatus());
      await store.init();
      const status = storageStatusOf(store)!;
      class FullDisk extends AnchorLog {
        override async append(): Promise<void> {
          throw Object.assign(new Error(`ENOSPC: no space left on device, write '${dir}/mediation.anchors'`), { code: 'ENOSPC' });
        }
      }
      const committer = new GroupCommitter(store, 500, undefined, anchorHook(new FullDisk(dataFiles(dir).anchors), status));
      faults.push('disk full (ENOSPC on the anchor log)');
      try {
        const err = await committer.submit(chained('nospace', null)).then(
          () => null,
          (e: unknown) => e as StorageUnavailable,
        );
        expect(err).to.be.instanceOf(StorageUnavailable);
        expect(err!.message).to.match(/committed but could not be anchored \(the disk is full \(ENOSPC\)\)/);
        expect(err!.message, 'no file path in what a client sees').not.to.include(dir);
        const report = status.report();
        expect(report.ok).to.equal(false);
        expect(report.lastCommit).to.include({ ok: false, commits: 1 });
        // committed, so the outcome is "unknown" to the client, as after a crash
        expect((await store.cases.get('nospace'))?.version).to.equal(1);
      } finally {
        await store.close();
      }
    });

    it("SQLite's own SQLITE_FULL (the file may not grow): 503 on the write and on /api/health", async () => {
      const p = await startProduct({ env: { BACKUP_EVERY_HOURS: '0' } });
      try {
        await p.intake('med.c1');
        const sqlite = p.running.services.store as SqliteStore;
        const pages = Number(sqlite.pragma('page_count' as never));
        sqlite.pragma(`max_page_count = ${pages}` as never);
        faults.push('disk full (SQLITE_FULL: the database file may not grow)');
        let res = await p.post('/api/cases', 'med.c1').send(intakeBody());
        for (let i = 0; i < 50 && res.status === 201; i++) res = await p.post('/api/cases', 'med.c1').send(intakeBody());
        expect(res.status).to.equal(503);
        expect(res.body.error.message).to.match(/the disk is full \(SQLITE_FULL\)/);
        const health = await p.get('/api/health', null);
        expect(health.status).to.equal(503);
        expect(health.body.storage.lastCommit.ok).to.equal(false);
        sqlite.pragma(`max_page_count = ${pages * 100}` as never);
        expect((await p.post('/api/cases', 'med.c1').send(intakeBody())).status).to.equal(201);
        expect((await p.get('/api/health', null)).status).to.equal(200);
      } finally {
        await p.close();
      }
    });
  });

  describe('SIGKILL, and backups under load', () => {
    /** acknowledged (case, version) pairs the store does not hold */
    async function missing(dir: string, acked: Array<[string, number]>): Promise<number> {
      return withStore(dir, async (s) => {
        let lost = 0;
        const have = new Map<string, number>();
        for (const [id] of acked) if (!have.has(id)) have.set(id, (await s.cases.get(id))?.version ?? 0);
        for (const [id, v] of acked) if (v > have.get(id)!) lost++;
        return lost;
      });
    }

    it('every acknowledged commit is in the store and anchored across SIGKILLs (the crash window)', async () => {
      const dir = fresh();
      const acked: Array<[string, number]> = [];
      for (const atLeast of [300, 400, 250]) await writeAndKill(dir, atLeast, acked);
      expect(acked.length).to.be.at.least(950);
      const lost = await missing(dir, acked);
      lostAcknowledged += lost;
      expect(lost).to.equal(0);

      const { anchored } = await verifyBoth(dir);
      expect(anchored.ok, JSON.stringify(anchored.broken)).to.equal(true);
      // acknowledged ⇒ anchored: no acknowledged version is above its case's anchored head
      const heads = latestHeads(readAnchors(dataFiles(dir).anchors).lines);
      for (const [id, v] of acked) expect(heads.get(id)!.version, id).to.be.at.least(v);
      // what a crash may leave unanchored is only ever unacknowledged: at most the group in flight
      notes.push(`SIGKILL ×3: ${acked.length} acknowledged commits, all present and anchored; ${anchored.anchors!.notAnchored.length} cases with unacknowledged events left unanchored by a kill`);
      for (const u of anchored.anchors!.notAnchored) {
        const maxAcked = Math.max(...acked.filter(([id]) => id === u.caseId).map(([, v]) => v));
        expect(u.fromSeq).to.be.greaterThan(maxAcked);
      }
    });

    it('`npm run backup` while a writer commits; `npm run restore` verifies and holds every event acknowledged before the backup', async () => {
      const dir = fresh();
      const backupDir = join(dir, 'backups');
      const acked: Array<[string, number]> = [];
      let ackedBefore: Array<[string, number]> = [];
      let backupOut = '';
      await writeAndKill(dir, 700, acked, {
        at: 300,
        run: async () => {
          ackedBefore = [...acked];
          const r = await run('scripts/backup.ts', [], { DATA_DIR: dir, BACKUP_DIR: backupDir });
          expect(r.code, r.stderr).to.equal(0);
          backupOut = r.stdout;
        },
      });
      faults.push('backup taken under load, then the writer SIGKILLed');
      expect(acked.length, 'writes kept being acknowledged during the backup').to.be.greaterThan(ackedBefore.length);
      const m = /^backup: (\S+\.db) \(\d+ bytes, (\d+) cases, (\d+) events/.exec(backupOut);
      expect(m, backupOut).to.not.equal(null);
      const file = m![1];
      expect(Number(m![3])).to.be.at.least(ackedBefore.length);
      notes.push(`backup under load: ${ackedBefore.length} acknowledged before it began, ${acked.length - ackedBefore.length} more while it ran and after; the backup held ${m![3]} events`);

      // the backup alone, restored into an empty folder: verified, and every early ack is there
      const elsewhere = fresh();
      const r1 = await restoreBackup({ dataDir: elsewhere, backupFile: file });
      expect(r1.verify.ok, JSON.stringify(r1.verify.broken)).to.equal(true);
      const lostEarly = await missing(elsewhere, ackedBefore);
      lostAcknowledged += lostEarly;
      expect(lostEarly).to.equal(0);

      // restored over the live store with the command: it names the roll-back and sets the old files aside
      const r2 = await run('scripts/restore.ts', [file], { DATA_DIR: dir });
      expect(r2.code, r2.stdout + r2.stderr).to.equal(0);
      expect(r2.stdout).to.match(/rolled back: \d+ cases, \d+ acknowledged events after the backup/);
      expect(r2.stdout).to.match(/verify: ok/);
      expect(r2.stdout).to.match(/set aside: .*mediation\.db\.before-restore-/);
      expect(await missing(dir, ackedBefore)).to.equal(0);
      // the service starts on it, and new commits anchor on top of the restore
      const w = await openWriter(dir);
      await w.write(['w-0'], 2);
      await w.close();
      const { anchored } = await verifyBoth(dir);
      expect(anchored.ok, JSON.stringify(anchored.broken)).to.equal(true);
    });

    it('refuses to restore a backup whose file was damaged', async () => {
      const dir = fresh();
      await seed(dir, ['r1'], 3);
      const backupDir = join(dir, 'backups');
      const b = await run('scripts/backup.ts', [], { DATA_DIR: dir, BACKUP_DIR: backupDir });
      expect(b.code, b.stderr).to.equal(0);
      const file = /^backup: (\S+\.db)/.exec(b.stdout)![1];
      const fd = openSync(file, 'r+');
      writeSync(fd, Buffer.from('x'), 0, 1, 5000);
      closeSync(fd);
      faults.push('backup file altered');
      const r = await run('scripts/restore.ts', [file], { DATA_DIR: fresh() });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/^restore: .*is damaged: its sha256 differs/);
      noStack(r.stderr);
    });

    it('scheduled backups run in small steps on the live connection and keep the newest BACKUP_KEEP', async () => {
      const dir = fresh();
      const backupDir = join(dir, 'backups');
      const w = await openWriter(dir);
      try {
        await w.write(['s1', 's2'], 5);
        const done: string[] = [];
        let finish!: () => void;
        const three = new Promise<void>((resolve) => (finish = resolve));
        let clock = Date.parse('2026-12-06T01:00:00Z');
        const schedule = scheduleBackups({
          everyHours: 0.00001, // ~36 ms
          keep: 2,
          backupDir,
          take: () => backupStore(w.store as SqliteStore, { backupDir, anchorFile: dataFiles(dir).anchors, pagesPerStep: 4, now: () => new Date((clock += 1000)) }),
          onDone: (r) => {
            if (!r.ok) throw r.error;
            done.push(r.manifest.file);
            if (done.length === 3) finish();
          },
        });
        await three;
        await schedule.stop();
        expect(listBackups(backupDir)).to.deep.equal(done.slice(-2));
        for (const f of done.slice(-2)) expect(existsSync(f.replace(/\.db$/, '.anchors'))).to.equal(true);
      } finally {
        await w.close();
      }
    });
  });

  describe('the Merkle root of the anchored heads', () => {
    it('is printed by `npm run verify -- --merkle`, per Shanghai day, with a proof a third party can check', async () => {
      const dir = fresh();
      await seed(dir, ['m1', 'm2', 'm3', 'm4', 'm5'], 2);
      const lines = readAnchors(dataFiles(dir).anchors).lines;
      const all = merkleStatement(lines, { caseId: 'm3' });
      expect(all.cases).to.equal(5);
      expect(rootFromProof(all.proof!.leaf, all.proof!.steps)).to.equal(all.root);
      // another head changes the root; the day before the anchors has no heads
      expect(merkleStatement(lines.slice(0, -1)).root).to.not.equal(all.root);
      expect(merkleStatement(lines, { day: '2020-01-01' }).cases).to.equal(0);

      const r = await run('scripts/verify.ts', ['--merkle', '--case', 'm3'], { DATA_DIR: dir });
      expect(r.code, r.stderr).to.equal(0);
      const printed = JSON.parse(r.stdout) as { root: string; cases: number; proof: { leaf: string } };
      expect(printed).to.include({ root: all.root, cases: 5 });
      expect(printed.proof.leaf).to.match(/^m3 2 [0-9a-f]{64} [0-9a-f]{64}$/);
    });
  });

  describe('the running service', () => {
    it('anchors every commit it acknowledges; GET /api/admin/verify checks against the anchors, GET /api/admin/anchors/merkle prints the root', async () => {
      const p = await startProduct({ env: { BACKUP_EVERY_HOURS: '0' } });
      try {
        const { case: c } = await p.intake('med.c1');
        await p.event('med.c1', c.id, 'ACCEPT', acceptData());
        const ok = await p.get('/api/admin/verify').expect(200);
        expect(ok.body.ok, JSON.stringify(ok.body)).to.equal(true);
        expect(ok.body.anchors.cases).to.be.at.least(1);
        expect(ok.body.anchors.damagedLines).to.deep.equal([]);
        const merkle = await p.get(`/api/admin/anchors/merkle?caseId=${c.id}`).expect(200);
        expect(merkle.body.root).to.match(/^[0-9a-f]{64}$/);
        expect(rootFromProof(merkle.body.proof.leaf, merkle.body.proof.steps)).to.equal(merkle.body.root);
        await p.get('/api/admin/anchors/merkle', 'med.c1').expect(403);
        await p.get('/api/admin/anchors/merkle?day=yesterday').expect(400);

        const raw = new Database(dataFiles(p.dir).db);
        raw.prepare(`UPDATE cases SET doc = json_set(doc, '$.summary', '无纠纷') WHERE id = ?`).run(c.id);
        raw.close();
        faults.push('case record edited under the running service');
        const broken = await p.get('/api/admin/verify').expect(200);
        expect(broken.body.ok).to.equal(false);
        expect(broken.body.broken[0]).to.include({ caseId: c.id, caseNo: c.caseNo });
        expect(broken.body.broken[0].problem).to.match(/altered outside the engine/);
      } finally {
        await p.close();
      }
    });
  });
});
