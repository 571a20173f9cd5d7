// npm run bench:stats — statistics and a full ledger export over 100,000 cases (not a test: nothing
// here asserts; it prints numbers against the aims: stats ≤ 50 ms p99 from the projection, a CSV
// ledger of 100,000 rows ≤ 3 s, streamed with flat memory).
//
// The district: BENCH_BASE cases (default 4,000) are run through the real engine (registrations,
// escalations, agreements, follow-ups, court referrals, timers), then their rows — case documents
// and every projection table — are replicated in SQL, with new ids and case numbers, up to
// BENCH_CASES (default 100,000). The read paths measured are the product's own: computeStats, and
// GET /api/ledger over HTTP through startServer.
import Database from 'better-sqlite3';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../server/config.ts';
import { Directory } from '../server/engine/directory.ts';
import { startServer } from '../server/wiring.ts';
import { projectOversight } from '../server/oversight/facts.ts';
import { FactsIndex } from '../server/oversight/memory.ts';
import { computeStats, type Grouping } from '../server/oversight/stats.ts';
import { bodiesWithin } from '../server/policy.ts';
import type { CaseRecord, OversightQuery } from '../server/store/port.ts';
import { createSqliteStore } from '../server/store/sqlite/index.ts';
import { prepareProjection } from '../server/store/sqlite/oversight.ts';
import { makeDistrictHarness, planDistrict, runDistrict } from '../test/server/oversight/district.ts';

// --quick: a smaller district (1,000 cases through the engine, 20,000 in all), fewer runs, no ledger
// download — the statistics' medians on a busy machine in a minute or two (the environment wins)
const QUICK = process.argv.includes('--quick');
const TOTAL = Number(process.env.BENCH_CASES ?? (QUICK ? 20_000 : 100_000));
const BASE = Math.min(TOTAL, Number(process.env.BENCH_BASE ?? (QUICK ? 1_000 : 4_000)));
const RUNS = Number(process.env.BENCH_RUNS ?? (QUICK ? 50 : 200));
const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const mb = (n: number) => `${fmt(n / 1048576, 0)} MB`;
const log = (s: string) => console.log(s);

// ── 1. the district ───────────────────────────────────────────────────────────────────────────────
log(`building a district of ${fmt(TOTAL, 0)} cases (${fmt(BASE, 0)} through the engine, the rest replicated)…`);
const h = await makeDistrictHarness();
const file = h.file;
process.once('exit', (code) => {
  if (code !== 0 && !process.env.BENCH_KEEP) rmSync(path.dirname(file), { recursive: true, force: true });
});
let t = performance.now();
// a compound has hundreds of households: residents seldom come back (25 per compound would link most cases)
const plan = planDistrict(h.directory, { cases: BASE, residentsPerCompound: 400 });
await runDistrict(plan, h);
await h.projector.caughtUp(); // the projection is written after the commits (server/oversight/projector.ts)
log(`  engine: ${fmt(BASE, 0)} cases, ${fmt(plan.cases.reduce((n, c) => n + 1 + c.steps.length, 0), 0)} events in ${fmt((performance.now() - t) / 1000)} s`);

