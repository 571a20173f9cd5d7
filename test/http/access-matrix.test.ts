// Who may do what: every role × every endpoint × a case inside and outside the caller's
// jurisdiction, generated from the one table below. A case outside the jurisdiction answers 404
// (no existence leak); a readable case whose event is not the caller's to send, or not valid now,
// answers 422; an endpoint the role may never use answers 403; no session, 401.
import { expect } from 'chai';
import { COMPOUND, intakeBody, startProduct, type DemoUser, type Product } from '../support/http.ts';
import { acceptData } from '../support/workflow.ts';

type Who = DemoUser | 'anonymous';
type Scope = 'inside' | 'outside';
type CaseKey = 'C1' | 'C2' | 'S2' | 'CT';

/** For each caller: the case (and compound) inside their jurisdiction and one outside it. */
const SCOPES: Record<Who, { inside: CaseKey; outside?: CaseKey; compoundIn: string; compoundOut?: string }> = {
  admin: { inside: 'C1', compoundIn: COMPOUND.s2 },
  'med.c1': { inside: 'C1', outside: 'C2', compoundIn: COMPOUND.c1, compoundOut: COMPOUND.c2 },
  'med.c2': { inside: 'C2', outside: 'C1', compoundIn: COMPOUND.c2, compoundOut: COMPOUND.c1 },
  'med.s1': { inside: 'C1', outside: 'S2', compoundIn: COMPOUND.c2, compoundOut: COMPOUND.s2 },
  'med.d': { inside: 'C1', compoundIn: COMPOUND.s2 },
  'court.liaison': { inside: 'CT', outside: 'C1', compoundIn: COMPOUND.c1 },
  'expert.law': { inside: 'C1', outside: 'C2', compoundIn: COMPOUND.c1 },
  anonymous: { inside: 'C1', outside: 'C2', compoundIn: COMPOUND.c1 },
};
const WHO = Object.keys(SCOPES) as Who[];

/** inside/outside statuses, or one status for both */
type Cell = number | [inside: number, outside: number];
interface Ctx {
  caseId: string;
  caseNo: string;
  accessCode: string;
  docId: string;
  compoundId: string;
  n: number;
}
interface Row {
  endpoint: string;
  method: 'get' | 'post' | 'put';
  path: (c: Ctx) => string;
  body?: (c: Ctx) => unknown;
  headers?: (c: Ctx) => Record<string, string>;
  expect: Record<Who, Cell>;
}

const all = (status: number, overrides: Partial<Record<Who, Cell>> = {}): Record<Who, Cell> =>
  ({ ...Object.fromEntries(WHO.map((w) => [w, status])), anonymous: 401, ...overrides }) as Record<Who, Cell>;
const adminOnly = (status: number) => all(403, { admin: status });
const READ: Cell = [200, 404];

