// Reading a year's holiday schedule from what an administrator has at hand: the State Council's notice
// (国务院办公厅关于YYYY年部分节假日安排的通知) as text, or a plain list of dates. Pure: text in, dates
// and what was read from which line out; the caller validates the year (settings.ts) and previews.
//
// The notice's phrasing covered (the notices of 2015–2026 use these forms):
//   元旦：1月1日（周五）至3日（周日）放假调休，共3天。1月4日（周一）上班。
//   春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
//   元旦：1月1日（周三）放假1天，不调休。          中秋节：9月15日放假，与周末连休。
//   元旦：2022年12月31日至2023年1月2日放假调休，共3天。   (a day of another year is left out, and said so)
// Brackets full- or half-width, weekdays as 周X or 星期X, digits full- or half-width.
// A plain list: one or more dates a line (2027-01-01, 2027/1/1, 2027年1月1日, 1月1日); a line that says
// 上班 / 班 / workday marks its dates as make-up working days, a line "放假" / "holidays" or "上班" /
// "workdays" alone switches what the following lines list.

export interface NoticeLine {
  /** 1-based line number in the text */
  line: number;
  text: string;
  /** the holiday's name when the line names one (元旦, 春节…) */
  name?: string;
  holidays: string[];
  workdays: string[];
}

export interface ParsedSchedule {
  year: number | null;
  holidays: string[];
  workdays: string[];
  /** the notice's number (国办发明电〔2025〕7号) when the text carries it */
  source?: string;
  lines: NoticeLine[];
  /** what was read but left out, or looks wrong (a working day that is not a weekend…) */
  warnings: string[];
}

const pad = (n: number) => String(n).padStart(2, '0');
const iso = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;

function realDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); t <= end && out.length < 60; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** Full-width digits and punctuation to ASCII, brackets' notes (（周五）, （农历除夕、周二）) removed. */
function normalise(text: string): string {
  return text
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[（(][^（()）]*[)）]/g, '')
    .replace(/[〔［【]/g, '[')
    .replace(/[〕］】]/g, ']')
    .replace(/：/g, ':')
    .replace(/[ \t\u3000]+/g, ' ');
}

// a date: [YYYY年]M月D日, or D日 after one with its month; or YYYY-MM-DD / YYYY/M/D / YYYY.M.D
const CN_DATE = /(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*[日号]/g;
const ISO_DATE = /(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})/g;

interface Found {
  date: string | null;
  index: number;
  end: number;
  text: string;
}

/** Every date in a piece of text, in order; a date without year or month takes the previous one's. */
function datesIn(text: string, defaultYear: number | null, carry: { year: number | null; month: number | null }): Found[] {
  const found: Found[] = [];
  for (const m of text.matchAll(ISO_DATE)) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    found.push({ date: realDate(y, mo, d) ? iso(y, mo, d) : null, index: m.index, end: m.index + m[0].length, text: m[0] });
  }
  if (found.length) return found;
  for (const m of text.matchAll(CN_DATE)) {
    const year = m[1] ? Number(m[1]) : (carry.year ?? defaultYear);
    const month = m[2] ? Number(m[2]) : carry.month;
    const day = Number(m[3]);
    if (m[1]) carry.year = year;
    if (month !== null) carry.month = month;
    const ok = year !== null && month !== null && realDate(year, month, day);
    found.push({ date: ok ? iso(year, month, day) : null, index: m.index, end: m.index + m[0].length, text: m[0] });
  }
  return found;
}

/** The dates of a stretch like "1月28日至2月4日" or "1月26日、2月8日" (ranges inclusive). */
function datesOfStretch(text: string, defaultYear: number | null, carry: { year: number | null; month: number | null }, warnings: string[]): string[] {
  const found = datesIn(text, defaultYear, carry);
  const out: string[] = [];
  for (let i = 0; i < found.length; i++) {
    const f = found[i];
    if (!f.date) {
      warnings.push(`“${f.text}” is not a date${defaultYear === null && carry.year === null ? ' (the year is not known: give it)' : ''}`);
      continue;
    }
    const next = found[i + 1];
    if (next && /^\s*(至|到|-|—|–|~|～)\s*$/.test(text.slice(f.end, next.index))) {
      if (next.date && next.date >= f.date) out.push(...daysBetween(f.date, next.date));
      else warnings.push(`“${f.text}至${next.text}” is not a range of dates`);
      i++;
    } else out.push(f.date);
  }
  return out;
}

const WORK_WORD = /上班|(?<![放休])班$|\bwork(?:ing)?\s*days?\b/i;
const REST_WORD = /放假|休息?|\bholidays?\b|\brest\b/i;

