// The invariant decide() (workflows/registry.ts) relies on: xstate hands back the very same snapshot,
// with no actions, when no transition is enabled, and every transition of ours assigns or emits. So
// decide() accepts exactly the events xstate finds a transition for, and a refused event leaves the
// snapshot exactly as it was (no assign ran, nothing was emitted).
import { expect } from 'chai';
import { transition } from 'xstate';
import type { Actor, CaseEvent, EventData, EventFacts, IntakeInput } from '../../workflows/case.types.ts';
import { decide, machineFor, start, stateName, type PersistedSnapshot } from '../../workflows/registry.ts';
import { intake as fixture } from '../support/workflow.ts';
import { SYSTEM_EVENT_TYPES, USER_EVENT_TYPES, type EventType } from '../../workflows/vocabulary.ts';

const AT = '2026-11-24T10:00:00+08:00';
const holder: Actor = { id: 'm1', username: 'm1', role: 'mediator', bodyId: 'b-room' };
const actors: Actor[] = [
  holder,
  { id: 'm9', username: 'm9', role: 'mediator', bodyId: 'b-other' },
  { id: 'cl', username: 'court.liaison', role: 'court_liaison', bodyId: 'b-court' },
  { id: 'ex', username: 'expert', role: 'expert', bodyId: null },
  { id: 'ad', username: 'admin', role: 'admin', bodyId: null },
  { id: 'system', username: 'system', role: 'system' },
];

const intake = fixture();

/** a well-formed payload for each event type (the schema's minimum) */
const DATA: { [K in EventType]: EventData[K] } = {
  REGISTER: {
    channel: 'walk_in',
    compoundId: 'k1',
    category: 'leakage',
    summary: '漏水',
    parties: intake.parties,
    householdsInvolved: 1,
    tier: 'community',
    bodyId: 'b-room',
    flags: intake.flags,
    workflowVersion: '2026.2',
  },
  ACCEPT: { consents: [{ partyId: 'p1', how: 'written' }, { partyId: 'p2', how: 'oral' }], rightsNotified: true },
  DECLINE: { ground: 'before_court', reason: '已起诉' },
  ASSIGN: { mediatorIds: ['m1'] },
  REQUEST_RECUSAL: { mediatorId: 'm1', reason: '亲属' },
  INVITE_EXPERT: { expertId: 'ex' },
  ADD_OPINION: { text: '意见' },
  SCHEDULE_SESSION: { at: '2026-11-30T09:30:00+08:00', place: '调解室' },
  RECORD_SESSION: { summary: '双方陈述' },
  EXTEND_DEADLINE: { days: 15, reason: '双方同意', consentOf: ['p1', 'p2'] },
  REACH_AGREEMENT: { terms: ['修复漏水'], performBy: '2026-12-10', facts: '漏水', disputes: '责任', responsibilities: '物业' },
  SIGN_AGREEMENT: { signedBy: ['p1', 'p2'] },
  MEDIATION_FAILED: { reason: '分歧大' },
  ESCALATE: { reason: '上报' },
  REFER_TO_COURT: { reason: '移送' },
  TERMINATE: { reason: '终止' },
  WITHDRAW: { reason: '撤回' },
  COURT_ACCEPT: { courtCaseNo: '(2026)沪0101民初1号' },
  COURT_RETURN: { reason: '退回' },
  REQUEST_CONFIRMATION: {},
  CONFIRMATION_RESULT: { confirmed: true },
  RECORD_FOLLOW_UP: { performance: 'partial', satisfaction: 3 },
  CLOSE: {},
  REOPEN: { reason: '未履行' },
  TRANSFER: { toTier: 'district', reason: '重大' },
  FLAG_RISK: { level: 'high', reason: '可能激化', reportedTo: '派出所' },
  COURT_SETTLEMENT: { result: 'mediation_statement' },
  INVITE_PARTICIPANT: { kind: 'unit', unit: '房管办', consentOf: ['p1', 'p2'] },
  RECORD_INVESTIGATION: { whom: '物业工程部', what: '查看管道', findings: '立管破裂' },
  RECORD_ASSEMBLY_DECISION: { date: '2026-11-20', summary: '业主大会表决通过' },
  DEADLINE_WARNING: { kind: 'mediation', level: 'yellow', dueAt: '2026-12-24T23:59:59.999+08:00' },
  DEADLINE_EXPIRED: { kind: 'mediation', dueAt: '2026-12-24T23:59:59.999+08:00' },
  DEADLINES_RECALCULATED: {},
  ACCESS_CODE_REISSUED: {},
};

/** facts the engine would supply, both ways: conditions met, and conditions not met */
const FACTS: EventFacts[] = [
  { mediatorsValid: true, conflicts: [], expertExists: true, extension: { kind: 'mediation', running: true, maxDays: 30 } },
  { mediatorsValid: false, conflicts: [{ mediatorId: 'm1', reason: '调解员居住在本小区' }], expertExists: false, extension: { kind: 'mediation', running: false } },
];

const event = (type: EventType, actor: Actor, facts?: EventFacts) => ({ type, data: DATA[type], actor, at: AT, facts }) as CaseEvent;

