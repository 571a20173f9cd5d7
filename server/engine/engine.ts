// The engine: loads a case, lets the workflow decide on an event, and commits the event, the new
// snapshot, the timers and the outbox together. It keeps no actor per case in memory: a case is
// restored from its persisted snapshot for each event (cheap: tens of microseconds), so memory does
// not grow with the number of cases.
import { randomUUID } from 'node:crypto';
import { rowId } from './ids.ts';
import type { WorkingCalendar } from '../../workflows/calendar/calendar.ts';
import type { Actor, CaseEvent, Command, Delegation, EventData, EventFacts, Party, RegisterData } from '../../workflows/case.types.ts';
import { extensionKind } from '../../workflows/case.machine.ts';
import { availableEvents, blockingConflicts, lacksMediatorFor, CURRENT_VERSION, decide, phaseOf, start, statusOf, type PersistedSnapshot } from '../../workflows/registry.ts';
import { findConflicts, groupHouseholds, householdsOf, route, type RoutingRules } from '../../workflows/routing.ts';
import type { Category, Channel, EventType, UserEventType } from '../../workflows/vocabulary.ts';
import type { AccessCodes } from '../auth/access-codes.ts';
import { agreementMissing } from '../cases/clauses.ts';
import { formatCaseNo } from './case-numbers.ts';
import { caseUpdated } from './case-updated.ts';
import type { CaseRecord, Commit, EventRecord, OutboxEntry, OutboxLease, RelatedCaseRef, Store, TimerRecord } from '../store/port.ts';
import { isoShanghai, type Clock } from './clock.ts';
import { DEFAULT_MAX_EXTENSION_DAYS, planDeadlines, noteWarning, worstWarning, type DeadlineSettings } from './deadlines.ts';
import type { Directory } from './directory.ts';
import { DomainError, EventNotAllowed, NotFound, ValidationFailed, VersionConflict } from './errors.ts';
import { GroupCommitter, type GroupCommitStats } from './group-commit.ts';
import { hashEvent } from './hash-chain.ts';
import { SOURCE_TOPIC, webhookSource } from '../webhooks/messages.ts';

export interface IntakeRequest {
  channel: Channel;
  compoundId: string;
  category: Category;
  summary: string;
  parties: Array<Omit<Party, 'id'>>;
  householdsInvolved?: number;
  claims?: string[];
  disputedAmount?: number;
  escalationRisk?: boolean;
  /** 委派/委托调解 from the court */
  delegation?: { courtRef: string; dueAt?: string; mode?: Delegation['mode'] } & Partial<Pick<Delegation, 'procedure' | 'causeOfAction' | 'claimAmount'>>;
  /** where a case came from in another system (12345, grid): its reference */
  source?: { system: string; ref: string };
  /** channel department_transfer: which department sent it (受理方式: 公安 / 信访 / other; issue 16 §4) */
  transferredFrom?: RegisterData['transferredFrom'];
}

/** An event from a person or another system; its `data` has passed the edge's schema (server/http/schemas.ts
 * EVENT_DATA, typed against EventData). */
export type EventRequest<K extends UserEventType = UserEventType> = {
  [T in K]: { type: T; data?: EventData[T]; expectedVersion?: number };
}[K];

export interface RequestMeta {
  clientIp?: string | null;
}

