// npm run bench:api — the HTTP API under load (a benchmark, not a test).
//
// A child process serves the real product (startServer: embedded store in a temp folder, system
// clock, TEST_CLOCK off, request logging off) and, in the same process, a bare express route that
// parses JSON and answers JSON. This process drives both with autocannon over loopback:
//   (a) POST /api/cases/:id/events  RECORD_SESSION spread over many cases, expectedVersion omitted,
//       50 connections for BENCH_SECONDS (default 10): events per second, p50 and p99 latency;
//   (b) the bare route, same connections and duration: requests per second; the ratio (a)/(b);
//   (c) the event POST at fixed arrival rates, 1,000/s and 1,500/s, from a paced open-loop client
//       (bench/engine-district.ts paced: request i is due at t0 + i/rate and its latency runs from
//       then, so queueing counts — autocannon's overallRate sends per-second bursts and times each
//       request from its own send): p50, p99, errors and non-2xx.
// --json prints one JSON object on stdout (the log goes to stderr); --quick: 2 s runs, 50 cases.
// Beside throughput, the serving process's CPU time per answered request in (a) and (b)
// (process.cpuUsage, every thread): on a shared machine it swings less than requests per second.
// Environment: BENCH_SECONDS (10), BENCH_CASES (200), BENCH_CONNECTIONS (50),
// BENCH_LOG_LEVEL (silent: set `info` to include the cost of request logging), BENCH_CPU_PROF=<dir>
// (CPU profiles of the serving process: the closed-loop run, and each paced run at 1,000/s and more),
// BENCH_HEAP_PROF=1 (with BENCH_CPU_PROF: sampled allocation profiles of the same runs, .heapprofile),
// BENCH_SERVER_NODE_FLAGS (flags for the serving process's node, e.g. `--max-semi-space-size=64`).
// Each paced run also reports the server's event-loop utilization, its CPU time and the client's per
// event, the garbage collector's pauses, the group commit (groups, mean size, mean commit and anchor
// times) and the bytes the server wrote per event (Linux: WAL frames, checkpoint copies, the anchor log).
// `npm run bench:api -- --store mongo`: the same on MongoDB — MONGODB_URI's server, or else FerretDB
// started for the run by scripts/ferretdb.sh (the product then serves from a fresh database there).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import { BENCH_PASSWORD, mediatorWithCases, post, sessionEvent } from './api-client.ts';
import { paced, writtenBytes } from './engine-district.ts';
import type { GroupCommitStats } from '../server/engine/group-commit.ts';

const QUICK = process.argv.includes('--quick');
const JSON_OUT = process.argv.includes('--json');
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 2 : 10));
const CASES = Number(process.env.BENCH_CASES ?? (QUICK ? 50 : 200));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
/** the log: stderr when stdout carries the JSON */
const say = (s = '') => (JSON_OUT ? process.stderr : process.stdout).write(`${s}\n`);

