// Snapshots persisted before issue 17 carry the growing lists (sessions, opinions, invitations,
// investigations) in the workflow's context. Such snapshots of every workflow version must still load,
// decide the same and show the same lists; the first event on one writes the compact form. The
// recordings (test/workflows/fixtures/old-snapshots.json) were made by the code from before the change
// (`OLD_SNAPSHOTS_RECORD=1` records them again: only ever from code known to be right).
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Actor, CaseEvent, EventFacts } from '../../workflows/case.types.ts';
import { availableEvents, decide, phaseOf, start, statusOf, type PersistedSnapshot } from '../../workflows/registry.ts';
import * as registry from '../../workflows/registry.ts';
import { expert, intake, med } from '../support/workflow.ts';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'old-snapshots.json');
const LISTS = ['sessions', 'opinions', 'participants', 'investigations'] as const;

type Step = { type: string; data: Record<string, unknown>; actor: Actor; facts?: EventFacts };
const ASSIGN_FACTS: EventFacts = { mediatorsValid: true, conflicts: [] };
const INVITE_FACTS: EventFacts = { expertExists: true };
const acceptAll = { consents: [{ partyId: 'p1', how: 'written' }, { partyId: 'p2', how: 'oral' }], rightsNotified: true };

/** what each version's case went through before it was persisted */
const BEFORE: Record<string, Step[]> = {
  '2026.1': [
    { type: 'INVITE_EXPERT', data: { expertId: 'ex' }, actor: med(), facts: INVITE_FACTS },
    { type: 'ACCEPT', data: {}, actor: med() },
    { type: 'ADD_OPINION', data: { text: '建议修复' }, actor: expert },
    { type: 'ASSIGN', data: { mediatorIds: ['m2'] }, actor: med(), facts: ASSIGN_FACTS },
    { type: 'SCHEDULE_SESSION', data: { at: '2026-11-30T14:00:00+08:00', place: '调解室' }, actor: med() },
    { type: 'RECORD_SESSION', data: { summary: '第一次' }, actor: med() },
    { type: 'RECORD_SESSION', data: { summary: '第二次（未排期）' }, actor: med() },
    { type: 'SCHEDULE_SESSION', data: { at: '2026-12-03T14:00:00+08:00', place: '会所' }, actor: med() },
  ],
  '2026.2': [
    { type: 'ACCEPT', data: {}, actor: med() },
    { type: 'INVITE_EXPERT', data: { expertId: 'ex' }, actor: med(), facts: INVITE_FACTS },
    { type: 'ADD_OPINION', data: { text: '意见一' }, actor: expert },
    { type: 'SCHEDULE_SESSION', data: { at: '2026-11-30T14:00:00+08:00', place: '调解室' }, actor: med() },
    { type: 'SCHEDULE_SESSION', data: { at: '2026-12-01T14:00:00+08:00', place: '会所' }, actor: med() },
    { type: 'RECORD_SESSION', data: { summary: '第一次' }, actor: med() },
    { type: 'ADD_OPINION', data: { text: '意见二' }, actor: expert },
  ],
  '2026.3': [
    { type: 'ACCEPT', data: acceptAll, actor: med() },
    { type: 'INVITE_EXPERT', data: { expertId: 'ex', consentOf: ['p1', 'p2'] }, actor: med(), facts: INVITE_FACTS },
    { type: 'INVITE_PARTICIPANT', data: { kind: 'neighbour', name: '邻居赵某', consentOf: ['p1', 'p2'] }, actor: med() },
    { type: 'ADD_OPINION', data: { text: '意见一' }, actor: expert },
    { type: 'RECORD_INVESTIGATION', data: { whom: '物业', what: '管道', findings: '老化' }, actor: med() },
    { type: 'SCHEDULE_SESSION', data: { at: '2026-11-30T14:00:00+08:00', place: '调解室' }, actor: med() },
    { type: 'RECORD_SESSION', data: { summary: '第一次', attendees: [{ partyId: 'p1', name: '张三' }], recorder: '李书记员' }, actor: med() },
    { type: 'ASSIGN', data: { mediatorIds: ['m2'] }, actor: med(), facts: ASSIGN_FACTS },
    { type: 'RECORD_SESSION', data: { summary: '第二次', mediatorIds: ['m2'] }, actor: med() },
    { type: 'REQUEST_RECUSAL', data: { mediatorId: 'm1', reason: '亲属', requestedBy: 'p2' }, actor: med() },
    { type: 'RECORD_SESSION', data: { summary: '第三次' }, actor: med() },
    { type: 'SCHEDULE_SESSION', data: { at: '2026-12-05T14:00:00+08:00', place: '会所' }, actor: med() },
  ],
};

/** what is sent to the persisted snapshot afterwards */
const AFTER: Step[] = [
  { type: 'RECORD_SESSION', data: { summary: '续：现场查看' }, actor: med() },
  { type: 'ADD_OPINION', data: { text: '补充意见' }, actor: expert },
  { type: 'SCHEDULE_SESSION', data: { at: '2026-12-20T09:00:00+08:00', place: '街道' }, actor: med() },
  { type: 'RECORD_SESSION', data: { summary: '再续', attendees: [{ partyId: 'p2', name: '物业经理' }] }, actor: med() },
  { type: 'ESCALATE', data: { reason: '需上级调解' }, actor: med() },
];

