// The lists read from the history (workflows/case-lists.ts, issue 17 §2) agree with what the snapshot
// counts, on every workflow version, along many seeded random walks; and the mediators a 2026.3
// session names by default follow the case through escalation and a new acceptance.
import { expect } from 'chai';
import type { Actor, EventFacts } from '../../workflows/case.types.ts';
import { sessionTally } from '../../workflows/case-lists.ts';
import type { EventType } from '../../workflows/vocabulary.ts';
import { acceptData, CaseDriver, expert, intake, med } from '../support/workflow.ts';
import { rng } from '../support/rng.ts';

type Move = [EventType, Record<string, unknown>, Actor, EventFacts?];
const MOVES: Move[] = [
  ['ACCEPT', acceptData(), med()],
  ['INVITE_EXPERT', { expertId: 'ex', consentOf: ['p1', 'p2'] }, med(), { expertExists: true }],
  ['INVITE_EXPERT', { expertId: 'ex' }, med(), { expertExists: true }],
  ['ADD_OPINION', { text: '意见' }, expert],
  ['INVITE_PARTICIPANT', { kind: 'unit', unit: '房管办', consentOf: ['p1', 'p2'] }, med()],
  ['RECORD_INVESTIGATION', { whom: '物业', what: '管道', findings: '渗漏' }, med()],
  ['SCHEDULE_SESSION', { at: '2026-12-01T14:00:00+08:00', place: '调解室' }, med()],
  ['RECORD_SESSION', { summary: '调解' }, med()],
  ['RECORD_SESSION', { summary: '调解', attendees: [{ partyId: 'p1', name: '张三' }], recorder: '书记员' }, med()],
  ['RECORD_SESSION', { summary: '调解', mediatorIds: ['m2'] }, med()],
  ['ASSIGN', { mediatorIds: ['m2'] }, med(), { mediatorsValid: true, conflicts: [] }],
  ['REQUEST_RECUSAL', { mediatorId: 'm1', reason: '亲属' }, med()],
  ['REQUEST_RECUSAL', { mediatorId: 'm2', reason: '同事' }, med()],
];

describe('workflows: the lists in the history (issue 17 §2)', () => {
  for (const version of ['2026.1', '2026.2', '2026.3']) {
    it(`${version}: along random walks the history gives as many sessions as the snapshot counts, and the snapshot holds no list`, () => {
      let sessionsSeen = 0;
      for (let seed = 1; seed <= 40; seed++) {
        const random = rng(seed);
        const c = new CaseDriver(intake(), version);
        for (let step = 0; step < 60; step++) {
          const [type, data, actor, facts] = MOVES[Math.floor(random() * MOVES.length)];
          if (!c.try(type, data, actor, facts).ok) continue;
          c.send(type, data, actor, facts);
          const tally = sessionTally(c.ctx);
          const { sessions } = c.lists;
          expect(sessions.length, `${version} seed ${seed} step ${step}`).to.equal(tally.count);
          expect(sessions.filter((s) => s.recordedAt !== undefined).length).to.equal(tally.recorded);
          // the recorded ones come first, numbered in order
          expect(sessions.map((s) => s.no)).to.deep.equal(sessions.map((_, i) => i + 1));
          expect(sessions.slice(0, tally.recorded).every((s) => s.recordedAt !== undefined)).to.equal(true);
          for (const l of ['sessions', 'opinions', 'participants', 'investigations']) expect(c.ctx).not.to.have.property(l);
        }
        sessionsSeen += c.lists.sessions.length;
      }
      expect(sessionsSeen, 'the walks reach sessions').to.be.greaterThan(100);
    });
  }

  it('2026.3: a session recorded without naming mediators names those on record then, through escalation and a new acceptance', () => {
    const c = new CaseDriver(intake(), '2026.3');
    c.send('ACCEPT', acceptData());
    c.send('RECORD_SESSION', { summary: '社区第一次' });
    c.send('ESCALATE', { reason: '需街道调解' });
    c.send('ACCEPT', acceptData(), med('b-centre', 'm3'));
    c.send('RECORD_SESSION', { summary: '街道第一次' }, med('b-centre', 'm3'));
    c.send('REQUEST_RECUSAL', { mediatorId: 'm3', reason: '亲属' }, med('b-centre', 'm3'));
    c.send('RECORD_SESSION', { summary: '回避后' }, med('b-centre', 'm3'));
    expect(c.lists.sessions.map((s) => s.mediatorIds)).to.deep.equal([['m1'], ['m3'], []]);
  });
});
