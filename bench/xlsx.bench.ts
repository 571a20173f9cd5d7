// npm run bench:xlsx — the XLSX ledger written streaming (issue 16 §2): peak memory while writing
// 20,000 and 200,000 lines must be about the same (flat memory: the ratio near 1). Not a test: nothing
// here asserts; it prints numbers against the aim.
//
// Each size runs in a fresh process (BENCH_XLSX_SIZES, default 20000,200000), so that one run's peak
// is not the next one's baseline. In it, writeLedgerXlsx — the product's writer, as GET /api/ledger
// calls it — writes synthetic ledger lines (realistic masked rows, 32 columns, Chinese text; the
// store is not what is measured here: bench:stats covers the export over a real district) to an HTTP
// response, read over a loopback socket by a client that reads at BENCH_XLSX_CLIENT_MBPS (default 40
// MB/s: a fast office LAN; 0 = as fast as it can). Memory is sampled on every page the writer pulls and
// every 20 ms: RSS, and the JavaScript heap plus the buffers outside it (external), above the baseline
// measured just before the export starts. That peak includes garbage not yet collected, so each size
// runs a second time sampling only right after a full GC, before every 5th page (every 5,000 lines):
// what is retained, the heap (objects) apart from external (buffers in flight between the streams).
// `-- --quick`: 2,000 and 10,000 lines; `-- --json`: one JSON object on stdout (the lines on stderr).
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { writeLedgerXlsx, type Names } from '../server/oversight/ledger.ts';
import { syntheticLedger } from '../test/support/synthetic-ledger.ts';

const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const MB = 1048576;

const names: Names = { unit: (id) => `单位${id}`, body: (id) => `人民调解委员会${id}` };

interface Result {
  rows: number;
  bytes: number;
  ms: number;
  firstByteMs: number;
  peakRssMb: number;
  peakHeapMb: number;
  baseRssMb: number;
  /** the GC run: retained heap and external above the baseline */
  keptHeapMb: number;
  keptExternalMb: number;
}

async function child(n: number, clientMbps: number, gcEvery: number): Promise<Result> {
  globalThis.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = 0; // heap + external above the baseline
  let keptHeap = 0;
  let keptExternal = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed + m.external - base.heapUsed - base.external);
    keptHeap = Math.max(keptHeap, m.heapUsed - base.heapUsed);
    keptExternal = Math.max(keptExternal, m.external - base.external);
  };
  const timer = gcEvery ? undefined : setInterval(sample, 20);
  let rows = 0;
  const server = http.createServer((_req, res) => {
    res.setHeader('Content-Type', 'application/octet-stream');
    const pages = (async function* () {
      let k = 0;
      for await (const page of syntheticLedger(n)) {
        if (!gcEvery) sample();
        else if (++k % gcEvery === 0) {
          // retained: sampled right after a full collection only
          globalThis.gc?.();
          sample();
        }
        yield page;
      }
    })();
    writeLedgerXlsx(res, pages, names).then((r) => (rows = r.rows));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const t0 = performance.now();
  let firstByteMs = 0;
  const bytes = await new Promise<number>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/' }, (res) => {
        let total = 0;
        const started = performance.now();
        res.on('data', (chunk: Buffer) => {
          if (!total) firstByteMs = performance.now() - t0;
          total += chunk.length;
          if (clientMbps > 0) {
            // read no faster than clientMbps: pause until the time this many bytes may take
            const due = started + (total / (clientMbps * MB)) * 1000 - performance.now();
            if (due > 1) {
              res.pause();
              setTimeout(() => res.resume(), due);
            }
          }
        });
        res.on('end', () => resolve(total));
        res.on('error', reject);
      })
      .on('error', reject);
  });
  const ms = performance.now() - t0;
  clearInterval(timer);
  server.close();
  return { rows, bytes, ms, firstByteMs, peakRssMb: peakRss / MB, peakHeapMb: peakHeap / MB, baseRssMb: base.rss / MB, keptHeapMb: keptHeap / MB, keptExternalMb: keptExternal / MB };
}

