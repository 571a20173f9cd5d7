// Builds the real thing for tests: an embedded store in a temp folder, the demo organisation, the
// engine on a manual clock, and the scheduler. No mocks of our own code.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WorkingCalendar } from '../../workflows/calendar/calendar.ts';
import type { Actor } from '../../workflows/case.types.ts';
import { buildCore } from '../../server/core.ts';
import { actorOf } from '../../server/cases/access.ts';
import { ManualClock } from '../../server/engine/clock.ts';
import type { Directory } from '../../server/engine/directory.ts';
import type { Engine, IntakeRequest } from '../../server/engine/engine.ts';
import type { Scheduler } from '../../server/engine/scheduler.ts';
import type { Projector } from '../../server/oversight/projector.ts';
import { createMongoStore } from '../../server/store/mongo/index.ts';
import { createSqliteStore } from '../../server/store/sqlite/index.ts';
import { testMongoUri } from './mongo-target.ts';
import { seedDemo } from '../../server/seed/demo.ts';
import type { Store, UserRecord } from '../../server/store/port.ts';
import { leakIntake } from './intake.ts';

export interface Harness {
  dir: string;
  file: string;
  store: Store;
  clock: ManualClock;
  directory: Directory;
  engine: Engine;
  scheduler: Scheduler;
  /** the oversight projector (server/oversight/projector.ts) */
  projector: Projector;
  actor(username: string): Actor;
  user(username: string): UserRecord;
  /** the first compound of the first community (its room is med.c1's body) */
  compoundId: string;
  intake(overrides?: Partial<IntakeRequest>, by?: string): ReturnType<Engine['intake']>;
  close(): Promise<void>;
}

export const DEMO_PASSWORD = 'demo-pass-2026';

export async function makeHarness(
  opts: { start?: string; file?: string; keep?: boolean; calendar?: () => WorkingCalendar } = {},
): Promise<Harness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mediation-test-'));
  const file = opts.file ?? path.join(dir, 'mediation.db');
  const mongoUri = opts.file ? null : testMongoUri('harness');
  // SQLITE_WRITER_THREAD=on npx mocha …: the same tests with commits written by the store's writer thread
  const store = mongoUri ? createMongoStore({ uri: mongoUri }) : createSqliteStore({ file, writerThread: process.env.SQLITE_WRITER_THREAD === 'on' });
  await store.init();
  const clock = new ManualClock(opts.start ?? '2026-11-23T09:00:00+08:00');
  await seedDemo(store, { password: DEMO_PASSWORD, now: clock.now().toISOString() });
  // the product's own core (server/core.ts), as `npm start` builds it
  const { directory, engine, scheduler, projector } = await buildCore(store, clock, {
    scheduler: { owner: 'test' },
    ...(opts.calendar ? { calendar: opts.calendar } : {}),
  });

  const users = await store.users.list();
  const byName = new Map(users.map((u) => [u.username, u]));
  const user = (username: string) => {
    const u = byName.get(username);
    if (!u) throw new Error(`no demo user ${username}`);
    return u;
  };
  const actor = (username: string): Actor => actorOf(user(username), directory);
  const medBody = directory.body(user('med.c1').bodyId!)!;
  const compound = directory
    .allUnits()
    .filter((u) => u.kind === 'compound' && u.parentId === medBody.orgUnitId)
    .sort((a, b) => a.order - b.order)[0];
  const intake = (overrides: Partial<IntakeRequest> = {}, by = 'med.c1') =>
    engine.intake(
      { ...leakIntake(), compoundId: compound.id, ...overrides },
      actor(by),
    );
  return {
    dir,
    file,
    store,
    clock,
    directory,
    engine,
    scheduler,
    projector,
    actor,
    user,
    compoundId: compound.id,
    intake,
    async close() {
      await scheduler.stop();
      await projector.stop();
      await store.close();
      if (!opts.keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}
