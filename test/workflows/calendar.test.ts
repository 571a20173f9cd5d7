import { expect } from 'chai';
import chineseDays from 'chinese-days';
import {
  addDays,
  addMonths,
  createCalendar,
  endOfShanghaiDay,
  shanghaiDate,
  shanghaiIso,
  spansUncoveredYear,
  type YearSchedule,
} from '../../workflows/calendar/calendar.ts';

const workingDaysIn = (cal: ReturnType<typeof createCalendar>, year: number): number => {
  let n = 0;
  for (let d = `${year}-01-01`; d.startsWith(`${year}-`); d = addDays(d, 1)) if (cal.isWorkingDay(d)) n++;
  return n;
};

// A made-up schedule for tests only. 2099: a year the package will not ship a notice for while this
// code lives, so the tests of uncovered-year behaviour do not break when it adds next year's.
const FAKE_2099: YearSchedule = {
  year: 2099,
  holidays: ['2099-10-01', '2099-10-02', '2099-10-03', '2099-10-04', '2099-10-05', '2099-10-06', '2099-10-07'],
  workdays: ['2099-09-27', '2099-10-10'],
  source: 'test fixture',
};

describe('working-day calendar', () => {
  const cal = createCalendar();

  describe('coverage of the packaged holiday notices', () => {
    it('covers an unbroken run of years from 2004 through at least 2026, and no year without a notice', () => {
      // no upper bound: the package adds each year when the State Council publishes its notice
      const years = cal.coveredYears();
      expect(years[0]).to.equal(2004);
      expect(years).to.deep.equal(Array.from({ length: years.length }, (_, i) => 2004 + i));
      expect(years[years.length - 1]).to.be.at.least(2026);
      expect(cal.covers(2003)).to.equal(false);
      expect(cal.covers(2099)).to.equal(false);
    });

    it('counts 248 working days in 2025 and in 2026', () => {
      expect(workingDaysIn(cal, 2025)).to.equal(248);
      expect(workingDaysIn(cal, 2026)).to.equal(248);
    });

    it('gives every covered year a plausible number of working days', () => {
      for (const year of cal.coveredYears()) expect(workingDaysIn(cal, year), String(year)).to.be.within(245, 252);
    });

    it('agrees with the package day by day for 2025 and 2026', function () {
      // The package's own functions misread dates in time zones west of UTC; ours do not depend on it.
      if (new Date(2025, 0, 1).getTimezoneOffset() > 0) {
        console.log('      SKIPPED: chinese-days misreads dates west of UTC; this comparison needs TZ at or east of UTC');
        this.skip();
      }
      for (let d = '2025-01-01'; d < '2027-01-01'; d = addDays(d, 1)) {
        expect(cal.isWorkingDay(d), d).to.equal(chineseDays.isWorkday(d));
      }
    });

    it('does not answer an uncovered year as if it had no holidays (the package, read naively, would)', () => {
      expect(cal.isWorkingDay('2099-10-01')).to.equal(false); // 国庆, a Thursday
    });
  });

  describe('National Day 2026', () => {
    it('rests from 1 to 7 October and works the make-up Sunday 20 September and Saturday 10 October', () => {
      for (let d = '2026-10-01'; d <= '2026-10-07'; d = addDays(d, 1)) expect(cal.isWorkingDay(d), d).to.equal(false);
      expect(cal.isWorkingDay('2026-09-20')).to.equal(true);
      expect(cal.isWorkingDay('2026-10-10')).to.equal(true);
      expect(cal.isWorkingDay('2026-10-11')).to.equal(false);
    });

    it('lands 3 working days after 30 September on the make-up Saturday 10 October', () => {
      expect(cal.addWorkingDays('2026-09-30', 3)).to.equal('2026-10-10');
    });

    it('counts the make-up Sunday 20 September as the next working day after Friday 18 September', () => {
      expect(cal.addWorkingDays('2026-09-18', 1)).to.equal('2026-09-20');
    });

    it('moves a date in the holiday to the first working day after it', () => {
      expect(cal.nextWorkingDay('2026-10-03')).to.equal('2026-10-08');
      expect(cal.nextWorkingDay('2026-10-08')).to.equal('2026-10-08');
    });
  });

  describe('Spring Festival 2026', () => {
    it('rests from 15 to 23 February and works the make-up Saturdays 14 and 28 February', () => {
      for (let d = '2026-02-15'; d <= '2026-02-23'; d = addDays(d, 1)) expect(cal.isWorkingDay(d), d).to.equal(false);
      expect(cal.isWorkingDay('2026-02-14')).to.equal(true);
      expect(cal.isWorkingDay('2026-02-28')).to.equal(true);
    });

    it('steps from the make-up Saturday across the whole holiday to 24 February', () => {
      expect(cal.addWorkingDays('2026-02-13', 1)).to.equal('2026-02-14');
      expect(cal.addWorkingDays('2026-02-14', 1)).to.equal('2026-02-24');
    });

    it('returns the start date unchanged when adding zero working days', () => {
      expect(cal.addWorkingDays('2026-02-15', 0)).to.equal('2026-02-15');
    });
  });

  describe('a year the package does not cover (2099)', () => {
    it('treats weekends and the fixed-date holidays as rest days and other weekdays as working', () => {
      expect(cal.isWorkingDay('2099-01-01')).to.equal(false); // 元旦, a Thursday
      expect(cal.isWorkingDay('2099-01-02')).to.equal(true); // Friday
      expect(cal.isWorkingDay('2099-05-01')).to.equal(false); // 劳动节, a Friday
      expect(cal.isWorkingDay('2099-05-04')).to.equal(true); // Monday after 劳动节 (May 1-2)
      expect(cal.isWorkingDay('2099-10-01')).to.equal(false); // 国庆, a Thursday
      expect(cal.isWorkingDay('2099-10-05')).to.equal(true); // Monday: the extended week is unknown
      expect(cal.isWorkingDay('2099-03-07')).to.equal(false); // Saturday
    });

    it('reports a span reaching into it as uncovered', () => {
      expect(spansUncoveredYear(cal, '2098-12-20', '2099-01-04')).to.equal(true);
      expect(spansUncoveredYear(cal, '2026-01-01', '2026-12-31')).to.equal(false);
    });
  });

  describe('withYear', () => {
    it('returns a calendar that covers the year from the supplied schedule, leaving the original alone', () => {
      const with2099 = cal.withYear(FAKE_2099);
      expect(with2099.covers(2099)).to.equal(true);
      expect(with2099.sourceOf(2099)).to.equal('test fixture');
      expect(with2099.isWorkingDay('2099-10-05')).to.equal(false);
      expect(with2099.isWorkingDay('2099-10-10')).to.equal(true); // a make-up Saturday
      expect(cal.covers(2099)).to.equal(false);
      expect(cal.isWorkingDay('2099-10-05')).to.equal(true);
    });

    it('replaces the packaged data for a year it already covers', () => {
      const corrected = cal.withYear({ year: 2026, holidays: ['2026-03-02'], workdays: [] });
      expect(corrected.isWorkingDay('2026-03-02')).to.equal(false);
      expect(corrected.isWorkingDay('2026-10-01')).to.equal(true); // no longer listed
      expect(createCalendar([FAKE_2099]).covers(2099)).to.equal(true);
    });

    it('can be pinned to the packaged notices up to a year (later years uncovered, their fixed holidays still rest days)', () => {
      const pinned = createCalendar([], { packagedThrough: 2025 });
      expect(pinned.coveredYears().at(-1)).to.equal(2025);
      expect(pinned.covers(2026)).to.equal(false);
      // 2026-02-17 (春节) is known only from the 2026 notice; 2026-10-01 is a fixed holiday
      expect([pinned.isWorkingDay('2026-02-17'), pinned.isWorkingDay('2026-10-01')]).to.deep.equal([true, false]);
      expect(cal.isWorkingDay('2026-02-17')).to.equal(false);
      expect(pinned.withYear({ year: 2026, holidays: ['2026-02-17'], workdays: [] }).covers(2026)).to.equal(true);
    });

    it('rejects a schedule with a date outside its year or a malformed date', () => {
      expect(() => cal.withYear({ year: 2099, holidays: ['2098-01-01'], workdays: [] })).to.throw(RangeError);
      expect(() => cal.withYear({ year: 2099, holidays: ['2099-02-30'], workdays: [] })).to.throw(RangeError);
      expect(() => cal.withYear({ year: 2099, holidays: ['2099-10-01'], workdays: ['2099-10-01'] })).to.throw(
        RangeError,
      );
    });
  });

  describe('dates and instants in Asia/Shanghai', () => {
    it('takes the Shanghai calendar date of an instant, whatever offset it is written in', () => {
      expect(shanghaiDate('2026-01-30T17:00:00Z')).to.equal('2026-01-31');
      expect(shanghaiDate('2026-01-30T15:59:59.999Z')).to.equal('2026-01-30');
      expect(shanghaiDate('2026-01-31T01:00:00+08:00')).to.equal('2026-01-31');
      expect(shanghaiDate('2026-01-31')).to.equal('2026-01-31');
    });

    it('refuses an instant without an offset, because its meaning would depend on the server', () => {
      expect(() => shanghaiDate('2026-01-31T01:00:00')).to.throw(RangeError);
      expect(() => shanghaiDate('not a date')).to.throw(RangeError);
    });

    it('ends a day at its last millisecond in +08:00', () => {
      expect(endOfShanghaiDay('2026-12-23')).to.equal('2026-12-23T23:59:59.999+08:00');
      expect(shanghaiIso('2026-12-23T15:59:59.999Z')).to.equal('2026-12-23T23:59:59.999+08:00');
    });

    it('clamps a month step to the last day of a shorter month', () => {
      expect(addMonths('2026-01-31', 1)).to.equal('2026-02-28');
      expect(addMonths('2028-01-31', 1)).to.equal('2028-02-29');
      expect(addMonths('2026-12-15', 1)).to.equal('2027-01-15');
    });
  });
});
