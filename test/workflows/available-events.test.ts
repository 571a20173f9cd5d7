// availableEvents tries only the event types some active state node has a transition for (issue 17:
// the summary every event answer carries). It must give exactly what asking the machine about every
// user event type gives: here both are compared in every state a seeded random walk reaches on each
// workflow version, for mediators of the holding body and of another, the court, an expert, an
// administrator, and the system.
import { expect } from 'chai';
import { availableEvents, compactContext, machineFor, WORKFLOWS, type PersistedSnapshot } from '../../workflows/registry.ts';
import { USER_EVENT_TYPES, type EventType } from '../../workflows/vocabulary.ts';
import type { Actor } from '../../workflows/case.types.ts';
import { acceptData, admin, CaseDriver, court, expert, intake, med, PARTICULARS, system } from '../support/workflow.ts';
import { rng as seeded } from '../support/rng.ts';

/** every user event type, each asked of the machine (what availableEvents did before issue 17) */
function everyTypeAsked(version: string, persisted: PersistedSnapshot, actor: Actor, at: string): EventType[] {
  const snapshot = machineFor(version).resolveState({ value: persisted.value as never, context: compactContext(persisted.context) });
  return USER_EVENT_TYPES.filter((type) => snapshot.can({ type, data: {}, actor, at, probe: 'data' } as never));
}

/** data that lets an event through where the workflow allows it */
const DATA: Partial<Record<EventType, Record<string, unknown>>> = {
  ACCEPT: acceptData(),
  DECLINE: { ground: 'not_civil', reason: '不属于民间纠纷' },
  ASSIGN: { mediatorIds: ['m1'] },
  SCHEDULE_SESSION: { at: '2026-11-30T09:00:00+08:00', place: '调解室' },
  RECORD_SESSION: { summary: '双方到场' },
  ADD_OPINION: { text: '意见' },
  EXTEND_DEADLINE: { days: 5, reason: '当事人出差', consentOf: ['p1', 'p2'] },
  REACH_AGREEMENT: { terms: ['修复漏水', { text: '赔偿2000元', obligors: ['p2'], performBy: '2026-12-05' }], performBy: '2026-12-10', ...PARTICULARS },
  SIGN_AGREEMENT: { signedBy: ['p1', '示范物业公司'] },
  MEDIATION_FAILED: { reason: '拒签' },
  ESCALATE: { reason: '复杂' },
  REFER_TO_COURT: { reason: '诉讼' },
  TERMINATE: { reason: '终止' },
  WITHDRAW: { reason: '撤回' },
  COURT_ACCEPT: { courtCaseNo: '（2026）示民初1号' },
  COURT_RETURN: { reason: '退回' },
  CONFIRMATION_RESULT: { confirmed: true },
  RECORD_FOLLOW_UP: { performance: 'full', satisfaction: 5 },
  REOPEN: { reason: '复发' },
  TRANSFER: { toTier: 'subdistrict', reason: '移交' },
  FLAG_RISK: { level: 'high', reason: '激化' },
  COURT_SETTLEMENT: { result: 'withdrawal' },
  RECORD_INVESTIGATION: { whom: '物业', what: '漏水', findings: '管道老化' },
};

describe('availableEvents: only the types an active state handles are tried, with the same answer', () => {
  const actors: Actor[] = [med(), med('b-other', 'm9'), court, expert, admin, system];
  for (const version of Object.keys(WORKFLOWS)) {
    it(`workflow ${version}: the same events in every state a random walk reaches, for every kind of actor`, () => {
      const rnd = seeded(17);
      const states = new Set<string>();
      let compared = 0;
      for (let walk = 0; walk < 60; walk++) {
        const c = new CaseDriver(intake(), version);
        for (let step = 0; step < 20; step++) {
          for (const actor of actors) {
            for (const at of ['2026-11-24T10:00:00+08:00', 'now']) {
              expect(availableEvents(version, c.snapshot, actor, at), `${JSON.stringify(c.snapshot.value)} ${actor.role}`).to.deep.equal(
                everyTypeAsked(version, c.snapshot, actor, at),
              );
              compared++;
            }
          }
          states.add(JSON.stringify(c.snapshot.value));
          const actor = rnd() < 0.6 ? actors[0] : actors[Math.floor(rnd() * actors.length)];
          const open = everyTypeAsked(version, c.snapshot, actor, 'now');
          if (!open.length) continue;
          // mostly events with data that lets them through, so that the walk goes on
          const withData = open.filter((t) => DATA[t]);
          const pool = withData.length && rnd() < 0.8 ? withData : open;
          const type = pool[Math.floor(rnd() * pool.length)];
          const r = c.try(type, DATA[type] ?? {}, actor);
          if (r.ok) c.send(type, DATA[type] ?? {}, actor);
        }
      }
      // the walks went beyond the first states
      expect(states.size, [...states].join(' ')).to.be.at.least(6);
      expect(compared).to.be.greaterThan(1000);
    });
  }
});
