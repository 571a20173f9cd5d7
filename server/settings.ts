// The one owner of the settings an administrator may change while the service runs: deadline
// limits and warnings, routing rules, the recurrence window (倒查), the company warning rules, the
// satisfied score and the holiday calendar years. Each setting has ONE schema here; loading,
// validating, saving and putting a change in force all happen here, so every router and page that
// changes a setting gets the same rules and every reader sees the same value.
//
// Stored under two keys (kept as they were, so existing stores load unchanged): 'runtime' (deadlines,
// routing, calendarYears, recurrenceDays, caseNoDigits) and 'oversight' (companyRules, satisfiedAtLeast).
import Joi from 'joi';
import { createCalendar, type WorkingCalendar, type YearSchedule } from '../workflows/calendar/calendar.ts';
import { DEFAULT_FOLLOW_UP_OFFSETS, DEFAULT_LIMITS, DEFAULT_WARNING_FRACTIONS } from '../workflows/deadlines.ts';
import { DEFAULT_ROUTING, type RoutingRules } from '../workflows/routing.ts';
import { CATEGORIES } from '../workflows/vocabulary.ts';
import type { DeadlineSettings } from './engine/deadlines.ts';
import { ValidationFailed } from './engine/errors.ts';
import { DEFAULT_OVERSIGHT_SETTINGS, type CompanyRules } from './oversight/settings.ts';
import type { Store } from './store/port.ts';

/** The settings in force. */
export interface RuntimeSettings {
  deadlines: DeadlineSettings;
  routing: RoutingRules;
  calendarYears: YearSchedule[];
  /** recurrence look-back window in days (倒查) */
  recurrenceDays: number;
  /** 物业服务企业信用信息预警: the colour rules of /api/companies */
  companyRules: CompanyRules;
  /** a follow-up visit scoring at least this (1–5) counts as satisfied */
  satisfiedAtLeast: number;
  /** digits the serial of a case number is padded to with zeros; 0: none (第12号) — issue 12 §6 */
  caseNoDigits: number;
}

export const DEFAULT_RECURRENCE_DAYS = 365;
/** 第12号, not 第00012号: the serial as counted (issue 12 §6); an administrator may set a width */
export const DEFAULT_CASE_NO_DIGITS = 0;

const RUNTIME_KEY = 'runtime';
const OVERSIGHT_KEY = 'oversight';

// ── one schema per setting ─────────────────────────────────────────────────────────────────────

export const LIMIT_KINDS = ['acceptance', 'mediation', 'delegation', 'entrusted_ordinary', 'entrusted_summary', 'confirmation'] as const;

const limitRule = Joi.object({
  amount: Joi.number()
    .integer()
    .min(1)
    .when('unit', { is: 'months', then: Joi.number().max(24), otherwise: Joi.number().max(366) })
    .required(),
  unit: Joi.string().valid('days', 'working_days', 'months').required(),
  source: Joi.string().trim().min(1).max(500).required().description('the rule behind the limit'),
});

const fractions = Joi.object({
  blue: Joi.number().min(0).max(1).required(),
  yellow: Joi.number().min(0).max(1).required(),
  orange: Joi.number().min(0).max(1).required(),
})
  .custom((f: { blue: number; yellow: number; orange: number }, helpers) => (f.blue <= f.yellow && f.yellow <= f.orange ? f : helpers.error('fractions.order')))
  .messages({ 'fractions.order': '{{#label}} must satisfy blue <= yellow <= orange' });

const followUpOffsets = Joi.array().items(Joi.number().integer().min(0).max(3650)).min(1).max(10).unique().description('回访: days after the performance date');

/** workflow 2026.3: the most days a deadline may be extended while the case is at one tier (default 30: one further month) */
const maxExtensionDays = Joi.number().integer().min(1).max(366).description('cap on extensions per deadline and tier, in days (default 30)');

/** workflow 2026.3: a major dispute with fewer mediators shows a warning (never refused; 人民调解法 art. 19) */
const majorMinMediators = Joi.number().integer().min(1).max(10).description('mediators a major dispute should have; fewer shows a warning on the case (default 2)');

