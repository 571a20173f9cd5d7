// The view model every document template renders from: plain, fully populated data (no undefined
// fields, so templates compile in strict mode), with dates and amounts already in Chinese form.
// Documents are issued by staff with jurisdiction, so parties appear with full particulars.
import type { Agreement, CaseContext, Party } from '../../workflows/case.types.ts';
import { sessionTally } from '../../workflows/case-lists.ts';
import { caseLists } from '../../workflows/registry.ts';
import {
  CATEGORY_LABELS,
  CAUSE_OF_ACTION_LABELS,
  CHANNEL_LABELS,
  DEADLINE_LABELS,
  EVENT_LABELS,
  OUTCOME_LABELS,
  STATUS_LABELS,
  TIER_LABELS,
  type Category,
  type Channel,
  type DeadlineKind,
  type EventType,
} from '../../workflows/vocabulary.ts';
import type { Body, CaseRecord, DocumentRecord, EventRecord, OrgUnit } from '../store/port.ts';
import {
  amountView,
  clauseNo,
  zhDate,
  zhDateTime,
  zhNumber,
  type AmountView,
} from './format.ts';
import { agreementMissing } from '../cases/clauses.ts';
import { committeeOf } from '../org.ts';
import { followUpPlan, type WorkingCalendar } from './schedule.ts';

export interface UserRef {
  id: string;
  name: string;
  username: string;
}

export interface DocumentViewInput {
  record: CaseRecord;
  events: EventRecord[];
  bodies: Body[];
  units: OrgUnit[];
  users: UserRef[];
  now: string;
  /** follow-up visit days as the engine scheduled them; computed from the offsets otherwise */
  followUpDates?: string[];
  followUpOffsets?: readonly number[];
  calendar?: WorkingCalendar;
  /** documents issued before this one: listed in the dossier with their hashes */
  documents?: Array<Pick<DocumentRecord, 'id' | 'kind' | 'version' | 'issuedAt' | 'sha256' | 'draft'>>;
  /** who issues the document (the dossier's 立卷人) */
  issuedBy?: string;
}

export interface PartyView {
  no: number;
  id: string;
  role: Party['role'];
  roleLabel: string;
  kind: Party['kind'];
  kindLabel: string;
  isPerson: boolean;
  isOrganisation: boolean;
  isGroup: boolean;
  name: string;
  phone: string;
  idNumber: string;
  address: string;
  representative: string;
  representativeLabel: string;
  households: string;
  /** in the joint application for judicial confirmation every party applies: 申请人一, 申请人二… */
  jointLabel: string;
  /** how the party is named at its signature line */
  signatory: string;
  /** people, where known (the SPC's sample 司法确认申请书): 男, 汉族, 1990年1月1日出生 — joined, '' when none */
  personal: string;
  /** 委托代理人 and the authority given ('' when none) */
  agent: string;
  agentAuthority: string;
  /** who signs for an organisation or a group: 法定代表人/委托代理人 or 代表人 ('' for a person) */
  signer: string;
  signerLabel: string;
}

export interface ClauseView {
  no: number;
  noZh: string;
  text: string;
  /** the obligors' names joined with 、 ('' when none was named) */
  obligor: string;
  /** how the obligation is performed, when the term says so separately (履行方式) */
  manner: string;
  /** 履行地点 */
  place: string;
  /** the clause's own date in 年月日 ('' when it was not given: the agreement's date applies) */
  performBy: string;
  /** the date the clause is due (its own, else the agreement's; '' for no performance) */
  dueBy: string;
  performByIso: string;
  performance: string;
  performanceLabel: string;
  /** only when entered for the clause: never read from its text */
  amount: AmountView | null;
  /** a waiver, confidentiality, the copies: no obligor, no date, no follow-up */
  noPerformance: boolean;
  /** 若干规定 art. 35(四): the performance line, of what was given only ('' when nothing was) */
  terms: string;
}

export interface AgreementView {
  draft: boolean;
  draftNo: number;
  draftedAt: string;
  facts: string;
  disputes: string[];
  responsibilities: string;
  /** the total the clauses move, when the agreement states it */
  amount: AmountView | null;
  clauses: ClauseView[];
  performBy: string;
  signedBy: string[];
  signed: boolean;
  effectiveAt: string;
  decidesOwnership: boolean;
  copies: number;
  copiesZh: string;
  /** the court's copy is counted (the parties mean to apply for 司法确认, or the court reviews it) */
  courtCopy: boolean;
  /** 人民调解法 art. 29: what a written agreement still lacks before it is signed ('' items omitted) */
  missing: string[];
}

export interface SessionView {
  no: number;
  noZh: string;
  at: string;
  place: string;
  summary: string;
  recorded: boolean;
  /** 调解笔录 (人民调解法 art. 27): who attended, the mediators present, who kept the record */
  attendees: Array<{ name: string; party: string }>;
  mediators: string[];
  recorder: string;
}