export interface EngineOptions {
  store: Store;
  clock: Clock;
  directory: Directory;
  calendar: () => WorkingCalendar;
  deadlines: DeadlineSettings;
  routing: RoutingRules;
  /** 倒查 look-back window in days (the run-time setting, server/settings.ts) */
  recurrenceDays: number;
  /** pad case-number serials to this many digits (the run-time setting; 0 or absent: none, 第12号) */
  caseNoDigits?: number;
  /** hashes new access codes (under the server's key: server/auth/access-codes.ts) */
  accessCodes: AccessCodes;
  /** told after each group commit lands, with the live outbox entries it wrote leased to `outboxLease`'s
   * owner (the live relay delivers those from memory and claims the rest), and the events it wrote
   * (the projector is woken only for events that can change the projection) */
  onCommitted?: (leased: OutboxEntry[], events: EventRecord[]) => void;
  /** claim at commit: the lease each group's live outbox entries are written with (the relay's), or null */
  outboxLease?: () => OutboxLease | null;
  /** whether to write the webhooks' source row with each event (server/webhooks/); default no */
  webhooksWanted?: () => boolean;
  /** told each group's committed records before they are acknowledged (the anchor log) */
  anchor?: (committed: CaseRecord[]) => Promise<void>;
  /** the oversight layer as the engine needs it; given by the wiring (server/core.ts) so that the engine
   * does not depend on the oversight layer built on top of it */
  oversight: OversightProjection;
}

/** What the engine needs from the oversight layer: the 回访倒查 look-up at intake. The projection itself is
 * written after the commit by the projector (server/oversight/projector.ts), which onCommitted wakes. */
export interface OversightProjection {
  /** earlier cases of the compound with the same category or a party in common, recorded on REGISTER */
  relatedCases(store: Store, probe: { compoundId: string; category: Category; parties: Party[]; at: string; windowDays: number }): Promise<RelatedCaseRef[]>;
}

/** A new number for the case from the accepting body's docket. */
interface Docket {
  caseNo: string;
  bodyId: string;
}

const SYSTEM: Actor = { id: 'system', username: 'system', role: 'system', name: '系统' };
const RETRIES = 5;

export class Engine {
  private readonly committer: GroupCommitter;
  private readonly queues = new Map<string, Promise<void>>();
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly directory: Directory;

  /** residents' access codes: hashed under the server's key; checked by the tracking doors (server/cases/track.ts) */
  get accessCodes(): AccessCodes {
    return this.opts.accessCodes;
  }

  /** the group commit's counts and times so far (diagnostics; `npm run bench:api` reports them) */
  get commitStats(): Readonly<GroupCommitStats> {
    return this.committer.stats;
  }

  constructor(private opts: EngineOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.directory = opts.directory;
    this.committer = new GroupCommitter(opts.store, 500, opts.onCommitted, opts.anchor, opts.outboxLease);
  }

  /** An administrator changed the limits or routing rules: they apply from the next event on. */
  updateSettings(settings: { deadlines?: DeadlineSettings; routing?: RoutingRules; recurrenceDays?: number; caseNoDigits?: number }): void {
    if (settings.caseNoDigits !== undefined) this.opts.caseNoDigits = settings.caseNoDigits;
    if (settings.deadlines) this.opts.deadlines = settings.deadlines;
    if (settings.routing) this.opts.routing = settings.routing;
    if (settings.recurrenceDays) this.opts.recurrenceDays = settings.recurrenceDays;
  }

  now(): string {
    return isoShanghai(this.clock.now());
  }

