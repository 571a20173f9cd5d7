// The facts a case carries through the workflow, the events it reacts to and the commands it gives
// the outside world. Pure types: nothing here performs I/O.
import type {
  Category,
  Channel,
  DeadlineKind,
  EventType,
  MediationTier,
  Outcome,
  Role,
  Tier,
  WarningLevel,
} from './vocabulary.ts';

/** Who sent an event. `system` is the engine itself (intake, timers). */
export interface Actor {
  id: string;
  username: string;
  role: Role | 'system';
  /** The mediation body (or court) the user works for. */
  bodyId?: string | null;
  tier?: Tier | null;
  name?: string;
}

export type PartyKind = 'person' | 'organisation' | 'group';
export interface Party {
  id: string; // p1, p2… stable within the case
  role: 'applicant' | 'respondent';
  kind: PartyKind;
  name: string;
  phone?: string;
  idNumber?: string;
  /** people, where known: printed in the particulars as the SPC's sample 司法确认申请书 lists them */
  gender?: 'male' | 'female';
  ethnicity?: string; // 汉族, 回族…
  birthDate?: string; // YYYY-MM-DD
  address?: string;
  /** organisations: a property-service company unless stated otherwise. */
  orgType?: 'property_company' | 'owners_committee' | 'other';
  /** groups of households: who speaks and signs for them. */
  representative?: string;
  households?: number;
  // ── 2026.3 (issue 12 §2) ──
  /** 委托代理人 (民事诉讼法 arts. 61–62 by analogy; 人民调解法 art. 23: the parties' rights) */
  agent?: Agent;
  /** a group party: its households, one by one (the count then comes from this list) */
  householdList?: Household[];
  /** a group party: how its representative was chosen (推选、委托…) */
  representativeChosenBy?: string;
}

/** 委托代理人: who acts for a party, and with what authority (一般授权 / 特别授权 and its text). */
export interface Agent {
  name: string;
  phone?: string;
  /** general (一般授权) or special (特别授权: may admit, waive or change claims, settle) */
  authority: 'general' | 'special';
  /** the authorisation as written */
  scope?: string;
}

/** One household of a group party: who, and where (address or unit, e.g. 3号楼1202室). */
export interface Household {
  name: string;
  address?: string;
}

/** The bodies that can hold this case, fixed at intake from the compound's place in the tree. */
export interface BodyChain {
  community: string;
  subdistrict: string;
  district: string;
  court: string;
}

export interface Clause {
  no: number; // 1-based, as printed
  text: string;
  obligor?: string; // party id or name (the first obligor; kept for readers before 2026.3)
  /** 2026.3: who performs it, by party id (若干规定 art. 35(四): 履行协议的方式、地点、期限) */
  obligors?: string[];
  /** how it is performed (一次性支付、分期、修复…), 人民调解法 art. 29 */
  manner?: string;
  /** 2026.3: where it is performed */
  place?: string;
  /** the sum this clause moves, in yuan: printed only when entered, never read from the text */
  amount?: number;
  performBy: string; // YYYY-MM-DD; '' for a clause that needs no performance
  /** 2026.3: a waiver, confidentiality, the copies, the right to sue…: no obligor, no date, no follow-up */
  noPerformance?: boolean;
  performance: 'pending' | 'full' | 'partial' | 'none';
}

export interface Agreement {
  draftNo: number;
  draftedAt: string;
  clauses: Clause[];
  performBy: string;
  /** 人民调解法 art. 28: an oral agreement (口头协议) takes effect when reached; absent = written */
  form?: 'written' | 'oral';
  /** 物权确权: agreements that decide ownership cannot be judicially confirmed. */
  decidesOwnership: boolean;
  /** 人民调解法 art. 29: the main facts, the points in dispute and each party's responsibility */
  facts?: string;
  disputePoints?: string;
  responsibilities?: string;
  /** total sum the clauses move, in yuan, printed in figures and 大写 */
  amount?: number;
  /** the parties mean to apply for 司法确认: one more copy, the court's */
  forConfirmation?: boolean;
  signedBy: string[];
  effectiveAt: string | null;
}