const categories = () => Joi.array().items(Joi.string().valid(...CATEGORIES)).unique().max(CATEGORIES.length);

const colourRule = Joi.object({
  disputes: Joi.number().integer().min(1).max(100_000),
  recurrences: Joi.number().integer().min(1).max(100_000),
  nonPerformance: Joi.number().integer().min(1).max(100_000),
});

const isoDay = Joi.string().pattern(/^\d{4}-\d{2}-\d{2}$/);

/** A year's published schedule (国务院办公厅 notice): rest days and make-up working days. */
export const yearScheduleSchema = Joi.object({
  year: Joi.number().integer().min(2000).max(2100).required(),
  holidays: Joi.array().items(isoDay).max(60).unique().required().description('rest days under the notice (放假), YYYY-MM-DD'),
  workdays: Joi.array().items(isoDay).max(20).unique().required().description('make-up working days (调休上班), YYYY-MM-DD'),
  source: Joi.string().trim().min(1).max(300).description("the notice's number or address"),
});

/** The full schema of each setting: what is saved and used. */
export const SETTING_SCHEMAS = {
  deadlines: Joi.object({
    limits: Joi.object(Object.fromEntries(LIMIT_KINDS.map((k) => [k, limitRule.required()]))).required(),
    fractions: fractions.required(),
    followUpOffsets: followUpOffsets.required(),
    maxExtensionDays,
  }),
  routing: Joi.object({
    majorHouseholds: Joi.number().integer().min(1).max(100_000).required(),
    majorAmount: Joi.number().min(0).max(1e12).required(),
    majorCategories: categories().required(),
    specialisedCategories: categories().required(),
    majorMinMediators,
  }),
  recurrenceDays: Joi.number().integer().min(1).max(3650).description('倒查 look-back window in days'),
  companyRules: Joi.object({ red: colourRule.required(), orange: colourRule.required(), yellow: colourRule.required() }),
  satisfiedAtLeast: Joi.number().integer().min(1).max(5),
  calendarYears: Joi.array().items(yearScheduleSchema).unique('year'),
  caseNoDigits: Joi.number().integer().min(0).max(8).description('pad the serial of new case numbers to this many digits with zeros (0: none, 第12号; 5: 第00012号)'),
} as const satisfies Record<keyof RuntimeSettings, Joi.Schema>;

/** What a change may carry for each setting: objects may be partial (the rest keeps its value). */
const PATCH_SCHEMAS = {
  deadlines: Joi.object({
    limits: Joi.object(Object.fromEntries(LIMIT_KINDS.map((k) => [k, limitRule]))),
    fractions,
    followUpOffsets,
    maxExtensionDays,
  }),
  routing: Joi.object({
    majorHouseholds: Joi.number().integer().min(1).max(100_000),
    majorAmount: Joi.number().min(0).max(1e12),
    majorCategories: categories(),
    specialisedCategories: categories(),
    majorMinMediators,
  }),
  recurrenceDays: SETTING_SCHEMAS.recurrenceDays,
  companyRules: Joi.object({ red: colourRule, orange: colourRule, yellow: colourRule }),
  satisfiedAtLeast: SETTING_SCHEMAS.satisfiedAtLeast,
  caseNoDigits: SETTING_SCHEMAS.caseNoDigits,
  /** PUT /api/admin/settings takes back what GET shows: the whole list of years (each checked) */
  calendarYears: SETTING_SCHEMAS.calendarYears,
} as const;

export type PatchableSetting = keyof typeof PATCH_SCHEMAS;

export interface SettingsPatch {
  deadlines?: {
    limits?: Partial<DeadlineSettings['limits']>;
    fractions?: DeadlineSettings['fractions'];
    followUpOffsets?: number[];
    maxExtensionDays?: number;
  };
  routing?: Partial<RoutingRules>;
  recurrenceDays?: number;
  companyRules?: Partial<CompanyRules>;
  satisfiedAtLeast?: number;
  caseNoDigits?: number;
  calendarYears?: YearSchedule[];
}

/** The request body that changes some of `keys` (at least one): for the routers that expose them. */
export function patchSchema(keys: readonly PatchableSetting[]): Joi.ObjectSchema {
  return Joi.object(Object.fromEntries(keys.map((k) => [k, PATCH_SCHEMAS[k]]))).min(1);
}

