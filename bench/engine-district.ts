// `npm run bench` (bench/engine.bench.ts): the engine on a generated district (bench/district.ts),
// beside the floor measured in the same run. What it reports, each a median over the runs (one run in
// --quick), every run on a fresh copy of the same district:
//
// - durableTransitionsPerSec: RECORD_SESSION on the district's active cases, 200 in flight (closed
//   loop), synchronous=FULL, group commit as in production.
// - floorPerSec / floorRatio: the same rows (each event's row, its case's record document, its outbox
//   entries, as the engine wrote them) written by plain prepared statements in the same group sizes,
//   synchronous=FULL, WAL, into a copy of the same database, with no JS beyond the statements: what
//   SQLite alone costs for the writes a transition must make. The engine as a fraction of it.
// - writtenBytesPerTransition: what the process passed to write() during the closed loop (Linux
//   /proc/self/io wchar: WAL frames, the checkpoint worker's copies, the anchor log) per transition.
// - p99MsAt2000PerSec: a paced open-loop client sends 2,000 events/s on a schedule; each latency is
//   from the scheduled send time, so queueing counts (a closed loop hides it).
// - intakeP99MsBusyCompound / intakeLoopMaxBlockMs: intakes on the compound with `busy` earlier cases
//   (回访倒查 links to up to 50 of them), one at a time, with the production access-code cost; the
//   longest the event loop was blocked meanwhile.
// - eventCostRatio100vs1: process CPU (JS and SQLite, user + system) per event on cases with 100
//   recorded sessions over that on cases with one, interleaved after a warm-up round; beside it the
//   part in the store's commit, the rest (eventJs…), and the record and snapshot sizes of both.
//
// --json prints one JSON object on stdout (the log goes to stderr); --quick is small enough for CI.
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Commit } from '../server/store/port.ts';
import { buildDistrict, FULL, openCopy, QUICK, type District } from './district.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

const SESSION = { summary: '双方到场，调解员释法析理，当事人陈述意见并提交材料' };

interface Captured {
  groups: number[];
}

/** Counts the group sizes the committer forms (the floor writes in the same ones). */
function captureGroups(d: District): Captured {
  const c: Captured = { groups: [] };
  const inner = d.store.cases.commitMany.bind(d.store.cases);
  d.store.cases.commitMany = (commits: Commit[]) => {
    c.groups.push(commits.length);
    return inner(commits);
  };
  return c;
}

/** Bytes this process has passed to write() so far (Linux /proc/self/io `wchar`: the WAL's frames, the
 * checkpoint worker's copies into the database file, the anchor log), or null where there is no such file. */
export function writtenBytes(): number | null {
  try {
    const m = /^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function closedLoop(d: District, ids: string[], total: number, inFlight: number): Promise<{ perSec: number; p99: number; writtenPerTransition: number | null }> {
  const latencies: number[] = [];
  let next = 0;
  const w0 = writtenBytes();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const id = ids[next++ % ids.length];
        const s = performance.now();
        await d.core.engine.dispatch(id, { type: 'RECORD_SESSION', data: SESSION }, d.actorFor(bodyOf(d, id)));
        latencies.push(performance.now() - s);
      }
    }),
  );
  const perSec = latencies.length / ((performance.now() - t0) / 1000);
  const w1 = writtenBytes();
  return { perSec, p99: pct(latencies, 0.99), writtenPerTransition: w0 === null || w1 === null ? null : (w1 - w0) / latencies.length };
}

/** BENCH_CPU_PROF=<dir>: CPU profiles of the first run's closed loop and of its intakes, each alone, as <dir>/<name>.cpuprofile. */
async function startProfile(name: string): Promise<() => Promise<void>> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return async () => undefined;
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 }); // µs
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}

const bodies = new Map<string, string>();
function bodyOf(_d: District, id: string): string {
  return bodies.get(id)!;
}
async function learnBodies(d: District, ids: string[]): Promise<void> {
  for (const id of ids) if (!bodies.has(id)) bodies.set(id, (await d.store.cases.get(id))!.bodyId);
}

