// The case lifecycle as a statechart (xstate v5). Pure: no I/O, no clock. Time arrives on each event
// (`event.at`, the engine's clock); everything the outside world must do leaves as emitted commands
// that the engine carries out with the commit. State names are the ones a mediator uses; the
// stable API status of each state is in STATUS_BY_STATE (one mapping, one place).
import { and, assertEvent, assign, emit, enqueueActions, or, setup } from 'xstate';
import { DECLINE_GROUNDS, PARTICIPANT_KINDS, type CaseContext, type CaseEvent, type Clause, type Command, type Conflict, type EventData, type EventFacts, type IntakeInput } from './case.types.ts';
import { sessionTally } from './case-lists.ts';
import { nextTier } from './routing.ts';
import { ASSEMBLY_MATTERS, MEDIATION_TIERS, type DeadlineKind, type MediationTier, type Status } from './vocabulary.ts';

export interface MachineOptions {
  /** the workflow version this definition is published as */
  version: string;
  /** 2026.1 had a separate investigation stage (调查核实) between acceptance and the first session */
  investigationStage: boolean;
  /** 2026.3 (issue 12): the paths 人民调解法 and the court's rules require — court returns, consent at
   * acceptance, decline grounds, transfer, risk, oral agreements, capped extensions with consent */
  legalPaths?: boolean;
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
    const term: Exclude<typeof t, string> = typeof t === 'string' ? { text: t } : t;
    // a clause needing no performance (waiver, confidentiality, copies) has no obligor and no date
    const obligors = term.noPerformance ? undefined : (term.obligors ?? (term.obligor !== undefined ? [term.obligor] : undefined));
    return {
      no: i + 1,
      text: term.text,
      obligor: obligors?.[0],
      ...(obligors !== undefined ? { obligors } : {}),
      ...(term.manner !== undefined ? { manner: term.manner } : {}),
      ...(term.place !== undefined ? { place: term.place } : {}),
      ...(term.amount !== undefined ? { amount: term.amount } : {}),
      performBy: term.noPerformance ? '' : (term.performBy ?? data.performBy),
      ...(term.noPerformance ? { noPerformance: true } : {}),
      performance: 'pending' as const,
    };
  });
}

/** EXTEND_DEADLINE without a kind extends the running mediation deadline, or the court's for a delegated case. */
export const extensionKind = (data: EventData['EXTEND_DEADLINE'], context: Pick<CaseContext, 'delegation'>): DeadlineKind =>
  data.kind ?? (context.delegation ? 'delegation' : 'mediation');

// ── 2026.3 conditions on the event's data: shared by the guards and by refusalCode ──
type Parties = Pick<CaseContext, 'parties'>;
/** every party named in `ids` (by id): consent is per party (人民调解法 arts. 3, 17) */
const coversEveryParty = (context: Parties, ids: readonly string[] | undefined) => context.parties.every((p) => (ids ?? []).includes(p.id));
/** 人民调解法 arts. 3, 17 and 若干规定 art. 30: every party consents, and the rights notice was given */
export const consentsComplete = (context: Parties, data: Partial<EventData['ACCEPT']>) =>
  data.rightsNotified === true && coversEveryParty(context, (data.consents ?? []).map((c) => c.partyId));
/** 无争议事实记载 is signed by the parties: recorded only with every party's consent */
const undisputedFactsConsented = (context: Parties, data: { undisputedFacts?: string; consentOf?: string[] }) =>
  data.undisputedFacts === undefined || coversEveryParty(context, data.consentOf);
/** 若干规定 art. 33, 特邀调解规定: an extension needs every party's consent */
const extensionConsented = (context: Parties, data: Partial<EventData['EXTEND_DEADLINE']>) => coversEveryParty(context, data.consentOf);
/** 人民调解法 art. 29: a written agreement states the facts, the points in dispute and the responsibilities */
const agreementComplete = (context: Pick<CaseContext, 'agreement'>) => {
  const a = context.agreement;
  return a === null || a.form === 'oral' || Boolean(a.facts?.trim() && a.disputePoints?.trim() && a.responsibilities?.trim());
};
/** 人民调解法 art. 20: others are invited with the parties' consent; INVITE_EXPERT may record it (then for every party) */
const invitationConsented = (context: Parties, data: { consentOf?: string[] }, required: boolean) =>
  (!required && data.consentOf === undefined) || coversEveryParty(context, data.consentOf);

/** 人民调解法 art. 23: the basis recorded with every recusal on 2026.3 */
export const RECUSAL_BASIS = '人民调解法第二十三条';
/** the ties that are a warning only on 2026.3: a 居委会 committee's mediators live locally (issue 12 §4) */
const isWarningOnly = (c: Conflict) => c.kind === 'same_compound';

/**
 * 2026.3: what stops the mediators an ASSIGN or ACCEPT names (ACCEPT without names: the accepting
 * mediator) until overridden with a reason — kinship or employment by a party (workflows/routing.ts
 * findConflicts), and an earlier recusal from this case (人民调解法 art. 23). Living in the compound
 * is not among them: it is recorded as a warning.
 */