// the cost the projection adds to a commit: computing the facts (the write is measured below)
{
  // the records with the facts the projector wrote for them (a commit's record carries none since issue 17)
  const sample = await Promise.all(
    (await h.store.cases.scan(null, 500)).map(async (r) => ({ ...r, oversight: (await h.store.oversight!.facts(r.id))?.facts ?? r.oversight })),
  );
  const cal = h.calendar;
  const n = 20_000;
  t = performance.now();
  for (let i = 0; i < n; i++) {
    const r = sample[i % sample.length];
    projectOversight({ ...r, oversight: undefined }, { type: 'RECORD_SESSION', at: r.updatedAt }, r.oversight, cal);
  }
  log(`  the projection per commit: ${fmt(((performance.now() - t) / n) * 1000)} µs to compute the facts`);
  await h.store.close();
  // …and to write them, inside a commit's transaction (what cases.ts adds to each commit): a commit
  // that changes the facts (here: its warning turns red and back), and one that changes none of them
  const db = new Database(file);
  db.pragma('synchronous = OFF'); // the work, not the disk: a group commit's one fsync is shared by its batch
  const projection = prepareProjection(db);
  const write = db.transaction((rs: CaseRecord[]) => {
    for (const r of rs) projection.write(r, false);
  });
  const variant = (red: boolean) =>
    sample.map((r) => ({ ...r, warning: red ? ('red' as const) : ('none' as const), oversight: { ...r.oversight!, ledger: { ...r.oversight!.ledger, warning: red ? 'red' : 'none' } } }));
  const [red, calm] = [variant(true), variant(false)];
  const per = (ms: number, writes: number) => fmt((ms / writes) * 1000);
  t = performance.now();
  for (let i = 0; i < n; i += 2 * sample.length) {
    write(red);
    write(calm);
  }
  const changed = per(performance.now() - t, Math.ceil(n / (2 * sample.length)) * 2 * sample.length);
  t = performance.now();
  for (let i = 0; i < n; i += sample.length) write(calm);
  const unchanged = per(performance.now() - t, Math.ceil(n / sample.length) * sample.length);
  log(`  the projection per commit: ${changed} µs to write when its facts change, ${unchanged} µs when they do not`);
  db.close();
}

t = performance.now();
{
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const copies = Math.ceil(TOTAL / BASE) - 1;
  const tables: Array<[string, string]> = [
    ['cases', `INSERT INTO cases SELECT id || @s, case_no || @s, body_id, court_id, court_inbox, status, tier, category, compound_id, community_id,
       subdistrict_id, warning, overdue, search_text, version, created_at, updated_at,
       json_set(doc, '$.id', id || @s, '$.caseNo', case_no || @s) FROM cases WHERE instr(id, '#') = 0 LIMIT @n`],
    ['case_facts', `INSERT INTO case_facts SELECT case_id || @s, case_no || @s, body_id, compound_id, community_id, subdistrict_id, registered_at, month,
       status, tier, category, channel, outcome, settled, settled_tier, within_subdistrict, days_to_settle, failed, clauses_checked,
       clauses_full, clauses_partial, clauses_none, visits, sat1, sat2, sat3, sat4, sat5, ever_overdue, red, recurrence,
       CASE WHEN source_key IS NULL THEN NULL ELSE source_key || @s END, facts_version, digest, seq + @k * 10000000,
       intake_mode, org_type, agreement_fen, agreement_written, agreement_oral, people, households, conf_applied, confirmed, conf_refused,
       prevents_criminal, prevents_mass
       FROM case_facts WHERE instr(case_id, '#') = 0 LIMIT @n`],
    ['case_ledger', `INSERT INTO case_ledger (case_id, case_no, registered_at, body_id, compound_id, community_id, subdistrict_id, row, line, later)
       SELECT case_id || @s, case_no || @s, registered_at, body_id, compound_id, community_id, subdistrict_id, json_set(row, '$[1]', case_no || @s),
              CAST(replace(CAST(line AS TEXT), case_no, case_no || @s) AS BLOB),
              CASE later WHEN '' THEN '' ELSE replace(later, '；', @s || '；') || @s END
       FROM case_ledger WHERE instr(case_id, '#') = 0 ORDER BY pos LIMIT @n`],
    ['case_keys', `INSERT INTO case_keys SELECT compound_id, key, registered_at, case_id || @s FROM case_keys
       WHERE instr(case_id, '#') = 0 AND case_id IN (SELECT case_id FROM case_facts WHERE instr(case_id, '#') = 0 LIMIT @n)`],
    ['case_links', `INSERT INTO case_links SELECT earlier_id || @s, later_id || @s, later_no || @s, reasons FROM case_links
       WHERE instr(later_id, '#') = 0 AND later_id IN (SELECT case_id FROM case_facts WHERE instr(case_id, '#') = 0 LIMIT @n)`],
    ['case_companies', `INSERT INTO case_companies SELECT case_id || @s, company_key, name, non_performance, recurrence FROM case_companies
       WHERE instr(case_id, '#') = 0 AND case_id IN (SELECT case_id FROM case_facts WHERE instr(case_id, '#') = 0 LIMIT @n)`],
  ];
  const stmts = tables.map(([, sql]) => db.prepare(sql));
  db.transaction(() => {
    for (let k = 1; k <= copies; k++) {
      const n = Math.min(BASE, TOTAL - BASE * k);
      for (const [i, st] of stmts.entries()) st.run({ s: `#${k}`, n, ...(tables[i][0] === 'case_facts' ? { k } : {}) });
    }
  })();
  // intake writes ledger lines as cases are registered: lay the replicas out in that order too
  const cols = 'case_id, case_no, registered_at, body_id, compound_id, community_id, subdistrict_id, row, line, later';
  db.exec(`CREATE TEMP TABLE l AS SELECT ${cols} FROM case_ledger ORDER BY registered_at, case_id;
           DELETE FROM case_ledger;
           INSERT INTO case_ledger (${cols}) SELECT * FROM l;
           DROP TABLE l;`);
  db.pragma('optimize');
  db.exec('ANALYZE');
  const count = (db.prepare('SELECT COUNT(*) FROM case_facts').pluck().get() as number);
  db.close();
  log(`  replicated to ${fmt(count, 0)} cases in ${fmt((performance.now() - t) / 1000)} s`);
}

