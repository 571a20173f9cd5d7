// The `case:updated` message (API.md "Live updates") as the engine writes it to the outbox with each
// commit and as the live layer replays it on `resume`. It carries no personal data; what a resident
// is sent is server/cases/resident-view.ts forResident.
import type { Status } from '../../workflows/vocabulary.ts';
import type { CaseRecord, EventRecord } from '../store/port.ts';

/** The current state: the ack of `subscribe`/`resume` and a resident's `case:state` on connect. */
export function caseState(record: Pick<CaseRecord, 'id' | 'caseNo' | 'status' | 'phase' | 'tier' | 'version'>) {
  return { id: record.id, caseNo: record.caseNo, status: record.status, phase: record.phase, tier: record.tier, version: record.version };
}

/** `case:updated` as the engine's outbox writes it and as `resume` replays it. It carries no personal
 * data: residents are sent it too (through forResident). */
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

/** The message for one event of a case: version and event are the event's; status, phase and tier
 * are the record's (after a commit, the event's own; on a replay, the case's current ones — the
 * port keeps no status per event). */
export function caseUpdated(record: Parameters<typeof caseState>[0], event: Pick<EventRecord, 'seq' | 'type' | 'at'>): CaseUpdated {
  return { ...caseState(record), version: event.seq, event: { type: event.type, at: event.at } };
}
