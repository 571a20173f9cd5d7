// Starts the real product for HTTP tests: startServer() with a test configuration, the embedded
// store in a temp folder, the demo organisation and accounts, and the manual (test) clock. Signs
// in every demo user. Requests go through supertest against the product's own express app.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { loadConfig } from '../../server/config.ts';
import { testMongoUri } from '../support/mongo-target.ts';
import { startServer, type Running } from '../../server/wiring.ts';
import { leakIntake } from './intake.ts';
import { installOpenApiCheck } from './openapi-check.ts';
import { acceptData, PARTICULARS } from './workflow.ts';

// every response the HTTP tests receive is checked against /api/openapi.json (test/support/openapi-check.ts)
installOpenApiCheck();

export const PASSWORD = 'demo-pass-2026';
export const DEMO = ['admin', 'med.c1', 'med.c2', 'med.s1', 'med.d', 'court.liaison', 'expert.law'] as const;
export type DemoUser = (typeof DEMO)[number];

/** Compounds of the demo district: one in each of med.c1's and med.c2's communities, one in the
 * other sub-district (outside med.s1's centre). */
export const COMPOUND = { c1: 'ou-k1-1-1', c2: 'ou-k1-2-1', s2: 'ou-k2-1-1' } as const;

export const START = '2026-11-23T09:00:00+08:00';

export interface Product {
  running: Running;
  dir: string;
  tokens: Record<DemoUser, string>;
  userIds: Record<DemoUser, string>;
  get(path: string, who?: DemoUser | null): request.Test;
  post(path: string, who?: DemoUser | null): request.Test;
  put(path: string, who?: DemoUser | null): request.Test;
  patch(path: string, who?: DemoUser | null): request.Test;
  /** POST /api/cases as `who`, with a leakage case in `compoundId` unless overridden */
  intake(who: DemoUser, overrides?: Record<string, unknown>): Promise<{ case: any; accessCode: string }>;
  /** POST /api/cases/:id/events, expecting `status` (200 by default) */
  event(who: DemoUser, caseId: string, type: string, data?: Record<string, unknown>, extra?: Record<string, unknown>, status?: number): Promise<any>;
  login(username: string, password?: string): Promise<string>;
  close(opts?: { keep?: boolean }): Promise<void>;
}

export function intakeBody(compoundId: string = COMPOUND.c1, overrides: Record<string, unknown> = {}) {
  return { ...leakIntake(), compoundId, ...overrides };
}

export async function startProduct(opts: { dir?: string; env?: Record<string, string>; signIn?: boolean } = {}): Promise<Product> {
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), 'wuye-http-'));
  const mongoUri = testMongoUri('http', dir); // npm run test:mongo
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dir,
    TEST_CLOCK: '1',
    LOG_LEVEL: 'silent',
    PASSWORD_SCRYPT_LOG_N: '12',
    LOGIN_IP_MAX_FAILURES: '1000',
    ...(mongoUri ? { MONGODB_URI: mongoUri } : {}),
    // SQLITE_WRITER_THREAD=on npx mocha …: the same tests with commits written by the store's writer thread
    ...(process.env.SQLITE_WRITER_THREAD ? { SQLITE_WRITER_THREAD: process.env.SQLITE_WRITER_THREAD } : {}),
    ...opts.env,
  });
  const running = await startServer(config, { listen: false, clockStart: START });
  const app = running.app;
  const auth = (t: request.Test, who: DemoUser | null | undefined) => (who ? t.set('Authorization', `Bearer ${product.tokens[who]}`) : t);

  const product: Product = {
    running,
    dir,
    tokens: {} as Record<DemoUser, string>,
    userIds: {} as Record<DemoUser, string>,
    get: (p, who = 'admin') => auth(request(app).get(p), who),
    post: (p, who = 'admin') => auth(request(app).post(p), who),
    put: (p, who = 'admin') => auth(request(app).put(p), who),
    patch: (p, who = 'admin') => auth(request(app).patch(p), who),
    async intake(who, overrides = {}) {
      const res = await product.post('/api/cases', who).send(intakeBody(COMPOUND.c1, overrides));
      if (res.status !== 201) throw new Error(`intake by ${who} → ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async event(who, caseId, type, data = {}, extra = {}, status = 200) {
      const res = await product.post(`/api/cases/${caseId}/events`, who).send({ type, data, ...extra });
      if (res.status !== status) throw new Error(`${type} by ${who} → ${res.status} (expected ${status}) ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async login(username, password = PASSWORD) {
      const res = await request(app).post('/api/auth/login').send({ username, password });
      if (res.status !== 200) throw new Error(`login ${username} → ${res.status}`);
      return res.body.token as string;
    },
    async close(o = {}) {
      await running.close();
      if (!o.keep && !opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  if (opts.signIn !== false) {
    for (const u of DEMO) {
      const res = await request(app).post('/api/auth/login').send({ username: u, password: PASSWORD });
      if (res.status !== 200) throw new Error(`login ${u} → ${res.status}`);
      product.tokens[u] = res.body.token;
      product.userIds[u] = res.body.user.id;
    }
  }
  return product;
}

/** Takes a case registered by med.c1 through acceptance to an agreement in effect. */
export async function toPerforming(p: Product, caseId: string, performBy = '2026-12-10'): Promise<any> {
  await p.event('med.c1', caseId, 'ACCEPT', acceptData());
  await p.event('med.c1', caseId, 'REACH_AGREEMENT', { terms: ['李四于12月10日前修复漏水', { text: '李四赔偿张三损失人民币2000元', obligor: '李四' }], performBy, ...PARTICULARS });
  return p.event('med.c1', caseId, 'SIGN_AGREEMENT', { signedBy: ['张三', '李四'] });
}
