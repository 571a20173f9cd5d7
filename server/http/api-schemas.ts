// What the API answers with, as OpenAPI 3.0 schema objects (components/schemas of /api/openapi.json).
// The request side is generated from the joi schemas the routes validate with; the answers are
// written here, closed (additionalProperties: false) and with `required`, so that a generated client
// types every field and the HTTP tests (test/support/openapi-check.ts validates every response they
// receive against /api/openapi.json) catch a field that is added, dropped or changes type without
// this description changing with it. Times are ISO 8601 with the +08:00 offset (Instant).
import { LIMIT_KINDS } from '../settings.ts';
import {
  CATEGORIES,
  CHANNELS,
  DEADLINE_KINDS,
  OUTCOMES,
  ROLES,
  STATUSES,
  SYSTEM_EVENT_TYPES,
  TIERS,
  USER_EVENT_TYPES,
  WARNING_LEVELS,
} from '../../workflows/vocabulary.ts';
import { DOCUMENT_KINDS } from '../documents/templates.ts';
import { PARTICIPANT_KINDS } from '../../workflows/case.types.ts';
import { CAUTION_CODES } from '../../workflows/cautions.ts';
import { GROUPINGS } from '../oversight/stats.ts';
import { WEBHOOK_TYPES } from '../webhooks/subscriptions.ts';
import { COURT_CLOSING_MODES, COURT_RESULTS } from '../cases/court-facts.ts';
import { CONFIRMATION_STATES, DISPUTE_TYPE_CODES, INTAKE_MODES, ORG_TYPES } from '../oversight/codes.ts';

export type Schema = Record<string, any>;

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const int = (extra: Schema = {}): Schema => ({ type: 'integer', ...extra });
const num = (extra: Schema = {}): Schema => ({ type: 'number', ...extra });
const bool = (): Schema => ({ type: 'boolean' });
/** May also be null (OpenAPI 3.0.3: `nullable` beside `type`, and null among the values of an `enum`). */
const orNull = (s: Schema): Schema => ({ ...s, nullable: true, ...(s.enum ? { enum: [...s.enum, null] } : {}) });
const list = (items: Schema, extra: Schema = {}): Schema => ({ type: 'array', items, ...extra });
const oneOf = (values: readonly string[]): Schema => ({ type: 'string', enum: [...values] });
const countMap = (): Schema => ({ type: 'object', additionalProperties: int() });

/** A closed object: every property required except those in `optional`. */
export function obj(properties: Record<string, Schema>, optional: readonly string[] = [], extra: Schema = {}): Schema {
  const required = Object.keys(properties).filter((k) => !optional.includes(k));
  return { type: 'object', ...(required.length ? { required } : {}), properties, additionalProperties: false, ...extra };
}

// ACCESS_CODE_REISSUED: recorded by the engine itself (server/engine/engine.ts), never sent by a user
const EVENT_TYPES = [...USER_EVENT_TYPES, ...SYSTEM_EVENT_TYPES, 'ACCESS_CODE_REISSUED'];
const INSTANT_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?\\+08:00$';
const instant = (): Schema => ref('Instant');
const day = (): Schema => ref('Day');
const nullableInstant = (): Schema => orNull(str({ format: 'date-time', pattern: INSTANT_PATTERN }));
const nullableDay = (): Schema => orNull(str({ format: 'date' }));
const label = (): Schema => ref('Label');

// Objects that may be null are written inline with `nullable` beside their `type` (OpenAPI 3.0.3:
// nullable does not reach through allOf/$ref).
const LABEL = obj({ zh: str(), en: str() }, [], { description: 'a label in Chinese and English' });
const BODY_REF = obj({ id: str(), name: str(), tier: orNull(oneOf(TIERS)) });
const AGREEMENT = obj(
  {
    draftNo: int(),
    draftedAt: instant(),
    draft: bool(),
    clauses: list(
      obj(
        {
          no: int(),
          text: str(),
          obligor: str({ description: 'the first obligor (party id or name)' }),
          obligors: list(str(), { description: 'who performs it, by party id (若干规定 art. 35(四))' }),
          manner: str(),
          place: str(),
          amount: num(),
          performBy: str({ pattern: '^(\\d{4}-\\d{2}-\\d{2})?$', description: "YYYY-MM-DD; '' for a clause that needs no performance" }),
          noPerformance: bool(),
          performance: oneOf(['pending', 'full', 'partial', 'none']),
        },
        ['obligor', 'obligors', 'manner', 'place', 'amount', 'noPerformance'],
      ),
    ),
    performBy: day(),
    decidesOwnership: bool(),
    facts: str(),
    disputePoints: str(),
    responsibilities: str(),
    amount: num(),
    signedBy: list(str()),
    effectiveAt: nullableInstant(),
  },
  ['facts', 'disputePoints', 'responsibilities', 'amount'],
);
const INLINE: Record<string, Schema> = { Label: LABEL, BodyRef: BODY_REF, Agreement: AGREEMENT };