const childArg = process.argv.indexOf('--child');
if (childArg > 0) {
  const r = await child(Number(process.argv[childArg + 1]), Number(process.env.BENCH_XLSX_CLIENT_MBPS ?? 40), Number(process.argv[childArg + 2] ?? 0));
  console.log(JSON.stringify(r));
} else {
  const quick = process.argv.includes('--quick');
  const json = process.argv.includes('--json');
  const sizes = (process.env.BENCH_XLSX_SIZES ?? (quick ? '2000,10000' : '20000,200000')).split(',').map(Number);
  const gcEvery = quick ? 1 : 5; // pages between the retained samples
  const clientMbps = Number(process.env.BENCH_XLSX_CLIENT_MBPS ?? 40);
  const log = (line: string) => (json ? console.error(line) : console.log(line));
  log(`XLSX ledger, streaming writer: sizes ${sizes.map((s) => fmt(s, 0)).join(', ')}; client reads at ${clientMbps || 'full'} MB/s`);
  const self = fileURLToPath(import.meta.url);
  const run = (n: number, gcEvery: number): Result => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--child', String(n), String(gcEvery)], { encoding: 'utf8', env: process.env });
    if (r.status !== 0) {
      console.error(r.stderr);
      process.exit(1);
    }
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as Result;
  };
  const results: Array<{ r: Result; kept: Result }> = [];
  for (const n of sizes) {
    const r = run(n, 0);
    const kept = run(n, gcEvery);
    results.push({ r, kept });
    log(
      `  ${fmt(n, 0).padStart(8)} lines: ${fmt(r.bytes / MB).padStart(6)} MB in ${fmt(r.ms / 1000, 2)} s ` +
        `(${fmt(r.rows / (r.ms / 1000), 0)} lines/s, first byte after ${fmt(r.firstByteMs, 0)} ms)   ` +
        `peak RSS ${fmt(r.peakRssMb, 0)} MB (baseline ${fmt(r.baseRssMb, 0)})   peak heap+external +${fmt(r.peakHeapMb, 0)} MB   ` +
        `retained (GC every ${fmt(gcEvery * 1000, 0)} lines): RSS ${fmt(kept.peakRssMb, 0)} MB, heap +${fmt(kept.keptHeapMb)} MB, external +${fmt(kept.keptExternalMb)} MB`,
    );
    if (r.rows !== n || kept.rows !== n) log(`  !! wrote ${r.rows} / ${kept.rows} lines, expected ${n}`);
  }
  if (results.length >= 2) {
    const [a, b] = [results[0], results[results.length - 1]];
    const x = (p: number, q: number) => fmt(p / Math.max(1, q), 2);
    log(
      `  ${fmt(sizes[sizes.length - 1] / sizes[0], 0)}× the lines: peak RSS ×${x(b.r.peakRssMb, a.r.peakRssMb)}, peak heap+external ` +
        `×${x(b.r.peakHeapMb, a.r.peakHeapMb)}; retained RSS ×${x(b.kept.peakRssMb, a.kept.peakRssMb)}, heap ` +
        `×${x(b.kept.keptHeapMb, a.kept.keptHeapMb)}, external ×${x(b.kept.keptExternalMb, a.kept.keptExternalMb)} (aim: near 1)`,
    );
  }
  if (json) {
    // one JSON object on stdout (the smoke test and CI read it): the sizes, and per size the figures
    const ratio = (f: (r: { r: Result; kept: Result }) => number) => f(results[results.length - 1]) / Math.max(1e-9, f(results[0]));
    console.log(
      JSON.stringify({
        lines: sizes,
        rowsWritten: results.map((x) => x.r.rows),
        seconds: results.map((x) => x.r.ms / 1000),
        firstByteMs: results.map((x) => x.r.firstByteMs),
        peakRssMb: results.map((x) => x.r.peakRssMb),
        retainedHeapMb: results.map((x) => x.kept.keptHeapMb),
        retainedExternalMb: results.map((x) => x.kept.keptExternalMb),
        peakRssRatio: ratio((x) => x.r.peakRssMb),
        retainedRssRatio: ratio((x) => x.kept.peakRssMb),
        retainedHeapRatio: ratio((x) => x.kept.keptHeapMb),
      }),
    );
  }
}