/** A year's dates must be real days of that year, and a day cannot be both a holiday and a workday. */
/** Refuses a year's schedule whose dates are not real, not in the year, or both holiday and working day. */
export function checkCalendarYear(year: YearSchedule): void {
  checkYear(year);
}

function checkYear(year: YearSchedule): void {
  const problems: Array<{ field: string; in: 'body'; message: string }> = [];
  const check = (list: readonly string[], field: string) =>
    list.forEach((d, i) => {
      const ms = Date.parse(`${d}T00:00:00Z`);
      if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== d) problems.push({ field: `${field}.${i}`, in: 'body', message: `"${field}[${i}]" is not a real date` });
      else if (Number(d.slice(0, 4)) !== year.year) problems.push({ field: `${field}.${i}`, in: 'body', message: `"${field}[${i}]" is not in ${year.year}` });
    });
  check(year.holidays, 'holidays');
  check(year.workdays, 'workdays');
  year.workdays.forEach((d, i) => {
    if (year.holidays.includes(d)) problems.push({ field: `workdays.${i}`, in: 'body', message: `"workdays[${i}]" is also listed as a holiday` });
  });
  if (problems.length) throw new ValidationFailed(problems.length === 1 ? `invalid body: ${problems[0].message}` : 'invalid body: calendar dates', problems);
}

/** A year checked (checkYear) with its days in order, as it is saved. */
function checkedYear(year: YearSchedule): YearSchedule {
  checkYear(year);
  return { ...year, holidays: [...year.holidays].sort(), workdays: [...year.workdays].sort() };
}

/** The same years with the same days (order of the list aside): sending GET's answer back changes nothing. */
function sameYears(a: readonly YearSchedule[], b: readonly YearSchedule[]): boolean {
  const key = (ys: readonly YearSchedule[]) => JSON.stringify([...ys].map(checkedYearKey).sort());
  return key(a) === key(b);
}
const checkedYearKey = (y: YearSchedule) => JSON.stringify([y.year, [...y.holidays].sort(), [...y.workdays].sort(), y.source ?? null]);

function validated<K extends keyof RuntimeSettings>(key: K, value: unknown): RuntimeSettings[K] {
  const { error, value: out } = SETTING_SCHEMAS[key].validate(value, { abortEarly: false, convert: false });
  if (error) {
    const details = error.details.map((d) => ({ field: [key, ...d.path].join('.'), in: 'body' as const, message: d.message }));
    throw new ValidationFailed(`invalid body: ${details[0].message}`, details);
  }
  return out as RuntimeSettings[K];
}

// ── the owner ──────────────────────────────────────────────────────────────────────────────────

/** `calendarChanged`: a year's schedule was added or replaced (provisional deadlines move). */
type Listener = (settings: Readonly<RuntimeSettings>, change: { calendarChanged: boolean }) => void | Promise<void>;

export class Settings {
  private current: RuntimeSettings;
  private cal: WorkingCalendar;
  private readonly listeners: Listener[] = [];

  private constructor(
    private readonly store: Store,
    initial: RuntimeSettings,
  ) {
    this.current = initial;
    this.cal = createCalendar(initial.calendarYears);
  }

  /** Reads what is saved; anything never saved takes its default. */
  static async load(store: Store): Promise<Settings> {
    const runtime = (await store.settings.get<Partial<RuntimeSettings>>(RUNTIME_KEY)) ?? {};
    const oversight = (await store.settings.get<Partial<RuntimeSettings>>(OVERSIGHT_KEY)) ?? {};
    return new Settings(store, {
      deadlines: runtime.deadlines ?? { limits: DEFAULT_LIMITS, fractions: DEFAULT_WARNING_FRACTIONS, followUpOffsets: DEFAULT_FOLLOW_UP_OFFSETS },
      routing: runtime.routing ?? structuredClone(DEFAULT_ROUTING),
      calendarYears: runtime.calendarYears ?? [],
      recurrenceDays: typeof runtime.recurrenceDays === 'number' && runtime.recurrenceDays > 0 ? runtime.recurrenceDays : DEFAULT_RECURRENCE_DAYS,
      companyRules: { ...DEFAULT_OVERSIGHT_SETTINGS.companyRules, ...(oversight.companyRules ?? {}) },
      satisfiedAtLeast: oversight.satisfiedAtLeast ?? DEFAULT_OVERSIGHT_SETTINGS.satisfiedAtLeast,
      caseNoDigits: typeof runtime.caseNoDigits === 'number' ? runtime.caseNoDigits : DEFAULT_CASE_NO_DIGITS,
    });
  }