export function blockingFindings(context: Pick<CaseContext, 'recusals'>, event: { type: string; data: unknown; actor: { id: string }; facts?: EventFacts }): Conflict[] {
  const data = (event.data ?? {}) as { mediatorIds?: string[] };
  const named = data.mediatorIds?.length ? data.mediatorIds : event.type === 'ACCEPT' ? [event.actor.id] : [];
  const recused = named
    .filter((id) => context.recusals.some((r) => r.mediatorId === id))
    .map((id) => ({ mediatorId: id, reason: `已回避（${RECUSAL_BASIS}）`, kind: 'recused' as const }));
  return [...(event.facts?.conflicts ?? []).filter((c) => !isWarningOnly(c)), ...recused];
}
const overridden = (findings: Conflict[], overrides: ReadonlyArray<{ mediatorId: string; reason?: string }> | undefined) =>
  findings.every((c) => (overrides ?? []).some((o) => o.mediatorId === c.mediatorId && o.reason?.trim()));

/** 民法典 art. 278: a matter the owners decide jointly, and a party that signs for owners (an 业委会 or a group) */
export const needsAssemblyDecision = (context: Pick<CaseContext, 'category' | 'parties'>) =>
  ASSEMBLY_MATTERS.includes(context.category) &&
  context.parties.some((p) => p.kind === 'group' || (p.kind === 'organisation' && p.orgType === 'owners_committee'));

/** days already added to deadlines of `kind` while the case is at its current tier */
const extendedDaysAtTier = (context: Pick<CaseContext, 'extensions' | 'tier'>, kind: DeadlineKind) =>
  context.extensions.filter((e) => e.kind === kind && (e.tier ?? context.tier) === context.tier).reduce((n, e) => n + e.days, 0);

/** A 2026.3 refusal that has an error code of its own (server/engine/errors.ts STATUS_BY_CODE). */
export function refusalCode(context: CaseContext, event: CaseEvent): 'CONSENT_REQUIRED' | 'AGREEMENT_INCOMPLETE' | undefined {
  switch (event.type) {
    case 'INVITE_EXPERT':
      return invitationConsented(context, event.data ?? {}, false) ? undefined : 'CONSENT_REQUIRED';
    case 'INVITE_PARTICIPANT':
      return invitationConsented(context, event.data ?? {}, true) ? undefined : 'CONSENT_REQUIRED';
    case 'ACCEPT':
      return consentsComplete(context, event.data ?? {}) ? undefined : 'CONSENT_REQUIRED';
    case 'EXTEND_DEADLINE':
      return extensionConsented(context, event.data ?? {}) ? undefined : 'CONSENT_REQUIRED';
    case 'MEDIATION_FAILED':
    case 'TERMINATE':
      return undisputedFactsConsented(context, event.data ?? {}) ? undefined : 'CONSENT_REQUIRED';
    case 'SIGN_AGREEMENT':
      return agreementComplete(context) ? undefined : 'AGREEMENT_INCOMPLETE';
    default:
      return undefined;
  }
}

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

const CANCEL_ALL = { type: 'cancelDeadlines' as const, params: { kinds: ['all' as const] } };
/** a signed agreement in effect: the mediation and court periods end, the confirmation window and follow-ups begin */
const SIGNED_IN_EFFECT = [
  'signAgreement' as const,
  { type: 'cancelDeadlines' as const, params: { kinds: ['mediation' as const, 'delegation' as const] } },
  'armConfirmationUnlessOwnership' as const,
  'scheduleFollowUps' as const,
];
/** 2026.3: a delegated or entrusted case that ends without agreement goes back to the court, which
 * records it (COURT_ACCEPT) or returns it (特邀调解规定 2016; 委派调解指导意见 2020) */
const backToCourt = <A extends string>(condition: 'withdrawerIsParty' | 'undisputedFactsConsented' | 'declineGroundGiven', record: A) => ({
  guard: and(['fromHoldingMediator', 'isDelegated', condition]),
  target: 'referredToCourt' as const,
  actions: [CANCEL_ALL, 'recordReason' as const, record, 'referToCourt' as const, 'notifyCourt' as const],
});

