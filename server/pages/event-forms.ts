// The forms behind each event a person may send from a case page: which fields, and how a plain
// HTML form's strings become the event's `data`. The data is then validated by the API's own schema
// (server/cases/schemas.ts EVENT_DATA, through readEvent in server/cases/events.ts), so a page and an
// API client are held to the same shapes.
import { DECLINE_GROUNDS, PARTICIPANT_KINDS, type EventData, type Party } from '../../workflows/case.types.ts';
import { TIER_LABELS, type EventType, type UserEventType } from '../../workflows/vocabulary.ts';
import { PREVENTIONS } from '../oversight/codes.ts';
import { t, type Lang } from './i18n.ts';
import { fromLocalInput } from './render.ts';

export type FieldKind = 'text' | 'textarea' | 'number' | 'date' | 'datetime' | 'select' | 'checkboxes' | 'radios' | 'checkbox' | 'clauses';

export interface Choice {
  value: string;
  label: string;
}

/** What the forms of one case may offer as choices. */
export interface FormContext {
  parties: Party[];
  /** active mediators of the body holding the case */
  mediators: Choice[];
  /** mediators currently assigned */
  assignees: Choice[];
  experts: Choice[];
  lang: Lang;
}

interface FieldDef {
  name: string;
  kind: FieldKind;
  label: string;
  hint?: string;
  required?: boolean;
  min?: number;
  max?: number;
  choices?: (ctx: FormContext) => Choice[];
  /** checkboxes checked when the form is first shown */
  preselectAll?: boolean;
}

export interface FieldView {
  name: string;
  id: string;
  kind: FieldKind;
  label: string;
  hint: string;
  required: boolean;
  min?: number;
  max?: number;
  value: string;
  error: string;
  choices: Array<Choice & { checked: boolean }>;
  isText: boolean;
  isTextarea: boolean;
  isNumber: boolean;
  isDate: boolean;
  isDatetime: boolean;
  isSelect: boolean;
  isCheckboxes: boolean;
  isRadios: boolean;
  isCheckbox: boolean;
  isClauses: boolean;
  /** kind 'clauses': one row per clause of an agreement (empty rows to fill in at the end) */
  rows: ClauseRow[];
}

/** One clause row of the agreement form (API.md 2026.3 clause: text, obligors, manner, place, amount, date, no performance). */
export interface ClauseRow {
  no: number;
  prefix: string;
  text: string;
  obligors: Array<Choice & { checked: boolean }>;
  manner: string;
  place: string;
  amount: string;
  performBy: string;
  none: boolean;
}

type ClausePart = 'text' | 'obligors' | 'manner' | 'place' | 'amount' | 'performBy' | 'none';
const CLAUSE_KEY = /^c(\d{1,2})_(text|obligors|manner|place|amount|performBy|none)$/;
/** rows offered: the rows filled in plus two, at least six, at most thirty */
const MAX_CLAUSE_ROWS = 30;
const clauseKey = (i: number, part: ClausePart) => `c${i}_${part}`;

export type FormValues = Record<string, string | string[]>;
export type FieldErrors = Record<string, string>;

/** An event's payload as its form gives it: the payload's own fields (EventData), values not yet judged
 * by the API's schema (a number field may still hold the text typed). */
export type FormPayload<K extends EventType> = { [F in keyof EventData[K]]?: unknown };
/** each field of an event's form is a field of that event's payload */
type FormDef<K extends UserEventType> = { fields: Array<FieldDef & { name: keyof EventData[K] & string }> };

const reason: FieldDef & { name: 'reason' } = { name: 'reason', kind: 'textarea', label: 'f_reason', required: true };
/** the parties of the case, by id (consents, extensions, withdrawal) */
const partyChoices = (c: FormContext): Choice[] => c.parties.map((p) => ({ value: p.id, label: `${p.name}（${t(c.lang, p.role)}）` }));
const consentOf: FieldDef & { name: 'consentOf' } = { name: 'consentOf', kind: 'checkboxes', label: 'f_consent_of', choices: partyChoices };
const labelled = (prefix: string, values: readonly string[]) => (c: FormContext): Choice[] => values.map((v) => ({ value: v, label: t(c.lang, `${prefix}${v}`) }));
const satisfactionChoices = (): Choice[] => ['5', '4', '3', '2', '1'].map((v) => ({ value: v, label: v }));

