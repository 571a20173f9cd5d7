// Sending an event on a case (POST /api/cases/:id/events and the case page's forms): the case must
// be readable by the caller (else 404, as if it did not exist); the workflow decides whether the
// event applies now and whether it is the caller's to send (422 EVENT_NOT_ALLOWED); a stale
// expectedVersion is 409. The engine decides events on one case one after another.
import type { EventRequest, RequestMeta } from '../engine/engine.ts';
import type { Services } from '../services.ts';
import type { CaseRecord, UserRecord } from '../store/port.ts';
import { validateInput } from '../validation.ts';
import { actableCase, actorOf } from './access.ts';
import { assertClauses } from './clauses.ts';
import { eventBodyFor } from './schemas.ts';

/** An event as a client sends it: its `data` is the payload of its type (EventData), once readEvent has checked it. */
export type EventInput = EventRequest;

export function readEvent(input: unknown): EventInput {
  const body = input ?? {};
  return validateInput<EventInput>(eventBodyFor(body), body, 'body', false);
}

export async function sendEvent(services: Services, user: UserRecord, caseId: string, event: EventInput, meta: RequestMeta = {}): Promise<CaseRecord> {
  const record = await actableCase(services, user, caseId, event.type);
  // 422 INVALID_CLAUSE: the obligors are parties, the dates lie between today and the agreement's date
  if (event.type === 'REACH_AGREEMENT' && event.data) assertClauses(record.snapshot.context.parties, event.data, services.clock.now());
  // the record just read goes with the event: the engine does not load it a second time
  return services.engine.dispatch(record.id, event, actorOf(user, services.directory), meta, record);
}
