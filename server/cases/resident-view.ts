// What residents are shown (API.md "Residents"), in one place for every door they come through:
// the tracking view of GET /api/track and the /track page, and the `case:updated` message of the
// live layer (written by the engine's outbox, replayed on resume, rebuilt for resident sockets).
// Both are built from whitelists: a field added to the staff views never reaches a resident by
// accident, and nothing here carries a phone, an identity number, an address or a staff name.
import {
  CATEGORY_LABELS,
  DEADLINE_LABELS,
  EVENT_LABELS,
  OUTCOME_LABELS,
  STATUS_LABELS,
  TIER_LABELS,
  USER_EVENT_TYPES,
  type Category,
  type EventType,
  type Outcome,
  type Status,
} from '../../workflows/vocabulary.ts';
import type { LimitRule } from '../../workflows/deadlines.ts';
import { sessionTally } from '../../workflows/case-lists.ts';
import { caseLists } from '../../workflows/registry.ts';
import type { CaseUpdated } from '../engine/case-updated.ts';
import type { CaseRecord, EventRecord } from '../store/port.ts';
import { maskedText } from '../privacy/mask.ts';

type Label = { zh: string; en: string };

// ── the tracking view ────────────────────────────────────────────────────────────────────────────

/** Events a party sees in the tracking view; internal steps (expert invitations, recusal requests,
 * timer warnings) stay with the staff. */
const STAFF_ONLY_EVENTS: ReadonlySet<string> = new Set<EventType>(['REQUEST_RECUSAL', 'INVITE_EXPERT', 'ADD_OPINION', 'RECORD_INVESTIGATION']);
export const PUBLIC_EVENTS: ReadonlySet<string> = new Set<string>(
  ['REGISTER', ...USER_EVENT_TYPES].filter((t) => !STAFF_ONLY_EVENTS.has(t)),
);

const ROLE_WORDS: Record<string, Label> = {
  mediator: { zh: '调解员', en: 'mediator' },
  court_liaison: { zh: '法院', en: 'court' },
  expert: { zh: '专家', en: 'expert' },
  admin: { zh: '工作人员', en: 'staff' },
  system: { zh: '系统', en: 'system' },
};

const OUTCOME_NEXT: Record<Outcome, Label> = {
  resolved: { zh: '纠纷已调解解决，案件已结案。', en: 'The dispute was settled and the case is closed.' },
  unresolved: {
    zh: '调解已终止。您可以依法通过仲裁、行政途径或向人民法院起诉等方式解决纠纷。',
    en: 'Mediation has ended. You may still pursue arbitration, an administrative route or a lawsuit.',
  },
  withdrawn: { zh: '申请已撤回，案件已结案。', en: 'The application was withdrawn and the case is closed.' },
  referred: { zh: '人民法院已立案受理，请留意法院的通知。', en: 'The court has accepted the case; watch for its notices.' },
  declined: {
    zh: '调解组织决定不予受理。您可以依法通过其他途径解决纠纷。',
    en: 'The mediation office did not accept the case. You may pursue other remedies.',
  },
};

/** A limit in words: 3个工作日 / 3 working days. */
function limitWords(rule: Pick<LimitRule, 'amount' | 'unit'>): Label {
  const n = rule.amount;
  switch (rule.unit) {
    case 'working_days':
      return { zh: `${n}个工作日`, en: `${n} working day${n === 1 ? '' : 's'}` };
    case 'months':
      return { zh: `${n}个月`, en: `${n} month${n === 1 ? '' : 's'}` };
    case 'days':
      return { zh: `${n}日`, en: `${n} day${n === 1 ? '' : 's'}` };
  }
}

/** What happens next, in plain words. `acceptance` is the acceptance limit in force (the run-time
 * setting deadlines.limits.acceptance, server/settings.ts): residents are told the period that applies. */
export function nextStep(record: CaseRecord, acceptance: Pick<LimitRule, 'amount' | 'unit'>): Label {
  const ctx = record.snapshot.context;
  const status: Status = record.status;
  switch (status) {
    case 'registered': {
      const within = limitWords(acceptance);
      const moved = movedUp(record);
      if (moved) {
        // issue 14: a plain sentence instead of a status that seems to go backwards
        const to = TIER_LABELS[moved.to as keyof typeof TIER_LABELS] ?? TIER_LABELS[record.tier];
        return {
          zh: `您的案件已于${moved.at.slice(0, 10)}上报至${to.zh}，由其继续办理。${to.zh}将在${within.zh}内决定是否受理，并与您联系。`,
          en: `Your case was passed up to the ${to.en} on ${moved.at.slice(0, 10)}, which takes it from here: it decides within ${within.en} whether to accept it and will contact you.`,
        };
      }
      return { zh: `调解组织正在审查是否受理，通常在${within.zh}内作出决定。`, en: `The mediation office is deciding whether to accept the case, usually within ${within.en}.` };
    }
    case 'declined':
      return OUTCOME_NEXT.declined;
    case 'in_mediation':
      if (sessionTally(ctx).open > 0) {
        return { zh: '调解员已安排调解，请按时参加。', en: 'A mediation session has been scheduled; please attend on time.' };
      }
      return { zh: '调解员正在了解情况并组织调解，会与您联系。', en: 'The mediator is looking into the matter and will contact you to arrange mediation.' };
    case 'agreement_pending':
      return { zh: '调解协议已拟定，等待各方签字。', en: 'The mediation agreement is drafted and waits for every party to sign.' };
    case 'performing':
      return { zh: '请按调解协议约定履行，调解员将回访了解履行情况。', en: 'Please carry out the agreement; the mediator will follow up on how it is performed.' };
    case 'confirmation_pending':
      return { zh: '已向人民法院申请司法确认，等待法院决定。', en: 'Judicial confirmation has been applied for; the court will decide.' };
    case 'referred_to_court':
      return { zh: '案件已移送人民法院，等待法院处理。', en: 'The case has been sent to the court, which will decide how to proceed.' };
    case 'submitted_to_court':
      return { zh: '调解协议已提交人民法院审查，等待法院出具调解书或裁定。', en: 'The agreement has been submitted to the court, which will issue its decision.' };
    case 'closed':
      return OUTCOME_NEXT[record.outcome ?? 'resolved'];
  }
}