/** Case snapshots in every state of both published versions, reached through the holding mediator. */
function snapshots(): Array<{ version: string; label: string; snapshot: PersistedSnapshot }> {
  const out: Array<{ version: string; label: string; snapshot: PersistedSnapshot }> = [];
  const walk = (name: string, version: string, input: IntakeInput, path: Array<[EventType, Actor?]>, by = holder) => {
    let snapshot = start(input, version).snapshot;
    out.push({ version, label: `${name}: ${stateName(snapshot.value)}`, snapshot });
    for (const [type, actor] of path) {
      const r = decide(version, snapshot, event(type, actor ?? by, FACTS[0]));
      if (!r.ok) throw new Error(`${type} refused (${r.why}) while building the fixtures`);
      snapshot = r.snapshot;
      out.push({ version, label: `${name}: ${stateName(snapshot.value)} after ${type}`, snapshot });
    }
  };
  const court = actors[2];
  walk('the long way', '2026.2', intake, [['INVITE_EXPERT'], ['ACCEPT'], ['ASSIGN'], ['SCHEDULE_SESSION'], ['MEDIATION_FAILED'], ['REACH_AGREEMENT'], ['SIGN_AGREEMENT'], ['RECORD_FOLLOW_UP'], ['REQUEST_CONFIRMATION'], ['CONFIRMATION_RESULT', court], ['REOPEN'], ['REFER_TO_COURT'], ['COURT_RETURN', court]]);
  walk('declined', '2026.2', intake, [['DECLINE'], ['CLOSE']]);
  walk('resolved', '2026.2', intake, [['ACCEPT'], ['REACH_AGREEMENT'], ['SIGN_AGREEMENT'], ['RECORD_FOLLOW_UP'], ['CLOSE']]);
  walk('court-delegated', '2026.2', { ...intake, tier: 'district', delegation: { courtRef: '委派1号', dueAt: '2026-12-20', mode: 'delegated' } }, [['ACCEPT'], ['MEDIATION_FAILED'], ['COURT_ACCEPT', court]], { ...holder, bodyId: 'b-committee' });
  walk('with investigation', '2026.1', intake, [['ACCEPT'], ['ASSIGN'], ['SCHEDULE_SESSION']]);
  const entrusted = { ...intake, tier: 'district' as const, delegation: { courtRef: '委托1号', dueAt: '', mode: 'entrusted' as const } };
  walk('2026.3 the long way', '2026.3', intake, [['FLAG_RISK'], ['ACCEPT', { ...holder, bodyId: 'b-committee' }]]);
  walk('2026.3 in mediation', '2026.3', intake, [['ACCEPT'], ['EXTEND_DEADLINE'], ['REACH_AGREEMENT'], ['SIGN_AGREEMENT'], ['RECORD_FOLLOW_UP'], ['REQUEST_CONFIRMATION'], ['CONFIRMATION_RESULT', court], ['REOPEN'], ['TERMINATE'], ['REOPEN']]);
  walk('2026.3 declined', '2026.3', intake, [['DECLINE'], ['REOPEN'], ['TRANSFER']]);
  walk('2026.3 entrusted', '2026.3', entrusted, [['ACCEPT'], ['REACH_AGREEMENT'], ['SIGN_AGREEMENT'], ['COURT_SETTLEMENT', court]], { ...holder, bodyId: 'b-committee' });
  walk('2026.3 delegated, withdrawn', '2026.3', { ...entrusted, delegation: { ...entrusted.delegation, mode: 'delegated' } }, [['WITHDRAW'], ['COURT_RETURN', court]], { ...holder, bodyId: 'b-committee' });
  return out;
}

describe('decide(): refuses exactly what the machine has no transition for, and a refusal leaves no trace', () => {
  const cases = snapshots();

  it('covers every state of the machine', () => {
    const states = new Set(cases.map((c) => stateName(c.snapshot.value)));
    expect([...states].sort()).to.deep.equal(
      ['agreementPending', 'awaitingAcceptance', 'closed', 'confirmationPending', 'declined', 'investigating', 'mediating', 'performing', 'referredToCourt', 'submittedToCourt'],
    );
  });

  for (const { version, label, snapshot } of cases) {
    it(`holds in ${label} (${version})`, () => {
      const machine = machineFor(version);
      let refused = 0;
      let accepted = 0;
      for (const type of [...USER_EVENT_TYPES, ...SYSTEM_EVENT_TYPES.filter((t) => t !== 'REGISTER')]) {
        for (const actor of actors) {
          for (const facts of FACTS) {
            const before = structuredClone(snapshot);
            const e = event(type, actor, facts);
            const r = decide(version, snapshot, e);
            expect(snapshot, 'decide() must not touch its input').to.deep.equal(before);
            const restored = machine.resolveState({ value: snapshot.value as never, context: snapshot.context });
            expect(r.ok, `${type} by ${actor.username}: decide() and xstate disagree`).to.equal(restored.can(e as never));
            if (r.ok) {
              accepted++;
            } else {
              refused++;
              // what xstate itself makes of the refused event: the same state and context, to the letter
              const [next, actions] = transition(machine, restored, e as never);
              expect({ value: next.value, context: next.context }, `${type} by ${actor.username}`).to.deep.equal(before);
              expect(actions, `${type} by ${actor.username}`).to.deep.equal([]);
            }
          }
        }
      }
      expect(refused, 'some events are refused here').to.be.greaterThan(0);
      expect(accepted, 'some events are accepted here (DEADLINES_RECALCULATED at least)').to.be.greaterThan(0);
    });
  }
});
