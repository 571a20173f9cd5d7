// Webhooks (issue 16 §3) against a real receiving HTTP server on loopback: subscriptions through the
// admin API, deliveries from the outbox signed per Standard Webhooks (verified by the library's own
// verifier), in order per case, retried with backoff after 500s and timeouts (the test clock moves
// the backoff), a delivery log, manual redelivery with the same webhook-id (exactly-once effect at a
// receiver that remembers ids), scope and source-system filters, no personal data, nothing for a
// refused event.
import { expect } from 'chai';
import request from 'supertest';
import { backoffMs } from '../../server/webhooks/dispatcher.ts';
import { startProduct, type DemoUser, type Product } from '../support/http.ts';
import { acceptData } from '../support/workflow.ts';
import { Receiver } from './receiver.ts';

describe('webhooks', function () {
  this.timeout(60_000);
  let p: Product;
  let rx: Receiver;

  const send = (method: 'post' | 'patch' | 'delete', path: string, who: DemoUser = 'admin') =>
    request(p.running.app)[method](path).set('Authorization', `Bearer ${p.tokens[who]}`);
  const drain = () => p.running.services.webhooks.dispatcher.drain();
  const advance = async (ms: number) => {
    const res = await p.post('/api/admin/clock').send({ advanceMinutes: Math.ceil(ms / 60_000) });
    expect(res.status).to.equal(200);
  };
  async function subscribe(body: Record<string, unknown>) {
    const res = await send('post', '/api/admin/webhooks').send({ url: rx.url, ...body });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    rx.secret = res.body.secret;
    return res.body.subscription as { id: string };
  }

  beforeEach(async () => {
    // the receiver is on loopback: allowed only with WEBHOOK_ALLOW_PRIVATE
    p = await startProduct({ env: { WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_ALLOW_PRIVATE: 'true' } });
    rx = await new Receiver().start();
  });
  afterEach(async () => {
    await p.close();
    await rx.close();
  });

  it('delivers every status change of a case, in order, signed and verifiable, without personal data', async () => {
    const sub = await subscribe({ types: ['case.status_changed', 'case.closed'] });
    const { case: c } = await p.intake('med.c1');
    await p.event('med.c1', c.id, 'ACCEPT', acceptData());
    await p.event('med.c1', c.id, 'WITHDRAW', { reason: '申请人撤回' });
    await drain();

    expect(rx.requests.every((r) => r.verified)).to.equal(true);
    const seen = rx.applied.map((m) => [m.type, m.data.previousStatus, m.data.status, m.data.seq]);
    expect(seen.filter((s) => s[0] === 'case.status_changed')).to.deep.equal([
      ['case.status_changed', null, 'registered', 1],
      ['case.status_changed', 'registered', 'in_mediation', 2],
      ['case.status_changed', 'in_mediation', 'closed', 3],
    ]);
    const closing = rx.applied.find((m) => m.type === 'case.closed');
    expect(closing.data.report).to.include({ outcome: 'withdrawn' });
    expect(closing.data.caseNo).to.equal(c.caseNo);
    // one rule for personal data: no names, phones, ID numbers or addresses leave in a webhook
    const all = rx.requests.map((r) => r.raw).join('\n');
    for (const secret of ['张三', '李四', '13812345678', '13987654321', '310101199001011234', '示范路']) expect(all).not.to.include(secret);

    const log = await p.get(`/api/admin/webhooks/${sub.id}/deliveries`);
    expect(log.status).to.equal(200);
    expect(log.body.items).to.have.length(4);
    expect(log.body.items.every((a: any) => a.outcome === 'delivered' && a.httpStatus === 204 && a.attempt === 1)).to.equal(true);
  });

  it('retries after 500s and timeouts with exponential backoff, holding later messages of the case back meanwhile', async () => {
    const sub = await subscribe({ types: ['case.status_changed'] });
    rx.next('fail', 'hang');
    const { case: c } = await p.intake('med.c1');
    await p.event('med.c1', c.id, 'ACCEPT', acceptData());
    await drain();
    // the first message failed (500); the second waits behind it, unsent
    expect(rx.requests.map((r) => r.answered)).to.deep.equal([500]);
    expect(rx.applied).to.deep.equal([]);

    await drain(); // the retry is not due yet (the test clock has not moved)
    expect(rx.requests).to.have.length(1);
    expect(backoffMs(1)).to.be.below(backoffMs(2));
    await advance(backoffMs(1)); // due: the retry hangs past the timeout
    await drain();
    expect(rx.requests.map((r) => r.answered)).to.deep.equal([500, 'hung']);
    await advance(backoffMs(2));
    await drain();
    expect(rx.applied.map((m) => m.data.status)).to.deep.equal(['registered', 'in_mediation']);

    const log = (await p.get(`/api/admin/webhooks/${sub.id}/deliveries`)).body.items.reverse();
    expect(log.map((a: any) => [a.attempt, a.outcome, a.httpStatus])).to.deep.equal([
      [1, 'failed', 500],
      [2, 'failed', null],
      [3, 'delivered', 204],
      [1, 'delivered', 204],
    ]);
    expect(log[1].error).to.match(/no answer within 2000 ms/);
    // every attempt of one message carries the same webhook-id
    expect(new Set(rx.requests.slice(0, 3).map((r) => r.id)).size).to.equal(1);
  });

  it('redelivers on request with the same webhook-id: the receiver applies the effect once', async () => {
    const sub = await subscribe({ types: ['case.status_changed'] });
    await p.intake('med.c1');
    await drain();
    expect(rx.applied).to.have.length(1);
    const [attempt] = (await p.get(`/api/admin/webhooks/${sub.id}/deliveries`)).body.items;
    const again = await send('post', `/api/admin/webhooks/deliveries/${attempt.deliveryId}/redeliver`);
    expect(again.status).to.equal(202);
    await drain();
    expect(rx.requests).to.have.length(2);
    expect(rx.requests[1].id).to.equal(rx.requests[0].id);
    expect([...rx.effects.values()]).to.deep.equal([2]); // received twice …
    expect(rx.applied).to.have.length(1); // … applied once
    expect((await send('post', '/api/admin/webhooks/deliveries/nope/redeliver')).status).to.equal(404);
  });

  it('sends the closing report (办结反馈) only to the subscription of the source system, and respects scopes', async () => {
    const hotline = await subscribe({ types: ['case.closed'], sourceSystem: '12345' });
    const hotlineSecret = rx.secret;
    const other = await send('post', '/api/admin/webhooks').send({ url: rx.url, types: ['case.event'], scope: { bodyId: 'b-c1-2' } });
    expect(other.status).to.equal(201);
    rx.secret = hotlineSecret;

    const fromHotline = await p.intake('med.c1', { source: { system: '12345', ref: 'GD-2026-0001' } });
    const walkIn = await p.intake('med.c1');
    for (const c of [fromHotline.case, walkIn.case]) await p.event('med.c1', c.id, 'DECLINE', { ground: 'not_civil', reason: '不属于民间纠纷' });
    await drain();

    expect(rx.applied).to.have.length(1);
    expect(rx.applied[0].type).to.equal('case.closed');
    expect(rx.applied[0].data.source).to.deep.equal({ system: '12345', ref: 'GD-2026-0001' });
    expect(rx.applied[0].data.report.outcome).to.equal('declined');
    const log = (await p.get(`/api/admin/webhooks/${hotline.id}/deliveries`)).body.items;
    expect(log).to.have.length(1);
    // the other subscription's scope (med.c2's room) holds neither case: nothing was sent to it
    expect((await p.get(`/api/admin/webhooks/${other.body.subscription.id}/deliveries`)).body.items).to.deep.equal([]);
  });

  it('sends nothing for a refused event', async () => {
    await subscribe({ types: ['case.event'] });
    const { case: c } = await p.intake('med.c1');
    await drain();
    const before = rx.requests.length;
    await p.event('med.c1', c.id, 'SIGN_AGREEMENT', { signedBy: ['张三'] }, {}, 422);
    await p.event('med.c2', c.id, 'ACCEPT', acceptData(), {}, 404); // not in med.c2's jurisdiction
    await drain();
    expect(rx.requests.length).to.equal(before);
  });

  it('manages subscriptions: validation, secrets shown once, rotation, pausing, removal; administrators only; audited', async () => {
    expect((await send('post', '/api/admin/webhooks').send({ url: 'ftp://x', types: ['case.event'] })).status).to.equal(400);
    expect((await send('post', '/api/admin/webhooks').send({ url: rx.url, types: ['case.nope'] })).status).to.equal(400);
    expect((await send('post', '/api/admin/webhooks').send({ url: rx.url, types: [] })).status).to.equal(400);
    expect((await send('post', '/api/admin/webhooks').send({ url: rx.url, types: ['case.event'], scope: { bodyId: 'no-such' } })).status).to.equal(404);
    expect((await send('post', '/api/admin/webhooks', 'med.c1').send({ url: rx.url, types: ['case.event'] })).status).to.equal(403);
    expect((await p.get('/api/admin/webhooks')).body.items).to.deep.equal([]); // nothing was made

    const made = await send('post', '/api/admin/webhooks').send({ url: rx.url, types: ['case.event'] });
    const { id } = made.body.subscription;
    expect(made.body.secret).to.match(/^whsec_[A-Za-z0-9+/=]{32}$/);
    const listed = (await p.get('/api/admin/webhooks')).body.items;
    expect(JSON.stringify(listed)).not.to.include(made.body.secret);

    const rotated = await send('patch', `/api/admin/webhooks/${id}`).send({ rotateSecret: true });
    expect(rotated.status).to.equal(200);
    expect(rotated.body.secret).to.match(/^whsec_/).and.not.equal(made.body.secret);
    rx.secret = rotated.body.secret;

    expect((await send('patch', `/api/admin/webhooks/${id}`).send({ active: false })).body.subscription.active).to.equal(false);
    await p.intake('med.c1');
    await drain();
    expect(rx.requests).to.deep.equal([]); // paused: nothing fanned out to it

    expect((await send('delete', `/api/admin/webhooks/${id}`)).status).to.equal(204);
    expect((await send('delete', `/api/admin/webhooks/${id}`)).status).to.equal(404);
    const actions = (await p.get('/api/admin/audit')).body.items.map((e: any) => e.action);
    expect(actions).to.include.members(['webhook.created', 'webhook.changed', 'webhook.removed']);
  });
});
