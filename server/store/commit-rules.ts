// What both adapters of the port (sqlite/, mongo/) check and build the same way, written once: the
// invariant a commit must satisfy before either writes anything, the error for a fired timer that
// another instance took first, and an oversight group from the sums of one GROUP BY row.
import { DomainError, ValidationFailed } from '../engine/errors.ts';
import type { OversightGroup } from './oversight-port.ts';
import { type Commit, type OutboxEntry, type OutboxLease, isLiveTopic } from './port.ts';

/** What makes seqs gap-free and records agree with their events; a failure is a caller's bug. */
export function checkCommit(c: Commit): void {
  const fail = (why: string) => {
    throw new ValidationFailed(why, { caseId: c?.caseId });
  };
  if (!c || !c.event || !c.record) fail('a commit needs an event and a record');
  if (!Number.isInteger(c.expectedVersion) || c.expectedVersion < 0) fail(`expectedVersion ${c.expectedVersion} is not a version`);
  if (c.event.caseId !== c.caseId || c.record.id !== c.caseId) fail(`event and record must belong to case ${c.caseId}`);
  if (c.event.seq !== c.expectedVersion + 1) fail(`event seq ${c.event.seq} must follow version ${c.expectedVersion}`);
  if (c.record.version !== c.event.seq) fail(`record version ${c.record.version} must equal event seq ${c.event.seq}`);
  if (c.outboxLease !== undefined) {
    const { owner, until } = c.outboxLease ?? {};
    if (typeof owner !== 'string' || !owner || typeof until !== 'string' || !Number.isFinite(Date.parse(until))) {
      fail('an outbox lease needs an owner and a time');
    }
  }
}

/** The lease an outbox entry of this commit is written with: the commit's, for the live lane only (the
 * webhook lane is the dispatcher's, never leased at commit). Both adapters write what this says. */
export const outboxLeaseOf = (c: Commit, o: OutboxEntry): OutboxLease | null => (c.outboxLease && isLiveTopic(o.topic) ? c.outboxLease : null);

/** The case's reference in another system (12345, grid) a commit makes unique: the projection's, or, on the
 * commit that creates the case, its REGISTER event's (the engine's commits carry no projection: issue 17). */
export function commitSource(c: Commit): { system: string; ref: string } | null {
  if (c.record.oversight?.source) return c.record.oversight.source;
  if (c.expectedVersion !== 0 || c.event.type !== 'REGISTER') return null;
  const s = (c.event.data as { source?: { system?: unknown; ref?: unknown } } | null)?.source;
  return s && typeof s.system === 'string' && typeof s.ref === 'string' ? { system: s.system, ref: s.ref } : null;
}

/** The commit fired a timer that is no longer pending (fired or cancelled meanwhile). */
export const timerGone = (c: Commit): DomainError =>
  new DomainError('TIMER_GONE', `timer ${c.firedTimerId} of case ${c.caseId} is no longer pending`, { timerId: c.firedTimerId });

/** An oversight group from one aggregated row: `key` holds the dimension values d0, d1…, `row` the
 * sums under the short names both adapters' queries use (cases, settled, within, cc…, s1..s5). */
export function oversightGroup(dims: readonly string[], key: Record<string, unknown>, row: Record<string, unknown>): OversightGroup {
  const n = (k: string) => Number(row[k] ?? 0);
  return {
    key: Object.fromEntries(dims.map((d, i) => [d, key[`d${i}`] ?? null])) as OversightGroup['key'],
    cases: n('cases'),
    settled: n('settled'),
    settledWithinSubdistrict: n('within'),
    failed: n('failed'),
    clausesChecked: n('cc'),
    clausesFull: n('cf'),
    clausesPartial: n('cp'),
    clausesNone: n('cn'),
    visits: n('visits'),
    satisfaction: [n('s1'), n('s2'), n('s3'), n('s4'), n('s5')],
    overdue: n('overdue'),
    red: n('red'),
    recurrences: n('rec'),
    agreementFen: n('fen'),
    agreementsWritten: n('written'),
    agreementsOral: n('oral'),
    people: n('people'),
    households: n('hh'),
    confirmationApplied: n('ca'),
    confirmed: n('conf'),
    confirmationRefused: n('cr'),
    preventsCriminal: n('pc'),
    preventsMass: n('pm'),
  };
}
