// A generated district for the benchmarks (bench/engine.bench.ts): cases spread over every compound of
// the demo organisation, a spread of categories (weighted as a district's are: leakage, parking and
// fees first), two to four parties drawn from each compound's pool of households (so that a party
// recurs as in a real compound and 回访倒查 links form), a property company per compound, and
// registration spread over ten months. One compound is busy (a thousand earlier cases), and some
// cases have long histories (a hundred recorded sessions). Everything runs through the real engine
// (intake, ACCEPT, RECORD_SESSION) on a manual clock: the rows are the product's own.
import { copyFileSync, existsSync } from 'node:fs';
import type { Actor } from '../workflows/case.types.ts';
import type { Category } from '../workflows/vocabulary.ts';
import { actorOf } from '../server/cases/access.ts';
import { ManualClock } from '../server/engine/clock.ts';
import { buildCore, type Core } from '../server/core.ts';
import type { IntakeRequest } from '../server/engine/engine.ts';
import { seedDemo } from '../server/seed/demo.ts';
import type { Store, UserRecord } from '../server/store/port.ts';
import { createSqliteStore, type SqliteStore } from '../server/store/sqlite/index.ts';
import { rng } from '../test/support/rng.ts';

export const BENCH_PASSWORD = 'demo-pass-2026';
export const START = '2026-01-05T09:00:00+08:00';

/** weights per category: most disputes are leaks, parking and fees */
const CATEGORY_WEIGHTS: Array<[Category, number]> = [
  ['leakage', 22],
  ['parking', 14],
  ['fee_adjustment', 8],
  ['fee_arrears', 8],
  ['service_quality', 10],
  ['renovation', 7],
  ['noise', 7],
  ['garbage', 4],
  ['pets', 4],
  ['common_parts', 4],
  ['elevator', 3],
  ['facilities', 3],
  ['group_renting', 2],
  ['illegal_construction', 2],
  ['other', 2],
];

const SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红梅兰玉珍海燕鹏飞';

interface Household {
  name: string;
  phone: string;
  idNumber: string;
  address: string;
}

export interface DistrictSpec {
  /** cases spread over every compound */
  cases: number;
  /** earlier cases of the busy compound (on top of `cases`) */
  busy: number;
  /** cases with long histories, and how many sessions each */
  aged: number;
  agedSessions: number;
}

export const FULL: DistrictSpec = { cases: 2000, busy: 1000, aged: 40, agedSessions: 100 };
export const QUICK: DistrictSpec = { cases: 300, busy: 200, aged: 10, agedSessions: 100 };

export interface District {
  store: SqliteStore;
  core: Core;
  clock: ManualClock;
  /** cases in mediation with a session or two: where the traffic goes */
  active: string[];
  /** cases in mediation with `agedSessions` sessions */
  aged: string[];
  busyCompoundId: string;
  /** a mediator of the body holding a case */
  actorFor(bodyId: string): Actor;
  /** a new intake on a compound (a party of its pool, a weighted category) */
  intakeFor(compoundId: string): IntakeRequest;
  close(): Promise<void>;
}

/** Opens (and, the first time, seeds) the store at `file` with a mediator for every mediating body. */
export async function openDistrict(file: string, synchronous: 'FULL' | 'NORMAL' = 'FULL'): Promise<District> {
  // SQLITE_WRITER_THREAD=on: commit groups written by the store's writer thread (server/store/sqlite/writer.ts)
  // RECORD_CACHE_SIZE: the record cache's size, as the product reads it (server/config.ts); the store's default otherwise
  const recordCache = process.env.RECORD_CACHE_SIZE ? Number(process.env.RECORD_CACHE_SIZE) : undefined;
  const store = createSqliteStore({ file, synchronous, writerThread: process.env.SQLITE_WRITER_THREAD === 'on', recordCache });
  await store.init();
  const clock = new ManualClock(START);
  const fresh = (await seedDemo(store, { password: BENCH_PASSWORD, now: clock.now().toISOString() })).seeded;
  if (fresh) await addMediators(store, clock.now().toISOString());
  const core = await buildCore(store, clock, { scheduler: { owner: 'bench' } });
  const { directory } = core;
  const compounds = directory
    .allUnits()
    .filter((u) => u.kind === 'compound')
    .map((u) => u.id)
    .sort();
  const busyCompoundId = compounds[0];
  const mediators = new Map<string, Actor>();
  for (const u of await store.users.list()) if (u.role === 'mediator' && u.bodyId && !mediators.has(u.bodyId)) mediators.set(u.bodyId, actorOf(u, directory));
  const actorFor = (bodyId: string) => {
    const a = mediators.get(bodyId);
    if (!a) throw new Error(`no mediator at ${bodyId}`);
    return a;
  };
  // each compound: a pool of households (parties recur) and one property company
  const random = rng(17);
  const pools = new Map<string, Household[]>();
  compounds.forEach((k, ki) => {
    const size = k === busyCompoundId ? 600 : 80;
    pools.set(
      k,
      Array.from({ length: size }, (_, i) => ({
        name: SURNAMES[Math.floor(random() * SURNAMES.length)] + GIVEN[Math.floor(random() * GIVEN.length)] + (random() < 0.5 ? GIVEN[Math.floor(random() * GIVEN.length)] : ''),
        phone: `13${String(100000000 + ki * 1000 + i).slice(-9)}`,
        idNumber: `31010119${70 + (i % 30)}0101${String(1000 + i).slice(-4)}`,
        address: `${1 + (i % 40)}号${1 + (i % 6)}0${1 + (i % 4)}室`,
      })),
    );
  });
  const totalWeight = CATEGORY_WEIGHTS.reduce((s, [, w]) => s + w, 0);
  const category = (): Category => {
    let x = random() * totalWeight;
    for (const [c, w] of CATEGORY_WEIGHTS) if ((x -= w) < 0) return c;
    return 'other';
  };
  const intakeFor = (compoundId: string): IntakeRequest => {
    const pool = pools.get(compoundId)!;
    const pick = () => pool[Math.floor(random() * pool.length)];
    const cat = category();
    const parties: IntakeRequest['parties'] = [{ role: 'applicant', kind: 'person', ...pick() }];
    if (random() < 0.3) parties.push({ role: 'applicant', kind: 'person', ...pick() });
    if (cat === 'leakage' || cat === 'noise' || cat === 'renovation' || cat === 'pets' || random() < 0.3) {
      parties.push({ role: 'respondent', kind: 'person', name: pick().name, phone: pick().phone });
    } else {
      parties.push({ role: 'respondent', kind: 'organisation', orgType: 'property_company', name: `${directory.unit(compoundId)?.name ?? compoundId}物业服务有限公司` } as never);
    }
    return {
      channel: random() < 0.6 ? 'walk_in' : random() < 0.5 ? 'hotline_12345' : 'phone',
      compoundId,
      category: cat,
      summary: `${directory.unit(compoundId)?.name ?? ''}：${cat} 纠纷，当事人要求协调处理并赔偿损失（第${Math.floor(random() * 1000)}号）`,
      parties,
      claims: ['协调处理', '赔偿损失'],
    };
  };
  return {
    store,
    core,
    clock,
    active: [],
    aged: [],
    busyCompoundId,
    actorFor,
    intakeFor,
    async close() {
      await core.scheduler.stop();
      await core.projector.stop();
      await store.close();
    },
  };
}