export interface Session {
  no: number;
  at: string;
  place: string;
  scheduledAt: string;
  summary?: string;
  recordedAt?: string;
  /** 2026.3 (人民调解法 art. 27): who attended (a party by id, and the person), the mediators, the recorder */
  attendees?: Array<{ partyId?: string; name: string }>;
  mediatorIds?: string[];
  recorder?: string;
}

export interface FollowUp {
  at: string;
  by: string;
  performance: 'full' | 'partial' | 'none';
  satisfaction: number;
  note: string;
  clauses?: Array<{ clause: number; performance: 'full' | 'partial' | 'none' }>;
  /** issue 13 §3 (回访记录): by telephone or in person, whom, whether the dispute came back, new risks */
  method?: 'phone' | 'visit';
  visited?: string;
  recurred?: boolean;
  newRisks?: string;
}

export interface Delegation {
  courtRef: string;
  dueAt: string;
  /** 委派 before filing (30 days) or 委托 after filing (15/7 days). */
  mode: 'delegated' | 'entrusted';
  /** 委托 only: 普通程序 (15 days) or 简易程序 (7 days); ordinary when not given */
  procedure?: 'ordinary' | 'summary';
  /** the court's own case number (案号), 案由 and 标的额 (yuan): plain data for the court */
  courtCaseNo?: string;
  causeOfAction?: string;
  /** 标的额, yuan */
  claimAmount?: number;
}

/** 不予受理 grounds (issue 12 §3): 人民调解法 art. 17; 若干规定 art. 22 (一)(二); not civil; outside the area */
export const DECLINE_GROUNDS = ['party_refuses', 'before_court', 'before_agency', 'specialised_organ', 'not_civil', 'out_of_area'] as const;
export type DeclineGround = (typeof DECLINE_GROUNDS)[number];

/** FLAG_RISK `prevents` (人民调解法 art. 25): 民转刑 or 群体性事件 (server/oversight/codes.ts PREVENTIONS) */
export type RiskPrevention = 'criminal_case' | 'mass_incident';

/** 人民调解法 arts. 3, 17: each party's consent to mediation, and how it was given */
export interface Consent {
  partyId: string;
  how: 'written' | 'oral';
}

/** What to do next when a follow-up finds the agreement not performed, or the court refused to
 * confirm it (人民调解法 arts. 32–33; 民诉法 arts. 205–206); shown to the mediator. */
export type NextStep = 'apply_for_enforcement' | 'urge_performance_or_sue' | 'amend_new_agreement_or_sue';

export interface Conflict {
  mediatorId: string;
  reason: string; // why they are flagged: same compound, relative, company staff…
  /** what ties them (workflows/routing.ts findConflicts); 2026.3 treats `same_compound` as a warning only */
  kind?: 'same_compound' | 'employer' | 'relative' | 'recused';
}

/** 2026.3 (人民调解法 art. 20; 若干规定 art. 27): whom the mediator may invite, with the parties' consent */
export const PARTICIPANT_KINDS = ['expert', 'relative', 'neighbour', 'colleague', 'unit'] as const;
export type ParticipantKind = (typeof PARTICIPANT_KINDS)[number];

/** Someone invited to take part in the mediation, and the parties who consented. */
export interface Participant {
  kind: ParticipantKind;
  /** a person's name (for an invited expert user: absent, `userId` names them) */
  name?: string;
  userId?: string;
  /** for a unit (房管办、城管、物业协会…): its name */
  unit?: string;
  consentOf: string[];
  at: string;
  by: string;
}

/** An expert's opinion (ADD_OPINION). */
export interface Opinion {
  expertId: string;
  text: string;
  at: string;
}

/** 调查核实 (RECORD_INVESTIGATION): whom, what, the findings. */
export interface Investigation {
  whom: string;
  what: string;
  findings: string;
  at: string;
  by: string;
}