export interface FollowUpView {
  no: number;
  noZh: string;
  at: string;
  by: string;
  performanceLabel: string;
  satisfaction: string;
  note: string;
  clauses: Array<{ noZh: string; text: string; performanceLabel: string }>;
  /** 回访方式, 被回访人, 是否反复, 有无新隐患 ('' when not recorded) */
  methodLabel: string;
  visited: string;
  recurredLabel: string;
  newRisks: string;
}

export interface FollowUpPlanView {
  no: number;
  noZh: string;
  date: string;
  iso: string;
  /** the final visit (回头看): is the agreement still kept, has the dispute come back */
  final: boolean;
  clauses: Array<{ noZh: string; text: string; obligor: string; performBy: string }>;
}

export interface HistoryView {
  seq: number;
  at: string;
  type: string;
  typeLabel: string;
  actor: string;
  detail: string;
}

export interface IndexEntry {
  no: number;
  title: string;
  date: string;
  note: string;
}

export interface DocumentView {
  caseId: string;
  caseNo: string;
  status: string;
  statusLabel: string;
  tierLabel: string;
  outcomeLabel: string;
  category: string;
  categoryLabel: string;
  channelLabel: string;
  summary: string;
  claims: string[];
  householdsInvolved: number;
  disputedAmount: AmountView | null;
  flags: { major: boolean; specialised: boolean; escalationRisk: boolean; majorReasons: string[] };
  /** the mediating body: `committee` is the 人民调解委员会 whose seal the document carries (人民调解法
   * arts. 8, 29, 34), `venue` where it mediates ('' when it has none of its own) */
  body: { id: string; name: string; committee: string; venue: string; tierLabel: string };
  court: { id: string; name: string } | null;
  compound: { id: string; name: string; address: string; chain: string[] };
  parties: PartyView[];
  applicants: PartyView[];
  respondents: PartyView[];
  /** names joined with 、 for running text */
  partyNames: string;
  applicantNames: string;
  respondentNames: string;
  mediators: string[];
  experts: string[];
  opinions: Array<{ by: string; at: string; text: string }>;
  sessions: SessionView[];
  /** recorded sessions, in Chinese numerals ('' when none) */
  sessionCount: string;
  agreement: AgreementView | null;
  followUps: FollowUpView[];
  followUpPlan: FollowUpPlanView[];
  delegation: { courtRef: string; dueAt: string; modeLabel: string; entrusted: boolean } | null;
  /** 委托调解 (after the court filed the case): the agreement goes to the court for review */
  entrusted: boolean;
  referral: { at: string; reason: string; fromBody: string; courtCaseNo: string } | null;
  confirmation: { requestedAt: string; decided: boolean; confirmed: boolean; ruling: string; decidedAt: string } | null;
  /** 不予受理: the ground's own provision and remedy (issue 13 §3) */
  decline: { at: string; reason: string; by: string; groundLabel: string; provision: string; remedy: string } | null;
  /** how the applicants are addressed: 你, 你们 or 你单位 */
  applicantPronoun: string;
  /** the 案由 the court would file it under (the court's own when it gave one) */
  causeLabel: string;
  /** 原编号: the numbers the case had before */
  formerCaseNos: string[];
  /** 无争议事实记载 (特邀调解规定 2016), '' when none */
  undisputedFacts: string;
  /** 受理登记表: the respondents' consent to mediation, and how (人民调解法 art. 17) */
  consents: Array<{ name: string; roleLabel: string; how: string }>;
  /** 卷宗: 保管期限 */
  retention: string;
  /** 受理登记表: 申请方式 (书面/口头) and 纠纷发生时间, '' when not recorded */
  applicationForm: string;
  occurredAt: string;
  /** the rights notice was given (若干规定 art. 30): the dossier holds it */
  rightsNotified: boolean;
  /** a party acts through a 委托代理人: the 授权委托书 is attached */
  hasAgents: boolean;
  /** 执行告知: the court that confirmed the agreement, and when */
  enforcement: { court: string; decidedAt: string } | null;
  termination: { at: string; reason: string; by: string } | null;
  registeredAt: string;
  registeredBy: string;
  acceptedAt: string;
  acceptedBy: string;
  closedAt: string;
  history: HistoryView[];
  dossierIndex: IndexEntry[];
  issuedDocuments: Array<{ kind: string; title: string; version: number; issuedAt: string; sha256: string; draft: boolean }>;
  issuedAt: string;
  issuedAtIso: string;
  issuedBy: string;
}

export const DOCUMENT_TITLES: Record<string, string> = {
  intake_form: '人民调解受理登记表',
  non_acceptance_notice: '不予受理告知书',
  agreement: '人民调解协议书',
  termination_notice: '终止调解告知书',
  court_referral: '移送函',
  confirmation_application: '司法确认申请书',
  follow_up_schedule: '回访计划',
  follow_up_record: '回访记录',
  dossier: '人民调解卷宗',
  rights_notice: '人民调解权利义务告知书',
  session_minutes: '调解笔录',
  court_submission: '提交法院审查函',
  enforcement_advice: '申请强制执行告知书',
};

