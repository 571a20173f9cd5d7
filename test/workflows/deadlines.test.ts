import { expect } from 'chai';
import { createCalendar, type YearSchedule } from '../../workflows/calendar/calendar.ts';
import {
  DEFAULT_FOLLOW_UP_OFFSETS,
  DEFAULT_LIMITS,
  DEFAULT_WARNING_FRACTIONS,
  computeDue,
  currentWarning,
  extendDue,
  followUpDates,
  warningTimes,
  type LimitRule,
} from '../../workflows/deadlines.ts';

// the packaged notices up to 2026: the tests of provisional deadlines hold whatever later years a
// newer chinese-days brings
const cal = createCalendar([], { packagedThrough: 2026 });
const days = (amount: number): LimitRule => ({ amount, unit: 'days', source: 'test' });

// A made-up schedule for tests only, for 2099: a year the package will not cover while this code lives.
const FAKE_2099: YearSchedule = {
  year: 2099,
  holidays: ['2099-10-01', '2099-10-02', '2099-10-03', '2099-10-04', '2099-10-05', '2099-10-06', '2099-10-07'],
  workdays: ['2099-09-27', '2099-10-10'],
};

describe('deadlines', () => {
  describe('default limits', () => {
    it('name a source for every limit and use the documented amounts', () => {
      expect(DEFAULT_LIMITS.acceptance).to.include({ amount: 3, unit: 'working_days' });
      expect(DEFAULT_LIMITS.mediation).to.include({ amount: 1, unit: 'months' });
      expect(DEFAULT_LIMITS.delegation).to.include({ amount: 30, unit: 'days' });
      expect(DEFAULT_LIMITS.entrusted_ordinary).to.include({ amount: 15, unit: 'days' });
      expect(DEFAULT_LIMITS.entrusted_summary).to.include({ amount: 7, unit: 'days' });
      expect(DEFAULT_LIMITS.confirmation).to.include({ amount: 30, unit: 'days' });
      for (const rule of Object.values(DEFAULT_LIMITS)) expect(rule.source.length).to.be.greaterThan(5);
      expect(DEFAULT_FOLLOW_UP_OFFSETS).to.deep.equal([7, 30]);
      expect(DEFAULT_WARNING_FRACTIONS).to.deep.equal({ blue: 0.5, yellow: 0.75, orange: 0.9 });
    });

    it('cannot be changed at run time', () => {
      expect(Object.isFrozen(DEFAULT_LIMITS) && Object.isFrozen(DEFAULT_LIMITS.mediation)).to.equal(true);
    });
  });

  describe('computeDue', () => {
    it('does not count the starting day and ends at 24:00 Shanghai time on the last day', () => {
      expect(computeDue(cal, '2026-03-02T09:00:00+08:00', days(3))).to.deep.equal({
        dueDate: '2026-03-05',
        dueAt: '2026-03-05T23:59:59.999+08:00',
        provisional: false,
      });
    });

    it('takes the starting day in Shanghai time, not UTC', () => {
      // 2026-03-01T17:00Z is already 2 March in Shanghai.
      expect(computeDue(cal, '2026-03-01T17:00:00Z', days(3)).dueDate).to.equal('2026-03-05');
    });

    it('moves a period that ends in the National Day holiday to the next working day', () => {
      expect(computeDue(cal, '2026-09-24T10:00:00+08:00', days(7)).dueDate).to.equal('2026-10-08');
      expect(computeDue(cal, '2026-09-01T10:00:00+08:00', DEFAULT_LIMITS.confirmation).dueDate).to.equal('2026-10-08');
    });

    it('moves a period that ends on an ordinary weekend to the Monday', () => {
      expect(computeDue(cal, '2026-03-06T10:00:00+08:00', days(1)).dueDate).to.equal('2026-03-09');
    });

    it('counts acceptance in working days, across the holiday and including a make-up Saturday', () => {
      expect(computeDue(cal, '2026-09-30T16:00:00+08:00', DEFAULT_LIMITS.acceptance).dueDate).to.equal('2026-10-10');
      expect(computeDue(cal, '2026-02-12T16:00:00+08:00', DEFAULT_LIMITS.acceptance).dueDate).to.equal('2026-02-24');
    });

    it('ends a month on the corresponding day, or the last day of a shorter month', () => {
      expect(computeDue(cal, '2026-03-16T10:00:00+08:00', DEFAULT_LIMITS.mediation).dueDate).to.equal('2026-04-16');
      // 31 Jan + 1 month = 28 Feb 2026, a make-up working Saturday, so it stays.
      expect(computeDue(cal, '2026-01-31T10:00:00+08:00', DEFAULT_LIMITS.mediation).dueDate).to.equal('2026-02-28');
      // 31 Jan 2025 + 1 month = Friday 28 Feb 2025.
      expect(computeDue(cal, '2025-01-31T10:00:00+08:00', DEFAULT_LIMITS.mediation).dueDate).to.equal('2025-02-28');
      // 31 Aug 2026 + 1 month = Wednesday 30 Sep 2026.
      expect(computeDue(cal, '2026-08-31T10:00:00+08:00', DEFAULT_LIMITS.mediation).dueDate).to.equal('2026-09-30');
    });

    it('ends a month that lands in the Spring Festival on the first working day after it', () => {
      expect(computeDue(cal, '2026-01-16T10:00:00+08:00', DEFAULT_LIMITS.mediation).dueDate).to.equal('2026-02-24');
    });

    it('is provisional when the period runs into a year the calendar does not cover', () => {
      const due = computeDue(cal, '2026-12-20T10:00:00+08:00', DEFAULT_LIMITS.delegation);
      expect(due).to.deep.equal({ dueDate: '2027-01-19', dueAt: '2027-01-19T23:59:59.999+08:00', provisional: true });
      expect(computeDue(cal, '2026-12-01T10:00:00+08:00', days(15)).provisional).to.equal(false);
    });

    it('is provisional in an uncovered year and treats its weekends and fixed holidays as rest days', () => {
      // 2099-10-01 (Thursday, 国庆), 10-02 (fixed holiday) then a weekend: the period ends on Monday 5 October.
      const due = computeDue(cal, '2099-09-24T10:00:00+08:00', days(7));
      expect(due).to.include({ dueDate: '2099-10-05', provisional: true });
      // 2028-01-31 + 1 month = 29 Feb 2028 (leap year, a Tuesday).
      expect(computeDue(cal, '2028-01-31T10:00:00+08:00', DEFAULT_LIMITS.mediation)).to.include({
        dueDate: '2028-02-29',
        provisional: true,
      });
    });

    it('is no longer provisional once the year is supplied, and follows the supplied holidays', () => {
      const due = computeDue(cal.withYear(FAKE_2099), '2099-09-24T10:00:00+08:00', days(7));
      expect(due).to.include({ dueDate: '2099-10-08', provisional: false });
    });

    it('rejects a negative or fractional amount', () => {
      expect(() => computeDue(cal, '2026-03-02T09:00:00+08:00', days(-1))).to.throw(RangeError);
      expect(() => computeDue(cal, '2026-03-02T09:00:00+08:00', days(1.5))).to.throw(RangeError);
    });
  });

  describe('extendDue', () => {
    it('adds calendar days to the current due date, then moves off a rest day', () => {
      expect(extendDue(cal, '2026-09-24', 7)).to.deep.equal({
        dueDate: '2026-10-08',
        dueAt: '2026-10-08T23:59:59.999+08:00',
        provisional: false,
      });
      expect(extendDue(cal, '2026-03-02', 15).dueDate).to.equal('2026-03-17');
    });

    it('can extend in another unit when asked', () => {
      expect(extendDue(cal, '2026-09-30', 3, 'working_days').dueDate).to.equal('2026-10-10');
      expect(extendDue(cal, '2026-01-31', 1, 'months').dueDate).to.equal('2026-02-28');
    });
  });

  describe('warnings', () => {
    const start = '2026-03-02T08:00:00.000+08:00';
    const due = '2026-03-12T08:00:00.000+08:00'; // ten days later, for round fractions

    it('places blue, yellow and orange at their fractions of the period and red at the due moment, in order', () => {
      expect(warningTimes(start, due, DEFAULT_WARNING_FRACTIONS)).to.deep.equal([
        { level: 'blue', at: '2026-03-07T08:00:00.000+08:00' },
        { level: 'yellow', at: '2026-03-09T20:00:00.000+08:00' },
        { level: 'orange', at: '2026-03-11T08:00:00.000+08:00' },
        { level: 'red', at: '2026-03-12T08:00:00.000+08:00' },
      ]);
    });

    it('orders the warnings of a computed deadline from earliest to latest', () => {
      const { dueAt } = computeDue(cal, start, DEFAULT_LIMITS.mediation);
      const times = warningTimes(start, dueAt, DEFAULT_WARNING_FRACTIONS).map((w) => Date.parse(w.at));
      expect(times).to.deep.equal([...times].sort((a, b) => a - b));
      expect(times[3]).to.equal(Date.parse(dueAt));
    });

    it('rejects fractions out of order or outside 0..1', () => {
      expect(() => warningTimes(start, due, { blue: 0.8, yellow: 0.5, orange: 0.9 })).to.throw(RangeError);
      expect(() => warningTimes(start, due, { blue: 0.5, yellow: 0.75, orange: 1.2 })).to.throw(RangeError);
    });

    it('reports the level in force at a given moment, red from the due moment on', () => {
      const at = (now: string) => currentWarning(now, start, due, DEFAULT_WARNING_FRACTIONS);
      expect(at('2026-03-03T08:00:00+08:00')).to.equal('none');
      expect(at('2026-03-07T07:59:59.999+08:00')).to.equal('none');
      expect(at('2026-03-07T08:00:00+08:00')).to.equal('blue');
      expect(at('2026-03-10T00:00:00+08:00')).to.equal('yellow');
      expect(at('2026-03-11T12:00:00+08:00')).to.equal('orange');
      expect(at('2026-03-12T08:00:00+08:00')).to.equal('red');
      expect(at('2026-04-01T00:00:00Z')).to.equal('red');
    });
  });

  describe('followUpDates', () => {
    it('adds each offset to the performance date and moves a visit out of the National Day holiday', () => {
      expect(followUpDates(cal, '2026-09-24', DEFAULT_FOLLOW_UP_OFFSETS)).to.deep.equal([
        { date: '2026-10-08', provisional: false }, // +7 = 1 Oct, a holiday
        { date: '2026-10-26', provisional: false }, // +30 = Saturday 24 Oct
      ]);
    });

    it('marks a visit in an uncovered year as provisional', () => {
      expect(followUpDates(cal, '2026-12-20', [7, 30])).to.deep.equal([
        { date: '2026-12-28', provisional: false }, // +7 = Sunday 27 Dec
        { date: '2027-01-19', provisional: true },
      ]);
    });
  });
});