const FORMS: { [K in UserEventType]?: FormDef<K> } = {
  // 人民调解法 arts. 3, 17; 若干规定 art. 30: one consent per party (how it was given) and the rights notice
  ACCEPT: {
    fields: [
      {
        name: 'consents',
        kind: 'checkboxes',
        label: 'f_consents',
        hint: 'f_consents_hint',
        choices: (c) =>
          c.parties.flatMap((p) =>
            (['written', 'oral'] as const).map((how) => ({ value: `${p.id}:${how}`, label: `${p.name}（${t(c.lang, p.role)}）${t(c.lang, `consent_${how}`)}` })),
          ),
      },
      { name: 'rightsNotified', kind: 'checkbox', label: 'f_rights_notified' },
    ],
  },
  DECLINE: { fields: [{ name: 'ground', kind: 'select', label: 'f_ground', required: true, choices: labelled('ground_', DECLINE_GROUNDS) }, reason] },
  ASSIGN: {
    fields: [{ name: 'mediatorIds', kind: 'checkboxes', label: 'f_mediators', required: true, choices: (c) => c.mediators }],
  },
  REQUEST_RECUSAL: {
    fields: [
      { name: 'mediatorId', kind: 'select', label: 'f_mediator', required: true, choices: (c) => c.assignees },
      reason,
      // 人民调解法 art. 23 (2026.3): who asked — a party, or the mediator themself — and who decided
      {
        name: 'requestedBy',
        kind: 'select',
        label: 'f_requested_by',
        choices: (c) => [...partyChoices(c), ...c.assignees.map((a) => ({ value: a.value, label: t(c.lang, 'recusal_self', { name: a.label }) }))],
      },
      { name: 'decidedBy', kind: 'text', label: 'f_decided_by' },
    ],
  },
  INVITE_EXPERT: {
    fields: [{ name: 'expertId', kind: 'select', label: 'f_expert', required: true, choices: (c) => c.experts }, consentOf],
  },
  // 人民调解法 art. 20; 若干规定 art. 27: relatives, neighbours, colleagues, experts and units, with every party's consent
  INVITE_PARTICIPANT: {
    fields: [
      { name: 'kind', kind: 'select', label: 'f_participant_kind', required: true, choices: labelled('participant_', PARTICIPANT_KINDS) },
      { name: 'name', kind: 'text', label: 'f_participant_name' },
      { name: 'unit', kind: 'text', label: 'f_unit', hint: 'f_unit_hint' },
      { ...consentOf, required: true },
    ],
  },
  RECORD_INVESTIGATION: {
    fields: [
      { name: 'whom', kind: 'text', label: 'f_whom', required: true },
      { name: 'what', kind: 'textarea', label: 'f_what', required: true },
      { name: 'findings', kind: 'textarea', label: 'f_findings', required: true },
    ],
  },
  // 民法典 art. 278: the owners' assembly decision an agreement on these matters needs
  RECORD_ASSEMBLY_DECISION: {
    fields: [
      { name: 'date', kind: 'date', label: 'f_decision_date', required: true },
      { name: 'summary', kind: 'textarea', label: 'f_decision_summary', required: true },
    ],
  },
  ADD_OPINION: { fields: [{ name: 'text', kind: 'textarea', label: 'f_text', required: true }] },
  SCHEDULE_SESSION: {
    fields: [
      { name: 'at', kind: 'datetime', label: 'f_at', required: true },
      { name: 'place', kind: 'text', label: 'f_place', required: true },
    ],
  },
  RECORD_SESSION: {
    fields: [
      { name: 'summary', kind: 'textarea', label: 'f_summary', required: true },
      // each box is "partyId:name": the party attended in person (人民调解法 art. 27, 调解笔录)
      { name: 'attendees', kind: 'checkboxes', label: 'f_attendees', choices: (c) => c.parties.map((p) => ({ value: `${p.id}:${p.name}`, label: p.name })) },
      { name: 'recorder', kind: 'text', label: 'f_recorder' },
    ],
  },
  EXTEND_DEADLINE: {
    fields: [{ name: 'days', kind: 'number', label: 'f_days', required: true, min: 1, max: 365 }, reason, consentOf],
  },
  REACH_AGREEMENT: {
    fields: [
      // 若干规定 art. 35(四): each clause with who performs it, how, where, how much and by when
      { name: 'terms', kind: 'clauses', label: 'f_terms', hint: 'f_terms_hint', required: true },
      { name: 'performBy', kind: 'date', label: 'f_perform_by', required: true },
      { name: 'facts', kind: 'textarea', label: 'f_facts' },
      { name: 'disputes', kind: 'textarea', label: 'f_disputes' },
      { name: 'responsibilities', kind: 'textarea', label: 'f_responsibilities' },
      { name: 'form', kind: 'select', label: 'f_form', choices: labelled('form_', ['written', 'oral']) },
      { name: 'decidesOwnership', kind: 'checkbox', label: 'f_decides_ownership' },
      { name: 'forConfirmation', kind: 'checkbox', label: 'f_for_confirmation' },
    ],
  },
  SIGN_AGREEMENT: {
    fields: [
      {
        name: 'signedBy',
        kind: 'checkboxes',
        label: 'f_signed_by',
        hint: 'f_signed_hint',
        required: true,
        preselectAll: false,
        // a party's agent with 特别授权 may sign for it (2026.3, issue 12 §2)
        choices: (c) =>
          c.parties.flatMap((p) => [
            { value: p.name, label: `${p.name}（${t(c.lang, p.role)}）` },
            ...(p.agent?.authority === 'special' ? [{ value: p.agent.name, label: t(c.lang, 'agent_for', { agent: p.agent.name, party: p.name }) }] : []),
          ]),
      },
    ],
  },
  MEDIATION_FAILED: { fields: [reason, { name: 'undisputedFacts', kind: 'textarea', label: 'f_undisputed_facts' }, consentOf] },
  ESCALATE: { fields: [reason] },
  REFER_TO_COURT: { fields: [reason] },
  TERMINATE: { fields: [reason, { name: 'undisputedFacts', kind: 'textarea', label: 'f_undisputed_facts' }, consentOf] },
  WITHDRAW: { fields: [reason, { name: 'byPartyId', kind: 'select', label: 'f_by_party', choices: partyChoices }] },
  TRANSFER: {
    fields: [
      {
        name: 'toTier',
        kind: 'select',
        label: 'f_to_tier',
        required: true,
        choices: (c) => (['subdistrict', 'district'] as const).map((v) => ({ value: v, label: TIER_LABELS[v][c.lang] })),
      },
      reason,
    ],
  },
  FLAG_RISK: {
    fields: [
      { name: 'level', kind: 'select', label: 'f_level', required: true, choices: labelled('level_', ['elevated', 'high']) },
      reason,
      { name: 'reportedTo', kind: 'text', label: 'f_reported_to' },
      { name: 'prevents', kind: 'checkboxes', label: 'f_prevents', choices: labelled('prevents_', PREVENTIONS) },
    ],
  },
  COURT_SETTLEMENT: {
    fields: [{ name: 'result', kind: 'radios', label: 'f_result', required: true, choices: labelled('result_', ['mediation_statement', 'withdrawal']) }],
  },
  COURT_ACCEPT: {
    fields: [{ name: 'courtCaseNo', kind: 'text', label: 'f_court_case_no', required: true }],
  },
  COURT_RETURN: { fields: [reason] },
  REQUEST_CONFIRMATION: { fields: [] },
  CONFIRMATION_RESULT: {
    fields: [
      {
        name: 'confirmed',
        kind: 'radios',
        label: 'f_confirmed',
        required: true,
        choices: (c) => [
          { value: 'yes', label: t(c.lang, 'confirmed_yes') },
          { value: 'no', label: t(c.lang, 'confirmed_no') },
        ],
      },
      { name: 'ruling', kind: 'textarea', label: 'f_ruling' },
    ],
  },
  RECORD_FOLLOW_UP: {
    fields: [
      {
        name: 'performance',
        kind: 'radios',
        label: 'f_performance',
        required: true,
        choices: (c) => ['full', 'partial', 'none'].map((v) => ({ value: v, label: t(c.lang, `perf_${v}`) })),
      },
      { name: 'satisfaction', kind: 'select', label: 'f_satisfaction', required: true, choices: satisfactionChoices },
      { name: 'note', kind: 'textarea', label: 'f_note' },
      // 回访记录 (issue 13 §3): how, whom, whether the dispute came back, new risks
      { name: 'method', kind: 'radios', label: 'f_follow_up_method', choices: labelled('follow_up_method_', ['phone', 'visit']) },
      { name: 'visited', kind: 'text', label: 'f_follow_up_visited' },
      { name: 'recurred', kind: 'checkbox', label: 'f_follow_up_recurred' },
      { name: 'newRisks', kind: 'textarea', label: 'f_follow_up_new_risks' },
    ],
  },
  CLOSE: { fields: [] },
  REOPEN: { fields: [reason] },
};

