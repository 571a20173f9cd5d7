// Reading the State Council's holiday notice (server/calendar-notice.ts): the 2025 and 2026 notices,
// as published, give exactly the dates the chinese-days package holds for those years; plain lists
// of dates; what is left out and said so.
import { expect } from 'chai';
import packageData from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import { parseHolidayNotice } from '../../server/calendar-notice.ts';

// 国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）, as published
export const NOTICE_2026 = `国务院办公厅关于2026年部分节假日安排的通知
国办发明电〔2025〕7号
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作。`;

// 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）: a one-day 元旦 "不调休", a range
// across two months, two holidays named on one line; half-width brackets and full-width digits here
const NOTICE_2025 = `一、元旦：1月1日(周三)放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：４月４日（周五）至６日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（星期日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。`;

const data = packageData as unknown as { holidays: Record<string, string>; workdays: Record<string, string> };
const packageYear = (year: string) => ({
  holidays: Object.keys(data.holidays).filter((d) => d.startsWith(year)).sort(),
  workdays: Object.keys(data.workdays).filter((d) => d.startsWith(year)).sort(),
});

describe('the holiday notice reader', () => {
  it('reads the 2026 notice as published: the year from its title, its number, every holiday and make-up working day', () => {
    const parsed = parseHolidayNotice(NOTICE_2026);
    expect(parsed.year).to.equal(2026);
    expect(parsed.source).to.equal('国办发明电〔2025〕7号');
    expect({ holidays: parsed.holidays, workdays: parsed.workdays }).to.deep.equal(packageYear('2026'));
    expect(parsed.lines.map((l) => l.name)).to.deep.equal(['元旦', '春节', '清明节', '劳动节', '端午节', '中秋节', '国庆节']);
    expect(parsed.lines[1]).to.include({ line: 6 });
    expect(parsed.lines[1].workdays).to.deep.equal(['2026-02-14', '2026-02-28']);
    expect(parsed.warnings).to.deep.equal([]);
  });

  it('reads the 2025 notice (year given): single days, ranges across months, 星期X, full-width digits and half-width brackets', () => {
    const parsed = parseHolidayNotice(NOTICE_2025, 2025);
    expect({ holidays: parsed.holidays, workdays: parsed.workdays }).to.deep.equal(packageYear('2025'));
    expect(parsed.lines[5].name).to.equal('国庆节、中秋节');
  });

  it('leaves out a day of another year and says so; without a year it says the year is unknown', () => {
    const parsed = parseHolidayNotice('元旦：2026年12月31日至2027年1月2日放假调休，共3天。', 2027);
    expect(parsed.holidays).to.deep.equal(['2027-01-01', '2027-01-02']);
    expect(parsed.warnings.join(' ')).to.match(/2026-12-31 is in 2026, not 2027/);
    const unknown = parseHolidayNotice('元旦：1月1日至3日放假');
    expect(unknown.year).to.equal(null);
    expect(unknown.holidays).to.deep.equal([]);
    expect(unknown.warnings.join(' ')).to.match(/year is not known/);
  });

  it('reads a plain list of dates: ISO, slashes or 年月日, 上班 on the line or a 上班 section', () => {
    const parsed = parseHolidayNotice('2027-01-01\n2027/2/5\n2027-02-20 上班\n上班：\n2027年9月26日\n放假\n2027-10-01、2027-10-02');
    expect(parsed.year).to.equal(2027);
    expect(parsed.holidays).to.deep.equal(['2027-01-01', '2027-02-05', '2027-10-01', '2027-10-02']);
    expect(parsed.workdays).to.deep.equal(['2027-02-20', '2027-09-26']);
  });

  it('warns of a make-up working day on a weekday and of a date listed both ways; ignores what is not a date', () => {
    const parsed = parseHolidayNotice('2027-01-04 上班\n2027-01-04\n2027-02-30\n没有日期的一行');
    expect(parsed.warnings.join(' ')).to.match(/2027-01-04 is listed both/);
    expect(parsed.warnings.join(' ')).to.match(/2027-01-04 is a weekday/);
    expect(parsed.warnings.join(' ')).to.match(/2027-02-30/);
    expect(parsed.lines.map((l) => l.line)).to.deep.equal([1, 2]);
  });
});