export interface CaseContext {
  caseId: string;
  caseNo: string;
  registeredAt: string;
  tier: Tier;
  bodyId: string;
  bodies: BodyChain;
  channel: Channel;
  category: Category;
  compoundId: string;
  summary: string;
  claims: string[];
  householdsInvolved: number;
  flags: { major: boolean; specialised: boolean; escalationRisk: boolean; majorReasons: string[] };
  parties: Party[];
  assignees: string[];
  experts: string[];
  /** before issue 17 only: expert opinions are read from the history now (workflows/case-lists.ts) */
  opinions?: Opinion[];
  /** 2026.3 adds who asked (a party id, or the mediator themself), who decided and the basis (人民调解法 art. 23) */
  recusals: Array<{ mediatorId: string; reason: string; at: string; requestedBy?: string; decidedBy?: string; basis?: string }>;
  conflictOverrides: Array<{ mediatorId: string; reason: string; override: string; at: string }>;
  /** before issue 17 only: the sessions are read from the history now (workflows/case-lists.ts) */
  sessions?: Session[];
  /** issue 17: how many sessions were scheduled or held (the last one's number) and how many of them
   * recorded; the sessions themselves are in the history, so an event's cost does not grow with them.
   * Absent on snapshots persisted before (registry.compactContext derives them from `sessions`). */
  sessionCount?: number;
  sessionsRecorded?: number;
  agreement: Agreement | null;
  confirmation: { requestedAt: string; confirmed?: boolean; ruling?: string; decidedAt?: string } | null;
  followUps: FollowUp[];
  delegation: Delegation | null;
  referral: { fromTier: MediationTier; fromBodyId: string; at: string; reason: string; courtCaseNo?: string } | null;
  escalations: Array<{ from: Tier; to: Tier; at: string; reason: string }>;
  extensions: Array<{ kind: DeadlineKind; days: number; reason: string; at: string; tier?: Tier; consentOf?: string[] }>;
  warnings: Partial<Record<DeadlineKind, WarningLevel>>;
  failure: { at: string; reason: string } | null;
  outcome: Outcome | null;
  acceptedAt: string | null;
  closedAt: string | null;
  reopenCount: number;
  lastReason: string | null;
  // ── workflow 2026.3 (issue 12); absent on snapshots of cases started earlier ──
  /** ACCEPT: each party's consent and when the rights notice was given (若干规定 art. 30) */
  consents?: Array<Consent & { at: string }>;
  rightsNotifiedAt?: string | null;
  /** DECLINE: the ground from the fixed list */
  declineGround?: DeclineGround | null;
  /** WITHDRAW by one party: recorded as theirs */
  withdrawnBy?: string | null;
  /** 无争议事实记载 (特邀调解规定 2016): facts not in dispute, with the parties who consented; they travel back to the court */
  undisputedFacts?: { text: string; consentOf: string[]; at: string } | null;
  /** 委托: the court's handling of the agreement submitted to it */
  courtSettlement?: { result: 'mediation_statement' | 'withdrawal'; at: string } | null;
  /** TRANSFER (上报/移交) of a case not yet accepted */
  transfers?: Array<{ from: Tier; to: Tier; at: string; reason: string }>;
  /** FLAG_RISK (人民调解法 art. 25) */
  risks?: Array<{ level: 'elevated' | 'high'; reason: string; reportedTo?: string; prevents?: RiskPrevention[]; at: string }>;
  /** what the mediator should offer next (shown by the presenter and in `phase`) */
  nextStep?: NextStep | null;
  /** mediators assigned although they live in the compound: a warning, not a conflict (issue 12 §4) */
  localTies?: Array<{ mediatorId: string; reason: string; at: string }>;
  /** INVITE_PARTICIPANT / INVITE_EXPERT with consent (人民调解法 art. 20): before issue 17 only (the history holds them now) */
  participants?: Participant[];
  /** RECORD_INVESTIGATION (调查核实): before issue 17 only (the history holds them now) */
  investigations?: Investigation[];
  /** RECORD_ASSEMBLY_DECISION (民法典 art. 278): the 业主大会 decision an agreement on these matters needs */
  assemblyDecision?: { date: string; summary: string; at: string } | null;
}

/** Facts the engine looks up before the machine decides (the machine itself does no I/O). */
export interface EventFacts {
  /** ASSIGN (and ACCEPT naming mediators): conflicts of interest found for the mediators named. */
  conflicts?: Conflict[];
  /** INVITE_EXPERT: whether the invited user is an expert. */
  expertExists?: boolean;
  /** ASSIGN: the named users are mediators of the holding body. */
  mediatorsValid?: boolean;
  /** EXTEND_DEADLINE: the deadline it would extend, and whether one of that kind is running. */
  extension?: { kind: DeadlineKind; running: boolean; maxDays?: number };
}

