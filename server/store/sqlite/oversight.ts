// The oversight projection on SQLite: written by the projector after the commit (server/oversight/projector.ts;
// a commit whose record carries CaseRecord.oversight — an import, the store contract — writes it in the
// same transaction as the event), read by statistics (factsSince feeds the in-memory index, facets is the
// same in SQL), the ledger (rows for JSON/XLSX/reconciliation, prepared CSV lines for CSV), the
// recurrence look-back and the company warnings. No case document is parsed by any of these.
import { createHash } from 'node:crypto';
import { Duplicate } from '../../engine/errors.ts';
// the one piece of the ledger's format the store applies itself, when it writes a row
import { LATER_SEPARATOR, ledgerTemplate } from '../../oversight/ledger-format.ts';
import type {
  CaseRecord,
  CompanyCaseRow,
  FactsRow,
  LedgerEntry,
  OversightDimension,
  OversightGroup,
  OversightQuery,
  OversightStore,
  RelatedCaseRef,
} from '../port.ts';
import { shanghaiIso } from '../../../workflows/calendar/calendar.ts';
import { oversightGroup } from '../commit-rules.ts';
import { statsFactsOf } from '../../oversight/stats-facts.ts';
import { type DB, type Handle, type Stmt, isConstraint, json, parse, toMs, withoutOwnFsync } from './db.ts';

/** Times leave the projection as ISO instants in Shanghai time, like every time the engine writes. */
const iso = (ms: number): string => shanghaiIso(ms);
const SHANGHAI_MS = 8 * 3_600_000;
/** the same for the ledger's many rows, without shanghaiIso's checks (the value is our own integer) */
const isoFast = (ms: number): string => `${new Date(ms + SHANGHAI_MS).toISOString().slice(0, -1)}+08:00`;

const DIMENSION_COLUMN: Record<OversightDimension, string> = {
  status: 'status',
  tier: 'tier',
  category: 'category',
  channel: 'channel',
  outcome: 'outcome',
  compoundId: 'compound_id',
  communityId: 'community_id',
  subdistrictId: 'subdistrict_id',
  month: 'month',
  settledTier: 'settled_tier',
  daysToSettle: 'days_to_settle',
  intakeMode: 'intake_mode',
  orgType: 'org_type',
};

const FACT_COLUMNS = [
  'case_id',
  'case_no',
  'body_id',
  'compound_id',
  'community_id',
  'subdistrict_id',
  'registered_at',
  'month',
  'status',
  'tier',
  'category',
  'channel',
  'outcome',
  'settled',
  'settled_tier',
  'within_subdistrict',
  'days_to_settle',
  'failed',
  'clauses_checked',
  'clauses_full',
  'clauses_partial',
  'clauses_none',
  'visits',
  'sat1',
  'sat2',
  'sat3',
  'sat4',
  'sat5',
  'ever_overdue',
  'red',
  'recurrence',
  'source_key',
  'facts_version',
  'digest',
  // issue 16 §4 (migration 6; server/oversight/stats-facts.ts)
  'intake_mode',
  'org_type',
  'agreement_fen',
  'agreement_written',
  'agreement_oral',
  'people',
  'households',
  'conf_applied',
  'confirmed',
  'conf_refused',
  'prevents_criminal',
  'prevents_mass',
] as const;

/** Columns a case's events never change: left out of the update, so their indexes are not rewritten
 * on every commit. (A backfill deletes and re-inserts instead.) */
// (not case_no: a case accepted at another body takes that body's number, issue 12 §6)
const FIXED_AT_INTAKE = new Set<string>([
  'case_id',
  'compound_id',
  'community_id',
  'subdistrict_id',
  'registered_at',
  'month',
  'category',
  'channel',
  'source_key',
]);

/** The unique key of a case in another system; JSON so that no separator can make two refs collide. */
export const sourceKey = (system: string, ref: string): string => json([system.trim(), ref.trim()]);

