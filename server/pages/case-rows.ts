// A case as one row of a list (workbench, court inbox, an expert's cases), and the order lists use:
// the worst deadline warning first (red, orange, yellow, blue), then the nearest due date.
import type { WarningLevel } from '../../workflows/vocabulary.ts';
import { canSeePersonalData, type Viewer } from '../policy.ts';
import { maskedText } from '../privacy/mask.ts';
import { countingUnit, daysLeft, type DaysLeft } from '../../workflows/days-left.ts';
import type { Services } from '../services.ts';
import type { CaseRecord, DeadlineView } from '../store/port.ts';
import { t, type Lang } from './i18n.ts';
import { vocab } from './render.ts';

export const SEVERITY: Record<string, number> = { none: 0, green: 0, blue: 1, yellow: 2, orange: 3, red: 4 };

export interface DeadlineRow {
  kind: string;
  kindLabel: string;
  dueAt: string;
  warning: WarningLevel;
  warningLabel: string;
  provisional: boolean;
  /** days left or overdue in the days its rule counts, in words (还剩3个工作日 / 已超期2天); '' without a clock */
  inDays: string;
  overdue: boolean;
}

/** What counting days left needs: the holiday calendar, the clock, the limit rules in force. */
export type DayCount = { calendar: Parameters<typeof daysLeft>[0]; now: string; limits: Parameters<typeof countingUnit>[1] };

export function dayCountOf(services: Services): DayCount {
  return { calendar: services.settings.calendar(), now: services.engine.now(), limits: services.settings.deadlines.limits };
}

/** A deadline in the days its rule counts, in words: 还剩3个工作日, 今天届满, 已超期2天. */
export function inDays(lang: Lang, d: DaysLeft): string {
  const working = d.unit === 'working_days';
  if (d.state === 'left') return d.days === 0 ? t(lang, 'track_due_today') : t(lang, working ? 'track_left_working_days' : 'track_left_days', { n: d.days });
  return t(lang, working ? 'track_overdue_working_days' : 'track_overdue_days', { n: d.days });
}

export interface CaseRow {
  id: string;
  caseNo: string;
  status: string;
  statusLabel: string;
  tier: string;
  tierLabel: string;
  category: string;
  categoryLabel: string;
  compoundName: string;
  summary: string;
  warning: WarningLevel;
  warningLabel: string;
  warningShort: string;
  nextDue: DeadlineRow | null;
  updatedAt: string;
  assigneeNames: string;
  mine: boolean;
  version: number;
}

export function deadlineRow(lang: Lang, d: DeadlineView, count?: DayCount): DeadlineRow {
  const left = count ? daysLeft(count.calendar, count.now, d.dueAt, countingUnit(d, count.limits)) : null;
  return {
    inDays: left ? inDays(lang, left) : '',
    overdue: left?.state === 'overdue',
    kind: d.kind,
    kindLabel: t(lang, `dl_${d.kind}`),
    dueAt: d.dueAt,
    warning: d.warning,
    warningLabel: t(lang, `warn_${d.warning}`),
    provisional: d.provisional,
  };
}

/** Deadlines in the order they fall due. */
export function deadlineRows(lang: Lang, deadlines: readonly DeadlineView[], count?: DayCount): DeadlineRow[] {
  return [...deadlines].sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt)).map((d) => deadlineRow(lang, d, count));
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** `viewer`: who looks; the summary is masked unless they may see the case's personal data (an invited
 * expert may not: issue 15 §3). */
export function caseRow(lang: Lang, record: CaseRecord, services: Services, viewer: Viewer | null): CaseRow {
  const viewerId = viewer?.id ?? null;
  const visible = viewer !== null && canSeePersonalData(viewer, record, services.directory);
  const next = deadlineRows(lang, record.deadlines, dayCountOf(services))[0] ?? null;
  return {
    id: record.id,
    caseNo: record.caseNo,
    status: record.status,
    statusLabel: vocab(lang, 'status', record.status),
    tier: record.tier,
    tierLabel: vocab(lang, 'tier', record.tier),
    category: record.category,
    categoryLabel: vocab(lang, 'category', record.category),
    compoundName: services.directory.unit(record.compoundId)?.name ?? '',
    summary: clip(visible ? record.summary : maskedText(record.summary), 60),
    warning: record.warning,
    warningLabel: t(lang, `warn_${record.warning}`),
    warningShort: t(lang, `warn_short_${record.warning}`),
    nextDue: next,
    updatedAt: record.updatedAt,
    assigneeNames: record.assignees.map((id) => services.directory.user(id)?.name ?? id).join('、'),
    mine: viewerId !== null && record.assignees.includes(viewerId),
    version: record.version,
  };
}

/** Worst warning first, then the nearest due date, then the most recently changed. */
export function byUrgency(a: CaseRecord, b: CaseRecord): number {
  const w = (SEVERITY[b.warning] ?? 0) - (SEVERITY[a.warning] ?? 0);
  if (w) return w;
  const due = (r: CaseRecord) => Math.min(...r.deadlines.map((d) => Date.parse(d.dueAt)), Number.POSITIVE_INFINITY);
  const d = due(a) - due(b);
  if (d) return Number.isNaN(d) ? 0 : d;
  return a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0;
}

export interface WarningCount {
  level: string;
  label: string;
  count: number;
}

export function warningCounts(lang: Lang, records: readonly CaseRecord[]): WarningCount[] {
  return (['red', 'orange', 'yellow', 'blue', 'none'] as const).map((level) => ({
    level,
    label: t(lang, `warn_${level}`),
    count: records.filter((r) => r.warning === level).length,
  }));
}
