// Statistics in memory: a columnar copy of the oversight projection (one row of numbers and codes per
// case, ~100 bytes), kept current by change number — each request first reads the facts written
// since the last change it saw (one indexed query; nothing when nothing changed), then sums the
// columns in one pass. SQL GROUP BY over 100,000 rows costs hundreds of milliseconds in SQLite; this
// costs a few. Several processes on one store each keep their own copy, each catching up on its own.
//
// It answers `facets` exactly as the store does (same groups, same sums), so computeStats runs on
// either; the tests hold the two to each other.
import type { FactsRow, OversightDimension, OversightGroup, OversightQuery, OversightStore } from '../store/port.ts';

/** What a facet's caller reads of each group: everything, or only its count of cases (the other sums
 * may then be left at 0 — the store computes them anyway; the index skips them). */
export type FacetNeeds = Record<string, 'all' | 'cases'>;

export interface FacetSource {
  facets(q: OversightQuery, facets: Record<string, OversightDimension[]>, needs?: FacetNeeds): Promise<Record<string, OversightGroup[]>>;
}

type Coded = Exclude<OversightDimension, 'daysToSettle'>;
const CODED: readonly Coded[] = ['status', 'tier', 'category', 'channel', 'outcome', 'compoundId', 'communityId', 'subdistrictId', 'month', 'settledTier', 'intakeMode', 'orgType'];
const BODY = 'bodyId';

/** Metric columns (small integers), in the order of OversightTotals' fields. */
const METRICS = [
  'settled', 'within', 'failed', 'cc', 'cf', 'cp', 'cn', 'visits', 's1', 's2', 's3', 's4', 's5', 'overdue', 'red', 'rec',
  // issue 16 §4 (stats-facts.ts)
  'people', 'hh',
] as const;
const M = METRICS.length;
/** Issue 16 §4's yes/no facts, one bit each in a byte per case: most cases have none, so a sum looks at
 * them (and at the amount, never set without a form) only when the byte is not 0. */
const FLAGS = ['written', 'oral', 'ca', 'conf', 'cr', 'pc', 'pm'] as const;
const F = FLAGS.length;
/** an accumulator: the count of cases, the metrics, the flags, then the agreement amount in fen (doubles:
 * it may pass 2^31) */
const W = M + F + 2;
const DENSE_GROUPS = 1 << 15;

class Dict {
  readonly codes = new Map<string | null, number>();
  readonly values: Array<string | null> = [];
  code(v: string | null): number {
    let c = this.codes.get(v);
    if (c === undefined) {
      c = this.values.length;
      this.codes.set(v, c);
      this.values.push(v);
    }
    return c;
  }
}

function grow<T extends Int32Array | Float64Array | Uint8Array>(a: T, size: number): T {
  if (a.length >= size) return a;
  const b = new (a.constructor as { new (n: number): T })(Math.max(size, a.length * 2));
  b.set(a);
  return b;
}

export class FactsIndex implements FacetSource {
  private size = 0;
  private lastSeq = 0;
  private readonly row = new Map<string, number>();
  private readonly dicts = new Map<string, Dict>([...CODED, BODY].map((d) => [d, new Dict()]));
  private codes = new Map<string, Int32Array>([...CODED, BODY].map((d) => [d, new Int32Array(1024)]));
  private registeredAt = new Float64Array(1024);
  /** days to settle + 1; 0 = not settled */
  private days = new Int32Array(1024);
  private maxDays = 0;
  private metrics = new Int32Array(1024 * M);
  private flags = new Uint8Array(1024);
  private fen = new Float64Array(1024);
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(
    private readonly store: Pick<OversightStore, 'factsSince'>,
    private readonly pageSize = 10_000,
  ) {}

  get cases(): number {
    return this.size;
  }

  /** Reads what was written since the last change seen. A call made while a pass runs gets another
   * pass after it (the running one may have started before the caller's commit). */
  refresh(): Promise<void> {
    if (!this.running) {
      this.running = this.pass().finally(() => (this.running = null));
      return this.running;
    }
    this.queued ??= this.running.then(
      () => {
        this.queued = null;
        return this.refresh();
      },
      () => {
        this.queued = null;
        return this.refresh();
      },
    );
    return this.queued;
  }

  private async pass(): Promise<void> {
    for (;;) {
      const rows = await this.store.factsSince(this.lastSeq, this.pageSize);
      for (const r of rows) this.put(r);
      if (rows.length) this.lastSeq = rows[rows.length - 1].seq;
      if (rows.length < this.pageSize) return;
    }
  }