function factsRow(r: CaseRecord): Record<(typeof FACT_COLUMNS)[number], unknown> {
  const f = r.oversight!;
  const b = (x: boolean) => (x ? 1 : 0);
  const x = statsFactsOf(f);
  return {
    case_id: r.id,
    case_no: r.caseNo,
    body_id: r.bodyId,
    compound_id: r.compoundId,
    community_id: r.communityId,
    subdistrict_id: r.subdistrictId,
    registered_at: toMs(f.registeredAt, 'oversight.registeredAt'),
    month: f.month,
    status: r.status,
    tier: r.tier,
    category: r.category,
    channel: r.channel,
    outcome: r.outcome ?? null,
    settled: b(f.settled),
    settled_tier: f.settledTier,
    within_subdistrict: b(f.settled && (f.settledTier === 'community' || f.settledTier === 'subdistrict')),
    days_to_settle: f.daysToSettle,
    failed: b(f.failed),
    clauses_checked: f.clauses.checked,
    clauses_full: f.clauses.full,
    clauses_partial: f.clauses.partial,
    clauses_none: f.clauses.none,
    visits: f.visits,
    sat1: f.satisfaction[0] ?? 0,
    sat2: f.satisfaction[1] ?? 0,
    sat3: f.satisfaction[2] ?? 0,
    sat4: f.satisfaction[3] ?? 0,
    sat5: f.satisfaction[4] ?? 0,
    ever_overdue: b(f.everOverdue),
    red: b(r.warning === 'red'),
    recurrence: f.relatedCases.length,
    source_key: f.source ? sourceKey(f.source.system, f.source.ref) : null,
    facts_version: f.v,
    digest: '',
    intake_mode: x.intakeMode,
    org_type: x.orgType,
    agreement_fen: x.agreementFen,
    agreement_written: b(x.agreementWritten),
    agreement_oral: b(x.agreementOral),
    people: x.people,
    households: x.households,
    conf_applied: b(x.confirmationApplied),
    confirmed: b(x.confirmed),
    conf_refused: b(x.confirmationRefused),
    prevents_criminal: b(x.preventsCriminal),
    prevents_mass: b(x.preventsMass),
  };
}

// ── ledger lines: JSON arrays of values, their field names stored once per shape ─────────────────
// Half of a line's JSON would otherwise be its field names; an export of 100,000 lines reads and
// parses the other half only.

const shapeIds = new Map<string, string>();
const shapeKeys = new Map<string, string[]>();

function shapeOf(keys: string[]): string {
  const sig = keys.join('\n');
  let id = shapeIds.get(sig);
  if (!id) {
    id = createHash('sha256').update(sig).digest('hex').slice(0, 16);
    shapeIds.set(sig, id);
    shapeKeys.set(id, keys);
  }
  return id;
}

function encodeRow(row: Record<string, unknown>): { shape: string; keys: string[]; text: string } {
  const keys = Object.keys(row);
  const shape = shapeOf(keys);
  const values: unknown[] = [shape];
  for (const k of keys) values.push(row[k] ?? null);
  return { shape, keys, text: json(values) };
}

function decoder(db: DB): (text: string) => Record<string, unknown> {
  const lookup = db.prepare('SELECT keys FROM ledger_shapes WHERE id = ?').pluck();
  return (text) => {
    const values = parse<unknown[]>(text);
    const shape = values[0] as string;
    let keys = shapeKeys.get(shape);
    if (!keys) {
      const found = lookup.get(shape) as string | undefined;
      if (found === undefined) throw new Error(`ledger line of unknown shape ${shape}`);
      keys = parse<string[]>(found);
      shapeKeys.set(shape, keys);
    }
    const row: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) row[keys[i]] = values[i + 1];
    return row;
  };
}