async function addMediators(store: Store, createdAt: string): Promise<void> {
  const have = new Set((await store.users.list()).filter((u) => u.role === 'mediator').map((u) => u.bodyId));
  const template = (await store.users.list()).find((u) => u.role === 'mediator')!;
  for (const b of await store.org.bodies()) {
    if (b.tier === 'court' || have.has(b.id)) continue;
    const user: UserRecord = { ...template, id: `u-bench-${b.id}`, username: `bench.${b.id}`, name: `调解员${b.shortName}`, bodyId: b.id, createdAt };
    await store.users.insert(user);
  }
}

/**
 * Builds the district into `file` (or copies it from `cacheFile` when that exists). Returns the ids
 * of the active and aged cases (kept in the store's settings, so a copy carries them).
 */
export async function buildDistrict(file: string, spec: DistrictSpec, log: (s: string) => void = () => {}): Promise<void> {
  // built without waiting for fsync (not measured); every measured run opens a copy with synchronous=FULL
  const d = await openDistrict(file, 'NORMAL');
  const { core, clock } = d;
  const compounds = core.directory
    .allUnits()
    .filter((u) => u.kind === 'compound')
    .map((u) => u.id)
    .sort();
  const random = rng(99);
  const total = spec.cases + spec.busy;
  const stepMs = (300 * 86_400_000) / total; // registrations spread over ten months
  const active: string[] = [];
  const inFlight: Array<Promise<void>> = [];
  const t0 = Date.now();
  for (let i = 0; i < total; i++) {
    clock.advance(stepMs);
    const busy = Math.floor(((i + 1) * spec.busy) / total) > Math.floor((i * spec.busy) / total);
    const compoundId = busy ? d.busyCompoundId : compounds[1 + Math.floor(random() * (compounds.length - 1))];
    const { record } = await core.engine.intake(d.intakeFor(compoundId), d.actorFor('b-d1'));
    inFlight.push(
      (async () => {
        const med = d.actorFor(record.bodyId);
        await core.engine.dispatch(record.id, { type: 'ACCEPT', data: acceptAll(record.snapshot.context.parties) }, med);
        await core.engine.dispatch(record.id, { type: 'RECORD_SESSION', data: { summary: '双方到场，调解员释法析理，初步了解诉求' } }, med);
        active.push(record.id);
      })(),
    );
    if (inFlight.length >= 100) await Promise.all(inFlight.splice(0));
    if (i % 500 === 499) log(`  district: ${i + 1}/${total} cases (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  await Promise.all(inFlight.splice(0));
  active.sort();
  const aged = active.splice(0, spec.aged);
  // long histories: sessions recorded one round at a time over every aged case
  for (let s = 1; s < spec.agedSessions; s++) {
    await Promise.all(
      aged.map(async (id) => {
        const r = (await d.store.cases.get(id))!;
        await core.engine.dispatch(id, { type: 'RECORD_SESSION', data: { summary: `第${s + 1}次调解：双方陈述意见，调解员提出方案` } }, d.actorFor(r.bodyId));
      }),
    );
  }
  await d.store.settings.put('bench.district', { active, aged, busyCompoundId: d.busyCompoundId, clock: clock.now().toISOString() });
  await d.close();
}

export function acceptAll(parties: ReadonlyArray<{ id: string }>) {
  return { consents: parties.map((p) => ({ partyId: p.id, how: 'written' as const })), rightsNotified: true as const };
}

/** Opens a copy of a built district. */
export async function openCopy(base: string, file: string): Promise<District> {
  copyFileSync(base, file);
  for (const ext of ['-wal', '-shm']) if (existsSync(base + ext)) copyFileSync(base + ext, file + ext);
  const d = await openDistrict(file);
  const saved = await d.store.settings.get<{ active: string[]; aged: string[]; clock: string }>('bench.district');
  if (!saved) throw new Error('not a built district');
  d.active.push(...saved.active);
  d.aged.push(...saved.aged);
  d.clock.set(saved.clock);
  return d;
}