const FOLLOW_UP_METHODS: Record<string, string> = { phone: '电话回访', visit: '上门回访' };
const WARNING_LEVEL_LABELS: Record<string, string> = { blue: '蓝色预警', yellow: '黄色预警', orange: '橙色预警', red: '红色预警（逾期）', none: '无' };

/**
 * 不予受理 grounds: the provision each rests on and the remedy it leaves the applicant.
 * 人民调解法 (2010) art. 17 (a party refuses), art. 2 (人民调解 settles 民间纠纷); 人民调解工作若干规定 (司法部令第75号,
 * 2002) art. 22 (一) (for a specialised organ, or mediation barred) and (二) (already before or decided by a
 * court, the police or another administrative organ), art. 21 (the committee where a party lives or the
 * dispute arose).
 */
const DECLINE_RULES: Record<string, { label: string; provision: string; remedy: string }> = {
  party_refuses: {
    label: '当事人一方明确拒绝调解',
    provision: '《中华人民共和国人民调解法》第十七条',
    remedy: '你{p}可以依法通过仲裁、行政、司法等途径维护自己的合法权益。',
  },
  before_court: {
    label: '纠纷已由人民法院受理或者解决',
    provision: '司法部《人民调解工作若干规定》第二十二条第（二）项',
    remedy: '该纠纷由已经受理的人民法院依法处理，你{p}可以向该人民法院了解处理情况。',
  },
  before_agency: {
    label: '纠纷已由公安机关或者其他行政机关受理或者解决',
    provision: '司法部《人民调解工作若干规定》第二十二条第（二）项',
    remedy: '该纠纷由已经受理的机关依法处理，你{p}可以向该机关了解处理情况。',
  },
  specialised_organ: {
    label: '法律、法规规定只能由专门机关管辖处理，或者禁止采用民间调解方式解决',
    provision: '司法部《人民调解工作若干规定》第二十二条第（一）项',
    remedy: '你{p}可以向依法有管辖权的机关申请处理。',
  },
  not_civil: {
    label: '不属于人民调解的民间纠纷',
    provision: '《中华人民共和国人民调解法》第二条',
    remedy: '你{p}可以向依法有权处理的机关反映，或者依法通过其他途径解决。',
  },
  out_of_area: {
    label: '纠纷不属于本人民调解委员会的受理范围',
    provision: '司法部《人民调解工作若干规定》第二十一条',
    remedy: '你{p}可以向当事人所在地或者纠纷发生地的人民调解委员会申请调解。',
  },
};

/** 你 (one person), 你单位 (one organisation), 你们 (several, or a group of households). */
function pronounFor(ps: Party[]): string {
  if (ps.length !== 1) return '你们';
  return ps[0].kind === 'person' ? '你' : ps[0].kind === 'organisation' ? '你单位' : '你们';
}

/** 两次, not 二次, before a measure word (现代汉语 usage; issue 13 §3 "经两次调解"). */
function timesZh(n: number): string {
  return n === 2 ? '两' : zhNumber(n);
}

const PERFORMANCE_LABELS: Record<string, string> = {
  pending: '待履行',
  full: '已全部履行',
  partial: '部分履行',
  none: '未履行',
};

const SATISFACTION_LABELS: Record<number, string> = {
  1: '很不满意',
  2: '不满意',
  3: '基本满意',
  4: '满意',
  5: '非常满意',
};

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** A reason typed by a person, to be printed inside a sentence that supplies its own full stop. */
function clause(text: string): string {
  return text.trim().replace(/[。；;，,.\s]+$/u, '');
}

const names = (ps: PartyView[]) => ps.map((p) => p.name).join('、');

function data(e: EventRecord | undefined): Record<string, unknown> {
  return e && e.data && typeof e.data === 'object' ? (e.data as Record<string, unknown>) : {};
}

function lastEvent(events: EventRecord[], type: string): EventRecord | undefined {
  for (let i = events.length - 1; i >= 0; i--) if (events[i].type === type) return events[i];
  return undefined;
}

