// Two app processes on one embedded store (SQLite WAL is multi-process safe on one host) plus the
// local Redis: what a district running more than one instance relies on.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { makeHarness } from '../support/harness.ts';
import { acceptData } from '../support/workflow.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function redisAnswers(): Promise<boolean> {
  const url = new URL(REDIS_URL);
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(1000);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.connect(Number(url.port || 6379), url.hostname);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

interface Instance {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** Starts `npm start`'s entry point as its own process and waits for its listening line. */
async function startInstance(dataDir: string, env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, NODE_ENV: 'test', DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      if (out.includes('listening on')) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (out += d));
    void exited.then((code) => reject(new Error(`instance exited with ${code} before listening:\n${out.slice(-2000)}`)));
  });
  child.stdout!.resume(); // keep draining its log
  return { child, url: `http://127.0.0.1:${port}`, exited };
}

async function stop(i: Instance | null): Promise<void> {
  if (!i || i.child.exitCode !== null || i.child.signalCode !== null) return;
  i.child.kill('SIGTERM');
  await i.exited;
}

/** Waits for a condition on the shared database file, checked each time a short interval passes;
 * gives up after `limitMs` (a bound, not a sleep: the condition is what the test waits for). */
async function until<T>(read: () => T, done: (v: T) => boolean, limitMs: number): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = read();
    if (done(v)) return v;
    if (Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function login(url: string, username: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'demo-pass-2026' }),
  });
  return ((await res.json()) as { token: string }).token;
}

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

    const env = { SCHEDULER_LEASE_MS: '1500', SCHEDULER_POLL_MS: '50' };
    a = await startInstance(dir, env);
    b = await startInstance(dir, env);
    // once A has fired a good share, kill it without warning (its claimed timers stay leased)
    await until(counts, (c) => (c.fired ?? 0) >= N, 60_000);
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
    if (!(await redisAnswers())) {
      // said plainly, as the issue asks: this part needs the local Redis
      console.log(`      SKIPPED: Redis does not answer at ${REDIS_URL}; cross-instance live delivery was not tested`);
      this.skip();
    }
    const env = { REDIS_URL, TEST_CLOCK: '0' };
    a = await startInstance(dir, env);
    b = await startInstance(dir, env);
    const token = await login(b.url, 'med.c1');
    const created = await fetch(`${b.url}/api/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        channel: 'walk_in',
        compoundId: 'ou-k1-1-1',
        category: 'noise',
        summary: '夜间噪音',
        parties: [
          { role: 'applicant', kind: 'person', name: '赵六', phone: '13700001111' },
          { role: 'respondent', kind: 'person', name: '钱七' },
        ],
      }),
    });
    expect(created.status).to.equal(201);
    const { case: c, accessCode } = (await created.json()) as { case: { id: string; caseNo: string }; accessCode: string };

    const resident: ClientSocket = connect(a.url, { auth: { caseNo: c.caseNo, accessCode }, transports: ['websocket'], reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => {
        resident.once('connect', () => resolve());
        resident.once('connect_error', reject);
      });
      const received = new Promise<Record<string, unknown>>((resolve) => {
        resident.on('case:updated', (u: Record<string, unknown>) => {
          if (u.version === 2) resolve(u);
        });
      });
      const posted = await fetch(`${b.url}/api/cases/${c.id}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ type: 'ACCEPT', data: acceptData(), expectedVersion: 1 }),
      });
      expect(posted.status).to.equal(200);
      const update = await received;
      expect(update).to.include({ id: c.id, status: 'in_mediation', version: 2 });
      expect(JSON.stringify(update)).to.not.contain('13700001111');
    } finally {
      resident.close();
    }
  });
});
