// Sending an event on a case (POST /api/cases/:id/events and the case page's forms): the case must
// be readable by the caller (else 404, as if it did not exist); the workflow decides whether the
// event applies now and whether it is the caller's to send (422 EVENT_NOT_ALLOWED); a stale
// expectedVersion is 409. The engine decides events on one case one after another.
import type { EventRequest, RequestMeta } from '../engine/engine.ts';
import { EventNotAllowed } from '../engine/errors.ts';
import type { Services } from '../services.ts';
import type { CaseRecord, UserRecord } from '../store/port.ts';
import { validateInput } from '../validation.ts';
import type { UserEventType } from '../../workflows/vocabulary.ts';
import { actorOf, readableCase } from './access.ts';
import { eventBody } from './schemas.ts';

export interface EventInput {
  type: UserEventType;
  data?: Record<string, unknown>;
  expectedVersion?: number;
}

export function readEvent(input: unknown): EventInput {
  return validateInput<EventInput>(eventBody, input ?? {}, 'body', false);
}

/** EXTEND_DEADLINE extends a running deadline; there must be one of that kind to extend. */
function checkExtension(record: CaseRecord, data: Record<string, unknown> | undefined): void {
  if (record.status !== 'in_mediation' && record.status !== 'agreement_pending') return; // the workflow answers
  const kind = (data?.kind as string | undefined) ?? (record.snapshot.context.delegation ? 'delegation' : 'mediation');
  if (!record.deadlines.some((d) => d.kind === kind)) {
    throw new EventNotAllowed('EXTEND_DEADLINE', `there is no running ${kind} deadline to extend`, { status: record.status, reason: 'condition', kind });
  }
}

export async function sendEvent(services: Services, user: UserRecord, caseId: string, event: EventInput, meta: RequestMeta = {}): Promise<CaseRecord> {
  const record = await readableCase(services, user, caseId);
  if (event.type === 'EXTEND_DEADLINE') checkExtension(record, event.data);
  const request: EventRequest = { type: event.type, data: event.data ?? {}, expectedVersion: event.expectedVersion };
  return services.engine.dispatch(record.id, request, actorOf(user, services.directory), meta);
}