function partyView(p: Party, i: number): PartyView {
  const isGroup = p.kind === 'group';
  const isOrganisation = p.kind === 'organisation';
  const kindLabel = isGroup
    ? '业主群体'
    : isOrganisation
      ? p.orgType === 'owners_committee'
        ? '业主委员会'
        : p.orgType === 'other'
          ? '其他组织'
          : '物业服务企业'
      : '自然人';
  const households = p.households ? `${p.households}户` : '';
  const representative = p.representative ?? '';
  const signatory = isGroup
    ? `${p.name}${representative ? `（代表人：${representative}）` : ''}`
    : isOrganisation && representative
      ? `${p.name}（${representative}）`
      : p.name;
  const personal =
    p.kind === 'person'
      ? [p.gender === 'male' ? '男' : p.gender === 'female' ? '女' : '', p.ethnicity ?? '', p.birthDate ? `${zhDate(p.birthDate)}出生` : '']
          .filter(Boolean)
          .join('，')
      : '';
  // 委托代理人 (issue 12 §2 adds `agent` to the party); printed with the authority given
  const agent = (p as Party & { agent?: { name?: string; authority?: 'general' | 'special'; scope?: string } }).agent;
  const agentName = agent?.name?.trim() ?? '';
  const agentAuthority = agent
    ? [agent.authority === 'special' ? '特别授权' : agent.authority === 'general' ? '一般授权' : '', agent.scope?.trim() ?? ''].filter(Boolean).join('：')
    : '';
  const signer = isOrganisation ? agentName || representative : isGroup ? representative : agentName;
  const signerLabel = isOrganisation ? '法定代表人/委托代理人' : isGroup ? '代表人' : agentName ? '委托代理人' : '';
  return {
    no: i + 1,
    id: p.id,
    role: p.role,
    roleLabel: p.role === 'applicant' ? '申请人' : '被申请人',
    kind: p.kind,
    kindLabel,
    isPerson: p.kind === 'person',
    isOrganisation,
    isGroup,
    name: p.name,
    phone: p.phone ?? '',
    idNumber: p.idNumber ?? '',
    address: p.address ?? '',
    representative,
    representativeLabel: isOrganisation ? '法定代表人/负责人' : '代表人',
    households,
    jointLabel: `申请人${zhNumber(i + 1)}`,
    signatory,
    personal,
    agent: agentName,
    agentAuthority,
    signer,
    signerLabel,
  };
}

function committeeName(bodies: Body[], id: string): string {
  const b = bodies.find((x) => x.id === id);
  return b ? committeeOf(b) : id;
}

function userName(users: UserRef[], id: string): string {
  const u = users.find((x) => x.id === id || x.username === id);
  return u ? u.name || u.username : id;
}

function actorName(e: EventRecord | undefined, users: UserRef[]): string {
  if (!e) return '';
  if (e.actor.role === 'system') return '系统';
  return e.actor.name || userName(users, e.actor.id);
}

function compoundView(units: OrgUnit[], compoundId: string): DocumentView['compound'] {
  const byId = new Map(units.map((u) => [u.id, u]));
  const chain: string[] = [];
  let unit = byId.get(compoundId);
  const name = unit?.name ?? compoundId;
  for (let guard = 0; unit && guard < 10; guard++) {
    chain.unshift(unit.name);
    unit = unit.parentId ? byId.get(unit.parentId) : undefined;
  }
  const own = byId.get(compoundId)?.address?.trim();
  return { id: compoundId, name, address: own || chain.join(''), chain };
}

/** The body whose name and seal the documents carry: the one that mediated, not the court. */
function mediatingBodyId(ctx: CaseContext, bodies: Body[]): string {
  const holding = bodies.find((b) => b.id === ctx.bodyId);
  if (holding && holding.tier !== 'court') return holding.id;
  if (ctx.referral) return ctx.referral.fromBodyId;
  const lastTier = ctx.escalations.length ? ctx.escalations[ctx.escalations.length - 1].from : 'community';
  return lastTier === 'court' ? ctx.bodies.district : ctx.bodies[lastTier];
}

function partyName(parties: Party[], ref: string | undefined): string {
  if (!ref) return '';
  const p = parties.find((x) => x.id === ref || x.name === ref);
  return p ? p.name : ref;
}

/** 若干规定 art. 35(四): who performs, how, where, by when — only what was given. */
function performanceLine(c: { obligor: string; manner: string; place: string; performBy: string; noPerformance: boolean }): string {
  if (c.noPerformance) return '本条无须履行。';
  const parts = [
    c.obligor && `履行义务人：${c.obligor}`,
    c.manner && `履行方式：${c.manner}`,
    c.place && `履行地点：${c.place}`,
    c.performBy && `履行期限：${c.performBy}前`,
  ].filter(Boolean);
  return parts.length ? `${parts.join('；')}。` : '';
}

