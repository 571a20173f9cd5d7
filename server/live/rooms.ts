// Room names and the messages sent into them. A socket only ever joins rooms it is entitled to:
//   case:<caseId>    staff who subscribed (after the policy check)
//   track:<caseId>   the resident sockets of that case (their own case only)
//   body:<bodyId>    mediators of that mediation body: its queue (inbox:updated)
//   court:<bodyId>   court liaisons of that court: its referrals inbox (inbox:updated)
//   session:<id>, user:<userId>  every staff socket of a session and of a user (disconnectSession/User)
// Residents are kept apart from staff so that what they are sent can differ: it is rebuilt from a
// whitelist (server/cases/resident-view.ts forResident), so a field added to the staff payload never
// reaches a resident by accident.
import type { Status } from '../../workflows/vocabulary.ts';
import { caseUpdated, type CaseUpdated } from '../engine/case-updated.ts';
import type { CaseRecord, EventRecord, OutboxEntry } from '../store/port.ts';

export const caseRoom = (caseId: string) => `case:${caseId}`;
export const trackRoom = (caseId: string) => `track:${caseId}`;
export const bodyRoom = (bodyId: string) => `body:${bodyId}`;
export const courtRoom = (bodyId: string) => `court:${bodyId}`;
/** every socket of one staff session (id: the session's token hash) and of one user: for disconnecting them */
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;
export const userRoom = (userId: string) => `user:${userId}`;

export interface InboxUpdated {
  audience: 'body' | 'court';
  bodyId: string;
  reason: string;
  caseId: string;
  caseNo: string;
  status: Status;
}

/** What a missed event looks like when replayed (`resume`). */
export function replayed(record: CaseRecord, event: EventRecord): CaseUpdated {
  return { ...caseUpdated(record, event), replay: true };
}

export type Delivery =
  | { kind: 'case'; caseId: string; payload: CaseUpdated }
  | { kind: 'inbox'; room: string; payload: InboxUpdated }
  | { kind: 'unknown' };

/** Where one outbox entry goes. */
export function routeEntry(entry: OutboxEntry): Delivery {
  if (entry.topic === 'case:updated') {
    return { kind: 'case', caseId: entry.caseId, payload: entry.payload as CaseUpdated };
  }
  if (entry.topic === 'inbox:updated') {
    const p = entry.payload as InboxUpdated;
    if (!p || typeof p.bodyId !== 'string') return { kind: 'unknown' };
    if (p.audience === 'court') return { kind: 'inbox', room: courtRoom(p.bodyId), payload: p };
    if (p.audience === 'body') return { kind: 'inbox', room: bodyRoom(p.bodyId), payload: p };
  }
  return { kind: 'unknown' };
}

/** Events after which the people entitled to read a case may have changed (a new holding body,
 * the court, assignees, experts): staff subscriptions to it are checked again. */
export const HOLDER_CHANGING_EVENTS: ReadonlySet<string> = new Set([
  'ESCALATE',
  'REFER_TO_COURT',
  'COURT_ACCEPT',
  'COURT_RETURN',
  'MEDIATION_FAILED',
  'ASSIGN',
  'REQUEST_RECUSAL',
  'INVITE_EXPERT',
  'DECLINE',
  'REOPEN',
  // workflow 2026.3: both can hand the case to another body
  'TRANSFER',
  'FLAG_RISK',
]);
