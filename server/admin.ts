// Changing run-time settings as an administrator: the use cases behind PUT /api/admin/settings,
// PUT /api/oversight/settings and the two settings forms of the /admin page, so all of them accept
// the same bodies (one patch schema each, built from server/settings.ts) and audit alike; and a
// year's holiday schedule (POST /api/admin/calendar/preview, POST /api/admin/calendar, the /admin
// page's upload), previewed before it is set.
import Joi from 'joi';
import type { YearSchedule } from '../workflows/calendar/calendar.ts';
import type { DeadlineKind } from '../workflows/vocabulary.ts';
import { parseHolidayNotice, type ParsedSchedule } from './calendar-notice.ts';
import { isoShanghai, type Clock } from './engine/clock.ts';
import { ValidationFailed } from './engine/errors.ts';
import { planDeadlines } from './engine/deadlines.ts';
import type { Org } from './org.ts';
import { checkCalendarYear, patchSchema, yearScheduleSchema, type PatchableSetting, type RuntimeSettings, type Settings, type SettingsPatch } from './settings.ts';
import type { Store, UserRecord } from './store/port.ts';

interface Deps {
  store: Store;
  settings: Settings;
}

/** Deadlines, routing, the recurrence window, case-number padding and the calendar years (PUT
 * /api/admin/settings: exactly what GET shows, any part of it). */
export const RUNTIME_SETTINGS: readonly PatchableSetting[] = ['deadlines', 'routing', 'recurrenceDays', 'caseNoDigits', 'calendarYears'];
export const runtimeSettingsBody = patchSchema(RUNTIME_SETTINGS);

/** The company warning rules, the satisfied score and the recurrence window (PUT /api/oversight/settings). */
export const OVERSIGHT_SETTINGS: readonly PatchableSetting[] = ['companyRules', 'satisfiedAtLeast', 'recurrenceDays'];
export const oversightSettingsBody = patchSchema(OVERSIGHT_SETTINGS);

/** `patch` validated against runtimeSettingsBody; audited as settings.changed. */
export async function changeRuntimeSettings(deps: Deps, actor: UserRecord, patch: SettingsPatch, ip: string | undefined): Promise<Readonly<RuntimeSettings>> {
  const next = await deps.settings.change(patch);
  await deps.store.audit.append({ at: isoShanghai(new Date()), actor: actor.id, action: 'settings.changed', ip: ip ?? null, detail: { changed: patch } });
  return next;
}

/** `patch` validated against oversightSettingsBody; audited as oversight.settings, without waiting
 * (as the oversight routes' other audit entries: a failed audit write does not undo the change). */
export async function changeOversightSettings(deps: Deps, actor: UserRecord, patch: SettingsPatch, ip: string | undefined): Promise<Readonly<RuntimeSettings>> {
  const next = await deps.settings.change(patch);
  void deps.store.audit.append({ at: isoShanghai(new Date()), actor: actor.id, action: 'oversight.settings', ip: ip ?? null, detail: patch }).catch(() => {});
  return next;
}

// ── a year's holiday schedule (国务院办公厅 notice): preview, then the change ──────────────────────

/** One provisional deadline the new year's schedule would move. */
export interface DeadlineMove {
  caseId: string;
  caseNo: string;
  bodyId: string;
  bodyName: string;
  kind: DeadlineKind;
  oldDueAt: string;
  newDueAt: string;
  /** still provisional after the change (it runs into a year that is not covered yet) */
  stillProvisional: boolean;
}

export interface CalendarPreview {
  year: number;
  holidays: string[];
  workdays: string[];
  source?: string;
  /** provisional deadlines whose due date changes */
  moves: DeadlineMove[];
  /** provisional deadlines that keep their due date (and stop being provisional unless they run on) */
  unchanged: number;
  /** whether the year is covered already (the new schedule replaces it) */
  replaces: boolean;
}

interface CalendarDeps {
  store: Store;
  settings: Settings;
  clock: Clock;
  directory: Pick<Org, 'body'>;
}

/** What setting the year's schedule would do to every open case's provisional deadlines, computed as
 * the engine's DEADLINES_RECALCULATED computes them (server/engine/deadlines.ts planDeadlines), with
 * nothing written. `schedule` validated against yearScheduleSchema. */
