// /dashboard (issue 14): "超期案件" is one thing in the tile and the list; the list shows body,
// deadline and days overdue; the period starts on this month (Asia/Shanghai); the charts of statuses,
// tiers and categories use no warning colours.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { intakeForm, signIn, startProduct, textOf, type Product } from '../support/pages.ts';
import { acceptData } from '../support/workflow.ts';

/** Hue in degrees of #rrggbb (null for greys). */
function hue(hex: string): number | null {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  if (max - min < 0.08) return null;
  const h = max === r ? ((g - b) / (max - min)) % 6 : max === g ? (b - r) / (max - min) + 2 : (r - g) / (max - min) + 4;
  return (h * 60 + 360) % 360;
}

describe('pages: the dashboard', () => {
  let product: Product;
  beforeEach(async () => {
    product = await startProduct();
  });
  afterEach(async () => {
    await product.close();
  });

  it('starts the period on the first of this month, and an emptied period means all time', async () => {
    const admin = await signIn(product, 'admin');
    const page = await admin.get('/dashboard');
    expect(page.text).to.match(/id="from" name="from" type="date" value="2026-11-01"/);
    expect(page.text).to.match(/id="to" name="to" type="date" value="2026-11-23"/);
    const all = await admin.get('/dashboard?from=&to=');
    expect(all.text).to.match(/id="from" name="from" type="date" value=""/);
  });

  it('counts in the 超期案件 tile exactly the cases of its list, each with body, deadline, due date and days overdue', async () => {
    const mediator = await signIn(product, 'med.c1');
    expect((await mediator.post('/intake', intakeForm())).status).to.equal(201);
    expect((await mediator.post('/intake', intakeForm({ summary: '另一宗漏水' }))).status).to.equal(201);
    // a week on: the acceptance deadlines (3 working days from Monday 23 November) have passed
    product.running.services.testClock!.advance(7 * 24 * 3_600_000);
    await product.running.services.scheduler.runDue();

    const admin = await signIn(product, 'admin');
    const page = await admin.get('/dashboard');
    const tile = /id="overdue-now">.*?<span class="kpi-value">(\d+)<\/span>/s.exec(page.text)?.[1];
    const rows = [...page.text.matchAll(/<tr><td><a href="\/cases\/[^"]+">[^<]+<\/a><\/td>(.*?)<\/tr>/gs)].filter((m) => m.index! > page.text.indexOf('overdue-cases'));
    expect(tile).to.equal('2');
    expect(rows).to.have.length(2);
    const row = textOf(rows[0][1]);
    expect(row).to.contain('华阳');
    expect(row).to.contain('2026-11-26'); // Thu: the third working day after Monday
    expect(row).to.match(/已超期\d+个工作日/);

    // another sub-district: neither in the tile nor in the list
    const elsewhere = await admin.get('/dashboard?orgUnitId=ou-s2');
    expect(/id="overdue-now">.*?<span class="kpi-value">(\d+)<\/span>/s.exec(elsewhere.text)?.[1]).to.equal('0');
    expect(textOf(elsewhere.text)).to.contain('目前没有超期案件');
  });

  it('draws statuses, tiers and categories without red or green (those mean warnings)', () => {
    const js = readFileSync(new URL('../../public/js/dashboard.js', import.meta.url), 'utf8');
    const palette = /var PALETTE = \[([^\]]+)\]/.exec(js)![1].match(/#[0-9a-f]{6}/gi)!;
    expect(palette.length).to.be.greaterThan(8);
    for (const colour of palette) {
      const h = hue(colour);
      if (h === null) continue;
      expect(h < 20 || h > 340, `${colour} is red`).to.equal(false);
      expect(h > 75 && h < 165, `${colour} is green`).to.equal(false);
      expect(h >= 20 && h <= 65, `${colour} is orange or yellow`).to.equal(false);
    }
  });

  it('takes the transferring department on the intake form (受理方式) and links the monthly table for a sub-district centre (issue 16 §4)', async () => {
    const mediator = await signIn(product, 'med.c1');
    expect((await mediator.get('/intake')).text).to.include('name="transferredFrom"');
    expect((await mediator.post('/intake', intakeForm({ channel: 'department_transfer', transferredFrom: 'petition' }))).status).to.equal(201);
    // a choice left over on another channel is not sent (the API would refuse it)
    expect((await mediator.post('/intake', intakeForm({ channel: 'walk_in', transferredFrom: 'police' }))).status).to.equal(201);
    const admin = await signIn(product, 'admin');
    const ledger = await admin.get('/api/ledger');
    const modes = (JSON.parse(ledger.text).items as Array<{ intakeMode: string }>).map((i) => i.intakeMode);
    expect(modes).to.have.members(['petition', 'application']);
    const centre = await signIn(product, 'med.s1');
    const page = (await centre.get('/dashboard')).text.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
    expect(page).to.include('/api/stats/monthly?month=2026-11&format=xlsx');
    expect((await centre.get('/api/stats/monthly?month=2026-11')).status).to.equal(200);
  });

  it('shows the figures the 司法局 counts and the breakdowns by 受理方式, 调解组织类型 and 纠纷类型 (issue 16 §4)', async () => {
    const mediator = await signIn(product, 'med.c1');
    expect((await mediator.post('/intake', intakeForm({ channel: 'department_transfer', transferredFrom: 'police', category: 'noise' }))).status).to.equal(201);
    expect((await mediator.post('/intake', intakeForm({ summary: '另一宗漏水' }))).status).to.equal(201);
    // the walk-in case settles orally with an amount, after a risk of 民转刑 was flagged
    const { services } = product.running;
    const user = (await services.store.users.list()).find((u) => u.username === 'med.c1')!;
    const actor = { id: user.id, username: user.username, role: user.role, bodyId: user.bodyId!, tier: services.directory.body(user.bodyId!)!.tier, name: user.name };
    const walkIn = (await services.store.cases.list({ page: 1, limit: 10 })).items.find((c) => c.channel === 'walk_in')!;
    await services.engine.dispatch(walkIn.id, { type: 'ACCEPT', data: acceptData() } as never, actor);
    await services.engine.dispatch(walkIn.id, { type: 'FLAG_RISK', data: { level: 'high', reason: '双方扬言动手', prevents: ['criminal_case'] } } as never, actor);
    const amount = 12345.6;
    await services.engine.dispatch(walkIn.id, { type: 'REACH_AGREEMENT', data: { form: 'oral', terms: [{ text: '李四赔偿张三', obligor: 'p2', amount }], performBy: '2026-11-30' } } as never, actor);

    const page = await (await signIn(product, 'med.s1')).get('/dashboard');
    const tile = (id: string) => textOf(new RegExp(`<li class="kpi" id="${id}">(.*?)</li>`, 's').exec(page.text)?.[1] ?? '').replace(/\s+/g, ' ').trim();
    expect(tile('agreement-amount')).to.equal(`${amount.toLocaleString('en-US', { minimumFractionDigits: 2 })} 协议涉及金额（元）`);
    expect([tile('agreements-oral'), tile('agreements-written')]).to.deep.equal(['1 口头协议', '0 书面协议']);
    // two parties each, both persons: two people and two households per case
    expect([tile('people'), tile('households')]).to.deep.equal(['4 涉及人数', '4 涉及户数']);
    expect([tile('prevents-criminal'), tile('prevents-mass'), tile('confirmation-applied')]).to.deep.equal(['1 防止民转刑', '0 防止群体性事件', '0 申请司法确认']);
    const section = (id: string) => textOf(new RegExp(`id="${id}-title">(.*?)</section>`, 's').exec(page.text)?.[1] ?? '').replace(/\s+/g, ' ');
    expect(section('by-intake-mode')).to.contain('按受理方式').and.to.contain('公安移送 1').and.to.contain('当事人申请 1');
    expect(section('by-org-type')).to.contain('村居 2');
    // leakage and noise: both 邻里纠纷 under the product's own (unverified) numbering
    expect(section('by-dispute-type')).to.contain('02 邻里纠纷 2');
    // English second
    const en = await (await signIn(product, 'med.s1')).get('/dashboard?lang=en');
    const english = textOf(en.text).replace(/\s+/g, ' ');
    expect(english).to.contain('Oral agreements').and.to.contain('Transferred by the police').and.to.contain('02 Neighbours');
  });
});
