import { expect } from 'chai';
import {
  amountInText,
  capitalAmount,
  clauseNo,
  figureAmount,
  zhDate,
  zhDateTime,
  zhNumber,
} from '../../../server/documents/format.ts';
import { confirmationLastDay, followUpDates } from '../../../server/documents/schedule.ts';
import { createCalendar } from '../../../workflows/calendar/calendar.ts';

describe('documents: Chinese formatting', () => {
  describe('capitalAmount (大写金额)', () => {
    const cases: Array<[number | string, string]> = [
      [0, '人民币零元整'],
      [10, '人民币壹拾元整'],
      [100.05, '人民币壹佰元零伍分'],
      [1_000_000, '人民币壹佰万元整'],
      ['1,000,000', '人民币壹佰万元整'],
      [10_010_001.5, '人民币壹仟零壹万零壹元伍角整'],
      [12_345.6, '人民币壹万贰仟叁佰肆拾伍元陆角整'],
      ['¥12,345.60', '人民币壹万贰仟叁佰肆拾伍元陆角整'],
      [16_409.02, '人民币壹万陆仟肆佰零玖元零贰分'],
      [107_000.53, '人民币壹拾万柒仟元伍角叁分'],
      [1_680.32, '人民币壹仟陆佰捌拾元叁角贰分'],
      [0.5, '人民币伍角整'],
      [0.05, '人民币伍分'],
      [100_010_000, '人民币壹亿零壹万元整'],
      [100_000_001, '人民币壹亿零壹元整'],
    ];
    for (const [amount, expected] of cases) {
      it(`writes ${String(amount)} as ${expected}`, () => {
        expect(capitalAmount(amount)).to.equal(expected);
      });
    }

    it('refuses negative amounts and text that is not a number', () => {
      expect(() => capitalAmount(-1)).to.throw(RangeError);
      expect(() => capitalAmount('十元')).to.throw(RangeError);
      expect(() => capitalAmount(Number.NaN)).to.throw(RangeError);
    });

    it('writes figures with thousands separators and two decimals', () => {
      expect(figureAmount(12_345.6)).to.equal('¥12,345.60');
      expect(figureAmount(0)).to.equal('¥0.00');
      expect(figureAmount(10_010_001.5)).to.equal('¥10,010,001.50');
    });

    it('finds the one amount a clause names, and none when it names several', () => {
      expect(amountInText('赔偿装修损失12,345.60元。')).to.equal(12_345.6);
      expect(amountInText('支付3000元及利息200元')).to.equal(null);
      expect(amountInText('修复防水层')).to.equal(null);
    });
  });

  describe('dates (Asia/Shanghai)', () => {
    it('writes 年月日 without leading zeros, in Shanghai time', () => {
      expect(zhDate('2026-11-22T10:00:00+08:00')).to.equal('2026年11月22日');
      expect(zhDate('2026-11-22T18:00:00Z')).to.equal('2026年11月23日'); // 02:00 next day in Shanghai
      expect(zhDate('2026-01-05')).to.equal('2026年1月5日');
      expect(zhDate(null)).to.equal('');
    });

    it('writes date and time as 时分', () => {
      expect(zhDateTime('2026-11-10T06:30:00Z')).to.equal('2026年11月10日14时30分');
    });
  });

  describe('numerals', () => {
    it('counts in Chinese numerals', () => {
      expect([1, 10, 11, 20, 21, 100, 101, 110, 1010].map(zhNumber)).to.deep.equal([
        '一', '十', '十一', '二十', '二十一', '一百', '一百零一', '一百一十', '一千零一十',
      ]);
    });

    it('numbers clauses 第一条, 第十二条', () => {
      expect(clauseNo(1)).to.equal('第一条');
      expect(clauseNo(12)).to.equal('第十二条');
    });
  });

  describe('schedule', () => {
    it('moves follow-up visits that fall on a holiday to the next working day', () => {
      // 2026-09-24 + 7 days = 1 October (National Day); offices reopen on 8 October
      expect(followUpDates('2026-09-24', [7, 30])).to.deep.equal(['2026-10-08', '2026-10-26']);
    });

    it('uses the configured offsets and working-day calendar', () => {
      // 2 Jan 2027 is a Saturday; with a (hypothetical) notice making 14 Jan a holiday, that visit moves to 15 Jan
      const calendar = createCalendar([{ year: 2027, holidays: ['2027-01-01', '2027-01-14'], workdays: [] }]);
      expect(followUpDates('2026-12-31', [2, 14], calendar)).to.deep.equal(['2027-01-04', '2027-01-15']);
      expect(followUpDates('2026-12-31', [14, 2, 2], calendar)).to.deep.equal(['2027-01-04', '2027-01-15']);
    });

    it('ends the 30-day confirmation window on a working day', () => {
      // effect on 1 Oct 2026: day 30 is Saturday 31 Oct, so the window ends Monday 2 Nov
      expect(confirmationLastDay('2026-10-01T10:00:00+08:00')).to.equal('2026-11-02');
    });
  });
});
