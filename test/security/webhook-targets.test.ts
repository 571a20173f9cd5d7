// Hardening after issue 15: webhook URLs could name any address, so an administrator's account (or
// anyone holding one) could make the server POST to its own loopback services, the office network or
// the cloud metadata endpoint (SSRF). Now loopback, private, link-local and reserved targets are
// refused — when subscribing (422 WEBHOOK_TARGET_NOT_ALLOWED) and again at each delivery, in the
// connection's own DNS look-up (a name may resolve elsewhere later) — unless WEBHOOK_ALLOW_PRIVATE=true.
// On the code before the fix (2026-12-06) the subscription and delivery tests failed: 201 for
// http://127.0.0.1/, and the loopback receiver got the deliveries.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type request from 'supertest';
import { isPrivateAddress } from '../../server/webhooks/targets.ts';
import { startProduct, type Product } from '../support/http.ts';
import * as pages from '../support/pages.ts';
import { Receiver } from '../webhooks/receiver.ts';

const expectRefused = (res: request.Response, label: string) => {
  expect(res.status, `${label}: ${JSON.stringify(res.body)}`).to.equal(422);
  expect(res.body.error.code, label).to.equal('WEBHOOK_TARGET_NOT_ALLOWED');
  expect(res.body.error.message, label).to.be.a('string').and.include('WEBHOOK_ALLOW_PRIVATE');
  expect(res.body.error.details[0].field, label).to.equal('url');
};

describe('security: webhook targets that cannot reach inside (SSRF)', function () {
  this.timeout(60_000);

  it('classifies addresses: loopback, private, link-local, CGNAT, multicast and mapped ones are refused; public ones pass', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::', '::1', 'fe80::1', 'fc00::1', 'fd12:3456::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', 'not-an-ip']) {
      expect(isPrivateAddress(a), a).to.equal(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isPrivateAddress(a), a).to.equal(false);
    }
  });

  describe('by default (WEBHOOK_ALLOW_PRIVATE unset)', () => {
    let p: Product;
    let rx: Receiver;
    before(async () => {
      p = await startProduct({ env: { WEBHOOK_TIMEOUT_MS: '2000' } });
      rx = await new Receiver().start();
    });
    after(async () => {
      await p.close();
      await rx.close();
    });

    it('refuses to subscribe a loopback, private or link-local URL (422, the documented error shape); nothing is saved', async () => {
      for (const url of ['http://127.0.0.1:9/hook', 'http://localhost:9/hook', 'http://[::1]:9/hook', 'http://169.254.169.254/latest/meta-data/', 'https://10.0.0.8/hook', 'http://[::ffff:127.0.0.1]/x', rx.url]) {
        expectRefused(await p.post('/api/admin/webhooks').send({ url, types: ['case.event'] }), url);
      }
      expect((await p.get('/api/admin/webhooks').expect(200)).body.items).to.deep.equal([]);
    });

    it('accepts a public address, and refuses to change it to a private one', async () => {
      const made = await p.post('/api/admin/webhooks').send({ url: 'https://93.184.216.34/hook', types: ['case.closed'] }).expect(201);
      const id = made.body.subscription.id;
      expectRefused(await p.patch(`/api/admin/webhooks/${id}`).send({ url: 'http://192.168.0.10/hook' }), 'patch');
      expect((await p.get('/api/admin/webhooks').expect(200)).body.items[0].url).to.equal('https://93.184.216.34/hook');
      await p.running.services.webhooks.subscriptions.remove(id, { actorId: 'test' });
    });

    it('refuses at delivery a target that now is (or resolves to) loopback: nothing reaches the receiver, the log says why', async () => {
      // subscriptions saved as if the name had resolved to a public address when they were made
      const port = new URL(rx.url).port;
      const subs = [`http://localhost:${port}/hook`, `http://127.0.0.1:${port}/hook`].map((url) => ({
        id: randomUUID(),
        url,
        description: '',
        types: ['case.status_changed'],
        scope: null,
        sourceSystem: null,
        active: true,
        secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}`,
        createdAt: '2026-11-23T09:00:00.000+08:00',
        updatedAt: '2026-11-23T09:00:00.000+08:00',
      }));
      await p.running.services.store.settings.put('webhooks.subscriptions', subs);
      await p.running.services.webhooks.subscriptions.load();
      await p.intake('med.c1');
      await p.running.services.webhooks.dispatcher.drain();
      expect(rx.requests, 'nothing reached the loopback receiver').to.have.length(0);
      for (const sub of subs) {
        const log = (await p.get(`/api/admin/webhooks/${sub.id}/deliveries`).expect(200)).body.items;
        expect(log, sub.url).to.have.length(1);
        expect(log[0]).to.include({ outcome: 'failed', httpStatus: null });
        expect(log[0].error, sub.url).to.match(/not allowed unless WEBHOOK_ALLOW_PRIVATE=true/);
      }
    });
  });

  it('with WEBHOOK_ALLOW_PRIVATE=true: a loopback receiver is subscribed and gets its deliveries', async () => {
    const p = await startProduct({ env: { WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_ALLOW_PRIVATE: 'true' } });
    const rx = await new Receiver().start();
    try {
      const url = rx.url.replace('127.0.0.1', 'localhost'); // a name, through the guarded look-up
      const made = await p.post('/api/admin/webhooks').send({ url, types: ['case.status_changed'] }).expect(201);
      rx.secret = made.body.secret;
      await p.intake('med.c1');
      await p.running.services.webhooks.dispatcher.drain();
      expect(rx.requests).to.have.length(1);
      expect(rx.requests[0].verified).to.equal(true);
    } finally {
      await p.close();
      await rx.close();
    }
  });

  it('the /admin/webhooks page says why, in Chinese first, and saves nothing', async () => {
    const product = await pages.startProduct();
    try {
      const admin = await pages.signIn(product, 'admin');
      await admin.get('/admin/webhooks');
      const res = await admin.post('/admin/webhooks', { url: 'http://127.0.0.1:8080/hook', types: 'case.event' });
      expect(res.status).to.equal(422);
      expect(pages.textOf(res.text)).to.include('该地址指向本机、内网或保留地址，不允许推送');
      expect(await product.running.services.webhooks.subscriptions.list()).to.deep.equal([]);
    } finally {
      await product.close();
    }
  });
});
