// Generated malformed input: for every changing endpoint, each field of a valid body replaced by
// values of the wrong shape (wrong type, operator objects, impossible dates, out-of-range numbers),
// required fields left out, unknown keys added, non-object bodies; and malformed queries and path
// parameters. Every one must be answered 4xx — never 2xx, never 5xx — and nothing may be written.
import { expect } from 'chai';
import { COMPOUND, intakeBody, startProduct, type DemoUser, type Product } from '../support/http.ts';

type Kind = 'string' | 'text' | 'id' | 'number' | 'integer' | 'boolean' | 'array' | 'object' | 'date' | 'instant' | 'enum' | 'term';

const BAD: Record<Kind, unknown[]> = {
  string: [null, 12345, true, [], {}, { $gt: '' }],
  text: [null, 12345, false, ['x'], {}, '', '   ', { $ne: null }, 'x'.repeat(20_001)],
  id: [null, 7, ['ou-k1-1-1'], { $regex: '.*' }, '', '../../etc/passwd', 'a b c'],
  number: [null, '12', true, [], {}, { $gt: 0 }, -5, 1e300],
  integer: [null, '3', 1.5, -1, true, { $gte: 1 }, 1e12],
  boolean: [null, 'true', 1, [], {}, { $ne: false }],
  array: [null, 'x', 1, {}, { $in: [] }, true],
  object: [null, 'x', 1, [], true, { $where: '1 == 1' }],
  date: [null, 1, '2026-02-30', 'tomorrow', '2026/12/01', '12/01/2026', '1899-01-01', '2026-12-01T09:00', { $gte: '' }],
  instant: [null, 1, '2026-11-30', '2026-13-01T09:00:00+08:00', '2026-11-30T25:00:00+08:00', 'now', { $lt: '' }],
  enum: [null, 1, '', 'NOT_A_VALUE', ['walk_in'], { $in: ['walk_in'] }, true],
  /** an agreement term: a string or {text, obligor?, performBy?} */
  term: [null, 1, true, [], {}, '', { $gt: '' }, { text: '' }],
};

interface Endpoint {
  name: string;
  who: DemoUser;
  method: 'post' | 'put';
  path: (p: Ctx) => string;
  valid: (p: Ctx) => Record<string, unknown>;
  /** field path → kind (paths into the valid body, dot-separated) */
  fields: Record<string, Kind>;
  required: string[];
}

interface Ctx {
  caseId: string;
  userIds: Record<string, string>;
}

