// The case page's view, built on the API's staff view (server/cases/presenter.ts caseView: masking,
// parties, deadlines, sessions, agreement, the events available now): it adds labels in the page's
// language, the timeline of every event, the forms of the available events, and the documents.
import type { CaseContext } from '../../workflows/case.types.ts';
import { caseView } from '../cases/presenter.ts';
import type { EventType } from '../../workflows/vocabulary.ts';
import { whyNot, type IssueInput } from '../documents/issue.ts';
import { DOCUMENT_KINDS } from '../documents/templates.ts';
import { DOCUMENT_TITLES } from '../documents/view.ts';
import type { Services } from '../services.ts';
import { canSeePersonalData, mayUse } from '../policy.ts';
import { maskedText } from '../privacy/mask.ts';
import type { Org } from '../org.ts';
import type { CaseRecord, DocumentRecord, EventRecord, UserRecord } from '../store/port.ts';
import { deadlineRows } from './case-rows.ts';
import { fieldViews, hasForm, type FieldErrors, type FormContext, type FormValues } from './event-forms.ts';
import { t, type Lang } from './i18n.ts';
import { shanghaiDateTime, vocab } from './render.ts';

/** A form shown again with what was typed and what is wrong with it. */
export interface FormState {
  type: string;
  values: FormValues;
  errors: FieldErrors;
  message?: string;
}

export interface CaseModelInput {
  services: Services;
  org: Org;
  record: CaseRecord;
  events: EventRecord[];
  documents: DocumentRecord[];
  user: UserRecord;
  users: UserRecord[];
  lang: Lang;
  form?: FormState;
  /** where the event forms return to after success */
  back?: string;
}

/** Events that deserve a red (destructive) button. */
const GRAVE = new Set(['DECLINE', 'TERMINATE', 'WITHDRAW', 'MEDIATION_FAILED', 'REFER_TO_COURT', 'ESCALATE', 'COURT_RETURN']);

function timelineDetails(
  lang: Lang,
  e: EventRecord,
  names: (id: string) => string,
  safe: (s: string) => string,
  party: (id: string) => string | undefined = () => undefined,
): Array<{ label: string; value: string }> {
  const d = (e.data ?? {}) as Record<string, any>;
  const out: Array<{ label: string; value: string }> = [];
  const add = (labelKey: string, value: unknown) => {
    if (value === undefined || value === null || value === '') return;
    out.push({ label: t(lang, labelKey), value: safe(String(value)) });
  };
  switch (e.type) {
    case 'REGISTER':
      add('channel', vocab(lang, 'channel', d.channel));
      add('category', vocab(lang, 'category', d.category));
      add('routed_to', vocab(lang, 'tier', d.tier));
      break;
    case 'ASSIGN':
      add('f_mediators', (d.mediatorIds ?? []).map(names).join('、'));
      break;
    case 'REQUEST_RECUSAL':
      add('f_mediator', names(String(d.mediatorId ?? '')));
      add('f_reason', d.reason);
      // 2026.3 (人民调解法 art. 23): who asked and who decided
      if (d.requestedBy) add('f_requested_by', party(d.requestedBy) ?? names(String(d.requestedBy)));
      if (d.decidedBy) add('f_decided_by', names(String(d.decidedBy)));
      break;
    case 'INVITE_EXPERT':
      add('f_expert', names(String(d.expertId ?? '')));
      if (Array.isArray(d.consentOf)) add('f_consent_of', d.consentOf.map((id: string) => party(id) ?? id).join('、'));
      break;
    case 'INVITE_PARTICIPANT':
      add('f_participant_kind', t(lang, `participant_${d.kind}`));
      add('f_unit', d.unit);
      add('f_participant_name', d.name);
      if (Array.isArray(d.consentOf)) add('f_consent_of', d.consentOf.map((id: string) => party(id) ?? id).join('、'));
      break;
    case 'RECORD_INVESTIGATION':
      add('f_whom', d.whom);
      add('f_what', d.what);
      add('f_findings', d.findings);
      break;
    case 'RECORD_ASSEMBLY_DECISION':
      add('f_decision_date', d.date);
      add('f_decision_summary', d.summary);
      break;
    case 'ADD_OPINION':
      add('f_text', d.text);
      break;
    case 'SCHEDULE_SESSION':
      add('f_at', shanghaiDateTime(d.at));
      add('f_place', d.place);
      break;
    case 'RECORD_SESSION':
      add('f_summary', d.summary);
      break;
    case 'EXTEND_DEADLINE':
      add('f_days', d.days);
      add('f_reason', d.reason);
      break;
    case 'REACH_AGREEMENT':
      (d.terms ?? []).forEach((term: unknown, i: number) =>
        out.push({ label: `${t(lang, 'clause')} ${i + 1}`, value: safe(String(typeof term === 'string' ? term : ((term as { text?: string })?.text ?? ''))) }),
      );
      add('f_perform_by', d.performBy);
      break;
    case 'SIGN_AGREEMENT':
      add('f_signed_by', (d.signedBy ?? []).join('、'));
      break;
    case 'COURT_ACCEPT':
      add('court_case_no', d.courtCaseNo);
      break;
    case 'CONFIRMATION_RESULT':
      add('f_confirmed', t(lang, d.confirmed ? 'confirmed_yes' : 'confirmed_no'));
      add('f_ruling', d.ruling);
      break;
    case 'RECORD_FOLLOW_UP':
      add('f_performance', t(lang, `perf_${d.performance}`));
      add('satisfaction', d.satisfaction);
      add('f_note', d.note);
      break;
    case 'DEADLINE_WARNING':
      add('deadlines', t(lang, `dl_${d.kind}`));
      add('warning', t(lang, `warn_${d.level}`));
      break;
    case 'DEADLINE_EXPIRED':
      add('deadlines', t(lang, `dl_${d.kind}`));
      break;
    default:
      add('f_reason', d.reason);
  }
  return out;
}