/** The statements that write the projection; used inside the commit transaction (cases.ts). */
export function prepareProjection(db: DB) {
  const st = {
    // every write names its shape (a no-op after the first): a rolled-back first write leaves none behind
    shape: db.prepare('INSERT OR IGNORE INTO ledger_shapes (id, keys) VALUES (?, ?)'),
    facts: db.prepare(
      `INSERT INTO case_facts (${FACT_COLUMNS.join(', ')}, seq)
       VALUES (${FACT_COLUMNS.map((c) => '@' + c).join(', ')}, (SELECT COALESCE(MAX(seq), 0) + 1 FROM case_facts))
       ON CONFLICT (case_id) DO UPDATE SET ${[...FACT_COLUMNS.filter((c) => !FIXED_AT_INTAKE.has(c)), 'seq']
         .map((c) => `${c} = excluded.${c}`)
         .join(', ')}`,
    ),
    ledger: db.prepare(
      `INSERT INTO case_ledger (case_id, case_no, registered_at, body_id, compound_id, community_id, subdistrict_id, row, line)
       VALUES (@case_id, @case_no, @registered_at, @body_id, @compound_id, @community_id, @subdistrict_id, @row, @line)
       ON CONFLICT (case_id) DO UPDATE SET case_no = excluded.case_no, body_id = excluded.body_id, row = excluded.row, line = excluded.line`,
    ),
    key: db.prepare('INSERT OR IGNORE INTO case_keys (compound_id, key, registered_at, case_id) VALUES (?, ?, ?, ?)'),
    link: db.prepare('INSERT OR IGNORE INTO case_links (earlier_id, later_id, later_no, reasons) VALUES (?, ?, ?, ?)'),
    company: db.prepare(
      'INSERT OR REPLACE INTO case_companies (case_id, company_key, name, non_performance, recurrence) VALUES (?, ?, ?, ?, ?)',
    ),
    // (the ledger row is upserted in place)
    forget: ['case_facts', 'case_keys', 'case_companies'].map((t) => db.prepare(`DELETE FROM ${t} WHERE case_id = ?`)),
    digest: db.prepare('SELECT digest FROM case_facts WHERE case_id = ?').pluck(),
    forgetLinks: db.prepare('DELETE FROM case_links WHERE later_id = ?'),
    numberOf: db.prepare('SELECT case_no FROM case_facts WHERE case_id = ?').pluck(),
    // a case that took a new number (accepted at another body): the earlier cases list it by that number
    renumberLinks: db.prepare('UPDATE case_links SET later_no = ? WHERE later_id = ?'),
  };

  return {
    /**
     * Writes a record's projection (nothing when it has none). What is fixed at intake — the
     * recurrence keys and links, the companies among the parties — is written when `full` (the
     * commit that creates the case, and a backfill, which first clears what was there); later
     * commits update the rest.
     */
    write(r: CaseRecord, full: boolean): void {
      const f = r.oversight;
      if (!f) return;
      if (full) {
        for (const del of st.forget) del.run(r.id);
        st.forgetLinks.run(r.id);
      }
      const storedNo = full ? undefined : (st.numberOf.get(r.id) as string | undefined);
      if (storedNo !== undefined && storedNo !== r.caseNo) st.renumberLinks.run(r.caseNo, r.id);
      const row = factsRow(r);
      const line = encodeRow(f.ledger);
      const companies = f.companies.map((c) => `${c.key}\u0001${c.name}\u0001${c.nonPerformance ? 1 : 0}${c.recurrence ? 1 : 0}`).join('\u0002');
      row.digest = createHash('sha1')
        .update(line.text)
        .update(FACT_COLUMNS.map((c) => String(row[c])).join('\u0001'))
        .update(companies)
        .digest('base64');
      // nothing the projection holds changed (the digest covers everything written below)
      if (!full && st.digest.get(r.id) === row.digest) return;
      try {
        st.facts.run(row);
      } catch (e) {
        if (isConstraint(e, 'UNIQUE') && f.source) {
          throw new Duplicate(`a case from ${f.source.system} with reference ${f.source.ref} is registered already`, {
            source: f.source,
          });
        }
        throw e;
      }
      st.shape.run(line.shape, json(line.keys));
      st.ledger.run({
        case_id: r.id,
        case_no: r.caseNo,
        registered_at: row.registered_at,
        body_id: r.bodyId,
        compound_id: r.compoundId,
        community_id: r.communityId,
        subdistrict_id: r.subdistrictId,
        row: line.text,
        line: Buffer.from(ledgerTemplate(f.ledger), 'utf8'),
      });
      if (full) {
        for (const k of f.keys) st.key.run(r.compoundId, k, row.registered_at, r.id);
        // one row per link; the earlier cases' ledger lines are not rewritten: their 后续复发案件 are
        // read from these rows (LATER, below)
        for (const rel of f.relatedCases) st.link.run(rel.id, r.id, r.caseNo, json(rel.reasons));
      }
      // the companies never change, their flags may: REPLACE by (case, company)
      for (const c of f.companies) st.company.run(r.id, c.key, c.name, c.nonPerformance ? 1 : 0, c.recurrence ? 1 : 0);
    },
  };
}

/** The projector's writes (and the backfill's): each record's projection, unless its case has moved on
 * to another version (the projector comes back for it), the facts kept whole for the next projection,
 * and the projector's position — one transaction. The case document is not touched: the projection
 * lives beside it (issue 17). */
