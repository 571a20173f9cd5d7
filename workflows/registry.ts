// Published workflow versions. A case records the version it started on and keeps running on it;
// new cases start on CURRENT_VERSION. `migrationReport` tells, before anything changes, which
// running cases could move to a newer version.
import { createActor, initialTransition, type AnyActorScope } from 'xstate';
import { blockingFindings, createCaseMachine, refusalCode, STATUS_BY_STATE, type CaseMachine } from './case.machine.ts';
import { compactContext, listsOf, sessionTally, type CaseLists, type HistoryEvent } from './case-lists.ts';
import type { Actor, CaseContext, CaseEvent, Command, Conflict, IntakeInput } from './case.types.ts';
import { cautionsFor, type Caution, type CautionSettings } from './cautions.ts';
import { USER_EVENT_TYPES, type EventType, type Status } from './vocabulary.ts';

export const WORKFLOWS: Readonly<Record<string, CaseMachine>> = Object.freeze({
  // 2026.1: acceptance led to a separate investigation stage (调查核实) before the first session.
  '2026.1': createCaseMachine({ version: '2026.1', investigationStage: true }),
  // 2026.2: investigation happens inside mediation (offices work that way, API.md "Preconditions").
  '2026.2': createCaseMachine({ version: '2026.2', investigationStage: false }),
  // 2026.3 (issue 12): court returns, consent at acceptance, decline grounds, transfer and risk,
  // oral agreements, 委托 cases submitted to the court, extensions with consent and a cap.
  '2026.3': createCaseMachine({ version: '2026.3', investigationStage: false, legalPaths: true }),
});
export const CURRENT_VERSION = '2026.3';
/** versions whose refusals may carry an error code of their own (CONSENT_REQUIRED, AGREEMENT_INCOMPLETE) */
const LEGAL_PATHS = new Set(['2026.3']);

export interface PersistedSnapshot {
  value: unknown;
  context: CaseContext;
}

export function machineFor(version: string): CaseMachine {
  const machine = WORKFLOWS[version];
  if (!machine) throw new Error(`unknown workflow version ${version}`);
  return machine;
}

type Snapshot = ReturnType<CaseMachine['resolveState']>;
type Action = { type: string; params?: unknown };

/**
 * xstate's pure `transition(machine, snapshot, event)` builds a throw-away actor, and with it the
 * machine's initial state, on every call. The scope it builds does nothing but collect the actions,
 * so one scope per machine is kept and reused: same result, without the per-event construction.
 */
const scopes = new Map<CaseMachine, { scope: AnyActorScope; collected: Action[] }>();
function scopeFor(machine: CaseMachine) {
  let entry = scopes.get(machine);
  if (!entry) {
    const self = createActor(machine, { input: DUMMY_INPUT });
    const collected: Action[] = [];
    const scope = {
      self,
      id: '',
      sessionId: '',
      system: self.system,
      defer: () => {},
      emit: () => {},
      logger: () => {},
      stopChild: () => {},
      actionExecutor: (action: Action) => void collected.push(action),
    } as unknown as AnyActorScope;
    entry = { scope, collected };
    scopes.set(machine, entry);
  }
  return entry;
}

function transition(machine: CaseMachine, snapshot: Snapshot, event: CaseEvent): [Snapshot, Action[]] {
  const { scope, collected } = scopeFor(machine);
  collected.length = 0;
  const next = machine.transition(snapshot, event as never, scope) as Snapshot;
  return [next, collected.splice(0)];
}

const DUMMY_INPUT: IntakeInput = {
  caseId: '',
  caseNo: '',
  channel: 'walk_in',
  category: 'other',
  compoundId: '',
  summary: '',
  claims: [],
  householdsInvolved: 0,
  parties: [],
  bodies: { community: '', subdistrict: '', district: '', court: '' },
  tier: 'community',
  flags: { major: false, specialised: false, escalationRisk: false, majorReasons: [] },
  delegation: null,
  at: '2026-01-01T00:00:00+08:00',
};

/** A persisted snapshot, restored; one persisted before issue 17 is migrated on read (its lists
 * leave the context: workflows/case-lists.ts), so the next one persisted is compact. */
function restore(machine: CaseMachine, persisted: PersistedSnapshot): Snapshot {
  return machine.resolveState({ value: persisted.value as never, context: compactContext(persisted.context) });
}

export { compactContext };

