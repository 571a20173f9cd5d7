// Fixtures for the pure workflow tests (test/workflows/): the bodies a case can pass through and a
// registration at the community room.
import { expect } from 'chai';
import type { Actor, CaseEvent, Command, IntakeInput } from '../../workflows/case.types.ts';
import { caseLists, CURRENT_VERSION, decide, start, statusOf, type PersistedSnapshot } from '../../workflows/registry.ts';
import type { HistoryEvent } from '../../workflows/case-lists.ts';
import type { EventType, Status } from '../../workflows/vocabulary.ts';

export const bodies = { community: 'b-room', subdistrict: 'b-centre', district: 'b-committee', court: 'b-court' };

/** A leakage case between a resident and the property company, registered at the community room. */
export function intake(over: Partial<IntakeInput> = {}): IntakeInput {
  return {
    caseId: 'c1',
    caseNo: '（2026）示范物调字第00001号',
    channel: 'walk_in',
    category: 'leakage',
    compoundId: 'k1',
    summary: '漏水',
    claims: [],
    householdsInvolved: 1,
    parties: [
      { id: 'p1', role: 'applicant', kind: 'person', name: '张三' },
      { id: 'p2', role: 'respondent', kind: 'organisation', name: '示范物业公司' },
    ],
    bodies,
    tier: 'community',
    flags: { major: false, specialised: false, escalationRisk: false, majorReasons: [] },
    delegation: null,
    at: '2026-11-23T09:00:00+08:00',
    ...over,
  };
}

export const med = (bodyId = 'b-room', id = 'm1'): Actor => ({ id, username: id, role: 'mediator', bodyId });
export const court: Actor = { id: 'cl', username: 'court.liaison', role: 'court_liaison', bodyId: 'b-court' };
export const expert: Actor = { id: 'ex', username: 'expert.law', role: 'expert', bodyId: null };
export const admin: Actor = { id: 'ad', username: 'admin', role: 'admin', bodyId: null };
export const system: Actor = { id: 'system', username: 'system', role: 'system' };

/** A small driver: sends events, remembering the snapshot and the commands of the last step. */
export class CaseDriver {
  snapshot: PersistedSnapshot;
  commands: Command[];
  /** the events allowed so far, as the history keeps them */
  history: HistoryEvent[] = [];
  constructor(
    input = intake(),
    readonly version = CURRENT_VERSION,
  ) {
    const s = start(input, version);
    this.snapshot = s.snapshot;
    this.commands = s.commands;
  }
  get status(): Status {
    return statusOf(this.snapshot);
  }
  get ctx() {
    return this.snapshot.context;
  }
  /** the sessions, opinions, invitations and investigations, read from the history as the views read them */
  get lists() {
    return caseLists(this.version, this.snapshot.context, this.history);
  }
  try(type: EventType, data: Record<string, unknown> = {}, actor: Actor = med(), facts?: CaseEvent['facts']) {
    // the driver sends any data, as a client might before validation; the machine must still decide
    return decide(this.version, this.snapshot, { type, data, actor, at: '2026-11-24T10:00:00+08:00', facts } as CaseEvent);
  }
  send(type: EventType, data: Record<string, unknown> = {}, actor: Actor = med(), facts?: CaseEvent['facts']): this {
    const r = this.try(type, data, actor, facts);
    if (!r.ok) throw new Error(`${type} refused (${r.why}) in ${r.status}`);
    this.snapshot = r.snapshot;
    this.commands = r.commands;
    this.history.push({ type, data, actor, at: '2026-11-24T10:00:00+08:00' });
    return this;
  }
  refuses(type: EventType, data: Record<string, unknown> = {}, actor: Actor = med(), facts?: CaseEvent['facts']) {
    const r = this.try(type, data, actor, facts);
    expect(r.ok, `${type} should be refused in ${this.status}`).to.equal(false);
    return r.ok ? null : r.why;
  }
}

/** ACCEPT's data on workflow 2026.3 (人民调解法 arts. 3, 17; 若干规定 art. 30): a consent from every
 * party and the rights notice given. Default: the two parties (p1, p2) the test harnesses register. */
export function acceptData(parties: ReadonlyArray<{ id: string }> = [{ id: 'p1' }, { id: 'p2' }]) {
  return { consents: parties.map((p) => ({ partyId: p.id, how: 'written' as const })), rightsNotified: true as const };
}

/** What a written agreement states besides its terms (人民调解法 art. 29): signing one without them
 * is refused on 2026.3 (AGREEMENT_INCOMPLETE). */
export const PARTICULARS = {
  facts: '楼上卫生间漏水，渗至楼下天花板',
  disputes: '漏水原因与维修、赔偿责任',
  responsibilities: '楼上住户承担维修及赔偿责任',
} as const;
