// The case endpoints over HTTP against the real product (startServer, embedded store, test clock):
// intake, lists, the case, history, events, documents, administration, concurrency, retries and
// restarts.
import { AccessCodes } from '../../server/auth/access-codes.ts';
import { expect } from 'chai';
import Database from 'better-sqlite3';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { COMPOUND, intakeBody, startProduct, type Product } from '../support/http.ts';
import { embeddedOnly } from '../support/mongo-target.ts';
import { acceptData, PARTICULARS } from '../support/workflow.ts';

describe('HTTP cases: intake, list, detail, history and events', () => {
  let p: Product;
  before(async () => {
    p = await startProduct();
  });
  after(async () => {
    await p.close();
  });

  describe('intake', () => {
    it('registers a case for a compound of the mediator’s own community, with a one-time access code stored only as a hash', async () => {
      const res = await p.post('/api/cases', 'med.c1').send(intakeBody()).expect(201);
      const { case: c, accessCode } = res.body;
      expect(accessCode).to.be.a('string').with.length.of.at.least(6);
      expect(c).to.include({ status: 'registered', tier: 'community', category: 'leakage', version: 1 });
      expect(c.caseNo).to.match(/^（2026）示范华阳物调字第[1-9]\d*号$/);
      expect(c.statusLabel).to.deep.equal({ zh: '已登记，待受理', en: 'Registered, awaiting acceptance' });
      expect(c.compound).to.deep.equal({ id: COMPOUND.c1, name: '华阳花园' });
      expect(c.parties[0]).to.include({ name: '张三', phone: '13812345678', idNumber: '310101199001011234' });
      expect(c.deadlines).to.have.length(1);
      expect(c.deadlines[0]).to.include({ kind: 'acceptance', warning: 'none', provisional: false });
      expect(c.relatedCases).to.deep.equal([]);
      const stored = await p.running.services.store.cases.get(c.id);
      // an HMAC under the configured APP_SECRET's key (server/auth/access-codes.ts), not under another secret
      expect(stored!.accessCodeHash).to.match(/^hmac\$/);
      expect(await new AccessCodes(p.running.services.config.appSecret).check(stored!, accessCode)).to.equal(true);
      expect(await new AccessCodes('some-other-secret-than-the-servers').check(stored!, accessCode)).to.equal(false);
      expect(JSON.stringify(stored)).not.to.include(accessCode);
    });

    it('lets a sub-district centre register for any community below it, and an administrator anywhere', async () => {
      await p.post('/api/cases', 'med.s1').send(intakeBody(COMPOUND.c2)).expect(201);
      await p.post('/api/cases', 'admin').send(intakeBody(COMPOUND.s2)).expect(201);
    });

    it('refuses a compound outside the mediator’s area with 422 OUT_OF_JURISDICTION', async () => {
      const res = await p.post('/api/cases', 'med.c1').send(intakeBody(COMPOUND.c2)).expect(422);
      expect(res.body.error.code).to.equal('OUT_OF_JURISDICTION');
      const s1 = await p.post('/api/cases', 'med.s1').send(intakeBody(COMPOUND.s2)).expect(422);
      expect(s1.body.error.code).to.equal('OUT_OF_JURISDICTION');
    });

    it('refuses an unknown compound with 400 naming compoundId', async () => {
      const res = await p.post('/api/cases', 'med.c1').send(intakeBody('ou-nowhere')).expect(400);
      expect(res.body.error.details.map((d: any) => d.field)).to.include('compoundId');
    });

    it('sends court delegations to their own endpoint', async () => {
      const res = await p.post('/api/cases', 'med.d').send(intakeBody(COMPOUND.c1, { channel: 'court_delegation' })).expect(400);
      expect(res.body.error.details[0].field).to.equal('channel');
      expect(res.body.error.message).to.include('/api/court/delegations');
    });

    it('refuses intake to court liaisons and experts with 403', async () => {
      await p.post('/api/cases', 'court.liaison').send(intakeBody()).expect(403);
      await p.post('/api/cases', 'expert.law').send(intakeBody()).expect(403);
      await p.post('/api/cases', null).send(intakeBody()).expect(401);
    });

    it('routes a major dispute (10+ households) straight to the district committee', async () => {
      const res = await p.post('/api/cases', 'med.c1').send(intakeBody(COMPOUND.c1, { householdsInvolved: 40, category: 'service_quality' })).expect(201);
      expect(res.body.case).to.include({ tier: 'district' });
      expect(res.body.case.flags.major).to.equal(true);
      // registered by the community room, held by the district committee: not the room's to read
      await p.get(`/api/cases/${res.body.case.id}`, 'med.c1').expect(404);
      await p.get(`/api/cases/${res.body.case.id}`, 'med.d').expect(200);
    });
  });

  describe('reading', () => {
    let caseId: string;
    before(async () => {
      caseId = (await p.intake('med.c1', { summary: '停车位被占用，物业不处理', category: 'parking', parties: [{ role: 'applicant', kind: 'person', name: '王五', phone: '13700001111', address: '示范区长宁路88弄3号1202室' }, { role: 'respondent', kind: 'organisation', name: '安居物业公司' }] })).case.id;
    });

    it('shows the case with personal data to staff with jurisdiction (own body and bodies above)', async () => {
      for (const who of ['med.c1', 'med.s1', 'med.d', 'admin'] as const) {
        const res = await p.get(`/api/cases/${caseId}`, who).expect(200);
        expect(res.body.parties[0]).to.include({ phone: '13700001111', address: '示范区长宁路88弄3号1202室' });
      }
    });

    it('answers 404 outside the jurisdiction, exactly as for a case that does not exist', async () => {
      const outside = await p.get(`/api/cases/${caseId}`, 'med.c2').expect(404);
      const missing = await p.get('/api/cases/c-does-not-exist', 'med.c2').expect(404);
      expect(outside.body).to.deep.equal(missing.body);
      await p.get(`/api/cases/${caseId}/history`, 'med.c2').expect(404);
      await p.get(`/api/cases/${caseId}`, 'court.liaison').expect(404);
      await p.get(`/api/cases/${caseId}`, 'expert.law').expect(404);
    });

    it('shows an invited expert the case with phone and address masked', async () => {
      await p.event('med.c1', caseId, 'ACCEPT', acceptData());
      await p.event('med.c1', caseId, 'INVITE_EXPERT', { expertId: p.userIds['expert.law'] });
      const res = await p.get(`/api/cases/${caseId}`, 'expert.law').expect(200);
      expect(res.body.parties[0]).to.include({ phone: '137****1111', address: '示范区长宁路****' });
      expect(res.body.availableEvents).to.deep.equal(['ADD_OPINION']);
      const history = await p.get(`/api/cases/${caseId}/history`, 'expert.law').expect(200);
      expect(JSON.stringify(history.body)).not.to.include('13700001111');
      expect(JSON.stringify(history.body)).not.to.include('1202室');
      expect(history.body[0].data.parties[0].phone).to.equal('137****1111');
      const list = await p.get('/api/cases', 'expert.law').expect(200);
      expect(list.body.items.map((i: any) => i.id)).to.deep.equal([caseId]);
      expect(list.body.items[0].parties[0].phone).to.equal('137****1111');
    });

    it('lists the events each reader may send now', async () => {
      expect((await p.get(`/api/cases/${caseId}`, 'med.c1')).body.availableEvents).to.include.members(['ASSIGN', 'RECORD_SESSION', 'REACH_AGREEMENT', 'ESCALATE']);
      expect((await p.get(`/api/cases/${caseId}`, 'med.s1')).body.availableEvents).to.deep.equal([]);
    });

    it('keeps history in order with actor, time, data; the client address for administrators', async () => {
      const res = await p.get(`/api/cases/${caseId}/history`, 'admin').expect(200);
      expect(res.body.map((e: any) => e.seq)).to.deep.equal([1, 2, 3]);
      expect(res.body.map((e: any) => e.type)).to.deep.equal(['REGISTER', 'ACCEPT', 'INVITE_EXPERT']);
      expect(res.body[1].actor).to.include({ username: 'med.c1', role: 'mediator' });
      expect(res.body[1].at).to.match(/\+08:00$/);
      expect(res.body[1].clientIp).to.be.a('string').with.length.greaterThan(0);
      const mediator = await p.get(`/api/cases/${caseId}/history`, 'med.c1').expect(200);
      expect(mediator.body[1]).not.to.have.property('clientIp');
    });

    it('filters the list by status, tier, category, compound and Chinese text, with paging', async () => {
      const parking = await p.get('/api/cases?category=parking', 'med.c1').expect(200);
      expect(parking.body.items.map((i: any) => i.id)).to.include(caseId);
      expect(parking.body.items.every((i: any) => i.category === 'parking')).to.equal(true);
      const q = await p.get(`/api/cases?q=${encodeURIComponent('停车位')}`, 'med.c1').expect(200);
      expect(q.body.items.map((i: any) => i.id)).to.deep.equal([caseId]);
      const byName = await p.get(`/api/cases?q=${encodeURIComponent('王五')}`, 'med.c1').expect(200);
      expect(byName.body.total).to.equal(1);
      const company = await p.get(`/api/cases?q=${encodeURIComponent('安居物业')}&status=in_mediation&tier=community&compoundId=${COMPOUND.c1}`, 'med.c1').expect(200);
      expect(company.body.total).to.equal(1);
      const none = await p.get(`/api/cases?q=${encodeURIComponent('停车位')}&status=closed`, 'med.c1').expect(200);
      expect(none.body).to.deep.include({ items: [], total: 0 });
      const all = await p.get('/api/cases', 'admin').expect(200);
      const paged = await p.get('/api/cases?limit=1&page=2', 'admin').expect(200);
      expect(paged.body.items).to.have.length(1);
      expect(paged.body.total).to.equal(all.body.total);
      expect(paged.body.items[0].id).to.equal(all.body.items[1].id);
    });

    it('never lists cases outside the caller’s jurisdiction', async () => {
      const c2 = await p.get('/api/cases?limit=100', 'med.c2').expect(200);
      expect(c2.body.items.map((i: any) => i.id)).not.to.include(caseId);
      expect(c2.body.items.every((i: any) => i.body.id === 'b-c1-2')).to.equal(true);
      const court = await p.get('/api/cases?limit=100', 'court.liaison').expect(200);
      expect(court.body.items.map((i: any) => i.id)).not.to.include(caseId);
    });
  });

  describe('events', () => {
    it('takes a case from intake to close (resolved) over HTTP', async () => {
      const { case: c } = await p.intake('med.c1');
      await p.event('med.c1', c.id, 'ACCEPT', acceptData(), { expectedVersion: 1 });
      await p.event('med.c1', c.id, 'ASSIGN', { mediatorIds: [p.userIds['med.c1']] }, { expectedVersion: 2 });
      await p.event('med.c1', c.id, 'SCHEDULE_SESSION', { at: '2026-11-25T14:00:00+08:00', place: '华阳居委调解室' });
      await p.event('med.c1', c.id, 'RECORD_SESSION', { summary: '双方同意由李四修复' });
      const drafted = await p.event('med.c1', c.id, 'REACH_AGREEMENT', { terms: ['李四修复漏水', { text: '李四赔偿2000元', obligor: '李四', performBy: '2026-12-05' }], performBy: '2026-12-10', ...PARTICULARS });
      expect(drafted.case).to.include({ status: 'agreement_pending' });
      expect(drafted.case.agreement.clauses.map((x: any) => x.no)).to.deep.equal([1, 2]);
      const signed = await p.event('med.c1', c.id, 'SIGN_AGREEMENT', { signedBy: ['张三', '李四'] });
      expect(signed.case).to.include({ status: 'performing' });
      expect(signed.case.deadlines.map((d: any) => d.kind)).to.include.members(['confirmation', 'follow_up']);
      await p.event('med.c1', c.id, 'RECORD_FOLLOW_UP', { performance: 'full', satisfaction: 5, note: '已修复' });
      const closed = await p.event('med.c1', c.id, 'CLOSE');
      expect(closed.case).to.include({ status: 'closed', outcome: 'resolved', version: 9 });
      expect(closed.case.assignees).to.deep.equal([{ id: p.userIds['med.c1'], name: '王丽华' }]);
      const history = await p.get(`/api/cases/${c.id}/history`, 'med.c1').expect(200);
      expect(history.body.map((e: any) => e.type)).to.deep.equal(['REGISTER', 'ACCEPT', 'ASSIGN', 'SCHEDULE_SESSION', 'RECORD_SESSION', 'REACH_AGREEMENT', 'SIGN_AGREEMENT', 'RECORD_FOLLOW_UP', 'CLOSE']);
    });

    it('answers 409 VERSION_CONFLICT for a stale expectedVersion and writes nothing', async () => {
      const { case: c } = await p.intake('med.c1');
      const res = await p.post(`/api/cases/${c.id}/events`, 'med.c1').send({ type: 'ACCEPT', expectedVersion: 7 }).expect(409);
      expect(res.body.error).to.include({ code: 'VERSION_CONFLICT' });
      expect(res.body.error.details).to.deep.equal({ expectedVersion: 7, currentVersion: 1 });
      expect((await p.get(`/api/cases/${c.id}`, 'med.c1')).body.version).to.equal(1);
    });

    it('answers 422 EVENT_NOT_ALLOWED, with the workflow’s details, for an event not valid in this state', async () => {
      const { case: c } = await p.intake('med.c1');
      const res = await p.post(`/api/cases/${c.id}/events`, 'med.c1').send({ type: 'CLOSE' }).expect(422);
      expect(res.body.error.code).to.equal('EVENT_NOT_ALLOWED');
      expect(res.body.error.details).to.include({ status: 'registered', reason: 'state' });
    });

    it('answers 422 for a readable case that is not the caller’s to act on, 404 for one they cannot read', async () => {
      const { case: c } = await p.intake('med.c1');
      const s1 = await p.post(`/api/cases/${c.id}/events`, 'med.s1').send({ type: 'ACCEPT' }).expect(422);
      expect(s1.body.error.details).to.include({ reason: 'refused' });
      await p.post(`/api/cases/${c.id}/events`, 'admin').send({ type: 'ACCEPT' }).expect(422);
      await p.post(`/api/cases/${c.id}/events`, 'med.c2').send({ type: 'ACCEPT' }).expect(404);
      await p.post(`/api/cases/${c.id}/events`, 'court.liaison').send({ type: 'ACCEPT' }).expect(404);
      await p.post(`/api/cases/${c.id}/events`, 'expert.law').send({ type: 'ADD_OPINION', data: { text: '意见' } }).expect(404);
    });

    it('answers 400 naming the field when data is invalid for the type', async () => {
      const { case: c } = await p.intake('med.c1');
      await p.event('med.c1', c.id, 'ACCEPT', acceptData());
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ type: 'DECLINE', data: {} }, 'data.reason'],
        [{ type: 'ASSIGN', data: { mediatorIds: [] } }, 'data.mediatorIds'],
        [{ type: 'SCHEDULE_SESSION', data: { at: '2026-13-01T09:00:00+08:00', place: '调解室' } }, 'data.at'],
        [{ type: 'REACH_AGREEMENT', data: { terms: ['x'], performBy: '2026-02-30' } }, 'data.performBy'],
        [{ type: 'RECORD_FOLLOW_UP', data: { performance: 'most', satisfaction: 9 } }, 'data.performance'],
        [{ type: 'EXTEND_DEADLINE', data: { days: 1.5, reason: '同意' } }, 'data.days'],
        [{ type: 'ACCEPT', data: { extra: 1 } }, 'data.extra'],
        [{ type: 'REGISTER', data: {} }, 'type'],
        [{ type: 'DEADLINE_EXPIRED', data: { kind: 'mediation' } }, 'type'],
        [{ type: 'ACCEPT', expectedVersion: '2' }, 'expectedVersion'],
        [{ type: 'ACCEPT', actor: 'admin' }, 'actor'],
      ];
      for (const [body, field] of cases) {
        const res = await p.post(`/api/cases/${c.id}/events`, 'med.c1').send(body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(res.body.error.code).to.equal('VALIDATION_FAILED');
        expect(res.body.error.details.map((d: any) => d.field), JSON.stringify(body)).to.include(field);
      }
      expect((await p.get(`/api/cases/${c.id}`, 'med.c1')).body.version).to.equal(2);
    });

    it('signs an agreement recorded after its performance date, with the follow-up visit due at once (not a 5xx)', async () => {
      const { case: c } = await p.intake('med.c1');
      await p.event('med.c1', c.id, 'ACCEPT', acceptData());
      await p.event('med.c1', c.id, 'REACH_AGREEMENT', { terms: ['修复'], performBy: '2026-11-24', ...PARTICULARS });
      await p.post('/api/admin/clock').send({ advanceMinutes: 60 * 24 * 60 }).expect(200);
      const signed = await p.event('med.c1', c.id, 'SIGN_AGREEMENT', { signedBy: ['张三', '李四'] });
      expect(signed.case.status).to.equal('performing');
      await p.post('/api/admin/clock').send({ advanceMinutes: 1 }).expect(200);
      const after = (await p.get(`/api/cases/${c.id}`, 'med.c1')).body;
      expect(after.deadlines.find((d: any) => d.kind === 'follow_up').warning).to.equal('red');
    });

    it('extends the running mediation deadline with the parties’ consent; refuses a kind that is not running', async () => {
      const { case: c } = await p.intake('med.c1');
      const accepted = await p.event('med.c1', c.id, 'ACCEPT', acceptData());
      const due = accepted.case.deadlines.find((d: any) => d.kind === 'mediation').dueAt;
      const extended = await p.event('med.c1', c.id, 'EXTEND_DEADLINE', { days: 15, reason: '双方同意延长', consentOf: ['p1', 'p2'] });
      const after = extended.case.deadlines.find((d: any) => d.kind === 'mediation').dueAt;
      expect(Date.parse(after)).to.be.greaterThan(Date.parse(due) + 14 * 86_400_000);
      expect(extended.case.extensions).to.have.length(1);
      const res = await p.post(`/api/cases/${c.id}/events`, 'med.c1').send({ type: 'EXTEND_DEADLINE', data: { days: 5, reason: '同意', kind: 'delegation' } }).expect(422);
      expect(res.body.error.details).to.include({ kind: 'delegation' });
    });

    it('escalates to the sub-district centre, which then holds the case', async () => {
      const { case: c } = await p.intake('med.c1');
      await p.event('med.c1', c.id, 'ACCEPT', acceptData());
      const up = await p.event('med.c1', c.id, 'ESCALATE', { reason: '社区层面调解不成' });
      expect(up.case).to.include({ status: 'registered', tier: 'subdistrict' });
      expect(up.case.availableEvents).to.deep.equal([]);
      // issue 14: the escalating body keeps a read-only view (masked, no events available)
      const kept = (await p.get(`/api/cases/${c.id}`, 'med.c1').expect(200)).body;
      expect(kept.availableEvents).to.deep.equal([]);
      const accepted = await p.event('med.s1', c.id, 'ACCEPT', acceptData());
      expect(accepted.case).to.include({ status: 'in_mediation', tier: 'subdistrict' });
    });

    it('lets exactly one of 20 concurrent writers with the same expectedVersion win; the rest get 409', async () => {
      const { case: c } = await p.intake('med.c1');
      await p.event('med.c1', c.id, 'ACCEPT', acceptData());
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          p.post(`/api/cases/${c.id}/events`, 'med.c1').send({ type: 'RECORD_SESSION', data: { summary: `第${i}次记录` }, expectedVersion: 2 }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200)).to.have.length(1);
      expect(statuses.filter((s) => s === 409)).to.have.length(19);
      const history = await p.get(`/api/cases/${c.id}/history`, 'med.c1');
      expect(history.body.filter((e: any) => e.type === 'RECORD_SESSION')).to.have.length(1);
    });

    it('without expectedVersion, 20 concurrent writers all land, each as its own event', async () => {
      const { case: c } = await p.intake('med.c1');
      await p.event('med.c1', c.id, 'ACCEPT', acceptData());
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => p.post(`/api/cases/${c.id}/events`, 'med.c1').send({ type: 'RECORD_SESSION', data: { summary: `记录${i}` } })),
      );
      expect(results.map((r) => r.status)).to.deep.equal(Array(20).fill(200));
      expect((await p.get(`/api/cases/${c.id}`, 'med.c1')).body.version).to.equal(22);
    });

    it('records one event for retries with one Idempotency-Key, sequential or concurrent', async () => {
      const { case: c } = await p.intake('med.c1');
      await p.event('med.c1', c.id, 'ACCEPT', acceptData());
      const send = (key: string, summary = '同一次调解') =>
        p.post(`/api/cases/${c.id}/events`, 'med.c1').set('Idempotency-Key', key).send({ type: 'RECORD_SESSION', data: { summary } });
      const first = await send('retry-1').expect(200);
      const again = await send('retry-1').expect(200);
      expect(again.headers['idempotent-replayed']).to.equal('true');
      expect(again.body).to.deep.equal(first.body);
      const burst = await Promise.all(Array.from({ length: 5 }, () => send('retry-2', '另一次')));
      expect(burst.map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200]);
      const mismatch = await send('retry-1', '不同内容').expect(409);
      expect(mismatch.body.error.code).to.equal('IDEMPOTENCY_MISMATCH');
      const history = await p.get(`/api/cases/${c.id}/history`, 'med.c1');
      expect(history.body.map((e: any) => e.type)).to.deep.equal(['REGISTER', 'ACCEPT', 'RECORD_SESSION', 'RECORD_SESSION']);
    });

    it('records one case for an intake retried with one Idempotency-Key', async () => {
      const before = await p.running.services.store.cases.count();
      const a = await p.post('/api/cases', 'med.c1').set('Idempotency-Key', 'intake-1').send(intakeBody()).expect(201);
      const b = await p.post('/api/cases', 'med.c1').set('Idempotency-Key', 'intake-1').send(intakeBody()).expect(201);
      expect(b.body.case.id).to.equal(a.body.case.id);
      expect(await p.running.services.store.cases.count()).to.equal(before + 1);
    });
  });

  describe('documents', () => {
    let caseId: string;
    before(async () => {
      caseId = (await p.intake('med.c1')).case.id;
    });

    it('issues a document and serves its HTML exactly as issued, with its hash', async () => {
      const issued = await p.post(`/api/cases/${caseId}/documents`, 'med.c1').send({ kind: 'intake_form' }).expect(201);
      expect(issued.body.document).to.include({ kind: 'intake_form', version: 1, draft: false });
      const html = await p.get(issued.body.document.url, 'med.c1').expect(200);
      expect(html.headers['content-type']).to.match(/^text\/html/);
      expect(createHash('sha256').update(html.text, 'utf8').digest('hex')).to.equal(issued.body.document.sha256);
      expect(html.headers['x-document-sha256']).to.equal(issued.body.document.sha256);
      const stored = await p.running.services.store.documents.get(issued.body.document.id);
      expect(html.text).to.equal(stored!.html);
      const list = await p.get(`/api/cases/${caseId}/documents`, 'med.s1').expect(200);
      expect(list.body.map((d: any) => d.id)).to.deep.equal([issued.body.document.id]);
      expect(list.body[0]).not.to.have.property('html');
    });

    it('refuses a kind that does not apply yet with 422, and an unknown kind with 400', async () => {
      const res = await p.post(`/api/cases/${caseId}/documents`, 'med.c1').send({ kind: 'agreement' }).expect(422);
      expect(res.body.error.code).to.equal('EVENT_NOT_ALLOWED');
      await p.post(`/api/cases/${caseId}/documents`, 'med.c1').send({ kind: 'love_letter' }).expect(400);
    });

    it('issues a draft agreement marked draft', async () => {
      const { case: c } = await p.intake('med.c1');
      await p.event('med.c1', c.id, 'ACCEPT', acceptData());
      await p.event('med.c1', c.id, 'REACH_AGREEMENT', { terms: ['<b>修复</b>漏水'], performBy: '2027-12-31' });
      const res = await p.post(`/api/cases/${c.id}/documents`, 'med.c1').send({ kind: 'agreement' }).expect(201);
      expect(res.body.document.draft).to.equal(true);
      const html = await p.get(res.body.document.url, 'med.c1').expect(200);
      expect(html.text).to.include('&lt;b&gt;修复&lt;/b&gt;');
    });

    it('hides documents of unreadable cases (404) and document HTML from experts (403)', async () => {
      const list = await p.get(`/api/cases/${caseId}/documents`, 'med.c1');
      const docUrl = list.body[0].url;
      await p.get(docUrl, 'med.c2').expect(404);
      await p.get(`/api/cases/${caseId}/documents`, 'med.c2').expect(404);
      await p.post(`/api/cases/${caseId}/documents`, 'med.c2').send({ kind: 'intake_form' }).expect(404);
      await p.get(docUrl, 'expert.law').expect(403);
      await p.post(`/api/cases/${caseId}/documents`, 'expert.law').send({ kind: 'intake_form' }).expect(403);
      await p.get('/api/documents/no-such-document', 'med.c1').expect(404);
    });
  });

  describe('administration', () => {
    it('moves the test clock, fires due timers, and shows the deadlines turning red', async () => {
      const { case: c } = await p.intake('med.c1');
      await p.post('/api/admin/clock', 'med.c1').send({ advanceMinutes: 60 }).expect(403);
      const res = await p.post('/api/admin/clock').send({ advanceMinutes: 10 * 24 * 60 }).expect(200);
      expect(res.body.now).to.match(/\+08:00$/);
      expect(res.body.fired).to.be.at.least(1);
      const view = await p.get(`/api/cases/${c.id}`, 'med.c1').expect(200);
      expect(view.body).to.include({ status: 'registered', overdue: true, warning: 'red' });
      const history = await p.get(`/api/cases/${c.id}/history`, 'med.c1');
      expect(history.body.map((e: any) => e.type)).to.include('DEADLINE_EXPIRED');
      const overdue = await p.get('/api/cases?overdue=true&limit=100', 'med.c1').expect(200);
      expect(overdue.body.items.map((i: any) => i.id)).to.include(c.id);
      const red = await p.get('/api/cases?warning=red&limit=100', 'med.c1').expect(200);
      expect(red.body.items.every((i: any) => i.warning === 'red')).to.equal(true);
    });

    it('checks every chain and names the first broken link (API and npm run verify)', async function () {
      embeddedOnly(this);
      const ok = await p.get('/api/admin/verify').expect(200);
      expect(ok.body).to.include({ ok: true });
      expect(ok.body.cases).to.be.greaterThan(5);
      await p.get('/api/admin/verify', 'med.d').expect(403);

      const { case: c } = await p.intake('med.c1');
      await p.event('med.c1', c.id, 'ACCEPT', acceptData());
      await p.event('med.c1', c.id, 'RECORD_SESSION', { summary: '原始记录' });
      const db = new Database(path.join(p.dir, 'mediation.db'));
      db.prepare("UPDATE events SET doc = json_set(doc, '$.data.summary', '篡改的记录') WHERE case_id = ? AND seq = 3").run(c.id);
      db.close();
      const broken = await p.get('/api/admin/verify').expect(200);
      expect(broken.body.ok).to.equal(false);
      expect(broken.body.broken).to.deep.equal([{ caseId: c.id, caseNo: c.caseNo, seq: 3, problem: 'hash does not match the event content' }]);

      const script = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/verify.ts'], {
        cwd: path.resolve(import.meta.dirname, '../..'),
        env: { ...process.env, DATA_DIR: p.dir, LOG_LEVEL: 'silent', NODE_ENV: 'test' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(script.status, script.stderr).to.equal(1);
      expect(script.stdout).to.include(c.caseNo);
      expect(script.stdout).to.include('seq 3');
    });

    it('reports which running cases could move to another workflow version (dry run)', async () => {
      const res = await p.get('/api/admin/workflows/migration-report?from=2026.3&to=2026.2').expect(200);
      expect(res.body).to.include({ from: '2026.3', to: '2026.2' });
      expect(res.body.movable.length + res.body.blocked.length).to.be.greaterThan(0);
      await p.get('/api/admin/workflows/migration-report?from=1999.1').expect(400);
    });

    it('creates a user who can then sign in; refuses a taken username and a mediator without a body', async () => {
      const res = await p.post('/api/admin/users').send({ username: 'med.c1b', name: '周强', role: 'mediator', bodyId: 'b-c1-1', password: 'a-long-password-1' }).expect(201);
      expect(res.body.user).to.include({ username: 'med.c1b', role: 'mediator', bodyId: 'b-c1-1', tier: 'community' });
      expect(res.body.user).not.to.have.property('passwordHash');
      const token = await p.login('med.c1b', 'a-long-password-1');
      expect(token).to.be.a('string');
      const { case: c } = await p.intake('med.c1');
      await p.event('med.c1', c.id, 'ACCEPT', acceptData());
      // the directory knows the new mediator at once: they can be assigned
      await p.event('med.c1', c.id, 'ASSIGN', { mediatorIds: [res.body.user.id] });
      const dup = await p.post('/api/admin/users').send({ username: 'med.c1b', name: '另一人', role: 'expert', password: 'a-long-password-2' }).expect(409);
      expect(dup.body.error.code).to.equal('DUPLICATE');
      const noBody = await p.post('/api/admin/users').send({ username: 'med.x', name: '无机构', role: 'mediator', password: 'a-long-password-3' }).expect(400);
      expect(noBody.body.error.details[0].field).to.equal('bodyId');
      const users = await p.get('/api/admin/users').expect(200);
      expect(users.body.map((u: any) => u.username)).to.include('med.c1b');
      expect(JSON.stringify(users.body)).not.to.include('scrypt$');
      await p.get('/api/admin/users', 'med.c1').expect(403);
    });

    it('validates, saves and applies settings; refuses out-of-order warning fractions', async () => {
      const current = await p.get('/api/admin/settings').expect(200);
      expect(current.body.routing.majorHouseholds).to.equal(10);
      const bad = await p.put('/api/admin/settings').send({ deadlines: { fractions: { blue: 0.9, yellow: 0.5, orange: 0.95 } } }).expect(400);
      expect(bad.body.error.details[0].field).to.equal('deadlines.fractions');
      await p.put('/api/admin/settings', 'med.d').send({ recurrenceDays: 30 }).expect(403);
      const changed = await p.put('/api/admin/settings').send({ routing: { majorHouseholds: 3 }, recurrenceDays: 180 }).expect(200);
      expect(changed.body.routing).to.include({ majorHouseholds: 3, majorAmount: 100_000 });
      const saved = await p.running.services.store.settings.get<any>('runtime');
      expect(saved.routing.majorHouseholds).to.equal(3);
      const major = await p.post('/api/cases', 'med.c1').send(intakeBody(COMPOUND.c1, { householdsInvolved: 4 })).expect(201);
      expect(major.body.case.tier).to.equal('district');
      await p.put('/api/admin/settings').send({ routing: { majorHouseholds: 10 } }).expect(200);
      const ordinary = await p.post('/api/cases', 'med.c1').send(intakeBody(COMPOUND.c1, { householdsInvolved: 4 })).expect(201);
      expect(ordinary.body.case.tier).to.equal('community');
    });

    it('adds a year to the holiday calendar', async () => {
      const res = await p.post('/api/admin/calendar').send({ year: 2027, holidays: ['2027-01-01', '2027-02-06', '2027-02-07'], workdays: ['2027-02-13'] }).expect(200);
      expect(res.body.coveredYears).to.include(2027);
      const wrongYear = await p.post('/api/admin/calendar').send({ year: 2027, holidays: ['2028-01-01'], workdays: [] }).expect(400);
      expect(wrongYear.body.error.details[0].field).to.equal('holidays.0');
    });

    it('keeps an audit log of administrative changes with actor, time and client address', async () => {
      const res = await p.get('/api/admin/audit?limit=500').expect(200);
      const actions = res.body.items.map((e: any) => e.action);
      expect(actions).to.include.members(['user.created', 'settings.changed', 'calendar.year', 'clock.advanced', 'document.issued', 'login.succeeded']);
      const created = res.body.items.find((e: any) => e.action === 'user.created');
      expect(created.actor).to.equal(p.userIds.admin);
      expect(created.ip).to.be.a('string');
      expect(created.at).to.be.a('string');
    });
  });
});

describe('HTTP: the product without a test clock, and across restarts', () => {
  it('has no clock endpoint without TEST_CLOCK=1', async () => {
    const p = await startProduct({ env: { TEST_CLOCK: '0' } });
    try {
      await p.post('/api/admin/clock').send({ advanceMinutes: 60 }).expect(404);
      const api = await p.get('/api/openapi.json').expect(200);
      expect(Object.keys(api.body.paths)).not.to.include('/api/admin/clock');
    } finally {
      await p.close();
    }
  });

  it('keeps sessions and cases across a restart on the same data folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wuye-restart-'));
    try {
      const first = await startProduct({ dir });
      const token = first.tokens['med.c1'];
      const { case: c } = await first.intake('med.c1');
      await first.close();
      const second = await startProduct({ dir, signIn: false });
      try {
        second.tokens['med.c1'] = token;
        const me = await second.get('/api/me', 'med.c1').expect(200);
        expect(me.body.user.username).to.equal('med.c1');
        const again = await second.get(`/api/cases/${c.id}`, 'med.c1').expect(200);
        expect(again.body.caseNo).to.equal(c.caseNo);
        await second.event('med.c1', c.id, 'ACCEPT', acceptData());
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