export async function previewCalendarYear(deps: CalendarDeps, schedule: YearSchedule): Promise<CalendarPreview> {
  checkCalendarYear(schedule);
  const calendar = deps.settings.calendar().withYear(schedule);
  const now = isoShanghai(deps.clock.now());
  const moves: DeadlineMove[] = [];
  let unchanged = 0;
  for (let after: string | null = null; ; ) {
    const page = await deps.store.cases.scan(after, 500);
    if (page.length === 0) break;
    after = page[page.length - 1].id;
    for (const record of page) {
      const provisional = record.deadlines.filter((d) => d.provisional);
      if (provisional.length === 0) continue;
      const ctx = record.snapshot.context;
      const plan = planDeadlines({
        caseId: record.id,
        current: record.deadlines,
        commands: [{ type: 'deadline.recompute' }],
        now,
        calendar,
        settings: deps.settings.deadlines,
        delegationMode: ctx.delegation?.mode,
        delegationProcedure: ctx.delegation?.procedure,
      });
      for (const old of provisional) {
        const next = plan.deadlines.find((d) => d.kind === old.kind);
        if (!next || next.dueAt === old.dueAt) {
          unchanged++;
          continue;
        }
        moves.push({
          caseId: record.id,
          caseNo: record.caseNo,
          bodyId: record.bodyId,
          bodyName: deps.directory.body(record.bodyId)?.name ?? record.bodyId,
          kind: old.kind,
          oldDueAt: old.dueAt,
          newDueAt: next.dueAt,
          stillProvisional: next.provisional,
        });
      }
    }
  }
  moves.sort((a, b) => a.oldDueAt.localeCompare(b.oldDueAt) || a.caseNo.localeCompare(b.caseNo));
  return {
    year: schedule.year,
    holidays: [...schedule.holidays].sort(),
    workdays: [...schedule.workdays].sort(),
    ...(schedule.source ? { source: schedule.source } : {}),
    moves,
    unchanged,
    replaces: deps.settings.all.calendarYears.some((y) => y.year === schedule.year),
  };
}

/** Adds or replaces a year's schedule (POST /api/admin/calendar and the /admin page's confirmation):
 * saved, then every case with a provisional deadline gets DEADLINES_RECALCULATED. Audited. */
export async function setCalendarYear(deps: Deps, actor: UserRecord, schedule: YearSchedule, ip: string | undefined): Promise<number[]> {
  await deps.settings.setCalendarYear(schedule);
  await deps.store.audit.append({
    at: isoShanghai(new Date()),
    actor: actor.id,
    action: 'calendar.year',
    ip: ip ?? null,
    detail: { year: schedule.year, holidays: schedule.holidays.length, workdays: schedule.workdays.length, ...(schedule.source ? { source: schedule.source } : {}) },
  });
  return deps.settings.calendar().coveredYears();
}

/** POST /api/admin/calendar/preview and the /admin upload: dates as the calendar takes them, or the
 * notice (or a list of dates) as text, read by server/calendar-notice.ts. */
export const calendarPreviewBody = Joi.object({
  text: Joi.string().max(100_000).description('the 国务院办公厅 notice as text, or a plain list of dates (one or more a line; 上班 marks make-up working days)'),
  year: yearScheduleSchema.extract('year').optional().description('the year meant, when the text does not say it'),
  holidays: yearScheduleSchema.extract('holidays').optional(),
  workdays: yearScheduleSchema.extract('workdays').optional(),
  source: yearScheduleSchema.extract('source'),
})
  .xor('text', 'holidays')
  .with('holidays', ['year', 'workdays'])
  .messages({ 'object.missing': 'send "text" (the notice) or "year", "holidays" and "workdays"' });

export interface CalendarInput {
  text?: string;
  year?: number;
  holidays?: string[];
  workdays?: string[];
  source?: string;
}

/** The schedule the input means, and, for text, what was read from it. ValidationFailed when the text
 * gives no year or no dates, or the dates fail the calendar's rules. */
export function scheduleOf(input: CalendarInput): { schedule: YearSchedule; parsed?: Pick<ParsedSchedule, 'lines' | 'warnings'> } {
  if (input.text === undefined) {
    const schedule: YearSchedule = { year: input.year!, holidays: input.holidays ?? [], workdays: input.workdays ?? [], ...(input.source ? { source: input.source } : {}) };
    return { schedule };
  }
  const parsed = parseHolidayNotice(input.text, input.year ?? null);
  const problem = (message: string) => new ValidationFailed(`invalid body: ${message}`, [{ field: 'text', in: 'body', message }]);
  if (parsed.year === null && parsed.warnings.length > 0) throw problem('"text": the year is not given (send "year")');
  if (parsed.holidays.length === 0 && parsed.workdays.length === 0) throw problem('"text": no dates found (paste the notice, or one date a line)');
  if (parsed.year === null) throw problem('"text": the year is not given (send "year")');
  const source = input.source ?? parsed.source;
  const schedule: YearSchedule = { year: parsed.year, holidays: parsed.holidays, workdays: parsed.workdays, ...(source ? { source } : {}) };
  const checked = yearScheduleSchema.validate(schedule, { abortEarly: false, convert: false });
  if (checked.error) throw problem(`"text": ${checked.error.details[0].message}`);
  return { schedule, parsed: { lines: parsed.lines, warnings: parsed.warnings } };
}
