// Working-day calendar for mainland China (DOMAIN.md, "Deadlines and the rules behind them").
//
// Statutory holidays and make-up working days (调休) come from the State Council's yearly notice,
// as packaged by `chinese-days`. We read the package's data file rather than its functions:
// its functions answer "no holidays" for a year it has no data for (2027-10-01 is a "workday"),
// and they depend on the process's time zone (west of UTC, Saturday 2025-01-04 comes out a workday).
// Here a year counts as covered only if its notice is in the data; any other year gets a
// provisional fallback (see isWorkingDay).
//
// Pure: dates are Asia/Shanghai calendar dates as 'YYYY-MM-DD' strings. China has had no DST since
// 1991, so Shanghai time is UTC+08:00 and plain offset arithmetic is exact.
import packageData from 'chinese-days/dist/chinese-days.json' with { type: 'json' };

export interface YearSchedule {
  year: number;
  /** Rest days under the year's notice (放假), YYYY-MM-DD, all within `year`. */
  holidays: string[];
  /** Make-up working days on weekends (调休上班), YYYY-MM-DD, all within `year`. */
  workdays: string[];
  /** Where the schedule comes from, e.g. the notice's number or URL. */
  source?: string;
}

export interface WorkingCalendar {
  isWorkingDay(date: string): boolean;
  /** True when the year's holiday notice is known; otherwise answers for that year are provisional. */
  covers(year: number): boolean;
  coveredYears(): number[];
  sourceOf(year: number): string | undefined;
  /** The date itself if it is a working day, else the first working day after it. */
  nextWorkingDay(date: string): string;
  /** The n-th working day after `date` (the start day is not counted); n = 0 gives `date`. */
  addWorkingDays(date: string, n: number): string;
  /** A new calendar that takes `s` as the authoritative schedule for `s.year`. */
  withYear(s: YearSchedule): WorkingCalendar;
}

export const PACKAGE_SOURCE = 'chinese-days (国务院办公厅部分节假日安排通知)';

// ---------------------------------------------------------------------------------------------
// Calendar-date arithmetic on 'YYYY-MM-DD' strings (UTC-based, independent of the process TZ).

const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Milliseconds of the date's UTC midnight; throws on anything but a real 'YYYY-MM-DD' date. */
function dateMs(date: string): number {
  const m = DATE_RE.exec(date);
  if (m) {
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (new Date(ms).toISOString().slice(0, 10) === date) return ms;
  }
  throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
}

const msDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export function assertDate(date: string): string {
  dateMs(date);
  return date;
}

export const yearOf = (date: string): number => new Date(dateMs(date)).getUTCFullYear();

export const addDays = (date: string, n: number): string => msDate(dateMs(date) + n * DAY_MS);

/** The corresponding day n months later, or that month's last day if it has none (民法典 art. 202). */
export function addMonths(date: string, n: number): string {
  const d = new Date(dateMs(date));
  const monthIndex = d.getUTCFullYear() * 12 + d.getUTCMonth() + n;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return msDate(Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay)));
}

const isWeekend = (date: string): boolean => {
  const wd = new Date(dateMs(date)).getUTCDay();
  return wd === 0 || wd === 6;
};

// ---------------------------------------------------------------------------------------------
// Instants <-> Shanghai dates.