const refOrNull = (name: string): Schema => orNull(INLINE[name]);

const metrics = {
  total: int(),
  settled: int(),
  settledWithinSubdistrict: int(),
  failed: int(),
  settledWithinSubdistrictRate: orNull(num({ minimum: 0, maximum: 1 })),
  resolutionRate: orNull(num({ minimum: 0, maximum: 1 })),
  performanceRate: orNull(num({ minimum: 0, maximum: 1 })),
  satisfaction: orNull(num({ minimum: 0, maximum: 1 })),
  satisfactionMean: orNull(num({ minimum: 1, maximum: 5 })),
  medianDaysToSettle: orNull(num()),
  overdue: int(),
  red: int(),
  recurrences: int(),
  clauses: obj({ checked: int(), full: int(), partial: int(), none: int() }),
  visits: int(),
  visitsSatisfied: int(),
  // issue 16 §4 (the names of the ledger and the monthly table)
  agreementAmount: num({ minimum: 0, description: '协议涉及金额 of the settled cases, yuan (summed in fen)' }),
  byAgreementForm: obj({ written: int({ description: '书面' }), oral: int({ description: '口头' }) }, [], { description: '协议形式 of the settled cases: written + oral = settled' }),
  people: int({ description: '涉及人数: a person 1, a group its households, an organisation 1' }),
  households: int({ description: '涉及户数 (the intake\'s householdsInvolved)' }),
  confirmationApplied: int({ description: '申请司法确认 (any result)' }),
  confirmed: int({ description: '司法确认有效' }),
  confirmationRefused: int({ description: '不予确认' }),
  preventsCriminal: int({ description: '防止民转刑: cases with a risk flagged as such' }),
  preventsMass: int({ description: '防止群体性事件' }),
};

const caseListProps = {
  id: str(),
  caseNo: str({ description: 'e.g. （2026）示范华阳物调字第1号' }),
  formerCaseNos: list(str(), { description: '原编号: the numbers of the bodies that held the case before' }),
  status: oneOf(STATUSES),
  phase: str({ description: 'where the case stands within its status (workflow-defined)' }),
  tier: oneOf(TIERS),
  outcome: orNull(oneOf(OUTCOMES)),
  category: oneOf(CATEGORIES),
  channel: oneOf(CHANNELS),
  statusLabel: label(),
  tierLabel: label(),
  categoryLabel: refOrNull('Label'),
  outcomeLabel: refOrNull('Label'),
  compound: obj({ id: str(), name: str() }),
  body: ref('BodyRef'),
  summary: str(),
  parties: list(obj({ id: str(), role: oneOf(['applicant', 'respondent']), kind: oneOf(['person', 'organisation', 'group']), name: str(), phone: str() }, ['phone'])),
  assignees: list(ref('NameRef')),
  deadlines: list(ref('Deadline')),
  warning: oneOf(WARNING_LEVELS),
  overdue: bool(),
  flags: obj({ major: bool(), specialised: bool(), escalationRisk: bool(), majorReasons: list(str()) }),
  version: int({ minimum: 1, description: 'send it back as expectedVersion' }),
  createdAt: instant(),
  updatedAt: instant(),
};

