// The one staff presenter: the JSON a case is shown as to a staff viewer (the detail and the list
// item), its history, and its related cases. The API answers with it and the case page builds on it
// (server/pages/case.model.ts adds only labels in the page's language, forms and documents). Who
// may read a case, and whether they see personal data in full, is server/policy.ts's decision;
// this file only applies it.
import type { CaseContext } from '../../workflows/case.types.ts';
import { caseLists, cautionsOf } from '../../workflows/registry.ts';
import {
  CATEGORY_LABELS,
  CHANNEL_LABELS,
  DEADLINE_LABELS,
  EVENT_LABELS,
  OUTCOME_LABELS,
  STATUS_LABELS,
  TIER_LABELS,
  type Category,
  type Channel,
  type EventType,
} from '../../workflows/vocabulary.ts';
import type { Directory } from '../engine/directory.ts';
import type { Services } from '../services.ts';
import { canReadCase, canSeePersonalData, viewParties, type Viewer } from '../policy.ts';
import { maskAddress, maskedText, maskIdNumber, maskPhone } from '../privacy/mask.ts';
import type { Body, CaseRecord, EventRecord, UserRecord } from '../store/port.ts';
import { relatedCasesOf, type RelatedCaseView } from '../oversight/recurrence.ts';
import { actorOf } from './access.ts';

// ── masking beyond the parties ─────────────────────────────────────────────────────────────────

const MASKERS: Record<string, (s: string) => string> = { phone: maskPhone, idNumber: maskIdNumber, address: maskAddress };

/** A copy with phone, ID number and address fields masked at any depth, and phone or ID numbers
 * in free text masked too (summaries, notes, reasons). */
export function maskDeep<T>(value: T): T {
  if (typeof value === 'string') return maskedText(value) as T;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = typeof v === 'string' && v && MASKERS[k] ? MASKERS[k](v) : maskDeep(v);
  }
  return out as T;
}

// ── the staff view ─────────────────────────────────────────────────────────────────────────────


function nameRef(directory: Directory, userId: string): { id: string; name: string } {
  const u = directory.user(userId);
  return { id: userId, name: u?.name ?? userId };
}

function bodyRef(body: Body | undefined, id: string) {
  return { id, name: body?.name ?? id, tier: body?.tier ?? null };
}

function deadlinesOf(record: CaseRecord) {
  return record.deadlines
    .map((d) => ({ kind: d.kind, label: DEADLINE_LABELS[d.kind], startAt: d.startAt, dueAt: d.dueAt, warning: d.warning, provisional: d.provisional }))
    .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
}

function labels(record: CaseRecord) {
  return {
    statusLabel: STATUS_LABELS[record.status],
    tierLabel: TIER_LABELS[record.tier],
    categoryLabel: CATEGORY_LABELS[record.category as Category] ?? null,
    outcomeLabel: record.outcome ? OUTCOME_LABELS[record.outcome] : null,
  };
}

export interface ViewOptions {
  /** override the policy's decision (the one who just typed the data in sees it back) */
  personalData?: boolean;
  /** 倒查: the related cases the viewer may read (relatedCasesFor) */
  related?: RelatedCaseView[];
}

/** The case's events in order: its sessions, opinions, invitations and investigations are read from
 * them (workflows/case-lists.ts; issue 17 §2). */
export type CaseHistory = readonly EventRecord[];

/** caseView with the history loaded. */
export async function caseViewOf(services: Services, record: CaseRecord, viewer: UserRecord, opts: ViewOptions = {}) {
  return caseView(services, record, viewer, { ...opts, history: await services.store.events.list(record.id) });
}

/** 倒查: earlier cases this one repeats and later ones that repeat it — only those the viewer may read
 * (a list never reveals a case outside the caller's jurisdiction). */
export async function relatedCasesFor(services: Services, record: CaseRecord, viewer: Viewer): Promise<RelatedCaseView[]> {
  const org = services.directory;
  const related = await relatedCasesOf(services.store, record.id);
  const readable = await Promise.all(
    related.map(async (r) => {
      const other = await services.store.cases.get(r.id);
      return other !== null && canReadCase(viewer, other, org);
    }),
  );
  return related.filter((_, i) => readable[i]);
}

