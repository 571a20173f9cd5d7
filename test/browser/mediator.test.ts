// Issue 14 in real headless Chromium, at 1366×768 and on a 390×844 phone: a mediator registers a
// case (争议金额 and its district notice), hands over the slip (QR code, link, phone, code in groups),
// the resident opens the link; the case page leads with the next step and its days left, a failed
// form brings its error summary into view, a grave action asks first, a stale form keeps what was
// typed, the code is reissued, the escalating body keeps its "已上报" view. The court liaison
// delegates with mode, 案由 and 标的额, sees its 案号 beside ours and a "已处理" list, and is offered
// no document to issue. axe-core runs on every state (chromium.ts `look`); screenshots in
// test-artifacts/mediator-*.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { actorOf } from '../../server/cases/access.ts';
import type { ManualClock } from '../../server/engine/clock.ts';
import { COMPOUND, PASSWORD, startProduct, type Product } from '../support/pages.ts';
import { look, openSession, requireChromium, type Session } from '../support/chromium.ts';
import { acceptData } from '../support/workflow.ts';

const SIZES = [
  { name: 'desktop', viewport: { width: 1366, height: 768 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
] as const;

async function signInAs(page: Page, url: string, username: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(`${url}/`), page.click('form[action="/login"] button[type="submit"]')]);
}

/** Is the element's top inside the viewport now? */
const inView = (page: Page, selector: string) =>
  page.locator(selector).first().evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight;
  });