/** Open loop: event i is due at t0 + i/rate; its latency runs from then, however late it is sent.
 * What has not settled `graceMs` after the last is due counts as an error, with its wait so far as
 * its latency (a lower bound), so an overloaded server cannot stall the benchmark. */
export async function paced<T>(
  rate: number,
  seconds: number,
  send: (i: number) => Promise<T>,
  graceMs = 10_000,
): Promise<{ p50: number; p99: number; errors: number; sentPerSec: number; firstError?: string }> {
  const n = Math.round(rate * seconds);
  const latencies: number[] = [];
  const pending = new Map<number, number>();
  let errors = 0;
  let firstError: string | undefined;
  let i = 0;
  let sentAt = 0;
  const t0 = performance.now() + 5;
  await new Promise<void>((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      resolve();
    };
    const tick = () => {
      const now = performance.now();
      while (i < n && t0 + (i * 1000) / rate <= now) {
        const due = t0 + (i * 1000) / rate;
        const k = i++;
        pending.set(k, due);
        send(k).then(
          () => {
            if (pending.delete(k)) latencies.push(performance.now() - due);
          },
          (e: unknown) => {
            if (!pending.delete(k)) return;
            errors++;
            firstError ??= String((e as Error)?.message ?? e);
          },
        ).finally(() => {
          if (i === n && pending.size === 0) finish();
        });
      }
      if (i < n) setTimeout(tick, 1);
      else {
        sentAt = performance.now();
        setTimeout(finish, graceMs).unref();
      }
    };
    tick();
  });
  const now = performance.now();
  for (const due of pending.values()) {
    latencies.push(now - due);
    errors++;
  }
  if (pending.size) firstError ??= `${pending.size} still unanswered ${graceMs} ms after the last was due`;
  pending.clear();
  return { p50: pct(latencies, 0.5), p99: pct(latencies, 0.99), errors, sentPerSec: n / ((sentAt - t0) / 1000 || 1), ...(firstError ? { firstError } : {}) };
}

/** CPU per event (µs, user + system of this process) over `rounds` rounds of one event on each case,
 * and the part of it spent in the store's group commit (SQLite's writes, WAL and fsync: the embedded
 * store commits synchronously inside commitMany). One event per case at a time: the groups are as
 * small as the number of cases, so the commit's per-event share is far above the closed loop's. */
async function cpuPerEvent(d: District, ids: string[], rounds: number): Promise<{ total: number; commit: number }> {
  const cases = d.store.cases;
  const inner = cases.commitMany;
  let commit = 0;
  cases.commitMany = (commits: Commit[]) => {
    const c0 = process.cpuUsage();
    const done = inner.call(cases, commits);
    const c = process.cpuUsage(c0);
    commit += c.user + c.system;
    return done;
  };
  const before = process.cpuUsage();
  try {
    for (let r = 0; r < rounds; r++) {
      await Promise.all(ids.map((id) => d.core.engine.dispatch(id, { type: 'RECORD_SESSION', data: SESSION }, d.actorFor(bodyOf(d, id)))));
    }
  } finally {
    cases.commitMany = inner;
  }
  const used = process.cpuUsage(before);
  const n = rounds * ids.length;
  return { total: (used.user + used.system) / n, commit: commit / n };
}

/** Median length (bytes of JSON) of the cases' record documents and of their workflow snapshots. */
async function docBytes(d: District, ids: string[]): Promise<{ doc: number; snapshot: number }> {
  const records = await Promise.all(ids.map((id) => d.store.cases.get(id)));
  return {
    doc: median(records.map((r) => Buffer.byteLength(JSON.stringify(r)))),
    snapshot: median(records.map((r) => Buffer.byteLength(JSON.stringify(r!.snapshot)))),
  };
}