/** A term of an agreement as sent: a sentence, or the sentence with who performs it, how and by when. */
export type Term =
  | string
  | {
      text: string;
      /** before 2026.3: one obligor, by party id or name */
      obligor?: string;
      /** API.md 2026.3: the obligors by party id */
      obligors?: string[];
      performBy?: string;
      manner?: string;
      place?: string;
      amount?: number;
      noPerformance?: boolean;
    };
export type Performance = FollowUp['performance'];
type Reason = { reason: string };
type Nothing = Record<never, never>;
/** 无争议事实记载 on a failed delegated/entrusted mediation, with every party's consent */
type UndisputedFacts = { undisputedFacts?: string; consentOf?: string[] };

/** REGISTER: what intake recorded (server/engine/engine.ts intake). The machine starts from IntakeInput instead. */
export interface RegisterData {
  channel: Channel;
  compoundId: string;
  category: Category;
  summary: string;
  parties: Party[];
  householdsInvolved: number;
  claims?: string[];
  disputedAmount?: number;
  escalationRisk?: boolean;
  delegation?: { courtRef: string; dueAt?: string; mode?: Delegation['mode'] };
  /** where the case came from in another system (12345, grid): its reference */
  source?: { system: string; ref: string };
  /** channel department_transfer: which department sent it (issue 16 §4: 受理方式) */
  transferredFrom?: 'police' | 'petition' | 'other';
  tier: MediationTier;
  bodyId: string;
  flags: CaseContext['flags'];
  workflowVersion: string;
  /** 回访倒查: earlier cases linked at intake (server/oversight/recurrence.ts) */
  relatedCases?: Array<{ id: string; caseNo: string; registeredAt: string; reasons: Array<'category' | 'party'> }>;
}

/**
 * The payload (`data`) of every event type: the one definition. The API's schemas
 * (server/http/schemas.ts EVENT_DATA) are typed against it, the page forms produce it and the machine
 * reads it, so a field added here and missing there is a type error.
 */
