// Issue 15 §3: personal data that leaked, each leak reproduced. On the code before the fix (run
// against main on 2026-12-06) every test here failed: the expert's workbench showed the summary's
// phone number, the session place reached residents and experts as typed, an expert's `q` found a
// case by masked digits, resident sockets received INVITE_EXPERT live and on resume, a signed-out
// socket stayed connected, the history named a related case the expert may not read, and the
// idempotency table held the access code in plain text.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { startProduct, type Product } from '../support/http.ts';
import { acceptData } from '../support/workflow.ts';

const PHONE = '13812345678';
const SUMMARY = `楼上卫生间漏水，渗至楼下天花板，联系电话${PHONE}`;
const PLACE = '申请人家中（示范路1号3单元1202室）';

describe('security: personal data on every surface (issue 15 §3)', function () {
  this.timeout(60_000);
  let p: Product;
  let base: string;
  const sockets: ClientSocket[] = [];

  before(async () => {
    p = await startProduct();
    await new Promise<void>((resolve) => p.running.server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(p.running.server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  after(async () => {
    p.running.server.close();
    await p.close();
  });

  const connect = (auth: Record<string, unknown>) =>
    new Promise<ClientSocket>((resolve, reject) => {
      const s = connectClient(base, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(s);
      s.once('connect', () => resolve(s));
      s.once('connect_error', reject);
    });

  /** a case of med.c1 with the phone in its summary, accepted, the expert invited, a session set at a home */
  async function expertCase() {
    const { case: c, accessCode } = await p.intake('med.c1', { summary: SUMMARY });
    await p.event('med.c1', c.id, 'ACCEPT', acceptData());
    await p.event('med.c1', c.id, 'INVITE_EXPERT', { expertId: p.userIds['expert.law'] });
    await p.event('med.c1', c.id, 'SCHEDULE_SESSION', { at: '2026-11-30T14:00:00+08:00', place: PLACE });
    return { c, accessCode };
  }

  it("masks the case summaries on the invited expert's workbench (GET /)", async () => {
    await expertCase();
    const page = await p.get('/', 'expert.law').expect(200);
    expect(page.text).to.include('138****5678');
    expect(page.text).not.to.include(PHONE);
    // the mediator with jurisdiction still reads it whole
    expect((await p.get('/', 'med.c1').expect(200)).text).to.include(PHONE);
  });

  it("masks the session place for the expert and the resident, not for the case's mediator", async () => {
    const { c, accessCode } = await expertCase();
    const asExpert = (await p.get(`/api/cases/${c.id}`, 'expert.law').expect(200)).body;
    expect(asExpert.sessions[0].place).to.include('示范路1号');
    expect(asExpert.sessions[0].place).not.to.include('1202');
    const history = (await p.get(`/api/cases/${c.id}/history`, 'expert.law').expect(200)).body;
    expect(JSON.stringify(history)).not.to.include('1202');
    const casePage = await p.get(`/cases/${c.id}`, 'expert.law').expect(200);
    expect(casePage.text).not.to.include('1202室');
    const track = (await p.get(`/api/track/${encodeURIComponent(c.caseNo)}`, null).set('X-Access-Code', accessCode).expect(200)).body;
    expect(track.nextSession.place).to.include('示范路1号');
    expect(track.nextSession.place).not.to.include('1202');
    expect((await p.get(`/api/cases/${c.id}`, 'med.c1').expect(200)).body.sessions[0].place).to.equal(PLACE);
  });

  it('lets an expert search only what the expert sees: masked digits find nothing', async () => {
    const { c } = await expertCase();
    const digits = PHONE.slice(3, 7); // the masked middle: 1234
    const asExpert = (await p.get(`/api/cases?q=${digits}`, 'expert.law').expect(200)).body;
    expect(asExpert.items.map((i: { id: string }) => i.id)).not.to.include(c.id);
    const visible = (await p.get(`/api/cases?q=${encodeURIComponent('天花板')}`, 'expert.law').expect(200)).body;
    expect(visible.items.map((i: { id: string }) => i.id)).to.include(c.id);
    const asMediator = (await p.get(`/api/cases?q=${digits}`, 'med.c1').expect(200)).body;
    expect(asMediator.items.map((i: { id: string }) => i.id)).to.include(c.id);
  });

  it('sends a resident socket only what the tracking view shows, live and on resume', async () => {
    const { case: c, accessCode } = await p.intake('med.c1');
    await p.event('med.c1', c.id, 'ACCEPT', acceptData());
    const resident = await connect({ caseNo: c.caseNo, accessCode });
    const live: Array<{ version: number; event: { type: string } }> = [];
    const reached = new Promise<void>((resolve) =>
      resident.on('case:updated', (u: { version: number; event: { type: string } }) => {
        live.push(u);
        if (u.version === 4) resolve();
      }),
    );
    await p.event('med.c1', c.id, 'INVITE_EXPERT', { expertId: p.userIds['expert.law'] }); // version 3: staff only
    await p.event('med.c1', c.id, 'SCHEDULE_SESSION', { at: '2026-11-30T14:00:00+08:00', place: '华阳居委调解室' }); // version 4
    await reached; // updates of one case arrive in order: version 3 would have come first
    expect(live.map((u) => u.event.type)).to.deep.equal(['SCHEDULE_SESSION']);

    const replayed: string[] = [];
    resident.on('case:updated', (u: { replay?: boolean; event: { type: string } }) => u.replay && replayed.push(u.event.type));
    const ack = await resident.timeout(5000).emitWithAck('resume', { afterVersion: 0 });
    expect(ack).to.include({ ok: true, count: 3 });
    expect(replayed).to.deep.equal(['REGISTER', 'ACCEPT', 'SCHEDULE_SESSION']);
  });

  it("disconnects a session's sockets at once when it signs out", async () => {
    const token = await p.login('med.s1');
    const staff = await connect({ token });
    const ended = new Promise<{ reason: string }>((resolve) => staff.once('live:session-ended', resolve));
    const gone = new Promise<string>((resolve) => staff.once('disconnect', resolve));
    const other = await connect({ token: p.tokens['med.s1'] }); // another session of the same user stays
    const t0 = Date.now();
    await p.post('/api/auth/logout', null).set('Authorization', `Bearer ${token}`).expect(200);
    expect(await ended).to.deep.equal({ reason: 'revoked' });
    expect(await gone).to.equal('io server disconnect');
    expect(Date.now() - t0, 'well before the 60 s sweep').to.be.below(5000);
    expect(other.connected).to.equal(true);
  });

  it('names in the history no related case outside the viewer’s jurisdiction', async () => {
    const first = await p.intake('med.c1'); // same compound, same category: the next one repeats it
    const { case: b } = await p.intake('med.c1');
    await p.event('med.c1', b.id, 'ACCEPT', acceptData());
    await p.event('med.c1', b.id, 'INVITE_EXPERT', { expertId: p.userIds['expert.law'] });
    const registerOf = (events: Array<{ type: string; data: { relatedCases?: Array<{ id: string }> } }>) => events.find((e) => e.type === 'REGISTER')!;
    const asMediator = registerOf((await p.get(`/api/cases/${b.id}/history`, 'med.c1').expect(200)).body);
    expect(asMediator.data.relatedCases?.map((r) => r.id)).to.include(first.case.id);
    const asExpert = registerOf((await p.get(`/api/cases/${b.id}/history`, 'expert.law').expect(200)).body);
    expect(JSON.stringify(asExpert)).not.to.include(first.case.id);
    expect(JSON.stringify(asExpert)).not.to.include(first.case.caseNo);
  });

  it('keeps an Idempotency-Key replay without the access code in plain text, and replays it', async () => {
    const send = () => p.post('/api/cases', 'med.c1').set('Idempotency-Key', 'privacy-test-1').send({ ...intakeOf(), summary: '噪音扰民' });
    const first = await send().expect(201);
    const again = await send().expect(201);
    expect(again.headers['idempotent-replayed']).to.equal('true');
    expect(again.body.accessCode).to.equal(first.body.accessCode);
    const db = new Database(path.join(p.dir, 'mediation.db'), { readonly: true });
    const docs = (db.prepare('SELECT doc FROM idempotency').all() as Array<{ doc: string }>).map((r) => r.doc).join('\n');
    db.close();
    expect(docs).to.include('aes-256-gcm');
    expect(docs).not.to.include(first.body.accessCode);
    expect(docs).not.to.include(first.body.case.caseNo);
  });

  it('forgets idempotency records after the configured time', async () => {
    const { claimKey, sealerFor } = await import('../../server/idempotency.ts'); // loaded here: the file runs on older code too
    const store = p.running.services.store;
    let now = Date.parse('2026-12-01T00:00:00Z');
    const opts = { sealer: sealerFor('a-secret-of-sixteen+'), ttlMs: 3_600_000 };
    const claim = await claimKey(store, 'u:test:expiring', 'hash-1', () => new Date(now), opts);
    await claim.keep(201, { accessCode: 'ABCDEFGH' });
    claim.release();
    const again = await claimKey(store, 'u:test:expiring', 'hash-1', () => new Date(now), opts);
    expect(again.replay?.body).to.deep.equal({ accessCode: 'ABCDEFGH' });
    again.release();
    now += 3_600_000 + 1;
    const later = await claimKey(store, 'u:test:expiring', 'hash-2', () => new Date(now), opts); // a new request: no mismatch
    expect(later.replay).to.equal(null);
    later.release();
    expect(await store.idempotency.get('u:test:expiring')).to.equal(null); // deleted, not only ignored
  });
});

function intakeOf() {
  return {
    channel: 'walk_in',
    compoundId: 'ou-k1-1-1',
    category: 'noise',
    parties: [
      { role: 'applicant', kind: 'person', name: '赵六', phone: '13700001111' },
      { role: 'respondent', kind: 'person', name: '钱七' },
    ],
  };
}
