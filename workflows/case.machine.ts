// The case lifecycle as a statechart (xstate v5). Pure: no I/O, no clock. Time arrives on each event
// (`event.at`, the engine's clock); everything the outside world must do leaves as emitted commands
// that the engine carries out with the commit. State names are the ones a mediator uses; the
// stable API status of each state is in STATUS_BY_STATE (one mapping, one place).
import { and, assertEvent, assign, emit, enqueueActions, setup } from 'xstate';
import type { CaseContext, CaseEvent, Clause, Command, EventData, IntakeInput } from './case.types.ts';
import { nextTier } from './routing.ts';
import type { DeadlineKind, MediationTier, Status } from './vocabulary.ts';

export interface MachineOptions {
  /** the workflow version this definition is published as */
  version: string;
  /** 2026.1 had a separate investigation stage (调查核实) between acceptance and the first session */
  investigationStage: boolean;
}

/** An event may be probed: 'data' checks availability without the event's data (data guards pass);
 * 'actor' asks only whether this sender may ever send it here (every condition passes). */
type ProbeEvent = CaseEvent & { probe?: 'data' | 'actor' };
type GuardArgs = { context: CaseContext; event: ProbeEvent };
/** a condition on the case's facts: skipped when only the sender is being checked */
const fact = (test: (a: GuardArgs) => boolean) => (a: GuardArgs) => a.event.probe === 'actor' || test(a);
/** a condition on the event's data: skipped whenever probing */
const given = (test: (a: GuardArgs) => boolean) => (a: GuardArgs) => a.event.probe !== undefined || test(a);

/** the moment of the event; on entry at intake (xstate.init) the registration time */
const at = (e: { at?: string }, context: CaseContext) => e.at ?? context.registeredAt;

function clausesFrom(data: EventData['REACH_AGREEMENT']): Clause[] {
  return (data.terms ?? []).map((t, i) => {
    const term = typeof t === 'string' ? { text: t } : t;
    return {
      no: i + 1,
      text: term.text,
      obligor: term.obligor,
      ...(term.manner !== undefined ? { manner: term.manner } : {}),
      ...(term.amount !== undefined ? { amount: term.amount } : {}),
      performBy: term.performBy ?? data.performBy,
      performance: 'pending' as const,
    };
  });
}

/** EXTEND_DEADLINE without a kind extends the running mediation deadline, or the court's for a delegated case. */
export const extensionKind = (data: EventData['EXTEND_DEADLINE'], context: Pick<CaseContext, 'delegation'>): DeadlineKind =>
  data.kind ?? (context.delegation ? 'delegation' : 'mediation');

/** 撤回 / 终止: the case ends here; the parties are told their other remedies. */
const closeAs = (outcome: 'withdrawn' | 'unresolved') => ({
  guard: 'fromHoldingMediator' as const,
  target: 'closed' as const,
  actions: [
    { type: 'cancelDeadlines' as const, params: { kinds: ['all' as const] } },
    'recordReason' as const,
    { type: 'closeAs' as const, params: { outcome } },
    'stampClosed' as const,
  ],
});

