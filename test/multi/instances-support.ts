// What the two-instance tests (instances.test.ts on the embedded store, instances.mongo.test.ts on
// MongoDB) share: starting `npm start`'s entry point as a process of its own, and the cross-instance
// live delivery through the local Redis.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { acceptData } from '../support/workflow.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function redisAnswers(): Promise<boolean> {
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

export interface Instance {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** Starts `npm start`'s entry point as its own process and waits for its listening line. */
export async function startInstance(dataDir: string, env: Record<string, string>): Promise<Instance> {
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

export async function stop(i: Instance | null): Promise<void> {
  if (!i || i.child.exitCode !== null || i.child.signalCode !== null) return;
  i.child.kill('SIGTERM');
  await i.exited;
}

/** Waits for a condition on the shared database, checked each time a short interval passes;
 * gives up after `limitMs` (a bound, not a sleep: the condition is what the test waits for). */
export async function until<T>(read: () => T | Promise<T>, done: (v: T) => boolean, limitMs: number, everyMs = 100): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function login(url: string, username: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'demo-pass-2026' }),
  });
  return ((await res.json()) as { token: string }).token;
}

/** A walk-in intake on the demo compound through an instance's API (201 expected): the case and its access code. */
export async function intakeOver(url: string, token: string): Promise<{ case: { id: string; caseNo: string }; accessCode: string }> {
  const created = await fetch(`${url}/api/cases`, {
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
  return (await created.json()) as { case: { id: string; caseNo: string }; accessCode: string };
}

/** A resident connected to A receives the event a mediator posts on B (the Redis adapter). `start`
 * starts one instance with the environment given. Skips the test, saying so, without Redis. */
export async function deliversAcrossInstances(ctx: Mocha.Context, start: (env: Record<string, string>) => Promise<Instance>): Promise<void> {
    if (!(await redisAnswers())) {
      // Redis runs on every development machine and in CI (the brief): its absence is a failure, not a skip
      throw new Error(`Redis does not answer at ${REDIS_URL}: start it (these tests need it)`);
    }
    const env = { REDIS_URL, TEST_CLOCK: '0' };
    const a = await start(env);
    const b = await start(env);
    const token = await login(b.url, 'med.c1');
    const { case: c, accessCode } = await intakeOver(b.url, token);

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
  }