// ── THE TABLE ──────────────────────────────────────────────────────────────────────────────────
const TABLE: Row[] = [
  { endpoint: 'GET /api/health', method: 'get', path: () => '/api/health', expect: all(200, { anonymous: 200 }) },
  { endpoint: 'GET /api/me', method: 'get', path: () => '/api/me', expect: all(200) },
  { endpoint: 'GET /api/org', method: 'get', path: () => '/api/org', expect: all(200) },
  { endpoint: 'GET /api/cases', method: 'get', path: () => '/api/cases?limit=100', expect: all(200) },
  // issue 16 §4: the monthly table is for the sub-district and district bodies and administrators
  {
    endpoint: 'GET /api/stats/monthly',
    method: 'get',
    path: () => '/api/stats/monthly',
    expect: all(403, { admin: 200, 'med.s1': 200, 'med.d': 200 }),
  },
  { endpoint: 'GET /api/cases/:id', method: 'get', path: (c) => `/api/cases/${c.caseId}`, expect: all(0, { admin: 200, 'med.c1': READ, 'med.c2': READ, 'med.s1': READ, 'med.d': 200, 'court.liaison': READ, 'expert.law': READ }) },
  { endpoint: 'GET /api/cases/:id/history', method: 'get', path: (c) => `/api/cases/${c.caseId}/history`, expect: all(0, { admin: 200, 'med.c1': READ, 'med.c2': READ, 'med.s1': READ, 'med.d': 200, 'court.liaison': READ, 'expert.law': READ }) },
  { endpoint: 'GET /api/cases/:id/documents', method: 'get', path: (c) => `/api/cases/${c.caseId}/documents`, expect: all(0, { admin: 200, 'med.c1': READ, 'med.c2': READ, 'med.s1': READ, 'med.d': 200, 'court.liaison': READ, 'expert.law': READ }) },
  {
    endpoint: 'POST /api/cases/:id/documents',
    method: 'post',
    path: (c) => `/api/cases/${c.caseId}/documents`,
    body: () => ({ kind: 'intake_form' }),
    // issue 14: every document is a mediation body's (sealed by its 人民调解委员会): never the court's
    expect: all(0, { admin: 201, 'med.c1': [201, 404], 'med.c2': [201, 404], 'med.s1': [201, 404], 'med.d': 201, 'court.liaison': 403, 'expert.law': 403 }),
  },
  {
    endpoint: 'GET /api/documents/:id',
    method: 'get',
    path: (c) => `/api/documents/${c.docId}`,
    expect: all(0, { admin: 200, 'med.c1': READ, 'med.c2': READ, 'med.s1': READ, 'med.d': 200, 'court.liaison': READ, 'expert.law': 403 }),
  },
  {
    // the holding body's mediators may record a session; readers above it, the court, the expert and
    // the administrator may read the case but not send this event
    endpoint: 'POST /api/cases/:id/events RECORD_SESSION',
    method: 'post',
    path: (c) => `/api/cases/${c.caseId}/events`,
    body: (c) => ({ type: 'RECORD_SESSION', data: { summary: `记录 ${c.n}` } }),
    expect: all(0, { admin: 422, 'med.c1': [200, 404], 'med.c2': [200, 404], 'med.s1': [422, 404], 'med.d': 422, 'court.liaison': [422, 404], 'expert.law': [422, 404] }),
  },
  {
    endpoint: 'POST /api/cases/:id/events CLOSE',
    method: 'post',
    path: (c) => `/api/cases/${c.caseId}/events`,
    body: () => ({ type: 'CLOSE' }),
    expect: all(0, { admin: 422, 'med.c1': [422, 404], 'med.c2': [422, 404], 'med.s1': [422, 404], 'med.d': 422, 'court.liaison': [422, 404], 'expert.law': [422, 404] }),
  },
  {
    endpoint: 'POST /api/cases/:id/events ADD_OPINION',
    method: 'post',
    path: (c) => `/api/cases/${c.caseId}/events`,
    body: () => ({ type: 'ADD_OPINION', data: { text: '依据《物业管理条例》，建议由责任方修复。' } }),
    expect: all(0, { admin: 422, 'med.c1': [422, 404], 'med.c2': [422, 404], 'med.s1': [422, 404], 'med.d': 422, 'court.liaison': [422, 404], 'expert.law': [200, 404] }),
  },
  {
    endpoint: 'POST /api/cases',
    method: 'post',
    path: () => '/api/cases',
    body: (c) => intakeBody(c.compoundId),
    expect: all(403, { admin: 201, 'med.c1': [201, 422], 'med.c2': [201, 422], 'med.s1': [201, 422], 'med.d': 201, anonymous: 401 }),
  },
  { endpoint: 'GET /api/court/referrals', method: 'get', path: () => '/api/court/referrals', expect: all(403, { admin: 200, 'court.liaison': 200, anonymous: 401 }) },
  {
    endpoint: 'POST /api/court/delegations',
    method: 'post',
    path: () => '/api/court/delegations',
    body: () => ({ ...intakeBody(COMPOUND.c2, { channel: undefined }), courtRef: '（2026）沪0105民诉前调9号', dueAt: '2026-12-31' }),
    expect: all(403, { admin: 201, 'court.liaison': 201, anonymous: 401 }),
  },
  {
    endpoint: 'GET /api/track/:caseNo',
    method: 'get',
    path: (c) => `/api/track/${encodeURIComponent(c.caseNo)}`,
    headers: (c) => ({ 'X-Access-Code': c.accessCode }),
    expect: all(200, { anonymous: 200 }),
  },
  { endpoint: 'GET /api/admin/verify', method: 'get', path: () => '/api/admin/verify', expect: adminOnly(200) },
  // the anchor log is kept beside the embedded store only: on MongoDB (npm run test:mongo) there is none → 404
  { endpoint: 'GET /api/admin/anchors/merkle', method: 'get', path: () => '/api/admin/anchors/merkle', expect: adminOnly(process.env.TEST_MONGODB_URI ? 404 : 200) },
  { endpoint: 'GET /api/admin/workflows/migration-report', method: 'get', path: () => '/api/admin/workflows/migration-report', expect: adminOnly(200) },
  { endpoint: 'GET /api/admin/users', method: 'get', path: () => '/api/admin/users', expect: adminOnly(200) },
  {
    endpoint: 'POST /api/admin/users',
    method: 'post',
    path: () => '/api/admin/users',
    body: (c) => ({ username: `matrix.${c.n}`, name: '测试用户', role: 'expert', password: 'matrix-password-1' }),
    expect: adminOnly(201),
  },
  { endpoint: 'GET /api/admin/audit', method: 'get', path: () => '/api/admin/audit', expect: adminOnly(200) },
  { endpoint: 'GET /api/admin/settings', method: 'get', path: () => '/api/admin/settings', expect: adminOnly(200) },
  { endpoint: 'PUT /api/admin/settings', method: 'put', path: () => '/api/admin/settings', body: () => ({ recurrenceDays: 365 }), expect: adminOnly(200) },
  {
    endpoint: 'POST /api/admin/calendar',
    method: 'post',
    path: () => '/api/admin/calendar',
    body: () => ({ year: 2028, holidays: ['2028-01-01'], workdays: [] }),
    expect: adminOnly(200),
  },
  { endpoint: 'POST /api/admin/clock', method: 'post', path: () => '/api/admin/clock', body: () => ({ advanceMinutes: 1 }), expect: adminOnly(200) },
  {
    // issue 14: the holding body's mediators and administrators; last, as it changes the codes above
    endpoint: 'POST /api/cases/:id/access-code',
    method: 'post',
    path: (c) => `/api/cases/${c.caseId}/access-code`,
    expect: all(0, { admin: 200, 'med.c1': [200, 404], 'med.c2': [200, 404], 'med.s1': [422, 404], 'med.d': 422, 'court.liaison': 403, 'expert.law': 403, anonymous: 401 }),
  },
];

