// Two app processes on one embedded store (SQLite WAL is multi-process safe on one host) plus the
// local Redis: what a district running more than one instance relies on.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { makeHarness } from '../support/harness.ts';
import { type Instance, REDIS_URL, deliversAcrossInstances, login, redisAnswers, startInstance, stop, until } from './instances-support.ts';

describe('two instances on one embedded store', function () {
  this.timeout(180_000);
  let dir: string;
  let a: Instance | null = null;
  let b: Instance | null = null;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mediation-multi-'));
  });
  afterEach(async () => {
    await stop(a);
    await stop(b);
    a = b = null;
    rmSync(dir, { recursive: true, force: true });
  });

  it('fires each of a few thousand overdue timers exactly once, and survives kill -9 of one instance', async () => {
    // 800 cases registered in January: their acceptance deadlines (4 timers each) are long overdue
    const h = await makeHarness({ file: path.join(dir, 'mediation.db'), start: '2026-01-05T09:00:00+08:00', keep: true });
    const N = 800;
    for (let i = 0; i < N; i += 50) await Promise.all(Array.from({ length: Math.min(50, N - i) }, () => h.intake()));
    await h.store.close();

    const db = new Database(path.join(dir, 'mediation.db'), { readonly: true, fileMustExist: true });
    const counts = () =>
      db.prepare("SELECT state, count(*) AS n FROM timers GROUP BY state").all().reduce<Record<string, number>>((m, r: any) => ({ ...m, [r.state]: r.n }), {});
    expect(counts().pending).to.equal(N * 4);

    // both started together, in claims of 10: the backlog takes many claims, so the kill lands with work
    // left (started one after the other in claims of the default 200, the first instance once fired all
    // 3,200 on a fast quiet machine while the second was starting)
    const env = { SCHEDULER_LEASE_MS: '1500', SCHEDULER_POLL_MS: '50', SCHEDULER_BATCH: '10' };
    await Promise.all([startInstance(dir, env).then((i) => (a = i)), startInstance(dir, env).then((i) => (b = i))]); // each kept as it starts (afterEach stops it)
    if (!a || !b) throw new Error('both instances should be running');
    // once the instances have begun firing, kill A without warning (its claimed timers stay leased)
    await until(counts, (c) => (c.fired ?? 0) >= 100, 60_000, 10);
    a.child.kill('SIGKILL');
    await a.exited;
    const atKill = counts();
    expect(atKill.pending ?? 0, 'work was left for B after the kill').to.be.greaterThan(0);
    const final = await until(counts, (c) => (c.pending ?? 0) === 0, 90_000);
    db.close();

    expect(final.pending ?? 0, JSON.stringify(final)).to.equal(0);
    expect(final.fired).to.equal(N * 4);
    const check = new Database(path.join(dir, 'mediation.db'), { readonly: true });
    const events = check.prepare("SELECT count(*) AS n FROM events WHERE type IN ('DEADLINE_WARNING','DEADLINE_EXPIRED')").get() as { n: number };
    const perCase = check
      .prepare(
        "SELECT case_id, count(*) AS n, count(DISTINCT json_extract(doc, '$.data.level')) AS levels FROM events WHERE type IN ('DEADLINE_WARNING','DEADLINE_EXPIRED') GROUP BY case_id HAVING n != 4",
      )
      .all();
    const integrity = check.pragma('integrity_check', { simple: true });
    check.close();
    expect(events.n, 'one event per timer: none fired twice').to.equal(N * 4);
    expect(perCase).to.deep.equal([]);
    expect(integrity).to.equal('ok');
  });

  it('delivers to a resident connected to instance A the event a mediator posts on instance B (Redis adapter)', async function () {
    await deliversAcrossInstances(this, async (env) => {
      const i = await startInstance(dir, env);
      if (!a) a = i;
      else b = i;
      return i;
    });
  });

  it('refuses on instance B, long before its session cache would expire, a token signed out on instance A (Redis)', async function () {
    if (!(await redisAnswers())) throw new Error(`Redis does not answer at ${REDIS_URL}: this test needs it (CI starts it)`);
    // a cache that would trust the session for a minute: only the announcement through Redis can end it early
    const env = { REDIS_URL, TEST_CLOCK: '0', SESSION_CACHE_MS: '60000' };
    const [onA, onB] = [(a = await startInstance(dir, env)), (b = await startInstance(dir, env))];
    const token = await login(onA.url, 'med.c1');
    const me = (url: string) => fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await me(onB.url), 'B reads the session (and caches it)').to.equal(200);
    expect(await me(onB.url)).to.equal(200);
    const out = await fetch(`${onA.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(out.status).to.equal(200);
    expect(await me(onA.url), 'A refuses at once').to.equal(401);
    const t0 = Date.now();
    const refused = await until(() => me(onB.url), (s) => s === 401, 10_000);
    expect(refused, 'B refuses within 10 s, not after its 60 s cache').to.equal(401);
    console.log(`      B refused the signed-out token after ${Date.now() - t0} ms`);
  });
});
