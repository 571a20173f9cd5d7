// 回访 (issue 13 §3): a visit after each distinct clause due date and a final 回头看; the engine arms the
// next planned visit when one is recorded, so a 12-instalment agreement does not wait a year.
import { expect } from 'chai';
import { planDeadlines } from '../../../server/engine/deadlines.ts';
import { createCalendar } from '../../../workflows/calendar/calendar.ts';
import { DEFAULT_LIMITS, DEFAULT_WARNING_FRACTIONS, followUpVisits } from '../../../workflows/deadlines.ts';

const calendar = createCalendar();
const settings = { limits: DEFAULT_LIMITS, fractions: DEFAULT_WARNING_FRACTIONS, followUpOffsets: [7, 30] };
// twelve monthly instalments, the 15th of each month from January 2027
const INSTALMENTS = Array.from({ length: 12 }, (_, i) => `2027-${String(i + 1).padStart(2, '0')}-15`);

function arm(now: string, done: number) {
  const plan = planDeadlines({
    caseId: 'c1',
    current: [],
    commands: [{ type: 'followUp.schedule', performBy: '2027-12-15', dueDates: INSTALMENTS, done }],
    now,
    calendar,
    settings,
  });
  return plan.deadlines.find((d) => d.kind === 'follow_up');
}

describe('follow-up visits per clause due date (issue 13 §3)', () => {
  it('plans a visit after each instalment and a final 回头看 after the last', () => {
    const visits = followUpVisits(calendar, INSTALMENTS, [7, 30]);
    expect(visits).to.have.length(13);
    expect(visits[0]).to.include({ date: '2027-01-22', final: false, dueDate: '2027-01-15' });
    expect(visits[12]).to.include({ final: true, dueDate: '2027-12-15' });
    expect(visits[12].date >= '2028-01-14').to.equal(true);
    // one date: the old plan (date + 7, date + 30)
    expect(followUpVisits(calendar, ['2026-12-10'], [7, 30]).map((v) => v.date)).to.deep.equal(['2026-12-17', '2027-01-11']);
  });

  it('arms the first visit a week after the first instalment, not a year later', () => {
    expect(arm('2026-12-01T10:00:00+08:00', 0)?.dueAt.slice(0, 10)).to.equal('2027-01-22');
  });

  it('arms the next planned visit once one is recorded', () => {
    expect(arm('2027-01-22T15:00:00+08:00', 1)?.dueAt.slice(0, 10)).to.equal(followUpVisits(calendar, INSTALMENTS, [7, 30])[1].date);
    // every visit done: nothing more is armed
    expect(arm('2028-02-01T10:00:00+08:00', 13)).to.equal(undefined);
  });
});