/** The sessions, opinions, invitations and investigations of a case: read from its history (every
 * event, in order), or from a snapshot persisted before issue 17 that still carries them. */
export function caseLists(version: string, context: CaseContext, history: readonly HistoryEvent[]): CaseLists {
  return listsOf(LEGAL_PATHS.has(version), context, history);
}

function commandsOf(actions: Array<{ type: string; params?: unknown }>): Command[] {
  return actions
    .filter((a) => a.type === 'xstate.emit')
    .map((a) => (a.params as { event: Command }).event);
}

function persist(snapshot: Snapshot): PersistedSnapshot {
  // a copy with V8's fast properties: xstate's assign builds each new context with Object.assign, which
  // leaves a 37-member object in dictionary mode; the persisted context is the input of the case's next
  // event, and assigning from a dictionary-mode object (and stringifying it) is several times slower —
  // a case's next decision took 13 µs instead of 5 (issue 17; the spread costs well under a microsecond)
  return { value: snapshot.value, context: { ...snapshot.context } };
}

/** Starts a case: the first snapshot and the commands intake gives (deadlines, inbox notice). */
export function start(input: IntakeInput, version = CURRENT_VERSION) {
  const [snapshot, actions] = initialTransition(machineFor(version), input);
  return { snapshot: persist(snapshot), commands: commandsOf(actions as never), stateName: stateName(snapshot.value) };
}

export type Decision =
  | { ok: true; snapshot: PersistedSnapshot; commands: Command[] }
  | { ok: false; why: 'state' | 'refused' | 'condition'; status: Status; code?: 'CONSENT_REQUIRED' | 'AGREEMENT_INCOMPLETE' };

/** Applies one event to a persisted snapshot: the whole of the workflow's decision, without I/O. */
export function decide(version: string, persisted: PersistedSnapshot, event: CaseEvent): Decision {
  const machine = machineFor(version);
  const snapshot = restore(machine, persisted);
  const [next, actions] = transition(machine, snapshot, event);
  // xstate returns the very same snapshot, and no actions, when no transition was enabled (every
  // transition of ours changes the context or emits a command): then the event is refused
  if (next !== snapshot || actions.length > 0) return { ok: true, snapshot: persist(next), commands: commandsOf(actions as never) };
  const status = statusOf(persisted);
  if (!eventsHandledIn(snapshot).has(event.type)) return { ok: false, why: 'state', status };
  const senderMay = snapshot.can({ ...event, probe: 'actor' } as never);
  if (!senderMay) return { ok: false, why: 'refused', status };
  const code = LEGAL_PATHS.has(version) ? refusalCode(persisted.context, event) : undefined;
  return { ok: false, why: 'condition', status, ...(code ? { code } : {}) };
}

/** The mediators' findings that stop an ASSIGN (or, on 2026.3, an ACCEPT) until overridden: on 2026.3
 * kinship, employment and an earlier recusal (a shared compound is a warning); before, every finding. */
export function blockingConflicts(version: string, persisted: PersistedSnapshot, event: CaseEvent): Conflict[] {
  if (!LEGAL_PATHS.has(version)) return event.type === 'ASSIGN' ? (event.facts?.conflicts ?? []) : [];
  return event.type === 'ASSIGN' || event.type === 'ACCEPT' ? blockingFindings(persisted.context, event) : [];
}

/** 2026.3: the events that need a mediator on record (referral, termination, agreement, signature) */
const NEED_A_MEDIATOR = new Set<string>(['REFER_TO_COURT', 'TERMINATE', 'MEDIATION_FAILED', 'REACH_AGREEMENT', 'SIGN_AGREEMENT']);
/** Whether `type` may have been refused because no mediator is recorded on the case (issue 12 §4). */
export function lacksMediatorFor(version: string, persisted: PersistedSnapshot, type: string): boolean {
  return LEGAL_PATHS.has(version) && NEED_A_MEDIATOR.has(type) && persisted.context.assignees.length === 0;
}

/** Warnings shown on the case (workflows/cautions.ts): 2026.3 only; earlier versions show none. */
export function cautionsOf(version: string, persisted: PersistedSnapshot, settings: CautionSettings = {}): Caution[] {
  return LEGAL_PATHS.has(version) ? cautionsFor(persisted.context, settings) : [];
}

function eventsHandledIn(snapshot: Snapshot): Set<string> {
  const types = new Set<string>();
  for (const node of snapshot._nodes) for (const t of node.ownEvents) types.add(t);
  return types;
}