export function hasForm(type: string): type is EventType {
  return Object.hasOwn(FORMS, type);
}

const fieldsOf = (type: EventType): FieldDef[] => FORMS[type as UserEventType]?.fields ?? [];

const one = (v: unknown): string => (Array.isArray(v) ? String(v[v.length - 1] ?? '') : typeof v === 'string' ? v : '');
const many = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v !== '' ? [v] : []);

/** The submitted values of a form, as they are shown again when it has errors. */
export function formValues(type: EventType, body: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  for (const f of fieldsOf(type)) {
    if (f.kind === 'clauses') {
      // the rows' own keys (c0_text, c0_obligors…), kept as typed to show the form again
      for (const key of Object.keys(body)) {
        const m = CLAUSE_KEY.exec(key);
        if (!m || Number(m[1]) >= MAX_CLAUSE_ROWS) continue;
        values[key] = m[2] === 'obligors' ? many(body[key]) : one(body[key]).slice(0, 2000);
      }
      continue;
    }
    values[f.name] = f.kind === 'checkboxes' ? many(body[f.name]) : one(body[f.name]).slice(0, 8000);
  }
  return values;
}

/** A plain form's strings → the event's data (typed as the API takes it). Empty optional fields are left out. */
function toData<K extends EventType>(type: K, values: FormValues): FormPayload<K> {
  const data: Record<string, unknown> = {};
  for (const f of fieldsOf(type)) {
    const raw = values[f.name];
    if (f.kind === 'clauses') {
      data[f.name] = termsFromRows(values);
      continue;
    }
    if (f.kind === 'checkboxes') {
      const list = (raw as string[]).filter(Boolean);
      if (list.length || f.required) data[f.name] = list;
      continue;
    }
    const s = String(raw ?? '').trim();
    if (f.kind === 'checkbox') {
      if (s) data[f.name] = true;
      continue;
    }
    if (s === '') continue; // optional: left out; required: joi says "required"
    switch (f.kind) {
      case 'number':
        data[f.name] = /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s;
        break;
      case 'datetime':
        data[f.name] = fromLocalInput(s) ?? s;
        break;
      default:
        data[f.name] = s;
    }
  }
  if (type === 'ACCEPT' && Array.isArray(data.consents)) {
    // each checked box is "partyId:how"; a party ticked twice is left for the schema to refuse (unique)
    data.consents = data.consents.map((v: string) => {
      const [partyId, how] = String(v).split(':');
      return { partyId, how };
    });
  }
  if (type === 'RECORD_SESSION' && Array.isArray(data.attendees)) {
    data.attendees = data.attendees.map((v: string) => {
      const at = String(v).indexOf(':');
      return at > 0 ? { partyId: String(v).slice(0, at), name: String(v).slice(at + 1) } : { name: String(v) };
    });
  }
  if (type === 'RECORD_FOLLOW_UP') data.note ??= '';
  if (type === 'RECORD_FOLLOW_UP' && typeof data.satisfaction === 'string' && /^\d$/.test(data.satisfaction)) {
    data.satisfaction = Number(data.satisfaction);
  }
  if (type === 'CONFIRMATION_RESULT' && typeof data.confirmed === 'string') {
    data.confirmed = data.confirmed === 'yes' ? true : data.confirmed === 'no' ? false : data.confirmed;
  }
  return data as FormPayload<K>;
}

