// Carries out the machine's deadline commands: computes due dates on the working-day calendar and
// turns each deadline into durable timer rows (one per warning level) that commit with the event.
import { rowId } from './ids.ts';
import { endOfShanghaiDay, shanghaiDate, type WorkingCalendar } from '../../workflows/calendar/calendar.ts';
import type { Command } from '../../workflows/case.types.ts';
import {
  computeDue,
  currentWarning,
  extendDue,
  followUpDates,
  followUpVisits,
  warningTimes,
  type LimitKind,
  type LimitRule,
  type WarningFractions,
} from '../../workflows/deadlines.ts';
import type { DeadlineKind, WarningLevel } from '../../workflows/vocabulary.ts';
import type { DeadlineView, TimerRecord } from '../store/port.ts';

export interface DeadlineSettings {
  limits: Readonly<Record<LimitKind, Readonly<LimitRule>>>;
  fractions: Readonly<WarningFractions>;
  followUpOffsets: readonly number[];
  /** workflow 2026.3: cap on the days a deadline may be extended at one tier; absent = 30 */
  maxExtensionDays?: number;
}

/** 2026.3 default: one further month per tier (issue 12 §6) */
export const DEFAULT_MAX_EXTENSION_DAYS = 30;

export interface DeadlinePlan {
  deadlines: DeadlineView[];
  armTimers: TimerRecord[];
  cancelTimerKinds: DeadlineKind[];
}

const SEVERITY: Record<WarningLevel, number> = { none: 0, blue: 1, yellow: 2, orange: 3, red: 4 };

export function worstWarning(deadlines: DeadlineView[]): WarningLevel {
  return deadlines.reduce<WarningLevel>((w, d) => (SEVERITY[d.warning] > SEVERITY[w] ? d.warning : w), 'none');
}

function timersFor(caseId: string, view: DeadlineView, now: string, fractions: Readonly<WarningFractions>): TimerRecord[] {
  const nowMs = Date.parse(now);
  // a due moment before the start (a date given from outside, already past) warns red at once
  const startAt = Date.parse(view.dueAt) < Date.parse(view.startAt) ? view.dueAt : view.startAt;
  return warningTimes(startAt, view.dueAt, fractions)
    .filter((w) => Date.parse(w.at) > nowMs || w.level === 'red')
    .filter((w) => SEVERITY[w.level] > SEVERITY[view.warning])
    .map((w) => ({
      id: rowId(),
      caseId,
      kind: view.kind,
      level: w.level,
      dueAt: w.at,
      deadlineDueAt: view.dueAt,
      state: 'pending' as const,
      leaseOwner: null,
      leaseUntil: null,
      firedAt: null,
    }));
}