/** The events this actor could send now: derived from the machine's own guards, not a hand-kept list.
 * Only the types some active state node has a transition for are tried: for any other, xstate's
 * `can` finds no candidate transition and answers false (a wildcard key, which we do not use, would
 * make every type a candidate: then all are tried). */
export function availableEvents(version: string, persisted: PersistedSnapshot, actor: Actor, at: string): EventType[] {
  const machine = machineFor(version);
  const snapshot = restore(machine, persisted);
  const keys = transitionKeysIn(snapshot);
  const all = [...keys].some((k) => k.includes('*'));
  return USER_EVENT_TYPES.filter((type) => (all || keys.has(type)) && snapshot.can({ type, data: {}, actor, at, probe: 'data' } as never));
}

/** Every event descriptor the active state nodes have transitions for (inert ones included). */
function transitionKeysIn(snapshot: Snapshot): Set<string> {
  const keys = new Set<string>();
  for (const node of snapshot._nodes) for (const k of node.transitions.keys()) keys.add(k);
  return keys;
}

export function stateName(value: unknown): string {
  return typeof value === 'string' ? value : Object.keys(value as object)[0];
}

export function statusOf(persisted: PersistedSnapshot): Status {
  return STATUS_BY_STATE[stateName(persisted.value)];
}

/** `phase` refines the status with what a mediator would say the case is waiting for. */
export function phaseOf(persisted: PersistedSnapshot): string {
  const state = stateName(persisted.value);
  const c = persisted.context;
  if (state === 'mediating') {
    if (c.failure) return 'mediation_failed';
    const sessions = sessionTally(c);
    if (sessions.open > 0) return 'session_scheduled';
    if (sessions.count > 0) return 'in_session';
    return c.assignees.length > 0 ? 'investigating' : 'awaiting_assignment';
  }
  // 2026.3: what the mediator offers next after non-performance or a refused confirmation
  if (state === 'performing' && c.nextStep) return c.nextStep;
  if (state === 'performing') return c.followUps.length > 0 ? 'followed_up' : 'awaiting_follow_up';
  if (state === 'closed') return `closed_${c.outcome ?? 'resolved'}`;
  return state.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);
}

export interface MigrationReport {
  from: string;
  to: string;
  movable: Array<{ caseId: string; caseNo: string; state: string }>;
  blocked: Array<{ caseId: string; caseNo: string; state: string; reason: string }>;
}

/** Dry run: which running cases could move to `to` (their state exists there), which could not. */
export function migrationReport(
  cases: Array<{ id: string; caseNo: string; workflowVersion: string; snapshot: PersistedSnapshot }>,
  from: string,
  to: string,
): MigrationReport {
  const target = machineFor(to);
  const report: MigrationReport = { from, to, movable: [], blocked: [] };
  for (const c of cases) {
    if (c.workflowVersion !== from) continue;
    const state = stateName(c.snapshot.value);
    if (state === 'closed') continue; // finished cases stay where they ended
    let exists = true;
    try {
      target.resolveState({ value: c.snapshot.value as never, context: c.snapshot.context });
      exists = target.getStateNodeById(`case.${state}`) !== undefined;
    } catch {
      exists = false;
    }
    const why = exists ? cannotMove(c.snapshot.context, state, to) : `state "${state}" does not exist in ${to}`;
    if (why === null) report.movable.push({ caseId: c.id, caseNo: c.caseNo, state });
    else report.blocked.push({ caseId: c.id, caseNo: c.caseNo, state, reason: why });
  }
  return report;
}

/**
 * Why a running case whose state exists in `to` still cannot move there, or null. Moving to 2026.3
 * from an earlier version: an entrusted (委托) case past its signature is on the confirmation path
 * that 2026.3 replaces with the court's review, so it finishes where it is; so does a delegated case
 * in the court's hands whose return would re-arm the court's deadline under other rules.
 */
function cannotMove(context: CaseContext, state: string, to: string): string | null {
  if (!LEGAL_PATHS.has(to)) return null;
  if (context.delegation?.mode === 'entrusted' && ['performing', 'confirmationPending'].includes(state)) {
    return `an entrusted (委托) case past signing follows the confirmation path; in ${to} its agreement goes to the court instead`;
  }
  if (context.delegation && state === 'referredToCourt') {
    return `a delegated case in the court's hands: a return would re-arm the court's deadline in ${to}; let the court decide first`;
  }
  return null;
}