const EVENT_CASES: Array<{ type: string; data: (c: Ctx) => Record<string, unknown>; fields: Record<string, Kind>; required: string[] }> = [
  {
    type: 'ACCEPT',
    data: (c) => ({ consents: [{ partyId: 'p1', how: 'written' }, { partyId: 'p2', how: 'oral' }], rightsNotified: true, mediatorIds: [c.userIds['med.c1']] }),
    fields: { consents: 'array', 'consents.0': 'object', 'consents.0.partyId': 'id', 'consents.0.how': 'enum', rightsNotified: 'boolean', mediatorIds: 'array', 'mediatorIds.0': 'id' },
    required: [],
  },
  { type: 'DECLINE', data: () => ({ ground: 'not_civil', reason: '不属于民间纠纷' }), fields: { ground: 'enum', reason: 'text' }, required: ['ground', 'reason'] },
  { type: 'TRANSFER', data: () => ({ toTier: 'district', reason: '重大纠纷' }), fields: { toTier: 'enum', reason: 'text' }, required: ['toTier', 'reason'] },
  { type: 'FLAG_RISK', data: () => ({ level: 'high', reason: '扬言堵门', reportedTo: '派出所' }), fields: { level: 'enum', reason: 'text', reportedTo: 'text' }, required: ['level', 'reason'] },
  { type: 'COURT_SETTLEMENT', data: () => ({ result: 'withdrawal' }), fields: { result: 'enum' }, required: ['result'] },
  {
    type: 'ASSIGN',
    data: (c) => ({ mediatorIds: [c.userIds['med.c1']], overrides: [{ mediatorId: c.userIds['med.c1'], reason: '无利害关系' }] }),
    fields: { mediatorIds: 'array', 'mediatorIds.0': 'id', overrides: 'array', 'overrides.0': 'object', 'overrides.0.reason': 'text' },
    required: ['mediatorIds'],
  },
  {
    type: 'REQUEST_RECUSAL',
    data: (c) => ({ mediatorId: c.userIds['med.c1'], reason: '申请人要求回避', requestedBy: 'p1', decidedBy: '调委会主任' }),
    fields: { mediatorId: 'id', reason: 'text', requestedBy: 'id', decidedBy: 'text' },
    required: ['mediatorId', 'reason'],
  },
  // workflow 2026.3 (issue 12 §§3–5)
  {
    type: 'INVITE_PARTICIPANT',
    data: () => ({ kind: 'unit', unit: '街道房管办', name: '王科长', consentOf: ['p1', 'p2'] }),
    fields: { kind: 'enum', unit: 'text', name: 'text', consentOf: 'array', 'consentOf.0': 'id' },
    required: ['kind', 'unit', 'consentOf'],
  },
  { type: 'RECORD_INVESTIGATION', data: () => ({ whom: '物业工程部', what: '查看管道', findings: '立管渗漏' }), fields: { whom: 'text', what: 'text', findings: 'text' }, required: ['whom', 'what', 'findings'] },
  { type: 'RECORD_ASSEMBLY_DECISION', data: () => ({ date: '2026-11-20', summary: '表决通过' }), fields: { date: 'date', summary: 'text' }, required: ['date', 'summary'] },
  { type: 'INVITE_EXPERT', data: (c) => ({ expertId: c.userIds['expert.law'], consentOf: ['p1', 'p2'] }), fields: { expertId: 'id', consentOf: 'array', 'consentOf.0': 'id' }, required: ['expertId'] },
  { type: 'ADD_OPINION', data: () => ({ text: '建议' }), fields: { text: 'text' }, required: ['text'] },
  { type: 'SCHEDULE_SESSION', data: () => ({ at: '2026-11-30T09:30:00+08:00', place: '调解室' }), fields: { at: 'instant', place: 'text' }, required: ['at', 'place'] },
  {
    type: 'RECORD_SESSION',
    data: () => ({ summary: '记录', attendees: [{ partyId: 'p1', name: '张三' }], recorder: '记录员' }),
    fields: { summary: 'text', attendees: 'array', 'attendees.0': 'object', 'attendees.0.name': 'text', 'attendees.0.partyId': 'id', recorder: 'text' },
    required: ['summary'],
  },
  {
    type: 'EXTEND_DEADLINE',
    data: () => ({ days: 10, reason: '双方同意', kind: 'mediation', consentOf: ['p1', 'p2'] }),
    fields: { days: 'integer', reason: 'text', kind: 'enum', consentOf: 'array', 'consentOf.0': 'id' },
    required: ['days', 'reason'],
  },
  {
    type: 'REACH_AGREEMENT',
    data: () => ({ terms: ['修复', { text: '赔偿', obligor: '李四', performBy: '2026-12-05' }], performBy: '2026-12-10', decidesOwnership: false, amount: 2000 }),
    fields: { terms: 'array', 'terms.0': 'text', 'terms.1': 'term', 'terms.1.text': 'text', 'terms.1.performBy': 'date', performBy: 'date', decidesOwnership: 'boolean', amount: 'number' },
    required: ['terms', 'performBy'],
  },
  { type: 'SIGN_AGREEMENT', data: () => ({ signedBy: ['张三', '李四'] }), fields: { signedBy: 'array', 'signedBy.0': 'text' }, required: ['signedBy'] },
  { type: 'MEDIATION_FAILED', data: () => ({ reason: '分歧较大' }), fields: { reason: 'text' }, required: ['reason'] },
  { type: 'ESCALATE', data: () => ({ reason: '上报' }), fields: { reason: 'text' }, required: ['reason'] },
  { type: 'REFER_TO_COURT', data: () => ({ reason: '移送' }), fields: { reason: 'text' }, required: ['reason'] },
  {
    type: 'TERMINATE',
    data: () => ({ reason: '终止', undisputedFacts: '漏水属实', consentOf: ['p1', 'p2'] }),
    fields: { reason: 'text', undisputedFacts: 'text', consentOf: 'array', 'consentOf.0': 'id' },
    required: ['reason'],
  },
  { type: 'WITHDRAW', data: () => ({ reason: '撤回', byPartyId: 'p1' }), fields: { reason: 'text', byPartyId: 'id' }, required: ['reason'] },
  { type: 'COURT_ACCEPT', data: () => ({ courtCaseNo: '（2026）沪0105民初1号' }), fields: { courtCaseNo: 'text' }, required: ['courtCaseNo'] },
  { type: 'COURT_RETURN', data: () => ({ reason: '退回' }), fields: { reason: 'text' }, required: ['reason'] },
  { type: 'CONFIRMATION_RESULT', data: () => ({ confirmed: true, ruling: '裁定' }), fields: { confirmed: 'boolean', ruling: 'text' }, required: ['confirmed'] },
  {
    type: 'RECORD_FOLLOW_UP',
    data: () => ({ performance: 'full', satisfaction: 5, note: '', clauses: [{ clause: 1, performance: 'full' }] }),
    fields: { performance: 'enum', satisfaction: 'integer', note: 'string', clauses: 'array', 'clauses.0': 'object', 'clauses.0.clause': 'integer', 'clauses.0.performance': 'enum' },
    required: ['performance', 'satisfaction'],
  },
  { type: 'REOPEN', data: () => ({ reason: '复发' }), fields: { reason: 'text' }, required: ['reason'] },
];