const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Epoch milliseconds of an ISO instant. The offset (or Z) is required: a bare local time is ambiguous. */
export function instantMs(iso: string): number {
  const ms = INSTANT_RE.test(iso) ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO instant with an offset: ${JSON.stringify(iso)}`);
  return ms;
}

/** An instant as ISO 8601 in Shanghai time, e.g. '2026-12-23T10:00:00.000+08:00'. */
export function shanghaiIso(instant: string | number): string {
  const ms = typeof instant === 'number' ? instant : instantMs(instant);
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().replace('Z', '+08:00');
}

/** The Shanghai calendar date of an ISO instant; a bare 'YYYY-MM-DD' is taken as already that date. */
export function shanghaiDate(iso: string): string {
  if (DATE_RE.test(iso)) return assertDate(iso);
  return msDate(instantMs(iso) + SHANGHAI_OFFSET_MS);
}

/** A day's last instant: a period's last day ends at 24:00 (民法典 art. 203 para. 2). */
export const endOfShanghaiDay = (date: string): string => `${assertDate(date)}T23:59:59.999+08:00`;

// ---------------------------------------------------------------------------------------------
// The calendar.

/**
 * Rest days fixed by calendar date in 《全国年节及纪念日放假办法》 (2024 revision, in force 2025):
 * 元旦 Jan 1, 劳动节 May 1-2, 国庆节 Oct 1-3. The lunar holidays (春节, 清明, 端午, 中秋) and the
 * 调休 swaps are only known from each year's notice, so an uncovered year ignores them.
 */
const FIXED_HOLIDAYS = new Set(['01-01', '05-01', '05-02', '10-01', '10-02', '10-03']);

interface State {
  /** date -> working? for every date the notices override (holiday: false, make-up day: true). */
  days: ReadonlyMap<string, boolean>;
  /** covered year -> source */
  years: ReadonlyMap<number, string>;
}

interface PackageData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

/** Years whose notice is in the package: both 春节 and 国庆 holidays are listed for the year. */
function packageState(data: PackageData): State {
  const days = new Map<string, boolean>();
  const spring = new Set<number>();
  const national = new Set<number>();
  for (const [date, info] of Object.entries(data.holidays)) {
    days.set(date, false);
    if (info.startsWith('Spring Festival')) spring.add(yearOf(date));
    if (info.startsWith('National Day')) national.add(yearOf(date));
  }
  for (const date of Object.keys(data.workdays)) days.set(date, true);
  const years = new Map([...spring].filter((y) => national.has(y)).map((y) => [y, PACKAGE_SOURCE] as const));
  return { days, years };
}

function validateSchedule(s: YearSchedule): void {
  if (!Number.isInteger(s.year)) throw new RangeError(`schedule year must be an integer: ${s.year}`);
  const seen = new Set<string>();
  for (const date of [...s.holidays, ...s.workdays]) {
    if (yearOf(date) !== s.year) throw new RangeError(`${date} is outside the ${s.year} schedule`);
    if (seen.has(date)) throw new RangeError(`${date} is listed twice in the ${s.year} schedule`);
    seen.add(date);
  }
}

function applySchedule(state: State, s: YearSchedule): State {
  validateSchedule(s);
  // The supplied schedule is authoritative for every date of its year.
  const days = new Map([...state.days].filter(([date]) => !date.startsWith(`${s.year}-`)));
  for (const date of s.holidays) days.set(date, false);
  for (const date of s.workdays) days.set(date, true);
  const years = new Map(state.years).set(s.year, s.source ?? `schedule for ${s.year}`);
  return { days, years };
}

function calendarFrom(state: State): WorkingCalendar {
  const covers = (year: number) => state.years.has(year);

  const isWorkingDay = (date: string): boolean => {
    const listed = state.days.get(assertDate(date));
    if (listed !== undefined) return listed;
    if (isWeekend(date)) return false;
    // A covered year without an entry is an ordinary weekday; an uncovered one may still hit a
    // fixed-date holiday (provisional: its lunar holidays and 调休 are unknown).
    return covers(yearOf(date)) || !FIXED_HOLIDAYS.has(date.slice(5));
  };

  const nextWorkingDay = (date: string): string => {
    let d = assertDate(date);
    for (let i = 0; i < 366; i++, d = addDays(d, 1)) if (isWorkingDay(d)) return d;
    throw new RangeError(`no working day within a year after ${date}`);
  };

  const addWorkingDays = (date: string, n: number): string => {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be a whole number >= 0: ${n}`);
    let d = assertDate(date);
    for (let left = n; left > 0; left--) d = nextWorkingDay(addDays(d, 1));
    return d;
  };

  return {
    isWorkingDay,
    covers,
    coveredYears: () => [...state.years.keys()].sort((a, b) => a - b),
    sourceOf: (year) => state.years.get(year),
    nextWorkingDay,
    addWorkingDays,
    withYear: (s) => calendarFrom(applySchedule(state, s)),
  };
}

const PACKAGE_STATE = packageState(packageData as PackageData);

/** The packaged notices of the years up to `year` only: what a calendar knew before later notices
 * were packaged (tests of provisional deadlines pin it, so a newer chinese-days cannot change them). */
function packagedThrough(state: State, year: number): State {
  return {
    days: new Map([...state.days].filter(([date]) => yearOf(date) <= year)),
    years: new Map([...state.years].filter(([y]) => y <= year)),
  };
}

/** A calendar from the packaged notices, with `extra` schedules taking precedence for their years.
 * `packagedThrough`: use the packaged notices up to that year only. */
export function createCalendar(extra: YearSchedule[] = [], opts: { packagedThrough?: number } = {}): WorkingCalendar {
  const base = opts.packagedThrough === undefined ? PACKAGE_STATE : packagedThrough(PACKAGE_STATE, opts.packagedThrough);
  return calendarFrom(extra.reduce(applySchedule, base));
}

/** True when any year from `from`'s to `to`'s is not covered: results over that span are provisional. */
export function spansUncoveredYear(calendar: WorkingCalendar, from: string, to: string): boolean {
  const [a, b] = [yearOf(from), yearOf(to)].sort((x, y) => x - y);
  for (let y = a; y <= b; y++) if (!calendar.covers(y)) return true;
  return false;
}
