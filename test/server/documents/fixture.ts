// Fabricated cases for the document tests: a demo district, a leak dispute between an owner, a group of
// households and a property company, taken through the stages each document needs. Plain data: the
// workflow machine is not involved.
import type { Agreement, CaseContext, Clause } from '../../../workflows/case.types.ts';
import type { Body, CaseRecord, EventRecord, OrgUnit } from '../../../server/store/port.ts';
import type { IssueInput } from '../../../server/documents/issue.ts';
import type { UserRef } from '../../../server/documents/view.ts';

export const NOW = '2026-11-22T10:00:00+08:00';

export const UNITS: OrgUnit[] = [
  { id: 'd1', name: '示范区', kind: 'district', parentId: null, order: 1 },
  { id: 's1', name: '阳光街道', kind: 'subdistrict', parentId: 'd1', order: 1 },
  { id: 'c1', name: '幸福社区居委会', kind: 'community', parentId: 's1', order: 1 },
  { id: 'k1', name: '幸福家园小区', kind: 'compound', parentId: 'c1', order: 1 },
];

export const BODIES: Body[] = [
  {
    id: 'b-c1',
    name: '幸福社区物业纠纷调解工作室',
    committeeName: '阳光街道幸福社区居民委员会人民调解委员会',
    venueName: '幸福社区物业纠纷调解工作室',
    shortName: '幸福',
    tier: 'community',
    orgUnitId: 'c1',
  },
  {
    id: 'b-s1',
    name: '阳光街道物业纠纷调解联合中心',
    committeeName: '示范区阳光街道人民调解委员会',
    venueName: '阳光街道物业纠纷调解联合中心',
    shortName: '阳光',
    tier: 'subdistrict',
    orgUnitId: 's1',
  },
  { id: 'b-d', name: '示范区物业纠纷人民调解委员会', committeeName: '示范区物业纠纷人民调解委员会', shortName: '示范', tier: 'district', orgUnitId: 'd1' },
  { id: 'court-1', name: '示范区人民法院', shortName: '示范法院', tier: 'court', orgUnitId: 'd1' },
  { id: 'court-2', name: '示范市中级人民法院', shortName: '示范中院', tier: 'court', orgUnitId: 'd1' },
];

export const USERS: UserRef[] = [
  { id: 'u-med1', name: '王调解', username: 'med.c1' },
  { id: 'u-med2', name: '陈调解', username: 'med.c2' },
  { id: 'u-expert', name: '刘律师', username: 'expert.law' },
  { id: 'u-court', name: '周联络', username: 'court.liaison' },
];

const MEDIATOR = { id: 'u-med1', username: 'med.c1', role: 'mediator', name: '王调解' };
const SYSTEM = { id: 'system', username: 'system', role: 'system' };

export interface Fixture {
  record: CaseRecord;
  events: EventRecord[];
  bodies: Body[];
  units: OrgUnit[];
  users: UserRef[];
  now: string;
}

export function ctxOf(f: Fixture): CaseContext {
  return f.record.snapshot.context;
}

function addEvent(f: Fixture, type: string, at: string, data: unknown, actor: EventRecord['actor'] = MEDIATOR): void {
  const seq = f.events.length + 1;
  f.events.push({
    caseId: f.record.id,
    seq,
    type,
    at,
    actor,
    data,
    prevHash: seq === 1 ? '' : `h${seq - 1}`,
    hash: `h${seq}`,
  });
  f.record.version = seq;
  f.record.updatedAt = at;
}