// ── 2. statistics from the projection ─────────────────────────────────────────────────────────────
const store = createSqliteStore({ file });
await store.init();
const org = await new Directory(store).refresh();
t = performance.now();
const source = new FactsIndex(store.oversight!);
await source.refresh();
log(`\nin-memory index of the projection loaded in ${fmt(performance.now() - t, 0)} ms (${fmt(source.cases, 0)} cases, heap ${mb(process.memoryUsage().heapUsed)})`);
{
  const s0 = performance.now();
  await computeStats(store.oversight!, {}, { satisfiedAtLeast: 4 });
  log(`(for comparison, the same from SQL GROUP BY: ${fmt(performance.now() - s0, 0)} ms)`);
}
const scenarios: Array<[string, OversightQuery, Grouping | undefined]> = [
  ['administrator, all time', {}, undefined],
  ['administrator, one quarter', { from: '2025-10-01T00:00:00+08:00', to: '2025-12-31T23:59:59.999+08:00' }, undefined],
  ['administrator, by month', {}, 'month'],
  ['sub-district centre (b-s1)', { bodyIds: bodiesWithin('b-s1', org) }, undefined],
  ['community room (b-c1-1)', { bodyIds: bodiesWithin('b-c1-1', org) }, undefined],
  ['administrator, one community', { communityId: 'ou-c2-1' }, 'compound'],
];
log(`\nstatistics (computeStats from the index, ${RUNS} runs each)             p50       p95       p99`);
for (const [name, q, groupBy] of scenarios) {
  for (let i = 0; i < 20; i++) await computeStats(source, q, { satisfiedAtLeast: 4, groupBy }); // warm (JIT)
  const times: number[] = [];
  let total = 0;
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    total = (await computeStats(source, q, { satisfiedAtLeast: 4, groupBy })).total;
    times.push(performance.now() - s);
  }
  log(`  ${`${name} (${fmt(total, 0)} cases)`.padEnd(62)} ${fmt(pct(times, 0.5)).padStart(6)} ms ${fmt(pct(times, 0.95)).padStart(6)} ms ${fmt(pct(times, 0.99)).padStart(6)} ms`);
}
await store.close();
if (QUICK) {
  rmSync(path.dirname(file), { recursive: true, force: true });
  process.exit(0);
}