const INTAKE_FIELDS: Record<string, Kind> = {
  channel: 'enum',
  compoundId: 'id',
  category: 'enum',
  summary: 'text',
  parties: 'array',
  'parties.0': 'object',
  'parties.0.role': 'enum',
  'parties.0.kind': 'enum',
  'parties.0.name': 'text',
  'parties.0.phone': 'string',
  'parties.0.idNumber': 'string',
  'parties.0.address': 'text',
  householdsInvolved: 'integer',
  claims: 'array',
  'claims.0': 'text',
};

const ENDPOINTS: Endpoint[] = [
  {
    name: 'POST /api/cases',
    who: 'med.c1',
    method: 'post',
    path: () => '/api/cases',
    valid: () => intakeBody(COMPOUND.c1),
    fields: INTAKE_FIELDS,
    required: ['channel', 'compoundId', 'category', 'summary', 'parties', 'parties.0.role', 'parties.0.kind', 'parties.0.name'],
  },
  {
    name: 'POST /api/court/delegations',
    who: 'court.liaison',
    method: 'post',
    path: () => '/api/court/delegations',
    // 委托 (entrusted): the procedure is required then (API.md 2026.3); dueAt is optional (the mode's limit)
    valid: () => ({
      ...intakeBody(COMPOUND.c2, { channel: undefined }),
      courtRef: '（2026）沪0105民初1号',
      dueAt: '2026-12-31',
      mode: 'entrusted',
      procedure: 'summary',
      causeOfAction: '物业服务合同纠纷',
      claimAmount: 3600,
    }),
    fields: {
      ...Object.fromEntries(Object.entries(INTAKE_FIELDS).filter(([k]) => k !== 'channel')),
      courtRef: 'text',
      dueAt: 'date',
      mode: 'enum',
      procedure: 'enum',
      causeOfAction: 'text',
      claimAmount: 'number',
    },
    required: ['compoundId', 'courtRef', 'summary', 'procedure'],
  },
  ...EVENT_CASES.map<Endpoint>((e) => ({
    name: `POST /api/cases/:id/events ${e.type}`,
    who: 'med.c1',
    method: 'post',
    path: (c) => `/api/cases/${c.caseId}/events`,
    valid: (c) => ({ type: e.type, data: e.data(c), expectedVersion: 1 }),
    fields: { type: 'enum', data: 'object', expectedVersion: 'integer', ...Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [`data.${k}`, v])) },
    required: ['type', ...e.required.map((r) => `data.${r}`)],
  })),
  {
    name: 'POST /api/cases/:id/documents',
    who: 'med.c1',
    method: 'post',
    path: (c) => `/api/cases/${c.caseId}/documents`,
    valid: () => ({ kind: 'intake_form' }),
    fields: { kind: 'enum' },
    required: ['kind'],
  },
  {
    name: 'POST /api/admin/users',
    who: 'admin',
    method: 'post',
    path: () => '/api/admin/users',
    valid: () => ({ username: 'new.user', name: '新用户', role: 'mediator', bodyId: 'b-c1-1', password: 'a-long-password-1' }),
    fields: { username: 'string', name: 'text', role: 'enum', bodyId: 'id', password: 'string' },
    required: ['username', 'name', 'role', 'password', 'bodyId'],
  },
  {
    name: 'PUT /api/admin/settings',
    who: 'admin',
    method: 'put',
    path: () => '/api/admin/settings',
    valid: () => ({
      deadlines: { fractions: { blue: 0.5, yellow: 0.75, orange: 0.9 }, followUpOffsets: [7, 30], limits: { mediation: { amount: 1, unit: 'months', source: '若干规定' } } },
      routing: { majorHouseholds: 10, majorCategories: ['property_handover'] },
      recurrenceDays: 365,
    }),
    fields: {
      deadlines: 'object',
      'deadlines.fractions': 'object',
      'deadlines.fractions.blue': 'number',
      'deadlines.followUpOffsets': 'array',
      'deadlines.followUpOffsets.0': 'integer',
      'deadlines.limits': 'object',
      'deadlines.limits.mediation': 'object',
      'deadlines.limits.mediation.amount': 'integer',
      'deadlines.limits.mediation.unit': 'enum',
      routing: 'object',
      'routing.majorHouseholds': 'integer',
      'routing.majorCategories': 'array',
      'routing.majorCategories.0': 'enum',
      recurrenceDays: 'integer',
    },
    required: ['deadlines.limits.mediation.amount', 'deadlines.fractions.blue'],
  },
  {
    name: 'POST /api/admin/calendar',
    who: 'admin',
    method: 'post',
    path: () => '/api/admin/calendar',
    valid: () => ({ year: 2029, holidays: ['2029-01-01'], workdays: ['2029-02-10'] }),
    fields: { year: 'integer', holidays: 'array', 'holidays.0': 'date', workdays: 'array', 'workdays.0': 'date' },
    required: ['year', 'holidays', 'workdays'],
  },
  {
    name: 'POST /api/admin/clock',
    who: 'admin',
    method: 'post',
    path: () => '/api/admin/clock',
    valid: () => ({ advanceMinutes: 60 }),
    fields: { advanceMinutes: 'integer' },
    required: ['advanceMinutes'],
  },
];