// ── the child: serve the product and the bare route on ephemeral loopback ports ────────────────
async function serve(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wuye-bench-api-'));
  const { loadConfig } = await import('../server/config.ts');
  const { startServer } = await import('../server/wiring.ts');
  const express = (await import('express')).default;
  const mongo = process.env.BENCH_MONGODB_URI;
  const config = loadConfig({
    NODE_ENV: 'development',
    DATA_DIR: dir,
    TEST_CLOCK: '0',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    DEMO_PASSWORD: BENCH_PASSWORD,
    PASSWORD_SCRYPT_LOG_N: '12',
    SQLITE_WRITER_THREAD: process.env.SQLITE_WRITER_THREAD ?? 'off',
    ...(mongo ? { MONGODB_URI: mongo } : {}),
  });
  const running = await startServer(config, { listen: false });
  await new Promise<void>((resolve) => running.server.listen(0, '127.0.0.1', resolve));

  const bare = express();
  bare.use(express.json({ limit: '100kb' }));
  bare.post('/bare', (req, res) => {
    res.json({ ok: true, type: (req.body as { type?: string }).type ?? null, at: new Date().toISOString() });
  });
  const bareServer = bare.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => bareServer.once('listening', () => resolve()));

  const port = (s: { address(): unknown }) => (s.address() as AddressInfo).port;
  process.stdout.write(`${JSON.stringify({ product: `http://127.0.0.1:${port(running.server)}`, bare: `http://127.0.0.1:${port(bareServer)}` })}\n`);
  const stop = async () => {
    bareServer.close();
    await running.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('disconnect', () => void stop());
  // the driver asks for this process's CPU time (user + system, µs) before and after each run
  process.on('message', (msg: unknown) => {
    if (msg === 'cpu') {
      const u = process.cpuUsage();
      process.send!({ cpuUs: u.user + u.system });
    }
  });
  // the driver asks how long this process's event loop was held up during each paced run (a timer's
  // lateness, 1 ms resolution): what a request arriving then waits before it is even read
  // — and how busy it was (event loop utilization, the process's CPU time), the garbage collector's
  // pauses (kind → count, total and longest ms) and what the group commit did over the run
  const { monitorEventLoopDelay, performance: perf, PerformanceObserver, constants } = await import('node:perf_hooks');
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const gcKinds: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  let gc: Record<string, { n: number; ms: number; max: number }> = {};
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = gcKinds[(e as unknown as { detail: { kind: number } }).detail.kind] ?? 'other';
      const k = (gc[kind] ??= { n: 0, ms: 0, max: 0 });
      k.n++;
      k.ms += e.duration;
      k.max = Math.max(k.max, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  let elu0 = perf.eventLoopUtilization();
  let cpu0 = process.cpuUsage();
  let commits0 = { ...running.services.engine.commitStats };
  // bytes this process passed to write() (null where Linux's /proc/self/io is missing)
  let written0 = writtenBytes();
  process.on('message', (msg: unknown) => {
    if (msg === 'loop-start') {
      loop.reset();
      loop.enable();
      elu0 = perf.eventLoopUtilization();
      cpu0 = process.cpuUsage();
      gc = {};
      commits0 = { ...running.services.engine.commitStats };
      written0 = writtenBytes();
      process.send!('loop-started');
    }
    if (msg === 'loop-stop') {
      loop.disable();
      const elu = perf.eventLoopUtilization(elu0).utilization;
      const cpu = process.cpuUsage(cpu0);
      const groups = groupsSince(commits0, running.services.engine.commitStats);
      const w1 = writtenBytes();
      const written = w1 === null || written0 === null ? null : w1 - written0;
      process.send!({ loop: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6, elu, cpuUs: cpu.user + cpu.system, gc, groups, written } });
    }
  });
  // BENCH_CPU_PROF: the driver asks for a profile of the closed-loop event run alone (set-up, warm-up
  // and the bare route left out), written as <dir>/events.cpuprofile
  const profDir = process.env.BENCH_CPU_PROF;
  if (profDir) {
    const { Session } = await import('node:inspector/promises');
    const { writeFileSync } = await import('node:fs');
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 }); // µs
    process.on('message', (msg: unknown) => {
      if (msg === 'profile-start') {
        // BENCH_HEAP_PROF=1: where the run allocates (sampled every 16 KB, the collected objects counted too)
        const heap = process.env.BENCH_HEAP_PROF
          ? session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never)
          : Promise.resolve();
        void heap.then(() => session.post('Profiler.start')).then(() => process.send!('profile-started'));
      }
      if (typeof msg === 'string' && msg.startsWith('profile-stop')) {
        const name = msg.slice('profile-stop'.length) || 'events';
        void session.post('Profiler.stop').then(async ({ profile }) => {
          writeFileSync(path.join(profDir, `${name}.cpuprofile`), JSON.stringify(profile));
          if (process.env.BENCH_HEAP_PROF) {
            const { profile: heap } = await session.post('HeapProfiler.stopSampling');
            writeFileSync(path.join(profDir, `${name}.heapprofile`), JSON.stringify(heap));
          }
          process.send!('profile-written');
        });
      }
    });
  }
}

/** The serving process's CPU time so far (µs, user + system: every thread of it). */
function childCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const on = (msg: unknown) => {
      if (typeof msg !== 'object' || msg === null || !('cpuUs' in msg)) return;
      child.off('message', on);
      resolve((msg as { cpuUs: number }).cpuUs);
    };
    child.on('message', on);
    child.send('cpu');
  });
}