/** The clause rows → REACH_AGREEMENT terms (API.md 2026.3): rows without text are left out; a row marked
 * "no performance needed" carries nothing else; an amount is a number only when typed as one. */
function termsFromRows(values: FormValues): Array<Record<string, unknown>> {
  const terms: Array<Record<string, unknown>> = [];
  const get = (i: number, part: ClausePart) => String(values[clauseKey(i, part)] ?? '').trim();
  for (let i = 0; i < MAX_CLAUSE_ROWS; i++) {
    const text = get(i, 'text');
    if (!text) continue;
    if (get(i, 'none')) {
      terms.push({ text, noPerformance: true });
      continue;
    }
    const term: Record<string, unknown> = { text };
    const obligors = values[clauseKey(i, 'obligors')];
    if (Array.isArray(obligors) && obligors.length) term.obligors = obligors;
    for (const part of ['manner', 'place', 'performBy'] as const) if (get(i, part)) term[part] = get(i, part);
    const amount = get(i, 'amount').replace(/[,，\s]/g, '');
    if (amount) term.amount = /^\d+(\.\d{1,2})?$/.test(amount) ? Number(amount) : amount;
    terms.push(term);
  }
  return terms;
}

/** The rows of the clause form: those filled in, then empty ones (at least six rows, two spare). */
function clauseRows(type: EventType, ctx: FormContext, values?: FormValues): ClauseRow[] {
  const filled = Object.keys(values ?? {}).reduce((n, key) => {
    const m = CLAUSE_KEY.exec(key);
    return m ? Math.max(n, Number(m[1]) + 1) : n;
  }, 0);
  const count = Math.min(MAX_CLAUSE_ROWS, Math.max(6, filled + 2));
  const get = (i: number, part: ClausePart) => values?.[clauseKey(i, part)];
  return Array.from({ length: count }, (_, i) => {
    const chosen = get(i, 'obligors');
    return {
      no: i + 1,
      prefix: `${type.toLowerCase()}-c${i}`,
      text: String(get(i, 'text') ?? ''),
      obligors: ctx.parties.map((p) => ({ value: p.id, label: p.name, checked: Array.isArray(chosen) && chosen.includes(p.id) })),
      manner: String(get(i, 'manner') ?? ''),
      place: String(get(i, 'place') ?? ''),
      amount: String(get(i, 'amount') ?? ''),
      performBy: String(get(i, 'performBy') ?? ''),
      none: Boolean(get(i, 'none')),
    };
  });
}