const caseProps = {
  ...caseListProps,
  workflowVersion: str(),
  channelLabel: refOrNull('Label'),
  claims: list(str()),
  householdsInvolved: int(),
  parties: list(ref('Party')),
  court: refOrNull('BodyRef'),
  experts: list(ref('NameRef')),
  opinions: list(obj({ expert: ref('NameRef'), text: str(), at: instant() })),
  recusals: list(
    obj({ mediator: ref('NameRef'), reason: str(), at: instant(), requestedBy: str({ description: "a party's id, or the mediator's own" }), decidedBy: ref('NameRef'), basis: str() }, [
      'requestedBy',
      'decidedBy',
      'basis',
    ]),
  ),
  conflictOverrides: list(obj({ mediatorId: str(), reason: str(), override: str(), at: instant() })),
  sessions: list(
    obj(
      {
        no: int(),
        at: instant(),
        place: str(),
        scheduledAt: instant(),
        summary: str(),
        recordedAt: instant(),
        attendees: list(obj({ partyId: str(), name: str() }, ['partyId'])),
        mediatorIds: list(str()),
        recorder: str(),
      },
      ['summary', 'recordedAt', 'attendees', 'mediatorIds', 'recorder'],
    ),
  ),
  agreement: refOrNull('Agreement'),
  confirmation: orNull(obj({ requestedAt: instant(), confirmed: bool(), ruling: str(), decidedAt: instant() }, ['confirmed', 'ruling', 'decidedAt'])),
  followUps: list(
    obj(
      {
        at: instant(),
        by: ref('NameRef'),
        performance: oneOf(['full', 'partial', 'none']),
        satisfaction: int({ minimum: 1, maximum: 5 }),
        note: str(),
        clauses: list(obj({ clause: int(), performance: oneOf(['full', 'partial', 'none']) })),
        method: oneOf(['phone', 'visit']),
        visited: str(),
        recurred: bool(),
        newRisks: str(),
      },
      ['clauses', 'method', 'visited', 'recurred', 'newRisks'],
    ),
  ),
  delegation: orNull(
    obj(
      {
        courtRef: str({ description: "the court's own 案号" }),
        dueAt: str({ pattern: '^(\\d{4}-\\d{2}-\\d{2}.*)?$', description: "the court's due date as it gave it (a day or an instant); empty when it gave none (the mode's limit applies: see deadlines)" }),
        mode: oneOf(['delegated', 'entrusted']),
        procedure: oneOf(['ordinary', 'summary']),
        courtCaseNo: str(),
        causeOfAction: str({ description: '案由' }),
        claimAmount: num({ description: '标的额, yuan' }),
      },
      ['procedure', 'courtCaseNo', 'causeOfAction', 'claimAmount'],
    ),
  ),
  referral: orNull(
    obj(
      { fromTier: oneOf(['community', 'subdistrict', 'district']), fromBodyId: str(), at: instant(), reason: str(), courtCaseNo: str(), fromBody: ref('BodyRef') },
      ['courtCaseNo'],
    ),
  ),
  escalations: list(obj({ from: oneOf(TIERS), to: oneOf(TIERS), at: instant(), reason: str() })),
  extensions: list(
    obj({ kind: oneOf(DEADLINE_KINDS), days: int(), reason: str(), at: instant(), tier: oneOf(TIERS), consentOf: list(str()) }, ['tier', 'consentOf']),
  ),
  failure: orNull(obj({ at: instant(), reason: str() })),
  acceptedAt: nullableInstant(),
  closedAt: nullableInstant(),
  reopenCount: int(),
  availableEvents: list(oneOf(EVENT_TYPES), { description: 'the events the caller may send now' }),
  relatedCases: list(ref('RelatedCase')),
  cautions: list(
    obj({ code: oneOf(CAUTION_CODES), mediatorId: str(), zh: str(), en: str(), basis: str({ description: 'the rule behind it' }) }, ['mediatorId']),
    { description: 'warnings that refuse nothing (a mediator living in the compound, too few mediators on a major dispute, an agreement needing the 业主大会)' },
  ),
  participants: list(
    obj(
      { kind: oneOf(PARTICIPANT_KINDS), name: str(), userId: str(), user: ref('NameRef'), unit: str(), consentOf: list(str()), at: instant(), by: str() },
      ['name', 'userId', 'user', 'unit'],
    ),
    { description: '人民调解法 art. 20: invited to take part, with the parties who consented' },
  ),
  investigations: list(obj({ whom: str(), what: str(), findings: str(), at: instant(), by: str() }), { description: '调查核实 records' }),
  assemblyDecision: orNull(obj({ date: day(), summary: str(), at: instant() }, [], { description: '民法典 art. 278: the 业主大会 decision' })),
};

