// npm run bench — the engine's numbers on the embedded store (not a test: nothing here asserts);
// `npm run bench -- --store mongo`: the durable transitions on MongoDB (FerretDB here), mainMongo below.
// Prints medians over several runs, and ratios against raw SQLite measured in the same run.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { decide, start, type PersistedSnapshot } from '../workflows/registry.ts';
import { ManualClock, systemClock, isoShanghai } from '../server/engine/clock.ts';
import { Scheduler } from '../server/engine/scheduler.ts';
import type { Commit } from '../server/store/port.ts';
import { makeHarness } from '../test/support/harness.ts';
import { acceptData } from '../test/support/workflow.ts';
import { districtBench } from './engine-district.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const tmp = () => mkdtempSync(path.join(tmpdir(), 'mediation-bench-'));

function rawInserts(perTx: number, total: number): number {
  const dir = tmp();
  const db = new Database(path.join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE e (case_id TEXT, seq INTEGER, doc TEXT, PRIMARY KEY (case_id, seq))');
  const ins = db.prepare('INSERT INTO e VALUES (?, ?, ?)');
  const doc = JSON.stringify({ type: 'RECORD_SESSION', data: { summary: '双方到场，调解员释法析理' }, at: new Date().toISOString() });
  const tx = db.transaction((from: number) => {
    for (let i = 0; i < perTx; i++) ins.run(`c${(from + i) % 1000}`, from + i, doc);
  });
  const t0 = performance.now();
  for (let n = 0; n < total; n += perTx) tx(n);
  const secs = (performance.now() - t0) / 1000;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return total / secs;
}

async function durableTransitions(concurrency: number, total: number, caseCount = 2000) {
  const h = await makeHarness();
  const med = h.actor('med.c1');
  const ids: string[] = [];
  for (let i = 0; i < caseCount; i++) {
    const { record } = await h.intake();
    await h.engine.dispatch(record.id, { type: 'ACCEPT', data: acceptData(record.snapshot.context.parties) }, med);
    ids.push(record.id);
  }
  // each event lands on a case of ordinary size: `total / caseCount` events per case, in turn
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const id = ids[next++ % ids.length];
        const s = performance.now();
        await h.engine.dispatch(id, { type: 'RECORD_SESSION', data: { summary: '双方到场，调解员释法析理' } }, med);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  await h.close();
  return { perSec: latencies.length / secs, p50: pct(latencies, 0.5), p99: pct(latencies, 0.99) };
}

function cpuPerTransition(n: number): number {
  const bodies = { community: 'b1', subdistrict: 'b2', district: 'b3', court: 'b4' };
  const s = start({
    caseId: 'c', caseNo: 'N', channel: 'walk_in', category: 'leakage', compoundId: 'k', summary: '漏水', claims: [], householdsInvolved: 1,
    parties: [{ id: 'p1', role: 'applicant', kind: 'person', name: '张三' }], bodies, tier: 'community',
    flags: { major: false, specialised: false, escalationRisk: false, majorReasons: [] }, delegation: null, at: '2026-11-23T09:00:00+08:00',
  });
  const accepted = decide('2026.2', s.snapshot, { type: 'ACCEPT', data: {}, actor: { id: 'm', username: 'm', role: 'mediator', bodyId: 'b1' }, at: '2026-11-23T10:00:00+08:00' });
  if (!accepted.ok) throw new Error('setup');
  const stored = JSON.stringify(accepted.snapshot);
  const actor = { id: 'm', username: 'm', role: 'mediator' as const, bodyId: 'b1' };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const restored = JSON.parse(stored) as PersistedSnapshot; // restore from the stored row
    const r = decide('2026.2', restored, { type: 'RECORD_SESSION', data: { summary: 'x' }, actor, at: '2026-11-24T10:00:00+08:00' });
    if (!r.ok) throw new Error('refused');
    JSON.stringify(r.snapshot); // persist
  }
  return ((performance.now() - t0) * 1000) / n;
}

/** Fills a store with `n` cases by cloning real commits (intake is the real path; cloning keeps
 * the setup fast). */