describe('HTTP access matrix: every role × every endpoint × inside and outside the jurisdiction', () => {
  let p: Product;
  const cases = {} as Record<CaseKey, { id: string; caseNo: string; accessCode: string; docId: string }>;
  let n = 0;

  before(async () => {
    p = await startProduct();
    const register = async (key: CaseKey, who: DemoUser, compoundId: string, accept = true) => {
      const res = await p.post('/api/cases', who).send(intakeBody(compoundId)).expect(201);
      if (accept) await p.event(who, res.body.case.id, 'ACCEPT', acceptData());
      cases[key] = { id: res.body.case.id, caseNo: res.body.case.caseNo, accessCode: res.body.accessCode, docId: '' };
    };
    await register('C1', 'med.c1', COMPOUND.c1);
    await p.event('med.c1', cases.C1.id, 'INVITE_EXPERT', { expertId: p.userIds['expert.law'] });
    await register('C2', 'med.c2', COMPOUND.c2);
    await register('S2', 'admin', COMPOUND.s2, false);
    const ct = await p
      .post('/api/court/delegations', 'court.liaison')
      .send({ ...intakeBody(COMPOUND.c2, { channel: undefined }), courtRef: '（2026）沪0105民诉前调1号', dueAt: '2026-12-31' })
      .expect(201);
    cases.CT = { id: ct.body.case.id, caseNo: ct.body.case.caseNo, accessCode: ct.body.accessCode, docId: '' };
    for (const key of Object.keys(cases) as CaseKey[]) {
      cases[key].docId = (await p.post(`/api/cases/${cases[key].id}/documents`, 'admin').send({ kind: 'intake_form' }).expect(201)).body.document.id;
    }
  });
  after(async () => {
    await p.close();
  });

  for (const row of TABLE) {
    describe(row.endpoint, () => {
      for (const who of WHO) {
        const scopes: Scope[] = SCOPES[who].outside ? ['inside', 'outside'] : ['inside'];
        for (const scope of scopes) {
          const cell = row.expect[who];
          const status = Array.isArray(cell) ? cell[scope === 'inside' ? 0 : 1] : cell;
          it(`${who}, ${scope} → ${status}`, async () => {
            expect(status, 'table cell').to.be.greaterThan(0);
            const key = scope === 'inside' ? SCOPES[who].inside : SCOPES[who].outside!;
            const c = cases[key];
            const compoundId = scope === 'inside' ? SCOPES[who].compoundIn : (SCOPES[who].compoundOut ?? SCOPES[who].compoundIn);
            const ctx: Ctx = { caseId: c.id, caseNo: c.caseNo, accessCode: c.accessCode, docId: c.docId, compoundId, n: ++n };
            let req = (row.method === 'get' ? p.get : row.method === 'put' ? p.put : p.post)(row.path(ctx), who === 'anonymous' ? null : who);
            for (const [h, v] of Object.entries(row.headers?.(ctx) ?? {})) req = req.set(h, v);
            const res = row.body ? await req.send(row.body(ctx) as object) : await req;
            expect(res.status, JSON.stringify(res.body).slice(0, 300)).to.equal(status);
            if (status >= 400) expect(res.body.error.code).to.be.a('string');
            if (status === 404) expect(res.body.error.code).to.equal('NOT_FOUND');
            if (status === 403) expect(res.body.error.code).to.equal('FORBIDDEN');
            if (status === 422) expect(res.body.error.code).to.be.oneOf(['EVENT_NOT_ALLOWED', 'OUT_OF_JURISDICTION']);
          });
        }
      }
    });
  }

  describe('lists follow the same jurisdiction', () => {
    for (const who of WHO.filter((w) => w !== 'anonymous')) {
      it(`${who}: lists the case inside${SCOPES[who].outside ? ', never the one outside' : ''}`, async () => {
        const res = await p.get('/api/cases?limit=100', who as DemoUser).expect(200);
        const ids = res.body.items.map((i: any) => i.id);
        expect(ids).to.include(cases[SCOPES[who].inside].id);
        if (SCOPES[who].outside) expect(ids).not.to.include(cases[SCOPES[who].outside!].id);
        expect(res.body.total).to.equal(ids.length);
      });
    }
  });
});