const ledgerItemProps = {
  caseNo: str(),
  registeredAt: nullableDay(),
  channel: str(),
  source: orNull(str()),
  subdistrictId: str(),
  subdistrict: str(),
  communityId: str(),
  community: str(),
  compoundId: str(),
  compound: str(),
  bodyId: str(),
  body: str(),
  category: str(),
  summary: str(),
  applicants: str({ description: 'names with masked phones' }),
  respondents: str(),
  households: orNull(int()),
  major: bool(),
  tierPath: list(str()),
  tier: str(),
  status: str(),
  outcome: orNull(str()),
  acceptedAt: nullableDay(),
  settledAt: nullableDay(),
  agreementForm: orNull(oneOf(['written', 'oral'])),
  daysToSettle: orNull(int()),
  closedAt: nullableDay(),
  clauses: int(),
  clausesFull: int(),
  performance: str(),
  followUps: int(),
  lastFollowUp: nullableDay(),
  satisfaction: orNull(num()),
  overdue: bool(),
  warning: oneOf(WARNING_LEVELS),
  mediators: list(str(), { description: '承办调解员: names of the mediators on the case' }),
  orgType: orNull(oneOf(ORG_TYPES)),
  intakeMode: oneOf(INTAKE_MODES),
  agreementAmount: orNull(num({ description: '协议涉及金额, yuan: the sum of the clause amounts of the agreement in effect' })),
  confirmation: orNull(oneOf(CONFIRMATION_STATES)),
  people: int({ description: '涉及人数: a person 1, a group its households, an organisation 1' }),
  preventsCriminal: bool(),
  preventsMass: bool(),
  disputeType: { ...oneOf(DISPUTE_TYPE_CODES), description: '纠纷类型 of the 人民调解 statistics: this product\'s own two-digit numbering (UNVERIFIED against an official code table; server/oversight/codes.ts)' },
  relatedCases: list(str()),
  laterCases: list(str()),
};

const monthlyCountProps = {
  registered: int({ description: '登记' }),
  accepted: int({ description: '受理' }),
  settled: int({ description: '调解成功' }),
  failed: int({ description: '调解不成' }),
  resolutionRate: orNull(num({ minimum: 0, maximum: 1 })),
  agreementAmount: num({ description: '协议涉及金额, yuan' }),
  people: int({ description: '涉及人数' }),
  households: int({ description: '涉及户数' }),
  confirmationApplied: int({ description: '申请司法确认' }),
  confirmed: int({ description: '司法确认有效' }),
  preventsCriminal: int({ description: '防止民转刑' }),
  preventsMass: int({ description: '防止群体性事件' }),
  byDisputeType: countMap(),
  byIntakeMode: countMap(),
};
const monthlyCounts = obj(monthlyCountProps);
const monthlyBodyRow = obj({ bodyId: str(), body: str(), tier: str(), orgType: orNull(oneOf(ORG_TYPES)), ...monthlyCountProps });

const colourRule = obj({ disputes: int(), recurrences: int(), nonPerformance: int() }, ['disputes', 'recurrences', 'nonPerformance']);
const companyRules = obj({ red: colourRule, orange: colourRule, yellow: colourRule });
const yearSchedule = obj({ year: int(), holidays: list(day()), workdays: list(day()), source: str() }, ['source']);