async function fillStore(file: string, n: number) {
  const h = await makeHarness({ file, keep: true });
  const { record } = await h.intake();
  const events = await h.store.events.list(record.id);
  const batch: Commit[] = [];
  for (let i = 0; i < n; i++) {
    const id = `bench${String(i).padStart(7, '0')}`;
    batch.push({
      caseId: id,
      expectedVersion: 0,
      event: { ...events[0], caseId: id },
      record: { ...record, id, caseNo: `${record.caseNo}-${i}` },
      outbox: [],
      armTimers: [],
      cancelTimerKinds: [],
    });
    if (batch.length === 2000) await h.store.cases.commitMany(batch.splice(0));
  }
  if (batch.length) await h.store.cases.commitMany(batch.splice(0));
  await h.store.close();
}

/** Cold start measured in a fresh process: open the store, load the directory, serve one read. */
function coldStart(file: string): Promise<{ ms: number; rssMb: number }> {
  const script = `
    const t0 = performance.now();
    const { createSqliteStore } = await import('./server/store/sqlite/index.ts');
    const { Directory } = await import('./server/engine/directory.ts');
    const store = createSqliteStore({ file: ${JSON.stringify(file)} });
    await store.init();
    await new Directory(store).refresh();
    const { items } = await store.cases.list({ page: 1, limit: 20 });
    await store.cases.get(items[0].id);
    const ms = performance.now() - t0;
    globalThis.gc?.();
    console.log(JSON.stringify({ ms, rssMb: process.memoryUsage().rss / 1048576, count: await store.cases.count() }));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd() });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`exit ${code}`))));
  });
}

async function timerLateness(count: number) {
  // real clock: timers due over the next ~2 s, the scheduler polling as in production
  const h = await makeHarness({ start: isoShanghai(new Date()) });
  const cases = [];
  for (let i = 0; i < count; i++) cases.push((await h.intake()).record);
  await h.store.close();
  const { createSqliteStore } = await import('../server/store/sqlite/index.ts');
  const store = createSqliteStore({ file: h.file });
  await store.init();
  // re-point each case's timers to fire in the next two seconds
  const now = Date.now();
  const db = new Database(h.file);
  const rows = db.prepare("SELECT id FROM timers WHERE state = 'pending'").all() as Array<{ id: string }>;
  const upd = db.prepare('UPDATE timers SET due_at = ? WHERE id = ?');
  const dueBy = new Map<string, number>();
  db.transaction(() => rows.forEach((r, i) => {
    const due = now + 500 + Math.floor((i / rows.length) * 1500);
    dueBy.set(r.id, due);
    upd.run(due, r.id);
  }))();
  db.close();
  const { Engine } = await import('../server/engine/engine.ts');
  const engine = new Engine({ ...(h.engine as unknown as { opts: ConstructorParameters<typeof Engine>[0] }).opts, store, clock: systemClock });
  const scheduler = new Scheduler(engine, store, systemClock, { pollMs: 50 });
  scheduler.start();
  const lateness: number[] = [];
  const deadline = Date.now() + 10_000;
  while (lateness.length < rows.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const fired = new Database(h.file, { readonly: true });
    const got = fired.prepare("SELECT id, fired_at FROM timers WHERE state = 'fired'").all() as Array<{ id: string; fired_at: string }>;
    fired.close();
    lateness.length = 0;
    for (const t of got) {
      const firedAt = Date.parse(t.fired_at ?? '');
      if (Number.isFinite(firedAt) && dueBy.has(t.id)) lateness.push(firedAt - dueBy.get(t.id)!);
    }
  }
  await scheduler.stop();
  await store.close();
  rmSync(h.dir, { recursive: true, force: true });
  return { fired: lateness.length, of: rows.length, p50: pct(lateness, 0.5), p99: pct(lateness, 0.99) };
}

async function overdueAfterRestart(count: number) {
  const h = await makeHarness({ keep: true });
  for (let i = 0; i < count; i++) await h.intake();
  await h.store.close();
  // the process was down for a week: every timer is overdue
  const t0 = performance.now();
  const h2 = await makeHarness({ file: h.file, start: '2026-12-01T09:00:00+08:00', keep: true });
  const fired = await h2.scheduler.runDue();
  const ms = performance.now() - t0;
  await h2.close();
  rmSync(h.dir, { recursive: true, force: true });
  return { fired, ms };
}

async function extras() {
  console.log(`extras — node ${process.version}, ${RUNS} runs each, medians; synchronous=FULL everywhere\n`);
  const raw1 = [], rawB = [], cpu = [];
  for (let r = 0; r < RUNS; r++) {
    raw1.push(rawInserts(1, 2000));
    rawB.push(rawInserts(1000, 100_000));
    cpu.push(cpuPerTransition(20_000));
  }
  console.log(`raw SQLite insert, one per transaction : ${fmt(median(raw1))} rows/s`);
  console.log(`raw SQLite insert, 1000 per transaction: ${fmt(median(rawB))} rows/s`);
  console.log(`CPU: restore + one transition + persist: ${fmt(median(cpu), 1)} µs`);

  const dir = tmp();
  const file = path.join(dir, 'big.db');
  const n = Number(process.env.BENCH_CASES ?? 100_000);
  const tFill = performance.now();
  await fillStore(file, n);
  console.log(`\nfilled a store with ${fmt(n)} cases in ${fmt((performance.now() - tFill) / 1000, 1)} s`);
  const colds = [];
  for (let r = 0; r < RUNS; r++) colds.push(await coldStart(file));
  console.log(`cold start with ${fmt(n)} cases (open, migrate check, directory, first list + read): ${fmt(median(colds.map((c) => c.ms)))} ms; RSS ${fmt(median(colds.map((c) => c.rssMb)), 1)} MB`);
  rmSync(dir, { recursive: true, force: true });

  const late = await timerLateness(300);
  console.log(`\ntimers: ${late.fired}/${late.of} fired; lateness p50 ${fmt(late.p50)} ms, p99 ${fmt(late.p99)} ms (poll 50 ms)`);
  const od = await overdueAfterRestart(500);
  console.log(`restart with ${od.fired ?? 0} overdue timers: all fired ${fmt(od.ms)} ms after start (incl. opening the store)`);
  void ManualClock;
}

/** `npm run bench -- --store mongo`: the durable-transition figure on MongoDB (FerretDB, started by
 * scripts/ferretdb.sh, unless MONGODB_URI names a server), each run on a database of its own (the
 * harness's, as under `npm run test:mongo`). Fewer cases and events than on the embedded store: each
 * FerretDB commit is about a dozen round trips (docs/deploy.md). One JSON line at the end. */
async function mainMongo(): Promise<void> {
  if (!process.env.MONGODB_URI) {
    const child = spawn('scripts/ferretdb.sh', ['run', process.execPath, '--import', 'tsx', 'bench/engine.bench.ts', '--store', 'mongo'], { stdio: 'inherit' });
    process.exitCode = await new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
    return;
  }
  process.env.TEST_MONGODB_URI = process.env.MONGODB_URI;
  const cases = Number(process.env.BENCH_MONGO_CASES ?? 200);
  const total = Number(process.env.BENCH_MONGO_EVENTS ?? 1000);
  console.log(`engine bench on MongoDB (${process.env.FERRETDB_VERSION ? `FerretDB ${process.env.FERRETDB_VERSION}` : 'MONGODB_URI'}) — node ${process.version}, ${RUNS} runs, medians`);
  const dur = [], p50 = [], p99 = [];
  for (let r = 0; r < RUNS; r++) {
    const d = await durableTransitions(200, total, cases);
    dur.push(d.perSec);
    p50.push(d.p50);
    p99.push(d.p99);
  }
  console.log(`durable transitions (load, decide, commit; group commit, 200 in flight, ${cases} cases, ${total} events): ${fmt(median(dur), 1)} /s`);
  console.log(`   commit latency p50 ${fmt(median(p50), 0)} ms, p99 ${fmt(median(p99), 0)} ms`);
  console.log(JSON.stringify({ store: 'mongo', server: process.env.FERRETDB_VERSION ? `FerretDB ${process.env.FERRETDB_VERSION}` : 'mongodb', cases, events: total, perSec: median(dur), p50Ms: median(p50), p99Ms: median(p99), runs: RUNS }));
}

const storeArg = process.argv.indexOf('--store');
if (storeArg >= 0 && process.argv[storeArg + 1] === 'mongo') await mainMongo();
else if (process.argv.includes('--extras')) await extras();
else await districtBench({ quick: process.argv.includes('--quick'), json: process.argv.includes('--json') });