export function createCaseMachine(options: MachineOptions) {
  const afterAcceptance = options.investigationStage ? 'investigating' : 'mediating';
  const law = options.legalPaths === true;
  // 2026.3: WITHDRAW by a party is recorded as theirs; a delegated case goes back to the court
  const withdraw = law
    ? [
        backToCourt('withdrawerIsParty', 'recordWithdrawer'),
        { ...closeAs('withdrawn'), guard: and(['fromHoldingMediator', 'withdrawerIsParty']), actions: [...closeAs('withdrawn').actions, 'recordWithdrawer' as const] },
      ]
    : closeAs('withdrawn');
  // 2026.3: termination may record the facts not in dispute; a delegated case goes back to the court
  const terminate = law
    ? [
        // issue 12 §4: nothing is referred or terminated with no mediator recorded
        { ...backToCourt('undisputedFactsConsented', 'recordUndisputedFacts'), guard: and(['fromHoldingMediator', 'isDelegated', 'undisputedFactsConsented', 'hasMediator']) },
        {
          ...closeAs('unresolved'),
          guard: and(['fromHoldingMediator', 'undisputedFactsConsented', 'hasMediator']),
          actions: [...closeAs('unresolved').actions, 'recordUndisputedFacts' as const],
        },
      ]
    : closeAs('unresolved');
  const extend = law
    ? {
        guard: and(['fromHoldingMediator', 'extendsRunningDeadline', 'extensionConsented', 'extensionWithinCap']),
        actions: ['recordExtensionWithConsent' as const, 'extendDeadline' as const, 'notifyCourtOfCourtDeadline' as const],
      }
    : { guard: and(['fromHoldingMediator', 'extendsRunningDeadline']), actions: ['recordExtension' as const, 'extendDeadline' as const] };
  // 2026.3: a session records who attended, the mediators and the recorder (人民调解法 art. 27: 调解笔录);
  // the session itself is kept in the history (workflows/case-lists.ts, which reads them there for 2026.3)
  const recordSession = { guard: 'fromHoldingMediator' as const, actions: 'recordSession' as const };
  const flagRisk = law ? { FLAG_RISK: { guard: 'fromHoldingMediator' as const, actions: 'flagRisk' as const } } : {};
  // 2026.3 (issue 12 §4): kinship, employment and an earlier recusal block until overridden with a reason;
  // living in the compound is recorded as a warning (人民调解法 arts. 19, 23)
  const assignMediators = law
    ? { guard: and(['fromHoldingMediator', 'mediatorsValid', 'findingsOverridden']), actions: ['addAssignees' as const, 'recordMediatorFindings' as const] }
    : { guard: and(['fromHoldingMediator', 'mediatorsValid', 'conflictsOverridden']), actions: 'assignMediators' as const };
  // 2026.3 (人民调解法 art. 23): who asked and who decided are recorded, with the basis
  const recusal = law
    ? { guard: and(['fromHoldingMediator', 'namesAnAssignee', 'recusalRequesterValid']), actions: 'recuseMediatorOnRecord' as const }
    : { guard: and(['fromHoldingMediator', 'namesAnAssignee']), actions: 'recuseMediator' as const };
  // 2026.3 (人民调解法 art. 20): an invited expert may come with the parties' consent recorded
  const inviteExpert = law
    ? { guard: and(['fromHoldingMediator', 'expertValid', 'expertInviteConsented']), actions: 'inviteExpert' as const }
    : { guard: and(['fromHoldingMediator', 'expertValid']), actions: 'inviteExpert' as const };
  // 2026.3: inviting others (人民调解法 art. 20; 若干规定 art. 27), investigating (调查核实) while mediating,
  // and the owners' assembly decision (民法典 art. 278)
  const whileMediating = law
    ? {
        INVITE_PARTICIPANT: { guard: and(['fromHoldingMediator', 'participantConsented', 'participantNamed']), actions: 'inviteParticipant' as const },
        RECORD_INVESTIGATION: { guard: 'fromHoldingMediator' as const, actions: 'recordInvestigation' as const },
      }
    : {};
  const assemblyDecision = law
    ? { RECORD_ASSEMBLY_DECISION: { guard: and(['fromHoldingMediator', 'isAssemblyMatter']), actions: 'recordAssemblyDecision' as const } }
    : {};
  /** MEDIATION_FAILED: a delegated case goes back to the court; otherwise `otherwise` (stay, or back to mediating) */
  const mediationFailed = (back: 'mediating' | undefined) => {
    const failedHere = back ? { target: back } : {};
    return law
      ? [
          {
            guard: and(['fromHoldingMediator', 'isDelegated', 'undisputedFactsConsented', 'hasMediator']),
            target: 'referredToCourt' as const,
            actions: ['recordFailure' as const, 'recordUndisputedFacts' as const, 'referToCourt' as const, CANCEL_ALL, 'notifyCourt' as const],
          },
          // a delegated case's failure goes back to the court, never stays here (issue 12 §1, §4)
          { guard: and(['fromHoldingMediator', 'notDelegated', 'undisputedFactsConsented']), ...failedHere, actions: ['recordFailure' as const, 'recordUndisputedFacts' as const] },
        ]
      : [
          // a court-delegated case whose mediation fails goes back to the court
          {
            guard: and(['fromHoldingMediator', 'isDelegated']),
            target: 'referredToCourt' as const,
            actions: ['recordFailure' as const, 'referToCourt' as const, CANCEL_ALL, 'notifyCourt' as const],
          },
          { guard: 'fromHoldingMediator' as const, ...failedHere, actions: 'recordFailure' as const },
        ];
  };

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
      // ── 2026.3 (issue 12) ──
      // issue 12 §4: a case is referred, terminated or its agreement signed only with a mediator on record
      hasMediator: fact(({ context }) => context.assignees.length > 0),
      isAssemblyMatter: fact(({ context }) => needsAssemblyDecision(context)),
      findingsOverridden: given(({ context, event }) => {
        assertEvent(event, ['ASSIGN', 'ACCEPT']);
        return overridden(blockingFindings(context, event), event.data?.overrides);
      }),
      recusalRequesterValid: given(({ context, event }) => {
        assertEvent(event, 'REQUEST_RECUSAL');
        const by = event.data.requestedBy;
        return by === undefined || by === event.data.mediatorId || context.parties.some((p) => p.id === by);
      }),
      expertInviteConsented: given(({ context, event }) => {
        assertEvent(event, 'INVITE_EXPERT');
        return invitationConsented(context, event.data, false);
      }),
      participantConsented: given(({ context, event }) => {
        assertEvent(event, 'INVITE_PARTICIPANT');
        return invitationConsented(context, event.data, true);
      }),
      // a unit is named by the unit; anyone else by their name
      participantNamed: given(({ event }) => {
        assertEvent(event, 'INVITE_PARTICIPANT');
        const { kind, name, unit } = event.data;
        return (PARTICIPANT_KINDS as readonly string[]).includes(kind) && Boolean((kind === 'unit' ? unit : name)?.trim());
      }),
      isEntrusted: fact(({ context }) => context.delegation?.mode === 'entrusted'),
      notEntrusted: fact(({ context }) => context.delegation?.mode !== 'entrusted'),
      agreementComplete: fact(({ context }) => agreementComplete(context)),
      notOral: fact(({ context }) => context.agreement?.form !== 'oral'),
      confirmationRefused: fact(({ context }) => context.confirmation?.confirmed === false),
      confirmationNotRefused: fact(({ context }) => context.confirmation?.confirmed !== false),
      // 若干规定 art. 22(二): a case the court has registered (立案) is the court's; it never comes back
      notCourtRegistered: fact(({ context }) => context.outcome !== 'referred' && !context.courtSettlement),
      endedWithoutAgreement: fact(({ context }) => ['declined', 'withdrawn', 'unresolved'].includes(context.outcome ?? '')),
      notAtDistrict: fact(({ context }) => context.tier !== 'district'),
      consentsGiven: given(({ context, event }) => {
        assertEvent(event, 'ACCEPT');
        return consentsComplete(context, event.data ?? {});
      }),
      declineGroundGiven: given(({ event }) => {
        assertEvent(event, 'DECLINE');
        return (DECLINE_GROUNDS as readonly string[]).includes(event.data.ground ?? '');
      }),
      withdrawerIsParty: given(({ context, event }) => {
        assertEvent(event, 'WITHDRAW');
        const by = event.data.byPartyId;
        return by === undefined || context.parties.some((p) => p.id === by);
      }),
      undisputedFactsConsented: given(({ context, event }) => {
        assertEvent(event, ['MEDIATION_FAILED', 'TERMINATE']);
        return undisputedFactsConsented(context, event.data);
      }),
      extensionConsented: given(({ context, event }) => {
        assertEvent(event, 'EXTEND_DEADLINE');
        return extensionConsented(context, event.data);
      }),
      // the cap (server/settings.ts deadlines.maxExtensionDays) arrives as a fact from the engine
      extensionWithinCap: given(({ context, event }) => {
        assertEvent(event, 'EXTEND_DEADLINE');
        const max = event.facts?.extension?.maxDays;
        return max === undefined || extendedDaysAtTier(context, extensionKind(event.data, context)) + Number(event.data.days) <= max;
      }),
      oralAgreement: given(({ event }) => {
        assertEvent(event, 'REACH_AGREEMENT');
        return event.data.form === 'oral';
      }),
      transfersUpward: given(({ context, event }) => {
        assertEvent(event, 'TRANSFER');
        return MEDIATION_TIERS.indexOf(event.data.toTier) > MEDIATION_TIERS.indexOf(context.tier as MediationTier);
      }),
      everyPartySigned: given(({ context, event }) => {
        assertEvent(event, 'SIGN_AGREEMENT');
        const signedBy = event.data.signedBy ?? [];
        return context.parties.every(
          (p) =>
            signedBy.includes(p.id) ||
            signedBy.includes(p.name) ||
            (p.representative !== undefined && signedBy.includes(p.representative)) ||
            // an agent signs only with 特别授权 (民事诉讼法 art. 62: 代为和解 needs special authority)
            (p.agent?.authority === 'special' && signedBy.includes(p.agent.name)),
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
      // 2026.3: the court's deadline runs afresh when a case it returned is accepted again
      rearmCourtDeadlineAfterReturn: enqueueActions(({ context, event, enqueue }) => {
        if (context.delegation && context.referral) enqueue.emit({ type: 'deadline.arm', kind: 'delegation', from: event.at });
      }),
      // 2026.3: the court is told when its own deadline is extended
      notifyCourtOfCourtDeadline: enqueueActions(({ context, event, enqueue }) => {
        assertEvent(event, 'EXTEND_DEADLINE');
        if (extensionKind(event.data, context) === 'delegation') {
          enqueue.emit({ type: 'notify.inbox', audience: 'court', bodyId: context.bodies.court, reason: event.type });
        }
      }),
      scheduleFollowUps: emit(({ context }) => ({
        type: 'followUp.schedule' as const,
        performBy: context.agreement?.performBy ?? '',
        // issue 13 §3: a visit after each clause's date (clauses needing no performance have none)
        dueDates: [...new Set((context.agreement?.clauses ?? []).filter((c) => !c.noPerformance && c.performBy).map((c) => c.performBy))].sort(),
        done: context.followUps.length,
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
          assertEvent(event, ['DECLINE', 'WITHDRAW', 'TERMINATE', 'ESCALATE', 'REFER_TO_COURT', 'COURT_RETURN', 'TRANSFER']);
          return event.data.reason ?? null;
        },
      }),
      recordDeclined: assign({ outcome: 'declined' as const }),
      recordConsents: assign(({ event }) => {
        assertEvent(event, 'ACCEPT');
        const { consents = [], mediatorIds } = event.data;
        return {
          consents: consents.map((c) => ({ partyId: c.partyId, how: c.how, at: event.at })),
          rightsNotifiedAt: event.at,
          // 人民调解法 art. 19: the accepting mediator presides unless others are named (the first presides)
          assignees: mediatorIds?.length ? [...mediatorIds] : [event.actor.id],
        };
      }),
      recordDeclineGround: assign(({ event }) => {
        assertEvent(event, 'DECLINE');
        return { declineGround: event.data.ground ?? null };
      }),
      recordWithdrawer: assign(({ event }) => {
        assertEvent(event, 'WITHDRAW');
        return { withdrawnBy: event.data.byPartyId ?? null };
      }),
      recordUndisputedFacts: assign(({ event }) => {
        assertEvent(event, ['MEDIATION_FAILED', 'TERMINATE']);
        const { undisputedFacts, consentOf = [] } = event.data;
        if (undisputedFacts === undefined) return {};
        return { undisputedFacts: { text: undisputedFacts, consentOf: [...consentOf], at: event.at } };
      }),
      transfer: assign(({ context, event }) => {
        assertEvent(event, 'TRANSFER');
        const to = event.data.toTier;
        return {
          transfers: [...(context.transfers ?? []), { from: context.tier, to, at: event.at, reason: event.data.reason }],
          tier: to,
          bodyId: context.bodies[to],
          assignees: [],
        };
      }),
      flagRisk: assign(({ context, event }) => {
        assertEvent(event, 'FLAG_RISK');
        const { level, reason, reportedTo, prevents } = event.data;
        const majorReasons = context.flags.majorReasons.includes('有矛盾激化风险') ? context.flags.majorReasons : [...context.flags.majorReasons, '有矛盾激化风险'];
        return {
          risks: [...(context.risks ?? []), { level, reason, ...(reportedTo ? { reportedTo } : {}), ...(prevents?.length ? { prevents } : {}), at: event.at }],
          flags: { ...context.flags, escalationRisk: true, major: true, majorReasons },
        };
      }),
      // the major-dispute rule (workflows/routing.ts): a major dispute not yet accepted goes to the district
      moveToDistrict: assign(({ context, event }) => ({
        transfers: [...(context.transfers ?? []), { from: context.tier, to: 'district' as const, at: event.at, reason: '有矛盾激化风险' }],
        tier: 'district' as const,
        bodyId: context.bodies.district,
        assignees: [],
      })),
      recordCourtSettlement: assign(({ event }) => {
        assertEvent(event, 'COURT_SETTLEMENT');
        return { courtSettlement: { result: event.data.result, at: event.at }, outcome: 'resolved' as const, closedAt: event.at };
      }),
      // 人民调解法 arts. 28, 30: an oral agreement is effective when reached; nobody signs a paper
      takeEffectOrally: assign(({ context, event }) => ({ agreement: context.agreement && { ...context.agreement, effectiveAt: event.at } })),
      // a new agreement may be submitted for confirmation again (民诉法 art. 206)
      clearRefusedConfirmation: assign(({ context }) => (context.confirmation?.confirmed === false ? { confirmation: null, nextStep: null } : {})),
      adviseAfterConfirmation: assign(({ context }) => ({
        nextStep: context.confirmation?.confirmed === false ? ('amend_new_agreement_or_sue' as const) : null,
      })),
      // 人民调解法 arts. 32–33: a confirmed agreement not performed → enforcement; an unconfirmed one → urge or sue
      adviseAfterFollowUp: assign(({ context }) => {
        const last = context.followUps[context.followUps.length - 1];
        if (!last || last.performance === 'full') return { nextStep: null };
        return { nextStep: context.confirmation?.confirmed === true ? ('apply_for_enforcement' as const) : ('urge_performance_or_sue' as const) };
      }),
      recordExtensionWithConsent: assign(({ context, event }) => {
        assertEvent(event, 'EXTEND_DEADLINE');
        const { days, reason, consentOf = [] } = event.data;
        return {
          extensions: [
            ...context.extensions,
            { kind: extensionKind(event.data, context), days: Number(days), reason, at: event.at, tier: context.tier, consentOf: [...consentOf] },
          ],
        };
      }),
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
      addAssignees: assign(({ context, event }) => {
        assertEvent(event, 'ASSIGN');
        return { assignees: [...new Set([...context.assignees, ...(event.data.mediatorIds ?? [])])] };
      }),
      // 2026.3: blocking findings are recorded with their override; a shared compound as a warning (localTies)
      recordMediatorFindings: assign(({ context, event }) => {
        assertEvent(event, ['ASSIGN', 'ACCEPT']);
        const overrides = event.data?.overrides ?? [];
        const blocking = blockingFindings(context, event);
        const ties = (event.facts?.conflicts ?? []).filter(isWarningOnly);
        return {
          conflictOverrides: [
            ...context.conflictOverrides,
            ...blocking.map((c) => ({ mediatorId: c.mediatorId, reason: c.reason, override: overrides.find((o) => o.mediatorId === c.mediatorId)?.reason ?? '', at: event.at })),
          ],
          localTies: [...(context.localTies ?? []), ...ties.map((c) => ({ mediatorId: c.mediatorId, reason: c.reason, at: event.at }))],
        };
      }),
      recuseMediatorOnRecord: assign(({ context, event }) => {
        assertEvent(event, 'REQUEST_RECUSAL');
        const { mediatorId, reason, requestedBy, decidedBy } = event.data;
        return {
          assignees: context.assignees.filter((id) => id !== mediatorId),
          recusals: [
            ...context.recusals,
            { mediatorId, reason, at: event.at, ...(requestedBy ? { requestedBy } : {}), decidedBy: decidedBy ?? event.actor.id, basis: RECUSAL_BASIS },
          ],
        };
      }),
      // issue 17 §2: an invitation (and a 2026.3 expert's recorded consent), an investigation and an
      // opinion are kept in the history, where workflows/case-lists.ts reads them; the snapshot does
      // not grow with them. The assignment marks the transition taken (registry.decide).
      inviteParticipant: assign(() => ({})),
      recordInvestigation: assign(() => ({})),
      recordAssemblyDecision: assign(({ event }) => {
        assertEvent(event, 'RECORD_ASSEMBLY_DECISION');
        return { assemblyDecision: { date: event.data.date, summary: event.data.summary, at: event.at } };
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
      addOpinion: assign(() => ({})),
      // the sessions are in the history (workflows/case-lists.ts): the snapshot counts them. A record
      // takes the earliest session scheduled and not yet held, or is a session of its own.
      scheduleSession: assign(({ context }) => ({ sessionCount: sessionTally(context).count + 1 })),
      recordSession: assign(({ context }) => {
        const { count, recorded, open } = sessionTally(context);
        return open > 0 ? { sessionCount: count, sessionsRecorded: recorded + 1 } : { sessionCount: count + 1, sessionsRecorded: recorded + 1 };
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
            ...(data.form !== undefined ? { form: data.form } : {}),
            facts: data.facts,
            disputePoints: data.disputePoints ?? data.disputes,
            responsibilities: data.responsibilities,
            amount: data.amount,
            ...(data.forConfirmation ? { forConfirmation: true } : {}),
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
        assertEvent(event, ['MEDIATION_FAILED', 'REFER_TO_COURT', 'TERMINATE', 'WITHDRAW', 'DECLINE']);
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
              ...(data.method !== undefined ? { method: data.method } : {}),
              ...(data.visited !== undefined ? { visited: data.visited } : {}),
              ...(data.recurred !== undefined ? { recurred: data.recurred } : {}),
              ...(data.newRisks !== undefined ? { newRisks: data.newRisks } : {}),
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
      recusals: [],
      conflictOverrides: [],
      sessionCount: 0,
      sessionsRecorded: 0,
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
          ACCEPT: law
            ? {
                // 人民调解法 arts. 3, 17; 若干规定 art. 30: every party consents, the rights notice is given
                // 人民调解法 arts. 19, 23: the mediators it names are checked as ASSIGN's are
                guard: and(['fromHoldingMediator', 'mediatorsValid', 'consentsGiven', 'findingsOverridden']),
                target: afterAcceptance,
                actions: [
                  { type: 'cancelDeadlines', params: { kinds: ['acceptance'] } },
                  'recordAcceptance',
                  'recordConsents',
                  'recordMediatorFindings',
                  'armMediationUnlessDelegated',
                  'rearmCourtDeadlineAfterReturn',
                ],
              }
            : {
                guard: 'fromHoldingMediator',
                target: afterAcceptance,
                actions: [
                  { type: 'cancelDeadlines', params: { kinds: ['acceptance'] } },
                  'recordAcceptance',
                  'armMediationUnlessDelegated',
                ],
              },
          DECLINE: law
            ? [
                backToCourt('declineGroundGiven', 'recordDeclineGround'),
                {
                  guard: and(['fromHoldingMediator', 'declineGroundGiven']),
                  target: 'declined',
                  actions: [CANCEL_ALL, 'recordReason', 'recordDeclineGround', 'recordDeclined'],
                },
              ]
            : {
                guard: 'fromHoldingMediator',
                target: 'declined',
                actions: [{ type: 'cancelDeadlines', params: { kinds: ['all'] } }, 'recordReason', 'recordDeclined'],
              },
          INVITE_EXPERT: inviteExpert,
          WITHDRAW: withdraw,
          ...(law
            ? {
                // 上报/移交: the case moves unaccepted to a higher tier's body, which decides on acceptance
                TRANSFER: {
                  guard: and(['fromHoldingMediator', 'notDelegated', 'transfersUpward']),
                  target: 'awaitingAcceptance',
                  reenter: true,
                  actions: [{ type: 'cancelDeadlines', params: { kinds: ['acceptance'] } }, 'recordReason', 'transfer'],
                },
                // 人民调解法 art. 25; the major-dispute rule: an unaccepted major dispute goes to the district
                FLAG_RISK: [
                  {
                    guard: and(['fromHoldingMediator', 'notDelegated', 'notAtDistrict']),
                    target: 'awaitingAcceptance',
                    reenter: true,
                    actions: [{ type: 'cancelDeadlines', params: { kinds: ['acceptance'] } }, 'flagRisk', 'moveToDistrict'],
                  },
                  { guard: 'fromHoldingMediator', actions: 'flagRisk' },
                ],
              }
            : {}),
        },
      },
      // 不予受理: stays visible until the office files it away
      declined: {
        on: {
          CLOSE: { guard: 'fromHoldingMediator', target: 'closed', actions: 'stampClosed' },
          // 2026.3: a declined case reopens into acceptance again (new consent), never into mediation
          ...(law ? { REOPEN: { guard: 'fromHoldingMediator', target: 'awaitingAcceptance', actions: [CANCEL_ALL, 'reopen'] } } : {}),
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
                WITHDRAW: withdraw,
              },
            },
          }
        : {}),
      // 调解: assignment, investigation and sessions until an outcome
      mediating: {
        on: {
          ASSIGN: assignMediators,
          REQUEST_RECUSAL: recusal,
          INVITE_EXPERT: inviteExpert,
          ...whileMediating,
          ...assemblyDecision,
          SCHEDULE_SESSION: { guard: 'fromHoldingMediator', actions: 'scheduleSession' },
          RECORD_SESSION: recordSession,
          EXTEND_DEADLINE: extend,
          REACH_AGREEMENT: law
            ? [
                // 人民调解法 arts. 28, 30: an oral agreement takes effect at once; no signature, no 司法确认
                {
                  guard: and(['fromHoldingMediator', 'oralAgreement', 'notEntrusted', 'hasMediator']),
                  target: 'performing',
                  actions: [
                    'draftAgreement',
                    'clearRefusedConfirmation',
                    'takeEffectOrally',
                    { type: 'cancelDeadlines', params: { kinds: ['mediation', 'delegation'] } },
                    'scheduleFollowUps',
                  ],
                },
                // an agreement is reached through a mediator on record (issue 12 §4)
                { guard: and(['fromHoldingMediator', 'hasMediator']), target: 'agreementPending', actions: ['draftAgreement', 'clearRefusedConfirmation'] },
              ]
            : { guard: 'fromHoldingMediator', target: 'agreementPending', actions: 'draftAgreement' },
          MEDIATION_FAILED: mediationFailed(undefined),
          ...flagRisk,
          ESCALATE: {
            guard: and(['fromHoldingMediator', 'hasHigherTier', 'notDelegated']),
            target: 'awaitingAcceptance',
            actions: [{ type: 'cancelDeadlines', params: { kinds: ['mediation', 'acceptance'] } }, 'recordReason', 'escalate'],
          },
          REFER_TO_COURT: {
            guard: law ? and(['fromHoldingMediator', 'hasMediator']) : 'fromHoldingMediator',
            target: 'referredToCourt',
            actions: ['recordReason', 'referToCourt', { type: 'cancelDeadlines', params: { kinds: ['all'] } }, 'notifyCourt'],
          },
          TERMINATE: terminate,
          WITHDRAW: withdraw,
        },
      },
      // 协议待签: the written agreement waits for every party's signature and the body's seal
      agreementPending: {
        on: {
          REACH_AGREEMENT: { guard: 'fromHoldingMediator', actions: 'draftAgreement' },
          SIGN_AGREEMENT: law
            ? [
                // 委托调解: the signed agreement goes to the court, which issues a 调解书 or rules on 撤诉
                {
                  guard: and(['fromHoldingMediator', 'everyPartySigned', 'agreementComplete', 'hasMediator', 'isEntrusted']),
                  target: 'submittedToCourt',
                  actions: ['signAgreement', { type: 'cancelDeadlines', params: { kinds: ['mediation', 'delegation'] } }, 'notifyCourt'],
                },
                { guard: and(['fromHoldingMediator', 'everyPartySigned', 'agreementComplete', 'hasMediator']), target: 'performing', actions: SIGNED_IN_EFFECT },
              ]
            : { guard: and(['fromHoldingMediator', 'everyPartySigned']), target: 'performing', actions: SIGNED_IN_EFFECT },
          REQUEST_RECUSAL: recusal,
          // 2026.3: a recused mediator is replaced before the agreement is signed
          ...(law ? { ASSIGN: assignMediators } : {}),
          RECORD_SESSION: recordSession,
          EXTEND_DEADLINE: extend,
          MEDIATION_FAILED: mediationFailed('mediating'),
          TERMINATE: terminate,
          WITHDRAW: withdraw,
          ...flagRisk,
          ...whileMediating,
          ...assemblyDecision,
        },
      },
      // 履行: the agreement is in effect; follow-up visits check it clause by clause (回访)
      performing: {
        on: {
          RECORD_FOLLOW_UP: {
            guard: 'fromHoldingMediator',
            // 2026.3: the next planned visit is armed when one is recorded (issue 13 §3)
            actions: ['recordFollowUp', { type: 'cancelDeadlines', params: { kinds: ['follow_up'] } }, ...(law ? (['adviseAfterFollowUp', 'scheduleFollowUps'] as const) : [])],
          },
          // 人民调解法 art. 33: jointly, within 30 days of effect; ownership (物权确权) cannot be confirmed.
          // 2026.3: never for an oral agreement, nor again for the agreement the court refused (民诉法 art. 206)
          REQUEST_CONFIRMATION: {
            guard: law
              ? and(['fromHoldingMediator', 'confirmationWindowOpen', 'notOwnership', 'notYetConfirmed', 'notOral', 'confirmationNotRefused'])
              : and(['fromHoldingMediator', 'confirmationWindowOpen', 'notOwnership', 'notYetConfirmed']),
            target: 'confirmationPending',
            actions: ['requestConfirmation', { type: 'cancelDeadlines', params: { kinds: ['confirmation'] } }, 'notifyCourt'],
          },
          CLOSE: {
            guard: and(['fromHoldingMediator', 'hasFollowUp']),
            target: 'closed',
            actions: [{ type: 'cancelDeadlines', params: { kinds: ['all'] } }, 'close'],
          },
          // non-performance found on a visit reopens the matter; 2026.3: so does a refused confirmation
          // (the parties may change the agreement by mediation, 人民调解法 art. 33)
          REOPEN: {
            guard: law
              ? and(['fromHoldingMediator', or(['lastFollowUpShortOfFull', 'confirmationRefused'])])
              : and(['fromHoldingMediator', 'lastFollowUpShortOfFull']),
            target: 'mediating',
            actions: [{ type: 'cancelDeadlines', params: { kinds: ['all'] } }, 'reopen', 'armMediationUnlessDelegated'],
          },
          ...flagRisk,
          ...assemblyDecision,
        },
      },
      // 司法确认: the court decides (accept within 3 days, decide within 15 — shown, not enforced)
      confirmationPending: {
        on: {
          CONFIRMATION_RESULT: {
            guard: 'fromCourtLiaison',
            target: 'performing',
            actions: ['recordConfirmation', ...(law ? (['adviseAfterConfirmation'] as const) : [])],
          },
          RECORD_FOLLOW_UP: {
            guard: 'fromHoldingMediator',
            actions: ['recordFollowUp', { type: 'cancelDeadlines', params: { kinds: ['follow_up'] } }, ...(law ? (['scheduleFollowUps'] as const) : [])],
          },
        },
      },
      ...(law
        ? {
            // 委托调解 (2026.3): the court reviews the agreement; a 调解书 or a ruling on 撤诉 closes the case
            submittedToCourt: {
              on: {
                COURT_SETTLEMENT: { guard: 'fromCourtLiaison', target: 'closed', actions: [CANCEL_ALL, 'recordCourtSettlement'] },
              },
            },
          }
        : {}),
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
          REOPEN: law
            ? [
                // 2026.3: declined, withdrawn or terminated → acceptance again, with new consent
                { guard: and(['fromHoldingMediator', 'notCourtRegistered', 'endedWithoutAgreement']), target: 'awaitingAcceptance', actions: [CANCEL_ALL, 'reopen'] },
                // 若干规定 art. 22(二): never a case the court registered
                {
                  guard: and(['fromHoldingMediator', 'notCourtRegistered']),
                  target: 'mediating',
                  actions: [CANCEL_ALL, 'reopen', 'armMediationUnlessDelegated'],
                },
              ]
            : {
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
  submittedToCourt: 'submitted_to_court',
  closed: 'closed',
};
