// The administrator's and the district's pages in headless Chromium, at a desktop (1366×768) and a
// phone (390×844): accounts (edit with an error, reset → the user is sent to change the password),
// the organisation (a refused and an added compound), the 2027 holiday notice pasted, previewed with
// the deadline that moves and confirmed, and the dashboard with an overdue case. axe-core runs on
// every page state (look()); screenshots go to test-artifacts/; no page logs a console error.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { intakeForm, PASSWORD, signIn as signInClient, startProduct, type Product } from '../support/pages.ts';
import { look, openSession, requireChromium, type Session } from '../support/chromium.ts';

const NOTICE_2027 = `国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至13日（农历正月初八、周六）放假调休，共9天。2月20日（周六）上班。`;

const SIZES = [
  { name: 'desktop', viewport: { width: 1366, height: 768 }, user: 'med.c2', compound: '新城花园' },
  { name: 'phone', viewport: { width: 390, height: 844 }, user: 'med.s1', compound: '新城家园' },
] as const;

async function signInAs(page: Page, url: string, username: string, password = PASSWORD, landing = `${url}/`): Promise<void> {
  await page.goto(`${url}/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(landing), page.click('form[action="/login"] button[type="submit"]')]);
}

describe('in the browser: administration and the dashboard', function () {
  this.timeout(240_000);
  let product: Product;
  const sessions: Session[] = [];

  before(async () => {
    requireChromium();
    product = await startProduct({ listen: true });
    // two cases registered on Monday 23 November 2026, then the clock to Thursday 4 February 2027:
    // their acceptance deadlines have long passed (超期), and a case registered now has a provisional one
    const mediator = await signInClient(product, 'med.c1');
    for (const summary of ['楼上漏水', '噪音扰民']) expect((await mediator.post('/intake', intakeForm({ summary }))).status).to.equal(201);
    product.running.services.testClock!.advance(73 * 24 * 3_600_000);
    await product.running.services.scheduler.runDue();
    expect((await mediator.post('/intake', intakeForm({ summary: '春节前登记的漏水' }))).status).to.equal(201);
  });
  after(async () => {
    for (const s of sessions) await s.close().catch(() => {});
    await product?.close();
  });

  for (const size of SIZES) {
    it(`at ${size.viewport.width}×${size.viewport.height}: accounts, the organisation, the 2027 holidays and the dashboard`, async () => {
      const url = product.url;
      const session = await openSession({ viewport: size.viewport });
      sessions.push(session);
      const page = await session.page();
      const shot = (name: string) => look(page, `admin-${size.name}-${name}`);
      await signInAs(page, url, 'admin');

      // ── accounts ──
      await page.goto(`${url}/admin`);
      await page.locator('h1', { hasText: '系统管理' }).waitFor();
      await shot('01-admin');
      const id = (await product.running.services.store.users.getByUsername(size.user))!.id;
      await page.click(`a[href="/admin/users/${id}"]`);
      await page.locator('#user-edit').waitFor();
      await shot('02-user-edit');
      await page.selectOption('#u-role', 'court_liaison');
      await page.click('#user-edit button[type="submit"]');
      await page.locator('.error-summary').first().waitFor();
      expect(await page.locator('#u-body-error').innerText()).to.contain('法院联络员须属于法院');
      await shot('03-user-edit-error');
      await page.click('#user-reset button[type="submit"]');
      const temp = (await page.locator('#notice-value').innerText()).trim();
      expect(temp).to.match(/^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$/);
      await shot('04-user-reset');

      // the user signs in with it and is sent to change the password before anything else
      const userSession = await openSession({ viewport: size.viewport });
      sessions.push(userSession);
      const userPage = await userSession.page();
      await signInAs(userPage, url, size.user, temp, `${url}/account/password`);
      await look(userPage, `admin-${size.name}-05-forced-password`);
      await userPage.fill('#pw-current', temp);
      await userPage.fill('#pw-new', 'new-password-2027');
      await userPage.fill('#pw-again', 'another-password');
      await userPage.click('#password-form button[type="submit"]');
      await userPage.locator('#pw-again-error').waitFor();
      await look(userPage, `admin-${size.name}-06-password-error`);
      await userPage.fill('#pw-current', temp);
      await userPage.fill('#pw-new', 'new-password-2027');
      await userPage.fill('#pw-again', 'new-password-2027');
      await Promise.all([userPage.waitForURL(`${url}/`), userPage.click('#password-form button[type="submit"]')]);
      await userPage.locator('.flash-ok').waitFor();
      await look(userPage, `admin-${size.name}-07-password-changed`);

      // ── the organisation ──
      await page.goto(`${url}/admin/org/units/new`);
      await page.selectOption('#n-kind', 'compound');
      await page.selectOption('#n-parent', 'ou-s1');
      await page.fill('#n-name', size.compound);
      await page.click('#unit-new button[type="submit"]');
      await page.locator('#n-parent-error').waitFor();
      await shot('08-unit-error');
      await page.selectOption('#n-parent', 'ou-c1-1');
      await page.fill('#n-address', '示范路88号');
      await Promise.all([page.waitForURL(/\/admin#org$/), page.click('#unit-new button[type="submit"]')]);
      await page.locator('.org-tree', { hasText: size.compound }).waitFor();
      await shot('09-unit-added');

      // ── the 2027 holidays ──
      await page.goto(`${url}/admin/calendar`);
      await shot('10-calendar');
      await page.fill('#cal-text', NOTICE_2027);
      await page.click('#calendar-form button[type="submit"]');
      await page.locator('#preview').waitFor();
      if (size.name === 'desktop') {
        const moves = await page.locator('table.moves').innerText();
        expect(moves).to.contain('2027-02-09');
        expect(moves).to.contain('2027-02-17');
      } else {
        // loaded already by the desktop run: the preview says it replaces the year, and nothing moves
        expect(await page.locator('#preview').innerText()).to.contain('该年份已载入').and.contain('没有暂定期限需要调整');
      }
      await shot('11-calendar-preview');
      await Promise.all([page.waitForURL(`${url}/admin/calendar`), page.click('#preview form button[type="submit"]')]);
      await page.locator('.flash-ok', { hasText: '2027' }).waitFor();
      await shot('12-calendar-loaded');

      // ── the dashboard ──
      await page.goto(`${url}/dashboard`);
      expect(await page.inputValue('#from')).to.equal('2027-02-01');
      const tile = (await page.locator('#overdue-now .kpi-value').innerText()).trim();
      expect(await page.locator('table.overdue-cases tbody tr').count()).to.equal(Number(tile));
      expect(Number(tile)).to.equal(2);
      expect(await page.locator('table.overdue-cases').innerText()).to.match(/已超期\d+个工作日/);
      await shot('13-dashboard');

      // the three refused forms answer 400 (the browser logs each as a failed load); nothing else
      const problems = [...session.problems, ...userSession.problems];
      const refused = problems.filter((p) => /\/(admin\/users\/[^:]+|admin\/org\/units|account\/password): console error: Failed to load resource: .*status of 400/.test(p));
      expect(refused).to.have.length(3);
      expect(problems.filter((p) => !refused.includes(p))).to.deep.equal([]);
    });
  }
});
