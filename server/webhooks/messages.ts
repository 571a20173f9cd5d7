// What a webhook says. The engine writes one `webhook:source` outbox entry with every event, in the
// same transaction as the event (so nothing is sent for a refused event and nothing is lost in a
// crash); the dispatcher turns it into messages, one per subscription and type.
//
// Masking (issue 15 §3, one rule): a webhook carries no personal data — no names, phones, ID numbers,
// addresses or free text a party wrote; only numbers, statuses, codes and the source's own work-order
// reference (`source {system, ref}`, which that system issued).
import { OUTCOME_LABELS, STATUS_LABELS, type Outcome, type Status } from '../../workflows/vocabulary.ts';
import type { CaseRecord, EventRecord } from '../store/port.ts';
import type { WebhookType } from './subscriptions.ts';

export const SOURCE_TOPIC = 'webhook:source';
export const deliveryTopic = (subscriptionId: string): string => `webhook:${subscriptionId}`;

/** The `webhook:source` payload: what the event did to the case, without personal data. */
export interface WebhookSource {
  caseId: string;
  caseNo: string;
  formerCaseNos: string[];
  seq: number;
  eventType: string;
  at: string;
  status: Status;
  previousStatus: Status | null;
  phase: string;
  tier: string;
  bodyId: string;
  outcome: Outcome | null;
  closedAt: string | null;
  source: { system: string; ref: string } | null;
}

export function webhookSource(prev: Pick<CaseRecord, 'status'> | null, record: CaseRecord, event: Pick<EventRecord, 'seq' | 'type' | 'at'>): WebhookSource {
  const source = record.source ?? record.oversight?.source;
  return {
    caseId: record.id,
    caseNo: record.caseNo,
    formerCaseNos: record.formerCaseNos ?? [],
    seq: event.seq,
    eventType: event.type,
    at: event.at,
    status: record.status,
    previousStatus: prev?.status ?? null,
    phase: record.phase,
    tier: record.tier,
    bodyId: record.bodyId,
    outcome: record.outcome ?? null,
    closedAt: record.closedAt ?? null,
    source: source ? { system: source.system, ref: source.ref } : null,
  };
}

/** The message types one event makes. */
export function typesOf(s: WebhookSource): WebhookType[] {
  const types: WebhookType[] = ['case.event'];
  if (s.previousStatus !== s.status) types.push('case.status_changed'); // a new case: null → registered
  if (s.status === 'referred_to_court' && s.previousStatus !== 'referred_to_court') types.push('case.referred_to_court');
  if (s.eventType === 'CONFIRMATION_RESULT') types.push('case.confirmation_result');
  const ended = (st: Status | null) => st === 'closed' || st === 'declined';
  if (ended(s.status) && !ended(s.previousStatus)) types.push('case.closed');
  return types;
}

/** A Standard Webhooks message body: `{type, timestamp, data}`. */
export interface WebhookMessage {
  type: WebhookType;
  timestamp: string;
  data: WebhookSource & {
    statusLabel: { zh: string; en: string };
    /** 办结反馈 (case.closed only) */
    report?: { outcome: Outcome | null; outcomeLabel: { zh: string; en: string } | null; closedAt: string };
  };
}

export function messageOf(type: WebhookType, s: WebhookSource): WebhookMessage {
  const data: WebhookMessage['data'] = { ...s, statusLabel: STATUS_LABELS[s.status] };
  if (type === 'case.closed') {
    data.report = { outcome: s.outcome, outcomeLabel: s.outcome ? OUTCOME_LABELS[s.outcome] : null, closedAt: s.closedAt ?? s.at };
  }
  return { type, timestamp: s.at, data };
}