  /** Told of every change once it is saved (the engine takes new limits and rules this way). */
  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  get all(): Readonly<RuntimeSettings> {
    return this.current;
  }
  get deadlines(): DeadlineSettings {
    return this.current.deadlines;
  }
  get routing(): RoutingRules {
    return this.current.routing;
  }
  get recurrenceDays(): number {
    return this.current.recurrenceDays;
  }
  get companyRules(): CompanyRules {
    return this.current.companyRules;
  }
  get satisfiedAtLeast(): number {
    return this.current.satisfiedAtLeast;
  }
  get caseNoDigits(): number {
    return this.current.caseNoDigits;
  }
  get calendarYears(): readonly YearSchedule[] {
    return this.current.calendarYears;
  }
  /** the working-day calendar in force (packaged holiday data plus years an administrator added) */
  calendar(): WorkingCalendar {
    return this.cal;
  }

  /** Validates a change whole (every setting it touches, after merging), saves it, puts it in force. */
  async change(patch: SettingsPatch): Promise<Readonly<RuntimeSettings>> {
    const cur = this.current;
    const next: RuntimeSettings = { ...cur };
    if (patch.deadlines) {
      next.deadlines = validated('deadlines', {
        limits: { ...cur.deadlines.limits, ...(patch.deadlines.limits ?? {}) },
        fractions: patch.deadlines.fractions ?? cur.deadlines.fractions,
        followUpOffsets: patch.deadlines.followUpOffsets ?? cur.deadlines.followUpOffsets,
        ...((patch.deadlines.maxExtensionDays ?? cur.deadlines.maxExtensionDays) !== undefined
          ? { maxExtensionDays: patch.deadlines.maxExtensionDays ?? cur.deadlines.maxExtensionDays }
          : {}),
      });
    }
    if (patch.routing) next.routing = validated('routing', { ...cur.routing, ...patch.routing });
    if (patch.recurrenceDays !== undefined) next.recurrenceDays = validated('recurrenceDays', patch.recurrenceDays);
    if (patch.companyRules) next.companyRules = validated('companyRules', { ...cur.companyRules, ...patch.companyRules });
    if (patch.satisfiedAtLeast !== undefined) next.satisfiedAtLeast = validated('satisfiedAtLeast', patch.satisfiedAtLeast);
    if (patch.caseNoDigits !== undefined) next.caseNoDigits = validated('caseNoDigits', patch.caseNoDigits);
    if (patch.calendarYears !== undefined && !sameYears(patch.calendarYears, cur.calendarYears)) {
      next.calendarYears = validated('calendarYears', patch.calendarYears).map(checkedYear);
    }
    await this.save(next);
    return this.current;
  }

  /** Adds or replaces a year's published holiday schedule; provisional deadlines are then recomputed by the listener. */
  async setCalendarYear(year: YearSchedule): Promise<void> {
    const sorted = checkedYear(validated('calendarYears', [year])[0]);
    await this.save({ ...this.current, calendarYears: [...this.current.calendarYears.filter((y) => y.year !== year.year), sorted] });
  }

  private async save(next: RuntimeSettings): Promise<void> {
    const { companyRules, satisfiedAtLeast, ...runtime } = next;
    await this.store.settings.put(RUNTIME_KEY, runtime);
    await this.store.settings.put(OVERSIGHT_KEY, { companyRules, satisfiedAtLeast });
    const calendarChanged = next.calendarYears !== this.current.calendarYears;
    if (calendarChanged) this.cal = createCalendar(next.calendarYears);
    this.current = next;
    for (const listener of this.listeners) await listener(next, { calendarChanged });
  }
}