/** Applies deadline commands to the case's deadlines; returns the new list and the timer changes. */
export function planDeadlines(input: {
  caseId: string;
  current: DeadlineView[];
  commands: Command[];
  now: string;
  calendar: WorkingCalendar;
  settings: DeadlineSettings;
  delegationMode?: 'delegated' | 'entrusted';
  /** 委托 cases: the court's procedure (普通 15 days, 简易 7 days) */
  delegationProcedure?: 'ordinary' | 'summary';
}): DeadlinePlan {
  const { caseId, now, calendar, settings } = input;
  let deadlines = [...input.current];
  const arm = new Map<DeadlineKind, DeadlineView>();
  const cancel = new Set<DeadlineKind>();

  const drop = (kind: DeadlineKind) => {
    deadlines = deadlines.filter((d) => d.kind !== kind);
    arm.delete(kind);
    cancel.add(kind);
  };

  for (const cmd of input.commands) {
    if (cmd.type === 'deadline.cancel') {
      const kinds = cmd.kind === 'all' ? deadlines.map((d) => d.kind) : [cmd.kind];
      kinds.forEach(drop);
    } else if (cmd.type === 'deadline.arm') {
      drop(cmd.kind);
      const from = cmd.from || now;
      let view: DeadlineView;
      if (cmd.dueAt) {
        // the court's own due date (委派/委托): the end of that day, moved to a working day
        const date = calendar.nextWorkingDay(cmd.dueAt.slice(0, 10));
        view = { kind: cmd.kind, startAt: from, dueAt: endOfShanghaiDay(date), warning: 'none', provisional: !calendar.covers(Number(date.slice(0, 4))), basis: 'court' };
      } else {
        const rule = settings.limits[limitKindFor(cmd.kind, input.delegationMode, input.delegationProcedure)];
        const due = computeDue(calendar, from, rule);
        view = { kind: cmd.kind, startAt: from, dueAt: due.dueAt, warning: 'none', provisional: due.provisional, basis: 'rule' };
      }
      deadlines.push(view);
      arm.set(cmd.kind, view);
    } else if (cmd.type === 'deadline.extend') {
      const existing = deadlines.find((d) => d.kind === cmd.kind);
      if (!existing) continue;
      const due = extendDue(calendar, existing.dueAt, cmd.days);
      const view: DeadlineView = {
        ...existing,
        dueAt: due.dueAt,
        provisional: due.provisional || existing.provisional,
        warning: currentWarning(now, existing.startAt, due.dueAt, settings.fractions),
        extendedDays: (existing.extendedDays ?? 0) + cmd.days,
      };
      drop(cmd.kind);
      deadlines.push(view);
      arm.set(cmd.kind, view);
    } else if (cmd.type === 'followUp.schedule' && cmd.performBy) {
      // 回访: a visit after each clause's date and a final 回头看 (issue 13 §3); the visits already
      // recorded (`done`) are behind, the next planned one is the follow-up deadline
      const all = cmd.dueDates?.length
        ? followUpVisits(calendar, cmd.dueDates, settings.followUpOffsets)
        : followUpDates(calendar, cmd.performBy, settings.followUpOffsets);
      const visits = all.slice(cmd.done ?? 0);
      drop('follow_up');
      if (visits.length === 0) continue;
      // the next visit still ahead; when the agreed date is long past, the last one, due at once
      const nowMs = Date.parse(now);
      const visit = visits.find((v) => Date.parse(endOfShanghaiDay(v.date)) >= nowMs) ?? visits[visits.length - 1];
      const dueAt = endOfShanghaiDay(visit.date);
      const view: DeadlineView = {
        kind: 'follow_up',
        startAt: Date.parse(dueAt) < nowMs ? dueAt : now,
        dueAt,
        warning: 'none',
        provisional: visit.provisional,
        basis: 'schedule',
      };
      deadlines.push(view);
      arm.set('follow_up', view);
    } else if (cmd.type === 'deadline.recompute') {
      // a year's holiday notice arrived: provisional due dates are computed again on it
      for (const old of deadlines.filter((d) => d.provisional)) {
        const due = recomputeDue(old, calendar, settings, input.delegationMode, input.delegationProcedure);
        if (!due) continue;
        const view: DeadlineView = {
          ...old,
          dueAt: due.dueAt,
          provisional: due.provisional,
          warning: currentWarning(now, old.startAt, due.dueAt, settings.fractions),
        };
        drop(old.kind);
        deadlines.push(view);
        arm.set(old.kind, view);
      }
    }
  }

  const armTimers = [...arm.values()].flatMap((v) => timersFor(caseId, v, now, settings.fractions));
  return { deadlines, armTimers, cancelTimerKinds: [...cancel] };
}

function recomputeDue(
  d: DeadlineView,
  calendar: WorkingCalendar,
  settings: DeadlineSettings,
  mode?: 'delegated' | 'entrusted',
  procedure?: 'ordinary' | 'summary',
): { dueAt: string; provisional: boolean } | null {
  if (d.basis === 'court' || d.basis === 'schedule') {
    // a given date: only the rest-day rule depends on the calendar
    const date = calendar.nextWorkingDay(shanghaiDate(d.dueAt));
    return { dueAt: endOfShanghaiDay(date), provisional: !calendar.covers(Number(date.slice(0, 4))) };
  }
  let due = computeDue(calendar, d.startAt, settings.limits[limitKindFor(d.kind, mode, procedure)]);
  if (d.extendedDays) {
    const extended = extendDue(calendar, due.dueAt, d.extendedDays);
    due = { ...extended, provisional: extended.provisional || due.provisional };
  }
  return due;
}

/** 特邀调解规定: 委派 30 days; 委托 15 days under 普通程序, 7 under 简易程序 (the settings' limits). */
function limitKindFor(kind: DeadlineKind, mode?: 'delegated' | 'entrusted', procedure?: 'ordinary' | 'summary'): LimitKind {
  if (kind === 'delegation') return mode !== 'entrusted' ? 'delegation' : procedure === 'summary' ? 'entrusted_summary' : 'entrusted_ordinary';
  if (kind === 'follow_up') return 'acceptance'; // never armed by rule: follow-ups come from the schedule
  return kind;
}

/** A fired warning colours its deadline; red marks it overdue. Warnings only ever get worse. */
export function noteWarning(deadlines: DeadlineView[], kind: DeadlineKind, level: WarningLevel): DeadlineView[] {
  return deadlines.map((d) => (d.kind === kind && SEVERITY[level] > SEVERITY[d.warning] ? { ...d, warning: level } : d));
}
