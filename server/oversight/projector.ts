// The oversight projector (issue 17): the projection (statistics, ledger, 倒查 links, company warnings)
// is written after the commit, not in it. The projector follows the committed events in commit order
// (the store's feed: events.rowid on SQLite), projects each case that changed from its current record,
// the facts it projected last and the events since, and writes those projections together with its
// position — on SQLite in one transaction, so after a kill -9 it resumes from the last position it
// wrote and nothing is projected twice or skipped. At position 0 it projects everything from the
// history: that is how the projection is rebuilt.
//
// Events that cannot change the projection (NEUTRAL: a session scheduled or recorded, an opinion) are
// passed over without reading their case. Reads that must see the projection (statistics, ledger,
// company warnings, a case's related cases, the recurrence look-up at intake) first wait for the
// projector to reach the feed position committed before them (`caughtUp`): "a read waits for it".
import type { WorkingCalendar } from '../../workflows/calendar/calendar.ts';
import { shanghaiDate } from '../../workflows/calendar/calendar.ts';
import type { CaseRecord, EventRecord, FeedEntry, OversightFacts, Store } from '../store/port.ts';
import { FACTS_VERSION, projectOversight, type FactsLookup } from './facts.ts';
import { historyOf, usersLookup } from './rebuild.ts';

/** Event types after which a case's projection is what it was: they change nothing the facts hold
 * (status, tier, body, number, warning, agreement, visits…). Held to it by test/server/oversight/projector.test.ts. */
export const NEUTRAL = new Set(['RECORD_SESSION', 'SCHEDULE_SESSION', 'ADD_OPINION']);

export interface ProjectorOptions {
  /** feed entries read per pass */
  batch?: number;
  /** how often to look for commits of other processes on the same store (ms; 0: never) */
  pollMs?: number;
  /** told when a pass fails (it is retried on the next kick or poll) */
  onError?: (err: unknown) => void;
  /** the names of the mediators (承办调解员) as the directory knows them; without it (a tool, a test),
   * the store's users are read once per pass that projects something */
  lookup?: FactsLookup;
}

/** how far (in feed positions) the projector's position may run ahead of the one it wrote */
const UNSAVED_LIMIT = 50_000;

