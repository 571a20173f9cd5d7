// The core every entry point runs on a store: the run-time settings, the organisation, the engine
// (with the oversight projection) and the deadline scheduler, wired to each other. `npm start`
// (server/wiring.ts), the test harnesses and the benchmarks all build it here, so a test runs the
// engine exactly as the product does.
import type { WorkingCalendar } from '../workflows/calendar/calendar.ts';
import type { Clock } from './engine/clock.ts';
import { AccessCodes } from './auth/access-codes.ts';
import { DEFAULT_APP_SECRET } from './config.ts';
import { Directory } from './engine/directory.ts';
import { Engine } from './engine/engine.ts';
import { Scheduler, type SchedulerOptions } from './engine/scheduler.ts';
import { oversightProjection } from './oversight/projection.ts';
import { Projector, registerProjector } from './oversight/projector.ts';
import { Settings } from './settings.ts';
import type { CaseRecord, OutboxEntry, OutboxLease, Store } from './store/port.ts';

export interface Core {
  settings: Settings;
  directory: Directory;
  engine: Engine;
  scheduler: Scheduler;
  /** writes the oversight projection after each commit (server/oversight/projector.ts) */
  projector: Projector;
}

export interface CoreOptions {
  /** told after each group commit lands, with the live entries it wrote leased (the live relay) */
  onCommitted?: (leased: OutboxEntry[]) => void;
  /** claim at commit: the lease live outbox entries are written with (the live relay's), or null */
  outboxLease?: () => OutboxLease | null;
  /** whether to write the webhooks' source row with each event (some subscription is active) */
  webhooksWanted?: () => boolean;
  /** told each group's committed records before they are acknowledged (the anchor log) */
  anchor?: (committed: CaseRecord[]) => Promise<void>;
  /** the secret access codes are hashed under (APP_SECRET) and the earlier ones; the product's wiring
   * passes its configuration's, tests and benchmarks the development default */
  appSecret?: { current: string; previous?: readonly string[] };
  /** a calendar other than the settings' (tests that pin one) */
  calendar?: () => WorkingCalendar;
  scheduler?: SchedulerOptions;
  /** false: the projector is built but not started (tests that drive it by hand; reads then project
   * what they need themselves) */
  projector?: boolean;
  /** told when a projector pass fails (it is retried) */
  onProjectorError?: (err: unknown) => void;
}

/** Loads the settings and the organisation from an initialised store and builds the engine on them. */
export async function buildCore(store: Store, clock: Clock, opts: CoreOptions = {}): Promise<Core> {
  const settings = await Settings.load(store);
  const directory = await new Directory(store).refresh();
  const calendar = opts.calendar ?? (() => settings.calendar());
  const projector = registerProjector(store, new Projector(store, calendar, { onError: opts.onProjectorError, lookup: { userName: (id) => directory.user(id)?.name } }));
  const engine = new Engine({
    store,
    clock,
    directory,
    calendar,
    deadlines: settings.deadlines,
    routing: settings.routing,
    recurrenceDays: settings.recurrenceDays,
    caseNoDigits: settings.caseNoDigits,
    oversight: oversightProjection,
    accessCodes: new AccessCodes(opts.appSecret?.current ?? DEFAULT_APP_SECRET, opts.appSecret?.previous ?? []),
    onCommitted: (leased, events) => {
      projector.committed(events);
      opts.onCommitted?.(leased);
    },
    ...(opts.outboxLease ? { outboxLease: opts.outboxLease } : {}),
    ...(opts.anchor ? { anchor: opts.anchor } : {}),
    ...(opts.webhooksWanted ? { webhooksWanted: opts.webhooksWanted } : {}),
  });
  // a change an administrator saves is in force for the next event; a new holiday year moves the
  // provisional deadlines
  settings.onChange(async (s, { calendarChanged }) => {
    engine.updateSettings({ deadlines: s.deadlines, routing: s.routing, recurrenceDays: s.recurrenceDays, caseNoDigits: s.caseNoDigits });
    if (calendarChanged) await engine.recalculateProvisional();
  });
  const scheduler = new Scheduler(engine, store, clock, opts.scheduler ?? {});
  if (opts.projector !== false) projector.start();
  return { settings, directory, engine, scheduler, projector };
}