/** How long the serving child's event loop was held up since 'loop-start' (ms), and the rest of LoopStats. */
type LoopStats = {
  p50: number;
  p99: number;
  max: number;
  elu: number;
  cpuUs: number;
  gc: Record<string, { n: number; ms: number; max: number }>;
  groups: ReturnType<typeof groupsSince>;
  /** bytes written over the run (wchar); null where /proc/self/io is missing */
  written: number | null;
};

/** The group commit over a run: groups, their mean size, the mean time in the store's commit and in
 * the anchor log's append + fsync. */
function groupsSince(a: GroupCommitStats, b: GroupCommitStats) {
  const groups = b.groups - a.groups;
  return {
    groups,
    meanSize: groups ? (b.commits - a.commits) / groups : 0,
    commitMeanMs: groups ? (b.commitMs - a.commitMs) / groups : 0,
    anchorMeanMs: groups ? (b.anchorMs - a.anchorMs) / groups : 0,
  };
}

function childLoop(child: ChildProcess): Promise<LoopStats> {
  return new Promise((resolve) => {
    const on = (msg: unknown) => {
      if (typeof msg !== 'object' || msg === null || !('loop' in msg)) return;
      child.off('message', on);
      resolve((msg as { loop: LoopStats }).loop);
    };
    child.on('message', on);
    child.send('loop-stop');
  });
}

/** Asks the serving child for one step and waits for its answer (the profiling steps only with BENCH_CPU_PROF). */
function childSays(child: ChildProcess, ask: string, answer: string, always = false): Promise<void> {
  if (!always && !process.env.BENCH_CPU_PROF) return Promise.resolve();
  return new Promise((resolve) => {
    const on = (msg: unknown) => {
      if (msg !== answer) return;
      child.off('message', on);
      resolve();
    };
    child.on('message', on);
    child.send(ask);
  });
}

// ── the driver ─────────────────────────────────────────────────────────────────────────────────
interface Latency {
  p50: number;
  p99: number;
  average: number;
}
interface CannonResult {
  requests: { average: number; total: number };
  latency: Latency;
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
  '5xx': number;
  duration: number;
}
type Cannon = (opts: Record<string, unknown>) => Promise<CannonResult>;

async function startChild(): Promise<{ child: ChildProcess; urls: { product: string; bare: string } }> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...(process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', self, '--serve'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const urls = await new Promise<{ product: string; bare: string }>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('the server did not start within 60 s')), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const line = buf.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
  });
  return { child, urls };
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

