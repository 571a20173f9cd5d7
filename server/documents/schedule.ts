// Dates the documents print that are computed, not recorded: follow-up visits (回访) after the
// performance date, and the last day to apply for judicial confirmation. Both come from the
// workflow's own rules and working-day calendar, so paper and deadlines never disagree.
import { createCalendar, type WorkingCalendar } from '../../workflows/calendar/calendar.ts';
import {
  computeDue,
  DEFAULT_FOLLOW_UP_OFFSETS,
  DEFAULT_LIMITS,
  followUpDates as scheduleFollowUps,
  followUpVisits,
  type LimitRule,
} from '../../workflows/deadlines.ts';

export type { WorkingCalendar };
export { DEFAULT_FOLLOW_UP_OFFSETS };

let packaged: WorkingCalendar | null = null;

/** The State Council holiday calendar as packaged (workflows/calendar); built once. */
export function defaultCalendar(): WorkingCalendar {
  packaged ??= createCalendar();
  return packaged;
}

/** Follow-up visit days (YYYY-MM-DD): performance date + each offset, on working days, ascending, unique. */
export function followUpDates(
  performBy: string,
  offsets: readonly number[] = DEFAULT_FOLLOW_UP_OFFSETS,
  calendar: WorkingCalendar = defaultCalendar(),
): string[] {
  const days = scheduleFollowUps(calendar, performBy, offsets).map((d) => d.date);
  return [...new Set(days)].sort();
}

/**
 * The follow-up plan (回访计划): one visit after each distinct clause due date and a final 回头看 after
 * the last (workflows/deadlines.ts followUpVisits — the same plan the engine arms visit by visit).
 */
export function followUpPlan(
  dueDates: readonly string[],
  offsets: readonly number[] = DEFAULT_FOLLOW_UP_OFFSETS,
  calendar: WorkingCalendar = defaultCalendar(),
): Array<{ date: string; final: boolean; dueDate: string }> {
  return followUpVisits(calendar, dueDates, offsets).map(({ date, final, dueDate }) => ({ date, final, dueDate }));
}

/**
 * Last day (YYYY-MM-DD) to apply for judicial confirmation: 人民调解法 art. 33 — within 30 days of
 * the agreement taking effect; the day of effect is not counted and a period ending on a rest day
 * ends on the next working day (the same rule the confirmation deadline runs on).
 */
export function confirmationLastDay(
  effectiveAt: string,
  calendar: WorkingCalendar = defaultCalendar(),
  rule: LimitRule = DEFAULT_LIMITS.confirmation,
): string {
  return computeDue(calendar, effectiveAt, rule).dueDate;
}