function agreementView(ctx: CaseContext, agreement: Agreement, events: EventRecord[]): AgreementView {
  const reached = data(lastEvent(events, 'REACH_AGREEMENT'));
  const terms = Array.isArray(reached.terms) ? (reached.terms as unknown[]) : [];
  // 人民调解法 art. 29: written by the mediator — never filled from the intake summary or the claims
  const disputesRaw = agreement.disputePoints ?? '';
  const disputes = disputesRaw
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  const clauses = agreement.clauses.map((c, i): ClauseView => {
    const term = terms[i] && typeof terms[i] === 'object' ? (terms[i] as Record<string, unknown>) : {};
    const explicit = c.amount ?? term.amount;
    // an amount prints only when it was entered for the clause (issue 13 §2), never guessed from the text
    const amount = typeof explicit === 'number' || typeof explicit === 'string' ? amountView(explicit) : null;
    const noPerformance = c.noPerformance === true;
    const obligorRefs = c.obligors ?? (c.obligor ? [c.obligor] : []);
    // the clause's own date, when the term gave one; a plain sentence takes the agreement's date
    const ownDate = !noPerformance && (typeof term.performBy === 'string' || (c.performBy && c.performBy !== agreement.performBy)) ? c.performBy : '';
    const view = {
      obligor: noPerformance ? '' : obligorRefs.map((r) => partyName(ctx.parties, r)).join('、'),
      manner: noPerformance ? '' : (c.manner ?? str(term.manner)),
      place: noPerformance ? '' : (c.place ?? str(term.place)),
      performBy: zhDate(ownDate),
      noPerformance,
    };
    return {
      no: c.no,
      noZh: clauseNo(c.no),
      text: c.text,
      ...view,
      dueBy: noPerformance ? '' : zhDate(c.performBy || agreement.performBy),
      performByIso: noPerformance ? '' : c.performBy || agreement.performBy,
      performance: c.performance,
      performanceLabel: noPerformance ? '无须履行' : (PERFORMANCE_LABELS[c.performance] ?? c.performance),
      amount,
      terms: performanceLine(view),
    };
  });
  // 人民调解法 art. 29: one copy for each party and one kept by the committee; the court's copy when the
  // parties apply for 司法确认 (人民调解法 art. 33) or the court reviews an entrusted agreement
  const courtCopy = Boolean(agreement.forConfirmation || ctx.confirmation || ctx.delegation?.mode === 'entrusted');
  const copies = ctx.parties.length + 1 + (courtCopy ? 1 : 0);
  const signed = Boolean(agreement.effectiveAt);
  return {
    draft: !signed,
    draftNo: agreement.draftNo,
    draftedAt: zhDate(agreement.draftedAt),
    facts: agreement.facts?.trim() ?? '',
    disputes,
    responsibilities: agreement.responsibilities?.trim() ?? '',
    amount: amountView(agreement.amount ?? null),
    clauses,
    performBy: zhDate(agreement.performBy),
    signedBy: agreement.signedBy.map((s) => partyName(ctx.parties, s)),
    signed,
    effectiveAt: zhDate(agreement.effectiveAt),
    decidesOwnership: agreement.decidesOwnership,
    copies,
    copiesZh: zhNumber(copies),
    courtCopy,
    missing: agreementMissing(agreement),
  };
}

function describeEvent(e: EventRecord, ctx: CaseContext, users: UserRef[]): string {
  const d = data(e);
  const parts: string[] = [];
  const add = (label: string, v: unknown) => {
    const s = str(v);
    if (s) parts.push(`${label}：${s}`);
  };
  switch (e.type) {
    case 'ASSIGN':
      if (Array.isArray(d.mediatorIds)) parts.push(`调解员：${d.mediatorIds.map((id) => userName(users, str(id))).join('、')}`);
      break;
    case 'REQUEST_RECUSAL':
      add('回避对象', userName(users, str(d.mediatorId)));
      break;
    case 'INVITE_EXPERT':
      add('专家', userName(users, str(d.expertId)));
      break;
    case 'SCHEDULE_SESSION':
      add('时间', zhDateTime(str(d.at)));
      break;
    case 'EXTEND_DEADLINE':
      add('延长天数', d.days);
      break;
    case 'REACH_AGREEMENT':
      if (Array.isArray(d.terms)) parts.push(`协议条款${d.terms.length}条`);
      add('履行期限', zhDate(str(d.performBy)));
      break;
    case 'SIGN_AGREEMENT':
      if (Array.isArray(d.signedBy)) parts.push(`签署：${d.signedBy.map((s) => partyName(ctx.parties, str(s))).join('、')}`);
      break;
    case 'COURT_ACCEPT':
      add('法院案号', d.courtCaseNo);
      break;
    case 'CONFIRMATION_RESULT':
      parts.push(d.confirmed ? '确认有效' : '不予确认');
      break;
    case 'RECORD_FOLLOW_UP':
      add('回访方式', FOLLOW_UP_METHODS[str(d.method)]);
      add('履行情况', PERFORMANCE_LABELS[str(d.performance)]);
      add('满意度', d.satisfaction);
      if (typeof d.recurred === 'boolean') parts.push(d.recurred ? '纠纷出现反复' : '纠纷未反复');
      break;
    case 'DEADLINE_WARNING':
    case 'DEADLINE_EXPIRED':
      // in Chinese, as the case page shows them: never the internal codes
      add('期限', DEADLINE_LABELS[str(d.kind) as DeadlineKind]?.zh ?? '');
      add('预警', e.type === 'DEADLINE_EXPIRED' ? '已逾期' : (WARNING_LEVEL_LABELS[str(d.level)] ?? ''));
      add('到期时间', zhDateTime(str(d.dueAt)));
      break;
    case 'DECLINE':
      add('理由类别', DECLINE_RULES[str(d.ground)]?.label);
      break;
    case 'RECORD_SESSION':
      if (Array.isArray(d.attendees)) parts.push(`到场：${(d.attendees as Array<{ name?: unknown }>).map((a) => str(a.name)).filter(Boolean).join('、')}`);
      add('记录人', d.recorder);
      break;
    case 'FLAG_RISK':
      add('风险等级', d.level === 'high' ? '高' : d.level === 'elevated' ? '较高' : '');
      add('报告对象', d.reportedTo);
      break;
    case 'TRANSFER':
      add('移交至', TIER_LABELS[str(d.toTier) as keyof typeof TIER_LABELS]?.zh);
      break;
    case 'COURT_SETTLEMENT':
      add('结果', d.result === 'mediation_statement' ? '出具民事调解书' : d.result === 'withdrawal' ? '裁定准许撤诉' : '');
      break;
  }
  add('地点', d.place);
  add('理由', d.reason);
  add('记录', d.summary);
  add('意见', d.text);
  add('备注', d.note);
  add('裁定', d.ruling);
  return parts.join('；');
}

