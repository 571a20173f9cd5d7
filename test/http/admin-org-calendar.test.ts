// /api/admin: the organisation edited (validated, audited, the Org refreshed at once) and a year's
// holiday schedule previewed from the notice's text — which provisional deadlines move, and where to —
// before POST /api/admin/calendar sets it and the cases get DEADLINES_RECALCULATED.
import { expect } from 'chai';
import { startProduct, type Product } from '../support/http.ts';

// a 2027 schedule in the notice's words (made up for the test: the real one names other days)
const NOTICE_2027 = `国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至13日（农历正月初八、周六）放假调休，共9天。2月20日（周六）上班。`;

describe('admin: the organisation and the holiday calendar', () => {
  let p: Product;
  beforeEach(async () => {
    p = await startProduct();
  });
  afterEach(async () => {
    await p.close();
  });
  const audit = async () => (await p.get('/api/admin/audit?limit=50').expect(200)).body.items as Array<{ action: string; detail: any }>;

  it('adds a compound with its street address under a community; it can take cases at once', async () => {
    const res = await p.post('/api/admin/org/units').send({ name: '新城花园', kind: 'compound', parentId: 'ou-c1-1', address: '示范路88号' }).expect(201);
    const unit = res.body.unit;
    expect(unit).to.include({ name: '新城花园', kind: 'compound', parentId: 'ou-c1-1', address: '示范路88号' });
    const tree = (await p.get('/api/org', 'med.c1').expect(200)).body;
    const community = tree.children.flatMap((s: any) => s.children).find((c: any) => c.id === 'ou-c1-1');
    expect(community, JSON.stringify(tree).slice(0, 300)).to.be.an('object');
    expect(community.children.find((c: any) => c.id === unit.id)).to.include({ address: '示范路88号' });
    // the Directory refreshed: intake in the new compound is routed to the community's body
    const intake = await p.intake('med.c1', { compoundId: unit.id });
    expect(intake.case.body.id).to.equal('b-c1-1');

    const renamed = await p.patch(`/api/admin/org/units/${unit.id}`).send({ name: '新城花园一期', address: '示范路88弄' }).expect(200);
    expect(renamed.body.unit).to.include({ name: '新城花园一期', address: '示范路88弄' });
    const entries = await audit();
    expect(entries.find((e) => e.action === 'org.unit.added')!.detail.unit.id).to.equal(unit.id);
    expect(entries.find((e) => e.action === 'org.unit.updated')!.detail.before.name).to.equal('新城花园');
  });

  it('refuses a unit under the wrong kind of parent, an address on a community, a sibling name twice, and non-admins', async () => {
    const wrong = await p.post('/api/admin/org/units').send({ name: 'X', kind: 'compound', parentId: 'ou-s1' }).expect(400);
    expect(wrong.body.error.details[0].field).to.equal('parentId');
    const address = await p.post('/api/admin/org/units').send({ name: 'Y社区', kind: 'community', parentId: 'ou-s1', address: '某路1号' }).expect(400);
    expect(address.body.error.details[0].field).to.equal('address');
    const existing = (await p.get('/api/admin/org').expect(200)).body.units.find((u: any) => u.parentId === 'ou-c1-1');
    await p.post('/api/admin/org/units').send({ name: existing.name, kind: 'compound', parentId: 'ou-c1-1' }).expect(409);
    await p.post('/api/admin/org/units', 'med.c1').send({ name: 'Z', kind: 'compound', parentId: 'ou-c1-1' }).expect(403);
    await p.patch('/api/admin/org/units/ou-none').send({ name: 'Z' }).expect(404);
    await p.patch('/api/admin/org/units/ou-c1-1').send({ parentId: 'ou-s2' }).expect(400); // units never move
  });

  it("adds a community with its body and committee name, edits a body's committee name, and refuses a second body or a taken short name", async () => {
    const community = (await p.post('/api/admin/org/units').send({ name: '新城社区', kind: 'community', parentId: 'ou-s1' }).expect(201)).body.unit;
    const body = (
      await p.post('/api/admin/org/bodies').send({ name: '新城社区人民调解室', shortName: '新城', tier: 'community', orgUnitId: community.id, committeeName: '新城社区人民调解委员会' }).expect(201)
    ).body.body;
    expect(body).to.include({ tier: 'community', orgUnitId: community.id, committeeName: '新城社区人民调解委员会' });
    expect((await p.get('/api/org').expect(200)).body.children.flatMap((s: any) => s.children).find((c: any) => c.id === community.id).bodyId).to.equal(body.id);

    const second = await p.post('/api/admin/org/bodies').send({ name: '又一个', shortName: '又一', tier: 'community', orgUnitId: community.id }).expect(409);
    expect(second.body.error.code).to.equal('DUPLICATE');
    const taken = (await p.get('/api/admin/org').expect(200)).body.bodies.find((b: any) => b.id === 'b-c1-1').shortName;
    const compound = (await p.post('/api/admin/org/units').send({ name: '新城一号院', kind: 'compound', parentId: community.id }).expect(201)).body.unit;
    await p.post('/api/admin/org/bodies').send({ name: 'X', shortName: 'X', tier: 'community', orgUnitId: compound.id }).expect(400); // a compound has no body
    await p.patch(`/api/admin/org/bodies/${body.id}`).send({ shortName: taken }).expect(409);

    const edited = await p.patch('/api/admin/org/bodies/b-c1-1').send({ committeeName: '华阳社区人民调解委员会' }).expect(200);
    expect(edited.body.body.committeeName).to.equal('华阳社区人民调解委员会');
    expect((await audit()).find((e) => e.action === 'org.body.updated')!.detail.after.committeeName).to.equal('华阳社区人民调解委员会');
  });

  it('previews a 2027 notice: what was read, and which provisional deadline moves where; confirming moves it exactly so', async () => {
    // to Thursday 2027-02-04: an acceptance deadline of 3 working days runs into the unknown Spring Festival
    await p.post('/api/admin/clock').send({ advanceMinutes: 73 * 24 * 60 }).expect(200);
    const { case: c } = await p.intake('med.c1');
    const got = (await p.get(`/api/cases/${c.id}`, 'med.c1').expect(200)).body;
    const acceptance = (got.case ?? got).deadlines.find((d: any) => d.kind === 'acceptance');
    expect(acceptance).to.include({ provisional: true });
    expect(acceptance.dueAt.slice(0, 10)).to.equal('2027-02-09'); // Fri 5th, Mon 8th, Tue 9th

    const preview = await p.post('/api/admin/calendar/preview').send({ text: NOTICE_2027 }).expect(200);
    expect(preview.body).to.include({ year: 2027, replaces: false });
    expect(preview.body.holidays).to.include.members(['2027-01-01', '2027-02-05', '2027-02-13']);
    expect(preview.body.workdays).to.deep.equal(['2027-02-20']);
    expect(preview.body.parsed.lines.map((l: any) => l.name)).to.deep.equal(['元旦', '春节']);
    const move = preview.body.moves.find((m: any) => m.caseId === c.id);
    expect(move).to.deep.include({ caseNo: c.caseNo, kind: 'acceptance', bodyId: 'b-c1-1', oldDueAt: acceptance.dueAt, stillProvisional: false });
    expect(move.bodyName).to.be.a('string').and.not.equal('b-c1-1');
    expect(move.newDueAt.slice(0, 10)).to.equal('2027-02-17'); // after the holiday: Mon 15th, Tue 16th, Wed 17th
    // nothing changed yet
    expect((await p.get('/api/admin/settings').expect(200)).body.calendarYears).to.deep.equal([]);

    await p.post('/api/admin/calendar').send({ year: 2027, holidays: preview.body.holidays, workdays: preview.body.workdays }).expect(200);
    const after = (await p.get(`/api/cases/${c.id}`, 'med.c1').expect(200)).body;
    const view = after.case ?? after;
    expect(view.deadlines.find((d: any) => d.kind === 'acceptance')).to.include({ dueAt: move.newDueAt, provisional: false });
    const history = (await p.get(`/api/cases/${c.id}/history`, 'med.c1').expect(200)).body;
    expect(JSON.stringify(history)).to.contain('DEADLINES_RECALCULATED');
    expect((await audit()).find((e) => e.action === 'calendar.year')!.detail).to.include({ year: 2027 });

    // a second preview of the same year says it replaces, and nothing is provisional any more
    const again = await p.post('/api/admin/calendar/preview').send({ text: NOTICE_2027 }).expect(200);
    expect(again.body).to.include({ replaces: true });
    expect(again.body.moves).to.deep.equal([]);
  });

  it('refuses a preview without dates, without a year, with dates of two kinds of input, or from a non-admin', async () => {
    const none = await p.post('/api/admin/calendar/preview').send({ text: '没有日期' }).expect(400);
    expect(none.body.error.details[0].field).to.equal('text');
    const noYear = await p.post('/api/admin/calendar/preview').send({ text: '元旦：1月1日至3日放假' }).expect(400);
    expect(noYear.body.error.message).to.match(/year/);
    await p.post('/api/admin/calendar/preview').send({ text: '元旦：1月1日至3日放假', year: 2027 }).expect(200);
    await p.post('/api/admin/calendar/preview').send({ text: '2027-01-01', holidays: ['2027-01-01'] }).expect(400);
    await p.post('/api/admin/calendar/preview').send({ year: 2027, holidays: ['2028-01-01'], workdays: [] }).expect(400);
    await p.post('/api/admin/calendar/preview', 'med.c1').send({ text: '2027-01-01' }).expect(403);
  });
});