export function createCaseMachine(options: MachineOptions) {
  const afterAcceptance = options.investigationStage ? 'investigating' : 'mediating';

  return setup({
    types: {
      context: {} as CaseContext,
      events: {} as ProbeEvent,
      input: {} as IntakeInput,
      emitted: {} as Command,
    },
    guards: {
      // ── who is sending ──
      fromHoldingMediator: ({ context, event }) =>
        event.actor.role === 'mediator' && event.actor.bodyId === context.bodyId,
      fromCourtLiaison: ({ context, event }) =>
        event.actor.role === 'court_liaison' && event.actor.bodyId === context.bodies.court,
      fromInvitedExpert: ({ context, event }) =>
        event.actor.role === 'expert' && context.experts.includes(event.actor.id),
      fromSystem: ({ event }) => event.actor.role === 'system',
      // ── facts of the case ──
      isDelegated: fact(({ context }) => context.delegation !== null),
      notDelegated: fact(({ context }) => context.delegation === null),
      hasHigherTier: fact(({ context }) => nextTier(context.tier) !== null),
      notOwnership: fact(({ context }) => !context.agreement?.decidesOwnership),
      confirmationWindowOpen: fact(({ context }) => context.agreement?.effectiveAt != null && context.warnings.confirmation !== 'red'),
      notYetConfirmed: fact(({ context }) => context.confirmation?.confirmed !== true),
      hasFollowUp: fact(({ context }) => context.followUps.length > 0),
      lastFollowUpShortOfFull: fact(({ context }) => {
        const last = context.followUps[context.followUps.length - 1];
        return last !== undefined && last.performance !== 'full';
      }),
      // ── conditions on the event's data ──
      mediatorsValid: given(({ event }) => event.facts?.mediatorsValid !== false),
      conflictsOverridden: given(({ event }) => {
        assertEvent(event, 'ASSIGN');
        const overrides = event.data.overrides ?? [];
        return (event.facts?.conflicts ?? []).every((c) =>
          overrides.some((o) => o.mediatorId === c.mediatorId && o.reason?.trim()),
        );
      }),
      namesAnAssignee: ({ context, event }) => {
        if (event.probe === 'actor') return true;
        if (event.probe === 'data') return context.assignees.length > 0;
        assertEvent(event, 'REQUEST_RECUSAL');
        return context.assignees.includes(event.data.mediatorId);
      },
      expertValid: given(({ event }) => event.facts?.expertExists === true),
      // EXTEND_DEADLINE extends a running deadline: the engine looks up whether one of that kind runs
      extendsRunningDeadline: given(({ event }) => event.facts?.extension?.running !== false),
      everyPartySigned: given(({ context, event }) => {
        assertEvent(event, 'SIGN_AGREEMENT');
        const signedBy = event.data.signedBy ?? [];
        return context.parties.every(
          (p) =>
            signedBy.includes(p.id) ||
            signedBy.includes(p.name) ||
            (p.representative !== undefined && signedBy.includes(p.representative)),
        );
      }),
    },
    actions: {
      // ── deadlines and notices (commands for the engine) ──
      armAcceptanceDeadline: emit(({ context, event }) => ({
        type: 'deadline.arm' as const,
        kind: 'acceptance' as const,
        from: at(event, context),
      })),
      // a delegated case runs against the court's deadline instead of the per-tier month
      armMediationUnlessDelegated: enqueueActions(({ context, event, enqueue }) => {
        if (!context.delegation) enqueue.emit({ type: 'deadline.arm', kind: 'mediation', from: event.at });
      }),
      // 人民调解法 art. 33: 30 days from effect; no window at all for ownership (物权确权) agreements
      armConfirmationUnlessOwnership: enqueueActions(({ context, event, enqueue }) => {
        if (!context.agreement?.decidesOwnership) enqueue.emit({ type: 'deadline.arm', kind: 'confirmation', from: event.at });
      }),
      // 特邀调解规定 2016: a court-delegated case carries the court's own due date
      armCourtDeadline: enqueueActions(({ context, event, enqueue }) => {
        if (context.delegation) {
          enqueue.emit({ type: 'deadline.arm', kind: 'delegation', from: at(event, context), dueAt: context.delegation.dueAt });
        }
      }),
      scheduleFollowUps: emit(({ context }) => ({
        type: 'followUp.schedule' as const,
        performBy: context.agreement?.performBy ?? '',
      })),
      extendDeadline: emit(({ context, event }) => {
        assertEvent(event, 'EXTEND_DEADLINE');
        return { type: 'deadline.extend' as const, kind: extensionKind(event.data, context), days: Number(event.data.days) };
      }),
      recomputeDeadlines: emit({ type: 'deadline.recompute' as const }),
      notifyHoldingBody: emit(({ context, event }) => ({
        type: 'notify.inbox' as const,
        audience: 'body' as const,
        bodyId: context.bodyId,
        reason: (event.type as string) === 'xstate.init' ? 'REGISTER' : event.type,
      })),
      notifyCourt: emit(({ context, event }) => ({
        type: 'notify.inbox' as const,
        audience: 'court' as const,
        bodyId: context.bodies.court,
        reason: event.type,
      })),
      cancelDeadlines: enqueueActions(({ enqueue }, params: { kinds: Array<DeadlineKind | 'all'> }) => {
        for (const kind of params.kinds) enqueue.emit({ type: 'deadline.cancel', kind });
        enqueue.assign(({ context }) => {
          if (params.kinds.includes('all')) return { warnings: {} };
          const warnings = { ...context.warnings };
          for (const k of params.kinds) delete warnings[k as DeadlineKind];
          return { warnings };
        });
      }),
      // ── facts ──
      recordAcceptance: assign({ acceptedAt: ({ event }) => event.at, failure: null }),
      recordReason: assign({
        lastReason: ({ event }) => {
          assertEvent(event, ['DECLINE', 'WITHDRAW', 'TERMINATE', 'ESCALATE', 'REFER_TO_COURT', 'COURT_RETURN']);
          return event.data.reason ?? null;
        },
      }),
      recordDeclined: assign({ outcome: 'declined' as const }),
      assignMediators: assign(({ context, event }) => {
        assertEvent(event, 'ASSIGN');
        const ids = event.data.mediatorIds ?? [];
        const overrides = event.data.overrides ?? [];
        const conflictOverrides = (event.facts?.conflicts ?? []).map((c) => ({
          mediatorId: c.mediatorId,
          reason: c.reason,
          override: overrides.find((o) => o.mediatorId === c.mediatorId)?.reason ?? '',
          at: event.at,
        }));
        return {
          assignees: [...new Set([...context.assignees, ...ids])],
          conflictOverrides: [...context.conflictOverrides, ...conflictOverrides],
        };
      }),
      recuseMediator: assign(({ context, event }) => {
        assertEvent(event, 'REQUEST_RECUSAL');
        const { mediatorId, reason } = event.data;
        return {
          assignees: context.assignees.filter((id) => id !== mediatorId),
          recusals: [...context.recusals, { mediatorId, reason, at: event.at }],
        };
      }),
      inviteExpert: assign(({ context, event }) => {
        assertEvent(event, 'INVITE_EXPERT');
        return { experts: [...new Set([...context.experts, event.data.expertId])] };
      }),
      addOpinion: assign(({ context, event }) => {
        assertEvent(event, 'ADD_OPINION');
        return { opinions: [...context.opinions, { expertId: event.actor.id, text: event.data.text, at: event.at }] };
      }),
      scheduleSession: assign(({ context, event }) => {
        assertEvent(event, 'SCHEDULE_SESSION');
        return {
          sessions: [
            ...context.sessions,
            { no: context.sessions.length + 1, at: event.data.at, place: event.data.place, scheduledAt: event.at },
          ],
        };
      }),
      recordSession: assign(({ context, event }) => {
        assertEvent(event, 'RECORD_SESSION');
        const { summary } = event.data;
        const sessions = [...context.sessions];
        const open = sessions.findIndex((s) => s.recordedAt === undefined);
        if (open >= 0) sessions[open] = { ...sessions[open], summary, recordedAt: event.at };
        else sessions.push({ no: sessions.length + 1, at: event.at, place: '', scheduledAt: event.at, summary, recordedAt: event.at });
        return { sessions };
      }),
      recordExtension: assign(({ context, event }) => {
        assertEvent(event, 'EXTEND_DEADLINE');
        return {
          extensions: [
            ...context.extensions,
            { kind: extensionKind(event.data, context), days: Number(event.data.days), reason: event.data.reason, at: event.at },
          ],
        };
      }),
      draftAgreement: assign(({ context, event }) => {
        assertEvent(event, 'REACH_AGREEMENT');
        const data = event.data;
        return {
          agreement: {
            draftNo: (context.agreement?.draftNo ?? 0) + 1,
            draftedAt: event.at,
            clauses: clausesFrom(data),
            performBy: data.performBy,
            decidesOwnership: Boolean(data.decidesOwnership),
            facts: data.facts,
            disputePoints: data.disputePoints,
            responsibilities: data.responsibilities,
            amount: data.amount,
            signedBy: [],
            effectiveAt: null,
          },
        };
      }),
      signAgreement: assign(({ context, event }) => {
        assertEvent(event, 'SIGN_AGREEMENT');
        // one event records every party's and the mediator's signature and the body's seal
        return { agreement: context.agreement && { ...context.agreement, signedBy: event.data.signedBy, effectiveAt: event.at } };
      }),
      recordFailure: assign({
        failure: ({ event }) => {
          assertEvent(event, 'MEDIATION_FAILED');
          return { at: event.at, reason: event.data.reason };
        },
      }),
      escalate: assign(({ context, event }) => {
        assertEvent(event, 'ESCALATE');
        const to = nextTier(context.tier) as MediationTier;
        return {
          escalations: [...context.escalations, { from: context.tier, to, at: event.at, reason: event.data.reason }],
          tier: to,
          bodyId: context.bodies[to],
          assignees: [],
          acceptedAt: null,
          failure: null,
        };
      }),
      referToCourt: assign(({ context, event }) => {
        assertEvent(event, ['MEDIATION_FAILED', 'REFER_TO_COURT']);
        return {
          referral: {
            fromTier: context.tier as MediationTier,
            fromBodyId: context.bodyId,
            at: event.at,
            reason: event.data.reason ?? context.failure?.reason ?? '',
          },
        };
      }),
      recordCourtAcceptance: assign(({ context, event }) => {
        assertEvent(event, 'COURT_ACCEPT');
        return {
          referral: context.referral && { ...context.referral, courtCaseNo: event.data.courtCaseNo },
          outcome: 'referred' as const,
          closedAt: event.at,
        };
      }),
      returnFromCourt: assign(({ context }) => ({
        tier: context.referral?.fromTier ?? context.tier,
        bodyId: context.referral?.fromBodyId ?? context.bodyId,
        assignees: [],
        acceptedAt: null,
      })),
      requestConfirmation: assign({ confirmation: ({ event }) => ({ requestedAt: event.at }) }),
      recordConfirmation: assign(({ context, event }) => {
        assertEvent(event, 'CONFIRMATION_RESULT');
        return {
          confirmation: {
            requestedAt: context.confirmation?.requestedAt ?? event.at,
            confirmed: Boolean(event.data.confirmed),
            ruling: event.data.ruling,
            decidedAt: event.at,
          },
        };
      }),
      recordFollowUp: assign(({ context, event }) => {
        assertEvent(event, 'RECORD_FOLLOW_UP');
        const data = event.data;
        const perClause = data.clauses ?? [];
        const agreement = context.agreement && {
          ...context.agreement,
          clauses: context.agreement.clauses.map((c) => {
            const visit = perClause.find((x) => x.clause === c.no);
            if (visit) return { ...c, performance: visit.performance };
            return perClause.length === 0 ? { ...c, performance: data.performance } : c;
          }),
        };
        return {
          agreement,
          followUps: [
            ...context.followUps,
            {
              at: event.at,
              by: event.actor.id,
              performance: data.performance,
              satisfaction: data.satisfaction,
              note: data.note ?? '',
              clauses: data.clauses,
            },
          ],
        };
      }),
      close: assign(({ context, event }) => ({ closedAt: event.at, outcome: context.outcome ?? 'resolved' })),
      closeAs: assign((_, params: { outcome: CaseContext['outcome'] }) => ({ outcome: params.outcome })),
      stampClosed: assign({ closedAt: ({ event }) => event.at }),
      reopen: assign(({ context, event }) => {
        assertEvent(event, 'REOPEN');
        return { reopenCount: context.reopenCount + 1, outcome: null, closedAt: null, failure: null, lastReason: event.data.reason ?? null };
      }),
      noteWarning: assign(({ context, event }) => {
        assertEvent(event, ['DEADLINE_WARNING', 'DEADLINE_EXPIRED']);
        return { warnings: { ...context.warnings, [event.data.kind]: event.type === 'DEADLINE_EXPIRED' ? 'red' : event.data.level } };
      }),
    },
  }).createMachine({
    id: 'case',
    context: ({ input }) => ({
      caseId: input.caseId,
      caseNo: input.caseNo,
      registeredAt: input.at,
      tier: input.tier,
      bodyId: input.bodies[input.tier],
      bodies: input.bodies,
      channel: input.channel,
      category: input.category,
      compoundId: input.compoundId,
      summary: input.summary,
      claims: input.claims,
      householdsInvolved: input.householdsInvolved,
      flags: input.flags,
      parties: input.parties,
      assignees: [],
      experts: [],
      opinions: [],
      recusals: [],
      conflictOverrides: [],
      sessions: [],
      agreement: null,
      confirmation: null,
      followUps: [],
      delegation: input.delegation,
      referral: null,
      escalations: [],
      extensions: [],
      warnings: {},
      failure: null,
      outcome: null,
      acceptedAt: null,
      closedAt: null,
      reopenCount: 0,
      lastReason: null,
    }),
    entry: 'armCourtDeadline',
    on: {
      DEADLINE_WARNING: { guard: 'fromSystem', actions: 'noteWarning' },
      DEADLINE_EXPIRED: { guard: 'fromSystem', actions: 'noteWarning' },
      DEADLINES_RECALCULATED: { guard: 'fromSystem', actions: 'recomputeDeadlines' },
      ADD_OPINION: { guard: 'fromInvitedExpert', actions: 'addOpinion' },
    },
    initial: 'awaitingAcceptance',
    states: {
      // 受理审查: the routed body decides whether to take the case
      awaitingAcceptance: {
        entry: ['armAcceptanceDeadline', 'notifyHoldingBody'],
        on: {
          ACCEPT: {
            guard: 'fromHoldingMediator',
            target: afterAcceptance,
            actions: [
              { type: 'cancelDeadlines', params: { kinds: ['acceptance'] } },
              'recordAcceptance',
              'armMediationUnlessDelegated',
            ],
          },
          DECLINE: {
            guard: 'fromHoldingMediator',
            target: 'declined',
            actions: [{ type: 'cancelDeadlines', params: { kinds: ['all'] } }, 'recordReason', 'recordDeclined'],
          },
          INVITE_EXPERT: { guard: and(['fromHoldingMediator', 'expertValid']), actions: 'inviteExpert' },
          WITHDRAW: closeAs('withdrawn'),
        },
      },
      // 不予受理: stays visible until the office files it away
      declined: {
        on: {
          CLOSE: { guard: 'fromHoldingMediator', target: 'closed', actions: 'stampClosed' },
        },
      },
      ...(options.investigationStage
        ? {
            // 调查核实 (workflow 2026.1 only): facts are gathered before the first session
            investigating: {
              on: {
                ASSIGN: {
                  guard: and(['fromHoldingMediator', 'mediatorsValid', 'conflictsOverridden']),
                  actions: 'assignMediators',
                },
                SCHEDULE_SESSION: { guard: 'fromHoldingMediator', target: 'mediating', actions: 'scheduleSession' },
                WITHDRAW: closeAs('withdrawn'),
              },
            },
          }
        : {}),
      // 调解: assignment, investigation and sessions until an outcome
      mediating: {
        on: {
          ASSIGN: {
            guard: and(['fromHoldingMediator', 'mediatorsValid', 'conflictsOverridden']),
            actions: 'assignMediators',
          },
          REQUEST_RECUSAL: { guard: and(['fromHoldingMediator', 'namesAnAssignee']), actions: 'recuseMediator' },
          INVITE_EXPERT: { guard: and(['fromHoldingMediator', 'expertValid']), actions: 'inviteExpert' },
          SCHEDULE_SESSION: { guard: 'fromHoldingMediator', actions: 'scheduleSession' },
          RECORD_SESSION: { guard: 'fromHoldingMediator', actions: 'recordSession' },
          EXTEND_DEADLINE: { guard: and(['fromHoldingMediator', 'extendsRunningDeadline']), actions: ['recordExtension', 'extendDeadline'] },
          REACH_AGREEMENT: { guard: 'fromHoldingMediator', target: 'agreementPending', actions: 'draftAgreement' },
          MEDIATION_FAILED: [
            // a court-delegated case whose mediation fails goes back to the court
            {
              guard: and(['fromHoldingMediator', 'isDelegated']),
              target: 'referredToCourt',
              actions: ['recordFailure', 'referToCourt', { type: 'cancelDeadlines', params: { kinds: ['all'] } }, 'notifyCourt'],
            },
            { guard: 'fromHoldingMediator', actions: 'recordFailure' },
          ],
          ESCALATE: {
            guard: and(['fromHoldingMediator', 'hasHigherTier', 'notDelegated']),
            target: 'awaitingAcceptance',
            actions: [{ type: 'cancelDeadlines', params: { kinds: ['mediation', 'acceptance'] } }, 'recordReason', 'escalate'],
          },
          REFER_TO_COURT: {
            guard: 'fromHoldingMediator',
            target: 'referredToCourt',
            actions: ['recordReason', 'referToCourt', { type: 'cancelDeadlines', params: { kinds: ['all'] } }, 'notifyCourt'],
          },
          TERMINATE: closeAs('unresolved'),
          WITHDRAW: closeAs('withdrawn'),
        },
      },
      // 协议待签: the written agreement waits for every party's signature and the body's seal
      agreementPending: {
        on: {
          REACH_AGREEMENT: { guard: 'fromHoldingMediator', actions: 'draftAgreement' },
          SIGN_AGREEMENT: {
            guard: and(['fromHoldingMediator', 'everyPartySigned']),
            target: 'performing',
            actions: [
              'signAgreement',
              { type: 'cancelDeadlines', params: { kinds: ['mediation', 'delegation'] } },
              'armConfirmationUnlessOwnership',
              'scheduleFollowUps',
            ],
          },
          REQUEST_RECUSAL: { guard: and(['fromHoldingMediator', 'namesAnAssignee']), actions: 'recuseMediator' },
          RECORD_SESSION: { guard: 'fromHoldingMediator', actions: 'recordSession' },
          EXTEND_DEADLINE: { guard: and(['fromHoldingMediator', 'extendsRunningDeadline']), actions: ['recordExtension', 'extendDeadline'] },
          MEDIATION_FAILED: [
            {
              guard: and(['fromHoldingMediator', 'isDelegated']),
              target: 'referredToCourt',
              actions: ['recordFailure', 'referToCourt', { type: 'cancelDeadlines', params: { kinds: ['all'] } }, 'notifyCourt'],
            },
            { guard: 'fromHoldingMediator', target: 'mediating', actions: 'recordFailure' },
          ],
          TERMINATE: closeAs('unresolved'),
          WITHDRAW: closeAs('withdrawn'),
        },
      },
      // 履行: the agreement is in effect; follow-up visits check it clause by clause (回访)
      performing: {
        on: {
          RECORD_FOLLOW_UP: { guard: 'fromHoldingMediator', actions: ['recordFollowUp', { type: 'cancelDeadlines', params: { kinds: ['follow_up'] } }] },
          // 人民调解法 art. 33: jointly, within 30 days of effect; ownership (物权确权) cannot be confirmed
          REQUEST_CONFIRMATION: {
            guard: and(['fromHoldingMediator', 'confirmationWindowOpen', 'notOwnership', 'notYetConfirmed']),
            target: 'confirmationPending',
            actions: ['requestConfirmation', { type: 'cancelDeadlines', params: { kinds: ['confirmation'] } }, 'notifyCourt'],
          },
          CLOSE: {
            guard: and(['fromHoldingMediator', 'hasFollowUp']),
            target: 'closed',
            actions: [{ type: 'cancelDeadlines', params: { kinds: ['all'] } }, 'close'],
          },
          // non-performance found on a visit reopens the matter
          REOPEN: {
            guard: and(['fromHoldingMediator', 'lastFollowUpShortOfFull']),
            target: 'mediating',
            actions: [{ type: 'cancelDeadlines', params: { kinds: ['all'] } }, 'reopen', 'armMediationUnlessDelegated'],
          },
        },
      },
      // 司法确认: the court decides (accept within 3 days, decide within 15 — shown, not enforced)
      confirmationPending: {
        on: {
          CONFIRMATION_RESULT: { guard: 'fromCourtLiaison', target: 'performing', actions: 'recordConfirmation' },
          RECORD_FOLLOW_UP: { guard: 'fromHoldingMediator', actions: ['recordFollowUp', { type: 'cancelDeadlines', params: { kinds: ['follow_up'] } }] },
        },
      },
      // 诉调对接: the court liaison accepts with a 案号 or returns the case to the tier that sent it
      referredToCourt: {
        on: {
          COURT_ACCEPT: {
            guard: 'fromCourtLiaison',
            target: 'closed',
            actions: [{ type: 'cancelDeadlines', params: { kinds: ['all'] } }, 'recordCourtAcceptance'],
          },
          COURT_RETURN: {
            guard: 'fromCourtLiaison',
            target: 'awaitingAcceptance',
            actions: ['recordReason', 'returnFromCourt'],
          },
        },
      },
      closed: {
        on: {
          REOPEN: {
            guard: 'fromHoldingMediator',
            target: 'mediating',
            actions: [{ type: 'cancelDeadlines', params: { kinds: ['all'] } }, 'reopen', 'armMediationUnlessDelegated'],
          },
        },
      },
    },
  });
}

export type CaseMachine = ReturnType<typeof createCaseMachine>;

/** The stable API status of each state (API.md "Status and tier"): the one mapping. */
export const STATUS_BY_STATE: Record<string, Status> = {
  awaitingAcceptance: 'registered',
  declined: 'declined',
  investigating: 'in_mediation',
  mediating: 'in_mediation',
  agreementPending: 'agreement_pending',
  performing: 'performing',
  confirmationPending: 'confirmation_pending',
  referredToCourt: 'referred_to_court',
  closed: 'closed',
};
