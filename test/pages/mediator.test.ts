// Issue 14 on the pages without a browser (supertest): the slip (QR code, link, phone, grouped code),
// reissuing the access code from the case page, the next step with its days left, the error summary
// and the rules named, the confirmation step, 争议金额/激化风险 at intake and the district notice, the
// escalating body's read-only view, the court's inbox and its case page.
import { expect } from 'chai';
import { actorOf } from '../../server/cases/access.ts';
import { ACCESS, intakeForm, registerCase as register, sendEvent as send, signIn, startProduct, textOf, type Product } from '../support/pages.ts';
import { acceptData } from '../support/workflow.ts';

describe('pages of issue 14 (mediators, the slip, the court)', function () {
  this.timeout(30_000);
  let product: Product;
  before(async () => {
    product = await startProduct();
  });
  after(async () => {
    await product.close();
  });

  it('prints the slip with the code in groups of four, the /track link with the case number, its QR code and the room’s phone', async () => {
    const med = await signIn(product, 'med.c1');
    const { code, html: raw } = await register(med);
    const html = raw.replace(/&#x3D;/g, '=');
    const caseNo = /data-case-no>([^<]+)</.exec(html)![1];
    const groups = /data-access-code="[A-Z0-9]+"[^>]*>(.*?)<\/dd>/.exec(html)![1];
    expect(textOf(groups).trim()).to.equal(`${code.slice(0, 4)} ${code.slice(4)}`);
    expect(html).to.match(new RegExp(`href="http://[^"]+/track\\?caseNo=${encodeURIComponent(caseNo).replace(/[()%]/g, (c) => `\\${c}`)}" data-track-link`));
    expect(html).to.include('href="tel:02162101100" data-body-phone>021-6210 1100<');
    const qr = /<img src="data:image\/svg\+xml;base64,([^"]+)"[^>]*data-qr/.exec(html)?.[1];
    const svg = Buffer.from(qr!, 'base64').toString();
    expect(svg).to.match(/^<svg[^>]+viewBox/);
    expect(svg).not.to.include(code);
  });

  it('reissues the access code from the case page: a new slip once, the old code refused, the history says who', async () => {
    const med = await signIn(product, 'med.c1');
    const { code, id } = await register(med);
    const page = await med.get(`/cases/${id}`);
    expect(page.text).to.include(`action="/cases/${id}/access-code"`);
    const res = await med.post(`/cases/${id}/access-code`, {});
    expect(res.status).to.equal(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    const fresh = ACCESS.exec(res.text)![1];
    expect(fresh).not.to.equal(code);
    expect(res.text).to.include('原查询码已失效');
    const after = await med.get(`/cases/${id}`);
    expect(textOf(after.text)).to.include('重新发放查询码').and.include('王丽华');
    expect(after.text).not.to.include(fresh);
    // a mediator of the centre above reads the case but is not offered (nor allowed) the reissue
    const centre = await signIn(product, 'med.s1');
    expect((await centre.get(`/cases/${id}`)).text).not.to.include(`action="/cases/${id}/access-code"`);
    const refused = await centre.post(`/cases/${id}/access-code`, {});
    expect(refused.status).to.equal(303);
    expect(textOf((await centre.get(`/cases/${id}`)).text)).to.include('只有受理本案的调解组织的调解员可以重新发放查询码');
  });

  it('leads with the next step and its deadline in days; every deadline says its days left', async () => {
    const med = await signIn(product, 'med.c1');
    const { id } = await register(med);
    const html = (await med.get(`/cases/${id}`)).text;
    expect(html).to.match(/<h2 id="next-step-title">下一步：受理<\/h2>/);
    // registered Monday 2026-11-23: 3 working days to decide (24th, 25th, 26th)
    expect(textOf(html)).to.include('受理审查期限：还剩3个工作日（2026-11-26届满）');
    expect(html).to.match(/data-deadline="acceptance"[\s\S]*?还剩3个工作日/);
    expect(html).to.match(/<h2 id="actions-title">其他操作<\/h2>/);
  });

  it('names the field and the rule in the error summary, linking to the field', async () => {
    const med = await signIn(product, 'med.c1');
    const { id } = await register(med);
    await send(med, id, 'ACCEPT', { consents: ['p1:written', 'p2:written'], rightsNotified: 'on' });
    const res = await send(med, id, 'EXTEND_DEADLINE', { days: '0', reason: '   ' });
    expect(res.status).to.equal(400);
    expect(res.text).to.include('data-error-summary').and.include('autofocus');
    expect(res.text).to.match(/<a href="#extend_deadline-days">延长天数：不能小于1<\/a>/);
    expect(res.text).to.match(/<a href="#extend_deadline-reason">理由：必填<\/a>/);
    expect(res.text).not.to.include('内容无效');
  });

  it('asks before a grave action, carrying the typed values; nothing changes until confirmed', async () => {
    const med = await signIn(product, 'med.c1');
    const { id } = await register(med);
    await send(med, id, 'ACCEPT', { consents: ['p1:written', 'p2:written'], rightsNotified: 'on' });
    const asked = await send(med, id, 'TERMINATE', { reason: '双方分歧较大', consentOf: ['p1'] });
    expect(asked.status).to.equal(200);
    expect(asked.text).to.include('确认终止调解').and.include('name="confirmed" value="yes"').and.include('name="reason" value="双方分歧较大"').and.include('name="consentOf" value="p1"');
    expect(textOf((await med.get(`/cases/${id}`)).text)).to.include('调解中');
    const version = /name="expectedVersion" value="(\d+)"/.exec(asked.text)![1];
    const done = await med.post(`/cases/${id}/events`, { type: 'TERMINATE', expectedVersion: version, reason: '双方分歧较大', consentOf: 'p1', confirmed: 'yes' });
    expect(done.status).to.equal(303);
    expect(textOf((await med.get(`/cases/${id}`)).text)).to.include('已结案');
  });

  it('keeps a stale form’s values and lists what changed (409)', async () => {
    const med = await signIn(product, 'med.c1');
    const { id } = await register(med);
    const page = await med.get(`/cases/${id}`);
    const stale = /data-case-version="(\d+)"/.exec(page.text)![1];
    await send(med, id, 'ACCEPT', { consents: ['p1:written', 'p2:written'], rightsNotified: 'on' });
    const res = await med.post(`/cases/${id}/events`, { type: 'SCHEDULE_SESSION', expectedVersion: stale, at: '2026-11-26T14:30', place: '华阳居委会调解室' });
    expect(res.status).to.equal(409);
    expect(res.text).to.include('value="华阳居委会调解室"');
    expect(res.text).to.match(/data-changes><li>王丽华 · 受理 · 2026-11-23 09:00<\/li>/);
  });

  it('takes 争议金额 and 激化风险 at intake, and says when the entries route the case to the district', async () => {
    const med = await signIn(product, 'med.c1');
    const form = await med.get('/intake');
    expect(form.text).to.include('name="disputedAmount"').and.include('name="escalationRisk"').and.include('data-major-amount="100000"');
    expect(form.text).to.match(/data-routes-district hidden/);
    const again = await med.post('/intake', intakeForm({ op: 'add-party', disputedAmount: '150000' }));
    expect(again.text).to.match(/data-routes-district>/);
    expect(again.text).to.include('value="150000"');
    const bad = await med.post('/intake', intakeForm({ disputedAmount: '-5' }));
    expect(bad.status).to.equal(400);
    expect(bad.text).to.match(/<a href="#disputedAmount">争议金额（元）：不能小于0<\/a>/);
    await med.get('/intake');
    const risky = await med.post('/intake', intakeForm({ escalationRisk: '1' }));
    expect(risky.status).to.equal(201);
    expect(risky.text).to.include('区调解委员会');
    const caseNo = /data-case-no>([^<]+)</.exec(risky.text)![1];
    const { items } = await product.running.services.store.cases.list({ q: caseNo, page: 1, limit: 5 });
    const record = items.find((c) => c.caseNo === caseNo)!;
    expect(record.tier).to.equal('district');
    expect(record.snapshot.context.flags.escalationRisk).to.equal(true);
  });

  it('keeps an escalated case in view for the body that sent it, read only; the receiving body sees where it came from; the resident a sentence', async () => {
    const med = await signIn(product, 'med.c1');
    const { id, code } = await register(med);
    await send(med, id, 'ACCEPT', { consents: ['p1:written', 'p2:written'], rightsNotified: 'on' });
    expect((await send(med, id, 'ESCALATE', { reason: '涉及多户，社区层面难以化解' })).status).to.equal(303);
    const view = await med.get(`/cases/${id}`);
    expect(view.status).to.equal(200);
    expect(view.text).to.include('data-escalated-away').and.include('data-read-only');
    expect(view.text).not.to.include('data-event-form');
    expect(view.text).to.include('138****5678');
    const list = await med.get('/?scope=escalated');
    expect(list.text).to.include(`data-case-id="${id}"`);
    expect((await med.get('/')).text).to.include('已上报');
    const centre = await signIn(product, 'med.s1');
    const theirs = textOf((await centre.get(`/cases/${id}`)).text);
    expect(theirs).to.include('上报来源').and.include('华阳居委物业纠纷调解工作室').and.include('涉及多户，社区层面难以化解');
    const caseNo = (await product.running.services.store.cases.get(id))!.caseNo;
    const resident = await (await import('../support/pages.ts')).pageClient(product);
    await resident.get('/track');
    const tracked = await resident.post('/track', { caseNo, accessCode: code });
    expect(textOf(tracked.text)).to.include('已上报街镇调解联合中心，待其受理').and.include('上报至街镇调解联合中心');
  });

  it('shows the court its 案号 beside ours, a 已处理 list, and no document to issue', async () => {
    const { store, directory, engine } = product.running.services;
    const med = actorOf((await store.users.getByUsername('med.c1'))!, directory);
    const court = actorOf((await store.users.getByUsername('court.liaison'))!, directory);
    const r = (await engine.intake({ channel: 'walk_in', compoundId: 'ou-k1-1-1', category: 'leakage', summary: '漏水', parties: [{ role: 'applicant', kind: 'person', name: '甲' }, { role: 'respondent', kind: 'person', name: '乙' }] }, med)).record;
    await engine.dispatch(r.id, { type: 'ACCEPT', data: acceptData() }, med);
    await engine.dispatch(r.id, { type: 'REFER_TO_COURT', data: { reason: '当事人要求诉讼' } }, med);
    await engine.dispatch(r.id, { type: 'COURT_ACCEPT', data: { courtCaseNo: '（2026）沪0105民初123号' } }, court);
    const liaison = await signIn(product, 'court.liaison');
    const inbox = await liaison.get('/');
    expect(inbox.text).to.match(new RegExp(`<tr data-case-id="${r.id}"><td><a href="/cases/${r.id}">[^<]+</a></td><td>（2026）沪0105民初123号</td>`));
    const page = await liaison.get(`/cases/${r.id}`);
    expect(page.status).to.equal(200);
    expect(page.text).not.to.include('/documents" class="form inline-form"');
    const refused = await liaison.post(`/cases/${r.id}/documents`, { kind: 'court_referral' });
    expect(refused.status).to.equal(403);
  });
});
