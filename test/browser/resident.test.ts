// A resident on a phone (390×844) follows a case on /track through every status a resident can
// see, while the staff work it: each change arrives live, and after it the whole view (status,
// 下一步, deadlines, timeline) is what a fresh lookup would show. Every state is checked with
// axe-core (chromium.ts `look`: serious/critical violations, and colour contrast below WCAG AA even
// where axe files it under `incomplete`) and kept as a screenshot in test-artifacts/.
//
// This is the test of issue 14's unreadable statuses. Run against the old stylesheet (the staff
// status-pill backgrounds also applied to .status-big) all three tests failed, at
// resident-04-performing ("协议履行中" #146c2e on #146c2e), resident-08-declined (#475467 on #475467)
// and resident-09-referred-to-court (#0b5cad on #6941c6): each a 1:1 ratio axe files under
// `incomplete` (equalRatio), which `look` reads. (`look` ends the status pulse animation first: its
// light background hid the bug for 2.4 s after every live change, and the check with it.)
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { actorOf } from '../../server/cases/access.ts';
import { nextStep } from '../../server/cases/resident-view.ts';
import type { CaseRecord } from '../../server/store/port.ts';
import type { EventRequest } from '../../server/engine/engine.ts';
import type { Actor } from '../../workflows/case.types.ts';
import { COMPOUND, startProduct, type Product } from '../support/pages.ts';
import { look, openSession, requireChromium, type Session } from '../support/chromium.ts';
import { acceptData, PARTICULARS } from '../support/workflow.ts';

const PHONE = { width: 390, height: 844 };
const DAY = 86_400_000;