// ── 3. the ledger over HTTP, streamed ─────────────────────────────────────────────────────────────
// TEST_CLOCK: the scheduler stays off (the district's clock is not today's)
const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: path.dirname(file), LOG_LEVEL: 'silent', PASSWORD_SCRYPT_LOG_N: '12', TEST_CLOCK: '1' });
const running = await startServer(config, { store: createSqliteStore({ file }), listen: false });
await new Promise<void>((resolve) => running.server.listen(0, '127.0.0.1', resolve));
const port = (running.server.address() as { port: number }).port;
const login = (username: string) =>
  new Promise<string>((resolve, reject) => {
    const req = http.request({ port, method: 'POST', path: '/api/auth/login', headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body).token) : reject(new Error(`login ${res.statusCode} ${body}`))));
    });
    req.end(JSON.stringify({ username, password: 'demo-pass-2026' }));
  });
const token = await login('admin');
// a sub-district centre: its ledger names only its own cases in 倒查/复发 (issue 15 §3), checked per page
const subdistrictToken = await login('med.s1');
// let the background backfill check settle before measuring
await new Promise((r) => setTimeout(r, 200));

async function download(format: string, slowReader = false, as = token): Promise<{ ms: number; firstByteMs: number; bytes: number; lines: number; peakHeap: number; peakRss: number }> {
  global.gc?.();
  const baseHeap = process.memoryUsage().heapUsed;
  let peakHeap = 0;
  let peakRss = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed - baseHeap);
    peakRss = Math.max(peakRss, m.rss);
  }, 20);
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get({ port, path: `/api/ledger?format=${format}`, headers: { authorization: `Bearer ${as}` } }, (res) => {
      let firstByteMs = -1;
      let bytes = 0;
      let lines = 0;
      res.on('data', (chunk: Buffer) => {
        if (firstByteMs < 0) firstByteMs = performance.now() - start;
        bytes += chunk.length;
        for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
        if (slowReader) {
          res.pause();
          setTimeout(() => res.resume(), 1);
        }
      });
      res.on('end', () => {
        clearInterval(sampler);
        if (res.statusCode !== 200) return reject(new Error(`ledger ${format} → ${res.statusCode}`));
        resolve({ ms: performance.now() - start, firstByteMs, bytes, lines, peakHeap, peakRss });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

log(`\nledger over HTTP (GET /api/ledger, administrator, ${fmt(TOTAL, 0)} cases)`);
for (const [format, slow] of [['csv', false], ['csv', false], ['json', false], ['csv', true], ['xlsx', false]] as Array<[string, boolean]>) {
  const r = await download(format, slow);
  log(
    `  ${`${format}${slow ? ' (slow reader)' : ''}`.padEnd(20)} ${fmt(r.ms / 1000, 2).padStart(6)} s   first byte ${fmt(r.firstByteMs, 0).padStart(4)} ms   ` +
      `${mb(r.bytes).padStart(7)}   ${format === 'xlsx' ? '' : `${fmt(r.lines - 1, 0)} rows   `}heap +${mb(Math.max(0, r.peakHeap))}   rss ${mb(r.peakRss)}`,
  );
}
for (const format of ['csv', 'json']) {
  const r = await download(format, false, subdistrictToken);
  log(`  ${`${format} (sub-district)`.padEnd(20)} ${fmt(r.ms / 1000, 2).padStart(6)} s   first byte ${fmt(r.firstByteMs, 0).padStart(4)} ms   ${mb(r.bytes).padStart(7)}   ${fmt(r.lines - 1, 0)} rows`);
}
await running.close();
if (process.env.BENCH_KEEP) log(`\nkept ${file}`);
else rmSync(path.dirname(file), { recursive: true, force: true });
