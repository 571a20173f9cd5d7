// Deadline rules (DOMAIN.md, "Deadlines and the rules behind them"). Every limit is configuration
// with its source; these are the defaults. Counting follows 民法典 arts. 201-203:
//   art. 201  the starting day is not counted; counting begins the next day;
//   art. 202  a period in months ends on the corresponding day of the last month, or that month's
//             last day when it has no corresponding day;
//   art. 203  a period whose last day is a statutory rest day (法定休假日, weekends included) ends on
//             the day after the rest day(s); the last day ends at 24:00.
// Pure: the calendar and every instant are passed in.
import {
  type WorkingCalendar,
  addDays,
  addMonths,
  endOfShanghaiDay,
  instantMs,
  shanghaiDate,
  shanghaiIso,
  spansUncoveredYear,
} from './calendar/calendar.ts';
import type { WarningLevel } from './vocabulary.ts';

export type LimitUnit = 'days' | 'working_days' | 'months';

export interface LimitRule {
  amount: number;
  unit: LimitUnit;
  source: string;
}

export type LimitKind =
  | 'acceptance'
  | 'mediation'
  | 'delegation'
  | 'entrusted_ordinary'
  | 'entrusted_summary'
  | 'confirmation';

export const DEFAULT_LIMITS: Readonly<Record<LimitKind, Readonly<LimitRule>>> = Object.freeze({
  acceptance: Object.freeze({ amount: 3, unit: 'working_days', source: '受理审查：地方实践（可配置）' }),
  mediation: Object.freeze({
    amount: 1,
    unit: 'months',
    source: '司法部《人民调解工作若干规定》(2002) 第33条“一般在一个月内调结”；经当事人同意可延长',
  }),
  delegation: Object.freeze({
    amount: 30,
    unit: 'days',
    source: '最高人民法院《关于人民法院特邀调解的规定》(2016)：委派调解30日，经各方同意可延长',
  }),
  entrusted_ordinary: Object.freeze({
    amount: 15,
    unit: 'days',
    source: '最高人民法院《关于人民法院特邀调解的规定》(2016)：委托调解，普通程序15日',
  }),
  entrusted_summary: Object.freeze({
    amount: 7,
    unit: 'days',
    source: '最高人民法院《关于人民法院特邀调解的规定》(2016)：委托调解，简易程序7日',
  }),
  confirmation: Object.freeze({
    amount: 30,
    unit: 'days',
    source: '《人民调解法》第33条；《民事诉讼法》(2023) 第205条：自调解协议生效之日起30日内申请司法确认',
  }),
});

/** Follow-up visits (回访), in calendar days after the performance date. */
export const DEFAULT_FOLLOW_UP_OFFSETS: readonly number[] = Object.freeze([7, 30]);

/** Fractions of the period at which each warning starts; red is the due moment itself. */
export interface WarningFractions {
  blue: number;
  yellow: number;
  orange: number;
}
export const DEFAULT_WARNING_FRACTIONS: Readonly<WarningFractions> = Object.freeze({
  blue: 0.5,
  yellow: 0.75,
  orange: 0.9,
});

export interface Due {
  /** The period's last day (Shanghai calendar date). */
  dueDate: string;
  /** The end of that day, 24:00 Shanghai time (民法典 art. 203). */
  dueAt: string;
  /** The computation touched a year whose holiday notice the calendar does not have. */
  provisional: boolean;
}

/** A period of `amount` `unit`s beginning the day after `startDate` (art. 201). */
function periodFrom(calendar: WorkingCalendar, startDate: string, amount: number, unit: LimitUnit): Due {
  if (!Number.isInteger(amount) || amount < 0) throw new RangeError(`limit must be a whole number >= 0: ${amount}`);
  let lastDay: string;
  if (unit === 'days') lastDay = addDays(startDate, amount);
  else if (unit === 'months') lastDay = addMonths(startDate, amount); // art. 202
  else if (unit === 'working_days') lastDay = calendar.addWorkingDays(startDate, amount);
  else throw new RangeError(`unknown limit unit: ${String(unit)}`);
  const dueDate = calendar.nextWorkingDay(lastDay); // art. 203: a rest day moves the end on
  // Working days consult every day after the start; calendar units only the last day onwards.
  const consulted = unit === 'working_days' ? addDays(startDate, 1) : lastDay;
  return { dueDate, dueAt: endOfShanghaiDay(dueDate), provisional: spansUncoveredYear(calendar, consulted, dueDate) };
}

/** When a period under `rule` that starts at `startAtIso` (the event's instant) ends. */
export function computeDue(calendar: WorkingCalendar, startAtIso: string, rule: LimitRule): Due {
  return periodFrom(calendar, shanghaiDate(startAtIso), rule.amount, rule.unit);
}

/**
 * EXTEND_DEADLINE: the extension runs on from the current due date (that day is not counted again),
 * by default in calendar days, and again ends on a working day.
 */
export function extendDue(calendar: WorkingCalendar, dueDate: string, days: number, unit: LimitUnit = 'days'): Due {
  return periodFrom(calendar, shanghaiDate(dueDate), days, unit);
}