  // ── intake ────────────────────────────────────────────────────────────────────────────────
  async intake(req: IntakeRequest, actor: Actor, meta: RequestMeta = {}): Promise<{ record: CaseRecord; accessCode: string }> {
    const chain = this.directory.compoundChain(req.compoundId);
    if (!chain) throw new ValidationFailed('unknown compound', [{ field: 'compoundId', message: 'no such compound in the organisation tree' }]);
    const now = this.now();
    const householdsInvolved = req.householdsInvolved ?? householdsOf(req.parties);
    const decision = route(
      { channel: req.channel, category: req.category, householdsInvolved, disputedAmount: req.disputedAmount, escalationRisk: req.escalationRisk },
      this.opts.routing,
    );
    const bodyId = chain.bodies[decision.tier];
    const caseNo = await this.takeNumber(bodyId, now);
    const caseId = `c${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    // a group party that lists its households is counted from the list (issue 12 §2)
    const parties: Party[] = req.parties.map(
      (p, i) => ({ ...p, id: `p${i + 1}`, ...(p.kind === 'group' && p.householdList?.length ? { households: groupHouseholds(p) } : {}) }) as Party,
    );
    const delegation: Delegation | null = req.delegation
      ? {
          ...req.delegation,
          courtRef: req.delegation.courtRef,
          // '' : no date from the court, the limit of the mode applies (planDeadlines)
          dueAt: req.delegation.dueAt ?? '',
          mode: req.delegation.mode ?? 'delegated',
        }
      : null;

    const started = start({
      caseId,
      caseNo,
      channel: req.channel,
      category: req.category,
      compoundId: req.compoundId,
      summary: req.summary,
      claims: req.claims ?? [],
      householdsInvolved,
      parties,
      bodies: chain.bodies,
      tier: decision.tier,
      flags: decision.flags,
      delegation,
      at: now,
    });

    const { code: accessCode, hash: accessCodeHash } = this.opts.accessCodes.issue(caseId);
    const base: CaseRecord = {
      id: caseId,
      caseNo,
      docketBodyId: bodyId,
      workflowVersion: CURRENT_VERSION,
      status: 'registered',
      phase: '',
      tier: decision.tier,
      outcome: null,
      bodyId,
      category: req.category,
      channel: req.channel,
      compoundId: req.compoundId,
      communityId: chain.community.id,
      subdistrictId: chain.subdistrict.id,
      summary: req.summary,
      searchText: '',
      assignees: [],
      experts: [],
      courtId: chain.bodies.court,
      courtInbox: false,
      ...(req.source ? { source: { system: req.source.system, ref: req.source.ref } } : {}),
      deadlines: [],
      warning: 'none',
      overdue: false,
      snapshot: started.snapshot,
      accessCodeHash,
      version: 0,
      lastHash: '',
      createdAt: now,
      updatedAt: now,
      closedAt: null,
    };
    // 回访倒查 (server/oversight/recurrence.ts): earlier cases of this compound, same category or a party in common
    const relatedCases = await this.opts.oversight.relatedCases(this.store, {
      compoundId: req.compoundId,
      category: req.category,
      parties,
      at: now,
      windowDays: this.opts.recurrenceDays,
    });
    const data = {
      ...req,
      parties,
      householdsInvolved,
      tier: decision.tier,
      bodyId,
      flags: decision.flags,
      workflowVersion: CURRENT_VERSION,
      ...(relatedCases.length ? { relatedCases } : {}),
    };
    const commit = this.buildCommit(base, started.snapshot, started.commands, { type: 'REGISTER', data, actor, at: now }, meta);
    const record = await this.committer.submit(commit);
    return { record, accessCode };
  }

  // ── events ────────────────────────────────────────────────────────────────────────────────
  /** Applies one event from a person or another system. expectedVersion guards against lost
   * updates; without it the engine retries on a concurrent change. */
  async dispatch(caseId: string, req: EventRequest, actor: Actor, meta: RequestMeta = {}, loaded?: CaseRecord): Promise<CaseRecord> {
    // `loaded`: the record the caller has just read (one load per request); used only when no other
    // event of this case is queued here before this one, and only for the first attempt
    const hint = loaded && loaded.id === caseId && !this.queues.has(caseId) ? loaded : undefined;
    return this.serially(caseId, () => this.dispatchNow(caseId, req, actor, meta, hint));
  }

  /** Events on one case are decided one after another in this process (no wasted work on
   * conflicts); other processes are kept honest by the version check at commit. */
  private serially<T>(caseId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(caseId) ?? Promise.resolve();
    const mine = previous.then(work, work);
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(caseId, settled);
    void settled.then(() => {
      if (this.queues.get(caseId) === settled) this.queues.delete(caseId);
    });
    return mine;
  }

  private dispatchNow(caseId: string, req: EventRequest, actor: Actor, meta: RequestMeta, hint?: CaseRecord): Promise<CaseRecord> {
    // a client that names the version it read is told of a concurrent change instead (409)
    return retryOnConflict(req.expectedVersion === undefined, async () => {
      const record = hint ?? (await this.store.cases.get(caseId));
      hint = undefined; // a retry reads the case afresh
      if (!record) throw new NotFound('case');
      if (req.expectedVersion !== undefined && req.expectedVersion !== record.version) {
        throw new VersionConflict(caseId, req.expectedVersion, record.version);
      }
      // `type` and `data` travel together unchanged (TypeScript cannot follow the pair through the spread)
      const event = { type: req.type, data: req.data ?? {}, actor, at: this.now(), facts: this.factsFor(record, req) } as CaseEvent;
      const decision = this.decided(record, event);
      const docket = event.type === 'ACCEPT' ? await this.docketOnAcceptance(record, decision.snapshot.context.bodyId, event.at) : undefined;
      return this.committer.submit(this.buildCommit(record, decision.snapshot, decision.commands, event, meta, docket));
    });
  }

  /**
   * Issue 14: a new access code for the residents of a case; the old one stops working at once. The
   * change is an ACCESS_CODE_REISSUED event (actor and time, never the code) and touches nothing else
   * of the case: the workflow's snapshot, deadlines and timers stay as they are.
   */
  reissueAccessCode(caseId: string, actor: Actor, meta: RequestMeta = {}): Promise<{ record: CaseRecord; accessCode: string }> {
    return this.serially(caseId, () =>
      retryOnConflict(true, async () => {
        const record = await this.store.cases.get(caseId);
        if (!record) throw new NotFound('case');
        const { code: accessCode, hash: accessCodeHash } = this.opts.accessCodes.issue(caseId);
        const event: CaseEvent = { type: 'ACCESS_CODE_REISSUED', data: {}, actor, at: this.now() };
        const commit = this.buildCommit(record, record.snapshot, [], event, meta);
        commit.record = { ...commit.record, accessCodeHash };
        return { record: await this.committer.submit(commit), accessCode };
      }),
    );
  }

  /** A durable timer came due: its warning or expiry becomes an event in the case's history. */
  fireTimer(timer: TimerRecord): Promise<CaseRecord | null> {
    return this.serially(timer.caseId, () => this.fireTimerNow(timer));
  }

  private fireTimerNow(timer: TimerRecord): Promise<CaseRecord | null> {
    return retryOnConflict(true, async () => {
      const record = await this.store.cases.get(timer.caseId);
      const deadline = record?.deadlines.find((d) => d.kind === timer.kind && d.dueAt === timer.deadlineDueAt);
      if (!record || !deadline) {
        await this.store.timers.cancel(timer.id); // the case moved on: the timer no longer applies
        return null;
      }
      const expired = timer.level === 'red';
      const at = this.now();
      const event: CaseEvent = expired
        ? { type: 'DEADLINE_EXPIRED', data: { kind: timer.kind, dueAt: timer.deadlineDueAt }, actor: SYSTEM, at }
        : { type: 'DEADLINE_WARNING', data: { kind: timer.kind, level: timer.level, dueAt: timer.deadlineDueAt }, actor: SYSTEM, at };
      const commit = this.decideCommit(record, event, {});
      commit.firedTimerId = timer.id;
      return this.committer.submit(commit);
    });
  }

  /** A year's holiday schedule arrived: every open case with a provisional deadline gets it
   * recomputed, recorded as a DEADLINES_RECALCULATED event. Returns how many cases changed. */
  async recalculateProvisional(): Promise<number> {
    let changed = 0;
    let after: string | null = null;
    for (;;) {
      const page = await this.store.cases.scan(after, 500);
      if (page.length === 0) return changed;
      after = page[page.length - 1].id;
      for (const record of page) {
        if (!record.deadlines.some((d) => d.provisional)) continue;
        await retryOnConflict(true, async () => {
          const current = (await this.store.cases.get(record.id))!;
          const event: CaseEvent = { type: 'DEADLINES_RECALCULATED', data: {}, actor: SYSTEM, at: this.now() };
          await this.committer.submit(this.decideCommit(current, event, {}));
        });
        changed++;
      }
    }
  }

  availableEvents(record: CaseRecord, actor: Actor): EventType[] {
    return availableEvents(record.workflowVersion, record.snapshot, actor, this.now());
  }

  async history(caseId: string): Promise<EventRecord[]> {
    return this.store.events.list(caseId);
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────
  private factsFor(record: CaseRecord, req: EventRequest): EventFacts | undefined {
    const ctx = record.snapshot.context;
    if (req.type === 'ASSIGN') {
      const ids = req.data?.mediatorIds ?? [];
      const users = ids.map((id) => this.directory.user(id));
      const mediatorsValid = ids.length > 0 && users.every((u) => u?.role === 'mediator' && u.active && u.bodyId === ctx.bodyId);
      const profiles = ids.map((id) => this.directory.mediatorProfile(id)).filter((p) => p !== null);
      return { mediatorsValid, conflicts: findConflicts(profiles, { compoundId: ctx.compoundId, parties: ctx.parties }) };
    }
    // 2026.3: ACCEPT may name the mediators (the first presides); they must be mediators of the body,
    // and are checked for conflicts of interest as ASSIGN's are (issue 12 §4)
    if (req.type === 'ACCEPT' && req.data?.mediatorIds?.length) {
      const users = req.data.mediatorIds.map((id) => this.directory.user(id));
      const profiles = req.data.mediatorIds.map((id) => this.directory.mediatorProfile(id)).filter((p) => p !== null);
      return {
        mediatorsValid: users.every((u) => u?.role === 'mediator' && u.active && u.bodyId === ctx.bodyId),
        conflicts: findConflicts(profiles, { compoundId: ctx.compoundId, parties: ctx.parties }),
      };
    }
    if (req.type === 'INVITE_EXPERT') {
      const u = this.directory.user(String(req.data?.expertId ?? ''));
      return { expertExists: u?.role === 'expert' && u.active };
    }
    if (req.type === 'EXTEND_DEADLINE') {
      const kind = extensionKind(req.data ?? { days: 0, reason: '' }, ctx);
      const maxDays = this.opts.deadlines.maxExtensionDays ?? DEFAULT_MAX_EXTENSION_DAYS;
      return { extension: { kind, running: record.deadlines.some((d) => d.kind === kind), maxDays } };
    }
    return undefined;
  }

  /** A number of `bodyId`'s docket for the year of `at`, formatted as the settings say. */
  private async takeNumber(bodyId: string, at: string): Promise<string> {
    const year = Number(at.slice(0, 4));
    const n = await this.store.cases.nextNumber(bodyId, year);
    return formatCaseNo({ year, shortName: this.directory.body(bodyId)?.shortName ?? '', n, digits: this.opts.caseNoDigits ?? 0 });
  }

  /**
   * Each body numbers the cases it accepts in its own docket (issue 12 §6): a case accepted by a body
   * other than the one whose docket numbered it (escalated, transferred, sent back by the court to
   * another tier) takes the accepting body's next number; the old one becomes a former number (原编号).
   * Taken only once the workflow has allowed the ACCEPT, so a refused event uses up no number. (A
   * commit lost to a concurrent writer leaves a gap in that docket; the engine runs a case's events
   * one after another, so it takes two processes on one case.)
   */
  private async docketOnAcceptance(record: CaseRecord, acceptingBodyId: string, at: string): Promise<Docket | undefined> {
    // records written before docketBodyId existed: the body that registered the case numbered it
    const numberedBy = record.docketBodyId ?? String(((await this.store.events.list(record.id, 0, 1))[0]?.data as { bodyId?: string } | undefined)?.bodyId ?? acceptingBodyId);
    if (numberedBy === acceptingBodyId) return undefined;
    return { caseNo: await this.takeNumber(acceptingBodyId, at), bodyId: acceptingBodyId };
  }

  /** The workflow's decision on an event, or the refusal as an EventNotAllowed. */
  private decided(record: CaseRecord, event: CaseEvent): Extract<ReturnType<typeof decide>, { ok: true }> {
    const decision = decide(record.workflowVersion, record.snapshot, event);
    if (!decision.ok) {
      const why = {
        state: `it does not apply while the case is ${decision.status}`,
        refused: 'not permitted for this user, or its conditions are not met in the current state',
        condition: 'its conditions are not met',
      }[decision.why];
      const details: Record<string, unknown> = { status: decision.status, reason: decision.why };
      // the findings that stop it until overridden (on 2026.3 a shared compound is only a warning)
      const conflicts = blockingConflicts(record.workflowVersion, record.snapshot, event);
      if (conflicts.length) details.conflicts = conflicts;
      if (event.facts?.mediatorsValid === false) details.mediators = 'every mediator must be an active mediator of the body holding the case';
      if (decision.why === 'condition' && lacksMediatorFor(record.workflowVersion, record.snapshot, event.type)) {
        details.mediators = 'no mediator is recorded on the case: assign one first (ASSIGN)';
      }
      if (decision.why === 'condition' && event.facts?.extension?.running === false) {
        const { kind } = event.facts.extension;
        throw new EventNotAllowed(event.type, `there is no running ${kind} deadline to extend`, { ...details, kind });
      }
      if (decision.code === 'CONSENT_REQUIRED') {
        throw new DomainError(decision.code, `${event.type} needs the consent of every party (人民调解法 arts. 3, 17)`, details);
      }
      if (decision.code === 'AGREEMENT_INCOMPLETE') {
        // the readiness check before signing: what is still missing, in the words of the agreement
        const missing = agreementMissing(record.snapshot.context.agreement);
        throw new DomainError(decision.code, `a written agreement states the facts, the points in dispute and the responsibilities (人民调解法 art. 29); missing: ${missing.join('、')}`, { ...details, missing });
      }
      throw new EventNotAllowed(event.type, why, details);
    }
    return decision;
  }

  private decideCommit(record: CaseRecord, event: CaseEvent, meta: RequestMeta): Commit {
    const decision = this.decided(record, event);
    return this.buildCommit(record, decision.snapshot, decision.commands, event, meta);
  }

  /** `docket`: the case takes a new number with this event (docketOnAcceptance). */
  private buildCommit(prev: CaseRecord, snapshot: PersistedSnapshot, commands: Command[], event: CaseEvent, meta: RequestMeta, docket?: Docket): Commit {
    const ctx = snapshot.context;
    const plan = planDeadlines({
      caseId: prev.id,
      current: prev.deadlines,
      commands,
      now: event.at,
      calendar: this.opts.calendar(),
      settings: this.opts.deadlines,
      delegationMode: ctx.delegation?.mode,
      delegationProcedure: ctx.delegation?.procedure,
    });
    let deadlines = plan.deadlines;
    if (event.type === 'DEADLINE_WARNING' || event.type === 'DEADLINE_EXPIRED') {
      deadlines = noteWarning(deadlines, event.data.kind, event.type === 'DEADLINE_EXPIRED' ? 'red' : event.data.level);
    }
    const status = statusOf(snapshot);
    const seq = prev.version + 1;
    const unsigned: Omit<EventRecord, 'hash'> = {
      caseId: prev.id,
      seq,
      type: event.type,
      at: event.at,
      actor: { id: event.actor.id, username: event.actor.username, role: event.actor.role, ...(event.actor.name ? { name: event.actor.name } : {}) },
      data: event.data,
      clientIp: meta.clientIp ?? null,
      prevHash: prev.lastHash,
    };
    const eventRecord: EventRecord = { ...unsigned, hash: hashEvent(unsigned) };
    const numbering = docket
      ? { caseNo: docket.caseNo, formerCaseNos: [...(prev.formerCaseNos ?? []), prev.caseNo], docketBodyId: docket.bodyId }
      : {};
    const record: CaseRecord = {
      ...prev,
      ...numbering,
      status,
      phase: phaseOf(snapshot),
      tier: ctx.tier,
      outcome: status === 'closed' || status === 'declined' ? ctx.outcome : null,
      bodyId: ctx.bodyId,
      assignees: ctx.assignees,
      experts: ctx.experts,
      courtInbox: Boolean(ctx.delegation || ctx.referral || ctx.confirmation),
      searchText: searchTextOf([docket?.caseNo ?? prev.caseNo, ...(numbering.formerCaseNos ?? prev.formerCaseNos ?? [])], ctx),
      deadlines,
      warning: worstWarning(deadlines),
      overdue: deadlines.some((d) => d.warning === 'red'),
      snapshot,
      version: seq,
      lastHash: eventRecord.hash,
      updatedAt: event.at,
      closedAt: status === 'closed' ? (ctx.closedAt ?? event.at) : null,
    };
    // the oversight projection is not part of the record: the projector writes it after the commit
    // (a record written before issue 17 may still carry one: it is dropped here)
    delete record.oversight;
    return {
      caseId: prev.id,
      expectedVersion: prev.version,
      event: eventRecord,
      record,
      outbox: outboxFor(prev, record, eventRecord, commands, this.opts.webhooksWanted?.() ?? false),
      armTimers: plan.armTimers,
      cancelTimerKinds: plan.cancelTimerKinds,
    };
  }
}

/**
 * Runs `attempt` (which reads the case afresh each time) again when another writer committed first,
 * at most RETRIES more times. With `retry` false a VersionConflict goes straight to the caller.
 */
async function retryOnConflict<T>(retry: boolean, attempt: () => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (retry && err instanceof VersionConflict && n < RETRIES) continue;
      throw err;
    }
  }
}

/** What `q` searches: every number of the case (current and former), the summary, claims and party names. */
function searchTextOf(caseNos: string[], ctx: PersistedSnapshot['context']): string {
  return [...caseNos, ctx.summary, ...ctx.claims, ...ctx.parties.map((p) => p.name)].join(' ').toLowerCase();
}

/** What live clients are told. `case:updated` carries no personal data: it goes to residents too
 * (server/cases/resident-view.ts). */
function outboxFor(prev: CaseRecord | null, record: CaseRecord, event: EventRecord, commands: Command[], webhooks: boolean): OutboxEntry[] {
  const entries: OutboxEntry[] = [
    {
      id: rowId(),
      caseId: record.id,
      seq: event.seq,
      topic: 'case:updated',
      payload: caseUpdated(record, event),
      createdAt: event.at,
    },
  ];
  if (webhooks) {
    // the webhooks' source (server/webhooks/): committed with the event, fanned out by the dispatcher
    entries.push({ id: rowId(), caseId: record.id, seq: event.seq, topic: SOURCE_TOPIC, payload: webhookSource(event.type === 'REGISTER' ? null : prev, record, event), createdAt: event.at });
  }
  for (const cmd of commands) {
    if (cmd.type !== 'notify.inbox') continue;
    entries.push({
      id: rowId(),
      caseId: record.id,
      seq: event.seq,
      topic: 'inbox:updated',
      payload: { audience: cmd.audience, bodyId: cmd.bodyId, reason: cmd.reason, caseId: record.id, caseNo: record.caseNo, status: record.status },
      createdAt: event.at,
    });
  }
  return entries;
}
