// A generated district: thousands of cases with planned lives (settled at each tier, terminated,
// referred, declined, withdrawn, left overdue, closed after expiring…), run through the real engine on
// a manual clock, plus what each plan implies — computed here from the plan, independently of the
// projection — so that statistics, the ledger and the company warnings can be checked against it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addDays, createCalendar, type WorkingCalendar } from '../../../workflows/calendar/calendar.ts';
import type { Actor } from '../../../workflows/case.types.ts';
import type { Category, Channel, Outcome, Status, Tier } from '../../../workflows/vocabulary.ts';
import { ManualClock } from '../../../server/engine/clock.ts';
import type { Directory } from '../../../server/engine/directory.ts';
import { buildCore } from '../../../server/core.ts';
import type { Engine, IntakeRequest } from '../../../server/engine/engine.ts';
import type { Scheduler } from '../../../server/engine/scheduler.ts';
import type { Projector } from '../../../server/oversight/projector.ts';
import { seedDemo } from '../../../server/seed/demo.ts';
import type { Store } from '../../../server/store/port.ts';
import { createSqliteStore } from '../../../server/store/sqlite/index.ts';
import { acceptData, PARTICULARS } from '../../support/workflow.ts';
import { rng } from '../../support/rng.ts';

export type Scenario =
  | 'community'
  | 'subdistrict'
  | 'district'
  | 'terminated'
  | 'referred'
  | 'referredPending'
  | 'declined'
  | 'withdrawn'
  | 'idleRegistered'
  | 'idleMediation'
  | 'performing'
  | 'lateClosed'
  | 'fresh';

type Perf = 'full' | 'partial' | 'none';

export interface PlannedVisit {
  performance: Perf;
  satisfaction: number;
  clauses: Array<{ clause: number; performance: Perf }>;
}

export interface PlannedParty {
  role: 'applicant' | 'respondent';
  kind: 'person' | 'organisation';
  name: string;
  phone?: string;
  idNumber?: string;
  address?: string;
  orgType?: 'property_company' | 'owners_committee' | 'other';
}

interface Step {
  day: string; // YYYY-MM-DD
  type: string;
  data: Record<string, unknown>;
  by: 'holding' | 'court';
}

export interface PlannedCase {
  n: number;
  compoundId: string;
  communityId: string;
  subdistrictId: string;
  category: Category;
  channel: Channel;
  source: { system: string; ref: string } | null;
  regDay: string;
  /** minute past 09:00 of regDay */
  regMinute: number;
  parties: PlannedParty[];
  /** the property company among the parties (respondent), if any */
  company: string | null;
  scenario: Scenario;
  steps: Step[];
  // filled in when run
  id?: string;
  caseNo?: string;
  /** the numbers the case had before caseNo (accepted at another body after an escalation) */
  formerCaseNos?: string[];
  expect: {
    status: Status;
    tier: Tier;
    bodyTier: 'community' | 'subdistrict' | 'district';
    outcome: Outcome | null;
    settled: boolean;
    settledTier: Tier | null;
    signDay: string | null;
    failed: boolean;
    visits: PlannedVisit[];
    clauses: number;
    everOverdue: boolean;
    red: boolean;
    /** issue 16 §4: 协议涉及金额 in fen (of the agreement in effect), 协议形式, 司法确认 and the prevention flags */
    amountFen: number;
    form: 'written' | 'oral' | null;
    confirmation: 'confirmed' | 'refused' | null;
    prevents: string[];
  };
}