/** The latest escalation (上报) or transfer of a case now waiting at the new body, if any. */
function movedUp(record: CaseRecord): { to: string; at: string } | null {
  const ctx = record.snapshot.context;
  const moves = [...(ctx.escalations ?? []), ...(ctx.transfers ?? [])].sort((a, b) => a.at.localeCompare(b.at));
  const last = moves.at(-1);
  return record.status === 'registered' && last ? { to: last.to, at: isoShanghaiDate(last.at) } : null;
}

/** the Shanghai calendar date of an instant, as YYYY-MM-DD */
const isoShanghaiDate = (iso: string): string => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 10);

/** The status as a resident reads it: after an escalation the case waits at a higher body — said so,
 * rather than "已登记，待受理" as if it had gone back to the start. */
function residentStatusLabel(record: CaseRecord): { zh: string; en: string } {
  const moved = movedUp(record);
  if (!moved) return { ...STATUS_LABELS[record.status] };
  const to = TIER_LABELS[moved.to as keyof typeof TIER_LABELS] ?? TIER_LABELS[record.tier];
  return { zh: `已上报${to.zh}，待其受理`, en: `Passed up to the ${to.en}, awaiting its acceptance` };
}

/**
 * The tracking view for a party holding the access code: status and tier with plain-words labels,
 * next step, the upcoming session, deadlines and the public history. No party's phone, identity
 * number or address (not even the applicant's own), no staff names, no event data.
 */
export function residentView(record: CaseRecord, events: EventRecord[], now: string, acceptance: Pick<LimitRule, 'amount' | 'unit'>) {
  // the sessions are in the history (workflows/case-lists.ts)
  const upcoming = caseLists(record.workflowVersion, record.snapshot.context, events)
    .sessions.filter((s) => s.recordedAt === undefined && Date.parse(s.at) >= Date.parse(now))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
  return {
    caseNo: record.caseNo,
    status: record.status,
    statusLabel: residentStatusLabel(record),
    tier: record.tier,
    tierLabel: { ...TIER_LABELS[record.tier] },
    outcome: record.outcome,
    outcomeLabel: record.outcome ? { ...OUTCOME_LABELS[record.outcome] } : null,
    category: record.category,
    categoryLabel: CATEGORY_LABELS[record.category as Category] ? { ...CATEGORY_LABELS[record.category as Category] } : null,
    nextStep: nextStep(record, acceptance),
    // the place is free text a mediator typed (a home address at times): masked by the one rule (issue 15 §3)
    nextSession: upcoming ? { at: upcoming.at, place: maskedText(upcoming.place ?? '') } : null,
    deadlines: record.deadlines
      .filter((d) => d.kind !== 'follow_up')
      .map((d) => ({ kind: d.kind, label: { ...DEADLINE_LABELS[d.kind] }, dueAt: d.dueAt })),
    history: events
      .filter((e) => PUBLIC_EVENTS.has(e.type))
      .map((e) => ({
        type: e.type,
        label: { ...EVENT_LABELS[e.type as EventType] },
        at: e.at,
        by: { ...(ROLE_WORDS[e.actor.role] ?? ROLE_WORDS.admin) },
      })),
    registeredAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

// ── the `case:updated` message (API.md "Live updates") ──────────────────────────────────────────

export interface ResidentCaseUpdated extends CaseUpdated {
  /** the status in plain words (API.md "Residents") */
  statusLabel: { zh: string; en: string } | null;
}

/** Only these fields, rebuilt one by one: nothing else from the staff payload reaches a resident. */
export function forResident(p: CaseUpdated): ResidentCaseUpdated {
  const out: ResidentCaseUpdated = {
    id: String(p.id),
    caseNo: String(p.caseNo),
    status: p.status,
    statusLabel: STATUS_LABELS[p.status] ?? null,
    phase: String(p.phase ?? ''),
    tier: String(p.tier),
    version: Number(p.version),
    event: { type: String(p.event?.type ?? ''), at: String(p.event?.at ?? '') },
  };
  if (p.replay) out.replay = true;
  return out;
}