async function drive(): Promise<void> {
  const cannon = ((await import('autocannon' as string)) as { default: Cannon }).default;
  const { child, urls } = await startChild();
  try {
    const store = process.env.BENCH_MONGODB_URI ? `MongoDB (${process.env.FERRETDB_VERSION ? `FerretDB ${process.env.FERRETDB_VERSION}` : 'MONGODB_URI'})` : 'embedded SQLite';
    say(`API benchmark on ${store}: ${CONNECTIONS} connections, ${SECONDS} s per run, ${CASES} cases, loopback`);
    const t0 = Date.now();
    const { token, ids } = await mediatorWithCases(urls.product, CASES);
    say(`set-up: ${CASES} cases registered and accepted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    let n = 0;
    const eventRequest = {
      method: 'POST',
      // a lean client: the summary and version back, not the whole view (Prefer: return=minimal)
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, prefer: 'return=minimal' },
      setupRequest: (req: Record<string, unknown>) => ({
        ...req,
        path: `/api/cases/${ids[n++ % ids.length]}/events`,
        body: sessionEvent(n),
      }),
    };
    const events = (opts: Record<string, unknown>) => cannon({ url: urls.product, connections: CONNECTIONS, requests: [eventRequest], ...opts });
    const bare = (opts: Record<string, unknown>) =>
      cannon({
        url: `${urls.bare}/bare`,
        method: 'POST',
        connections: CONNECTIONS,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'RECORD_SESSION', data: { summary: '第1次调解记录：双方陈述意见' } }),
        ...opts,
      });

    await events({ duration: QUICK ? 1 : 2 }); // warm-up
    await bare({ duration: QUICK ? 1 : 2 });
    await childSays(child, 'profile-start', 'profile-started');
    const cpu0 = await childCpu(child);
    const a = await events({ duration: SECONDS });
    const cpu1 = await childCpu(child);
    await childSays(child, 'profile-stop', 'profile-written');
    const cpu2 = await childCpu(child);
    const b = await bare({ duration: SECONDS });
    const cpu3 = await childCpu(child);
    // server CPU per answered request: less swayed than throughput by other processes on the machine
    const cpuPerEvent = (cpu1 - cpu0) / Math.max(1, a['2xx']);
    const cpuPerBare = (cpu3 - cpu2) / Math.max(1, b['2xx']);
    const base = new URL(urls.product);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    let m = 0;
    const pacedEvents = async (rate: number) => {
      await childSays(child, 'loop-start', 'loop-started', true);
      if (rate >= 1000) await childSays(child, 'profile-start', 'profile-started');
      const driverCpu0 = process.cpuUsage();
      const r = await paced(rate, QUICK ? 1 : SECONDS, () => post(agent, base, `/api/cases/${ids[m++ % ids.length]}/events`, token, sessionEvent(m)));
      if (rate >= 1000) await childSays(child, `profile-stoppaced-${rate}`, 'profile-written');
      const d = process.cpuUsage(driverCpu0);
      return { ...r, loop: await childLoop(child), driverCpuUs: d.user + d.system };
    };
    await pacedEvents(500); // warm the agent's sockets
    const c1000 = await pacedEvents(1000);
    const c1500 = await pacedEvents(1500);
    agent.destroy();

    const eventsPerSecond = a['2xx'] / a.duration;
    const barePerSecond = b['2xx'] / b.duration;
    say('');
    say(`(a) POST /api/cases/:id/events (RECORD_SESSION, ${CONNECTIONS} connections)`);
    say(`    ${eventsPerSecond.toFixed(0)} events/s committed; p50 ${ms(a.latency.p50)}, p99 ${ms(a.latency.p99)}; non-2xx ${a.non2xx}, errors ${a.errors}`);
    say(`(b) bare express JSON route, same run`);
    say(`    ${barePerSecond.toFixed(0)} requests/s; p50 ${ms(b.latency.p50)}, p99 ${ms(b.latency.p99)}`);
    say(`    ratio events/bare: ${(eventsPerSecond / barePerSecond).toFixed(3)} (${(barePerSecond / eventsPerSecond).toFixed(1)}× slower than a bare route)`);
    say(`    server CPU per request: event ${cpuPerEvent.toFixed(0)} µs, bare ${cpuPerBare.toFixed(0)} µs (bare ÷ event ${(cpuPerBare / cpuPerEvent).toFixed(3)})`);
    say(`(c) events at fixed arrival rates (paced open loop, latency from the scheduled send)`);
    for (const [rate, c] of [[1000, c1000], [1500, c1500]] as const) {
      say(`    ${rate}/s: ${c.sentPerSec.toFixed(0)} sent/s; p50 ${ms(c.p50)}, p99 ${ms(c.p99)}; errors or non-2xx ${c.errors}${c.firstError ? ` (first: ${c.firstError})` : ''}`);
      say(`      the server's event loop held up: p50 ${ms(c.loop.p50)}, p99 ${ms(c.loop.p99)}, longest ${ms(c.loop.max)}; busy ${(c.loop.elu * 100).toFixed(0)} % of the time; CPU ${(c.loop.cpuUs / (rate * (QUICK ? 1 : SECONDS))).toFixed(0)} µs per event (the client's: ${(c.driverCpuUs / (rate * (QUICK ? 1 : SECONDS))).toFixed(0)} µs)`);
      const g = c.loop.groups;
      say(`      group commit: ${g.groups} groups of ${g.meanSize.toFixed(1)} on average; the store's commit ${g.commitMeanMs.toFixed(2)} ms on average, the anchor log's append and fsync ${g.anchorMeanMs.toFixed(2)} ms; ${c.loop.written === null ? 'bytes written not known here' : `${(c.loop.written / (rate * (QUICK ? 1 : SECONDS)) / 1024).toFixed(1)} KB written per event`}`);
      say(`      garbage collection: ${Object.entries(c.loop.gc).map(([k, g]) => `${k} ${g.n}× ${g.ms.toFixed(0)} ms in all, longest ${g.max.toFixed(1)} ms`).join('; ')}`);
    }
    if (a['5xx'] > 0 || c1000.errors > 0 || c1500.errors > 0) {
      say('FAIL: the API answered errors under load');
      process.exitCode = 1;
    }
    if (JSON_OUT) {
      const r2 = (n: number) => Math.round(n * 100) / 100;
      process.stdout.write(
        `${JSON.stringify({
          bench: 'api',
          quick: QUICK,
          writerThread: process.env.SQLITE_WRITER_THREAD === 'on',
          seconds: SECONDS,
          cases: CASES,
          connections: CONNECTIONS,
          eventResponse: 'minimal',
          eventsPerSec: Math.round(eventsPerSecond),
          eventsP99Ms: r2(a.latency.p99),
          eventsNon2xx: a.non2xx,
          bareExpressPerSec: Math.round(barePerSecond),
          ratioToBare: Math.round((eventsPerSecond / barePerSecond) * 1000) / 1000,
          serverCpuUsPerEvent: Math.round(cpuPerEvent),
          serverCpuUsPerBareRequest: Math.round(cpuPerBare),
          cpuRatioToBare: Math.round((cpuPerBare / cpuPerEvent) * 1000) / 1000,
          p50MsAt1000PerSec: r2(c1000.p50),
          p99MsAt1000PerSec: r2(c1000.p99),
          errorsAt1000PerSec: c1000.errors,
          sentPerSecAt1000: Math.round(c1000.sentPerSec),
          serverLoopP99MsAt1000PerSec: r2(c1000.loop.p99),
          serverLoopMaxMsAt1000PerSec: r2(c1000.loop.max),
          serverLoopBusyAt1000PerSec: r2(c1000.loop.elu),
          serverCpuUsPerEventAt1000PerSec: Math.round(c1000.loop.cpuUs / (1000 * (QUICK ? 1 : SECONDS))),
          groupSizeAt1000PerSec: r2(c1000.loop.groups.meanSize),
          anchorMeanMsAt1000PerSec: r2(c1000.loop.groups.anchorMeanMs),
          writtenBytesPerEventAt1000PerSec: c1000.loop.written === null ? null : Math.round(c1000.loop.written / (1000 * (QUICK ? 1 : SECONDS))),
          p50MsAt1500PerSec: r2(c1500.p50),
          p99MsAt1500PerSec: r2(c1500.p99),
          errorsAt1500PerSec: c1500.errors,
          sentPerSecAt1500: Math.round(c1500.sentPerSec),
          serverLoopP99MsAt1500PerSec: r2(c1500.loop.p99),
          serverLoopMaxMsAt1500PerSec: r2(c1500.loop.max),
          serverLoopBusyAt1500PerSec: r2(c1500.loop.elu),
          serverCpuUsPerEventAt1500PerSec: Math.round(c1500.loop.cpuUs / (1500 * (QUICK ? 1 : SECONDS))),
          groupSizeAt1500PerSec: r2(c1500.loop.groups.meanSize),
          anchorMeanMsAt1500PerSec: r2(c1500.loop.groups.anchorMeanMs),
        })}\n`,
      );
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** `--store mongo`: the product on MongoDB; without MONGODB_URI, inside a FerretDB started for the run. */
async function driveOnMongo(): Promise<void> {
  if (!process.env.MONGODB_URI) {
    const child = spawn('scripts/ferretdb.sh', ['run', process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), '--store', 'mongo'], { stdio: 'inherit' });
    process.exitCode = await new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
    return;
  }
  const url = new URL(process.env.MONGODB_URI);
  url.pathname = `/bench_api_${Date.now().toString(36)}`; // a fresh database for the run
  process.env.BENCH_MONGODB_URI = url.toString();
  await drive();
}

const storeArg = process.argv.indexOf('--store');
if (process.argv.includes('--serve')) await serve();
else if (storeArg >= 0 && process.argv[storeArg + 1] === 'mongo') await driveOnMongo();
else await drive();
