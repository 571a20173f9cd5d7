// npm run bench:middleware — what joi validation and the security headers (helmet) cost per request
// (issue 17 §3: "measure what joi and helmet cost and keep them"). A benchmark, not a test.
//
// In this process, no HTTP: the product's own event and intake schemas (server/http/schemas.ts) through
// the product's validateInput, and the product's helmet configuration (server/app.ts securityHeaders)
// called on a minimal response object. Each is timed over ROUNDS rounds of N calls after a warm-up;
// the median µs per call is printed, and beside it the share of the HTTP event request's CPU
// (`--per-request-us`, default 1,400 µs: what the profile of `npm run bench:api` measured per event
// request on our 2-core machines).
// --json prints one JSON object; --quick: fewer calls.
import { performance } from 'node:perf_hooks';
import { eventBodyFor, intakeBody } from '../server/http/schemas.ts';
import { validateInput } from '../server/validation.ts';
import { securityHeaders } from '../server/app.ts';
import { intakeBody as sampleIntake } from '../test/support/http.ts';

const QUICK = process.argv.includes('--quick');
const JSON_OUT = process.argv.includes('--json');
const perArg = process.argv.indexOf('--per-request-us');
const PER_REQUEST_US = perArg > 0 ? Number(process.argv[perArg + 1]) : 1400;
const N = QUICK ? 2_000 : 20_000;
const ROUNDS = QUICK ? 5 : 9;
const say = (s = '') => (JSON_OUT ? process.stderr : process.stdout).write(`${s}\n`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** median µs per call of `fn` over ROUNDS rounds of N calls, after one untimed round */
function perCall(fn: (i: number) => void): number {
  for (let i = 0; i < N; i++) fn(i);
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) fn(i);
    rounds.push(((performance.now() - t0) * 1000) / N);
  }
  return median(rounds);
}

// the bodies the API bench sends, and a typical intake
const session = (i: number) => ({ type: 'RECORD_SESSION', data: { summary: `第${i}次调解记录：双方陈述意见` } });
const intake = sampleIntake();

// as the event route checks a body: by its own type's schema (eventBodyFor)
const joiEventUs = perCall((i) => {
  const body = session(i);
  void validateInput(eventBodyFor(body), body, 'body', true);
});
const joiIntakeUs = perCall(() => void validateInput(intakeBody, structuredClone(intake), 'body', true));
const cloneOnlyUs = perCall(() => void structuredClone(intake));

/** a response object with what helmet touches (setHeader, removeHeader) */
function fakeRes() {
  const headers = new Map<string, unknown>();
  return {
    setHeader: (k: string, v: unknown) => void headers.set(k.toLowerCase(), v),
    removeHeader: (k: string) => void headers.delete(k.toLowerCase()),
    getHeader: (k: string) => headers.get(k.toLowerCase()),
    headers,
  };
}
const helmet = securityHeaders({ isProduction: true });
const req = { method: 'POST', url: '/api/cases/x/events', headers: {} };
let headerCount = 0;
const helmetUs = perCall(() => {
  const res = fakeRes();
  helmet(req as never, res as never, () => undefined);
  headerCount = res.headers.size;
});

const out = {
  joiEventUs: +joiEventUs.toFixed(2),
  joiIntakeUs: +Math.max(0, joiIntakeUs - cloneOnlyUs).toFixed(2),
  helmetUs: +helmetUs.toFixed(2),
  helmetHeaders: headerCount,
  perRequestUs: PER_REQUEST_US,
  joiEventShare: +(joiEventUs / PER_REQUEST_US).toFixed(4),
  helmetShare: +(helmetUs / PER_REQUEST_US).toFixed(4),
  calls: N,
  rounds: ROUNDS,
};
say(`joi, event body (RECORD_SESSION):   ${out.joiEventUs} µs per request (${(out.joiEventShare * 100).toFixed(1)} % of ${PER_REQUEST_US} µs)`);
say(`joi, intake body (typical):         ${out.joiIntakeUs} µs per request`);
say(`helmet (${headerCount} headers):              ${out.helmetUs} µs per request (${(out.helmetShare * 100).toFixed(1)} %)`);
if (JSON_OUT) process.stdout.write(`${JSON.stringify(out)}\n`);
