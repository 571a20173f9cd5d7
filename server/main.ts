// Wiring: config → store → organisation → engine → scheduler → HTTP app → live updates. Nothing
// else builds these; tests call startServer() with their own config and get the same product.
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { Application } from 'express';
import { createCalendar, type WorkingCalendar, type YearSchedule } from '../workflows/calendar/calendar.ts';
import { DEFAULT_FOLLOW_UP_OFFSETS, DEFAULT_LIMITS, DEFAULT_WARNING_FRACTIONS } from '../workflows/deadlines.ts';
import { DEFAULT_ROUTING, type RoutingRules } from '../workflows/routing.ts';
import { createApp, type MountHook } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { ManualClock, systemClock, type Clock } from './engine/clock.ts';
import type { DeadlineSettings } from './engine/deadlines.ts';
import { Directory } from './engine/directory.ts';
import { Engine } from './engine/engine.ts';
import { Scheduler } from './engine/scheduler.ts';
import type { RouteDef } from './http/validate.ts';
import { loggerFor, type Logger } from './log.ts';
import { seedDemo } from './seed/demo.ts';
import { createSqliteStore } from './store/sqlite/index.ts';
import type { Store } from './store/port.ts';

/** Everything a router, a page or the live layer may use. */
export interface Services {
  config: Readonly<Config>;
  store: Store;
  logger: Logger;
  clock: Clock;
  /** set when TEST_CLOCK=1: the clock that POST /api/admin/clock moves */
  testClock: ManualClock | null;
  directory: Directory;
  engine: Engine;
  scheduler: Scheduler;
  settings: RuntimeSettings;
  /** the working-day calendar in force (packaged holiday data plus years an administrator added) */
  calendar(): WorkingCalendar;
  /** adds or replaces a year's published holiday schedule and saves it */
  setCalendarYear(year: YearSchedule): Promise<void>;
  /** called after every commit so live updates go out at once (the poll is the safety net) */
  afterCommit: () => void;
}

/** Settings an administrator may change at run time; kept in the store (settings). */
export interface RuntimeSettings {
  deadlines: DeadlineSettings;
  routing: RoutingRules;
  calendarYears: YearSchedule[];
  /** recurrence look-back window in days (倒查) */
  recurrenceDays: number;
}

export type RouterFactory = (services: Services) => readonly RouteDef[];
export type MountFactory = (services: Services) => MountHook;
export interface LiveFactory {
  (server: Server, services: Services): Promise<{ kick(): void; close(): Promise<void> }>;
}

/** Optional layers, registered by their modules (kept here so main.ts stays the one wiring). */
export interface Extensions {
  routers: RouterFactory[];
  mountEarly: MountFactory[];
  mount: MountFactory[];
  live: LiveFactory | null;
}

export interface Running {
  app: Application;
  server: Server;
  services: Services;
  url: string;
  close(): Promise<void>;
}

export async function loadSettings(store: Store): Promise<RuntimeSettings> {
  const saved = (await store.settings.get<Partial<RuntimeSettings>>('runtime')) ?? {};
  return {
    deadlines: saved.deadlines ?? { limits: DEFAULT_LIMITS, fractions: DEFAULT_WARNING_FRACTIONS, followUpOffsets: DEFAULT_FOLLOW_UP_OFFSETS },
    routing: saved.routing ?? structuredClone(DEFAULT_ROUTING),
    calendarYears: saved.calendarYears ?? [],
    recurrenceDays: saved.recurrenceDays ?? 365,
  };
}

export async function openStore(config: Readonly<Config>): Promise<Store> {
  if (config.mongodbUri) {
    const adapter = './store/mongo/index.ts'; // loaded only when asked for (mongoose is heavy)
    const { createMongoStore } = (await import(adapter)) as { createMongoStore(o: { uri: string }): Store };
    return createMongoStore({ uri: config.mongodbUri });
  }
  mkdirSync(config.dataDir, { recursive: true });
  return createSqliteStore({ file: path.join(config.dataDir, 'mediation.db') });
}