/** Every named schema of the answers. */
export const API_SCHEMAS: Record<string, Schema> = {
  Instant: str({ format: 'date-time', pattern: INSTANT_PATTERN, description: 'ISO 8601 with the +08:00 offset (Asia/Shanghai)', example: '2026-11-23T09:00:00.000+08:00' }),
  Day: str({ format: 'date', description: 'a day, YYYY-MM-DD (Asia/Shanghai)', example: '2026-12-10' }),
  Label: LABEL,
  NameRef: obj({ id: str(), name: str() }),
  BodyRef: BODY_REF,
  Deadline: obj({ kind: oneOf(DEADLINE_KINDS), label: label(), startAt: instant(), dueAt: instant(), warning: oneOf(WARNING_LEVELS), provisional: bool() }),
  Party: obj(
    {
      id: str(),
      role: oneOf(['applicant', 'respondent']),
      kind: oneOf(['person', 'organisation', 'group']),
      name: str(),
      phone: str({ description: 'masked (138****5678) unless the viewer may see it' }),
      idNumber: str(),
      address: str(),
      orgType: oneOf(['property_company', 'owners_committee', 'other']),
      representative: str(),
      households: int(),
      gender: oneOf(['male', 'female']),
      ethnicity: str(),
      birthDate: day(),
      agent: obj(
        { name: str(), phone: str(), authority: oneOf(['general', 'special']), scope: str() },
        ['phone', 'scope'],
        { description: '委托代理人: general (一般授权) or special (特别授权) authority' },
      ),
      householdList: list(obj({ name: str(), address: str() }, ['address']), { description: 'a group party: its households' }),
      representativeChosenBy: str({ description: 'a group party: how its representative was chosen (推选、委托…)' }),
    },
    ['phone', 'idNumber', 'address', 'orgType', 'representative', 'households', 'gender', 'ethnicity', 'birthDate', 'agent', 'householdList', 'representativeChosenBy'],
  ),
  RelatedCase: obj(
    { id: str(), caseNo: str(), registeredAt: instant(), reasons: list(oneOf(['category', 'party'])), direction: oneOf(['earlier', 'later']), readable: bool() },
    ['readable'],
  ),
  CaseListItem: obj(caseListProps),
  Case: obj(caseProps, [], { description: 'the case as a staff viewer sees it (personal data masked unless theirs to see)' }),
  CaseCreated: obj({ case: ref('Case'), accessCode: str({ minLength: 6, description: 'shown this once: the parties track the case with it' }) }),
  CaseChanged: obj({ case: ref('Case') }),
  CaseSummary: obj(
    {
      id: caseListProps.id,
      caseNo: caseListProps.caseNo,
      formerCaseNos: caseListProps.formerCaseNos,
      status: caseListProps.status,
      phase: caseListProps.phase,
      tier: caseListProps.tier,
      outcome: caseListProps.outcome,
      warning: caseListProps.warning,
      overdue: caseListProps.overdue,
      version: caseListProps.version,
      updatedAt: caseListProps.updatedAt,
      availableEvents: caseProps.availableEvents,
    },
    [],
    { description: "the case's state and version after an event sent with Prefer: return=minimal (the whole case: GET /api/cases/{id})" },
  ),
  CaseChangedMinimal: obj({ case: ref('CaseSummary') }),
  CasePage: obj({ items: list(ref('CaseListItem')), total: int(), page: int(), limit: int() }),
  HistoryEntry: obj(
    {
      seq: int(),
      type: oneOf(EVENT_TYPES),
      label: refOrNull('Label'),
      at: instant(),
      actor: obj({ id: str(), username: str(), role: oneOf([...ROLES, 'system']), name: str() }, ['name']),
      data: { description: "the event's data (API.md \"Events\"), masked for viewers who may not see personal data" },
      clientIp: orNull(str({ description: 'administrators only' })),
      hash: str(),
    },
    ['clientIp'],
  ),
  TrackView: obj(
    {
      caseNo: str(),
      status: oneOf(STATUSES),
      statusLabel: label(),
      tier: oneOf(TIERS),
      tierLabel: label(),
      outcome: orNull(oneOf(OUTCOMES)),
      outcomeLabel: refOrNull('Label'),
      category: oneOf(CATEGORIES),
      categoryLabel: refOrNull('Label'),
      nextStep: label(),
      nextSession: orNull(obj({ at: instant(), place: str() })),
      deadlines: list(obj({ kind: oneOf(DEADLINE_KINDS), label: label(), dueAt: instant() })),
      history: list(obj({ type: oneOf(EVENT_TYPES), label: label(), at: instant(), by: label() })),
      registeredAt: instant(),
      updatedAt: instant(),
    },
    [],
    { description: "what a party holding the access code sees: no party's phone, ID number or address; staff only as a role word" },
  ),
  OrgNode: obj(
    {
      id: str(),
      name: str(),
      kind: oneOf(['district', 'subdistrict', 'community', 'compound']),
      bodyId: str(),
      address: str({ description: 'compounds: the street address' }),
      committeeName: str({ description: "the serving body's 人民调解委员会: the seal on its documents" }),
      children: list(ref('OrgNode')),
    },
    ['bodyId', 'address', 'committeeName'],
  ),
  User: obj(
    { id: str(), username: str(), name: str(), role: oneOf(ROLES), bodyId: orNull(str()), bodyName: str(), tier: oneOf(TIERS), orgUnitId: str() },
    ['bodyName', 'tier', 'orgUnitId'],
  ),
  AdminUser: obj(
    {
      id: str(),
      username: str(),
      name: str(),
      role: oneOf(ROLES),
      bodyId: orNull(str()),
      bodyName: str(),
      tier: oneOf(TIERS),
      orgUnitId: str(),
      active: bool(),
      createdAt: instant(),
      profile: { type: 'object', description: 'free-form profile fields' },
      mustChangePassword: { type: 'boolean', enum: [true], description: 'present (true) after a password reset, until the user chooses a new one' },
    },
    ['bodyName', 'tier', 'orgUnitId', 'profile', 'mustChangePassword'],
  ),
  PasswordReset: obj({
    user: ref('AdminUser'),
    temporaryPassword: str({ description: 'answered once (the one given, or a generated one), never stored' }),
    generated: bool(),
  }),
  OrgUnit: obj(
    {
      id: str(),
      name: str(),
      kind: oneOf(['district', 'subdistrict', 'community', 'compound']),
      parentId: orNull(str()),
      order: int({ description: 'the order among its siblings' }),
      address: str({ description: 'compounds: the street address the documents print' }),
    },
    ['address'],
  ),
  MediationBody: obj(
    {
      id: str(),
      name: str(),
      shortName: str({ description: 'used in case numbers' }),
      tier: oneOf(TIERS),
      orgUnitId: str({ description: 'the unit it serves (a court: the district)' }),
      committeeName: str({ description: 'the 人民调解委员会 whose seal its documents carry' }),
      venueName: str(),
      phone: str(),
    },
    ['committeeName', 'venueName', 'phone'],
  ),
  AdminOrg: obj({ units: list(ref('OrgUnit')), bodies: list(ref('MediationBody')) }),
  MerkleStatement: obj(
    {
      day: nullableDay(),
      until: nullableInstant(),
      cases: int(),
      root: str({ description: 'hex SHA-256' }),
      proof: obj({ caseId: str(), leaf: str(), steps: list(obj({ side: oneOf(['left', 'right']), hash: str() })) }, [], { description: 'the inclusion proof of one case, when asked' }),
    },
    ['proof'],
  ),
  CalendarPreview: obj(
    {
      year: int(),
      holidays: list(day()),
      workdays: list(day()),
      source: str(),
      replaces: bool(),
      unchanged: int({ description: 'provisional deadlines that keep their date' }),
      moves: list(
        obj({ caseId: str(), caseNo: str(), bodyId: str(), bodyName: str(), kind: oneOf(DEADLINE_KINDS), oldDueAt: instant(), newDueAt: instant(), stillProvisional: bool() }),
      ),
      parsed: obj(
        {
          lines: list(obj({ line: int(), text: str(), name: str(), holidays: list(day()), workdays: list(day()) }, ['name'])),
          warnings: list(str()),
        },
        [],
        { description: 'with text: what was read from which line, and what was left out' },
      ),
    },
    ['source', 'parsed'],
  ),
  Session: obj({ token: str(), user: ref('User'), csrfToken: str(), expiresAt: instant(), mustChangePassword: { type: 'boolean', enum: [true], description: 'present (true) after an administrator reset the password: every other request answers 403 PASSWORD_CHANGE_REQUIRED until POST /api/auth/password' } }, ['mustChangePassword']),
  Me: obj({ user: ref('User'), csrfToken: str(), expiresAt: instant(), mustChangePassword: { type: 'boolean', enum: [true], description: 'present (true) after an administrator reset the password: every other request answers 403 PASSWORD_CHANGE_REQUIRED until POST /api/auth/password' } }, ['mustChangePassword']),
  Health: obj(
    {
      status: oneOf(['ok', 'unavailable']),
      store: oneOf(['sqlite', 'mongo']),
      time: instant(),
      uptimeSeconds: int(),
      storage: obj(
        {
          ok: bool(),
          lastCommit: orNull(obj({ at: instant(), ok: bool(), commits: int(), error: str() }, ['error'])),
          errors: list(obj({ at: instant(), code: str(), message: str() })),
        },
        [],
        { description: 'what the embedded store reported: storage errors (full disk, I/O error, damaged file) and its last commit' },
      ),
    },
    ['storage'],
  ),
  AccessCodeReissued: obj({ caseNo: str(), accessCode: str({ minLength: 6, description: 'shown this once' }), version: int() }),
  DocumentCheck: obj({ verified: bool(), document: ref('DocumentMeta') }, [], { description: 'GET /api/documents/:id?check=: whether the 文书校验码 typed is this document\'s, and the HTML still as issued' }),
  DocumentMeta: obj({
    id: str(),
    caseId: str(),
    kind: oneOf(DOCUMENT_KINDS),
    version: int(),
    draft: bool(),
    templateVersion: str(),
    sha256: str(),
    issuedAt: instant(),
    issuedBy: str(),
    url: str(),
  }),
  Stats: obj(
    {
      ...metrics,
      byStatus: countMap(),
      byTier: countMap(),
      byCategory: countMap(),
      byCompound: countMap(),
      byCommunity: countMap(),
      bySubdistrict: countMap(),
      byMonth: countMap(),
      byIntakeMode: { ...countMap(), description: '受理方式 (codes: INTAKE_MODES), every mode present' },
      byOrgType: { ...countMap(), description: '调解组织类型 of the body holding the case (village_resident 村居, township_street 乡镇街道, professional 行业性专业性), every type present' },
      byDisputeType: {
        ...countMap(),
        description: '纠纷类型 codes, every code present: this product\'s own two-digit numbering (UNVERIFIED against an official code table; server/oversight/codes.ts)',
      },
      from: nullableInstant(),
      to: nullableInstant(),
      groupBy: oneOf(GROUPINGS),
      groups: list(obj({ key: str(), name: str(), ...metrics })),
    },
    ['groupBy', 'groups'],
  ),
  MonthlyTable: obj(
    {
      month: str({ pattern: '^\\d{4}-\\d{2}$' }),
      from: instant(),
      to: instant(),
      districts: list(obj({ districtId: str(), district: str(), total: monthlyCounts, bodies: list(monthlyBodyRow) })),
      total: monthlyCounts,
      disputeTypes: list(obj({ code: oneOf(DISPUTE_TYPE_CODES), label: str() })),
      intakeModes: list(obj({ code: oneOf(INTAKE_MODES), label: str() })),
    },
    [],
    { description: '月报 (issue 16 §4): per body and per district; GET /api/stats/monthly' },
  ),
  LedgerItem: obj(ledgerItemProps, [], { description: 'one ledger (台账) line: codes and ids, with names; personal data masked' }),
  Ledger: obj({ items: list(ref('LedgerItem')), total: int(), from: nullableInstant(), to: nullableInstant() }),
  ReconcileReport: obj({
    summary: obj({ fileRows: int(), systemRows: int(), matched: int(), differing: int(), missingInSystem: int(), missingInFile: int(), duplicates: int(), invalid: int() }),
    columns: obj({ caseNo: str(), compared: list(obj({ field: str(), header: str() })), ignored: list(str()) }),
    matched: list(str()),
    differing: list(obj({ caseNo: str(), line: int(), fields: list(obj({ field: str(), header: str(), file: str(), system: str() })) })),
    missingInSystem: list(obj({ caseNo: str(), line: int() })),
    missingInFile: list(obj({ caseNo: str(), registeredAt: nullableDay(), status: str() })),
    duplicates: list(obj({ caseNo: str(), lines: list(int()) })),
    invalid: list(obj({ line: int(), message: str() })),
  }),
  CompaniesReport: obj({
    companies: list(
      obj({
        key: str(),
        name: str(),
        disputes: int(),
        byCategory: countMap(),
        recurrences: int(),
        nonPerformance: int(),
        colour: oneOf(['green', 'yellow', 'orange', 'red']),
        reasons: list(obj({ metric: oneOf(['disputes', 'recurrences', 'nonPerformance']), count: int(), threshold: int() })),
        evidence: obj({ disputes: list(str()), recurrences: list(str()), nonPerformance: list(str()) }, ['disputes', 'recurrences', 'nonPerformance']),
        cases: list(
          obj({ id: str(), caseNo: str(), category: str(), status: str(), outcome: orNull(str()), registeredAt: instant(), recurrence: bool(), nonPerformance: bool() }),
        ),
      }),
    ),
    byColour: obj({ red: list(str()), orange: list(str()), yellow: list(str()), green: list(str()) }),
    rules: companyRules,
  }),
  Related: obj({ id: str(), caseNo: str(), windowDays: int(), relatedCases: list(ref('RelatedCase')) }),
  OversightSettings: obj({ companyRules, satisfiedAtLeast: int({ minimum: 1, maximum: 5 }), recurrenceDays: int() }),
  AdminSettings: obj(
    {
      deadlines: obj(
        {
          limits: obj(Object.fromEntries(LIMIT_KINDS.map((k) => [k, obj({ amount: int(), unit: oneOf(['working_days', 'days', 'months']), source: str() })]))),
          fractions: obj({ blue: num(), yellow: num(), orange: num() }),
          followUpOffsets: list(int()),
          maxExtensionDays: int(),
        },
        ['maxExtensionDays'],
      ),
      routing: obj({
        majorHouseholds: int(),
        majorAmount: num(),
        majorCategories: list(oneOf(CATEGORIES)),
        specialisedCategories: list(oneOf(CATEGORIES)),
        majorMinMediators: int({ description: 'a major dispute with fewer mediators assigned is cautioned' }),
      }),
      recurrenceDays: int(),
      caseNoDigits: int(),
      calendarYears: list(yearSchedule),
    },
    [],
    { description: 'PUT /api/admin/settings takes this back as it is, or any part of it' },
  ),
  BulkReport: obj({
    summary: obj({ rows: int(), created: int(), duplicates: int(), errors: int() }),
    created: list(
      obj({
        row: int(),
        id: str(),
        caseNo: str(),
        accessCode: str(),
        source: orNull(obj({ system: str(), ref: str() })),
        tier: oneOf(TIERS),
        relatedCases: list(str()),
      }),
    ),
    duplicates: list(
      obj({ row: int(), source: obj({ system: str(), ref: str() }), caseId: orNull(str()), caseNo: orNull(str()), firstRow: int() }, ['firstRow']),
    ),
    errors: list(obj({ row: int(), errors: list(obj({ field: str(), message: str(), code: str() }, ['code'])) })),
  }),
  CourtInboxItem: obj(
    {
      ...caseProps,
      inbox: oneOf(['referral', 'confirmation', 'delegation', 'done']),
      courtRef: orNull(str({ description: "the court's own 案号" })),
      mode: orNull(oneOf(['delegated', 'entrusted'])),
      court: ref('CourtFacts'),
      documents: list(ref('DocumentMeta')),
      reminders: obj(
        { acceptBy: instant(), decideBy: instant(), decideByExtended: instant(), sources: list(str()) },
        [],
        { description: "法释〔2011〕5号: the court's own handling times while a confirmation is pending" },
      ),
    },
    ['reminders'],
  ),
  CourtFacts: obj(
    {
      caseNo: orNull(str({ description: "the court's own 案号" })),
      causeOfAction: str({ description: '案由: as the court filed it, else the cause the category falls under' }),
      causeOfActionFrom: oneOf(['court', 'category']),
      claimAmount: orNull(num({ description: '标的额, yuan, as the court gave it' })),
      mode: orNull(oneOf(['delegated', 'entrusted'])),
      result: orNull(oneOf(COURT_RESULTS)),
      closingMode: orNull({ ...oneOf(COURT_CLOSING_MODES), description: '结案方式: 司法确认 / 调解书 / 撤诉 / 自动履行' }),
      agreement: orNull(
        obj({
          form: oneOf(['written', 'oral']),
          effectiveAt: nullableInstant(),
          amount: orNull(num({ description: 'the sum the clauses move, yuan' })),
          facts: orNull(str()),
          disputes: orNull(str()),
          responsibilities: orNull(str()),
          clauses: list(obj({ no: int(), text: str(), amount: orNull(num()), performBy: orNull(str()), performance: oneOf(['pending', 'full', 'partial', 'none']) })),
        }),
      ),
      undisputedFacts: orNull(obj({ text: str(), consentOf: list(str()), at: instant() }, [], { description: '无争议事实记载 (特邀调解规定 2016)' })),
    },
    [],
    { description: 'what the court reads of a case (issue 16 §4): GET /api/court/referrals items and the court package' },
  ),
  CourtPackage: {
    type: 'object',
    required: ['schema', 'kind', 'caseNo', 'parties', 'agreement'],
    properties: {
      schema: str({ description: 'wuye-mediation/court-package@1' }),
      kind: oneOf(['confirmation_application', 'court_referral']),
      caseNo: str(),
      parties: list({ type: 'object', description: "the parties' full particulars (the court is addressed)" }),
      agreement: { type: 'object', nullable: true },
      courtCase: ref('CourtFacts'),
    },
    additionalProperties: true,
    description: 'the structured package issued beside a court_referral or confirmation_application document (server/documents/readiness.ts courtPackage)',
  },
  CourtInbox: obj({ items: list(ref('CourtInboxItem')), total: int(), pending: int(), page: int(), limit: int() }),
  AuditEntry: obj({ at: instant(), actor: orNull(str({ description: 'the user id; null for the system' })), action: str(), ip: orNull(str()), detail: { description: 'what was done' } }),
  // webhooks (issue 16 §3; server/http/webhooks.routes.ts): a subscription as listed (the secret only
  // as a hint), the answers that show its secret once, and the delivery log
  WebhookSubscription: obj({
    id: str(),
    url: str(),
    description: str(),
    types: list(oneOf(WEBHOOK_TYPES)),
    scope: orNull(obj({ bodyId: str(), orgUnitId: str() }, ['bodyId', 'orgUnitId'])),
    sourceSystem: orNull(str()),
    active: bool(),
    secretHint: str(),
    createdAt: str(),
    updatedAt: str(),
  }),
  WebhookSubscriptions: obj({ items: list(ref('WebhookSubscription')) }),
  WebhookCreated: obj({ subscription: ref('WebhookSubscription'), secret: str() }),
  WebhookChanged: obj({ subscription: ref('WebhookSubscription'), secret: str({ description: 'only when rotated' }) }, ['secret']),
  WebhookAttempt: obj({
    id: str(),
    deliveryId: str(),
    webhookId: str(),
    subscriptionId: str(),
    caseId: str(),
    type: str(),
    attempt: int(),
    at: str(),
    outcome: oneOf(['delivered', 'failed', 'gave_up', 'dropped']),
    httpStatus: orNull(int()),
    error: orNull(str()),
    durationMs: num(),
  }),
  WebhookAttempts: obj({ items: list(ref('WebhookAttempt')) }),
  WebhookRedelivery: obj({ deliveryId: str() }),
};