function projectTx(db: DB) {
  const write = prepareProjection(db);
  const versionOf = db.prepare('SELECT version FROM cases WHERE id = ?').pluck();
  const factsVersion = db.prepare('SELECT facts_version FROM case_facts WHERE case_id = ?').pluck();
  const keep = db.prepare(
    `INSERT INTO case_oversight (case_id, version, doc) VALUES (?, ?, ?)
     ON CONFLICT (case_id) DO UPDATE SET version = excluded.version, doc = excluded.doc`,
  );
  const source = db.prepare('INSERT OR IGNORE INTO case_sources (source_key, case_id) VALUES (?, ?)');
  const position = db.prepare(
    `INSERT INTO projector (name, position) VALUES ('oversight', ?) ON CONFLICT (name) DO UPDATE SET position = MAX(position, excluded.position)`,
  );
  return db.transaction((records: CaseRecord[], pos: number | undefined) => {
    for (const r of records) {
      if (!r.oversight || versionOf.get(r.id) !== r.version) continue;
      // first projection of the case, or one by an older FACTS_VERSION: everything, keys and links too
      const full = factsVersion.get(r.id) !== r.oversight.v;
      write.write(r, full);
      keep.run(r.id, r.version, json(r.oversight));
      if (r.oversight.source) source.run(sourceKey(r.oversight.source.system, r.oversight.source.ref), r.id);
    }
    if (pos !== undefined) position.run(pos);
  });
}

/** WHERE over case_facts (or case_ledger) aliased `f`. `+f.body_id` in ordered scans keeps the planner on
 * the order index. */
function where(q: OversightQuery, opts: { bodyUnindexed?: boolean } = {}): { sql: string; params: unknown[] } {
  const and: string[] = [];
  const params: unknown[] = [];
  if (q.bodyIds != null) {
    and.push(`${opts.bodyUnindexed ? '+' : ''}f.body_id IN (SELECT value FROM json_each(?))`);
    params.push(json(q.bodyIds));
  }
  if (q.from != null) {
    and.push('f.registered_at >= ?');
    params.push(toMs(q.from, 'from'));
  }
  if (q.to != null) {
    and.push('f.registered_at <= ?');
    params.push(toMs(q.to, 'to'));
  }
  for (const [col, v] of [
    ['subdistrict_id', q.subdistrictId],
    ['community_id', q.communityId],
    ['compound_id', q.compoundId],
  ] as const) {
    if (v == null) continue;
    and.push(`f.${col} = ?`);
    params.push(v);
  }
  return { sql: and.length ? `WHERE ${and.join(' AND ')}` : '', params };
}

const SUMS = `COUNT(*) AS cases, SUM(f.settled) AS settled, SUM(f.within_subdistrict) AS within, SUM(f.failed) AS failed,
  SUM(f.clauses_checked) AS cc, SUM(f.clauses_full) AS cf, SUM(f.clauses_partial) AS cp, SUM(f.clauses_none) AS cn,
  SUM(f.visits) AS visits, SUM(f.sat1) AS s1, SUM(f.sat2) AS s2, SUM(f.sat3) AS s3, SUM(f.sat4) AS s4, SUM(f.sat5) AS s5,
  SUM(f.ever_overdue) AS overdue, SUM(f.red) AS red, SUM(f.recurrence > 0) AS rec,
  SUM(f.agreement_fen) AS fen, SUM(f.agreement_written) AS written, SUM(f.agreement_oral) AS oral, SUM(f.people) AS people,
  SUM(f.households) AS hh, SUM(f.conf_applied) AS ca, SUM(f.confirmed) AS conf, SUM(f.conf_refused) AS cr,
  SUM(f.prevents_criminal) AS pc, SUM(f.prevents_mass) AS pm`;

type SumRow = Record<string, number | string | null>;

const FACTS_ROW_COLUMNS = `seq, case_id, body_id, compound_id, community_id, subdistrict_id, registered_at, month, status, tier,
  category, channel, outcome, settled, settled_tier, days_to_settle, failed, clauses_checked, clauses_full, clauses_partial,
  clauses_none, visits, sat1, sat2, sat3, sat4, sat5, ever_overdue, red, recurrence, intake_mode, org_type, agreement_fen,
  agreement_written, agreement_oral, people, households, conf_applied, confirmed, conf_refused, prevents_criminal, prevents_mass`;