/** Registered, accepted, a mediator assigned, one session held: status in_mediation. */
export function mediatingCase(): Fixture {
  const ctx: CaseContext = {
    caseId: 'case-1',
    caseNo: '（2026）幸福物调字第00012号',
    registeredAt: '2026-11-02T08:30:00+08:00',
    tier: 'community',
    bodyId: 'b-c1',
    bodies: { community: 'b-c1', subdistrict: 'b-s1', district: 'b-d', court: 'court-1' },
    channel: 'walk_in',
    category: 'leakage',
    compoundId: 'k1',
    summary: '申请人张三家中天花板因楼顶防水层老化渗漏，墙面及地板受损，要求物业公司修复并赔偿损失。',
    claims: ['修复屋面防水层', '赔偿装修损失'],
    householdsInvolved: 13,
    flags: { major: true, specialised: false, escalationRisk: false, majorReasons: ['涉及13户'] },
    parties: [
      {
        id: 'p1',
        role: 'applicant',
        kind: 'person',
        name: '张三',
        phone: '13800000001',
        idNumber: '110101199001011234',
        address: '幸福家园小区3号楼1201室',
      },
      {
        id: 'p2',
        role: 'applicant',
        kind: 'group',
        name: '幸福家园小区3号楼业主',
        households: 12,
        representative: '赵六',
        phone: '13800000002',
        address: '幸福家园小区3号楼',
      },
      {
        id: 'p3',
        role: 'respondent',
        kind: 'organisation',
        orgType: 'property_company',
        name: '安居物业服务有限公司',
        representative: '李经理',
        idNumber: '91110000MA00000001',
        address: '示范区阳光路1号',
        phone: '010-88880000',
      },
    ],
    assignees: ['u-med1'],
    experts: [],
    opinions: [],
    recusals: [],
    conflictOverrides: [],
    sessions: [
      {
        no: 1,
        at: '2026-11-10T14:30:00+08:00',
        place: '幸福社区居委会调解室',
        scheduledAt: '2026-11-05T09:00:00+08:00',
        summary: '双方陈述事实，物业公司同意修复。',
        recordedAt: '2026-11-10T16:00:00+08:00',
      },
    ],
    agreement: null,
    confirmation: null,
    followUps: [],
    delegation: null,
    referral: null,
    escalations: [],
    extensions: [],
    warnings: {},
    failure: null,
    outcome: null,
    acceptedAt: '2026-11-03T09:00:00+08:00',
    closedAt: null,
    reopenCount: 0,
    lastReason: null,
  };
  const record: CaseRecord = {
    id: 'case-1',
    caseNo: ctx.caseNo,
    workflowVersion: 'test',
    status: 'in_mediation',
    phase: 'mediating',
    tier: 'community',
    outcome: null,
    bodyId: 'b-c1',
    category: 'leakage',
    channel: 'walk_in',
    compoundId: 'k1',
    communityId: 'c1',
    subdistrictId: 's1',
    summary: ctx.summary,
    searchText: '',
    assignees: ['u-med1'],
    experts: [],
    courtId: null,
    courtInbox: false,
    deadlines: [],
    warning: 'none',
    overdue: false,
    snapshot: { value: 'mediating', context: ctx },
    accessCodeHash: 'x',
    version: 0,
    lastHash: '',
    createdAt: '2026-11-02T08:30:00+08:00',
    updatedAt: '2026-11-02T08:30:00+08:00',
    closedAt: null,
  };
  const f: Fixture = { record, events: [], bodies: BODIES, units: UNITS, users: USERS, now: NOW };
  addEvent(f, 'REGISTER', '2026-11-02T08:30:00+08:00', { channel: 'walk_in', disputedAmount: 12345.6 }, SYSTEM);
  addEvent(f, 'ACCEPT', '2026-11-03T09:00:00+08:00', {});
  addEvent(f, 'ASSIGN', '2026-11-03T09:10:00+08:00', { mediatorIds: ['u-med1'] });
  addEvent(f, 'SCHEDULE_SESSION', '2026-11-05T09:00:00+08:00', { at: '2026-11-10T14:30:00+08:00', place: '幸福社区居委会调解室' });
  addEvent(f, 'RECORD_SESSION', '2026-11-10T16:00:00+08:00', { summary: '双方陈述事实，物业公司同意修复。' });
  return f;
}

export interface AgreementOptions {
  signed?: boolean;
  effectiveAt?: string;
  decidesOwnership?: boolean;
  /** REACH_AGREEMENT terms (API.md 2026.3 clause); kept on the clause as the workflow keeps them */
  clauses?: Array<{
    text: string;
    obligor?: string;
    obligors?: string[];
    performBy?: string;
    manner?: string;
    place?: string;
    amount?: number;
    noPerformance?: boolean;
  }>;
  forConfirmation?: boolean;
  facts?: string;
  disputePoints?: string;
  responsibilities?: string;
}

