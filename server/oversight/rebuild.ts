// Backfill: cases committed before the oversight projection existed (or projected by an older
// FACTS_VERSION, or by an event that found no projection before it) are projected again from their
// snapshot and their history. Runs at start-up in the background; cheap when nothing is stale (one
// indexed query).
import type { WorkingCalendar } from '../../workflows/calendar/calendar.ts';
import type { CaseRecord, EventRecord, Store } from '../store/port.ts';
import { FACTS_VERSION, projectOversight, type FactsHistory, type FactsLookup } from './facts.ts';

export function historyOf(events: readonly EventRecord[]): FactsHistory {
  const register = events.find((e) => e.type === 'REGISTER');
  const data = (register?.data ?? {}) as { source?: { system?: unknown; ref?: unknown }; relatedCases?: unknown; transferredFrom?: unknown };
  const s = data.source;
  return {
    everOverdue: events.some((e) => e.type === 'DEADLINE_EXPIRED'),
    source: s && typeof s.system === 'string' && typeof s.ref === 'string' ? { system: s.system, ref: s.ref } : null,
    relatedCases: Array.isArray(data.relatedCases) ? (data.relatedCases as FactsHistory['relatedCases']) : [],
    firstAcceptedAt: events.find((e) => e.type === 'ACCEPT')?.at ?? null,
    transferredFrom: data.transferredFrom === 'police' || data.transferredFrom === 'petition' || data.transferredFrom === 'other' ? data.transferredFrom : null,
  };
}

/** Projects every stale case; returns how many were written. */
export async function rebuildOversight(store: Store, calendar: WorkingCalendar, opts: { batch?: number; lookup?: FactsLookup } = {}): Promise<number> {
  if (!store.oversight) return 0;
  const batch = opts.batch ?? 200;
  let written = 0;
  let previous = '';
  let lookup = opts.lookup;
  for (;;) {
    const ids = await store.oversight.stale(FACTS_VERSION, batch);
    if (ids.length === 0) return written;
    lookup ??= await usersLookup(store);
    const signature = ids.join(',');
    if (signature === previous) return written; // nothing moved since the last round: do not spin
    previous = signature;
    const records: CaseRecord[] = [];
    for (const id of ids) {
      const record = await store.cases.get(id);
      if (!record) continue;
      const events = await store.events.list(id);
      const last = events[events.length - 1] ?? { type: 'REGISTER', at: record.createdAt, data: {} };
      const oversight = projectOversight({ ...record, oversight: undefined }, last, undefined, calendar, historyOf(events), lookup);
      records.push({ ...record, oversight });
    }
    await store.oversight.project(records);
    written += records.length;
  }
}

/** The users' names as the store holds them (what the directory would say): the lookup of a projection
 * made without a directory at hand (a tool, the projector in a test). */
export async function usersLookup(store: Store): Promise<FactsLookup> {
  const names = new Map((await store.users.list()).map((u) => [u.id, u.name]));
  return { userName: (id) => names.get(id) };
}