function factsRowOf(r: unknown[]): FactsRow {
  const n = (i: number) => r[i] as number;
  return {
    seq: n(0),
    caseId: r[1] as string,
    bodyId: r[2] as string,
    compoundId: r[3] as string,
    communityId: r[4] as string,
    subdistrictId: r[5] as string,
    registeredAt: n(6),
    month: r[7] as string,
    status: r[8] as string,
    tier: r[9] as string,
    category: r[10] as string,
    channel: r[11] as string,
    outcome: (r[12] as string | null) ?? null,
    settled: n(13) === 1,
    settledTier: (r[14] as string | null) ?? null,
    daysToSettle: (r[15] as number | null) ?? null,
    failed: n(16) === 1,
    clausesChecked: n(17),
    clausesFull: n(18),
    clausesPartial: n(19),
    clausesNone: n(20),
    visits: n(21),
    satisfaction: [n(22), n(23), n(24), n(25), n(26)],
    overdue: n(27) === 1,
    red: n(28) === 1,
    recurrence: n(29),
    intakeMode: (r[30] as string | null) ?? null,
    orgType: (r[31] as string | null) ?? null,
    agreementFen: n(32),
    agreementWritten: n(33) === 1,
    agreementOral: n(34) === 1,
    people: n(35),
    households: n(36),
    confirmationApplied: n(37) === 1,
    confirmed: n(38) === 1,
    confirmationRefused: n(39) === 1,
    preventsCriminal: n(40) === 1,
    preventsMass: n(41) === 1,
  };
}

/** A ledger line's 后续复发案件, derived when it is read: the later cases linked back to it (case_links, one row
 * per link, written with the later case's projection), in registration order, then case number. Nothing
 * rewrites the earlier cases' lines when a later case links to them (issue 17: an intake on a compound
 * with 1,000 earlier cases used to rewrite some 50 of them). (case_ledger.later, written before issue 17,
 * is no longer read.) */
const LATER = `(SELECT group_concat(k.later_no, '${LATER_SEPARATOR}' ORDER BY lf.registered_at, k.later_no)
   FROM case_links k JOIN case_facts lf ON lf.case_id = k.later_id WHERE k.earlier_id = f.case_id)`;

const LEDGER_SELECT = `SELECT f.case_id, f.case_no, f.registered_at, f.body_id, f.row, ${LATER} FROM case_ledger f`;

/** case_id, case_no, registered_at, body_id, row, later */
type LedgerDbRow = [string, string, number, string, string, string];

function ledgerEntry(r: LedgerDbRow, decode: (text: string) => Record<string, unknown>): LedgerEntry {
  return {
    caseId: r[0],
    caseNo: r[1],
    registeredAt: isoFast(r[2]),
    bodyId: r[3],
    row: decode(r[4]) as LedgerEntry['row'],
    laterCases: r[5] ? r[5].split(LATER_SEPARATOR) : [],
  };
}

