// Issue 15 §2 across instances: two app processes on one store and one Redis together check no more
// wrong access codes, and no more wrong passwords, than one process may. 200 parallel attempts are
// split between the two. Reproduces the attack: on the code before the fix (limits in each process's
// memory) the two instances checked up to 20 wrong codes and 10 wrong passwords (run against main on
// 2026-12-06: the first assertion failed with 20 codes checked).
// Also the lockout as a denial of service: a stranger's wrong codes do not lock the resident out of
// their own case from their own address, and a locked account answers like a wrong password.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createClient } from 'redis';
import { type Instance, REDIS_URL, intakeOver, login, redisAnswers, startInstance, stop } from '../multi/instances-support.ts';

const BURST = 200;
const PASSWORD = 'demo-pass-2026';

describe('security: attempt limits shared by two instances through Redis (issue 15 §2)', function () {
  this.timeout(180_000);
  let dir: string;
  let prefix: string;
  let a: Instance | null = null;
  let b: Instance | null = null;

  before(async function () {
    if (!(await redisAnswers())) {
      // Redis runs on every development machine and in CI (the brief): its absence is a failure, not a skip
      throw new Error(`Redis does not answer at ${REDIS_URL}: start it (these tests need it)`);
    }
    dir = mkdtempSync(path.join(tmpdir(), 'mediation-limits-'));
    prefix = `test-limits-${randomUUID()}:`;
    // the per-address sign-in limit is raised so that it is the per-account lockout that is tested
    const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix, TEST_CLOCK: '0', TRUST_PROXY: 'loopback', LOGIN_IP_MAX_FAILURES: '10000' };
    a = await startInstance(dir, env);
    b = await startInstance(dir, env);
  });

  after(async () => {
    await stop(a);
    await stop(b);
    if (prefix) {
      const redis = createClient({ url: REDIS_URL });
      await redis.connect();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(keys);
      await redis.quit();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const track = (url: string, caseNo: string, code: string, from: string) =>
    fetch(`${url}/api/track/${encodeURIComponent(caseNo)}`, { headers: { 'X-Access-Code': code, 'X-Forwarded-For': from } });

  async function intake(): Promise<{ caseNo: string; accessCode: string }> {
    const { case: c, accessCode } = await intakeOver(a!.url, await login(a!.url, 'med.c1'));
    return { caseNo: c.caseNo, accessCode };
  }

  it(`checks at most 10 of ${BURST} parallel wrong access codes sent to two instances, and keeps the resident's own address open`, async () => {
    const { caseNo, accessCode } = await intake();
    const attacker = '203.0.113.7';
    const guesses = Array.from({ length: BURST }, (_, i) =>
      track(i % 2 ? a!.url : b!.url, caseNo, `WRONG${String(i).padStart(3, '0')}`, attacker).then((r) => r.status),
    );
    const right = track(a!.url, caseNo, accessCode, attacker).then((r) => r.status); // in the same burst
    const [statuses, rightStatus] = await Promise.all([Promise.all(guesses), right]);
    const checked = statuses.filter((s) => s === 404).length;
    expect(checked, `codes checked: ${checked}`).to.be.at.most(10);
    expect(statuses.filter((s) => s === 429).length + checked).to.equal(BURST);
    expect(rightStatus).to.equal(429);
    // the attacker's address stays refused on both instances …
    expect((await track(b!.url, caseNo, accessCode, attacker)).status).to.equal(429);
    // … but the resident, from their own address, opens the case on either
    const own = await track(b!.url, caseNo, accessCode, '198.51.100.20');
    expect(own.status).to.equal(200);
    expect(((await own.json()) as { caseNo: string }).caseNo).to.equal(caseNo);
    expect((await track(a!.url, caseNo, accessCode, '198.51.100.20')).status).to.equal(200);
  });

  it(`checks at most 5 of ${BURST} parallel wrong passwords sent to two instances, and answers a locked account like a wrong password`, async () => {
    const attempt = (url: string, username: string, password: string) =>
      fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-Forwarded-For': '203.0.113.8' },
        body: JSON.stringify({ username, password }),
      }).then(async (r) => ({ status: r.status, body: await r.text() }));
    const answers = await Promise.all(Array.from({ length: BURST }, (_, i) => attempt(i % 2 ? a!.url : b!.url, 'med.c2', `wrong-password-${i}`)));
    const locked = await attempt(a!.url, 'med.c2', PASSWORD);
    const unknown = await attempt(b!.url, 'nobody-at-all', 'wrong-password');
    for (const r of [...answers, locked, unknown]) expect(r).to.deep.equal(unknown); // status and body alike
    expect(unknown.status).to.equal(401);

    const db = new Database(path.join(dir, 'mediation.db'), { readonly: true, fileMustExist: true });
    const rows = db.prepare("SELECT doc FROM audit WHERE action = 'login.failed'").all() as Array<{ doc: string }>;
    db.close();
    const reasons = rows.map((r) => (JSON.parse(r.doc) as { detail: { username: string; reason: string } }).detail).filter((d) => d.username === 'med.c2');
    const checked = reasons.filter((d) => d.reason === 'wrong_password').length;
    expect(checked, `passwords checked: ${checked}`).to.equal(5);
    expect(reasons.length).to.equal(BURST + 1);
  });
});