async function intakes(d: District, count: number): Promise<{ p99: number; p50: number; maxBlockMs: number; related: number }> {
  const latencies: number[] = [];
  let related = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  for (let i = 0; i < count; i++) {
    d.clock.advance(60_000);
    const s = performance.now();
    const { record } = await d.core.engine.intake(d.intakeFor(d.busyCompoundId), d.actorFor('b-d1'));
    latencies.push(performance.now() - s);
    const events = await d.store.events.list(record.id, 0, 1);
    related += ((events[0]?.data as { relatedCases?: unknown[] }).relatedCases ?? []).length;
  }
  loop.disable();
  return { p99: pct(latencies, 0.99), p50: pct(latencies, 0.5), maxBlockMs: loop.max / 1e6, related: related / count };
}

/** The floor: the engine's rows of the run (after `mark`), rewritten by plain statements in its group sizes. */
function floor(engineFile: string, baseCopy: string, eventMark: number, outboxMark: number, groups: number[]): { perSec: number; bytesPerTransition: number } {
  const src = new Database(engineFile, { readonly: true });
  const events = src.prepare('SELECT case_id, seq, type, at, doc FROM events WHERE rowid > ? ORDER BY rowid').raw().all(eventMark) as Array<[string, number, string, string, string]>;
  const outbox = new Map<string, unknown[][]>();
  for (const o of src.prepare('SELECT id, case_id, seq, topic, created_at, payload FROM outbox WHERE pos > ? ORDER BY pos').raw().all(outboxMark) as unknown[][]) {
    const k = `${o[1]}:${o[2]}`;
    outbox.set(k, [...(outbox.get(k) ?? []), o]);
  }
  const docs = new Map((src.prepare('SELECT id, doc FROM cases').raw().all() as Array<[string, string]>).map(([id, doc]) => [id, doc]));
  src.close();
  let bytes = 0;
  for (const e of events) bytes += e[4].length + docs.get(e[0])!.length;

  const db = new Database(baseCopy);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const insEvent = db.prepare('INSERT INTO events (case_id, seq, type, at, doc) VALUES (?, ?, ?, ?, ?)');
  const updCase = db.prepare('UPDATE cases SET doc = ?, version = ?, updated_at = ? WHERE id = ?');
  const insOutbox = db.prepare('INSERT INTO outbox (id, case_id, seq, topic, created_at, payload) VALUES (?, ?, ?, ?, ?, ?)');
  const tx = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const [caseId, seq, type, at, doc] = events[i];
      insEvent.run(caseId, seq, type, at, doc);
      updCase.run(docs.get(caseId)!, seq, Date.parse(at), caseId);
      for (const o of outbox.get(`${caseId}:${seq}`) ?? []) insOutbox.run(...o);
    }
  });
  // the same group sizes, in the same order (the groups of set-up work before the mark are not replayed)
  const sizes = [...groups];
  const t0 = performance.now();
  let at = 0;
  while (at < events.length) {
    const k = Math.max(1, Math.min(sizes.shift() ?? 200, events.length - at));
    tx.immediate(at, at + k);
    at += k;
  }
  const secs = (performance.now() - t0) / 1000;
  db.close();
  return { perSec: events.length / secs, bytesPerTransition: bytes / Math.max(1, events.length) };
}

