// How long until a deadline, or how long past it, in the days its rule counts (issue 14: residents
// read "还剩3个工作日 / 已超期2天", not warning names). Pure: the calendar and the instants are passed in.
//
// Counting follows workflows/deadlines.ts (民法典 art. 201: today is not counted): the days left are
// the days after today up to and including the due date — 0 on the due date itself; the days past
// are the days after the due date up to and including today. A working-day period counts working
// days (the holiday calendar), every other period calendar days.
import { type WorkingCalendar, addDays, shanghaiDate } from './calendar/calendar.ts';
import type { LimitRule, LimitUnit } from './deadlines.ts';

export type DaysLeft = { state: 'left'; days: number; unit: Exclude<LimitUnit, 'months'> } | { state: 'overdue'; days: number; unit: Exclude<LimitUnit, 'months'> };

/** Days counted in (from, to], `to` after `from`; working days only when `working`. */
function countDays(calendar: WorkingCalendar, from: string, to: string, working: boolean): number {
  let n = 0;
  for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (!working || calendar.isWorkingDay(d)) n++;
  return n;
}

export function daysLeft(calendar: WorkingCalendar, nowIso: string, dueAtIso: string, unit: LimitUnit): DaysLeft {
  const today = shanghaiDate(nowIso);
  const due = shanghaiDate(dueAtIso);
  const counted = unit === 'working_days' ? 'working_days' : 'days'; // a period in months ends on a day: count days
  const working = counted === 'working_days';
  if (today <= due) return { state: 'left', days: countDays(calendar, today, due, working), unit: counted };
  const past = countDays(calendar, due, today, working);
  // a working-day deadline missed on Friday is overdue on Saturday though no working day has passed
  // yet: "已超期0个工作日" would read as on time, so the calendar days are given until one has
  if (working && past === 0) return { state: 'overdue', days: countDays(calendar, due, today, false), unit: 'days' };
  return { state: 'overdue', days: past, unit: counted };
}

/**
 * The unit a running deadline counts in: its limit rule's, while the deadline is still the rule's
 * own. A court's date and an extension (EXTEND_DEADLINE grants calendar days) count calendar days.
 */
export function countingUnit(
  deadline: { kind: string; basis?: string; extendedDays?: number },
  limits: Readonly<Partial<Record<string, Readonly<LimitRule>>>>,
): LimitUnit {
  if ((deadline.basis ?? 'rule') !== 'rule' || (deadline.extendedDays ?? 0) > 0) return 'days';
  return limits[deadline.kind]?.unit ?? 'days';
}
