// The view model every document template renders from: plain, fully populated data (no undefined
// fields, so templates compile in strict mode), with dates and amounts already in Chinese form.
// Documents are issued by staff with jurisdiction, so parties appear with full particulars.
import type { Agreement, CaseContext, Party } from '../../workflows/case.types.ts';
import {
  CATEGORY_LABELS,
  CHANNEL_LABELS,
  EVENT_LABELS,
  OUTCOME_LABELS,
  STATUS_LABELS,
  TIER_LABELS,
  type Category,
  type Channel,
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
import { followUpDates as computeFollowUpDates, type WorkingCalendar } from './schedule.ts';

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
}

export interface FollowUpPlanView {
  no: number;
  noZh: string;
  date: string;
  iso: string;
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
  decline: { at: string; reason: string; by: string } | null;
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
};

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
  return { id: compoundId, name, address: chain.join(''), chain };
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
      add('履行情况', PERFORMANCE_LABELS[str(d.performance)] ?? d.performance);
      add('满意度', d.satisfaction);
      break;
    case 'DEADLINE_WARNING':
    case 'DEADLINE_EXPIRED':
      add('期限', d.kind);
      add('预警', d.level);
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
  if (v.confirmation) entries.push({ title: '司法确认', date: v.confirmation.requestedAt, note: v.court?.name ?? '' });
  if (v.followUpPlan.length) entries.push({ title: '回访计划', date: v.followUpPlan[0].date, note: `${v.followUpPlan.length}次` });
  for (const f of v.followUps) entries.push({ title: `回访记录（第${f.noZh}次）`, date: f.at, note: f.performanceLabel });
  if (v.referral) entries.push({ title: '移送函', date: v.referral.at, note: v.court?.name ?? '' });
  if (v.termination) entries.push({ title: '终止调解告知书', date: v.termination.at, note: '' });
  entries.push({ title: '案件流转记录', date: '', note: `${v.history.length}条` });
  if (v.issuedDocuments.length) entries.push({ title: '已出具文书清单', date: '', note: `${v.issuedDocuments.length}份` });
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
  if (ctx.agreement) {
    const days =
      input.followUpDates ?? computeFollowUpDates(ctx.agreement.performBy, input.followUpOffsets, input.calendar);
    plan = days.map((iso, i) => ({
      no: i + 1,
      noZh: zhNumber(i + 1),
      date: zhDate(iso),
      iso,
      clauses: (agreement?.clauses ?? [])
        .filter((c) => !c.noPerformance && c.performByIso <= iso.slice(0, 10))
        .map((c) => ({ noZh: c.noZh, text: c.text, obligor: c.obligor, performBy: c.performBy })),
    }));
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
    opinions: ctx.opinions.map((o) => ({ by: userName(users, o.expertId), at: zhDate(o.at), text: o.text })),
    sessions: ctx.sessions.map((s) => ({
      no: s.no,
      noZh: zhNumber(s.no),
      at: zhDateTime(s.at),
      place: s.place,
      summary: s.summary ?? '',
      recorded: Boolean(s.recordedAt),
    })),
    sessionCount: ctx.sessions.some((s) => s.recordedAt)
      ? zhNumber(ctx.sessions.filter((s) => s.recordedAt).length)
      : '',
    agreement,
    followUps: ctx.followUps.map((f, i) => ({
      no: i + 1,
      noZh: zhNumber(i + 1),
      at: zhDate(f.at),
      by: userName(users, f.by),
      performanceLabel: PERFORMANCE_LABELS[f.performance] ?? f.performance,
      satisfaction: `${f.satisfaction}（${SATISFACTION_LABELS[f.satisfaction] ?? ''}）`,
      note: f.note,
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
    decline: decline ? { at: zhDate(decline.at), reason: clause(str(data(decline).reason)), by: actorName(decline, users) } : null,
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