const atOf = (i: number) => new Date(Date.parse('2026-11-24T09:00:00+08:00') + i * 3_600_000).toISOString().replace('Z', '+00:00');
const event = (s: Step, i: number): CaseEvent => ({ ...s, at: atOf(i) }) as CaseEvent;
const asHistory = (events: CaseEvent[]) => events.map((e, i) => ({ seq: i + 2, type: e.type, at: e.at, actor: e.actor, data: e.data }));

interface Recorded {
  version: string;
  /** the snapshot as persisted before issue 17 */
  snapshot: PersistedSnapshot;
  /** its events after REGISTER (the history the lists come from) */
  history: ReturnType<typeof asHistory>;
  /** what the code before the change decided for each AFTER event, and the lists it then showed */
  after: Array<{ ok: boolean; status: string; phase: string; value: unknown; available: string[]; lists: Record<string, unknown> }>;
}

function record(): Recorded[] {
  return Object.entries(BEFORE).map(([version, steps]) => {
    let snapshot = start(intake(), version).snapshot;
    const events: CaseEvent[] = [];
    steps.forEach((s, i) => {
      const e = event(s, i);
      const d = decide(version, snapshot, e);
      if (!d.ok) throw new Error(`${version} ${s.type} refused while recording`);
      snapshot = d.snapshot;
      events.push(e);
    });
    const persisted = JSON.parse(JSON.stringify(snapshot)) as PersistedSnapshot;
    const after: Recorded['after'] = [];
    let s = snapshot;
    AFTER.forEach((step, k) => {
      const e = event(step, steps.length + k);
      const d = decide(version, s, e);
      if (d.ok) s = d.snapshot;
      const ctx = s.context as unknown as Record<string, unknown>;
      after.push({
        ok: d.ok,
        status: statusOf(s),
        phase: phaseOf(s),
        value: s.value,
        available: availableEvents(version, s, med(), e.at),
        lists: Object.fromEntries(LISTS.map((l) => [l, ctx[l] ?? []])),
      });
    });
    return { version, snapshot: persisted, history: asHistory(events), after };
  });
}

describe('workflows: snapshots persisted with the lists in the context (before issue 17)', () => {
  if (process.env.OLD_SNAPSHOTS_RECORD === '1') {
    it('records them', () => writeFileSync(FIXTURE, `${JSON.stringify(record(), null, 1)}\n`));
    return;
  }
  const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Recorded[];

  it('the recordings carry the lists in the context, for every version', () => {
    expect(recorded.map((r) => r.version)).to.deep.equal(['2026.1', '2026.2', '2026.3']);
    for (const r of recorded) expect((r.snapshot.context as unknown as Record<string, unknown[]>).sessions, r.version).to.have.length.above(1);
  });

  for (const version of ['2026.1', '2026.2', '2026.3']) {
    describe(version, () => {
      const r = () => recorded.find((x) => x.version === version)!;

      it('loads: status, phase and the events a mediator may send are what they were', () => {
        const snap = r().snapshot;
        expect(statusOf(snap)).to.equal('in_mediation');
        expect(phaseOf(snap)).to.equal('session_scheduled');
        const available = availableEvents(version, snap, med(), atOf(50));
        expect(available).to.include('RECORD_SESSION');
      });

      it('shows the lists it carries, and the history gives the same lists', () => {
        const { snapshot, history } = r();
        const ctx = snapshot.context as unknown as Record<string, unknown>;
        const fromSnapshot = registry.caseLists(version, snapshot.context, []);
        const fromHistory = registry.caseLists(version, registry.compactContext(snapshot.context), history);
        for (const l of LISTS) {
          expect(fromSnapshot[l], `${l} read from the old snapshot`).to.deep.equal(ctx[l] ?? []);
          expect(fromHistory[l], `${l} from the history`).to.deep.equal(ctx[l] ?? []);
        }
      });

      it('decides what follows as before; the new snapshots are compact and the lists come from the history', () => {
        const { snapshot, history, after } = r();
        let s = snapshot;
        const events = [...history];
        AFTER.forEach((step, k) => {
          const e = event(step, BEFORE[version].length + k);
          const d = decide(version, s, e);
          const want = after[k];
          expect(d.ok, `${step.type} allowed`).to.equal(want.ok);
          if (d.ok) {
            s = d.snapshot;
            events.push(...asHistory([e]).map((h) => ({ ...h, seq: events.length + 2 })));
          }
          expect(statusOf(s), step.type).to.equal(want.status);
          expect(phaseOf(s), step.type).to.equal(want.phase);
          expect(s.value).to.deep.equal(want.value);
          expect(availableEvents(version, s, med(), e.at)).to.deep.equal(want.available);
          const lists = registry.caseLists(version, s.context, events);
          for (const l of LISTS) expect(lists[l], `${l} after ${step.type}`).to.deep.equal(want.lists[l]);
          for (const l of LISTS) expect(s.context, `${l} left the snapshot`).not.to.have.property(l);
        });
      });
    });
  }
});
