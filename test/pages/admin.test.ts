// The /admin pages as a browser without scripts uses them (supertest with cookies and the pages' CSRF
// tokens): accounts (edit, deactivate, reset → forced change), the organisation, and a holiday year
// pasted as the notice's text, previewed with the deadlines that move, then confirmed.
import { expect } from 'chai';
import request from 'supertest';
import { intakeForm, PASSWORD, signIn, startProduct, textOf, type Product } from '../support/pages.ts';

const NOTICE_2027 = `国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至13日（农历正月初八、周六）放假调休，共9天。2月20日（周六）上班。`;

describe('pages: administration of accounts, the organisation and the holiday calendar', () => {
  let product: Product;
  beforeEach(async () => {
    product = await startProduct();
  });
  afterEach(async () => {
    await product.close();
  });

  it('edits a user, says which rule a refused body breaks, and lists the change', async () => {
    const admin = await signIn(product, 'admin');
    const list = await admin.get('/admin');
    const href = '/admin/users/u-med-c2';
    expect(list.text).to.contain(`href="${href}"`);
    const edit = await admin.get(href!);
    expect(edit.status).to.equal(200);
    expect(textOf(edit.text)).to.contain('李建国');

    const bad = await admin.post(href!, { name: '李建国', role: 'court_liaison', bodyId: 'b-c1-2', expertise: '', employer: '', relatives: '' });
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain('error-summary');
    expect(textOf(bad.text)).to.contain('法院联络员须属于法院');

    const ok = await admin.post(href!, { name: '李建国', role: 'mediator', bodyId: 'b-c1-2', expertise: '', employer: '某物业公司', relatives: '李大，李二' });
    expect(ok.status).to.equal(303);
    const user = (await product.running.services.store.users.getByUsername('med.c2'))!;
    expect(user.profile).to.deep.include({ employer: '某物业公司', relatives: ['李大', '李二'] });
  });

  it('deactivating signs the user out at once; a reset shows a temporary password once and forces a new one before anything else', async () => {
    const admin = await signIn(product, 'admin');
    const mediator = await signIn(product, 'med.c1');
    expect((await mediator.get('/')).status).to.equal(200);
    const id = (await product.running.services.store.users.getByUsername('med.c1'))!.id;

    const unconfirmed = await admin.post(`/admin/users/${id}/active`, { active: 'false' });
    expect(unconfirmed.status).to.equal(400);
    expect(textOf(unconfirmed.text)).to.contain('请先勾选确认');
    expect((await mediator.get('/')).status).to.equal(200); // nothing happened
    expect((await admin.post(`/admin/users/${id}/active`, { active: 'false', confirm: 'yes' })).status).to.equal(303);
    const out = await mediator.get('/');
    expect(out.status).to.equal(303);
    expect(out.headers.location).to.match(/^\/login/);
    const self = await admin.post(`/admin/users/${(await product.running.services.store.users.getByUsername('admin'))!.id}/active`, { active: 'false', confirm: 'yes' });
    expect(self.status).to.equal(400);
    expect(textOf(self.text)).to.contain('不能停用自己的账号');
    expect((await admin.post(`/admin/users/${id}/active`, { active: 'true' })).status).to.equal(303);

    const reset = await admin.post(`/admin/users/${id}/password-reset`, {});
    expect(reset.status).to.equal(200);
    expect(reset.headers['cache-control']).to.equal('no-store');
    const temp = /id="notice-value">([^<]+)</.exec(reset.text)?.[1];
    expect(temp).to.match(/^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$/);
    expect((await admin.get('/admin')).text).to.contain('待改密码');

    const back = (await import('../support/pages.ts')).pageClient(product);
    expect((await back.post('/login', { username: 'med.c1', password: temp! }, { csrf: false })).status).to.equal(303);
    const forced = await back.get('/');
    expect(forced.status).to.equal(303);
    expect(forced.headers.location).to.equal('/account/password');
    expect((await back.get('/intake')).headers.location).to.equal('/account/password');
    const form = await back.get('/account/password');
    expect(textOf(form.text)).to.contain('管理员已重置您的密码');
    const mismatch = await back.post('/account/password', { currentPassword: temp!, newPassword: 'new-password-2026', newPasswordAgain: 'other-password-2026' });
    expect(mismatch.status).to.equal(400);
    expect(textOf(mismatch.text)).to.contain('两次输入的新密码不一致');
    const wrong = await back.post('/account/password', { currentPassword: 'not-it', newPassword: 'new-password-2026', newPasswordAgain: 'new-password-2026' });
    expect(textOf(wrong.text)).to.contain('当前密码不正确');
    const done = await back.post('/account/password', { currentPassword: temp!, newPassword: 'new-password-2026', newPasswordAgain: 'new-password-2026' });
    expect(done.status).to.equal(303);
    expect((await back.get('/')).status).to.equal(200);
    await request(product.running.app).post('/api/auth/login').send({ username: 'med.c1', password: 'new-password-2026' }).expect(200);
    await request(product.running.app).post('/api/auth/login').send({ username: 'med.c1', password: PASSWORD }).expect(401);
  });

  it('adds a compound with its address, refuses a wrong parent with the rule, and sets a committee name', async () => {
    const admin = await signIn(product, 'admin');
    expect((await admin.get('/admin/org/units/new')).status).to.equal(200);
    const wrong = await admin.post('/admin/org/units', { kind: 'compound', parentId: 'ou-s1', name: '错层小区', address: '' });
    expect(wrong.status).to.equal(400);
    expect(textOf(wrong.text)).to.contain('上级单位类型不对');
    const added = await admin.post('/admin/org/units', { kind: 'compound', parentId: 'ou-c1-1', name: '新城花园', address: '示范路88号' });
    expect(added.status).to.equal(303);
    const page = textOf((await admin.get('/admin')).text);
    expect(page).to.contain('新城花园');
    expect(page).to.contain('示范路88号');

    expect((await admin.post('/admin/org/bodies/b-c1-1', { name: '华阳社区人民调解室', shortName: '示范华阳', committeeName: '华阳社区人民调解委员会' })).status).to.equal(303);
    expect(textOf((await admin.get('/admin')).text)).to.contain('华阳社区人民调解委员会');
    const taken = await admin.post('/admin/org/bodies/b-c1-2', { name: '天山', shortName: '示范华阳', committeeName: '' });
    expect(taken.status).to.equal(400);
    expect(textOf(taken.text)).to.contain('简称已被其他组织使用');
  });

  it('speaks English too: the calendar, a user, a unit and the password pages', async () => {
    const admin = await signIn(product, 'admin');
    const pages: Array<[string, string]> = [
      ['/admin/calendar?lang=en', "Upload a year's holiday schedule"],
      ['/admin/users/u-med-c1?lang=en', 'Reset the password'],
      ['/admin/org/units/ou-k1-1-1?lang=en', 'Street address (compounds)'],
      ['/admin/org/bodies/new?lang=en', "People's mediation committee"],
      ['/account/password?lang=en', 'Current password'],
      ['/dashboard?lang=en', 'Overdue cases'],
    ];
    for (const [path, words] of pages) {
      const res = await admin.get(path);
      expect(res.status, path).to.equal(200);
      expect(textOf(res.text).replace(/&#x27;/g, "'"), path).to.contain(words);
      expect(textOf(res.text), path).not.to.match(/\b[a-z]+_[a-z_]+\b(?![^<]*>)/); // no untranslated key
    }
  });

  it('previews a pasted 2027 notice with the deadline that moves, and loads it on confirmation', async () => {
    const admin = await signIn(product, 'admin');
    product.running.services.testClock!.advance(73 * 24 * 3_600_000); // to Thursday 2027-02-04
    const mediator = await signIn(product, 'med.c1');
    const intake = await mediator.post('/intake', intakeForm());
    expect(intake.status).to.equal(201);

    const empty = await admin.post('/admin/calendar/preview', { text: '没有日期', year: '' });
    expect(empty.status).to.equal(400);
    expect(textOf(empty.text)).to.contain('没有读到日期');

    const preview = await admin.post('/admin/calendar/preview', { text: NOTICE_2027, year: '' });
    expect(preview.status).to.equal(200);
    const text = textOf(preview.text);
    expect(text).to.contain('2027年节假日安排预览');
    expect(text).to.contain('春节');
    expect(text).to.contain('受理');
    expect(text).to.contain('2027-02-09');
    expect(text).to.contain('2027-02-17');
    expect(product.running.services.settings.all.calendarYears).to.deep.equal([]); // nothing changed yet

    const holidays = /name="holidays" value="([^"]*)"/.exec(preview.text)![1];
    const confirmed = await admin.post('/admin/calendar', { year: '2027', holidays, workdays: '2027-02-20', source: '' });
    expect(confirmed.status).to.equal(303);
    expect(product.running.services.settings.all.calendarYears.map((y) => y.year)).to.deep.equal([2027]);
    expect(textOf((await admin.get('/admin/calendar')).text)).to.contain('2027年节假日安排已载入');
  });
});