export async function startServer(
  config: Readonly<Config>,
  opts: { listen?: boolean; store?: Store; logger?: Logger; extensions?: Partial<Extensions>; clockStart?: string } = {},
): Promise<Running> {
  const logger = opts.logger ?? loggerFor(config);
  const store = opts.store ?? (await openStore(config));
  await store.init();
  const testClock = config.testClock ? new ManualClock(opts.clockStart ?? new Date()) : null;
  const clock: Clock = testClock ?? systemClock;

  if (!config.isProduction) {
    await seedDemo(store, { password: config.demoPassword, now: clock.now().toISOString() });
  }
  const settings = await loadSettings(store);
  const directory = await new Directory(store).refresh();
  let calendar = createCalendar(settings.calendarYears);
  let kick = () => {};
  const engine = new Engine({
    store,
    clock,
    directory,
    calendar: () => calendar,
    deadlines: settings.deadlines,
    routing: settings.routing,
    onCommitted: () => kick(),
  });
  const scheduler = new Scheduler(engine, store, clock, { logger, leaseMs: config.schedulerLeaseMs, pollMs: config.schedulerPollMs });

  const services: Services = {
    config,
    store,
    logger,
    clock,
    testClock,
    directory,
    engine,
    scheduler,
    settings,
    calendar: () => calendar,
    async setCalendarYear(year) {
      settings.calendarYears = [...settings.calendarYears.filter((y) => y.year !== year.year), year];
      calendar = createCalendar(settings.calendarYears);
      await store.settings.put('runtime', settings);
      await engine.recalculateProvisional();
    },
    afterCommit: () => kick(),
  };

  const ext = { ...(await defaultExtensions()), ...opts.extensions };
  const app = createApp({
    config,
    store,
    logger,
    routers: ext.routers.map((f) => f(services)),
    mountEarly: ext.mountEarly.map((f) => f(services)),
    mount: ext.mount.map((f) => f(services)),
  });
  const server = createServer(app);
  const live = ext.live ? await ext.live(server, services) : null;
  if (live) kick = () => live.kick();

  if (!testClock) scheduler.start(); // with a test clock, timers fire when the clock is moved
  if (opts.listen !== false) {
    await new Promise<void>((resolve) => server.listen(config.port, resolve));
  }
  const address = server.address();
  const url = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';
  return {
    app,
    server,
    services,
    url,
    async close() {
      await scheduler.stop();
      await live?.close();
      await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
      await store.close();
    },
  };
}

/** The product's routers, pages and live layer. Modules are loaded lazily so that a layer that is
 * not built yet does not stop the API from starting. */
async function defaultExtensions(): Promise<Extensions> {
  const ext: Extensions = { routers: [], mountEarly: [], mount: [], live: null };
  const optional = async <T>(spec: string): Promise<T | null> => {
    try {
      return (await import(spec)) as T;
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(spec.replace('./', ''))) return null;
      throw err;
    }
  };
  const http = await optional<{ routers: RouterFactory[] }>('./http/routes.ts');
  if (http) ext.routers.push(...http.routers);
  const pages = await optional<{ mountEarly: MountFactory[]; mount: MountFactory[] }>('./pages/index.ts');
  if (pages) {
    ext.mountEarly.push(...pages.mountEarly);
    ext.mount.push(...pages.mount);
  }
  const live = await optional<{ liveFactory: LiveFactory }>('./live/wire.ts');
  if (live) ext.live = live.liveFactory;
  return ext;
}

async function main(): Promise<void> {
  let config: Readonly<Config>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`configuration error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const running = await startServer(config);
  const { logger } = running.services;
  logger.info({ port: config.port, store: running.services.store.kind, testClock: config.testClock }, `物业纠纷调解 listening on http://localhost:${config.port}`);
  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('server/main.ts')) {
  await main();
}
