// /dashboard (issue 14): "超期案件" is one thing in the tile and the list; the list shows body,
// deadline and days overdue; the period starts on this month (Asia/Shanghai); the charts of statuses,
// tiers and categories use no warning colours.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { intakeForm, signIn, startProduct, textOf, type Product } from '../support/pages.ts';

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
});
