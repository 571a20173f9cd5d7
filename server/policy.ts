// THE policy: who may see and do what. Every read filter, every 403 and every decision to show or
// mask personal data comes from here, so jurisdiction is decided in one place.
// - mediator: cases held by their own body and by the bodies below it in the organisation tree
// - court liaison: the cases in their court's inbox (referrals, delegations, confirmation requests)
// - expert: only the cases they were invited onto
// - admin: everything
// Which events a reader may send on a case is the workflow's business (workflows/routing.ts).
import type { Party } from '../workflows/case.types.ts';
import type { Role } from '../workflows/vocabulary.ts';
import { maskedText, maskParty } from './privacy/mask.ts';
import type { Org } from './org.ts';
import type { CaseFilter, CaseRecord } from './store/port.ts';

/** Who is asking: a UserRecord or an engine Actor both fit. */
export interface Viewer {
  id: string;
  role: Role | 'system';
  bodyId?: string | null;
}

// ── endpoint capabilities (403 when the role may never use an endpoint) ────────────────────────────

export const CAPABILITIES = {
  /** read cases in one's jurisdiction, their history and documents */
  'cases:read': ['admin', 'mediator', 'court_liaison', 'expert'],
  /** register a case (intake) */
  'cases:intake': ['admin', 'mediator'],
  /** send events (which ones is decided per case and state: 422) */
  'cases:event': ['admin', 'mediator', 'court_liaison', 'expert'],
  /** issue documents on a case: every document is a mediation body's, under a 人民调解委员会's seal —
   * a court does not issue them (issue 14) */
  'documents:issue': ['admin', 'mediator'],
  /** read an issued document (the court reads the referral package and the agreements) */
  'documents:read': ['admin', 'mediator', 'court_liaison'],
  /** reissue a resident's access code (the holding body's mediators) */
  'cases:access-code': ['admin', 'mediator'],
  /** the court's inbox and delegations (委派调解) */
  'court:inbox': ['admin', 'court_liaison'],
  'court:delegate': ['admin', 'court_liaison'],
  /** statistics, ledger, company warnings: mediators within their jurisdiction */
  'oversight:read': ['admin', 'mediator'],
  'ledger:reconcile': ['admin', 'mediator'],
  /** users, organisation, settings, the test clock */
  admin: ['admin'],
  /** any signed-in user: /api/me, /api/org, logout */
  'self': ['admin', 'mediator', 'court_liaison', 'expert'],
} as const satisfies Record<string, readonly Role[]>;
export type Capability = keyof typeof CAPABILITIES;

export function mayUse(role: Role | 'system', capability: Capability): boolean {
  return role !== 'system' && (CAPABILITIES[capability] as readonly Role[]).includes(role);
}

/** The roles a route admits, for route definitions: `auth: rolesFor('court:inbox')`. */
export function rolesFor(capability: Capability): Role[] {
  return [...CAPABILITIES[capability]];
}

// ── jurisdiction ───────────────────────────────────────────────────────────────────────────────

/** The body itself and every mediation body whose unit lies below the body's unit (the tree walk
 * is the organisation's: server/org.ts). */
export function bodiesWithin(bodyId: string, org: Org): string[] {
  return org.bodiesWithin(bodyId);
}

/** The bodies a compound is served by (Directory.compoundChain(...).bodies). */
export interface CompoundBodies {
  community: string;
  court: string;
}

/**
 * Intake (登记): mediators register cases for compounds their body serves — its own area and the
 * areas below; administrators anywhere. The same rule for one case and for every row of a batch.
 */
export function mayRegisterIn(user: Viewer, bodies: CompoundBodies, org: Org): boolean {
  if (user.role === 'admin') return true;
  return !!user.bodyId && bodiesWithin(user.bodyId, org).includes(bodies.community);
}

/** 委派调解: a court liaison delegates cases in their own court's district only; administrators anywhere. */
export function mayDelegateIn(user: Viewer, bodies: CompoundBodies): boolean {
  if (user.role !== 'court_liaison') return true;
  return bodies.court === user.bodyId;
}

export type CaseScope = Pick<CaseFilter, 'bodyIds' | 'courtId' | 'expertId'>;