export async function districtBench(opts: { quick: boolean; json: boolean }): Promise<void> {
  const log = (s: string) => (opts.json ? process.stderr : process.stdout).write(`${s}\n`);
  const spec = opts.quick ? QUICK : FULL;
  const runs = opts.quick ? 1 : Number(process.env.BENCH_RUNS ?? 3);
  const total = opts.quick ? 3000 : Number(process.env.BENCH_EVENTS ?? 12_000);
  const pacedSeconds = opts.quick ? 1.5 : 5;
  const intakeCount = opts.quick ? 20 : 100;
  const dir = mkdtempSync(path.join(tmpdir(), 'mediation-bench-'));
  const base = path.join(dir, 'district.db');
  log(`engine bench — node ${process.version}; district: ${spec.cases} cases over every compound + ${spec.busy} on a busy one, ${spec.aged} with ${spec.agedSessions} sessions; ${runs} run(s), medians; synchronous=FULL; writer thread ${process.env.SQLITE_WRITER_THREAD === 'on' ? 'on' : 'off'}`);
  const tb = performance.now();
  await buildDistrict(base, spec, log);
  log(`district built in ${((performance.now() - tb) / 1000).toFixed(1)} s`);

  const r = { dur: [] as number[], closedP99: [] as number[], fl: [] as number[], ratio: [] as number[], p50At: [] as number[], p99At: [] as number[], sentAt: [] as number[], errAt: [] as number[] };
  const x = { intakeP99: [] as number[], intakeP50: [] as number[], block: [] as number[], related: [] as number[], cost1: [] as number[], cost100: [] as number[], ratio: [] as number[], commit1: [] as number[], commit100: [] as number[], jsRatio: [] as number[], doc1: [] as number[], doc100: [] as number[], snap1: [] as number[], snap100: [] as number[], group: [] as number[], bytes: [] as number[], written: [] as number[] };
  try {
    for (let run = 0; run < runs; run++) {
      const file = path.join(dir, `engine-${run}.db`);
      const d = await openCopy(base, file);
      try {
        const fresh = d.active.slice(0, spec.aged);
        const traffic = d.active.slice(spec.aged);
        await learnBodies(d, d.active);
        await learnBodies(d, d.aged);
        // event cost by age: a round on each first, unmeasured (JIT, caches: the first set measured
        // otherwise pays for both), then interleaved, each round swapping which goes first
        await cpuPerEvent(d, fresh, 1);
        await cpuPerEvent(d, d.aged, 1);
        const rounds = opts.quick ? 6 : 8;
        const c1 = { total: 0, commit: 0 };
        const c100 = { total: 0, commit: 0 };
        for (let k = 0; k < rounds; k++) {
          const pair: Array<[string[], typeof c1]> = [
            [fresh, c1],
            [d.aged, c100],
          ];
          for (const [ids, sum] of k % 2 === 0 ? pair : pair.reverse()) {
            const c = await cpuPerEvent(d, ids, 3);
            sum.total += c.total;
            sum.commit += c.commit;
          }
        }
        x.cost1.push(c1.total / rounds);
        x.cost100.push(c100.total / rounds);
        x.ratio.push(c100.total / c1.total);
        x.commit1.push(c1.commit / rounds);
        x.commit100.push(c100.commit / rounds);
        x.jsRatio.push((c100.total - c100.commit) / (c1.total - c1.commit));
        const [b1, b100] = [await docBytes(d, fresh), await docBytes(d, d.aged)];
        x.doc1.push(b1.doc);
        x.doc100.push(b100.doc);
        x.snap1.push(b1.snapshot);
        x.snap100.push(b100.snapshot);

        const raw = new Database(file, { readonly: true });
        const eventMark = raw.prepare('SELECT MAX(rowid) FROM events').pluck().get() as number;
        const outboxMark = (raw.prepare('SELECT MAX(pos) FROM outbox').pluck().get() as number | null) ?? 0;
        raw.close();
        const captured = captureGroups(d);
        const stopProfile = run === 0 ? await startProfile('engine-closed-loop') : async () => undefined;
        const closed = await closedLoop(d, traffic, total, 200);
        await stopProfile();
        r.dur.push(closed.perSec);
        r.closedP99.push(closed.p99);
        x.group.push(captured.groups.reduce((s, g) => s + g, 0) / Math.max(1, captured.groups.length));
        await d.store.close(); // (checkpoints the WAL) the floor reads this run's rows
        const floorCopy = path.join(dir, `floor-${run}.db`);
        const { copyFileSync } = await import('node:fs');
        copyFileSync(base, floorCopy);
        const f = floor(file, floorCopy, eventMark, outboxMark, captured.groups);
        r.fl.push(f.perSec);
        r.ratio.push(closed.perSec / f.perSec);
        x.bytes.push(f.bytesPerTransition);
        if (closed.writtenPerTransition !== null) x.written.push(closed.writtenPerTransition);
        rmSync(floorCopy, { force: true });
        rmSync(`${floorCopy}-wal`, { force: true });
        log(`run ${run + 1}: engine ${closed.perSec.toFixed(0)}/s (closed loop, 200 in flight, p99 ${closed.p99.toFixed(1)} ms, mean group ${x.group.at(-1)!.toFixed(0)}); floor ${f.perSec.toFixed(0)}/s; ratio ${(closed.perSec / f.perSec).toFixed(3)}`);
      } finally {
        await d.close().catch(() => undefined);
      }
      // paced and intake on a fresh copy (the closed loop's run left its store closed)
      const d2 = await openCopy(base, path.join(dir, `paced-${run}.db`));
      try {
        await learnBodies(d2, d2.active);
        const traffic = d2.active.slice(spec.aged);
        const p = await paced(2000, pacedSeconds, (i) => {
          const id = traffic[i % traffic.length];
          return d2.core.engine.dispatch(id, { type: 'RECORD_SESSION', data: SESSION }, d2.actorFor(bodyOf(d2, id)));
        });
        r.p50At.push(p.p50);
        r.p99At.push(p.p99);
        r.sentAt.push(p.sentPerSec);
        r.errAt.push(p.errors);
        const stopIntakeProfile = run === 0 ? await startProfile('engine-intakes') : async () => undefined;
        const i = await intakes(d2, intakeCount);
        await stopIntakeProfile();
        x.intakeP99.push(i.p99);
        x.intakeP50.push(i.p50);
        x.block.push(i.maxBlockMs);
        x.related.push(i.related);
        log(`run ${run + 1}: paced 2000/s: p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms, ${p.errors} errors; intake on the busy compound p50 ${i.p50.toFixed(1)} ms, p99 ${i.p99.toFixed(1)} ms, loop blocked ≤ ${i.maxBlockMs.toFixed(1)} ms, ${i.related.toFixed(0)} links each; CPU/event ${x.cost1.at(-1)!.toFixed(0)} µs new vs ${x.cost100.at(-1)!.toFixed(0)} µs at 100 sessions`);
      } finally {
        await d2.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const out = {
    bench: 'engine',
    quick: opts.quick,
    writerThread: process.env.SQLITE_WRITER_THREAD === 'on',
    runs,
    districtCases: spec.cases + spec.busy,
    durableTransitionsPerSec: round(median(r.dur), 0),
    closedLoopP99Ms: round(median(r.closedP99)),
    floorPerSec: round(median(r.fl), 0),
    floorRatio: round(median(r.ratio), 3),
    meanGroupSize: round(median(x.group), 1),
    bytesPerTransition: round(median(x.bytes), 0),
    writtenBytesPerTransition: x.written.length ? round(median(x.written), 0) : null,
    p50MsAt2000PerSec: round(median(r.p50At)),
    p99MsAt2000PerSec: round(median(r.p99At)),
    sentPerSecAt2000: round(median(r.sentAt), 0),
    errorsAt2000PerSec: Math.max(...r.errAt),
    intakeP50MsBusyCompound: round(median(x.intakeP50)),
    intakeP99MsBusyCompound: round(median(x.intakeP99)),
    intakeLoopMaxBlockMs: round(median(x.block)),
    intakeRelatedCases: round(median(x.related), 1),
    eventCpuUsNew: round(median(x.cost1), 0),
    eventCpuUs100Sessions: round(median(x.cost100), 0),
    eventCostRatio100vs1: round(median(x.ratio), 3),
    // the same split: the store's commit (SQLite) and the rest (JS: load, decide, build the commit)
    eventCommitCpuUsNew: round(median(x.commit1), 0),
    eventCommitCpuUs100Sessions: round(median(x.commit100), 0),
    eventJsCpuUsNew: round(median(x.cost1) - median(x.commit1), 0),
    eventJsCpuUs100Sessions: round(median(x.cost100) - median(x.commit100), 0),
    eventJsCostRatio100vs1: round(median(x.jsRatio), 3),
    // what an event on such a case reads and rewrites (deterministic: no machine noise)
    caseDocBytesNew: median(x.doc1),
    caseDocBytes100Sessions: median(x.doc100),
    snapshotBytesNew: median(x.snap1),
    snapshotBytes100Sessions: median(x.snap100),
  };
  if (opts.json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else for (const [k, v] of Object.entries(out)) log(`${k.padEnd(28)} ${v}`);
}

export { FULL, QUICK };