export class Projector {
  private pos: number | null = null;
  /** the position last written */
  private saved = 0;
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly waiters: Array<{ target: number; resolve: () => void; reject: (e: unknown) => void }> = [];
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly calendar: () => WorkingCalendar,
    private readonly opts: ProjectorOptions = {},
  ) {}

  /** Starts polling for other processes' commits; this process's commits `kick` it. */
  start(): this {
    this.stopped = false;
    const ms = this.opts.pollMs ?? 1000;
    if (ms > 0 && !this.timer) {
      this.timer = setInterval(() => this.kick(), ms);
      this.timer.unref();
    }
    this.kick();
    return this;
  }

  /** Stops, after projecting what is committed (a graceful shutdown leaves nothing for the next start). */
  async stop(): Promise<void> {
    const wasRunning = !this.stopped;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    if (wasRunning) {
      await this.drain().catch((err: unknown) => this.opts.onError?.(err));
      // the position reached over neutral events only, written down for the next start
      if (this.pos !== null && this.pos > this.saved) {
        await this.store.oversight?.project([], this.pos).catch((err: unknown) => this.opts.onError?.(err));
        this.saved = this.pos;
      }
    }
  }

  /** This process committed these events: project them soon — unless every one is NEUTRAL. Then there
   * is nothing to project; the position passes over them at the next pass (the next commit that can
   * change the projection, the poll, or a read that waits for the projector: `caughtUp`). */
  committed(events: ReadonlyArray<Pick<EventRecord, 'type'>>): void {
    if (events.some((e) => !NEUTRAL.has(e.type))) this.kick();
  }

  /** Something was committed: project it soon. */
  kick(): void {
    if (this.stopped || !this.store.oversight) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const run = this.drain().then(
      () => undefined,
      (err: unknown) => this.fail(err),
    );
    this.running = run.finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Resolves once everything committed before the call is projected. */
  async caughtUp(): Promise<void> {
    const ov = this.store.oversight;
    if (!ov) return;
    const target = await ov.head();
    if (this.pos !== null && this.pos >= target) return;
    await new Promise<void>((resolve, reject) => {
      this.waiters.push({ target, resolve, reject });
      if (this.running) this.again = true;
      else this.kick();
      if (this.stopped) {
        // not running in this process (a tool, a test that drives it by hand): project here
        void this.drain().catch(reject);
      }
    });
  }

  private batch(): number {
    return Math.max(1, this.opts.batch ?? 500);
  }

  /** The projector's position as last read or written (null before the first pass). */
  get position(): number | null {
    return this.pos;
  }

  /** Projects everything up to the head; returns how many feed entries it went through. */
  async drain(): Promise<number> {
    const ov = this.store.oversight;
    if (!ov) return 0;
    let seen = 0;
    this.pos ??= await ov.position();
    const batch = this.batch();
    for (;;) {
      const n = await this.pass();
      seen += n;
      this.release();
      // a short batch was the whole feed when read: what commits after it kicks the projector again
      // (one read of the feed per group commit, not two)
      if (n < batch) return seen;
    }
  }

  /** One batch of the feed: the cases it touched projected, and the position moved past it. */
  async pass(): Promise<number> {
    const ov = this.store.oversight!;
    // another process on the same store may have projected further meanwhile: start from there
    const durable = await ov.position();
    this.saved = Math.max(this.saved, durable);
    this.pos = Math.max(this.pos ?? 0, durable);
    const entries = await ov.feed(this.pos, this.batch());
    if (entries.length === 0) return 0;
    const last = entries[entries.length - 1].pos;
    const touched = new Map<string, FeedEntry[]>();
    for (const e of entries) {
      if (NEUTRAL.has(e.type)) continue;
      const list = touched.get(e.caseId);
      if (list) list.push(e);
      else touched.set(e.caseId, [e]);
    }
    const records: CaseRecord[] = [];
    const lookup = this.opts.lookup ?? (touched.size > 0 ? await usersLookup(this.store) : undefined);
    for (const caseId of touched.keys()) {
      const r = await this.projectCase(caseId, lookup);
      if (r) records.push(r);
    }
    if (records.length === 0 && last - this.saved < UNSAVED_LIMIT) {
      // nothing to write (neutral events only): the position moves in memory; a restart before the
      // next write passes over the same neutral events again
      this.pos = last;
      return entries.length;
    }
    await ov.project(records, last);
    this.pos = last;
    this.saved = last;
    return entries.length;
  }

  /** The case's record with its projection now; null when nothing is to be written. */
  private async projectCase(caseId: string, lookup: FactsLookup | undefined): Promise<CaseRecord | null> {
    const record = await this.store.cases.get(caseId);
    if (!record) return null;
    const bare: CaseRecord = { ...record, oversight: undefined };
    const kept = await this.store.oversight!.facts(caseId);
    if (kept && kept.facts.v === FACTS_VERSION) {
      if (kept.version >= record.version) return null;
      const events = await this.store.events.list(caseId, kept.version);
      if (events.length === 0) return null;
      const prev = carried(kept.facts, events);
      return { ...bare, oversight: projectOversight(bare, events[events.length - 1], prev, this.calendar(), undefined, lookup) };
    }
    // first projection of the case (or by an older FACTS_VERSION): from its whole history
    const events = await this.store.events.list(caseId);
    const last = events[events.length - 1] ?? { type: 'REGISTER', at: record.createdAt, data: {} };
    return { ...bare, oversight: projectOversight(bare, last, undefined, this.calendar(), historyOf(events), lookup) };
  }

  private release(): void {
    const at = this.pos ?? 0;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].target <= at) this.waiters.splice(i, 1)[0].resolve();
    }
  }

  private fail(err: unknown): void {
    this.opts.onError?.(err);
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}

/** The facts before `events`, with what only those events tell (an expiry among them, the first
 * acceptance) folded in: projectOversight then needs only the last of them. */
function carried(prev: OversightFacts, events: readonly EventRecord[]): OversightFacts {
  const expired = events.some((e) => e.type === 'DEADLINE_EXPIRED');
  const accept = prev.ledger.acceptedAt ? null : events.find((e) => e.type === 'ACCEPT');
  if (!expired && !accept) return prev;
  return {
    ...prev,
    everOverdue: prev.everOverdue || expired,
    ledger: accept ? { ...prev.ledger, acceptedAt: shanghaiDate(accept.at) } : prev.ledger,
  };
}

const projectors = new WeakMap<Store, Projector>();

/** The projector of a store in this process (created by server/core.ts). */
export function projectorFor(store: Store): Projector | undefined {
  return projectors.get(store);
}

export function registerProjector(store: Store, projector: Projector): Projector {
  projectors.set(store, projector);
  return projector;
}

/** Waits until the projection shows everything committed before the call (no-op without a projector). */
export async function projectionCaughtUp(store: Store): Promise<void> {
  await projectors.get(store)?.caughtUp();
}

