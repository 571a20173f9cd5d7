import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Application } from 'express';
import request from 'supertest';
import { installOpenApiCheck } from '../support/openapi-check.ts';
import { createApp } from '../../server/app.ts';
import { scryptParamsFor } from '../../server/auth/passwords.ts';
import { hashToken } from '../../server/auth/sessions.ts';
import { SessionCache } from '../../server/auth/session-cache.ts';
import { loadConfig } from '../../server/config.ts';
import { SESSION_COOKIE } from '../../server/auth/sessions.ts';
import { createLogger } from '../../server/log.ts';
import { DEMO_USERS, seedDemo } from '../../server/seed/demo.ts';
import type { Store } from '../../server/store/port.ts';
import { createSqliteStore } from '../../server/store/sqlite/index.ts';
import { createAdministrator } from '../../scripts/admin-create.ts';

installOpenApiCheck(); // every response checked against /api/openapi.json

const PASSWORD = 'demo-pass-2026';
const START = Date.now(); // the cookie jar of supertest's agent uses the real clock

interface Fixture {
  app: Application;
  store: Store;
  config: ReturnType<typeof loadConfig>;
  clock: { t: number };
  close(): Promise<void>;
}

async function setup(env: Record<string, string> = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'wuye-auth-'));
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PASSWORD_SCRYPT_LOG_N: '12', DATA_DIR: dir, ...env });
  const store = createSqliteStore({ file: join(dir, 'mediation.db') });
  await store.init();
  const clock = { t: START };
  await seedDemo(store, { password: config.demoPassword, now: new Date(clock.t), scrypt: scryptParamsFor(config) });
  const app = createApp({ config, store, logger: createLogger({ level: 'silent' }), now: () => new Date(clock.t) });
  return {
    app,
    store,
    config,
    clock,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const login = (app: Application, username: string, password = PASSWORD) =>
  request(app).post('/api/auth/login').send({ username, password });

describe('auth: sign-in, sessions and who am I', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await setup();
  });
  afterEach(async () => {
    await f.close();
  });

  it('signs in with the demo password and returns a token, the user, a CSRF token and an httpOnly SameSite=Lax cookie', async () => {
    const res = await login(f.app, 'med.c1').expect(200);
    expect(res.body.token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(res.body.csrfToken).to.be.a('string').with.length.above(20);
    expect(res.body.user).to.include({ id: 'u-med-c1', username: 'med.c1', role: 'mediator', bodyId: 'b-c1-1', tier: 'community', orgUnitId: 'ou-c1-1' });
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).to.include(`${SESSION_COOKIE}=${res.body.token}`);
    expect(cookie).to.match(/HttpOnly/i);
    expect(cookie).to.match(/SameSite=Lax/i);
    expect(res.headers['cache-control']).to.equal('no-store');
  });

  it('stores only the sha256 of the token', async () => {
    const res = await login(f.app, 'med.c1').expect(200);
    expect(await f.store.sessions.get(res.body.token)).to.equal(null);
    const session = await f.store.sessions.get(hashToken(res.body.token));
    expect(session).to.include({ userId: 'u-med-c1', revokedAt: null });
  });

  it('refuses a wrong password and an unknown user alike, with 401 and the documented error shape', async () => {
    const wrong = await login(f.app, 'med.c1', 'not-the-password').expect(401);
    const unknown = await login(f.app, 'nobody', 'not-the-password').expect(401);
    for (const res of [wrong, unknown]) {
      expect(res.body).to.deep.equal({ error: { code: 'INVALID_CREDENTIALS', message: 'wrong username or password' } });
    }
  });

  it('records failed and successful sign-ins in the audit trail, without passwords', async () => {
    await login(f.app, 'med.c1', 'wrong-password-1').expect(401);
    await login(f.app, 'med.c1').expect(200);
    const entries = await f.store.audit.list(10);
    const actions = entries.map((e) => e.action);
    expect(actions).to.include('login.failed');
    expect(actions).to.include('login.succeeded');
    expect(JSON.stringify(entries)).not.to.include('wrong-password-1');
    expect(JSON.stringify(entries)).not.to.include(PASSWORD);
  });

  it('locks the account after 5 failed sign-ins, even for the right password, and unlocks after 15 minutes', async () => {
    for (let i = 0; i < 5; i++) await login(f.app, 'med.c2', `wrong-${i}`).expect(401);
    // locked: the same answer as a wrong password or an unknown user (issue 15 §2), the audit says why
    const locked = await login(f.app, 'med.c2').expect(401);
    expect(locked.body).to.deep.equal({ error: { code: 'INVALID_CREDENTIALS', message: 'wrong username or password' } });
    expect(locked.headers['retry-after']).to.equal(undefined);
    const [last] = await f.store.audit.list(1);
    expect(last).to.deep.include({ action: 'login.failed' });
    expect(last.detail).to.include({ reason: 'locked' });
    await login(f.app, 'med.c1').expect(200); // other accounts are not affected
    f.clock.t += 16 * 60_000;
    await login(f.app, 'med.c2').expect(200);
  });

  it('counts failed sign-ins only: successes reset the account counter', async () => {
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) await login(f.app, 'med.s1', `wrong-${i}`).expect(401);
      await login(f.app, 'med.s1').expect(200);
    }
    const user = await f.store.users.getByUsername('med.s1');
    expect(user).to.include({ failedLogins: 0, lockedUntil: null });
  });

  it('revokes the session on logout: the token then gets 401', async () => {
    const { token } = (await login(f.app, 'med.d').expect(200)).body;
    await request(f.app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
    await request(f.app).post('/api/auth/logout').set('Authorization', `Bearer ${token}`).expect(200);
    const res = await request(f.app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401);
    expect(res.body.error.code).to.equal('UNAUTHENTICATED');
    expect((await f.store.sessions.get(hashToken(token)))?.revokedAt).to.be.a('string');
  });

  it('with the session cache (as the product runs it): a signed-out or deactivated session gets 401 at once; a sign-out on another instance within SESSION_CACHE_MS', async () => {
    const ms = { t: 0 };
    const cache = new SessionCache({ ttlMs: f.config.sessionCacheMs, clock: () => ms.t });
    const store = cache.watch(f.store); // this instance's writers use this store
    const app = createApp({ config: f.config, store, logger: createLogger({ level: 'silent' }), now: () => new Date(f.clock.t), sessionCache: cache });
    const me = (token: string) => request(app).get('/api/me').set('Authorization', `Bearer ${token}`);

    const { token } = (await login(app, 'med.d').expect(200)).body;
    await me(token).expect(200);
    expect(cache.size).to.equal(1);
    await request(app).post('/api/auth/logout').set('Authorization', `Bearer ${token}`).expect(200);
    expect((await me(token).expect(401)).body.error.message).to.match(/signed out/);

    const other = (await login(app, 'med.d').expect(200)).body.token;
    await me(other).expect(200);
    // another instance signs it out (its write does not pass through this instance's store)
    await f.store.sessions.revoke(hashToken(other), new Date(f.clock.t).toISOString());
    ms.t = f.config.sessionCacheMs - 1;
    await me(other).expect(200); // within the documented bound
    ms.t = f.config.sessionCacheMs;
    await me(other).expect(401);

    const third = (await login(app, 'med.d').expect(200)).body.token;
    await me(third).expect(200);
    await store.users.update('u-med-d', { active: false }); // an administrator on this instance
    await me(third).expect(401);
  });

  it('answers 401 once the session has expired (12 hours by default)', async () => {
    const { token } = (await login(f.app, 'med.d').expect(200)).body;
    f.clock.t += 11 * 3_600_000;
    await request(f.app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
    f.clock.t += 1 * 3_600_000 + 1000;
    const res = await request(f.app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401);
    expect(res.body.error.message).to.match(/expired/);
  });

  it('answers 401 without credentials, with a malformed header and with an unknown token', async () => {
    await request(f.app).get('/api/me').expect(401);
    await request(f.app).get('/api/me').set('Authorization', 'Basic abc').expect(401);
    await request(f.app).get('/api/me').set('Authorization', 'Bearer not-a-real-token').expect(401);
  });

  it('keeps sessions across a restart of the app on the same store', async () => {
    const { token } = (await login(f.app, 'med.c1').expect(200)).body;
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
    const again = createApp({ config, store: f.store, logger: createLogger({ level: 'silent' }), now: () => new Date(f.clock.t) });
    await request(again).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
  });

  describe('CSRF', () => {
    it('requires the CSRF token for a cookie-authenticated POST', async () => {
      const agent = request.agent(f.app);
      const { csrfToken } = (await agent.post('/api/auth/login').send({ username: 'med.c1', password: PASSWORD }).expect(200)).body;
      await agent.get('/api/me').expect(200); // reads need none
      const refused = await agent.post('/api/auth/logout').expect(403);
      expect(refused.body.error.code).to.equal('CSRF_TOKEN_INVALID');
      await agent.post('/api/auth/logout').set('X-CSRF-Token', 'wrong').expect(403);
      await agent.post('/api/auth/logout').set('X-CSRF-Token', csrfToken).expect(200);
      await agent.get('/api/me').expect(401);
    });

    it('accepts the CSRF token as the _csrf form field', async () => {
      const agent = request.agent(f.app);
      const { csrfToken } = (await agent.post('/api/auth/login').send({ username: 'med.c1', password: PASSWORD }).expect(200)).body;
      await agent.post('/api/auth/logout').type('form').send({ _csrf: csrfToken }).expect(200);
    });

    it('needs no CSRF token for Bearer requests', async () => {
      const { token } = (await login(f.app, 'med.c1').expect(200)).body;
      await request(f.app).post('/api/auth/logout').set('Authorization', `Bearer ${token}`).expect(200);
    });

    it('lets a browser with a live session cookie sign in again without a CSRF token', async () => {
      const agent = request.agent(f.app);
      await agent.post('/api/auth/login').send({ username: 'med.c1', password: PASSWORD }).expect(200);
      await agent.post('/api/auth/login').send({ username: 'med.c2', password: PASSWORD }).expect(200);
      expect((await agent.get('/api/me').expect(200)).body.user.username).to.equal('med.c2');
    });
  });

  describe('GET /api/me', () => {
    const expected: Record<string, { role: string; bodyId: string | null; tier?: string; orgUnitId?: string }> = {
      admin: { role: 'admin', bodyId: null },
      'med.c1': { role: 'mediator', bodyId: 'b-c1-1', tier: 'community', orgUnitId: 'ou-c1-1' },
      'med.c2': { role: 'mediator', bodyId: 'b-c1-2', tier: 'community', orgUnitId: 'ou-c1-2' },
      'med.s1': { role: 'mediator', bodyId: 'b-s1', tier: 'subdistrict', orgUnitId: 'ou-s1' },
      'med.d': { role: 'mediator', bodyId: 'b-d1', tier: 'district', orgUnitId: 'ou-d1' },
      'court.liaison': { role: 'court_liaison', bodyId: 'b-court', tier: 'court', orgUnitId: 'ou-d1' },
      'expert.law': { role: 'expert', bodyId: 'b-d1', tier: 'district', orgUnitId: 'ou-d1' },
    };

    it('has an entry for every demo account', () => {
      expect(DEMO_USERS.map((u) => u.username).sort()).to.deep.equal(Object.keys(expected).sort());
    });

    for (const [username, want] of Object.entries(expected)) {
      it(`describes ${username}`, async () => {
        const { token } = (await login(f.app, username).expect(200)).body;
        const res = await request(f.app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
        const user = res.body.user;
        expect(user).to.include({ username, role: want.role, bodyId: want.bodyId });
        expect(user.id).to.be.a('string');
        expect(user.name).to.be.a('string').and.not.equal('');
        expect(user.tier).to.equal(want.tier);
        expect(user.orgUnitId).to.equal(want.orgUnitId);
        expect(user).not.to.have.property('passwordHash');
      });
    }
  });

  describe('GET /api/org', () => {
    it('returns the tree rooted at the district, each node {id, name, kind, children}, in stable order', async () => {
      const { token } = (await login(f.app, 'expert.law').expect(200)).body;
      const a = await request(f.app).get('/api/org').set('Authorization', `Bearer ${token}`).expect(200);
      const b = await request(f.app).get('/api/org').set('Authorization', `Bearer ${token}`).expect(200);
      expect(a.body).to.deep.equal(b.body);
      const root = a.body;
      expect(root).to.include({ id: 'ou-d1', name: '示范区', kind: 'district' });
      expect(root.children.map((s: any) => s.id)).to.deep.equal(['ou-s1', 'ou-s2']);
      const kinds = new Set<string>();
      const walk = (n: any, depth: number) => {
        const keys = n.bodyId ? ['id', 'name', 'kind', 'bodyId', 'committeeName', 'children'] : ['id', 'name', 'kind', 'children'];
        expect(n).to.have.all.keys(n.kind === 'compound' && 'address' in n ? [...keys, 'address'] : keys); // a compound's street address, where known
        if (n.bodyId) expect(n.committeeName).to.match(/人民调解委员会$/); // the seal on its documents (issue 13 §1)
        expect(n.kind).to.equal(['district', 'subdistrict', 'community', 'compound'][depth]);
        kinds.add(n.kind);
        n.children.forEach((c: any) => walk(c, depth + 1));
      };
      walk(root, 0);
      expect([...kinds]).to.deep.equal(['district', 'subdistrict', 'community', 'compound']);
      for (const s of root.children) {
        expect(s.children.length).to.be.at.least(2);
        for (const c of s.children) expect(c.children.length).to.be.within(2, 3);
      }
      // "the first community" = the first community of the first sub-district = med.c1's
      expect(root.children[0].children[0]).to.include({ id: 'ou-c1-1', bodyId: 'b-c1-1' });
    });

    it('needs a signed-in user', async () => {
      await request(f.app).get('/api/org').expect(401);
    });
  });

  it('GET /api/health says ok and names the store', async () => {
    const res = await request(f.app).get('/api/health').expect(200);
    expect(res.body).to.include({ status: 'ok', store: 'sqlite' });
  });

  it('does not seed twice', async () => {
    expect(await seedDemo(f.store, { password: PASSWORD, now: new Date() })).to.deep.equal({ seeded: false });
  });

  it('admin:create makes an administrator who can sign in', async () => {
    const user = await createAdministrator(
      f.store,
      { username: 'chief', password: 'a-long-enough-password', name: '区司法局管理员' },
      { now: new Date(f.clock.t), scrypt: { logN: 12, r: 8, p: 1 } },
    );
    expect(user.role).to.equal('admin');
    const res = await login(f.app, 'chief', 'a-long-enough-password').expect(200);
    expect(res.body.user).to.include({ role: 'admin', bodyId: null });
    let error: unknown;
    await createAdministrator(f.store, { username: 'chief', password: 'a-long-enough-password', name: 'x' }, {
      now: new Date(),
      scrypt: { logN: 12, r: 8, p: 1 },
    }).catch((e: unknown) => (error = e));
    expect(String(error)).to.match(/taken/);
  });
});

describe('auth: per-address login limit', () => {
  let f: Fixture;
  before(async () => {
    f = await setup({ LOGIN_IP_MAX_FAILURES: '3' });
  });
  after(async () => {
    await f.close();
  });

  it('does not count successful sign-ins', async () => {
    for (let i = 0; i < 6; i++) await login(f.app, 'med.c1').expect(200);
  });

  it('answers 429 once an address has failed too often, whatever the username', async () => {
    await login(f.app, 'ghost-1', 'x').expect(401);
    await login(f.app, 'ghost-2', 'x').expect(401);
    await login(f.app, 'ghost-3', 'x').expect(401);
    const res = await login(f.app, 'med.c1').expect(429);
    expect(res.body.error.code).to.equal('RATE_LIMITED');
  });
});
