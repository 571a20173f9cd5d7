// The lists that grow as a case ages — sessions, expert opinions, invitations (participants) and
// investigations — are not kept in the workflow's snapshot (issue 17 §2): each event would parse,
// copy and rewrite all of them, so an event on a case with a hundred sessions cost several times one
// on a new case. The history already holds every event that made them, in order, so they are read
// from it when a case is shown. The snapshot keeps only what the workflow decides on: how many
// sessions were scheduled and how many recorded.
//
// `listsFromHistory` replays the record-keeping the workflow's actions did before issue 17
// (workflows/case.machine.ts scheduleSession, recordSession, recordSessionParticipants, addOpinion,
// inviteParticipant, recordExpertConsent, recordInvestigation), entry for entry: the history holds
// only events the workflow allowed, with the data it decided on (test/workflows/old-snapshots.test.ts
// and test/http/long-case.test.ts compare it with recordings of that code). Snapshots persisted before issue 17 carry the lists themselves; `listsOf`
// shows those as they are, and `compactContext` drops them (with the counts kept) when such a case
// next changes. Pure: no I/O.
import type { CaseContext, Investigation, Opinion, Participant, ParticipantKind, Session } from './case.types.ts';

export interface CaseLists {
  sessions: Session[];
  opinions: Opinion[];
  participants: Participant[];
  investigations: Investigation[];
}

/** An event of the history, as the store keeps it (server/store/port.ts EventRecord). */
export interface HistoryEvent {
  type: string;
  at: string;
  actor: { id: string };
  data: unknown;
}

type Data = Record<string, unknown> & {
  at?: string;
  place?: string;
  summary?: string;
  attendees?: Array<{ partyId?: string; name: string }>;
  mediatorIds?: string[];
  mediatorId?: string;
  recorder?: string;
  text?: string;
  expertId?: string;
  consentOf?: string[];
  kind?: ParticipantKind;
  name?: string;
  unit?: string;
  whom?: string;
  what?: string;
  findings?: string;
};

/** Whether the context still carries the lists (a snapshot persisted before issue 17). */
export const carriesLists = (ctx: CaseContext): boolean =>
  ctx.sessions !== undefined || ctx.opinions !== undefined || ctx.participants !== undefined || ctx.investigations !== undefined;

/** The lists of a case whose snapshot is `ctx`: its own for a snapshot persisted before issue 17, else
 * read from `history` (every event of the case, in order). `legalPaths`: the workflow is 2026.3's. */
export function listsOf(legalPaths: boolean, ctx: CaseContext, history: readonly HistoryEvent[]): CaseLists {
  if (carriesLists(ctx)) {
    return { sessions: ctx.sessions ?? [], opinions: ctx.opinions ?? [], participants: ctx.participants ?? [], investigations: ctx.investigations ?? [] };
  }
  return listsFromHistory(legalPaths, history);
}

/** Sessions scheduled or held, and how many of them recorded (a snapshot of either form). The
 * recorded ones come first: a record always takes the earliest open session. */
export function sessionTally(ctx: CaseContext): { count: number; recorded: number; open: number } {
  const count = ctx.sessionCount ?? ctx.sessions?.length ?? 0;
  const recorded = ctx.sessionsRecorded ?? ctx.sessions?.filter((s) => s.recordedAt !== undefined).length ?? 0;
  return { count, recorded, open: count - recorded };
}

/** The context without the lists (the form persisted since issue 17); the same object when it has none. */
export function compactContext(ctx: CaseContext): CaseContext {
  if (!carriesLists(ctx)) return ctx;
  const { count, recorded } = sessionTally(ctx);
  const { sessions: _s, opinions: _o, participants: _p, investigations: _i, ...rest } = ctx;
  return { ...rest, sessionCount: count, sessionsRecorded: recorded };
}

/** The lists as the workflow recorded them, replayed from the history. */
export function listsFromHistory(legalPaths: boolean, history: readonly HistoryEvent[]): CaseLists {
  const lists: CaseLists = { sessions: [], opinions: [], participants: [], investigations: [] };
  const { sessions } = lists;
  // the mediators on record, for a 2026.3 session recorded without naming them (recordSessionParticipants).
  // Every event that clears them (ESCALATE, TRANSFER, a risk moving the case to the district, COURT_RETURN)
  // leads back to acceptance, and no session is recorded again before an ACCEPT names them afresh.
  let assignees: string[] = [];
  for (const e of history) {
    const data = (e.data ?? {}) as Data;
    switch (e.type) {
      case 'ACCEPT':
        // recordConsents (2026.3): the mediators named, or the accepting mediator
        if (legalPaths) assignees = data.mediatorIds?.length ? [...data.mediatorIds] : [e.actor.id];
        break;
      case 'ASSIGN':
        assignees = [...new Set([...assignees, ...(data.mediatorIds ?? [])])];
        break;
      case 'REQUEST_RECUSAL':
        assignees = assignees.filter((id) => id !== data.mediatorId);
        break;
      case 'ESCALATE':
      case 'TRANSFER':
      case 'COURT_RETURN':
        assignees = [];
        break;
      case 'SCHEDULE_SESSION':
        sessions.push({ no: sessions.length + 1, at: data.at as string, place: data.place as string, scheduledAt: e.at });
        break;
      case 'RECORD_SESSION': {
        const { summary } = data;
        const open = sessions.findIndex((s) => s.recordedAt === undefined);
        if (open >= 0) sessions[open] = { ...sessions[open], summary, recordedAt: e.at };
        else sessions.push({ no: sessions.length + 1, at: e.at, place: '', scheduledAt: e.at, summary, recordedAt: e.at });
        if (legalPaths) {
          const { attendees, mediatorIds, recorder } = data;
          const i = sessions.findLastIndex((x) => x.recordedAt === e.at);
          if (i >= 0) {
            sessions[i] = {
              ...sessions[i],
              ...(attendees ? { attendees: attendees.map((a) => ({ ...a })) } : {}),
              mediatorIds: mediatorIds?.length ? [...mediatorIds] : [...assignees],
              ...(recorder ? { recorder } : {}),
            };
          }
        }
        break;
      }
      case 'ADD_OPINION':
        lists.opinions.push({ expertId: e.actor.id, text: data.text as string, at: e.at });
        break;
      case 'INVITE_EXPERT':
        // recordExpertConsent (2026.3): an expert invited with the parties' consent recorded
        if (legalPaths && data.consentOf !== undefined) {
          lists.participants.push({ kind: 'expert', userId: data.expertId, consentOf: [...data.consentOf], at: e.at, by: e.actor.id });
        }
        break;
      case 'INVITE_PARTICIPANT': {
        const { kind, name, unit, consentOf } = data;
        lists.participants.push({ kind: kind as ParticipantKind, ...(name ? { name } : {}), ...(unit ? { unit } : {}), consentOf: [...(consentOf ?? [])], at: e.at, by: e.actor.id });
        break;
      }
      case 'RECORD_INVESTIGATION': {
        const { whom, what, findings } = data;
        lists.investigations.push({ whom: whom as string, what: what as string, findings: findings as string, at: e.at, by: e.actor.id });
        break;
      }
    }
  }
  return lists;
}