/** The dossier's table of contents (卷内目录), also attached to the referral letter and the court package. */
function dossierIndex(v: Omit<DocumentView, 'dossierIndex'>): IndexEntry[] {
  const entries: Array<Omit<IndexEntry, 'no'>> = [
    { title: '卷宗封面', date: '', note: '' },
    { title: '卷内目录', date: '', note: '' },
    { title: '人民调解受理登记表', date: v.registeredAt, note: '' },
  ];
  if (v.decline) entries.push({ title: '不予受理告知书', date: v.decline.at, note: '' });
  if (v.rightsNotified) entries.push({ title: '人民调解权利义务告知书', date: v.acceptedAt, note: '' });
  for (const s of v.sessions) {
    if (s.recorded) entries.push({ title: `调解笔录（第${s.noZh}次）`, date: s.at, note: s.place });
  }
  for (const o of v.opinions) entries.push({ title: `专家意见（${o.by}）`, date: o.at, note: '' });
  if (v.agreement) {
    entries.push({
      title: '人民调解协议书',
      date: v.agreement.effectiveAt || v.agreement.draftedAt,
      note: v.agreement.signed ? `已生效，一式${v.agreement.copiesZh}份` : '草稿，未签署',
    });
  }
  if (v.entrusted && v.agreement?.signed) entries.push({ title: '提交法院审查函', date: v.agreement.effectiveAt, note: v.court?.name ?? '' });
  if (v.confirmation) entries.push({ title: '司法确认', date: v.confirmation.requestedAt, note: v.court?.name ?? '' });
  if (v.followUpPlan.length) entries.push({ title: '回访计划', date: v.followUpPlan[0].date, note: `${v.followUpPlan.length}次` });
  for (const f of v.followUps) entries.push({ title: `回访记录（第${f.noZh}次）`, date: f.at, note: f.performanceLabel });
  if (v.referral) entries.push({ title: v.delegation ? '退回函' : '移送函', date: v.referral.at, note: v.court?.name ?? '' });
  for (const d of v.issuedDocuments.filter((x) => x.kind === 'enforcement_advice')) entries.push({ title: d.title, date: d.issuedAt, note: `第${d.version}版` });
  if (v.termination) entries.push({ title: '终止调解告知书', date: v.termination.at, note: '' });
  entries.push({ title: '案件流转记录', date: '', note: `${v.history.length}条` });
  if (v.issuedDocuments.length) entries.push({ title: '已出具文书清单', date: '', note: `${v.issuedDocuments.length}份` });
  entries.push({ title: '备考表', date: '', note: '' });
  return entries.map((e, i) => ({ no: i + 1, ...e }));
}