describe('a resident follows the case on a phone (headless Chromium)', function () {
  this.timeout(180_000);
  let product: Product;
  let resident: Session;
  let med: Actor;
  let court: Actor;

  before(async () => {
    requireChromium();
    product = await startProduct({ listen: true });
    const { store, directory } = product.running.services;
    med = actorOf((await store.users.getByUsername('med.c1'))!, directory);
    court = actorOf((await store.users.getByUsername('court.liaison'))!, directory);
    resident = await openSession({ viewport: PHONE });
  });
  after(async () => {
    await resident?.close().catch(() => {});
    await product?.close();
  });

  const intake = async (summary: string) =>
    product.running.services.engine.intake(
      {
        channel: 'walk_in',
        compoundId: COMPOUND,
        category: 'leakage',
        summary,
        parties: [
          { role: 'applicant', kind: 'person', name: '张三', phone: '13812345678', address: '示范路1号3室' },
          { role: 'respondent', kind: 'person', name: '李四' },
        ],
      },
      med,
    );

  const dispatch = (record: CaseRecord, event: EventRequest, by: Actor = med) => product.running.services.engine.dispatch(record.id, event, by);

  async function lookUp(page: Page, caseNo: string, accessCode: string) {
    await page.goto(`${product.url}/track`);
    await page.fill('#caseNo', caseNo);
    await page.fill('#accessCode', accessCode);
    await page.click('form[action="/track"] button[type="submit"]');
    await page.locator('[data-live-state].on').waitFor();
  }

  /**
   * The page shows `record` — status, its next step — and nothing stale: the live section reads
   * exactly as a fresh lookup of the same case in another tab.
   */
  async function shows(page: Page, record: CaseRecord, accessCode: string) {
    const section = page.locator('[data-live-section="track"]');
    await page.locator(`[data-live-section="track"][data-version="${record.version}"]`).waitFor({ timeout: 10_000 });
    expect((await page.locator('[data-status]').getAttribute('data-status'))!).to.equal(record.status);
    expect((await page.locator('[data-next-step]').innerText()).trim()).to.equal(nextStep(record, product.running.services.settings.deadlines.limits.acceptance).zh);
    const fresh = await resident.context.newPage();
    await lookUp(fresh, record.caseNo, accessCode);
    expect(await section.innerText()).to.equal(await fresh.locator('[data-live-section="track"]').innerText());
    await fresh.close();
  }

  it('sees every status of a settled case, live and readable: registered → … → closed', async () => {
    const { record: registered, accessCode } = await intake('楼上卫生间漏水，渗至楼下天花板');
    const page = await resident.page();
    await lookUp(page, registered.caseNo, accessCode);
    await page.evaluate(() => ((window as unknown as { __stay: number }).__stay = 1));
    await shows(page, registered, accessCode);
    // registered on Monday 2026-11-23: the 3 working days of the acceptance review end on Thursday
    expect(await page.locator('.deadlines').innerText()).to.include('还剩3个工作日');
    // whom to call: the mediation room that has the case
    const body = product.running.services.directory.body(registered.bodyId)!;
    expect(await page.locator('[data-contact]').innerText()).to.include(body.name);
    await look(page, 'resident-01-registered');

    // the mediator accepts: status, next step, deadlines and timeline change together
    let r = await dispatch(registered, { type: 'ACCEPT', data: acceptData(registered.snapshot.context.parties) });
    await shows(page, r, accessCode);
    expect(await page.locator('.deadlines').innerText()).not.to.include('受理审查期限');
    expect(await page.locator('.timeline').innerText()).to.include('受理');
    await look(page, 'resident-02-in-mediation');

    r = await dispatch(r, { type: 'REACH_AGREEMENT', data: { terms: ['三日内修复卫生间防水'], performBy: '2026-12-10', ...PARTICULARS } });
    await shows(page, r, accessCode);
    await look(page, 'resident-03-agreement-pending');

    r = await dispatch(r, { type: 'SIGN_AGREEMENT', data: { signedBy: ['张三', '李四'] } });
    await shows(page, r, accessCode);
    await look(page, 'resident-04-performing');

    r = await dispatch(r, { type: 'REQUEST_CONFIRMATION' });
    await shows(page, r, accessCode);
    await look(page, 'resident-05-confirmation-pending');

    r = await dispatch(r, { type: 'CONFIRMATION_RESULT', data: { confirmed: true } }, court);
    await shows(page, r, accessCode);
    r = await dispatch(r, { type: 'RECORD_FOLLOW_UP', data: { performance: 'full', satisfaction: 5, note: '已修复' } });
    r = await dispatch(r, { type: 'CLOSE' });
    expect(r.status).to.equal('closed');
    await shows(page, r, accessCode);
    await look(page, 'resident-06-closed');
    expect(await page.evaluate(() => (window as unknown as { __stay?: number }).__stay)).to.equal(1); // never reloaded
    expect(resident.problems, resident.problems.join('\n')).to.deep.equal([]);
  });

  it('reads an overdue deadline in days, then sees the case declined', async () => {
    const { record: registered, accessCode } = await intake('小区路灯长期不亮');
    const page = await resident.page();
    await lookUp(page, registered.caseNo, accessCode);
    // four days on (Friday 2026-11-27): one working day past Thursday's acceptance deadline
    const { testClock, scheduler } = product.running.services;
    testClock!.advance(4 * DAY);
    await scheduler.runDue();
    await lookUp(page, registered.caseNo, accessCode);
    expect(await page.locator('.deadlines').innerText()).to.include('已超期1个工作日');
    await look(page, 'resident-07-acceptance-overdue');

    const r = await dispatch(registered, { type: 'DECLINE', data: { ground: 'not_civil', reason: '不属于物业纠纷' } });
    await shows(page, r, accessCode);
    await look(page, 'resident-08-declined');
    expect(resident.problems, resident.problems.join('\n')).to.deep.equal([]);
  });

  it('sees the case referred to court, and switching language keeps the case on the screen', async () => {
    const { record: registered, accessCode } = await intake('物业拒绝维修外墙');
    const page = await resident.page();
    await lookUp(page, registered.caseNo, accessCode);
    let r = await dispatch(registered, { type: 'ACCEPT', data: acceptData(registered.snapshot.context.parties) });
    await shows(page, r, accessCode);
    r = await dispatch(r, { type: 'REFER_TO_COURT', data: { reason: '物业拒绝参加调解' } });
    await shows(page, r, accessCode);
    await look(page, 'resident-09-referred-to-court');

    await page.click('.lang-switch');
    await page.locator('[data-status-label]', { hasText: 'Referred to court' }).waitFor();
    expect(await page.locator('h1.case-no').innerText()).to.equal(r.caseNo);
    expect(page.url()).not.to.include(accessCode); // the code never goes into an address
    await page.locator('[data-live-state].on').waitFor();
    await look(page, 'resident-10-referred-english');
    await page.click('.lang-switch');
    await page.locator('[data-status-label]', { hasText: '已移送法院' }).waitFor();
    expect(resident.problems, resident.problems.join('\n')).to.deep.equal([]);
  });
});