  private put(r: FactsRow): void {
    let i = this.row.get(r.caseId);
    if (i === undefined) {
      i = this.size++;
      this.row.set(r.caseId, i);
      if (i >= this.registeredAt.length) {
        const n = this.registeredAt.length * 2;
        for (const [d, a] of this.codes) this.codes.set(d, grow(a, n));
        this.registeredAt = grow(this.registeredAt, n);
        this.days = grow(this.days, n);
        this.metrics = grow(this.metrics, n * M);
        this.fen = grow(this.fen, n);
        this.flags = grow(this.flags, n);
      }
    }
    const value: Record<string, string | null> = {
      status: r.status,
      tier: r.tier,
      category: r.category,
      channel: r.channel,
      outcome: r.outcome,
      compoundId: r.compoundId,
      communityId: r.communityId,
      subdistrictId: r.subdistrictId,
      month: r.month,
      settledTier: r.settledTier,
      intakeMode: r.intakeMode,
      orgType: r.orgType,
      [BODY]: r.bodyId,
    };
    for (const [d, a] of this.codes) a[i] = this.dicts.get(d)!.code(value[d] ?? null);
    this.registeredAt[i] = r.registeredAt;
    const days = r.daysToSettle === null ? 0 : r.daysToSettle + 1;
    this.days[i] = days;
    if (days > this.maxDays) this.maxDays = days;
    const m = this.metrics;
    const o = i * M;
    const within = r.settled && (r.settledTier === 'community' || r.settledTier === 'subdistrict');
    const s = r.satisfaction;
    m[o] = r.settled ? 1 : 0;
    m[o + 1] = within ? 1 : 0;
    m[o + 2] = r.failed ? 1 : 0;
    m[o + 3] = r.clausesChecked;
    m[o + 4] = r.clausesFull;
    m[o + 5] = r.clausesPartial;
    m[o + 6] = r.clausesNone;
    m[o + 7] = r.visits;
    m[o + 8] = s[0] ?? 0;
    m[o + 9] = s[1] ?? 0;
    m[o + 10] = s[2] ?? 0;
    m[o + 11] = s[3] ?? 0;
    m[o + 12] = s[4] ?? 0;
    m[o + 13] = r.overdue ? 1 : 0;
    m[o + 14] = r.red ? 1 : 0;
    m[o + 15] = r.recurrence > 0 ? 1 : 0;
    m[o + 16] = r.people;
    m[o + 17] = r.households;
    const bits = [r.agreementWritten, r.agreementOral, r.confirmationApplied, r.confirmed, r.confirmationRefused, r.preventsCriminal, r.preventsMass];
    this.flags[i] = bits.reduce((acc, on, k) => (on ? acc | (1 << k) : acc), 0);
    this.fen[i] = r.agreementFen;
  }

  async facets(q: OversightQuery, facets: Record<string, OversightDimension[]>, needs: FacetNeeds = {}): Promise<Record<string, OversightGroup[]>> {
    await this.refresh();
    return this.compute(q, facets, needs);
  }