const DEFAULT_TERMS = [
  { text: '被申请人于2026年12月15日前修复3号楼屋面防水层。', obligor: 'p3', performBy: '2026-12-15', manner: '自行组织施工' },
  { text: '被申请人向申请人张三赔偿装修损失12,345.60元。', obligor: 'p3', performBy: '2026-12-31', manner: '银行转账', amount: 12_345.6 },
  { text: '申请人按时缴纳物业服务费。', obligor: 'p1', performBy: '2026-12-31' },
];

/** REACH_AGREEMENT (and SIGN_AGREEMENT when signed, the default). */
export function withAgreement(f: Fixture, opts: AgreementOptions = {}): Fixture {
  const ctx = ctxOf(f);
  const terms: NonNullable<AgreementOptions['clauses']> = opts.clauses ?? DEFAULT_TERMS;
  // as the workflow keeps them (workflows/case.machine.ts clausesFrom)
  const clauses: Clause[] = terms.map((t, i) => {
    const obligors = t.noPerformance ? undefined : (t.obligors ?? (t.obligor ? [t.obligor] : undefined));
    return {
      no: i + 1,
      text: t.text,
      obligor: obligors?.[0],
      ...(obligors ? { obligors } : {}),
      ...(t.manner !== undefined ? { manner: t.manner } : {}),
      ...(t.place !== undefined ? { place: t.place } : {}),
      ...(t.amount !== undefined ? { amount: t.amount } : {}),
      performBy: t.noPerformance ? '' : (t.performBy ?? '2026-12-31'),
      ...(t.noPerformance ? { noPerformance: true } : {}),
      performance: 'pending',
    };
  });
  const draftedAt = '2026-11-15T10:00:00+08:00';
  const agreement: Agreement = {
    draftNo: 1,
    draftedAt,
    clauses,
    performBy: '2026-12-31',
    decidesOwnership: opts.decidesOwnership ?? false,
    facts: opts.facts ?? '2026年7月起，3号楼顶层多户因屋面防水层老化发生渗漏。',
    disputePoints: opts.disputePoints ?? '渗漏原因及维修责任\n装修损失的赔偿数额',
    responsibilities: opts.responsibilities ?? '被申请人作为物业服务企业未及时维护共用部位，应承担维修及赔偿责任。',
    amount: 12_345.6,
    ...(opts.forConfirmation ? { forConfirmation: true } : {}),
    signedBy: [],
    effectiveAt: null,
  };
  ctx.agreement = agreement;
  f.record.status = 'agreement_pending';
  addEvent(f, 'REACH_AGREEMENT', draftedAt, {
    terms,
    performBy: '2026-12-31',
    facts: agreement.facts,
    disputePoints: agreement.disputePoints,
    responsibilities: agreement.responsibilities,
    amount: agreement.amount,
  });
  if (opts.signed ?? true) sign(f, opts.effectiveAt ?? '2026-11-18T15:00:00+08:00');
  return f;
}

export function sign(f: Fixture, at: string, signedBy = ctxOf(f).parties.map((p) => p.id)): Fixture {
  const ctx = ctxOf(f);
  ctx.agreement!.signedBy = signedBy;
  ctx.agreement!.effectiveAt = at;
  f.record.status = 'performing';
  addEvent(f, 'SIGN_AGREEMENT', at, { signedBy });
  return f;
}

export function declined(f: Fixture, reason = '该纠纷已由人民法院立案受理。', ground?: string): Fixture {
  f.record.status = 'declined';
  addEvent(f, 'DECLINE', '2026-11-03T09:00:00+08:00', ground ? { reason, ground } : { reason });
  ctxOf(f).acceptedAt = null;
  return f;
}