/** The jurisdiction part of a case list filter. `{}` = unrestricted; `{bodyIds: []}` = nothing. */
export function caseScope(user: Viewer, org: Org): CaseScope {
  switch (user.role) {
    case 'admin':
    case 'system':
      return {};
    case 'mediator':
      return { bodyIds: user.bodyId ? bodiesWithin(user.bodyId, org) : [] };
    case 'court_liaison':
      return user.bodyId ? { courtId: user.bodyId } : { bodyIds: [] };
    case 'expert':
      return { expertId: user.id };
    default:
      return { bodyIds: [] };
  }
}

type CaseFacts = Pick<CaseRecord, 'bodyId' | 'courtId' | 'courtInbox' | 'experts'> & {
  /** the workflow's context: who held the case before (escalations, transfers); absent in list rows */
  snapshot?: { context: Pick<CaseRecord['snapshot']['context'], 'bodies' | 'escalations' | 'transfers'> };
};

/** The case as the user's jurisdiction sees it: held by their body or one below, in their court's
 * inbox, invited onto, or any (administrators). */
function withinJurisdiction(user: Viewer, record: CaseFacts, org: Org): boolean {
  switch (user.role) {
    case 'admin':
    case 'system':
      return true;
    case 'mediator':
      return !!user.bodyId && bodiesWithin(user.bodyId, org).includes(record.bodyId);
    case 'court_liaison':
      return !!user.bodyId && record.courtInbox && record.courtId === user.bodyId;
    case 'expert':
      return record.experts.includes(user.id);
    default:
      return false;
  }
}

/** The bodies that held the case before it was escalated (上报) or transferred away from them. */
export function formerHolders(record: CaseFacts): string[] {
  const ctx = record.snapshot?.context;
  if (!ctx) return [];
  const moves = [...(ctx.escalations ?? []), ...(ctx.transfers ?? [])];
  const bodies = moves.map((m) => ctx.bodies[m.from as keyof typeof ctx.bodies]).filter((b): b is string => typeof b === 'string');
  return [...new Set(bodies)].filter((b) => b !== record.bodyId);
}

/**
 * Issue 14: the body that escalated a case keeps a read-only "已上报" view of it — its mediators read
 * the case (masked, as they no longer hold it) and may neither send events nor issue documents.
 */
export function readsAsFormerHolder(user: Viewer, record: CaseFacts, org: Org): boolean {
  if (user.role !== 'mediator' || !user.bodyId) return false;
  return !withinJurisdiction(user, record, org) && formerHolders(record).includes(user.bodyId);
}

/** May this user read the case at all? (No → answer 404, as if it did not exist.) */
export function canReadCase(user: Viewer, record: CaseFacts, org: Org): boolean {
  return withinJurisdiction(user, record, org) || readsAsFormerHolder(user, record, org);
}

/** May this user change the case (send events, issue documents, reissue the access code)? Readers
 * of an escalated case's "已上报" view may not. */
export function canActOnCase(user: Viewer, record: CaseFacts, org: Org): boolean {
  return withinJurisdiction(user, record, org);
}

/**
 * Full phone, ID number and address: staff with jurisdiction over the case (its mediators' bodies,
 * the court it is addressed to, administrators). An invited expert reads the case masked.
 */
export function canSeePersonalData(user: Viewer, record: CaseFacts, org: Org): boolean {
  if (user.role === 'expert') return false;
  return withinJurisdiction(user, record, org);
}

/**
 * Does a text search `q` find this case in what the viewer may see? A viewer who reads the case
 * masked is matched against the masked text only, so a search cannot recover masked digits one guess
 * at a time (issue 15 §3). `searchText` is the store's lower-cased search text of the case.
 */
export function matchesAsSeen(user: Viewer, record: CaseFacts & { searchText: string }, org: Org, q: string): boolean {
  if (canSeePersonalData(user, record, org)) return true; // the store matched it on the full text
  return maskedText(record.searchText).includes(q.toLowerCase());
}

/** Parties as this viewer may see them. */
export function viewParties<P extends Partial<Party>>(parties: readonly P[], visible: boolean): P[] {
  return parties.map((p) => (visible ? { ...p } : maskParty(p)));
}