export function issueInputFor(m: CaseModelInput, kind: string): IssueInput {
  return {
    record: m.record,
    events: m.events,
    kind,
    actor: { id: m.user.id, username: m.user.username, name: m.user.name },
    now: m.services.engine.now(),
    bodies: m.org.allBodies(),
    units: m.org.allUnits(),
    users: m.users.map((u) => ({ id: u.id, name: u.name, username: u.username })),
    followUpOffsets: m.services.settings.deadlines.followUpOffsets,
    calendar: m.services.settings.calendar(),
  };
}

/** Document kinds that may be issued for the case now (as issueDocument would decide). */
export function issuableKinds(m: CaseModelInput): string[] {
  if (!mayUse(m.user.role, 'documents:issue') || !canSeePersonalData(m.user, m.record, m.org)) return [];
  return DOCUMENT_KINDS.filter((kind) => whyNot(kind, issueInputFor(m, kind)) === null);
}

export function buildCaseModel(m: CaseModelInput) {
  const { record, lang, services, org } = m;
  // the API's staff view: what is masked for this viewer, the parties, deadlines, agreement and
  // the events the viewer may send are decided there, once; the page adds its language and forms
  const v = caseView(services, record, m.user);
  const ctx: CaseContext = record.snapshot.context;
  const visible = canSeePersonalData(m.user, record, org);
  const safe = (s: string) => (visible ? s : maskedText(s));
  const userById = new Map(m.users.map((u) => [u.id, u]));
  const names = (id: string) => userById.get(id)?.name ?? id;
  const partyName = (id: string) => ctx.parties.find((p) => p.id === id)?.name;
  const compound = org.unit(record.compoundId);
  const community = compound?.parentId ? org.unit(compound.parentId) : undefined;

  const parties = v.parties.map((p) => ({
    ...p,
    roleLabel: t(lang, p.role),
    kindLabel: t(lang, `kind_${p.kind}`),
    orgTypeLabel: p.kind === 'organisation' ? t(lang, `org_${p.orgType ?? 'property_company'}`) : '',
    // 2026.3 (issue 12 §2): the agent and the authority given
    agentAuthorityLabel: p.agent ? t(lang, `authority_${p.agent.authority}`) : '',
  }));

  const available = v.availableEvents.filter((type) => hasForm(type));
  const formCtx: FormContext = {
    lang,
    parties: ctx.parties,
    mediators: m.users
      .filter((u) => u.role === 'mediator' && u.active && u.bodyId === record.bodyId)
      .map((u) => ({ value: u.id, label: u.name })),
    assignees: v.assignees.map((a) => ({ value: a.id, label: a.name })),
    experts: m.users.filter((u) => u.role === 'expert' && u.active).map((u) => ({ value: u.id, label: u.name })),
  };
  const actions = available.map((type: EventType) => {
    const mine = m.form?.type === type ? m.form : undefined;
    const fields = fieldViews(type, formCtx, mine?.values, mine?.errors);
    return {
      type,
      label: vocab(lang, 'event', type),
      id: `action-${type.toLowerCase()}`,
      fields,
      hasFields: fields.length > 0,
      open: mine !== undefined,
      message: mine?.message ?? (mine && Object.keys(mine.errors).length ? t(lang, 'form_has_errors') : ''),
      grave: GRAVE.has(type),
    };
  });

  const timeline = m.events.map((e) => ({
    seq: e.seq,
    at: e.at,
    type: e.type,
    label: vocab(lang, 'event', e.type),
    actor: e.actor.role === 'system' ? t(lang, 'system') : (e.actor.name ?? e.actor.username),
    details: timelineDetails(lang, e, names, safe, partyName),
    system: e.actor.role === 'system',
  })).reverse();

  const kinds = issuableKinds(m);
  const documents = (visible ? m.documents : []).map((d) => ({
    id: d.id,
    title: DOCUMENT_TITLES[d.kind] ?? d.kind,
    version: d.version,
    versionText: t(lang, 'version_n', { n: d.version }),
    draft: d.draft,
    issuedAt: d.issuedAt,
    href: `/cases/${record.id}/documents/${d.id}`,
  }));

  return {
    ...v,
    caseId: v.id,
    statusLabel: vocab(lang, 'status', v.status),
    // workflow 2026.3: what to offer after non-performance or a refused confirmation (人民调解法 arts. 32–33)
    advice: ctx.nextStep ? t(lang, `advice_${ctx.nextStep}`) : '',
    // workflow 2026.3: warnings that refuse nothing (workflows/cautions.ts), in the page's language
    cautionItems: v.cautions.map((x) => ({ code: x.code, text: x[lang], basis: x.basis })),
    recusalItems: v.recusals.map((r) => ({
      ...r,
      requestedByName: r.requestedBy ? (partyName(r.requestedBy) ?? names(r.requestedBy)) : '',
    })),
    participantItems: v.participants.map((x) => ({
      kindLabel: t(lang, `participant_${x.kind}`),
      who: [x.unit, x.name ?? (x.userId ? names(x.userId) : '')].filter(Boolean).join(' · '),
      consent: x.consentOf.map((id) => partyName(id) ?? id).join('、'),
      at: x.at,
    })),
    tierLabel: vocab(lang, 'tier', v.tier),
    outcomeLabel: v.outcome ? vocab(lang, 'outcome', v.outcome) : '',
    warningLabel: t(lang, `warn_${v.warning}`),
    bodyName: v.body.name,
    category: vocab(lang, 'category', v.category),
    channel: vocab(lang, 'channel', v.channel),
    compoundName: v.compound.name,
    communityName: community?.name ?? '',
    registeredAt: v.createdAt,
    households: v.householdsInvolved,
    majorReasons: v.flags.majorReasons.join('；'),
    deadlines: deadlineRows(lang, v.deadlines),
    parties,
    masked: !visible,
    sessions: v.sessions.map((s) => ({ ...s, noText: t(lang, 'session_no', { n: s.no }) })),
    agreement: v.agreement && {
      ...v.agreement,
      effective: v.agreement.effectiveAt !== null,
      clauses: v.agreement.clauses.map((c) => ({ ...c, performanceLabel: t(lang, `perf_${c.performance}`) })),
    },
    followUps: v.followUps.map((f) => ({ ...f, performanceLabel: t(lang, `perf_${f.performance}`) })),
    referral: v.referral && { ...v.referral, fromTierLabel: vocab(lang, 'tier', v.referral.fromTier) },
    timeline,
    actions,
    backTo: m.back ?? '',
    documents,
    issuable: kinds.map((k) => ({ value: k, label: DOCUMENT_TITLES[k] ?? k })),
    canIssue: mayUse(m.user.role, 'documents:issue'),
    isCourt: m.user.role === 'court_liaison',
    formMessage: m.form && !available.includes(m.form.type as EventType) ? (m.form.message ?? '') : '',
  };
}