function checkFractions(f: Readonly<WarningFractions>): void {
  const ok = [f.blue, f.yellow, f.orange].every((x) => Number.isFinite(x) && x >= 0 && x <= 1);
  if (!ok || f.blue > f.yellow || f.yellow > f.orange) {
    throw new RangeError(`warning fractions must satisfy 0 <= blue <= yellow <= orange <= 1: ${JSON.stringify(f)}`);
  }
}

/** The instants at which each warning level begins, earliest first; red is the due moment. */
export function warningTimes(
  startAtIso: string,
  dueAtIso: string,
  fractions: Readonly<WarningFractions> = DEFAULT_WARNING_FRACTIONS,
): Array<{ level: Exclude<WarningLevel, 'none'>; at: string }> {
  checkFractions(fractions);
  const start = instantMs(startAtIso);
  const due = instantMs(dueAtIso);
  if (due < start) throw new RangeError(`due ${dueAtIso} is before start ${startAtIso}`);
  const at = (f: number) => shanghaiIso(start + Math.round(f * (due - start)));
  return [
    { level: 'blue', at: at(fractions.blue) },
    { level: 'yellow', at: at(fractions.yellow) },
    { level: 'orange', at: at(fractions.orange) },
    { level: 'red', at: shanghaiIso(due) },
  ];
}

/** The warning level in force at `nowIso`: the latest level whose instant has been reached. */
export function currentWarning(
  nowIso: string,
  startAtIso: string,
  dueAtIso: string,
  fractions: Readonly<WarningFractions> = DEFAULT_WARNING_FRACTIONS,
): WarningLevel {
  const now = instantMs(nowIso);
  let level: WarningLevel = 'none';
  for (const w of warningTimes(startAtIso, dueAtIso, fractions)) if (now >= instantMs(w.at)) level = w.level;
  return level;
}

/** Follow-up visit dates: the performance date plus each offset in days, moved on to a working day. */
export function followUpDates(
  calendar: WorkingCalendar,
  performBy: string,
  offsets: readonly number[] = DEFAULT_FOLLOW_UP_OFFSETS,
): Array<{ date: string; provisional: boolean }> {
  const base = shanghaiDate(performBy);
  return offsets.map((offset) => {
    if (!Number.isInteger(offset)) throw new RangeError(`follow-up offset must be a whole number: ${offset}`);
    const raw = addDays(base, offset);
    const date = calendar.nextWorkingDay(raw);
    return { date, provisional: spansUncoveredYear(calendar, raw, date) };
  });
}

/**
 * The court's own handling times for a 司法确认 application (法释〔2011〕5号 arts. 4 and 7): it decides
 * within 3 days of receiving it whether to accept it, and within 15 days of accepting it whether to
 * confirm (+10 with the president's approval). Shown as reminders in the liaison's inbox, not enforced;
 * the acceptance itself is not recorded, so the decision is reckoned from the last day for accepting.
 */
export const COURT_HANDLING = Object.freeze({
  accept: Object.freeze({ amount: 3, unit: 'days' as const, source: '法释〔2011〕5号第4条：收到申请后三日内决定是否受理' }),
  decide: Object.freeze({ amount: 15, unit: 'days' as const, source: '法释〔2011〕5号第7条：受理之日起十五日内作出是否确认的决定' }),
  extended: Object.freeze({ amount: 10, unit: 'days' as const, source: '法释〔2011〕5号第7条：经院长批准可延长十日' }),
});

export function confirmationReminders(calendar: WorkingCalendar, requestedAt: string) {
  const acceptBy = computeDue(calendar, requestedAt, COURT_HANDLING.accept);
  const decideBy = extendDue(calendar, acceptBy.dueAt, COURT_HANDLING.decide.amount);
  const decideByExtended = extendDue(calendar, decideBy.dueAt, COURT_HANDLING.extended.amount);
  return {
    acceptBy: acceptBy.dueAt,
    decideBy: decideBy.dueAt,
    decideByExtended: decideByExtended.dueAt,
    sources: [COURT_HANDLING.accept.source, COURT_HANDLING.decide.source, COURT_HANDLING.extended.source],
  };
}

/**
 * The follow-up plan of an agreement (回访, issue 13 §3): one visit after each distinct clause due date
 * (the date plus the first offset), and a final 回头看 after the last date (plus the last offset) — so an
 * agreement paid in twelve instalments is visited after the first, not only a year later. Dates on
 * working days, ascending, unique; `final` marks the 回头看. Clauses needing no performance have no date
 * and are not visited.
 */
export function followUpVisits(
  calendar: WorkingCalendar,
  dueDates: readonly string[],
  offsets: readonly number[] = DEFAULT_FOLLOW_UP_OFFSETS,
): Array<{ date: string; provisional: boolean; final: boolean; dueDate: string }> {
  const due = [...new Set(dueDates.filter(Boolean).map(shanghaiDate))].sort();
  if (due.length === 0 || offsets.length === 0) return [];
  const first = offsets[0];
  const last = offsets[offsets.length - 1];
  const out = new Map<string, { date: string; provisional: boolean; final: boolean; dueDate: string }>();
  const add = (dueDate: string, offset: number, final: boolean) => {
    const [v] = followUpDates(calendar, dueDate, [offset]);
    const had = out.get(v.date);
    out.set(v.date, { ...v, final: final || (had?.final ?? false), dueDate: had?.dueDate ?? dueDate });
  };
  for (const d of due) add(d, first, false);
  add(due[due.length - 1], last, true);
  return [...out.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}