export interface DistrictPlan {
  start: string;
  mid: string;
  end: string;
  cases: PlannedCase[];
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌海燕鹏辉鑫宇浩凯佳琳晨欣怡子涵梓轩';
const COMPANIES = ['绿城物业服务集团有限公司', '万科物业发展股份有限公司', '上海永升物业管理有限公司', '长城物业集团股份有限公司', '保利物业服务股份有限公司', '中海物业管理有限公司', '碧桂园生活服务集团股份有限公司'];
const CATS: Category[] = ['parking', 'fee_adjustment', 'service_quality', 'leakage', 'renovation', 'noise', 'garbage', 'pets', 'group_renting', 'illegal_construction', 'fire_safety', 'maintenance_fund', 'owners_committee', 'elevator', 'other'];
const CHANNELS: Channel[] = ['walk_in', 'phone', 'hotline_12345', 'grid', 'online', 'department_transfer', 'screening'];

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const dayNo = (d: string) => Math.round(Date.parse(`${d}T00:00:00Z`) / 86_400_000);
const between = (a: string, b: string) => dayNo(b) - dayNo(a);

export interface PlanOptions {
  cases: number;
  seed?: number;
  start?: string;
  /** the scheduler runs at the end of this day (timers due by then fire) */
  mid?: string;
  /** the last day; the scheduler runs at its end */
  end?: string;
  /** residents per compound: fewer means more cases sharing a party */
  residentsPerCompound?: number;
}

/** Plans the district's cases over the compounds of `directory`. Pure. */
export function planDistrict(directory: Directory, opts: PlanOptions): DistrictPlan {
  const r = rng(opts.seed ?? 20260301);
  // a second stream for what issue 16 §4 added (amounts, oral agreements, 司法确认, prevention flags): the
  // first one draws exactly what it drew before, so the district's cases keep their lives
  const r2 = rng((opts.seed ?? 20260301) ^ 0x16f4);
  const start = opts.start ?? '2025-01-02';
  const mid = opts.mid ?? '2025-11-30';
  const end = opts.end ?? '2026-10-30';
  const span = between(start, end) - 25; // quick scenarios end within 25 days
  const compounds = directory
    .allUnits()
    .filter((u) => u.kind === 'compound')
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const chainOf = new Map(compounds.map((c) => [c.id, directory.compoundChain(c.id)!]));
  const companyOf = new Map(compounds.map((c, i) => [c.id, COMPANIES[i % COMPANIES.length]]));
  const residents = new Map(
    compounds.map((c, ci) => [
      c.id,
      Array.from({ length: opts.residentsPerCompound ?? 25 }, (_, k) => ({
        name: `${SURNAMES[(ci * 7 + k * 3) % SURNAMES.length]}${GIVEN[(ci * 5 + k * 11) % GIVEN.length]}${GIVEN[(ci + k * 7) % GIVEN.length]}`,
        phone: `139${String(ci).padStart(3, '0')}${String(k).padStart(5, '0')}`,
        idNumber: `3101011980${String(ci % 100).padStart(2, '0')}${String(k % 100).padStart(2, '0')}${String(1000 + ci * 31 + k).slice(-4)}`,
        address: `示范区${c.name}${(k % 30) + 1}号${100 + k}室`,
      })),
    ]),
  );

  const used = new Map<string, Set<string>>(); // day → compounds registering that day (one per compound per minute)
  const cases: PlannedCase[] = [];
  for (let n = 0; n < opts.cases; n++) {
    const compound = pick(r, compounds);
    const chain = chainOf.get(compound.id)!;
    let regDay: string;
    const fresh = n % 97 === 0;
    if (fresh) regDay = end;
    else regDay = addDays(start, Math.floor(r() * span));
    const taken = used.get(regDay) ?? new Set<string>();
    let regMinute = 0;
    while (taken.has(`${compound.id}@${regMinute}`)) regMinute++;
    taken.add(`${compound.id}@${regMinute}`);
    used.set(regDay, taken);

    const category = pick(r, CATS);
    const channel = pick(r, CHANNELS);
    const source =
      channel === 'hotline_12345' ? { system: '12345', ref: `GD${regDay.replace(/-/g, '')}${String(n).padStart(5, '0')}` } : channel === 'grid' ? { system: 'grid', ref: `WG-${n}` } : null;
    const pool = residents.get(compound.id)!;
    const a = pick(r, pool);
    const parties: PlannedParty[] = [
      { role: 'applicant', kind: 'person', name: a.name, phone: a.phone, ...(r() < 0.5 ? { idNumber: a.idNumber, address: a.address } : {}) },
    ];
    const roll = r();
    let company: string | null = null;
    if (roll < 0.6) {
      company = companyOf.get(compound.id)!;
      parties.push({ role: 'respondent', kind: 'organisation', name: company, ...(r() < 0.5 ? { orgType: 'property_company' as const } : {}) });
    } else if (roll < 0.8) {
      let b = pick(r, pool);
      if (b.name === a.name) b = pool[(pool.indexOf(b) + 1) % pool.length];
      parties.push({ role: 'respondent', kind: 'person', name: b.name, phone: b.phone });
    } else if (roll < 0.92) {
      parties.push({ role: 'respondent', kind: 'organisation', name: `${compound.name}业主委员会`, orgType: 'owners_committee' });
    } else {
      parties.push({ role: 'respondent', kind: 'organisation', name: `${compound.name}开发商`, orgType: 'other' });
    }

    // the scenario, within what the dates allow
    const age = between(regDay, end);
    const beforeMid = between(regDay, mid);
    const s = r();
    let scenario: Scenario;
    if (fresh) scenario = 'fresh';
    else if (s < 0.3) scenario = 'community';
    else if (s < 0.42) scenario = 'subdistrict';
    else if (s < 0.48) scenario = 'district';
    else if (s < 0.56) scenario = 'terminated';
    else if (s < 0.61) scenario = 'referred';
    else if (s < 0.64) scenario = 'referredPending';
    else if (s < 0.69) scenario = 'declined';
    else if (s < 0.73) scenario = 'withdrawn';
    else if (s < 0.78 && age > 70) scenario = 'idleRegistered';
    else if (s < 0.83 && age > 70) scenario = 'idleMediation';
    else if (s < 0.9 && age > 70) scenario = 'performing';
    else if (s < 0.95 && beforeMid > 15) scenario = 'lateClosed';
    else scenario = 'community';

    const d = (k: number) => addDays(regDay, k);
    const names = parties.map((p) => p.name);
    // every party consents (workflow 2026.3; the engine numbers parties p1, p2… in order)
    const consented = acceptData(parties.map((_, i) => ({ id: `p${i + 1}` })));
    const steps: Step[] = [];
    const visits: PlannedVisit[] = [];
    const step = (k: number | string, type: string, data: Record<string, unknown> = {}, by: Step['by'] = 'holding') =>
      steps.push({ day: typeof k === 'string' ? k : d(k), type, data, by });
    const visit = (): PlannedVisit => {
      const c1 = pick(r, ['full', 'full', 'full', 'partial', 'none'] as const);
      const c2 = pick(r, ['full', 'full', 'partial', 'none'] as const);
      const performance: Perf = c1 === 'full' && c2 === 'full' ? 'full' : c1 === 'none' && c2 === 'none' ? 'none' : 'partial';
      return { performance, satisfaction: 1 + Math.floor(r() * 5), clauses: [{ clause: 1, performance: c1 }, { clause: 2, performance: c2 }] };
    };
    // issue 16 §4: an amount on the first clause (most agreements), an oral agreement now and then (it takes
    // effect when reached: no signature, no 司法确认 — 人民调解法 arts. 28, 30), a risk flagged with what it
    // prevents, and 司法确认 confirmed or refused for some written ones (the court decides the next day)
    const amountFen = r2() < 0.8 ? 1 + Math.floor(r2() * 5_000_000) : 0;
    const oral = r2() < 0.15;
    const confirmRoll = r2();
    const preventRoll = r2();
    const prevents = preventRoll < 0.05 ? ['criminal_case'] : preventRoll < 0.1 ? ['mass_incident'] : preventRoll < 0.13 ? ['criminal_case', 'mass_incident'] : [];
    const flagRisk = (k: number) => {
      if (prevents.length) step(k, 'FLAG_RISK', { level: 'high', reason: '双方情绪激动，有矛盾激化风险', prevents });
      return prevents;
    };
    let form: 'written' | 'oral' | null = null;
    let confirmation: 'confirmed' | 'refused' | null = null;
    const agree = (k: number, orally = false) => {
      form = orally ? 'oral' : 'written';
      step(k, 'REACH_AGREEMENT', {
        terms: [{ text: '被申请人于履行期限内修复并赔偿', obligor: 'p2', ...(amountFen ? { amount: amountFen / 100 } : {}) }, '双方今后友好相处'],
        performBy: d(k + 3),
        ...(orally ? { form: 'oral' } : PARTICULARS),
      });
    };
    /** a written agreement signed on day k: 司法确认 for some, on days k+1 and k+2 */
    const confirm = (k: number) => {
      if (confirmRoll >= 0.25) return;
      confirmation = confirmRoll < 0.18 ? 'confirmed' : 'refused';
      step(k + 1, 'REQUEST_CONFIRMATION');
      step(k + 2, 'CONFIRMATION_RESULT', { confirmed: confirmation === 'confirmed', ...(confirmation === 'confirmed' ? { ruling: `（2026）示0101民特${n}号` } : {}) }, 'court');
    };
    /** the agreement of a case that settles on day `sign` (closing scenarios may be oral) */
    const settle = (reach: number, sign: number, mayBeOral: boolean): string => {
      if (mayBeOral && oral) {
        agree(reach, true);
        return d(reach);
      }
      agree(reach);
      step(sign, 'SIGN_AGREEMENT', { signedBy: names });
      confirm(sign);
      return d(sign);
    };
    const followUps = (k: number, close: boolean) => {
      const v1 = visit();
      visits.push(v1);
      step(k, 'RECORD_FOLLOW_UP', { ...v1, note: '回访' });
      if (r() < 0.3) {
        const v2 = visit();
        visits.push(v2);
        step(k + 1, 'RECORD_FOLLOW_UP', { ...v2, note: '再次回访' });
      }
      if (close) step(k + 3, 'CLOSE');
    };

    let expect: PlannedCase['expect'];
    const base = {
      outcome: null,
      settled: false,
      settledTier: null,
      signDay: null,
      failed: false,
      visits,
      clauses: 0,
      everOverdue: false,
      red: false,
      amountFen: 0,
      form: null,
      confirmation: null,
      prevents: [] as string[],
    };
    switch (scenario) {
      case 'community':
      case 'performing': {
        const closed = scenario === 'community';
        step(1, 'ACCEPT', consented);
        const flagged = closed ? flagRisk(2) : [];
        const signDay = closed ? settle(3, 5, true) : (agree(3), step(5, 'SIGN_AGREEMENT', { signedBy: names }), d(5));
        followUps(9, closed);
        expect = {
          ...base,
          amountFen,
          form,
          confirmation,
          prevents: flagged,
          status: closed ? 'closed' : 'performing',
          tier: 'community',
          bodyTier: 'community',
          outcome: closed ? 'resolved' : null,
          settled: true,
          settledTier: 'community',
          signDay,
          clauses: 2,
          everOverdue: !closed,
          red: !closed,
        };
        break;
      }
      case 'subdistrict': {
        step(1, 'ACCEPT', consented);
        step(2, 'ESCALATE', { reason: '社区调解未果，上报街镇' });
        step(3, 'ACCEPT', consented);
        const flagged = flagRisk(4);
        const signDay = settle(5, 6, true);
        followUps(10, true);
        expect = { ...base, status: 'closed', tier: 'subdistrict', bodyTier: 'subdistrict', outcome: 'resolved', settled: true, settledTier: 'subdistrict', signDay, clauses: 2, amountFen, form, confirmation, prevents: flagged };
        break;
      }
      case 'district':
        step(1, 'ACCEPT', consented);
        step(2, 'ESCALATE', { reason: '上报街镇' });
        step(3, 'ACCEPT', consented);
        step(4, 'ESCALATE', { reason: '上报区调委会' });
        step(5, 'ACCEPT', consented);
        {
          const flagged = flagRisk(6);
          const signDay = settle(7, 8, true);
          followUps(12, true);
          expect = { ...base, status: 'closed', tier: 'district', bodyTier: 'district', outcome: 'resolved', settled: true, settledTier: 'district', signDay, clauses: 2, amountFen, form, confirmation, prevents: flagged };
        }
        break;
      case 'terminated':
        step(1, 'ACCEPT', consented);
        expect = { ...base, status: 'closed', tier: 'community', bodyTier: 'community', outcome: 'unresolved', failed: true, prevents: flagRisk(2) };
        step(4, 'TERMINATE', { reason: '一方拒绝继续调解' });
        break;
      case 'referred':
      case 'referredPending':
        step(1, 'ACCEPT', consented);
        step(3, 'REFER_TO_COURT', { reason: '调解不成，移送法院' });
        if (scenario === 'referred') step(6, 'COURT_ACCEPT', { courtCaseNo: `（2026）示0101民初${n}号` }, 'court');
        expect = {
          ...base,
          status: scenario === 'referred' ? 'closed' : 'referred_to_court',
          tier: 'community',
          bodyTier: 'community',
          outcome: scenario === 'referred' ? 'referred' : null,
          failed: true,
        };
        break;
      case 'declined':
        step(1, 'DECLINE', { ground: 'before_court', reason: '已进入诉讼程序' });
        expect = { ...base, status: 'declined', tier: 'community', bodyTier: 'community', outcome: 'declined' };
        break;
      case 'withdrawn':
        step(1, 'ACCEPT', consented);
        step(2, 'WITHDRAW', { reason: '申请人撤回' });
        expect = { ...base, status: 'closed', tier: 'community', bodyTier: 'community', outcome: 'withdrawn' };
        break;
      case 'idleRegistered':
        expect = { ...base, status: 'registered', tier: 'community', bodyTier: 'community', everOverdue: true, red: true };
        break;
      case 'idleMediation':
        step(1, 'ACCEPT', consented);
        expect = { ...base, status: 'in_mediation', tier: 'community', bodyTier: 'community', everOverdue: true, red: true };
        break;
      case 'lateClosed':
        step(addDays(mid, 1), 'ACCEPT', consented);
        step(addDays(mid, 3), 'TERMINATE', { reason: '逾期后终止' });
        expect = { ...base, status: 'closed', tier: 'community', bodyTier: 'community', outcome: 'unresolved', failed: true, everOverdue: true };
        break;
      case 'fresh':
        expect = { ...base, status: 'registered', tier: 'community', bodyTier: 'community' };
        break;
    }
    cases.push({
      n,
      compoundId: compound.id,
      communityId: chain.community.id,
      subdistrictId: chain.subdistrict.id,
      category,
      channel,
      source,
      regDay,
      regMinute,
      parties,
      company,
      scenario,
      steps,
      expect: expect!,
    });
  }
  return { start, mid, end, cases };
}

export interface RunDeps {
  engine: Engine;
  clock: ManualClock;
  scheduler: Scheduler;
  directory: Directory;
}

/** Runs the plan through the engine in time order: registrations at 09:mm, other steps at 10:00 of
 * their day, the scheduler at the end of `mid` and of `end`. Everything in one slot runs at once. */
export async function runDistrict(plan: DistrictPlan, deps: RunDeps, opts: { concurrency?: number; log?: (s: string) => void } = {}): Promise<void> {
  type Slot = { at: string; jobs: Array<() => Promise<void>> };
  const slots = new Map<string, Slot>();
  const add = (at: string, job: () => Promise<void>) => {
    const slot = slots.get(at) ?? { at, jobs: [] };
    slot.jobs.push(job);
    slots.set(at, slot);
  };
  const mediatorOf = (bodyId: string): Actor => {
    const body = deps.directory.body(bodyId)!;
    return { id: `gen-${bodyId}`, username: `gen.${bodyId}`, role: 'mediator', bodyId, tier: body.tier, name: '调解员' };
  };
  const court = deps.directory.allBodies().find((b) => b.tier === 'court')!;
  const liaison: Actor = { id: 'gen-court', username: 'gen.court', role: 'court_liaison', bodyId: court.id, tier: 'court', name: '法院联络员' };
  const hhmm = (m: number) => `${String(9 + Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

  for (const c of plan.cases) {
    const chain = deps.directory.compoundChain(c.compoundId)!;
    let holding = chain.bodies.community;
    add(`${c.regDay}T${hhmm(c.regMinute)}:00+08:00`, async () => {
      const req: IntakeRequest = {
        channel: c.channel,
        compoundId: c.compoundId,
        category: c.category,
        summary: `${c.parties[0].name}反映：${c.category}纠纷，联系电话${c.parties[0].phone ?? ''}`,
        parties: c.parties,
        claims: ['请求调解'],
        ...(c.source ? { source: c.source } : {}),
      };
      const { record } = await deps.engine.intake(req, mediatorOf(holding));
      c.id = record.id;
      c.caseNo = record.caseNo;
    });
    for (const s of c.steps) {
      add(`${s.day}T16:00:00+08:00`, async () => {
        // after an escalation the next tier holds the case: its mediator acts
        const actor = s.by === 'court' ? liaison : mediatorOf(holding);
        const r = await deps.engine.dispatch(c.id!, { type: s.type as never, data: s.data }, actor);
        holding = r.bodyId;
        // accepted after an escalation: the accepting body's number (issue 12 §6)
        if (r.caseNo !== c.caseNo) c.formerCaseNos = [...(c.formerCaseNos ?? []), c.caseNo!];
        c.caseNo = r.caseNo;
      });
    }
  }
  const sched = async () => {
    await deps.scheduler.runDue();
  };
  add(`${plan.mid}T23:00:00+08:00`, sched);
  add(`${plan.end}T23:00:00+08:00`, sched);

  const ordered = [...slots.values()].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const limit = opts.concurrency ?? 64;
  let done = 0;
  for (const slot of ordered) {
    deps.clock.set(slot.at);
    for (let i = 0; i < slot.jobs.length; i += limit) await Promise.all(slot.jobs.slice(i, i + limit).map((j) => j()));
    if (opts.log && ++done % 200 === 0) opts.log(`${done}/${ordered.length} slots`);
  }
}

// ── what the plan implies ─────────────────────────────────────────────────────────────────────────

/** Working days after `from` up to and including `to`. */
export function workingDays(calendar: WorkingCalendar, from: string, to: string): number {
  let n = 0;
  for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (calendar.isWorkingDay(d)) n++;
  return n;
}

const normN = (s: string) => s.normalize('NFKC').replace(/\s+/g, '').toLowerCase();

/** The earlier cases each case should be linked to: same compound, registered before it within
 * `windowDays` (by instant), and the same category or a party with the same name or phone. */
const linksCache = new WeakMap<DistrictPlan, Map<number, Map<number, Array<{ n: number; reasons: string[] }>>>>();

export function expectedLinks(plan: DistrictPlan, windowDays = 365): Map<number, Array<{ n: number; reasons: string[] }>> {
  const cached = linksCache.get(plan)?.get(windowDays);
  if (cached) return cached;
  const computed = computeLinks(plan, windowDays);
  if (!linksCache.has(plan)) linksCache.set(plan, new Map());
  linksCache.get(plan)!.set(windowDays, computed);
  return computed;
}

function computeLinks(plan: DistrictPlan, windowDays: number): Map<number, Array<{ n: number; reasons: string[] }>> {
  const at = (c: PlannedCase) => Date.parse(`${c.regDay}T09:00:00+08:00`) + c.regMinute * 60_000;
  const out = new Map<number, Array<{ n: number; reasons: string[] }>>();
  const byCompound = new Map<string, PlannedCase[]>();
  for (const c of plan.cases) byCompound.set(c.compoundId, [...(byCompound.get(c.compoundId) ?? []), c]);
  for (const c of plan.cases) {
    const links: Array<{ n: number; reasons: string[] }> = [];
    for (const e of byCompound.get(c.compoundId)!) {
      if (!(at(e) < at(c)) || at(c) - at(e) > windowDays * 86_400_000) continue;
      const reasons: string[] = [];
      if (e.category === c.category) reasons.push('category');
      // a property company is not "the same party" (it is one to most disputes of its compound)
      const people = (x: PlannedCase) => x.parties.filter((p) => !(p.kind === 'organisation' && p.orgType !== 'owners_committee' && p.orgType !== 'other'));
      const names = new Set(people(e).map((p) => normN(p.name)));
      const phones = new Set(people(e).flatMap((p) => (p.phone ? [p.phone] : [])));
      if (people(c).some((p) => names.has(normN(p.name)) || (p.phone && phones.has(p.phone)))) reasons.push('party');
      if (reasons.length) links.push({ n: e.n, reasons });
    }
    // the most recent first, at most MAX_RELATED (50) of them
    links.sort((x, y) => at(plan.cases[y.n]) - at(plan.cases[x.n]));
    out.set(c.n, links.slice(0, 50));
  }
  return out;
}

/** The final performance of each clause: the last visit that names it. */
export function finalClauses(visits: PlannedVisit[]): Perf[] {
  const out: Perf[] = [];
  for (const v of visits) for (const c of v.clauses) out[c.clause - 1] = c.performance;
  return out;
}

// ── a store, the demo organisation and an engine for a generated district ──────────────────────────

export interface DistrictHarness extends RunDeps {
  store: Store;
  file: string;
  calendar: WorkingCalendar;
  projector: Projector;
  close(): Promise<void>;
}

/** Like test/support/harness.ts, with near-free access codes (thousands of intakes) and, by
 * default, synchronous=NORMAL (a test district needs no power-loss durability). */
export async function makeDistrictHarness(opts: { file?: string; synchronous?: 'FULL' | 'NORMAL'; start?: string } = {}): Promise<DistrictHarness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mediation-district-'));
  const file = opts.file ?? path.join(dir, 'district.db');
  const store = createSqliteStore({ file, synchronous: opts.synchronous ?? 'NORMAL' });
  await store.init();
  const clock = new ManualClock(opts.start ?? '2025-01-01T09:00:00+08:00');
  await seedDemo(store, { password: 'demo-pass-2026', now: clock.now().toISOString() });
  const calendar = createCalendar();
  const { directory, engine, scheduler, projector } = await buildCore(store, clock, { calendar: () => calendar, scheduler: { owner: 'district' } });

  return {
    store,
    file,
    clock,
    directory,
    engine,
    scheduler,
    projector,
    calendar,
    async close() {
      await scheduler.stop();
      await projector.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ── one generated district shared by the test files of a run (generating it takes a while) ───────────

let shared: Promise<{ h: DistrictHarness; plan: DistrictPlan }> | null = null;

export const SHARED_CASES = Number(process.env.DISTRICT_CASES ?? 2000);

export function sharedDistrict(): Promise<{ h: DistrictHarness; plan: DistrictPlan }> {
  shared ??= (async () => {
    const h = await makeDistrictHarness();
    // removed when the run ends, however it ends
    process.once('exit', () => {
      try {
        rmSync(path.dirname(h.file), { recursive: true, force: true });
      } catch {
        // best effort
      }
    });
    const plan = planDistrict(h.directory, { cases: SHARED_CASES });
    await runDistrict(plan, h);
    await h.projector.caughtUp(); // the projection is written after the commits (server/oversight/projector.ts)
    return { h, plan };
  })();
  return shared;
}
