// npm run bench:docs — mediation agreements rendered per second on one core, from templates
// precompiled at load (not a test: nothing here asserts). Prints the median over several runs of:
//   render           the precompiled template on a prepared view model (the aim: ≥ 10,000/s)
//   render + sha256  what issuing adds before the store: the hash of the exact HTML
//   view + render    building the view model from the case record and events as well
// Environment: BENCH_RUNS (default 5), BENCH_N (agreements per run, default 20,000).
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { prepareDocument } from '../server/documents/issue.ts';
import { renderDocument, templates } from '../server/documents/templates.ts';
import { buildDocumentView, type DocumentView } from '../server/documents/view.ts';
import { ctxOf, fullCase, issueInput, type Fixture } from '../test/server/documents/fixture.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const N = Number(process.env.BENCH_N ?? 20_000);
const VARIANTS = 64;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

// Distinct cases, so no run renders the same strings over and over.
const fixtures: Fixture[] = Array.from({ length: VARIANTS }, (_, i) => {
  const f = fullCase();
  const ctx = ctxOf(f);
  ctx.parties[0].name = `张${i}号业主`;
  ctx.summary = `${ctx.summary}（第${i}号）`;
  for (let c = 0; c < i % 5; c++) {
    ctx.agreement!.clauses.push({
      no: ctx.agreement!.clauses.length + 1,
      text: `被申请人于2026年12月${10 + c}日前完成第${c + 1}项整改，费用${1000 * (c + 1)}元由其承担。`,
      obligor: 'p3',
      performBy: `2026-12-${10 + c}`,
      performance: 'pending',
    });
  }
  return f;
});

const set = templates(); // read and precompiled once, as at server start
const views: DocumentView[] = fixtures.map((f) => buildDocumentView(issueInput(f, 'agreement')));
const opts = { version: 1, draft: false, readiness: null };

function measure(label: string, one: (i: number) => number): void {
  let sink = 0;
  for (let i = 0; i < 2_000; i++) sink += one(i); // warm-up: JIT and inline caches
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) sink += one(i);
    rates.push(N / ((performance.now() - t0) / 1000));
  }
  console.log(`${label.padEnd(16)} ${fmt(median(rates)).padStart(9)} agreements/s  (runs: ${rates.map(fmt).join(', ')})`);
  if (sink === 0) console.log('');
}

const chars = views.map((v) => renderDocument(set, 'agreement', v, opts).length);
console.log(
  `documents bench — ${RUNS} runs × ${fmt(N)} agreements, one core, templates ${set.setHash}, ` +
    `${fmt(Math.min(...chars))}–${fmt(Math.max(...chars))} chars of HTML each`,
);
measure('render', (i) => renderDocument(set, 'agreement', views[i % VARIANTS], opts).length);
measure('render + sha256', (i) => {
  const html = renderDocument(set, 'agreement', views[i % VARIANTS], opts);
  return createHash('sha256').update(html, 'utf8').digest('hex').length + html.length;
});
measure('view + render', (i) => prepareDocument(issueInput(fixtures[i % VARIANTS], 'agreement'), 'agreement', 1).html.length);