for (const size of SIZES) {
  describe(`issue 14 for mediators and the court, ${size.name} ${size.viewport.width}×${size.viewport.height} (headless Chromium)`, function () {
    this.timeout(180_000);
    let product: Product;
    const sessions: Session[] = [];
    const open = async () => {
      const s = await openSession({ viewport: size.viewport });
      sessions.push(s);
      return s;
    };
    const shot = (page: Page, name: string) => look(page, `mediator-${size.name}-${name}`);

    before(async () => {
      requireChromium();
      product = await startProduct({ listen: true });
    });
    after(async () => {
      for (const s of sessions) await s.close().catch(() => {});
      await product?.close();
    });

    it('intake → slip → resident link → next step, error summary, confirmation, stale form, reissue, escalation', async () => {
      const url = product.url;
      const med = await open();
      const page = await med.page();
      await signInAs(page, url, 'med.c1');

      // ── intake: 争议金额 and 激化风险 say at once when the case will go to the district
      await page.goto(`${url}/intake`);
      await page.selectOption('#compoundId', COMPOUND);
      await page.selectOption('#category', 'leakage');
      await page.fill('#summary', '楼上卫生间漏水，渗至楼下天花板');
      await page.fill('#p0-name', '张三');
      await page.fill('#p0-phone', '13812345678');
      await page.fill('#p1-name', '李四');
      const notice = page.locator('[data-routes-district]');
      expect(await notice.isHidden()).to.equal(true);
      await page.fill('#disputedAmount', '250000');
      await notice.waitFor({ state: 'visible' });
      await shot(page, '01-intake-district-notice');
      await page.fill('#disputedAmount', '3000');
      await notice.waitFor({ state: 'hidden' });
      await page.check('#escalationRisk');
      await notice.waitFor({ state: 'visible' });
      await page.uncheck('#escalationRisk');
      await page.click('button[name="op"][value="register"]');

      // ── the slip: QR code (the link, never the code), the link, the room's phone, the code in groups
      const code = (await page.locator('[data-access-code]').getAttribute('data-access-code'))!;
      expect(code).to.match(/^[A-Z0-9]{8}$/);
      expect((await page.locator('[data-access-code]').innerText()).replace(/\s+/g, ' ').trim()).to.equal(`${code.slice(0, 4)} ${code.slice(4)}`);
      const caseNo = (await page.locator('[data-case-no]').innerText()).trim();
      const link = (await page.locator('[data-track-link]').getAttribute('href'))!;
      expect(link).to.equal(`${url}/track?caseNo=${encodeURIComponent(caseNo)}`);
      expect(await page.locator('[data-body-phone]').getAttribute('href')).to.match(/^tel:021\d{8}$/);
      const qr = page.locator('img[data-qr]');
      expect(await qr.getAttribute('src')).to.match(/^data:image\/svg\+xml;base64,/);
      expect(await qr.evaluate((img) => (img as HTMLImageElement).naturalWidth > 0)).to.equal(true);
      expect(Buffer.from((await qr.getAttribute('src'))!.split(',')[1], 'base64').toString()).not.to.include(code);
      await shot(page, '02-slip');

      // ── the resident follows the slip's link: the case number is filled in; the code typed as printed
      const resident = await open();
      const rpage = await resident.page();
      await rpage.goto(link);
      expect(await rpage.inputValue('#caseNo')).to.equal(caseNo);
      await rpage.fill('#accessCode', `${code.slice(0, 4)} ${code.slice(4)}`.toLowerCase());
      await rpage.click('form[action="/track"] button[type="submit"]');
      await rpage.locator('[data-status="registered"]').waitFor();
      await shot(rpage, '03-resident-from-slip');

      // ── the case page leads with the next step and its deadline in days
      await page.click('[data-open-case]');
      await page.locator('#next-step').waitFor();
      expect(await page.locator('#next-step-title').innerText()).to.include('受理');
      expect(await page.locator('[data-next-due]').innerText()).to.match(/受理审查期限：还剩\d+个工作日/);
      expect(await page.locator('#deadlines [data-deadline="acceptance"] .dl-left').innerText()).to.match(/还剩\d+个工作日/);
      expect(await page.locator('#actions-title').innerText()).to.equal('其他操作');
      if (size.name === 'phone') {
        const y = async (sel: string) => (await page.locator(sel).boundingBox())!.y;
        expect(await y('#deadlines'), 'deadlines before the timeline on the phone').to.be.lessThan(await y('#timeline'));
        expect(await y('#next-step')).to.be.lessThan(await y('#deadlines'));
      }
      const tel = page.locator('#parties a[data-tel]').first();
      expect(await tel.getAttribute('href')).to.equal('tel:13812345678');
      await shot(page, '04-case-next-step');

      // ── a failed form: the page brings the error summary into view, each problem names its field
      await page.locator('#next-step button[data-action="ACCEPT"]').click();
      const summary = page.locator('[data-error-summary]');
      await summary.waitFor();
      expect(await summary.innerText()).to.include('当事人同意');
      expect(await summary.locator('a').first().getAttribute('href')).to.equal('#accept-consents');
      await page.waitForFunction(() => document.activeElement?.hasAttribute('data-error-summary') === true);
      expect(await inView(page, '[data-error-summary]')).to.equal(true);
      await shot(page, '05-case-error-summary');
      for (const box of await page.locator('#action-accept input[name="consents"][value$=":written"]').all()) await box.check();
      await page.locator('#action-accept input[name="rightsNotified"]').check();
      await page.locator('#action-accept button[data-action="ACCEPT"]').click();
      await page.locator('.flash-ok', { hasText: '已办理：受理' }).waitFor();
      // the accepting mediator presides (2026.3), so the next step is the first session
      expect(await page.locator('#next-step-title').innerText()).to.include('安排调解');

      // ── a stale form keeps what was typed and says what changed (409)
      const other = await med.context.newPage();
      await other.goto(page.url());
      await page.fill('#schedule_session-at', '2026-11-26T14:30');
      await page.fill('#schedule_session-place', '华阳居委会调解室');
      await other.locator('#action-assign summary').click();
      await other.locator('#action-assign label', { hasText: '王丽华' }).locator('input').check();
      await other.locator('#action-assign button[data-action="ASSIGN"]').click();
      await other.locator('.flash-ok', { hasText: '已办理：指派调解员' }).waitFor();
      await other.close();
      await page.locator('#action-schedule_session button[data-action="SCHEDULE_SESSION"]').click();
      await page.locator('[data-changes]').waitFor();
      expect(await page.locator('[data-changes]').innerText()).to.include('指派调解员');
      expect(await page.inputValue('#schedule_session-place')).to.equal('华阳居委会调解室');
      await shot(page, '06-case-version-conflict');
      await page.locator('#action-schedule_session button[data-action="SCHEDULE_SESSION"]').click();
      await page.locator('.flash-ok', { hasText: '已办理：安排调解' }).waitFor();

      // ── a grave action asks first; going back changes nothing
      await page.locator('#action-terminate summary').click();
      await page.fill('#terminate-reason', '双方分歧较大');
      await page.locator('#action-terminate button[data-action="TERMINATE"]').click();
      await page.locator('[data-confirm="TERMINATE"]').waitFor();
      expect(await page.locator('h1').innerText()).to.include('确认终止调解');
      await shot(page, '07-confirm-terminate');
      await page.locator('a', { hasText: '返回，不操作' }).click();
      await page.locator('.status-pill', { hasText: '调解中' }).waitFor();

      // ── automated entries fold in the timeline
      const services = product.running.services as unknown as { clock: ManualClock; scheduler: { runDue(): Promise<number> } };
      services.clock.advance(20 * 86_400_000);
      expect(await services.scheduler.runDue()).to.be.greaterThan(0);
      await page.reload();
      const fold = page.locator('#timeline details[data-automated]').first();
      await fold.waitFor();
      expect(await fold.evaluate((d) => (d as HTMLDetailsElement).open)).to.equal(false);
      expect(await page.locator('#deadlines .dl-left').first().innerText()).to.match(/还剩\d+天|已超期\d+天|今天届满/);

      // ── reissue the access code: a fresh slip, once; the old code stops working
      await page.locator('#reissue-code summary').click();
      await page.locator('[data-reissue]').click();
      const fresh = (await page.locator('[data-access-code]').getAttribute('data-access-code'))!;
      expect(fresh).to.match(/^[A-Z0-9]{8}$/).and.not.equal(code);
      await shot(page, '08-reissued-slip');
      const rcheck = await resident.context.newPage();
      await rcheck.goto(link);
      await rcheck.fill('#accessCode', code);
      await rcheck.click('form[action="/track"] button[type="submit"]');
      await rcheck.locator('#track-error').waitFor();
      await rcheck.close();

      // ── escalation: the body that sent it keeps a read-only "已上报" view; the resident reads a sentence
      await page.goto(`${url}/`);
      await page.locator('#queue a', { hasText: caseNo }).click();
      await page.locator('#action-escalate summary').click();
      await page.fill('#escalate-reason', '涉及多户，社区层面难以化解');
      await page.locator('#action-escalate button[data-action="ESCALATE"]').click();
      await page.locator('.flash-ok', { hasText: '已办理：上报上级' }).waitFor();
      await page.locator('[data-escalated-away]').waitFor(); // still readable: back on the case page
      await page.goto(`${url}/`);
      await page.locator('.tabs a', { hasText: '已上报' }).click();
      await page.locator('#queue a', { hasText: caseNo }).click();
      await page.locator('[data-escalated-away]').waitFor();
      expect(await page.locator('[data-read-only]').count()).to.equal(1);
      expect(await page.locator('form[data-event-form]').count()).to.equal(0);
      await shot(page, '09-escalated-read-only');
      // the old code no longer opens the case: the resident looks it up with the new one
      await rpage.goto(link);
      await rpage.fill('#accessCode', fresh);
      await rpage.click('form[action="/track"] button[type="submit"]');
      await rpage.locator('[data-status="registered"]').waitFor();
      expect(await rpage.locator('[data-next-step]').innerText()).to.include('上报至街镇调解联合中心');
      await shot(rpage, '10-resident-escalated');

      const centre = await open();
      const cpage = await centre.page();
      await signInAs(cpage, url, 'med.s1');
      await cpage.goto(page.url());
      await cpage.locator('[data-arrived-from]').waitFor();
      expect(await cpage.locator('[data-arrived-from]').innerText()).to.include('涉及多户，社区层面难以化解');
      await shot(cpage, '11-arrived-from');
      // the refused forms (422, 409) and the revoked code (404) are answers this journey asks for;
      // anything else in the console — a script error above all — is a failure
      const expected = /Failed to load resource: the server responded with a status of (404|409|422)/;
      expect(med.problems.concat(resident.problems, centre.problems).filter((p) => !expected.test(p))).to.deep.equal([]);
    });

    it('the workbench keeps closed cases out of the queue and fits several cards on a screen', async () => {
      const { store, directory, engine } = product.running.services;
      const actor = actorOf((await store.users.getByUsername('med.c1'))!, directory);
      const parties = [
        { role: 'applicant' as const, kind: 'person' as const, name: '王五', phone: '13900001111' },
        { role: 'respondent' as const, kind: 'person' as const, name: '赵六' },
      ];
      const made = [];
      for (let i = 0; i < 4; i++) {
        made.push((await engine.intake({ channel: 'walk_in', compoundId: COMPOUND, category: 'noise', summary: `夜间噪音扰民 ${i}`, parties }, actor)).record);
      }
      let closing = await engine.dispatch(made[0].id, { type: 'ACCEPT', data: acceptData() }, actor);
      closing = await engine.dispatch(closing.id, { type: 'WITHDRAW', data: { reason: '申请人撤回' } }, actor);
      expect(closing.status).to.equal('closed');

      const s = await open();
      const page = await s.page();
      await signInAs(page, product.url, 'med.c1');
      await page.locator('#queue').waitFor();
      expect(await page.locator(`#queue [data-case-id="${made[0].id}"]`).count(), 'a closed case leaves the active queue').to.equal(0);
      expect(await page.locator(`#queue [data-case-id="${made[1].id}"]`).count()).to.equal(1);
      const cardsInView = await page.locator('#queue tbody tr').evaluateAll((rows) => rows.filter((r) => r.getBoundingClientRect().bottom <= window.innerHeight).length);
      expect(cardsInView, 'case cards wholly on the first screen').to.be.at.least(2);
      expect(await page.locator('#queue tbody tr').first().innerText()).to.match(/还剩\d+个工作日|今天届满|已超期/);
      await shot(page, '12-workbench');
      await page.goto(`${product.url}/?status=closed`);
      expect(await page.locator(`#queue [data-case-id="${made[0].id}"]`).count(), 'found with the status filter').to.equal(1);
    });

    it('the court liaison delegates with mode, 案由 and 标的额, sees its 案号 and what it handled, issues no documents', async () => {
      const url = product.url;
      const s = await open();
      const page = await s.page();
      await signInAs(page, url, 'court.liaison');
      await page.goto(`${url}/court/delegations`);
      await page.fill('#courtRef', '（2026）沪0105民初88号');
      await page.selectOption('#mode', 'entrusted');
      await page.selectOption('#procedure', 'summary');
      await page.fill('#causeOfAction', '物业服务合同纠纷');
      await page.fill('#claimAmount', '5200');
      await page.selectOption('#compoundId', 'ou-k1-2-1');
      await page.selectOption('#category', 'fee_arrears');
      await page.fill('#summary', '业主拖欠物业费两年');
      await page.fill('#p0-name', '某物业公司');
      await page.fill('#p1-name', '钱七');
      await shot(page, '13-court-delegation-form');
      await page.click('button[name="op"][value="register"]');
      await page.locator('[data-access-code]').waitFor();
      const caseId = (await page.locator('[data-open-case]').getAttribute('href'))!.split('/').pop()!;
      const record = (await product.running.services.store.cases.get(caseId))!;
      expect(record.snapshot.context.delegation).to.deep.include({ mode: 'entrusted', procedure: 'summary', causeOfAction: '物业服务合同纠纷', claimAmount: 5200 });

      // a referral the court accepts with its 案号: it moves to "已处理", both numbers side by side
      const { store, directory, engine } = product.running.services;
      const med = actorOf((await store.users.getByUsername('med.c1'))!, directory);
      const court = actorOf((await store.users.getByUsername('court.liaison'))!, directory);
      const r = (await engine.intake({ channel: 'walk_in', compoundId: COMPOUND, category: 'leakage', summary: '漏水赔偿', parties: [{ role: 'applicant', kind: 'person', name: '孙八' }, { role: 'respondent', kind: 'person', name: '周九' }] }, med)).record;
      await engine.dispatch(r.id, { type: 'ACCEPT', data: acceptData() }, med);
      await engine.dispatch(r.id, { type: 'REFER_TO_COURT', data: { reason: '当事人要求诉讼' } }, med);
      await page.goto(`${url}/`);
      await page.locator(`.inbox-item[data-case-id="${r.id}"]`).waitFor();
      await engine.dispatch(r.id, { type: 'COURT_ACCEPT', data: { courtCaseNo: '（2026）沪0105民初99号' } }, court);
      await page.reload();
      const done = page.locator(`#handled tr[data-case-id="${r.id}"]`);
      await done.waitFor();
      expect(await done.innerText()).to.include(r.caseNo).and.include('（2026）沪0105民初99号');
      expect(await page.locator('#queue').innerText()).to.include('（2026）沪0105民初88号');
      await shot(page, '14-court-inbox-handled');

      await page.goto(`${url}/cases/${caseId}`);
      await page.locator('#documents').waitFor();
      expect(await page.locator('form[action$="/documents"]').count(), 'no document form for the court').to.equal(0);
      await shot(page, '15-court-case');
      expect(s.problems).to.deep.equal([]);
    });
  });
}