/** A submitted event form: the event's data (for the API's schema to judge) and the values as typed. */
export function eventFromForm<K extends EventType>(type: K, body: Record<string, unknown>): { data: FormPayload<K>; values: FormValues } {
  const values = formValues(type, body);
  return { data: toData(type, values), values };
}

/** The fields of an event's form, ready for the template (with values and errors when shown again). */
export function fieldViews(type: EventType, ctx: FormContext, values?: FormValues, errors?: FieldErrors): FieldView[] {
  return fieldsOf(type).map((f) => {
    const v = values?.[f.name];
    const choices = (f.choices?.(ctx) ?? []).map((c) => ({
      ...c,
      checked: Array.isArray(v) ? v.includes(c.value) : v !== undefined ? v === c.value : f.preselectAll === true,
    }));
    return {
      name: f.name,
      id: `${type.toLowerCase()}-${f.name}`,
      kind: f.kind,
      label: t(ctx.lang, f.label),
      hint: f.hint ? t(ctx.lang, f.hint) : '',
      required: f.required === true,
      min: f.min,
      max: f.max,
      value: Array.isArray(v) ? '' : (v ?? ''),
      error: errors?.[f.name] ?? '',
      choices,
      isText: f.kind === 'text',
      isTextarea: f.kind === 'textarea',
      isNumber: f.kind === 'number',
      isDate: f.kind === 'date',
      isDatetime: f.kind === 'datetime',
      isSelect: f.kind === 'select',
      isCheckboxes: f.kind === 'checkboxes',
      isRadios: f.kind === 'radios',
      isCheckbox: f.kind === 'checkbox',
      isClauses: f.kind === 'clauses',
      rows: f.kind === 'clauses' ? clauseRows(type, ctx, values) : [],
    };
  });
}
