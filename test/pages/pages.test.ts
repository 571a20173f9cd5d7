// The pages without a browser (supertest): who sees which page, the forms working without
// JavaScript (intake → a case; an event form → the state changes), inline validation errors, CSRF,
// the 404 and error pages, escaping, masking, languages.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import request from 'supertest';
import { ACCESS, intakeForm, pageClient, registerCase, sendEvent, signIn, startProduct, textOf, type Product } from '../support/pages.ts';
import { PARTICULARS } from '../support/workflow.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

/** the ACCEPT form filled in (workflow 2026.3): both parties consent, the rights notice given */
const ACCEPT_FORM = { consents: ['p1:written', 'p2:oral'], rightsNotified: 'on' };

describe('pages', function () {
  this.timeout(30_000);
  let product: Product;
  before(async () => {
    product = await startProduct();
  });
  after(async () => {
    await product.close();
  });

  describe('signed out', () => {
    for (const p of ['/', '/intake', '/dashboard', '/admin', '/cases/c123', '/court/delegations']) {
      it(`sends a visitor of ${p} to /login and back afterwards`, async () => {
        const res = await request(product.running.app).get(p).expect(303);
        expect(res.headers.location).to.equal(`/login?next=${encodeURIComponent(p)}`);
      });
    }

    it('shows the login form with the fields username and password, labelled', async () => {
      const res = await request(product.running.app).get('/login').expect(200).expect('content-type', /html/);
      expect(res.text).to.match(/<html lang="zh-CN">/);
      expect(res.text).to.include('name="username"').and.include('name="password"');
      expect(res.text).to.include('<label for="username">').and.include('<label for="password">');
    });

    it('shows the tracking form with the fields caseNo and accessCode to anyone', async () => {
      const res = await request(product.running.app).get('/track').expect(200);
      expect(res.text).to.include('name="caseNo"').and.include('name="accessCode"');
    });

    it('refuses a wrong password on the same form, with a message and no session', async () => {
      const res = await pageClient(product).post('/login', { username: 'med.c1', password: 'wrong-password' }, { csrf: false });
      expect(res.status).to.equal(401);
      expect(res.text).to.include('用户名或密码不正确');
      expect(res.headers['set-cookie'] ?? []).to.satisfy((c: string[]) => !c.some((x) => x.startsWith('wuye_session=')));
    });

    it('signs in and returns to the page asked for', async () => {
      const res = await pageClient(product).post('/login', { username: 'med.c1', password: 'demo-pass-2026', next: '/intake' }, { csrf: false });
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal('/intake');
    });

    it('never redirects off-site after sign-in', async () => {
      const res = await pageClient(product).post('/login', { username: 'med.c1', password: 'demo-pass-2026', next: '//evil.example/x' }, { csrf: false });
      expect(res.headers.location).to.equal('/');
    });
  });

  describe('missing pages and errors', () => {
    it('answers a missing page with a 404 page, not JSON and not a stack trace', async () => {
      const res = await request(product.running.app).get('/no-such-page').expect(404).expect('content-type', /html/);
      expect(res.text).to.include('页面不存在');
      expect(res.text).not.to.match(/at \w+ \(|node_modules|Error:/);
    });

    it('keeps JSON 404s for the API', async () => {
      const res = await request(product.running.app).get('/api/no-such-thing').expect(404).expect('content-type', /json/);
      expect(res.body.error.code).to.equal('NOT_FOUND');
    });

    it('answers a case the user may not read with the 404 page', async () => {
      const c1 = await signIn(product, 'med.c1');
      const { id } = await registerCase(c1);
      const c2 = await signIn(product, 'med.c2');
      const res = await c2.get(`/cases/${id}`);
      expect(res.status).to.equal(404);
      expect(res.text).to.include('页面不存在');
      expect((await c2.get('/cases/..%2F..%2Fetc')).status).to.equal(404);
    });

    it('shows the 403 page when a role may not use a page', async () => {
      const med = await signIn(product, 'med.c1');
      const res = await med.get('/admin');
      expect(res.status).to.equal(403);
      expect(res.text).to.include('无权访问');
    });

    it('serves the stylesheet, the scripts and the vendored libraries', async () => {
      const app = product.running.app;
      await request(app).get('/public/css/app.css').expect(200).expect('content-type', /css/);
      await request(app).get('/public/js/live-case.js').expect(200).expect('content-type', /javascript/);
      const io = await request(app).get('/vendor/socket.io.min.js').expect(200);
      expect(io.headers['cache-control']).to.match(/max-age=\d{6,}/);
      await request(app).get('/vendor/chart.umd.min.js').expect(200);
    });
  });

  describe('the start page of each role', () => {
    it('gives a mediator the workbench with the body queue, filters and counts', async () => {
      const med = await signIn(product, 'med.c1');
      const res = await med.get('/');
      expect(res.status).to.equal(200);
      expect(res.text).to.include('调解工作台').and.include('本机构').and.include('我承办的');
      expect(res.text).to.include('name="status"').and.include('name="category"').and.include('name="compoundId"').and.include('name="q"');
      expect(res.text).to.match(/共 \d+ 件/);
    });

    it('gives the court liaison the inbox', async () => {
      const court = await signIn(product, 'court.liaison');
      const res = await court.get('/');
      expect(res.text).to.include('诉调对接收件箱').and.include('移送的案件').and.include('司法确认申请');
    });

    it('gives an expert the cases they were invited to', async () => {
      const expert = await signIn(product, 'expert.law');
      expect((await expert.get('/')).text).to.include('邀请我参与的案件');
    });

    it('gives an administrator every case, the dashboard and the administration', async () => {
      const admin = await signIn(product, 'admin');
      expect((await admin.get('/')).text).to.include('全部案件');
      const adm = await admin.get('/admin');
      expect(adm.status).to.equal(200);
      expect(adm.text).to.include('组织架构').and.include('华阳花园').and.include('med.c1').and.include('办理期限');
      expect((await admin.get('/dashboard')).status).to.equal(200);
    });

    it('searches the queue in Chinese and filters it', async () => {
      const med = await signIn(product, 'med.c1');
      const { caseNo } = await registerCase(med, { summary: '电梯加装费用分摊争议', category: 'elevator' });
      const hit = await med.get(`/?q=${encodeURIComponent('电梯加装')}`);
      expect(hit.text).to.include(caseNo).and.include('共 1 件');
      const miss = await med.get(`/?q=${encodeURIComponent('电梯加装')}&category=noise`);
      expect(miss.text).not.to.include(caseNo);
      expect(miss.text).to.include('没有符合条件的案件');
    });

    it('switches to English with ?lang=en and remembers it', async () => {
      const med = await signIn(product, 'med.c1');
      const en = await med.get('/?lang=en');
      expect(en.text).to.include('<html lang="en">').and.include('Mediation workbench');
      expect((await med.get('/')).text).to.include('Mediation workbench');
      expect((await med.get('/?lang=zh')).text).to.include('调解工作台');
    });
  });

  describe('intake without JavaScript', () => {
    it('registers a case and shows the access code once, on a printable slip', async () => {
      const med = await signIn(product, 'med.c1');
      const { code, caseNo, id, html } = await registerCase(med);
      expect(code).to.match(/^[A-Z0-9]{6,}$/);
      expect(caseNo).to.include('物调字第');
      expect(html).to.include('当事人查询回执').and.include('data-print');
      const page = await med.get(`/cases/${id}`);
      expect(page.status).to.equal(200);
      expect(page.text).to.include(caseNo).and.include('已登记，待受理');
      expect(page.text).not.to.include(code);
    });

    it('does not register twice when the same form is submitted again', async () => {
      const med = await signIn(product, 'med.c1');
      await med.get('/intake');
      const form = intakeForm();
      const first = await med.post('/intake', form);
      expect(first.status).to.equal(201);
      const again = await med.post('/intake', form);
      expect(again.status).to.equal(303);
      expect(again.text).not.to.match(ACCESS);
    });

    it('shows what is wrong beside each field and keeps what was typed', async () => {
      const med = await signIn(product, 'med.c1');
      await med.get('/intake');
      const res = await med.post('/intake', intakeForm({ summary: '', 'p0.name': '', 'p0.phone': 'not a phone', claims: '漏水<b>x</b>' }));
      expect(res.status).to.equal(400);
      // issue 14: a GOV.UK-style summary naming each field, linking to it
      expect(res.text).to.include('请修改以下问题').and.include('data-error-summary');
      expect(res.text).to.match(/<a href="#summary">事由：必填<\/a>/);
      expect(res.text).to.match(/<a href="#p0-name">当事人 1 · 姓名\/名称：必填<\/a>/);
      expect(res.text).to.match(/id="summary-error">必填</);
      expect(res.text).to.match(/id="p0-name-error">必填</);
      expect(res.text).to.match(/id="p0-phone-error">/);
      expect(res.text).to.match(/id="summary"[^>]*aria-invalid="true"/);
      expect(res.text).to.include('value="not a phone"').and.include('value="310101199001011234"');
      expect(res.text).to.include('漏水&lt;b&gt;x&lt;/b&gt;');
    });

    it('adds a party without JavaScript', async () => {
      const med = await signIn(product, 'med.c1');
      await med.get('/intake');
      const res = await med.post('/intake', intakeForm({ op: 'add-party' }));
      expect(res.status).to.equal(200);
      expect(res.text).to.include('name="p2.name"').and.include('value="3"');
      expect(res.text).to.include('value="张三"');
    });

    it('offers only the compounds of the mediator’s own area', async () => {
      const med = await signIn(product, 'med.c1');
      const res = await med.get('/intake');
      expect(res.text).to.include('华阳花园').and.not.include('天山新村');
    });
  });

  describe('the case page and its event forms', () => {
    it('accepts a case with a form post, then shows the new status and the event in the timeline', async () => {
      const med = await signIn(product, 'med.c1');
      const { id } = await registerCase(med);
      const res = await sendEvent(med, id, 'ACCEPT', ACCEPT_FORM);
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal(`/cases/${id}`);
      const page = await med.get(`/cases/${id}`);
      expect(page.text).to.include('调解中').and.include('已办理：受理');
      expect(page.text).to.match(/tl-ACCEPT/);
      expect(page.text).to.include('调解期限');
    });

    it('人民调解法 art. 17: accepts only with every party’s consent, shown inline; declines with a ground from the list', async () => {
      const med = await signIn(product, 'med.c1');
      const { id } = await registerCase(med);
      const page = await med.get(`/cases/${id}`);
      expect(page.text).to.include('value="p1:written"').and.include('value="p2:oral"').and.include('name="rightsNotified"');
      expect(page.text).to.include('value="party_refuses"').and.include('当事人拒绝调解');
      const partial = await sendEvent(med, id, 'ACCEPT', { consents: ['p1:written'], rightsNotified: 'on' });
      expect(partial.status).to.equal(422);
      expect(partial.text).to.match(/id="accept-consents-error">须每一方当事人同意/);
      expect((await med.get(`/cases/${id}`)).text).to.include('已登记，待受理');
      // issue 14: a grave action asks first; the confirmation carries the values on
      const asked = await sendEvent(med, id, 'DECLINE', { ground: 'party_refuses', reason: '被申请人明确拒绝调解' });
      expect(asked.status).to.equal(200);
      expect(asked.text).to.include('确认不予受理').and.include('被申请人明确拒绝调解');
      expect((await med.get(`/cases/${id}`)).text).to.include('已登记，待受理');
      const declined = await sendEvent(med, id, 'DECLINE', { ground: 'party_refuses', reason: '被申请人明确拒绝调解', confirmed: 'yes' });
      expect(declined.status).to.equal(303);
      expect((await med.get(`/cases/${id}`)).text).to.include('不予受理');
    });

    it('shows a missing reason inline and changes nothing', async () => {
      const med = await signIn(product, 'med.c1');
      const { id } = await registerCase(med);
      const res = await sendEvent(med, id, 'DECLINE', { reason: '   ' });
      expect(res.status).to.equal(400);
      expect(res.text).to.match(/id="decline-reason-error">必填</);
      expect(res.text).to.match(/<details class="action grave" id="action-decline" open>/);
      expect((await med.get(`/cases/${id}`)).text).to.include('已登记，待受理');
    });

    it('refuses an agreement whose date is not a date, inline', async () => {
      const med = await signIn(product, 'med.c1');
      const { id } = await registerCase(med);
      await sendEvent(med, id, 'ACCEPT', ACCEPT_FORM);
      const res = await sendEvent(med, id, 'REACH_AGREEMENT', { c0_text: '修复漏水', performBy: '2026-13-45' });
      expect(res.status).to.equal(400);
      expect(res.text).to.match(/id="reach_agreement-performBy-error">请输入有效的日期</);
    });

    it('drafts clauses row by row: obligor from the parties, manner, place, amount, date, no performance (若干规定 art. 35(四))', async () => {
      const med = await signIn(product, 'med.c1');
      const { id } = await registerCase(med);
      await sendEvent(med, id, 'ACCEPT', ACCEPT_FORM);
      const form = await med.get(`/cases/${id}`);
      expect(form.text).to.include('name="c0_obligors"').and.include('name="c5_none"').and.include('履行地点');
      const res = await sendEvent(med, id, 'REACH_AGREEMENT', {
        c0_text: '李四向张三赔偿维修费',
        c0_obligors: 'p2',
        c0_manner: '银行转账',
        c0_place: '华阳居委会调解室',
        c0_amount: '12,000',
        c0_performBy: '2026-12-05',
        c1_text: '双方对调解内容保密',
        c1_none: '1',
        performBy: '2026-12-10',
        ...PARTICULARS,
      });
      expect(res.status).to.equal(303);
      const c = (await product.running.services.store.cases.get(id))!.snapshot.context;
      expect(c.agreement!.clauses[0]).to.include({ obligor: 'p2', manner: '银行转账', place: '华阳居委会调解室', amount: 12000, performBy: '2026-12-05' });
      expect(c.agreement!.clauses[0].obligors).to.deep.equal(['p2']);
      expect(c.agreement!.clauses[1]).to.include({ noPerformance: true, performBy: '' });
    });

    it('refuses a clause date after the agreement\'s date on the clause rows (422 INVALID_CLAUSE)', async () => {
      const med = await signIn(product, 'med.c1');
      const { id } = await registerCase(med);
      await sendEvent(med, id, 'ACCEPT', ACCEPT_FORM);
      const res = await sendEvent(med, id, 'REACH_AGREEMENT', { c0_text: '修复', c0_performBy: '2026-12-20', performBy: '2026-12-10', ...PARTICULARS });
      expect(res.status).to.equal(422);
      expect(res.text).to.include('第1条的履行期限2026-12-20晚于协议的履行期限2026-12-10');
      expect(res.text).to.match(/name="c0_text"[^>]*>修复<\/textarea>/); // the rows come back as typed
    });

    it('refuses a signature that misses a party, inline (422)', async () => {
      const med = await signIn(product, 'med.c1');
      const { id } = await registerCase(med);
      await sendEvent(med, id, 'ACCEPT', ACCEPT_FORM);
      expect((await sendEvent(med, id, 'REACH_AGREEMENT', { c0_text: '三日内修复漏水', c1_text: '赔偿500元', performBy: '2026-12-10', ...PARTICULARS })).status).to.equal(303);
      const res = await sendEvent(med, id, 'SIGN_AGREEMENT', { signedBy: ['张三'] });
      expect(res.status).to.equal(422);
      expect(res.text).to.include('须由全部当事人签名');
    });

    it('refuses a form without the CSRF token and changes nothing', async () => {
      const med = await signIn(product, 'med.c1');
      const { id } = await registerCase(med);
      const page = await med.get(`/cases/${id}`);
      const version = /data-case-version="(\d+)"/.exec(page.text)![1];
      const res = await med.post(`/cases/${id}/events`, { type: 'ACCEPT', expectedVersion: version }, { csrf: false });
      expect(res.status).to.equal(403);
      expect(res.text).to.include('表单已过期');
      expect((await med.get(`/cases/${id}`)).text).to.include('已登记，待受理');
      const wrong = await med.agent.post(`/cases/${id}/events`).type('form').send({ type: 'ACCEPT', _csrf: 'forged' });
      expect(wrong.status).to.equal(403);
    });

    it('tells the user when someone else changed the case first, keeping what was typed (409)', async () => {
      const med = await signIn(product, 'med.c1');
      const { id } = await registerCase(med);
      const res = await med.post(`/cases/${id}/events`, { type: 'ACCEPT', expectedVersion: '99' });
      expect(res.status).to.equal(409);
      expect(res.text).to.include('本案已被他人更新');
    });

    it('takes a case to a signed agreement and a document, with forms only', async () => {
      const med = await signIn(product, 'med.c1');
      const { id } = await registerCase(med);
      expect((await sendEvent(med, id, 'ACCEPT', ACCEPT_FORM)).status).to.equal(303);
      expect((await sendEvent(med, id, 'ASSIGN', { mediatorIds: 'u-med-c1' })).status).to.equal(303);
      expect((await sendEvent(med, id, 'SCHEDULE_SESSION', { at: '2026-11-25T14:30', place: '华阳居委会调解室' })).status).to.equal(303);
      expect((await sendEvent(med, id, 'RECORD_SESSION', { summary: '双方同意修复' })).status).to.equal(303);
      expect((await sendEvent(med, id, 'REACH_AGREEMENT', { c0_text: '三日内修复漏水', c1_text: '赔偿500元', performBy: '2026-12-10', ...PARTICULARS })).status).to.equal(303);
      expect((await sendEvent(med, id, 'SIGN_AGREEMENT', { signedBy: ['张三', '李四'] })).status).to.equal(303);
      const page = await med.get(`/cases/${id}`);
      expect(page.text).to.include('协议履行中').and.include('2026-11-25 14:30').and.include('华阳居委会调解室').and.include('三日内修复漏水');
      const issued = await med.post(`/cases/${id}/documents`, { kind: 'agreement' });
      expect(issued.status).to.equal(303);
      const after = await med.get(`/cases/${id}`);
      const href = /href="(\/cases\/[^"]+\/documents\/[^"]+)"/.exec(after.text)?.[1];
      expect(href).to.be.a('string');
      const doc = await med.get(href!);
      expect(doc.status).to.equal(200);
      expect(doc.text).to.include('人民调解协议书');
    });

    it('links a repeat dispute to the earlier one (倒查)', async () => {
      const med = await signIn(product, 'med.c1');
      const first = await registerCase(med, { category: 'pets', summary: '邻居养狗扰民' });
      const second = await registerCase(med, { category: 'pets', summary: '邻居养狗再次扰民' });
      const page = await med.get(`/cases/${second.id}`);
      expect(page.text).to.include('关联案件（倒查）').and.include(`href="/cases/${first.id}"`);
    });

    it('escapes what people typed', async () => {
      const med = await signIn(product, 'med.c1');
      const { id } = await registerCase(med, { summary: '<script>alert(1)</script>漏水', 'p1.name': '<img src=x onerror=alert(1)>' });
      const page = await med.get(`/cases/${id}`);
      expect(page.text).not.to.include('<script>alert(1)</script>');
      expect(page.text).not.to.include('<img src=x');
      expect(page.text).to.include('&lt;script&gt;alert(1)&lt;/script&gt;漏水');
    });

    it('shows personal data in full to the holding body and masked to an invited expert', async () => {
      const med = await signIn(product, 'med.c1');
      const { id } = await registerCase(med);
      expect((await med.get(`/cases/${id}`)).text).to.include('13812345678').and.include('310101199001011234');
      await sendEvent(med, id, 'ACCEPT', ACCEPT_FORM);
      expect((await sendEvent(med, id, 'INVITE_EXPERT', { expertId: 'u-expert-law' })).status).to.equal(303);
      const expert = await signIn(product, 'expert.law');
      const page = await expert.get(`/cases/${id}`);
      expect(page.status).to.equal(200);
      expect(page.text).to.include('138****5678').and.not.include('13812345678').and.not.include('310101199001011234');
      expect(page.text).to.include('专家意见');
    });
  });

  describe('residents', () => {
    it('tracks a case with the number and code, in plain words and without personal data', async () => {
      const med = await signIn(product, 'med.c1');
      const { id, code, caseNo } = await registerCase(med);
      await sendEvent(med, id, 'ACCEPT', ACCEPT_FORM);
      const resident = pageClient(product);
      const res = await resident.post('/track', { caseNo, accessCode: code.toLowerCase() }, { csrf: false });
      expect(res.status).to.equal(200);
      const text = textOf(res.text);
      expect(text).to.include('调解中').and.include('下一步').and.include('调解期限');
      expect(res.text).not.to.match(/1381234|13987654321|310101199001011234|示范路1号/);
      expect(res.text).not.to.include('王丽华'); // no staff names either
    });

    it('answers a wrong code like an unknown case number', async () => {
      const resident = pageClient(product);
      const res = await resident.post('/track', { caseNo: '（2026）示范华阳物调字第99999号', accessCode: 'WRONGCODE' }, { csrf: false });
      expect(res.status).to.equal(404);
      expect(res.text).to.include('案件编号或查询码不正确');
    });
  });

  describe('the court liaison', () => {
    it('accepts a referral from the inbox with a court case number', async () => {
      const med = await signIn(product, 'med.c1');
      const { id, caseNo } = await registerCase(med);
      await sendEvent(med, id, 'ACCEPT', ACCEPT_FORM);
      expect((await sendEvent(med, id, 'REFER_TO_COURT', { reason: '一方拒绝调解' })).status).to.equal(303);
      const court = await signIn(product, 'court.liaison');
      const inbox = await court.get('/');
      expect(inbox.text).to.include(caseNo).and.include('一方拒绝调解');
      const pkg = await court.get(`/cases/${id}`);
      expect(pkg.text).to.include('移送材料').and.include('13812345678');
      const version = /data-case-version="(\d+)"/.exec(pkg.text)![1];
      const res = await court.post(`/cases/${id}/events`, { type: 'COURT_ACCEPT', expectedVersion: version, courtCaseNo: '（2026）沪0105民初1234号', back: '/' });
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal('/');
      const page = await court.get(`/cases/${id}`);
      expect(page.text).to.include('已结案').and.include('（2026）沪0105民初1234号');
    });

    it('delegates a case to mediation with a court deadline', async () => {
      const court = await signIn(product, 'court.liaison');
      await court.get('/court/delegations');
      const res = await court.post('/court/delegations', { ...intakeForm(), courtRef: '（2026）沪0105民诉前调1号', dueAt: '2026-12-20' });
      expect(res.status, res.text.slice(0, 500)).to.equal(201);
      expect(res.text).to.match(ACCESS);
      expect((await court.get('/')).text).to.include('（2026）沪0105民诉前调1号'.slice(0, 6));
    });

    it('delegates an entrusted case (委托) with its procedure, 案由 and 标的额, and asks for the procedure when it is missing', async () => {
      const court = await signIn(product, 'court.liaison');
      const form = await court.get('/court/delegations');
      expect(form.text).to.include('name="mode"').and.include('name="procedure"').and.include('name="causeOfAction"').and.include('name="claimAmount"');
      const fields = { ...intakeForm(), courtRef: '（2026）沪0105民初55号', mode: 'entrusted', causeOfAction: '物业服务合同纠纷', claimAmount: '4800' };
      const missing = await court.post('/court/delegations', fields);
      expect(missing.status).to.equal(400);
      expect(missing.text).to.include('id="procedure-error"');
      const res = await court.post('/court/delegations', { ...fields, procedure: 'summary' });
      expect(res.status, res.text.slice(0, 500)).to.equal(201);
      const inbox = (await court.get('/')).text;
      expect(inbox).to.include('（2026）沪0105民初55号').and.include('委托调解');
    });
  });

  describe('oversight and administration', () => {
    it('draws the dashboard from the statistics, with tables and chart data', async () => {
      const admin = await signIn(product, 'admin');
      const res = await admin.get('/dashboard');
      expect(res.status).to.equal(200);
      expect(res.text).to.include('不出街镇率').and.include('data-chart=').and.include('按纠纷类型');
      // the period starts on this month (Asia/Shanghai; the test clock stands at 2026-11-23), the ledger link with it
      expect(res.text.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&')).to.include('/api/ledger?from=2026-11-01&to=2026-11-23&format=csv');
    });

    it('saves settings from the administration form and shows errors inline', async () => {
      const admin = await signIn(product, 'admin');
      const page = await admin.get('/admin');
      const values: Record<string, string | string[]> = {};
      for (const m of page.text.matchAll(/<input id="[^"]*" name="([^"]+)" (?:type="number" [^>]*)?value="([^"]*)"/g)) values[m[1]] = m[2];
      for (const m of page.text.matchAll(/<select id="[^"]*" name="(limit\.[^"]+)">[\s\S]*?<option value="([^"]+)" selected>/g)) values[m[1]] = m[2];
      values.majorCategories = ['property_handover'];
      values.specialisedCategories = ['maintenance_fund'];
      const bad = await admin.post('/admin/settings', { ...values, majorHouseholds: '0' });
      expect(bad.status).to.equal(400);
      expect(bad.text).to.match(/id="majorHouseholds-error"/);
      const ok = await admin.post('/admin/settings', { ...values, majorHouseholds: '12' });
      expect(ok.status, ok.text.slice(0, 400)).to.equal(303);
      expect((await admin.get('/admin')).text).to.include('value="12"');
    });

    it('sets the company warning rules from the administration page', async () => {
      const admin = await signIn(product, 'admin');
      const page = await admin.get('/admin');
      expect(page.text).to.include('物业服务企业预警规则');
      const form = { 'red.disputes': '30', 'orange.disputes': '10', 'yellow.disputes': '2', 'yellow.recurrences': '1', satisfiedAtLeast: '4' };
      expect((await admin.post('/admin/oversight', { ...form, satisfiedAtLeast: '9' })).status).to.equal(400);
      expect((await admin.post('/admin/oversight', form)).status).to.equal(303);
      expect((await admin.get('/admin')).text).to.match(/id="rule-red-disputes" name="red.disputes" type="number" min="1" value="30"/);
    });

    it('adds a user from the administration page', async () => {
      const admin = await signIn(product, 'admin');
      await admin.get('/admin');
      const res = await admin.post('/admin/users', { username: 'med.new', name: '新调解员', role: 'mediator', bodyId: 'b-c1-1', password: 'a-long-password-1' });
      expect(res.status).to.equal(303);
      expect((await admin.get('/admin')).text).to.include('med.new');
      const dup = await admin.post('/admin/users', { username: 'med.new', name: 'x', role: 'mediator', bodyId: 'b-c1-1', password: 'a-long-password-1' });
      expect(dup.status).to.equal(409);
      expect(dup.text).to.include('用户名已存在');
    });
  });

  describe('templates', () => {
    it('never print anything unescaped', () => {
      for (const dir of ['../../views/pages', '../../views/partials']) {
        for (const f of readdirSync(path.join(here, dir))) {
          const src = readFileSync(path.join(here, dir, f), 'utf8');
          expect(src, f).not.to.match(/\{\{\{|\{\{&/);
        }
      }
    });

    it('have no inline scripts or event handlers (the CSP forbids them)', () => {
      for (const dir of ['../../views/pages', '../../views/partials']) {
        for (const f of readdirSync(path.join(here, dir))) {
          const src = readFileSync(path.join(here, dir, f), 'utf8');
          expect(src, f).not.to.match(/<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+="/i);
        }
      }
    });
  });
});

describe('pages: the per-address sign-in limit', function () {
  this.timeout(30_000);
  let product: Product;
  before(async () => {
    product = await startProduct({ env: { LOGIN_IP_MAX_FAILURES: '2' } });
  });
  after(async () => {
    await product.close();
  });

  it('is one count for the /login form and POST /api/auth/login', async () => {
    await pageClient(product).post('/login', { username: 'ghost-1', password: 'x' }, { csrf: false }).then((r) => expect(r.status).to.equal(401));
    await request(product.running.app).post('/api/auth/login').send({ username: 'ghost-2', password: 'x' }).expect(401);
    // two failures in all, one through each door: both doors are now closed to this address
    const api = await request(product.running.app).post('/api/auth/login').send({ username: 'med.c1', password: 'demo-pass-2026' }).expect(429);
    expect(api.body.error.code).to.equal('RATE_LIMITED');
    const form = await pageClient(product).post('/login', { username: 'med.c1', password: 'demo-pass-2026' }, { csrf: false });
    expect(form.status).to.equal(429);
    expect(form.headers['set-cookie'] ?? []).to.satisfy((c: string[]) => !c.some((x) => x.startsWith('wuye_session=')));
  });
});
