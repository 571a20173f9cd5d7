// A long-lived case (issue 17 §2): sessions, opinions, invitations and investigations live in the
// history, not in the workflow's snapshot, so an event's cost stays flat as a case ages. What staff
// and residents see must not change with that: the case view (two viewers, one masked), the history
// and the resident's tracking view of a case with many sessions are compared with a recording made by
// the code from before the change (test/http/fixtures/long-case.json; `LONG_CASE_RECORD=1` records it
// again: only ever from code known to be right). The snapshot itself is checked to stay small.
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProduct, type Product } from '../support/http.ts';
import { acceptData } from '../support/workflow.ts';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'long-case.json');
const SESSIONS = 40;

/** The case's own id, numbers and hashes differ from run to run: replaced by stable names. */
function stable(value: unknown, names: Map<string, string>): unknown {
  const text = JSON.stringify(value).replace(/\b[0-9a-f]{64}\b/g, '<hash>');
  return JSON.parse([...names].reduce((t, [from, to]) => t.split(from).join(to), text));
}

describe('HTTP: a long-lived case looks the same with its lists in the history (issue 17 §2)', function () {
  this.timeout(120_000);
  let p: Product;
  let recorded: Record<string, unknown>;
  let snapshotBytes = 0;
  before(async () => {
    p = await startProduct();
    const advance = (minutes: number) => p.post('/api/admin/clock', 'admin').send({ advanceMinutes: minutes }).expect(200);
    const { case: c, accessCode } = await p.intake('med.c1');
    const id = c.id as string;
    const med = p.userIds['med.c1'];
    const expert = p.userIds['expert.law'];
    await p.event('med.c1', id, 'ACCEPT', acceptData());
    await advance(30);
    await p.event('med.c1', id, 'INVITE_EXPERT', { expertId: expert, consentOf: ['p1', 'p2'] });
    await p.event('med.c1', id, 'INVITE_PARTICIPANT', { kind: 'relative', name: '张三之子张小明', consentOf: ['p1', 'p2'] });
    await p.event('med.c1', id, 'INVITE_PARTICIPANT', { kind: 'unit', unit: '街道房管办', consentOf: ['p1', 'p2'] });
    for (let i = 1; i <= SESSIONS; i++) {
      await advance(60 * 24);
      const at = `2026-12-${String(1 + (i % 28)).padStart(2, '0')}T14:00:00+08:00`;
      // a mix: scheduled then held, held without scheduling, two scheduled before either is held
      if (i % 5 === 0) {
        await p.event('med.c1', id, 'SCHEDULE_SESSION', { at, place: `社区调解室${i}（电话13812345678）` });
        await p.event('med.c1', id, 'SCHEDULE_SESSION', { at, place: '小区会所' });
        await p.event('med.c1', id, 'RECORD_SESSION', { summary: `第${i}次：双方陈述` });
        await advance(10);
        await p.event('med.c1', id, 'RECORD_SESSION', { summary: `第${i}次续：现场查看`, recorder: '书记员李某', attendees: [{ partyId: 'p1', name: '张三' }] });
      } else if (i % 3 === 0) {
        await p.event('med.c1', id, 'RECORD_SESSION', { summary: `第${i}次：电话调解，当事人联系电话13912345678`, mediatorIds: [med] });
      } else {
        await p.event('med.c1', id, 'SCHEDULE_SESSION', { at, place: `社区调解室${i}` });
        await advance(5);
        await p.event('med.c1', id, 'RECORD_SESSION', {
          summary: `第${i}次：双方到场，调解员释法析理`,
          attendees: [
            { partyId: 'p1', name: '张三' },
            { partyId: 'p2', name: '物业经理王某' },
          ],
        });
      }
      if (i % 7 === 0) await p.event('expert.law', id, 'ADD_OPINION', { text: `第${i}次会后意见：依据《民法典》第二百八十六条，建议修复` });
      if (i % 9 === 0) await p.event('med.c1', id, 'RECORD_INVESTIGATION', { whom: '物业维修部', what: `第${i}次查看管道`, findings: '立管老化渗漏' });
      if (i === 20) {
        // the mediator steps aside and is assigned again (a recorded override): sessions meanwhile have no mediator
        await p.event('med.c1', id, 'REQUEST_RECUSAL', { mediatorId: med, reason: '当事人申请回避', requestedBy: 'p1' });
        await p.event('med.c1', id, 'RECORD_SESSION', { summary: '回避期间：书记员记录双方意见' });
        await p.event('med.c1', id, 'ASSIGN', { mediatorIds: [med], overrides: [{ mediatorId: med, reason: '经审查回避理由不成立' }] });
      }
    }
    // one scheduled and not yet held: the resident's next session, the page's pending one
    await p.event('med.c1', id, 'SCHEDULE_SESSION', { at: '2027-03-01T09:30:00+08:00', place: '社区调解室（3号楼1202室旁）' });
    const staff = (await p.get(`/api/cases/${id}`, 'med.c1').expect(200)).body;
    const masked = (await p.get(`/api/cases/${id}`, 'expert.law').expect(200)).body;
    const history = (await p.get(`/api/cases/${id}/history`, 'med.c1').expect(200)).body;
    const track = (await p.get(`/api/track/${encodeURIComponent(staff.caseNo)}`, null).set('X-Access-Code', accessCode).expect(200)).body;
    const names = new Map([
      [id, '<case>'],
      [staff.caseNo as string, '<caseNo>'],
    ]);
    recorded = stable({ staff, masked, history, track }, names) as Record<string, unknown>;
    const record = await p.running.services.store.cases.get(id);
    snapshotBytes = JSON.stringify(record!.snapshot).length;
    if (process.env.LONG_CASE_RECORD === '1') writeFileSync(FIXTURE, `${JSON.stringify(recorded, null, 1)}\n`);
  });
  after(async () => {
    await p.close();
  });

  const expected = () => JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, any>;

  it('the staff view (personal data in full) is what it was: every session, opinion, invitation and investigation', () => {
    const want = expected().staff;
    expect(want.sessions.length, 'the recording has the sessions').to.be.greaterThan(SESSIONS);
    expect(recorded.staff).to.deep.equal(want);
  });

  it('the masked view (an invited expert) is what it was', () => {
    expect(recorded.masked).to.deep.equal(expected().masked);
  });

  it('the history and the resident’s tracking view (next session) are what they were', () => {
    expect(recorded.history).to.deep.equal(expected().history);
    expect(recorded.track).to.deep.equal(expected().track);
    expect((recorded.track as { nextSession: unknown }).nextSession).to.deep.include({ at: '2027-03-01T09:30:00+08:00' });
  });

  it('the snapshot does not carry the sessions: it stays the size of a new case’s', () => {
    expect(snapshotBytes).to.be.below(4000);
  });
});