export function terminated(f: Fixture, reason = '被申请人明确拒绝继续调解'): Fixture {
  const ctx = ctxOf(f);
  ctx.outcome = 'unresolved';
  ctx.closedAt = '2026-11-20T10:00:00+08:00';
  f.record.status = 'closed';
  f.record.outcome = 'unresolved';
  addEvent(f, 'TERMINATE', '2026-11-20T10:00:00+08:00', { reason });
  return f;
}

export function referred(f: Fixture, reason = '调解不成，申请人要求通过诉讼解决'): Fixture {
  const ctx = ctxOf(f);
  ctx.referral = { fromTier: 'community', fromBodyId: 'b-c1', at: '2026-11-20T10:00:00+08:00', reason };
  ctx.tier = 'court';
  ctx.bodyId = 'court-1';
  f.record.status = 'referred_to_court';
  f.record.courtId = 'court-1';
  addEvent(f, 'REFER_TO_COURT', '2026-11-20T10:00:00+08:00', { reason });
  return f;
}

/** A court-delegated case (委派调解) from the given court. */
export function delegated(f: Fixture, courtId = 'court-2'): Fixture {
  ctxOf(f).delegation = { courtRef: '（2026）示民诉前调1234号', dueAt: '2026-12-02T23:59:59+08:00', mode: 'delegated' };
  f.record.courtId = courtId;
  return f;
}

export function withFollowUp(f: Fixture, note = '防水层已修复，赔偿款已到账。'): Fixture {
  const ctx = ctxOf(f);
  const at = '2026-12-22T10:00:00+08:00';
  ctx.followUps.push({
    at,
    by: 'u-med1',
    performance: 'partial',
    satisfaction: 4,
    note,
    clauses: [
      { clause: 1, performance: 'full' },
      { clause: 2, performance: 'full' },
      { clause: 3, performance: 'partial' },
    ],
  });
  addEvent(f, 'RECORD_FOLLOW_UP', at, { performance: 'partial', satisfaction: 4, note });
  return f;
}

/** Puts `payload` into every field a person types: names, summary, claims, clauses, reasons, notes. */
export function hostile(f: Fixture, payload: string): Fixture {
  const ctx = ctxOf(f);
  ctx.summary = `${payload}摘要`;
  f.record.summary = ctx.summary;
  ctx.claims = [payload];
  for (const p of ctx.parties) {
    p.name = `${payload}${p.id}`;
    p.address = payload;
    p.phone = payload;
    p.idNumber = payload;
    if (p.representative) p.representative = payload;
  }
  for (const s of ctx.sessions!) {
    s.place = payload;
    s.summary = payload;
  }
  ctx.opinions!.push({ expertId: 'u-expert', text: payload, at: '2026-11-12T10:00:00+08:00' });
  if (ctx.agreement) {
    ctx.agreement.facts = payload;
    ctx.agreement.disputePoints = payload;
    ctx.agreement.responsibilities = payload;
    for (const c of ctx.agreement.clauses) c.text = `${payload}条款${c.no}`;
  }
  for (const fu of ctx.followUps) fu.note = payload;
  if (ctx.referral) ctx.referral.reason = payload;
  for (const e of f.events) {
    const d = e.data as Record<string, unknown>;
    for (const key of ['reason', 'summary', 'note', 'place', 'text', 'facts', 'disputePoints', 'responsibilities']) if (key in d) d[key] = payload;
    if (Array.isArray(d.terms)) d.terms = (d.terms as Array<Record<string, unknown>>).map((t) => ({ ...t, manner: payload }));
  }
  return f;
}

export function issueInput(f: Fixture, kind: string, extra: Partial<IssueInput> = {}): IssueInput {
  return {
    record: f.record,
    events: f.events,
    kind,
    actor: { id: 'u-med1', username: 'med.c1', name: '王调解' },
    now: f.now,
    bodies: f.bodies,
    units: f.units,
    users: f.users,
    ...extra,
  };
}

/** A case that every kind of document applies to (decline and termination aside: see the others). */
export function fullCase(): Fixture {
  const f = withFollowUp(withAgreement(mediatingCase()));
  ctxOf(f).opinions!.push({ expertId: 'u-expert', text: '物业公司对共用部位负有维修义务。', at: '2026-11-12T10:00:00+08:00' });
  return f;
}
