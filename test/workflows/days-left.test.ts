import { expect } from 'chai';
import { createCalendar } from '../../workflows/calendar/calendar.ts';
import { DEFAULT_LIMITS } from '../../workflows/deadlines.ts';
import { countingUnit, daysLeft } from '../../workflows/days-left.ts';

const cal = createCalendar();
// 2026-11-26 is a Thursday; in the packaged 2026 schedule 2026-09-25 (中秋) and 10-01..07 (国庆) are rest days
const THU_DUE = '2026-11-26T23:59:59.999+08:00';
const at = (date: string, time = '09:00') => `${date}T${time}:00+08:00`;

describe('days left on a deadline, as its rule counts', () => {
  it('counts the days after today up to the due date: 3 working days on Monday, 0 on the day', () => {
    expect(daysLeft(cal, at('2026-11-23'), THU_DUE, 'working_days')).to.deep.equal({ state: 'left', days: 3, unit: 'working_days' });
    expect(daysLeft(cal, at('2026-11-26', '23:00'), THU_DUE, 'working_days')).to.deep.equal({ state: 'left', days: 0, unit: 'working_days' });
    expect(daysLeft(cal, at('2026-11-20'), THU_DUE, 'days')).to.deep.equal({ state: 'left', days: 6, unit: 'days' });
  });

  it('skips weekends and holidays for working days only', () => {
    // Friday 2026-09-25 → Thursday 2026-10-08: only 09-28, 09-29, 09-30 and 10-08 are working days
    const due = '2026-10-08T23:59:59.999+08:00';
    expect(daysLeft(cal, at('2026-09-25'), due, 'days')).to.deep.equal({ state: 'left', days: 13, unit: 'days' });
    expect(daysLeft(cal, at('2026-09-25'), due, 'working_days')).to.deep.equal({ state: 'left', days: 4, unit: 'working_days' });
  });

  it('counts the days past the due date, and months as calendar days', () => {
    expect(daysLeft(cal, at('2026-11-27'), THU_DUE, 'working_days')).to.deep.equal({ state: 'overdue', days: 1, unit: 'working_days' });
    expect(daysLeft(cal, at('2026-11-30'), THU_DUE, 'working_days')).to.deep.equal({ state: 'overdue', days: 2, unit: 'working_days' });
    expect(daysLeft(cal, at('2026-11-28'), THU_DUE, 'days')).to.deep.equal({ state: 'overdue', days: 2, unit: 'days' });
    expect(daysLeft(cal, at('2026-11-28'), THU_DUE, 'months')).to.deep.equal({ state: 'overdue', days: 2, unit: 'days' });
  });

  it('never says "0 working days overdue": on the weekend after a Friday deadline it gives calendar days', () => {
    const friday = '2026-11-27T23:59:59.999+08:00';
    expect(daysLeft(cal, at('2026-11-28'), friday, 'working_days')).to.deep.equal({ state: 'overdue', days: 1, unit: 'days' });
  });

  it("counts in the rule's unit only while the deadline is the rule's own", () => {
    expect(countingUnit({ kind: 'acceptance' }, DEFAULT_LIMITS)).to.equal('working_days');
    expect(countingUnit({ kind: 'acceptance', basis: 'rule', extendedDays: 5 }, DEFAULT_LIMITS)).to.equal('days');
    expect(countingUnit({ kind: 'delegation', basis: 'court' }, DEFAULT_LIMITS)).to.equal('days');
    expect(countingUnit({ kind: 'mediation', basis: 'rule' }, DEFAULT_LIMITS)).to.equal('months');
    expect(countingUnit({ kind: 'follow_up', basis: 'schedule' }, DEFAULT_LIMITS)).to.equal('days');
  });
});
