// npm run bench:api — the HTTP API under load (a benchmark, not a test).
//
// A child process serves the real product (startServer: embedded store in a temp folder, system
// clock, TEST_CLOCK off, request logging off) and, in the same process, a bare express route that
// parses JSON and answers JSON. This process drives both with autocannon over loopback:
//   (a) POST /api/cases/:id/events  RECORD_SESSION spread over many cases, expectedVersion omitted,
//       50 connections for BENCH_SECONDS (default 10): events per second, p50 and p99 latency;
//   (b) the bare route, same connections and duration: requests per second; the ratio (a)/(b);
//   (c) the event POST at a steady 1,000 requests/s (autocannon overallRate): p99 and non-2xx/5xx.
// Environment: BENCH_SECONDS (10), BENCH_CASES (200), BENCH_CONNECTIONS (50), BENCH_RATE (1000),
// BENCH_LOG_LEVEL (silent: set `info` to include the cost of request logging), BENCH_CPU_PROF.
// `npm run bench:api -- --store mongo`: the same on MongoDB — MONGODB_URI's server, or else FerretDB
// started for the run by scripts/ferretdb.sh (the product then serves from a fresh database there).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { acceptData } from '../test/support/workflow.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CASES = Number(process.env.BENCH_CASES ?? 200);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const PASSWORD = 'demo-pass-2026';

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
    DEMO_PASSWORD: PASSWORD,
    PASSWORD_SCRYPT_LOG_N: '12',
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
  // BENCH_CPU_PROF=<dir>: a CPU profile of the serving process, to see where the time goes
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', self, '--serve'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
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

async function json(url: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<any> {
  const res = await fetch(url, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${init.method ?? 'POST'} ${url} → ${res.status} ${JSON.stringify(body)}`);
  return body;
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

async function drive(): Promise<void> {
  const cannon = ((await import('autocannon' as string)) as { default: Cannon }).default;
  const { child, urls } = await startChild();
  try {
    const store = process.env.BENCH_MONGODB_URI ? `MongoDB (${process.env.FERRETDB_VERSION ? `FerretDB ${process.env.FERRETDB_VERSION}` : 'MONGODB_URI'})` : 'embedded SQLite';
    console.log(`API benchmark on ${store}: ${CONNECTIONS} connections, ${SECONDS} s per run, ${CASES} cases, loopback`);
    const { token } = await json(`${urls.product}/api/auth/login`, { body: { username: 'med.c1', password: PASSWORD } });
    const ids: string[] = [];
    const t0 = Date.now();
    for (let i = 0; i < CASES; i++) {
      const { case: c } = await json(`${urls.product}/api/cases`, {
        token,
        body: {
          channel: 'walk_in',
          compoundId: 'ou-k1-1-1',
          category: 'leakage',
          summary: `楼上漏水（压测 ${i}）`,
          parties: [
            { role: 'applicant', kind: 'person', name: '张三', phone: '13812345678' },
            { role: 'respondent', kind: 'person', name: '李四' },
          ],
        },
      });
      await json(`${urls.product}/api/cases/${c.id}/events`, { token, body: { type: 'ACCEPT', data: acceptData(c.parties) } });
      ids.push(c.id);
    }
    console.log(`set-up: ${CASES} cases registered and accepted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    let n = 0;
    const eventRequest = {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      setupRequest: (req: Record<string, unknown>) => ({
        ...req,
        path: `/api/cases/${ids[n++ % ids.length]}/events`,
        body: JSON.stringify({ type: 'RECORD_SESSION', data: { summary: `第${n}次调解记录：双方陈述意见` } }),
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

    await events({ duration: 2 }); // warm-up
    await bare({ duration: 2 });
    const a = await events({ duration: SECONDS });
    const b = await bare({ duration: SECONDS });
    const c = await events({ duration: SECONDS, overallRate: RATE });

    const eventsPerSecond = a['2xx'] / a.duration;
    const barePerSecond = b['2xx'] / b.duration;
    console.log('');
    console.log(`(a) POST /api/cases/:id/events (RECORD_SESSION, ${CONNECTIONS} connections)`);
    console.log(`    ${eventsPerSecond.toFixed(0)} events/s committed; p50 ${ms(a.latency.p50)}, p99 ${ms(a.latency.p99)}; non-2xx ${a.non2xx}, errors ${a.errors}`);
    console.log(`(b) bare express JSON route, same run`);
    console.log(`    ${barePerSecond.toFixed(0)} requests/s; p50 ${ms(b.latency.p50)}, p99 ${ms(b.latency.p99)}`);
    console.log(`    ratio events/bare: ${(eventsPerSecond / barePerSecond).toFixed(3)} (${(barePerSecond / eventsPerSecond).toFixed(1)}× slower than a bare route)`);
    console.log(`(c) events at a steady ${RATE} requests/s`);
    console.log(`    ${(c.requests.total / c.duration).toFixed(0)} requests/s sent; p50 ${ms(c.latency.p50)}, p99 ${ms(c.latency.p99)}; non-2xx ${c.non2xx}, 5xx ${c['5xx']}, errors ${c.errors}, timeouts ${c.timeouts}`);
    if (c['5xx'] > 0 || a['5xx'] > 0) {
      console.log('FAIL: the API answered 5xx under load');
      process.exitCode = 1;
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