export function buildDocumentView(input: DocumentViewInput): DocumentView {
  const { record, events, bodies, units, users, now } = input;
  const ctx = record.snapshot.context;
  const bodyId = mediatingBodyId(ctx, bodies);
  const body = bodies.find((b) => b.id === bodyId);
  const courtBody = bodies.find((b) => b.id === (record.courtId ?? ctx.bodies.court));
  const parties = ctx.parties.map(partyView);
  const agreement = ctx.agreement ? agreementView(ctx, ctx.agreement, events) : null;
  // the sessions and opinions are in the history (workflows/case-lists.ts)
  const lists = caseLists(record.workflowVersion, ctx, events);

  const register = events.find((e) => e.type === 'REGISTER');
  const accept = lastEvent(events, 'ACCEPT');
  const decline = lastEvent(events, 'DECLINE');
  const terminate = lastEvent(events, 'TERMINATE');
  const registerData = data(register);
  const rawAmount = registerData.disputedAmount ?? registerData.amount;

  const mediatorIds = ctx.assignees.length
    ? ctx.assignees
    : [lastEvent(events, 'REACH_AGREEMENT')?.actor.id].filter((x): x is string => Boolean(x));

  let plan: FollowUpPlanView[] = [];
  if (ctx.agreement && agreement) {
    // issue 13 §3: a visit after each distinct clause due date, then a final 回头看 (clauses needing no
    // performance are not visited); dates given by the caller override the computed ones
    const performing = agreement.clauses.filter((c) => !c.noPerformance && c.performByIso);
    const computed = followUpPlan(
      performing.length ? performing.map((c) => c.performByIso) : [ctx.agreement.performBy],
      input.followUpOffsets,
      input.calendar,
    );
    const days = input.followUpDates
      ? input.followUpDates.map((date, i, all) => ({ date, final: i === all.length - 1 }))
      : computed;
    let checked = '';
    plan = days.map((v, i) => {
      const iso = v.date;
      // each visit checks the clauses that fell due since the visit before it; the 回头看 checks them all
      const due = performing.filter((c) => (v.final ? true : c.performByIso <= iso.slice(0, 10) && c.performByIso > checked));
      if (!v.final) checked = iso.slice(0, 10);
      return {
        no: i + 1,
        noZh: zhNumber(i + 1),
        date: zhDate(iso),
        iso,
        final: v.final,
        clauses: due.map((c) => ({ noZh: c.noZh, text: c.text, obligor: c.obligor, performBy: c.dueBy })),
      };
    });
  }

  const clauseText = new Map((agreement?.clauses ?? []).map((c) => [c.no, c]));
  const base: Omit<DocumentView, 'dossierIndex'> = {
    caseId: record.id,
    caseNo: record.caseNo,
    status: record.status,
    statusLabel: STATUS_LABELS[record.status]?.zh ?? record.status,
    tierLabel: TIER_LABELS[record.tier]?.zh ?? record.tier,
    outcomeLabel: record.outcome ? OUTCOME_LABELS[record.outcome].zh : '',
    category: ctx.category,
    categoryLabel: CATEGORY_LABELS[ctx.category as Category]?.zh ?? ctx.category,
    channelLabel: CHANNEL_LABELS[ctx.channel as Channel]?.zh ?? ctx.channel,
    summary: ctx.summary,
    claims: [...ctx.claims],
    householdsInvolved: ctx.householdsInvolved,
    disputedAmount: typeof rawAmount === 'number' || typeof rawAmount === 'string' ? amountView(rawAmount) : null,
    flags: { ...ctx.flags, majorReasons: [...ctx.flags.majorReasons] },
    body: {
      id: bodyId,
      name: body?.name ?? bodyId,
      committee: body ? committeeOf(body) : bodyId,
      venue: body?.venueName && body.venueName !== committeeOf(body) ? body.venueName : '',
      tierLabel: body ? TIER_LABELS[body.tier].zh : '',
    },
    court: courtBody ? { id: courtBody.id, name: courtBody.name } : null,
    compound: compoundView(units, ctx.compoundId),
    parties,
    applicants: parties.filter((p) => p.role === 'applicant'),
    respondents: parties.filter((p) => p.role === 'respondent'),
    partyNames: names(parties),
    applicantNames: names(parties.filter((p) => p.role === 'applicant')),
    respondentNames: names(parties.filter((p) => p.role === 'respondent')),
    mediators: mediatorIds.map((id) => userName(users, id)),
    experts: ctx.experts.map((id) => userName(users, id)),
    opinions: lists.opinions.map((o) => ({ by: userName(users, o.expertId), at: zhDate(o.at), text: o.text })),
    sessions: lists.sessions.map((s) => ({
      no: s.no,
      noZh: zhNumber(s.no),
      at: zhDateTime(s.at),
      place: s.place,
      summary: s.summary ?? '',
      recorded: Boolean(s.recordedAt),
      attendees: (s.attendees ?? []).map((a) => {
        const party = a.partyId ? ctx.parties.find((p) => p.id === a.partyId) : undefined;
        return { name: a.name, party: party && party.name !== a.name ? party.name : '' };
      }),
      mediators: (s.mediatorIds?.length ? s.mediatorIds : mediatorIds).map((id) => userName(users, id)),
      recorder: s.recorder ?? '',
    })),
    sessionCount: sessionTally(ctx).recorded > 0 ? timesZh(sessionTally(ctx).recorded) : '',
    agreement,
    followUps: ctx.followUps.map((f, i) => ({
      no: i + 1,
      noZh: zhNumber(i + 1),
      at: zhDate(f.at),
      by: userName(users, f.by),
      performanceLabel: PERFORMANCE_LABELS[f.performance] ?? f.performance,
      satisfaction: `${f.satisfaction}（${SATISFACTION_LABELS[f.satisfaction] ?? ''}）`,
      note: f.note,
      methodLabel: f.method ? FOLLOW_UP_METHODS[f.method] : '',
      visited: f.visited ?? '',
      recurredLabel: f.recurred === undefined ? '' : f.recurred ? '是' : '否',
      newRisks: f.newRisks?.trim() ?? '',
      clauses: (f.clauses ?? []).map((c) => ({
        noZh: clauseNo(c.clause),
        text: clauseText.get(c.clause)?.text ?? '',
        performanceLabel: PERFORMANCE_LABELS[c.performance] ?? c.performance,
      })),
    })),
    followUpPlan: plan,
    delegation: ctx.delegation
      ? {
          courtRef: ctx.delegation.courtRef,
          dueAt: zhDate(ctx.delegation.dueAt),
          modeLabel: ctx.delegation.mode === 'entrusted' ? '委托调解' : '委派调解',
          entrusted: ctx.delegation.mode === 'entrusted',
        }
      : null,
    entrusted: ctx.delegation?.mode === 'entrusted',
    referral: ctx.referral
      ? {
          at: zhDate(ctx.referral.at),
          reason: clause(ctx.referral.reason),
          fromBody: committeeName(bodies, ctx.referral.fromBodyId),
          courtCaseNo: ctx.referral.courtCaseNo ?? '',
        }
      : null,
    confirmation: ctx.confirmation
      ? {
          requestedAt: zhDate(ctx.confirmation.requestedAt),
          decided: ctx.confirmation.confirmed !== undefined,
          confirmed: ctx.confirmation.confirmed === true,
          ruling: ctx.confirmation.ruling ?? '',
          decidedAt: zhDate(ctx.confirmation.decidedAt),
        }
      : null,
    decline: decline
      ? (() => {
          const rule = DECLINE_RULES[str(data(decline).ground) || (ctx.declineGround ?? '')];
          const pronoun = pronounFor(ctx.parties.filter((p) => p.role === 'applicant'));
          return {
            at: zhDate(decline.at),
            reason: clause(str(data(decline).reason)),
            by: actorName(decline, users),
            groundLabel: rule?.label ?? '',
            // a decline before 2026.3 named no ground: the general rule and remedy, as before
            provision: rule?.provision ?? '《中华人民共和国人民调解法》第十七条和司法部《人民调解工作若干规定》第二十二条',
            remedy: (rule?.remedy ?? '你{p}可以依法通过仲裁、行政、司法等途径维护自己的合法权益。').replace('你{p}', pronoun),
          };
        })()
      : null,
    hasAgents: parties.some((p) => p.agent !== ''),
    applicationForm: (() => {
      const how = str(registerData.applicationForm) || (ctx.consents ?? []).find((c) => ctx.parties.find((p) => p.id === c.partyId)?.role === 'applicant')?.how;
      return how === 'written' ? '书面申请' : how === 'oral' ? '口头申请' : '';
    })(),
    occurredAt: zhDate(str(registerData.occurredAt) || null),
    rightsNotified: Boolean(ctx.rightsNotifiedAt || (ctx.consents ?? []).length),
    enforcement:
      ctx.confirmation?.confirmed === true
        ? { court: courtBody?.name ?? '作出确认裁定的人民法院', decidedAt: zhDate(ctx.confirmation.decidedAt) }
        : null,
    applicantPronoun: pronounFor(ctx.parties.filter((p) => p.role === 'applicant')),
    causeLabel: ctx.delegation?.causeOfAction?.trim() || (CAUSE_OF_ACTION_LABELS[ctx.category as Category]?.zh ?? `${CATEGORY_LABELS[ctx.category as Category]?.zh ?? ''}纠纷`),
    formerCaseNos: [...(record.formerCaseNos ?? [])],
    undisputedFacts: ctx.undisputedFacts?.text?.trim() ?? '',
    consents: (ctx.consents ?? []).map((c) => {
      const p = ctx.parties.find((x) => x.id === c.partyId);
      return { name: p?.name ?? c.partyId, roleLabel: p?.role === 'applicant' ? '申请人' : '被申请人', how: c.how === 'written' ? '书面' : '口头' };
    }),
    // 卷宗保管期限: long for major disputes and agreements still being performed under a court's eye;
    // short otherwise (the committee's own archive rule decides; see the README)
    retention: ctx.flags.major || ctx.confirmation || ctx.delegation ? '长期' : '短期',
    termination: terminate
      ? { at: zhDate(terminate.at), reason: clause(str(data(terminate).reason)), by: actorName(terminate, users) }
      : null,
    registeredAt: zhDate(ctx.registeredAt ?? register?.at ?? record.createdAt),
    registeredBy: actorName(register, users),
    acceptedAt: zhDate(ctx.acceptedAt ?? accept?.at),
    acceptedBy: actorName(accept, users),
    closedAt: zhDate(ctx.closedAt ?? record.closedAt),
    history: events.map((e) => ({
      seq: e.seq,
      at: zhDateTime(e.at),
      type: e.type,
      typeLabel: EVENT_LABELS[e.type as EventType]?.zh ?? e.type,
      actor: actorName(e, users),
      detail: describeEvent(e, ctx, users),
    })),
    issuedDocuments: (input.documents ?? []).map((d) => ({
      kind: d.kind,
      title: DOCUMENT_TITLES[d.kind] ?? d.kind,
      version: d.version,
      issuedAt: zhDateTime(d.issuedAt),
      sha256: d.sha256,
      draft: d.draft,
    })),
    issuedAt: zhDate(now),
    issuedAtIso: now,
    issuedBy: input.issuedBy ?? '',
  };
  return { ...base, dossierIndex: dossierIndex(base) };
}
