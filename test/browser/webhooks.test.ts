// /admin/webhooks in headless Chromium, at desktop and phone sizes: an administrator subscribes a
// receiver (a real HTTP server on loopback), sees the secret once, a mediator's intake is delivered
// and appears in the log, a failed delivery shows as a warning with its word, and "send again"
// works — with axe-core on every page state and a screenshot of each (test-artifacts/).
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { PASSWORD, startProduct, type Product } from '../support/pages.ts';
import { look, openSession, requireChromium, type Session } from '../support/chromium.ts';
import { Receiver } from '../webhooks/receiver.ts';
import { intakeBody } from '../support/http.ts';

async function signInAs(page: Page, url: string, username: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(`${url}/`), page.click('form[action="/login"] button[type="submit"]')]);
}

for (const [size, viewport] of [
  ['desktop', { width: 1366, height: 768 }],
  ['phone', { width: 390, height: 844 }],
] as const) {
  describe(`the webhooks page (headless Chromium, ${size})`, function () {
    this.timeout(120_000);
    let product: Product;
    let admin: Session;
    let rx: Receiver;

    before(async () => {
      requireChromium();
      // the receiver is on loopback: allowed only with WEBHOOK_ALLOW_PRIVATE
      product = await startProduct({ listen: true, env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
      rx = await new Receiver().start();
      admin = await openSession({ viewport });
    });
    after(async () => {
      await admin?.close();
      await rx?.close();
      await product?.close();
    });

    it('subscribes a receiver, shows the secret once, logs deliveries and sends one again', async () => {
      const page = await admin.page();
      const { url } = product;
      await signInAs(page, url, 'admin');
      await page.goto(`${url}/admin/webhooks`);
      await look(page, `webhooks-${size}-01-empty`);

      // a wrong address: the field says what is wrong, nothing is made
      await page.fill('#wh-url', 'ftp://example.org/hook');
      await page.evaluate(() => document.querySelector('#wh-url')?.setAttribute('type', 'text')); // past the browser's own check
      await page.click('form[action="/admin/webhooks"] button[type="submit"]');
      await page.locator('#wh-url-error').waitFor();
      await look(page, `webhooks-${size}-02-invalid`);
      expect(await product.running.services.webhooks.subscriptions.list()).to.deep.equal([]);

      await page.fill('#wh-url', rx.url);
      await page.fill('#wh-description', '12345热线 办结反馈');
      await page.check('input[name="types"][value="case.status_changed"]');
      await page.click('form[action="/admin/webhooks"] button[type="submit"]');
      const secret = (await page.locator('code[id^="secret-"]').textContent())!.trim();
      expect(secret).to.match(/^whsec_/);
      await look(page, `webhooks-${size}-03-created`);
      rx.secret = secret;

      // a case comes in: the first delivery fails (a warning, with its word), the retry is queued
      rx.next('fail');
      const { services } = product.running;
      const med = await services.store.users.getByUsername('med.c1');
      const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: med!.username, password: PASSWORD }) });
      const { token } = (await res.json()) as { token: string };
      const made = await fetch(`${url}/api/cases`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(intakeBody()) });
      expect(made.status).to.equal(201);
      await services.webhooks.dispatcher.drain();
      await page.goto(`${url}/admin/webhooks`);
      expect(await page.locator('code[id^="secret-"]').count()).to.equal(0); // shown once only
      await page.locator('.badge.warn-orange', { hasText: '失败，待重试' }).waitFor();
      await look(page, `webhooks-${size}-04-failed`);

      // "send again" queues it behind the pending retry of the same case; once the retry is due
      // both go, with one webhook-id: the receiver applies it once
      await page.locator('form[action$="/redeliver"] button').first().click();
      await page.locator('.flash-ok').waitFor();
      services.testClock!.advance(60_000);
      await services.webhooks.dispatcher.drain();
      await page.goto(`${url}/admin/webhooks`);
      await page.locator('td', { hasText: '已送达' }).first().waitFor();
      await look(page, `webhooks-${size}-05-delivered`);
      // nothing pushes the page sideways (the log scrolls inside its panel on a phone)
      const wide = await page.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !el.closest('.table-scroll'))
          .map((el) => `${el.tagName.toLowerCase()}.${(el as HTMLElement).className}`),
      );
      expect(wide).to.deep.equal([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).to.be.at.most(0);
      expect(rx.requests.map((r) => r.answered)).to.deep.equal([500, 204, 204]);
      expect(rx.applied).to.have.length(1);
      expect(rx.applied[0].data.status).to.equal('registered');
      // the one 400 is the refused form above (the browser logs the status); nothing else went wrong
      expect(admin.problems.filter((x) => !/status of 400/.test(x))).to.deep.equal([]);
      expect(admin.problems).to.have.length(1);
    });
  });
}