/** Reads a notice or a list of dates. `year`: the year meant when the text does not say it. */
export function parseHolidayNotice(input: string, year?: number | null): ParsedSchedule {
  const warnings: string[] = [];
  const raw = input.replace(/\r\n?/g, '\n').slice(0, 100_000);
  const text = normalise(raw);
  const titled = /关于\s*(\d{4})\s*年\s*(?:部分)?节假日安排/.exec(text);
  const yearOf = year ?? (titled ? Number(titled[1]) : null);
  const sourceMatch = /国办发(?:明电)?\s*\[\s*\d{4}\s*\]\s*\d+\s*号/.exec(text);
  const source = sourceMatch ? sourceMatch[0].replace(/\s+/g, '').replace('[', '〔').replace(']', '〕') : undefined;
  const rawLines = raw.split('\n');
  const lines: NoticeLine[] = [];
  let mode: 'holidays' | 'workdays' = 'holidays';
  let firstYear: number | null = yearOf;

  text.split('\n').forEach((lineText, i) => {
    const line = lineText.trim();
    if (!line) return;
    if (/^(放假|休息日?|holidays?)\s*[:：]?$/i.test(line)) return void (mode = 'holidays');
    if (/^(上班|调休上班|工作日|workdays?|working days?)\s*[:：]?$/i.test(line)) return void (mode = 'workdays');
    if (/节假日安排的通知|^国办发/.test(line)) return;
    const carry = { year: firstYear, month: null as number | null };
    const holidays: string[] = [];
    const workdays: string[] = [];
    const nameMatch = /^(?:[一二三四五六七八九十]+\s*[、.．]\s*)?([^:\d]{1,12}?)\s*:/.exec(line);
    const name = nameMatch ? nameMatch[1].trim() : undefined;
    const body = nameMatch ? line.slice(nameMatch[0].length) : line;
    // the notice: clauses end with 。 or ； — "…放假调休，共3天" and "…上班"
    for (const clause of body.split(/[。；;]/)) {
      const rest = clause.search(/放假/);
      const work = clause.search(/上班/);
      if (rest >= 0) holidays.push(...datesOfStretch(clause.slice(0, rest), yearOf, carry, warnings));
      if (work >= 0) workdays.push(...datesOfStretch(clause.slice(rest >= 0 ? clause.indexOf('，', rest) + 1 || rest : 0, work), yearOf, carry, warnings));
      if (rest < 0 && work < 0) {
        // a plain list: the line's word, else the section it is in
        const dates = datesOfStretch(clause, yearOf, carry, warnings);
        if (dates.length === 0) continue;
        const isWork = WORK_WORD.test(clause.trim()) && !REST_WORD.test(clause) ? true : REST_WORD.test(clause) ? false : mode === 'workdays';
        (isWork ? workdays : holidays).push(...dates);
      }
    }
    if (holidays.length || workdays.length) {
      firstYear ??= Number((holidays[0] ?? workdays[0]).slice(0, 4));
      lines.push({ line: i + 1, text: rawLines[i].trim().slice(0, 300), ...(name ? { name } : {}), holidays, workdays });
    }
  });

  const all = lines.flatMap((l) => [...l.holidays, ...l.workdays]);
  const target = yearOf ?? mostCommonYear(all);
  const keep = (d: string) => {
    if (target !== null && Number(d.slice(0, 4)) !== target) {
      warnings.push(`${d} is in ${d.slice(0, 4)}, not ${target}: left out (that year's schedule has it)`);
      return false;
    }
    return true;
  };
  const holidays = [...new Set(lines.flatMap((l) => l.holidays))].filter(keep).sort();
  const workdays = [...new Set(lines.flatMap((l) => l.workdays))].filter(keep).sort();
  for (const d of workdays) {
    if (holidays.includes(d)) warnings.push(`${d} is listed both as a holiday and as a working day`);
    const wd = new Date(`${d}T00:00:00Z`).getUTCDay();
    if (wd !== 0 && wd !== 6) warnings.push(`${d} is a weekday: a make-up working day is normally a Saturday or Sunday`);
  }
  return { year: target, holidays, workdays, ...(source ? { source } : {}), lines, warnings: [...new Set(warnings)] };
}

function mostCommonYear(dates: string[]): number | null {
  const counts = new Map<number, number>();
  for (const d of dates) counts.set(Number(d.slice(0, 4)), (counts.get(Number(d.slice(0, 4))) ?? 0) + 1);
  let best: number | null = null;
  for (const [y, n] of counts) if (best === null || n > counts.get(best)!) best = y;
  return best;
}