export interface EventData {
  REGISTER: RegisterData;
  /** 2026.3: every party's consent and the rights notice are required (422 CONSENT_REQUIRED) */
  ACCEPT: {
    consents?: Consent[];
    rightsNotified?: boolean;
    mediatorIds?: string[];
    /** 2026.3: conflicts of interest (or an earlier recusal) of a named mediator knowingly overridden, each with a reason */
    overrides?: Array<{ mediatorId: string; reason: string }>;
  };
  /** 2026.3: `ground` is required by the API */
  DECLINE: Reason & { ground?: DeclineGround };
  ASSIGN: {
    mediatorIds: string[];
    /** conflicts of interest knowingly overridden, each with a reason */
    overrides?: Array<{ mediatorId: string; reason: string }>;
  };
  /** 2026.3 (人民调解法 art. 23): who asked — a party's id, or the mediator themself — and who decided */
  REQUEST_RECUSAL: { mediatorId: string; reason: string; requestedBy?: string; decidedBy?: string };
  /** 2026.3: `consentOf` records the parties' consent (人民调解法 art. 20); when given it names every party */
  INVITE_EXPERT: { expertId: string; consentOf?: string[] };
  ADD_OPINION: { text: string };
  SCHEDULE_SESSION: { at: string; place: string };
  RECORD_SESSION: { summary: string; attendees?: Array<{ partyId?: string; name: string }>; mediatorIds?: string[]; recorder?: string };
  /** `kind` defaults to the running mediation deadline, or the court's for a delegated case */
  EXTEND_DEADLINE: { days: number; reason: string; kind?: 'mediation' | 'delegation'; consentOf?: string[] };
  REACH_AGREEMENT: {
    form?: 'written' | 'oral';
    terms: Term[];
    performBy: string;
    decidesOwnership?: boolean;
    facts?: string;
    disputePoints?: string;
    /** API.md 2026.3 name for disputePoints (争议事项) */
    disputes?: string;
    responsibilities?: string;
    amount?: number;
    /** the parties mean to apply for 司法确认: the court's copy is counted (一式N份) */
    forConfirmation?: boolean;
  };
  SIGN_AGREEMENT: { signedBy: string[] };
  MEDIATION_FAILED: Reason & UndisputedFacts;
  ESCALATE: Reason;
  REFER_TO_COURT: Reason;
  TERMINATE: Reason & UndisputedFacts;
  WITHDRAW: Reason & { byPartyId?: string };
  COURT_ACCEPT: { courtCaseNo: string };
  COURT_RETURN: Reason;
  REQUEST_CONFIRMATION: Nothing;
  CONFIRMATION_RESULT: { confirmed: boolean; ruling?: string };
  RECORD_FOLLOW_UP: {
    performance: Performance;
    satisfaction: number;
    note?: string;
    clauses?: Array<{ clause: number; performance: Performance }>;
    /** 回访方式 (电话/上门), 被回访人, 是否反复, 有无新隐患 */
    method?: 'phone' | 'visit';
    visited?: string;
    recurred?: boolean;
    newRisks?: string;
  };
  CLOSE: Nothing;
  REOPEN: Reason;
  TRANSFER: Reason & { toTier: 'subdistrict' | 'district' };
  /** `prevents` (issue 16 §4): what the risk could turn into — a criminal case (防止民转刑) or a mass
   * incident (防止群体性事件); the 司法局's statistics count the cases so flagged */
  FLAG_RISK: Reason & { level: 'elevated' | 'high'; reportedTo?: string; prevents?: RiskPrevention[] };
  COURT_SETTLEMENT: { result: 'mediation_statement' | 'withdrawal' };
  /** 2026.3 (人民调解法 art. 20; 若干规定 art. 27): relatives, neighbours, colleagues, experts or units, with every party's consent */
  INVITE_PARTICIPANT: { kind: ParticipantKind; name?: string; unit?: string; consentOf: string[] };
  /** 2026.3: 调查核实 while mediating — whom, what, the findings */
  RECORD_INVESTIGATION: { whom: string; what: string; findings: string };
  /** 2026.3 (民法典 art. 278): the owners' assembly decision an agreement on these matters needs */
  RECORD_ASSEMBLY_DECISION: { date: string; summary: string };
  DEADLINE_WARNING: { kind: DeadlineKind; level: WarningLevel; dueAt: string };
  DEADLINE_EXPIRED: { kind: DeadlineKind; dueAt: string };
  DEADLINES_RECALCULATED: Nothing;
  ACCESS_CODE_REISSUED: Nothing;
}

/** What the machine receives: the event plus who sent it and when (the engine's clock). One member
 * per event type, so that narrowing on `type` gives the payload's own type. */
export type CaseEvent<K extends EventType = EventType> = {
  [T in K]: {
    type: T;
    data: EventData[T];
    actor: Actor;
    at: string; // ISO-8601
    facts?: EventFacts;
  };
}[K];

/** What the machine asks the outside world to do; carried out by the engine with the commit. */
export type Command =
  | { type: 'deadline.arm'; kind: DeadlineKind; from: string; dueAt?: string }
  | { type: 'deadline.extend'; kind: DeadlineKind; days: number }
  | { type: 'deadline.cancel'; kind: DeadlineKind | 'all' }
  /** recompute provisional deadlines: a year's holiday schedule has arrived */
  | { type: 'deadline.recompute' }
  | { type: 'notify.inbox'; audience: 'body' | 'court'; bodyId: string; reason: string }
  /** 回访: `dueDates` the distinct clause dates (a visit after each, then a final 回头看); `done` the visits recorded */
  | { type: 'followUp.schedule'; performBy: string; dueDates?: string[]; done?: number };

export interface IntakeInput {
  caseId: string;
  caseNo: string;
  channel: Channel;
  category: Category;
  compoundId: string;
  summary: string;
  claims: string[];
  householdsInvolved: number;
  parties: Party[];
  bodies: BodyChain;
  tier: MediationTier;
  flags: CaseContext['flags'];
  delegation: Delegation | null;
  /** When the case was registered (the engine's clock). */
  at: string;
}