export function sqliteOversight(h: Handle): { oversight: OversightStore; warm(): void } {
  const cached = (sql: string): Stmt => h.prepared(`sql:${sql}`, (db) => db.prepare(sql));
  const prepare = (db: DB) => ({
    project: projectTx(db),
    read: db.transaction((fn: () => unknown) => fn()) as <T>(fn: () => T) => T,
    // written at commit (cases.ts), not by the projector: a second case with the same reference is refused at once
    bySource: db.prepare('SELECT s.case_id, c.case_no FROM case_sources s JOIN cases c ON c.id = s.case_id WHERE s.source_key = ?'),
    feed: db.prepare('SELECT rowid, case_id, seq, type FROM events WHERE rowid > ? ORDER BY rowid LIMIT ?').raw(),
    head: db.prepare('SELECT COALESCE(MAX(rowid), 0) FROM events').pluck(),
    position: db.prepare("SELECT position FROM projector WHERE name = 'oversight'").pluck(),
    facts: db.prepare('SELECT version, doc FROM case_oversight WHERE case_id = ?').raw(),
    stale: db
      .prepare(
        `SELECT c.id FROM cases c WHERE NOT EXISTS
           (SELECT 1 FROM case_facts f WHERE f.case_id = c.id AND f.facts_version >= ?) ORDER BY c.id LIMIT ?`,
      )
      .pluck(),
    earlier: db.prepare(
      `SELECT k.earlier_id AS id, f.case_no, f.registered_at, k.reasons FROM case_links k
         JOIN case_facts f ON f.case_id = k.earlier_id WHERE k.later_id = ? ORDER BY f.registered_at DESC, f.case_id`,
    ),
    later: db.prepare(
      `SELECT k.later_id AS id, f.case_no, f.registered_at, k.reasons FROM case_links k
         JOIN case_facts f ON f.case_id = k.later_id WHERE k.earlier_id = ? ORDER BY f.registered_at, f.case_id`,
    ),
    candidates: db.prepare(
      `SELECT k.case_id, f.case_no, f.registered_at, json_group_array(k.key) AS keys
         FROM case_keys k JOIN case_facts f ON f.case_id = k.case_id
        WHERE k.compound_id = ? AND k.key IN (SELECT value FROM json_each(?)) AND k.registered_at BETWEEN ? AND ?
        GROUP BY k.case_id ORDER BY f.registered_at DESC, k.case_id LIMIT 500`,
    ),
    byCaseNos: db.prepare(`${LEDGER_SELECT} WHERE f.case_no IN (SELECT value FROM json_each(?))`).raw(),
    // (both lookups by case number use an index: cases.case_no and case_ledger.case_no are UNIQUE)
    holders: db.prepare('SELECT case_no AS caseNo, body_id AS bodyId FROM cases WHERE case_no IN (SELECT value FROM json_each(?))'),
    decode: decoder(db),
    since: db.prepare(`SELECT ${FACTS_ROW_COLUMNS} FROM case_facts WHERE seq > ? ORDER BY seq LIMIT ?`).raw(),
  });
  const s = () => h.prepared(prepare, prepare);

  const refs = (rows: Array<{ id: string; case_no: string; registered_at: number; reasons: string }>): RelatedCaseRef[] =>
    rows.map((r) => ({ id: r.id, caseNo: r.case_no, registeredAt: iso(r.registered_at), reasons: parse(r.reasons) }));

  const oversight: OversightStore = {
    async facets(q, facets) {
      const { sql: w, params } = where(q);
      const plans = Object.entries(facets).map(([name, dims]) => {
        for (const d of dims) if (!(d in DIMENSION_COLUMN)) throw new Error(`unknown oversight dimension ${d}`);
        const cols = dims.map((d, i) => `f.${DIMENSION_COLUMN[d]} AS d${i}`);
        const groupBy = dims.length ? `GROUP BY ${dims.map((_, i) => `d${i}`).join(', ')}` : '';
        const sql = `SELECT ${[...cols, SUMS].join(', ')} FROM case_facts f ${w} ${groupBy}`;
        return { name, dims, stmt: cached(sql) };
      });
      // one read transaction: every facet from the same snapshot
      return s().read(() => {
        const out: Record<string, OversightGroup[]> = {};
        for (const p of plans) {
          out[p.name] = (p.stmt.all(...params) as SumRow[]).filter((r) => Number(r.cases) > 0).map((r) => oversightGroup(p.dims, r, r));
        }
        return out;
      });
    },

    async ledger(q, after, limit) {
      const { sql: w, params } = where(q, { bodyUnindexed: true });
      const cond = after ? `${w ? `${w} AND` : 'WHERE'} (f.registered_at, f.case_id) > (?, ?)` : w;
      const stmt = h.prepared(`ledger:${cond}`, (db) => db.prepare(`${LEDGER_SELECT} ${cond} ORDER BY f.registered_at, f.case_id LIMIT ?`).raw());
      const args = after ? [...params, toMs(after.registeredAt, 'after.registeredAt'), after.caseId] : params;
      const decode = s().decode;
      return (stmt.all(...args, Math.max(0, Math.floor(limit))) as LedgerDbRow[]).map((r) => ledgerEntry(r, decode));
    },

    async ledgerLines(q, after, limit) {
      const { sql: w, params } = where(q, { bodyUnindexed: true });
      const cond = after ? `${w ? `${w} AND` : 'WHERE'} (f.registered_at, f.case_id) > (?, ?)` : w;
      const stmt = h.prepared(`lines:${cond}`, (db) =>
        db
          .prepare(
            `SELECT f.registered_at, f.case_id, f.subdistrict_id, f.community_id, f.compound_id, f.body_id, f.line, CAST(${LATER} AS BLOB)
               FROM case_ledger f ${cond} ORDER BY f.registered_at, f.case_id LIMIT ?`,
          )
          .raw(),
      );
      const args = after ? [...params, ...(parse(after) as [number, string])] : params;
      const rows = stmt.all(...args, Math.max(0, Math.floor(limit))) as Array<[number, string, string, string, string, string, Buffer, Buffer | null]>;
      const last = rows[rows.length - 1];
      return {
        lines: rows.map((r) => ({ subdistrictId: r[2], communityId: r[3], compoundId: r[4], bodyId: r[5], line: r[6], later: r[7] ?? Buffer.alloc(0) })),
        next: rows.length === Math.floor(limit) && last ? json([last[0], last[1]]) : null,
      };
    },

    async ledgerByCaseNos(caseNos) {
      if (caseNos.length === 0) return [];
      const st = s();
      return (st.byCaseNos.all(json(caseNos)) as LedgerDbRow[]).map((r) => ledgerEntry(r, st.decode));
    },

    async holders(caseNos) {
      if (caseNos.length === 0) return [];
      return s().holders.all(json(caseNos)) as Array<{ caseNo: string; bodyId: string }>;
    },

    async recurrenceCandidates(p) {
      if (p.keys.length === 0) return [];
      const rows = s().candidates.all(p.compoundId, json(p.keys), toMs(p.since, 'since'), toMs(p.until, 'until')) as Array<{
        case_id: string;
        case_no: string;
        registered_at: number;
        keys: string;
      }>;
      return rows.map((r) => ({ caseId: r.case_id, caseNo: r.case_no, registeredAt: iso(r.registered_at), keys: parse<string[]>(r.keys) }));
    },

    async related(caseId) {
      const st = s();
      return st.read(() => ({
        earlier: refs(st.earlier.all(caseId) as never),
        later: refs(st.later.all(caseId) as never),
      }));
    },

    async companies(q) {
      const { sql: w, params } = where(q);
      const stmt = cached(
        `SELECT c.company_key, c.name, f.case_id, f.case_no, f.category, f.status, f.outcome, f.registered_at,
                c.recurrence, c.non_performance
           FROM case_companies c JOIN case_facts f ON f.case_id = c.case_id ${w}
          ORDER BY c.company_key, f.registered_at, f.case_id`,
      );
      return (stmt.all(...params) as Array<Record<string, unknown>>).map(
        (r): CompanyCaseRow => ({
          key: r.company_key as string,
          name: r.name as string,
          caseId: r.case_id as string,
          caseNo: r.case_no as string,
          category: r.category as string,
          status: r.status as CompanyCaseRow['status'],
          outcome: (r.outcome as CompanyCaseRow['outcome']) ?? null,
          registeredAt: iso(r.registered_at as number),
          recurrence: r.recurrence === 1,
          nonPerformance: r.non_performance === 1,
        }),
      );
    },

    async factsSince(afterSeq, limit) {
      const rows = s().since.all(afterSeq, Math.max(0, Math.floor(limit))) as unknown[][];
      return rows.map(factsRowOf);
    },

    async bySource(system, ref) {
      const row = s().bySource.get(sourceKey(system, ref)) as { case_id: string; case_no: string } | undefined;
      return row ? { caseId: row.case_id, caseNo: row.case_no } : null;
    },

    async stale(version, limit) {
      return s().stale.all(version, Math.max(0, Math.floor(limit))) as string[];
    },

    async project(records, position) {
      if (!records.length && position === undefined) return;
      // the projector's transaction does not wait for its own fsync: the next commit's fsync of the WAL
      // covers it, and a projection lost to a power cut is projected again (the position went with it)
      await h.turn();
      withoutOwnFsync(h.db, () => s().project.immediate(records, position));
    },

    async feed(after, limit) {
      const rows = s().feed.all(after, Math.max(0, Math.floor(limit))) as Array<[number, string, number, string]>;
      return rows.map(([pos, caseId, seq, type]) => ({ pos, caseId, seq, type }));
    },

    async head() {
      return s().head.get() as number;
    },

    async position() {
      return (s().position.get() as number | undefined) ?? 0;
    },

    async facts(caseId) {
      const row = s().facts.get(caseId) as [number, string] | undefined;
      return row ? { version: row[0], facts: parse(row[1]) } : null;
    },
  };

  return { oversight, warm: () => void s() };
}
