// The viewer (actorOf, orgOf, readableCase) and the residents' tracking view; the staff view and
// the history are server/cases/presenter.ts. Who may read a case, and whether they see personal
// data in full, is server/policy.ts's decision; this file only applies it. The residents' view is
// built from a whitelist: nothing from the staff view reaches it by accident.
import type { Actor } from '../../workflows/case.types.ts';
import {
  CATEGORY_LABELS,
  EVENT_LABELS,
  OUTCOME_LABELS,
  STATUS_LABELS,
  TIER_LABELS,
  type Category,
  type DeadlineKind,
  type EventType,
  type Outcome,
  type Status,
  USER_EVENT_TYPES,
} from '../../workflows/vocabulary.ts';
import type { Directory } from '../engine/directory.ts';
import { NotFound } from '../engine/errors.ts';
import type { Services } from '../services.ts';
import { canReadCase, type Jurisdiction, type Viewer } from '../policy.ts';
import type { CaseRecord, EventRecord, UserRecord } from '../store/port.ts';

type Label = { zh: string; en: string };

// ── the viewer ─────────────────────────────────────────────────────────────────────────────────

const orgCache = new WeakMap<Directory, { key: string; org: Jurisdiction }>();

/** The organisation as the policy needs it; the same object until the tree changes (the policy
 * caches per object). */
export function orgOf(directory: Directory): Jurisdiction {
  const units = directory.allUnits();
  const bodies = directory.allBodies();
  const key = `${units.map((u) => `${u.id}<${u.parentId}`).join(',')}|${bodies.map((b) => `${b.id}@${b.orgUnitId}`).join(',')}`;
  const hit = orgCache.get(directory);
  if (hit && hit.key === key) return hit.org;
  const org: Jurisdiction = { units, bodies };
  orgCache.set(directory, { key, org });
  return org;
}

/** The engine's actor for a signed-in user (the body's tier is the directory's). */
export function actorOf(user: UserRecord, directory: Directory): Actor {
  const body = user.bodyId ? directory.body(user.bodyId) : undefined;
  return { id: user.id, username: user.username, role: user.role, bodyId: user.bodyId, tier: body?.tier ?? null, name: user.name };
}

/** The case, if this user may read it; otherwise 404, exactly as if it did not exist. */
export async function readableCase(services: Services, user: Viewer, caseId: string): Promise<CaseRecord> {
  const record = await services.store.cases.get(caseId);
  if (!record || !canReadCase(user, record, orgOf(services.directory))) throw new NotFound('case');
  return record;
}

// ── labels shared by the staff presenter (server/cases/presenter.ts) and the residents' view ────

export const DEADLINE_LABELS: Record<DeadlineKind, Label> = {
  acceptance: { zh: '受理审查期限', en: 'Decision on acceptance' },
  mediation: { zh: '调解期限', en: 'Mediation period' },
  delegation: { zh: '法院委派调解期限', en: "Court's mediation deadline" },
  confirmation: { zh: '申请司法确认期限', en: 'Applying for judicial confirmation' },
  follow_up: { zh: '回访', en: 'Follow-up visit' },
};

// ── residents (API.md "Residents") ─────────────────────────────────────────────────────────────

/** Events a party sees in the tracking view; internal steps (expert invitations, recusal requests,
 * timer warnings) stay with the staff. */
const STAFF_ONLY_EVENTS: ReadonlySet<string> = new Set<EventType>(['REQUEST_RECUSAL', 'INVITE_EXPERT', 'ADD_OPINION']);
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

/** What happens next, in plain words. */
export function nextStep(record: CaseRecord): Label {
  const ctx = record.snapshot.context;
  const status: Status = record.status;
  switch (status) {
    case 'registered':
      return { zh: '调解组织正在审查是否受理，通常在3个工作日内作出决定。', en: 'The mediation office is deciding whether to accept the case, usually within 3 working days.' };
    case 'declined':
      return OUTCOME_NEXT.declined;
    case 'in_mediation':
      if (ctx.sessions.some((s) => s.recordedAt === undefined)) {
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
    case 'closed':
      return OUTCOME_NEXT[record.outcome ?? 'resolved'];
  }
}

/**
 * The tracking view for a party holding the access code: status and tier with plain-words labels,
 * next step, the upcoming session, deadlines and the public history. No party's phone, identity
 * number or address (not even the applicant's own), no staff names, no event data.
 */
export function residentView(record: CaseRecord, events: EventRecord[], now: string) {
  const ctx = record.snapshot.context;
  const upcoming = ctx.sessions
    .filter((s) => s.recordedAt === undefined && Date.parse(s.at) >= Date.parse(now))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
  return {
    caseNo: record.caseNo,
    status: record.status,
    statusLabel: { ...STATUS_LABELS[record.status] },
    tier: record.tier,
    tierLabel: { ...TIER_LABELS[record.tier] },
    outcome: record.outcome,
    outcomeLabel: record.outcome ? { ...OUTCOME_LABELS[record.outcome] } : null,
    category: record.category,
    categoryLabel: CATEGORY_LABELS[record.category as Category] ? { ...CATEGORY_LABELS[record.category as Category] } : null,
    nextStep: nextStep(record),
    nextSession: upcoming ? { at: upcoming.at, place: upcoming.place } : null,
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
