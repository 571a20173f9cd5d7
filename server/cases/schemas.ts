// What the case endpoints accept (API.md "Cases", "Events", "Precise rules"): intake, court
// delegations, and each event type's `data`. Validation happens here, at the edge; the engine and
// the workflow trust what reaches them. Bodies are validated without conversion (JSON already has
// types); dates stay the strings the client sent, but must be real calendar dates or ISO instants
// with an offset, because the deadline arithmetic refuses anything else.
import Joi from 'joi';
import {
  CATEGORIES,
  CHANNELS,
  STATUSES,
  TIERS,
  USER_EVENT_TYPES,
  WARNING_LEVELS,
  type UserEventType,
} from '../../workflows/vocabulary.ts';
import { DECLINE_GROUNDS, PARTICIPANT_KINDS, type EventData } from '../../workflows/case.types.ts';
import { PREVENTIONS, TRANSFER_SOURCES } from '../oversight/codes.ts';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

function realDate(value: string): boolean {
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

/** 'YYYY-MM-DD' (a real date) or an ISO-8601 instant with its offset; years 2000–2100. */
export const isoDay = () =>
  Joi.string()
    .max(40)
    .custom((value: string, helpers) => {
      const year = Number(value.slice(0, 4));
      if (year < 2000 || year > 2100) return helpers.error('date.range');
      if (DATE_RE.test(value)) return realDate(value) ? value : helpers.error('date.real');
      if (INSTANT_RE.test(value) && realDate(value.slice(0, 10)) && !Number.isNaN(Date.parse(value))) return value;
      return helpers.error('date.format');
    }, 'ISO date')
    .messages({
      'date.range': '{{#label}} must fall between the years 2000 and 2100',
      'date.real': '{{#label}} is not a real calendar date',
      'date.format': '{{#label}} must be a date (YYYY-MM-DD) or an ISO-8601 time with its offset (2026-12-01T09:30:00+08:00)',
    });

/** An ISO-8601 instant with its offset (no bare dates): when something happens. */
export const isoInstant = () =>
  Joi.string()
    .max(40)
    .custom((value: string, helpers) => {
      const year = Number(value.slice(0, 4));
      if (!INSTANT_RE.test(value) || !realDate(value.slice(0, 10)) || Number.isNaN(Date.parse(value))) return helpers.error('instant.format');
      if (year < 2000 || year > 2100) return helpers.error('instant.range');
      return value;
    }, 'ISO instant')
    .messages({
      'instant.format': '{{#label}} must be an ISO-8601 time with its offset, e.g. 2026-12-01T09:30:00+08:00',
      'instant.range': '{{#label}} must fall between the years 2000 and 2100',
    });

/** Free text a person typed: not blank, bounded. Stored as typed; escaped wherever shown. */
export const text = (max: number) =>
  Joi.string()
    .min(1)
    .max(max)
    .pattern(/\S/, 'not blank')
    .messages({ 'string.pattern.name': '{{#label}} must not be blank' });

/** Opaque ids (users, compounds, cases): letters, digits, dot, dash, underscore. */
export const id = () => Joi.string().pattern(/^[A-Za-z0-9._-]{1,80}$/, 'id').messages({ 'string.pattern.name': '{{#label}} is not a valid id' });

// ── intake ─────────────────────────────────────────────────────────────────────────────────────

const phone = () => Joi.string().pattern(/^\+?[0-9][0-9\s()-]{2,29}$/, 'phone number').messages({ 'string.pattern.name': '{{#label}} must be a phone number' });

/** 委托代理人 (issue 12 §2): who acts for a party, with 一般授权 or 特别授权 (whose powers are written out) */
const agentSchema = Joi.object({
  name: text(100).required(),
  phone: phone(),
  authority: Joi.string().valid('general', 'special').required().description('一般授权 (general) or 特别授权 (special)'),
  scope: text(2000)
    .when('authority', { is: 'special', then: Joi.required() })
    .description('the authorisation as written; required for 特别授权, which must name the powers (承认、放弃、变更请求，达成调解协议…)'),
}).label('agent');

export const partySchema = Joi.object({
  role: Joi.string().valid('applicant', 'respondent').required(),
  kind: Joi.string().valid('person', 'organisation', 'group').required(),
  name: text(100).required(),
  phone: phone(),
  idNumber: Joi.string().pattern(/^[0-9A-Za-z]{6,30}$/, 'identity number').messages({ 'string.pattern.name': '{{#label}} must be an identity or registration number' }),
  gender: Joi.string().valid('male', 'female').description('people, where known: 性别'),
  ethnicity: text(20).description('people, where known: 民族 (汉族…)'),
  birthDate: isoDay().description('people, where known: 出生日期'),
  address: text(200),
  representative: text(100),
  households: Joi.number().integer().min(1).max(100_000),
  orgType: Joi.string().valid('property_company', 'owners_committee', 'other'),
  // ── 2026.3 (issue 12 §2) ──
  agent: agentSchema.description('委托代理人: name, phone, 一般授权/特别授权 and its text'),
  householdList: Joi.array()
    .items(Joi.object({ name: text(100).required(), address: text(200).description('address or unit (房号)') }))
    .min(1)
    .max(2000)
    .when('kind', { is: 'group', otherwise: Joi.forbidden() })
    .description('a group party: its households, one by one; the count of households then comes from this list'),
  representativeChosenBy: text(500)
    .when('kind', { is: 'group', otherwise: Joi.forbidden() })
    .description('a group party: how its representative was chosen (推选、书面委托…)'),
}).label('party');

const INTAKE_CHANNELS = CHANNELS.filter((c) => c !== 'court_delegation');

const intakeFields = {
  compoundId: id().required().description('a compound of the organisation tree (GET /api/org)'),
  category: Joi.string()
    .valid(...CATEGORIES)
    .required(),
  summary: text(5000).required().description('what happened, in the words of the applicant'),
  parties: Joi.array()
    .items(partySchema)
    .min(1)
    .max(200)
    .has(Joi.object({ role: Joi.valid('applicant') }).unknown())
    .required()
    .messages({ 'array.hasUnknown': '{{#label}} must include an applicant' }),
  householdsInvolved: Joi.number().integer().min(1).max(100_000),
  claims: Joi.array().items(text(1000)).max(50),
  disputedAmount: Joi.number().min(0).max(1e12).description('yuan; at or above the configured amount the case is major'),
  escalationRisk: Joi.boolean().description('矛盾激化风险: a major dispute, routed to the district committee'),
  source: Joi.object({ system: text(50).required(), ref: text(100).required() }).description('the case in another system (12345, grid)'),
};

export const intakeBody = Joi.object({
  channel: Joi.string()
    .valid(...INTAKE_CHANNELS)
    .required()
    .messages({ 'any.only': '{{#label}} must be one of {{#valids}} (court delegations: POST /api/court/delegations)' }),
  ...intakeFields,
  transferredFrom: Joi.string()
    .valid(...TRANSFER_SOURCES)
    .when('channel', { is: 'department_transfer', otherwise: Joi.forbidden() })
    .description(
      'channel department_transfer only: the department that transferred the case — police (公安, 110 联动), petition (信访) or other; ' +
        'gives the ledger\'s 受理方式 (公安移送 / 信访移送 / 其他部门移送)',
    ),
}).label('intake');

export const delegationBody = Joi.object({
  channel: Joi.string().valid('court_delegation'),
  ...intakeFields,
  courtRef: text(100).required().description("the court's own case number (案号; for 委派 its 诉前调 number)"),
  dueAt: isoDay().description("the court's deadline for the mediation; without it: 委派 30 days, 委托 15 days (普通程序) or 7 days (简易程序), the limits in the settings"),
  mode: Joi.string().valid('delegated', 'entrusted').description('委派 before the court registers the case (default) or 委托 after (特邀调解规定)'),
  procedure: Joi.string()
    .valid('ordinary', 'summary')
    .when('mode', { is: 'entrusted', then: Joi.required(), otherwise: Joi.forbidden() })
    .description('委托 only, and required then: the procedure the court tries the case under, 普通程序 (ordinary) or 简易程序 (summary)'),
  causeOfAction: text(100).description('案由 as the court filed it, e.g. 物业服务合同纠纷 (《民事案件案由规定》)'),
  claimAmount: Joi.number().min(0).max(1e12).description('标的额 in yuan'),
}).label('delegation');

// ── events ─────────────────────────────────────────────────────────────────────────────────────

const reason = () => text(2000);
/** events that carry no data (REQUEST_CONFIRMATION, CLOSE) */
const none: Joi.ObjectSchema<EventData['CLOSE']> = Joi.object<EventData['CLOSE'], true>({}).default({});
/** parties named by their id in the case (p1, p2…) */
const partyIds = () => Joi.array().items(id()).max(200).unique();
/** 无争议事实记载 (特邀调解规定 2016): with every party's consent (workflow 2026.3) */
const undisputed = {
  undisputedFacts: text(10_000).description('facts not in dispute (无争议事实记载), delegated/entrusted cases'),
  consentOf: partyIds().description("the parties who consented to the record: every party's id"),
};
/** conflicts of interest knowingly overridden, each with a reason (ASSIGN; 2026.3 ACCEPT) */
const overrides = () => Joi.array().items(Joi.object({ mediatorId: id().required(), reason: reason().required() })).max(10);
/** A clause (API.md 2026.3): who performs it, how, where, how much and by when — or `noPerformance`
 * (a waiver, confidentiality, the copies): then no obligor, amount, place or date. Whether the obligors
 * are parties and the dates fit is checked against the case (server/cases/clauses.ts, 422 INVALID_CLAUSE). */
const term = Joi.alternatives().try(
  text(2000),
  Joi.object({
    text: text(2000).required(),
    obligor: text(100).description('before 2026.3: one obligor, by party id or name'),
    obligors: Joi.array().items(id()).min(1).max(50).unique().description("the obligors: parties' ids (履行义务人)"),
    manner: text(500).description('履行方式'),
    place: text(200).description('履行地点'),
    amount: Joi.number().positive().max(1e12).precision(2).description('yuan; printed with its 大写 form, only when given'),
    performBy: isoDay().description('履行期限: on or after today, not after the agreement\'s performBy'),
    noPerformance: Joi.boolean().description('no performance needed: no obligor, amount, place or date, no follow-up'),
  })
    .oxor('obligor', 'obligors')
    .when(Joi.object({ noPerformance: Joi.valid(true).required() }).unknown(), {
      then: Joi.object({ obligor: Joi.forbidden(), obligors: Joi.forbidden(), amount: Joi.forbidden(), place: Joi.forbidden(), performBy: Joi.forbidden() }),
    }),
);
const performance = () => Joi.string().valid('full', 'partial', 'none');

/** The `data` each event type accepts (API.md "Events": the minimum, plus what the workflow uses). Each
 * schema is typed against the workflow's payload (workflows/case.types.ts EventData): a field missing
 * on either side, or of another kind, is a type error. */
export const EVENT_DATA: { [K in UserEventType]: Joi.ObjectSchema<EventData[K]> } = {
  // an ACCEPT without data stays valid for cases on 2026.1/2026.2; on 2026.3 → 422 CONSENT_REQUIRED
  ACCEPT: Joi.object<EventData['ACCEPT'], true>({
    consents: Joi.array()
      .items(Joi.object({ partyId: id().required(), how: Joi.string().valid('written', 'oral').required() }))
      .max(200)
      .unique('partyId')
      .description("one per party (人民调解法 arts. 3, 17): the party's id and how consent was given"),
    rightsNotified: Joi.boolean().valid(true).description('the rights notice was given (若干规定 art. 30)'),
    mediatorIds: Joi.array().items(id()).min(1).max(10).unique().description('default: the accepting mediator presides'),
    overrides: overrides().description('2026.3: conflicts of interest (kinship, employment, an earlier recusal) of the mediators named, knowingly overridden, each with a reason'),
  }).default({}),
  DECLINE: Joi.object<EventData['DECLINE'], true>({
    ground: Joi.string()
      .valid(...DECLINE_GROUNDS)
      .required()
      .description('不予受理 ground: 人民调解法 art. 17; 若干规定 art. 22'),
    reason: reason().required(),
  }),
  ASSIGN: Joi.object<EventData['ASSIGN'], true>({
    mediatorIds: Joi.array().items(id()).min(1).max(10).unique().required(),
    overrides: overrides().description('conflicts of interest knowingly overridden, each with a reason'),
  }),
  REQUEST_RECUSAL: Joi.object<EventData['REQUEST_RECUSAL'], true>({
    mediatorId: id().required(),
    reason: reason().required(),
    requestedBy: id().description("2026.3 (人民调解法 art. 23): who asked — a party's id, or the mediator's own id"),
    decidedBy: text(100).description('2026.3: who decided (default: the user sending the event)'),
  }),
  INVITE_EXPERT: Joi.object<EventData['INVITE_EXPERT'], true>({
    expertId: id().required(),
    consentOf: partyIds().description("2026.3 (人民调解法 art. 20): the parties' consent, every party's id"),
  }),
  ADD_OPINION: Joi.object<EventData['ADD_OPINION'], true>({ text: text(10_000).required() }),
  SCHEDULE_SESSION: Joi.object<EventData['SCHEDULE_SESSION'], true>({ at: isoInstant().required(), place: text(200).required() }),
  RECORD_SESSION: Joi.object<EventData['RECORD_SESSION'], true>({
    summary: text(10_000).required(),
    attendees: Joi.array()
      .items(Joi.object({ partyId: id(), name: text(100).required() }))
      .max(200)
      .description('2026.3: who attended, by party and person (调解笔录)'),
    mediatorIds: Joi.array().items(id()).max(10).unique().description('2026.3: the mediators present (default: those assigned)'),
    recorder: text(100).description('2026.3: who kept the record (记录人)'),
  }),
  EXTEND_DEADLINE: Joi.object<EventData['EXTEND_DEADLINE'], true>({
    days: Joi.number().integer().min(1).max(365).required(),
    reason: reason().required(),
    kind: Joi.string().valid('mediation', 'delegation').description('default: the running mediation or court deadline'),
    consentOf: partyIds().description("2026.3: every party's id (their consent to the extension)"),
  }),
  REACH_AGREEMENT: Joi.object<EventData['REACH_AGREEMENT'], true>({
    form: Joi.string().valid('written', 'oral').description('2026.3: an oral agreement (人民调解法 art. 28) takes effect at once'),
    terms: Joi.array().items(term).min(1).max(100).required(),
    performBy: isoDay().required(),
    decidesOwnership: Joi.boolean().description('物权确权: such agreements cannot be judicially confirmed'),
    facts: text(10_000),
    disputePoints: text(10_000),
    disputes: text(10_000).description('the points in dispute (same as disputePoints)'),
    responsibilities: text(10_000),
    amount: Joi.number().min(0).max(1e12),
    forConfirmation: Joi.boolean().description('the parties mean to apply for 司法确认: the court gets a copy of the agreement'),
  }),
  SIGN_AGREEMENT: Joi.object<EventData['SIGN_AGREEMENT'], true>({ signedBy: Joi.array().items(text(100)).min(1).max(200).required() }),
  MEDIATION_FAILED: Joi.object<EventData['MEDIATION_FAILED'], true>({ reason: reason().required(), ...undisputed }),
  ESCALATE: Joi.object<EventData['ESCALATE'], true>({ reason: reason().required() }),
  REFER_TO_COURT: Joi.object<EventData['REFER_TO_COURT'], true>({ reason: reason().required() }),
  TERMINATE: Joi.object<EventData['TERMINATE'], true>({ reason: reason().required(), ...undisputed }),
  WITHDRAW: Joi.object<EventData['WITHDRAW'], true>({ reason: reason().required(), byPartyId: id().description('the party who withdraws') }),
  COURT_ACCEPT: Joi.object<EventData['COURT_ACCEPT'], true>({ courtCaseNo: text(100).required() }),
  COURT_RETURN: Joi.object<EventData['COURT_RETURN'], true>({ reason: reason().required() }),
  REQUEST_CONFIRMATION: none,
  CONFIRMATION_RESULT: Joi.object<EventData['CONFIRMATION_RESULT'], true>({ confirmed: Joi.boolean().required(), ruling: text(5000) }),
  RECORD_FOLLOW_UP: Joi.object<EventData['RECORD_FOLLOW_UP'], true>({
    performance: performance().required(),
    satisfaction: Joi.number().integer().min(1).max(5).required(),
    note: Joi.string().max(5000).allow('').default(''),
    clauses: Joi.array()
      .items(Joi.object({ clause: Joi.number().integer().min(1).max(100).required(), performance: performance().required() }))
      .max(100)
      .unique('clause'),
    method: Joi.string().valid('phone', 'visit').description('回访方式: 电话 or 上门'),
    visited: text(100).description('被回访人'),
    recurred: Joi.boolean().description('是否反复: the dispute came back'),
    newRisks: text(2000).description('有无新隐患: what was found (empty: none)'),
  }),
  CLOSE: none,
  REOPEN: Joi.object<EventData['REOPEN'], true>({ reason: reason().required() }),
  TRANSFER: Joi.object<EventData['TRANSFER'], true>({ toTier: Joi.string().valid('subdistrict', 'district').required(), reason: reason().required() }),
  FLAG_RISK: Joi.object<EventData['FLAG_RISK'], true>({
    level: Joi.string().valid('elevated', 'high').required(),
    reason: reason().required(),
    reportedTo: text(200).description('人民调解法 art. 25: the police or department told'),
    prevents: Joi.array()
      .items(Joi.string().valid(...PREVENTIONS))
      .max(PREVENTIONS.length)
      .unique()
      .description('what the risk could turn into: criminal_case (防止民转刑), mass_incident (防止群体性事件); counted by the statistics and the ledger'),
  }),
  COURT_SETTLEMENT: Joi.object<EventData['COURT_SETTLEMENT'], true>({ result: Joi.string().valid('mediation_statement', 'withdrawal').required() }),
  INVITE_PARTICIPANT: Joi.object<EventData['INVITE_PARTICIPANT'], true>({
    kind: Joi.string()
      .valid(...PARTICIPANT_KINDS)
      .required()
      .description('人民调解法 art. 20: a relative, neighbour or colleague of a party, an expert, or a unit (若干规定 art. 27: 房管办、城管、物业协会…)'),
    name: text(100).when('kind', { is: 'unit', otherwise: Joi.required() }).description("the person's name (for a unit: who attends for it)"),
    unit: text(100).when('kind', { is: 'unit', then: Joi.required() }).description("the unit's name; required for kind unit"),
    consentOf: partyIds().min(1).required().description("the parties' consent: every party's id"),
  }),
  RECORD_INVESTIGATION: Joi.object<EventData['RECORD_INVESTIGATION'], true>({
    whom: text(500).required().description('调查核实: whom (a person, a unit, a place)'),
    what: text(2000).required().description('what was looked into'),
    findings: text(10_000).required().description('what was found'),
  }),
  RECORD_ASSEMBLY_DECISION: Joi.object<EventData['RECORD_ASSEMBLY_DECISION'], true>({
    date: isoDay().required().description('the day the 业主大会 decided (民法典 art. 278)'),
    summary: text(5000).required().description('what it decided, with the vote'),
  }),
};

/** `data` of one event type as an event body requires it: left out only for events that carry none
 * (and ACCEPT, whose data only cases on workflow 2026.3 require: the workflow answers 422 CONSENT_REQUIRED) */
const dataOf = (t: UserEventType): Joi.Schema => (EVENT_DATA[t] === none || t === 'ACCEPT' ? EVENT_DATA[t] : EVENT_DATA[t].required());
const eventType = () =>
  Joi.string()
    .valid(...USER_EVENT_TYPES)
    .required();
const expectedVersion = () => Joi.number().integer().min(1).max(1e9).description('the version you read; stale → 409 VERSION_CONFLICT');

export const eventBody = Joi.object({
  type: eventType(),
  data: Joi.when('type', {
    switch: USER_EVENT_TYPES.map((t) => ({ is: t, then: dataOf(t) })),
    otherwise: Joi.object(),
  }).description('depends on type (API.md "Events")'),
  expectedVersion: expectedVersion(),
}).label('event');

/** eventBody with its `when` resolved, one per type: the same keys in the same order, so the same
 * answers and the same errors, without trying each type's condition in turn (issue 17) */
const EVENT_BODY_OF: ReadonlyMap<string, Joi.ObjectSchema> = new Map(
  USER_EVENT_TYPES.map((t) => [t, Joi.object({ type: eventType(), data: dataOf(t), expectedVersion: expectedVersion() }).label('event')]),
);

/**
 * The schema to check one event body with: for a body whose `type` is a user event type, eventBody as
 * it stands for that type (test/server/cases/event-schema.test.ts holds its values and errors equal to
 * eventBody's over valid and malformed bodies); for anything else eventBody itself. eventBody stays
 * the documented schema (/api/openapi.json).
 */
export function eventBodyFor(body: unknown): Joi.ObjectSchema {
  const type = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as { type?: unknown }).type : undefined;
  return (typeof type === 'string' && EVENT_BODY_OF.get(type)) || eventBody;
}

// ── lists ──────────────────────────────────────────────────────────────────────────────────────

export const caseListQuery = Joi.object({
  status: Joi.string().valid(...STATUSES),
  tier: Joi.string().valid(...TIERS),
  category: Joi.string().valid(...CATEGORIES),
  compoundId: id(),
  overdue: Joi.boolean(),
  warning: Joi.string().valid(...WARNING_LEVELS),
  q: Joi.string().max(100).allow('').description('text search: case number, summary, claims, party names (Chinese included)'),
  page: Joi.number().integer().min(1).max(100_000).default(1),
  limit: Joi.number().integer().min(1).max(100).default(20),
});

export const caseIdParams = Joi.object({ id: id().required() });