/** The case in a list: enough to choose it, masked per viewer. */
export function caseListItem(services: Services, record: CaseRecord, viewer: Viewer, opts: ViewOptions = {}) {
  const { directory } = services;
  const visible = opts.personalData ?? canSeePersonalData(viewer, record, directory);
  const ctx = record.snapshot.context;
  const compound = directory.unit(record.compoundId);
  return {
    id: record.id,
    caseNo: record.caseNo,
    /** 原编号: the numbers of the bodies that held the case before the one that accepted it last */
    formerCaseNos: record.formerCaseNos ?? [],
    status: record.status,
    phase: record.phase,
    tier: record.tier,
    outcome: record.outcome,
    category: record.category,
    channel: record.channel,
    ...labels(record),
    compound: { id: record.compoundId, name: compound?.name ?? record.compoundId },
    body: bodyRef(directory.body(record.bodyId), record.bodyId),
    summary: visible ? record.summary : maskedText(record.summary),
    parties: viewParties(ctx.parties, visible).map((p) => ({ id: p.id, role: p.role, kind: p.kind, name: p.name, phone: p.phone })),
    assignees: record.assignees.map((a) => nameRef(directory, a)),
    deadlines: deadlinesOf(record),
    warning: record.warning,
    overdue: record.overdue,
    flags: ctx.flags,
    version: record.version,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** What an event's answer carries when the client asks for the minimal return (Prefer: return=minimal):
 * the case's state and version and what the caller may send next; the whole view stays at GET
 * /api/cases/:id (API.md: at least id, caseNo, status, phase, tier, version, availableEvents). */
export function caseSummary(services: Services, record: CaseRecord, viewer: UserRecord) {
  const { directory, engine } = services;
  return {
    id: record.id,
    caseNo: record.caseNo,
    formerCaseNos: record.formerCaseNos ?? [],
    status: record.status,
    phase: record.phase,
    tier: record.tier,
    outcome: record.outcome,
    warning: record.warning,
    overdue: record.overdue,
    version: record.version,
    updatedAt: record.updatedAt,
    availableEvents: canReadCase(viewer, record, directory) ? engine.availableEvents(record, actorOf(viewer, directory)) : [],
  };
}

/** The whole case for a staff viewer (GET /api/cases/:id and every answer that changes a case). */
export function caseView(services: Services, record: CaseRecord, viewer: UserRecord, opts: ViewOptions & { history: CaseHistory }) {
  const { directory, engine } = services;
  const org = directory;
  const visible = opts.personalData ?? canSeePersonalData(viewer, record, org);
  const text = (s: string | null | undefined) => (s == null ? s : visible ? s : maskedText(s));
  const ctx: CaseContext = record.snapshot.context;
  const readable = canReadCase(viewer, record, org);
  const lists = caseLists(record.workflowVersion, ctx, opts.history);
  const agreement = ctx.agreement && {
    draftNo: ctx.agreement.draftNo,
    draftedAt: ctx.agreement.draftedAt,
    draft: ctx.agreement.effectiveAt === null,
    clauses: ctx.agreement.clauses.map((c) => ({ ...c, text: text(c.text) })),
    performBy: ctx.agreement.performBy,
    decidesOwnership: ctx.agreement.decidesOwnership,
    facts: text(ctx.agreement.facts),
    disputePoints: text(ctx.agreement.disputePoints),
    responsibilities: text(ctx.agreement.responsibilities),
    amount: ctx.agreement.amount,
    signedBy: ctx.agreement.signedBy,
    effectiveAt: ctx.agreement.effectiveAt,
  };
  const referral = ctx.referral && {
    ...ctx.referral,
    reason: text(ctx.referral.reason),
    fromBody: bodyRef(directory.body(ctx.referral.fromBodyId), ctx.referral.fromBodyId),
  };
  return {
    ...caseListItem(services, record, viewer, { personalData: visible }),
    workflowVersion: record.workflowVersion,
    channelLabel: CHANNEL_LABELS[record.channel as Channel] ?? null,
    summary: text(record.summary),
    claims: ctx.claims.map((c) => text(c)),
    householdsInvolved: ctx.householdsInvolved,
    parties: viewParties(ctx.parties, visible),
    court: record.courtId ? bodyRef(directory.body(record.courtId), record.courtId) : null,
    experts: ctx.experts.map((e) => nameRef(directory, e)),
    opinions: lists.opinions.map((o) => ({ expert: nameRef(directory, o.expertId), text: text(o.text), at: o.at })),
    recusals: ctx.recusals.map((r) => ({
      mediator: nameRef(directory, r.mediatorId),
      reason: text(r.reason),
      at: r.at,
      // 2026.3 (人民调解法 art. 23): who asked (a party's id, or the mediator's own) and who decided
      ...(r.requestedBy ? { requestedBy: r.requestedBy } : {}),
      ...(r.decidedBy ? { decidedBy: nameRef(directory, r.decidedBy) } : {}),
      ...(r.basis ? { basis: r.basis } : {}),
    })),
    conflictOverrides: ctx.conflictOverrides,
    sessions: lists.sessions.map((s) => ({ ...s, place: text(s.place), summary: text(s.summary) })),
    agreement,
    confirmation: ctx.confirmation && { ...ctx.confirmation, ruling: text(ctx.confirmation.ruling) },
    followUps: ctx.followUps.map((f) => ({ ...f, by: nameRef(directory, f.by), note: text(f.note) })),
    delegation: ctx.delegation,
    referral,
    escalations: ctx.escalations.map((e) => ({ ...e, reason: text(e.reason) })),
    extensions: ctx.extensions.map((e) => ({ ...e, reason: text(e.reason) })),
    failure: ctx.failure && { ...ctx.failure, reason: text(ctx.failure.reason) },
    acceptedAt: ctx.acceptedAt,
    closedAt: record.closedAt,
    reopenCount: ctx.reopenCount,
    availableEvents: readable ? engine.availableEvents(record, actorOf(viewer, directory)) : [],
    /** 倒查: same compound and (same category or same party) within the window */
    relatedCases: opts.related ?? [],
    // ── workflow 2026.3 (issue 12 §§3–5) ──
    /** warnings that refuse nothing: a mediator living in the compound, too few mediators on a major
     * dispute (setting routing.majorMinMediators), an agreement that needs the 业主大会 (民法典 art. 278) */
    cautions: cautionsOf(record.workflowVersion, record.snapshot, { majorMinMediators: services.settings.routing.majorMinMediators }),
    /** invited to take part (人民调解法 art. 20), with the parties who consented */
    participants: lists.participants.map((x) => ({ ...x, ...(x.userId ? { user: nameRef(directory, x.userId) } : {}) })),
    /** 调查核实 records */
    investigations: lists.investigations.map((x) => ({ ...x, whom: text(x.whom), what: text(x.what), findings: text(x.findings) })),
    assemblyDecision: ctx.assemblyDecision ? { ...ctx.assemblyDecision, summary: text(ctx.assemblyDecision.summary) } : null,
  };
}

export type CaseView = ReturnType<typeof caseView>;

// ── history ────────────────────────────────────────────────────────────────────────────────────

/** The ids of the cases a history's REGISTER event names as related (倒查) that the viewer may read. */
export async function readableRelatedIds(services: Services, events: readonly EventRecord[], viewer: Viewer): Promise<Set<string>> {
  const ids = events.flatMap((e) => relatedRefsOf(e).map((r) => r.id));
  const readable = await Promise.all(
    ids.map(async (id) => {
      const other = await services.store.cases.get(id);
      return other !== null && canReadCase(viewer, other, services.directory);
    }),
  );
  return new Set(ids.filter((_, i) => readable[i]));
}

const relatedRefsOf = (e: EventRecord): Array<{ id: string }> => {
  const related = (e.data as { relatedCases?: unknown } | null)?.relatedCases;
  return Array.isArray(related) ? (related as Array<{ id: string }>).filter((r) => r && typeof r.id === 'string') : [];
};

/** Every event in order; event data masked for viewers who may not see personal data; a REGISTER's
 * related cases (倒查) only those in `relatedReadable` — none outside the viewer's jurisdiction
 * (issue 15 §3). */
export function historyView(events: EventRecord[], opts: { personalData: boolean; clientAddress: boolean; relatedReadable?: ReadonlySet<string> }) {
  const readable = opts.relatedReadable ?? new Set<string>();
  const shown = (e: EventRecord): EventRecord =>
    relatedRefsOf(e).length ? { ...e, data: { ...(e.data as object), relatedCases: relatedRefsOf(e).filter((r) => readable.has(r.id)) } } : e;
  return events.map(shown).map((e) => ({
    seq: e.seq,
    type: e.type,
    label: EVENT_LABELS[e.type as EventType] ?? null,
    at: e.at,
    actor: { id: e.actor.id, username: e.actor.username, role: e.actor.role, ...(e.actor.name ? { name: e.actor.name } : {}) },
    data: opts.personalData ? e.data : maskDeep(e.data),
    ...(opts.clientAddress ? { clientIp: e.clientIp ?? null } : {}),
    hash: e.hash,
  }));
}