  /** One pass over the rows in scope, every facet at once. */
  private compute(q: OversightQuery, facets: Record<string, OversightDimension[]>, needs: FacetNeeds): Record<string, OversightGroup[]> {
    const n = this.size;
    // the scope, as codes
    let bodyOk: Uint8Array | null = null;
    if (q.bodyIds != null) {
      const bodies = this.dicts.get(BODY)!;
      bodyOk = new Uint8Array(bodies.values.length);
      for (const b of q.bodyIds) {
        const c = bodies.codes.get(b);
        if (c !== undefined) bodyOk[c] = 1;
      }
    }
    const from = q.from != null ? Date.parse(q.from) : -Infinity;
    const to = q.to != null ? Date.parse(q.to) : Infinity;
    const units: Array<[Int32Array, number]> = [];
    for (const [dim, id] of [
      ['subdistrictId', q.subdistrictId],
      ['communityId', q.communityId],
      ['compoundId', q.compoundId],
    ] as const) {
      if (id == null) continue;
      const c = this.dicts.get(dim)!.codes.get(id);
      if (c === undefined) return Object.fromEntries(Object.keys(facets).map((k) => [k, []]));
      units.push([this.codes.get(dim)!, c]);
    }

    // each facet: a mixed-radix key over its dimensions' codes → accumulator
    const plans = Object.entries(facets).map(([name, dims]) => {
      const cols = dims.map((d) => (d === 'daysToSettle' ? this.days : this.codes.get(d as Coded)!));
      if (cols.some((c) => c === undefined)) throw new Error(`unknown oversight dimension in ${dims.join(', ')}`);
      const radix = dims.map((d) => (d === 'daysToSettle' ? this.maxDays + 1 : this.dicts.get(d)!.values.length) || 1);
      const groups = radix.reduce((a, b) => a * b, 1);
      // a flat array when the key space is small (the usual case), a map of the keys seen otherwise
      const dense = groups <= DENSE_GROUPS ? new Float64Array(groups * W) : null;
      // the settled count rides along with "cases": a median of days to settle needs it
      const metrics = needs[name] === 'cases' ? 1 : M;
      return { name, dims, cols, radix, dense, metrics, acc: new Map<number, Float64Array>() };
    });
    const P = plans.length;

    const reg = this.registeredAt;
    const body = this.codes.get(BODY)!;
    const m = this.metrics;
    const fen = this.fen;
    const flags = this.flags;
    const U = units.length;
    for (let i = 0; i < n; i++) {
      if (bodyOk !== null && bodyOk[body[i]] !== 1) continue;
      const t = reg[i];
      if (t < from || t > to) continue;
      let inUnit = true;
      for (let u = 0; u < U; u++) if (units[u][0][i] !== units[u][1]) inUnit = false;
      if (!inUnit) continue;
      const o = i * M;
      for (let j = 0; j < P; j++) {
        const p = plans[j];
        const cols = p.cols;
        let key = 0;
        for (let d = cols.length - 1; d >= 0; d--) key = key * p.radix[d] + cols[d][i];
        let a: Float64Array;
        let b: number;
        if (p.dense !== null) {
          a = p.dense;
          b = key * W;
        } else {
          let found = p.acc.get(key);
          if (!found) p.acc.set(key, (found = new Float64Array(W)));
          a = found;
          b = 0;
        }
        a[b]++;
        const k1 = p.metrics;
        for (let k = 0; k < k1; k++) a[b + k + 1] += m[o + k];
        if (k1 === M) {
          const bits = flags[i];
          if (bits !== 0) {
            for (let k = 0; k < F; k++) if (bits & (1 << k)) a[b + M + 1 + k]++;
            a[b + M + F + 1] += fen[i];
          }
        }
      }
    }

    const out: Record<string, OversightGroup[]> = {};
    for (const p of plans) {
      if (p.dense) {
        for (let key = 0; key * W < p.dense.length; key++) {
          if (p.dense[key * W] > 0) p.acc.set(key, p.dense.subarray(key * W, key * W + W));
        }
      }
      out[p.name] = [...p.acc.entries()].map(([key, a]) => {
        const k: OversightGroup['key'] = {};
        let rest = key;
        p.dims.forEach((d, j) => {
          const code = rest % p.radix[j];
          rest = Math.floor(rest / p.radix[j]);
          k[d] = d === 'daysToSettle' ? (code === 0 ? null : code - 1) : this.dicts.get(d)!.values[code];
        });
        return {
          key: k,
          cases: a[0],
          settled: a[1],
          settledWithinSubdistrict: a[2],
          failed: a[3],
          clausesChecked: a[4],
          clausesFull: a[5],
          clausesPartial: a[6],
          clausesNone: a[7],
          visits: a[8],
          satisfaction: [a[9], a[10], a[11], a[12], a[13]],
          overdue: a[14],
          red: a[15],
          recurrences: a[16],
          people: a[17],
          households: a[18],
          agreementsWritten: a[19],
          agreementsOral: a[20],
          confirmationApplied: a[21],
          confirmed: a[22],
          confirmationRefused: a[23],
          preventsCriminal: a[24],
          preventsMass: a[25],
          agreementFen: a[26],
        };
      });
    }
    return out;
  }
}

const indexes = new WeakMap<object, FactsIndex>();

/** The process's in-memory index of a store's projection (one per store). */
export function factsIndexFor(store: { oversight?: OversightStore }): FactsIndex | null {
  if (!store.oversight) return null;
  let index = indexes.get(store.oversight);
  if (!index) indexes.set(store.oversight, (index = new FactsIndex(store.oversight)));
  return index;
}
