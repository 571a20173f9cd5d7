// Room names and the messages sent into them. A socket only ever joins rooms it is entitled to:
//   case:<caseId>    staff who subscribed (after the policy check)
//   track:<caseId>   the resident sockets of that case (their own case only)
//   body:<bodyId>    mediators of that mediation body: its queue (inbox:updated)
//   court:<bodyId>   court liaisons of that court: its referrals inbox (inbox:updated)
// Residents are kept apart from staff so that what they are sent can differ: it is rebuilt from a
// whitelist, so a field added to the staff payload never reaches a resident by accident.
import { STATUS_LABELS, type Status } from '../../workflows/vocabulary.ts';
import type { CaseRecord, EventRecord, OutboxEntry } from '../store/port.ts';

export const caseRoom = (caseId: string) => `case:${caseId}`;
export const trackRoom = (caseId: string) => `track:${caseId}`;
export const bodyRoom = (bodyId: string) => `body:${bodyId}`;
export const courtRoom = (bodyId: string) => `court:${bodyId}`;

/** `case:updated` as the engine's outbox writes it (engine.ts outboxFor) and as resume replays it. */
export interface CaseUpdated {
  id: string;
  caseNo: string;
  status: Status;
  phase: string;
  tier: string;
  version: number;
  event: { type: string; at: string };
  /** set on messages sent in answer to `resume` */
  replay?: true;
}

export interface ResidentCaseUpdated extends CaseUpdated {
  /** the status in plain words (API.md "Residents") */
  statusLabel: { zh: string; en: string } | null;
}

export interface InboxUpdated {
  audience: 'body' | 'court';
  bodyId: string;
  reason: string;
  caseId: string;
  caseNo: string;
  status: Status;
}

/** The current state sent on subscribe (ack) and to a resident on connect (`case:state`). */
export function caseState(record: CaseRecord) {
  return { id: record.id, caseNo: record.caseNo, status: record.status, phase: record.phase, tier: record.tier, version: record.version };
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

/** What a missed event looks like when replayed. The port keeps no status per event, so status,
 * phase and tier are the case's current values; version and event are those of the missed event. */
export function replayed(record: CaseRecord, event: EventRecord): CaseUpdated {
  return {
    id: record.id,
    caseNo: record.caseNo,
    status: record.status,
    phase: record.phase,
    tier: record.tier,
    version: event.seq,
    event: { type: event.type, at: event.at },
    replay: true,
  };
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
]);