// ── mutation helpers ──────────────────────────────────────────────────────────────────────────
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));
function setPath(obj: any, path: string, value: unknown): any {
  const out = clone(obj);
  const keys = path.split('.');
  let at = out;
  for (const k of keys.slice(0, -1)) at = at[k];
  at[keys[keys.length - 1]] = value;
  return out;
}
function deletePath(obj: any, path: string): any {
  const out = clone(obj);
  const keys = path.split('.');
  let at = out;
  for (const k of keys.slice(0, -1)) at = at[k];
  if (Array.isArray(at)) at.splice(Number(keys[keys.length - 1]), 1);
  else delete at[keys[keys.length - 1]];
  return out;
}

interface Attempt {
  label: string;
  who: DemoUser;
  method: 'get' | 'post' | 'put';
  path: string;
  body?: unknown;
  raw?: string;
  /** the field the refusal must name (unknown keys and operators) */
  names?: string;
}

function bodiesFor(ep: Endpoint, ctx: Ctx): Attempt[] {
  const base = ep.valid(ctx);
  const out: Attempt[] = [];
  const at = (label: string, body: unknown, names?: string): Attempt => ({ label: `${ep.name}: ${label}`, who: ep.who, method: ep.method, path: ep.path(ctx), body, names });
  for (const [field, kind] of Object.entries(ep.fields)) {
    for (const value of BAD[kind]) {
      // an impossible value only where the kind can never take it (e.g. note may be '')
      if (field.endsWith('note') && value === '') continue;
      const isOperator = value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).some((k) => k.startsWith('$'));
      out.push(at(`${field} = ${JSON.stringify(value)?.slice(0, 40)}`, setPath(base, field, value), isOperator ? field : undefined));
    }
  }
  for (const field of ep.required) out.push(at(`without ${field}`, deletePath(base, field)));
  out.push(at('unknown top-level key', { ...base, isAdmin: true }, 'isAdmin'));
  out.push(at('operator as a top-level key', { ...base, $where: 'sleep(1000)' }, '$where'));
  const nested = Object.keys(ep.fields).find((f) => ep.fields[f] === 'object');
  if (nested) out.push(at(`unknown key inside ${nested}`, setPath(base, `${nested}.injected`, 1), `${nested}.injected`));
  for (const whole of [[], 'text', 42, null, [base]]) out.push(at(`body ${JSON.stringify(whole)?.slice(0, 20)}`, whole));
  out.push({ label: `${ep.name}: __proto__ key`, who: ep.who, method: ep.method, path: ep.path(ctx), raw: JSON.stringify(base).replace(/^\{/, '{"__proto__":{"role":"admin"},') });
  out.push({ label: `${ep.name}: constructor.prototype`, who: ep.who, method: ep.method, path: ep.path(ctx), raw: JSON.stringify(base).replace(/^\{/, '{"constructor":{"prototype":{"x":1}},') });
  out.push({ label: `${ep.name}: invalid JSON`, who: ep.who, method: ep.method, path: ep.path(ctx), raw: JSON.stringify(base).slice(0, -3) });
  let deep: unknown = 'x';
  for (let i = 0; i < 40; i++) deep = { a: deep };
  out.push(at('nested 40 deep', { ...base, deep }));
  out.push(at('body over the size limit', { ...base, summary: 'x'.repeat(150_000) }));
  return out;
}

function queriesFor(ctx: Ctx): Attempt[] {
  const q = (label: string, path: string, who: DemoUser = 'med.c1', names?: string): Attempt => ({ label, who, method: 'get', path, names });
  const list = [
    'status=open', 'status=', 'tier=province', 'category=murder', 'overdue=maybe', 'warning=purple', 'page=0', 'page=-1', 'page=abc',
    'page=1.5', 'limit=0', 'limit=1000', 'limit=1e3', `q=${'长'.repeat(101)}`, 'compoundId=../x', 'compoundId=a%20b', 'status=closed&status=declined',
    'page=99999999999', 'limit=-5', 'overdue=1.5',
  ].map((s) => q(`GET /api/cases?${s}`, `/api/cases?${s}`));
  const named = [
    q('GET /api/cases?status[$ne]=closed', '/api/cases?status[$ne]=closed', 'med.c1', 'status[$ne]'),
    q('GET /api/cases?$where=1', '/api/cases?$where=1', 'med.c1', '$where'),
    q('GET /api/cases?bodyIds=b-c1-2', '/api/cases?bodyIds=b-c1-2', 'med.c1', 'bodyIds'),
    q('GET /api/cases?courtId=b-court', '/api/cases?courtId=b-court', 'med.c1', 'courtId'),
    q('GET /api/cases?__proto__=x', '/api/cases?__proto__=x', 'med.c1', '__proto__'),
    q('GET /api/cases/:id?debug=1', `/api/cases/${ctx.caseId}?debug=1`, 'med.c1', 'debug'),
  ];
  const other = [
    q('GET /api/court/referrals?view=everything', '/api/court/referrals?view=everything', 'court.liaison'),
    q('GET /api/court/referrals?page=0', '/api/court/referrals?page=0', 'court.liaison'),
    q('GET /api/court/referrals?courtId=b-court', '/api/court/referrals?courtId=b-court', 'court.liaison', 'courtId'),
    q('GET /api/admin/audit?limit=100000', '/api/admin/audit?limit=100000', 'admin'),
    q('GET /api/admin/audit?limit=x', '/api/admin/audit?limit=x', 'admin'),
    q('GET /api/admin/workflows/migration-report?from=x', '/api/admin/workflows/migration-report?from=x', 'admin'),
    q('GET /api/admin/workflows/migration-report?to[$gt]=', '/api/admin/workflows/migration-report?to[$gt]=', 'admin'),
    q('GET /api/cases/:id with spaces', '/api/cases/a%20b', 'med.c1'),
    q('GET /api/cases/:id with a NUL', '/api/cases/a%00b', 'med.c1'),
    q('GET /api/cases/:id too long', `/api/cases/${'c'.repeat(300)}`, 'med.c1'),
    q('GET /api/cases/:id bad encoding', '/api/cases/%E0%A4%A', 'med.c1'),
    q('GET /api/cases/:id/history operator', '/api/cases/$where/history', 'med.c1'),
    q('GET /api/documents/:id dot-dot', '/api/documents/..%2F..%2Fetc', 'med.c1'),
    q('GET /api/track/:caseNo too long', `/api/track/${'号'.repeat(70)}`, 'med.c1'),
  ];
  return [...list, ...named, ...other];
}

describe('HTTP malformed input (generated): only 4xx, nothing written', () => {
  let p: Product;
  let ctx: Ctx;
  let snapshot: () => Promise<string>;
  let before_: string;
  const attempts: Attempt[] = [];

  before(async () => {
    p = await startProduct();
    const { case: c } = await p.intake('med.c1');
    ctx = { caseId: c.id, userIds: p.userIds };
    const { store, clock, settings } = p.running.services;
    snapshot = async () => {
      const events = await store.events.list(c.id);
      const cases = await store.cases.list({ page: 1, limit: 1000 });
      return JSON.stringify({
        count: await store.cases.count(),
        versions: cases.items.map((r) => `${r.id}@${r.version}`).sort(),
        events: events.length,
        documents: (await store.documents.list(c.id)).length,
        users: (await store.users.list()).length,
        settings,
        stored: await store.settings.get('runtime'),
        clock: clock.now().toISOString(),
      });
    };
    before_ = await snapshot();
    for (const ep of ENDPOINTS) attempts.push(...bodiesFor(ep, ctx));
    attempts.push(...queriesFor(ctx));
  });
  after(async () => {
    await p.close();
  });

  it('generates at least 300 malformed bodies and queries', () => {
    expect(attempts.length).to.be.at.least(300);
  });

  it('answers every one with a 4xx in the documented error shape, naming unknown and operator-shaped fields', async function () {
    this.timeout(120_000);
    const failures: string[] = [];
    const statusCounts: Record<string, number> = {};
    for (const a of attempts) {
      let req = (a.method === 'get' ? p.get : a.method === 'put' ? p.put : p.post)(a.path, a.who);
      let res;
      if (a.raw !== undefined) res = await req.set('Content-Type', 'application/json').send(a.raw);
      else if (a.method === 'get') res = await req;
      else {
        req = req.set('Content-Type', 'application/json');
        res = await req.send(JSON.stringify(a.body) ?? 'null');
      }
      const key = `${res.status} ${res.body?.error?.code}`;
      statusCounts[key] = (statusCounts[key] ?? 0) + 1;
      const ok = res.status >= 400 && res.status < 500 && typeof res.body?.error?.code === 'string' && !JSON.stringify(res.body).includes('    at ');
      if (!ok) failures.push(`${a.label} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      else if (a.names) {
        const fields = (res.body.error.details ?? []).map((d: any) => d.field);
        if (res.status !== 400 || res.body.error.code !== 'VALIDATION_FAILED' || !fields.includes(a.names)) {
          failures.push(`${a.label} → ${res.status} should be 400 VALIDATION_FAILED naming ${a.names}; got ${JSON.stringify(res.body).slice(0, 200)}`);
        }
      }
    }
    expect(failures, `${failures.join('\n')}\n(answers: ${JSON.stringify(statusCounts)})`).to.deep.equal([]);
  });

  it('wrote nothing: cases, events, documents, users, settings and the clock are as they were', async () => {
    expect(await snapshot()).to.equal(before_);
  });
});
