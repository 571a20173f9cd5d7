// The oversight projection on MongoDB (port.ts OversightStore): statistics, the ledger (台账), the
// recurrence look-back (倒查) and company warnings. The facts travel in the case document itself
// (`oversight`, as committed), with the numbers and codes queries need flattened beside them in `_f`
// (codec.ts factsOf) — so they are written atomically with each commit, with no second collection.
// Aggregates are one $facet; links between cases are read from `oversight.relatedCases`. Each facts
// write takes a change number (`_f.seq`, from one counter, in the commit's transaction) for
// factsSince: on a replica set they become visible in commit order; on a standalone server (no
// transactions) a reader may see a later number before an earlier one lands.
import { shanghaiIso } from '../../../workflows/calendar/calendar.ts';
import { oversightGroup } from '../commit-rules.ts';
import type { CompanyCaseRow, FactsRow, LedgerEntry, OversightFacts, OversightGroup, OversightStore, RelatedCaseRef } from '../port.ts';
import { type Doc, factsOf, plain, sourceKey } from './codec.ts';
import { type Colls, commitsInFlight, type ServerFeatures, stampFacts } from './commit.ts';

/** the projector's position (server/oversight/projector.ts), in the counters collection */
const PROJECTOR_ID = 'oversight:projector';
import {
  companyCases,
  factsSince,
  laterLinks,
  ledgerByCaseNos,
  ledgerPage,
  oversightFacets,
  oversightFacetsInProcess,
  projectFacts,
  recurrenceCandidates,
  staleFacts,
} from './queries.ts';

/** Times leave the projection as ISO instants in Shanghai time, like every time the engine writes. */
const iso = (d: unknown): string => shanghaiIso((d as Date).getTime());

function factsRowOf(d: Doc): FactsRow {
  const f = d._f as Doc;
  return {
    seq: f.seq,
    caseId: d._id as string,
    bodyId: d.bodyId,
    compoundId: d.compoundId,
    communityId: d.communityId,
    subdistrictId: d.subdistrictId,
    registeredAt: (f.registeredAt as Date).getTime(),
    month: f.month,
    status: d.status,
    tier: d.tier,
    category: d.category,
    channel: d.channel,
    outcome: d.outcome ?? null,
    settled: f.settled === 1,
    settledTier: f.settledTier ?? null,
    daysToSettle: f.daysToSettle ?? null,
    failed: f.failed === 1,
    clausesChecked: f.cc,
    clausesFull: f.cf,
    clausesPartial: f.cp,
    clausesNone: f.cn,
    visits: f.visits,
    satisfaction: [f.s1, f.s2, f.s3, f.s4, f.s5],
    overdue: f.overdue === 1,
    red: f.red === 1,
    recurrence: f.links ?? f.rec ?? 0,
    intakeMode: f.intakeMode ?? null,
    orgType: f.orgType ?? null,
    agreementFen: f.fen ?? 0,
    agreementWritten: f.written === 1,
    agreementOral: f.oral === 1,
    people: f.people ?? 0,
    households: f.hh ?? 0,
    confirmationApplied: f.ca === 1,
    confirmed: f.conf === 1,
    confirmationRefused: f.cr === 1,
    preventsCriminal: f.pc === 1,
    preventsMass: f.pm === 1,
  };
}

export function mongoOversight(
  colls: () => Colls,
  features: () => ServerFeatures,
  exclusive: <T>(work: () => Promise<T>) => Promise<T> = (work) => work(),
): OversightStore {
  const cases = () => colls().cases;

  /** Ledger entries for these case documents, with the case numbers of later cases linked back. */
  async function entries(docs: Doc[]): Promise<LedgerEntry[]> {
    if (docs.length === 0) return [];
    const l = laterLinks(docs.map((d) => d._id as string));
    const later = new Map<string, string[]>();
    for (const d of await cases().find(l.filter, { projection: l.projection }).toArray()) {
      for (const rel of (d.oversight?.relatedCases ?? []) as RelatedCaseRef[]) {
        later.set(rel.id, [...(later.get(rel.id) ?? []), d.caseNo as string]);
      }
    }
    return docs.map((d) => ({
      caseId: d._id as string,
      caseNo: d.caseNo as string,
      registeredAt: iso(d._f.registeredAt),
      bodyId: d.bodyId as string,
      row: d.oversight?.ledger ?? {},
      laterCases: (later.get(d._id as string) ?? []).sort(),
    }));
  }

  async function project(records: Parameters<OversightStore['project']>[0], position?: number): Promise<void> {
    for (const r of records) {
      const facts = factsOf(r);
      if (!facts) continue;
      facts.pv = r.version; // the case version projected (facts() below)
      const q = projectFacts(r.id, r.version, plain(r.oversight), facts);
      if ((await cases().updateOne(q.filter, q.update)).matchedCount === 1) await stampFacts(colls(), r.id);
    }
    // after the writes: a projector killed in between projects these cases again, to the same facts
    if (position !== undefined) {
      // only forward (two processes projecting the same store write the same facts)
      const at = ((await colls().counters.findOne({ _id: PROJECTOR_ID }))?.n as number | undefined) ?? 0;
      if (position > at) await colls().counters.updateOne({ _id: PROJECTOR_ID }, { $set: { n: position } }, { upsert: true });
    }
  }

  return {
    async facets(q, facets) {
      if (Object.keys(facets).length === 0) return {};
      let row: Doc | undefined;
      if (features().facet) [row] = await cases().aggregate(oversightFacets(q, facets)).toArray();
      else {
        const p = oversightFacetsInProcess(q, facets);
        row = p.groups(await cases().find(p.filter, { projection: p.projection }).toArray());
      }
      const out: Record<string, OversightGroup[]> = {};
      for (const [name, dims] of Object.entries(facets)) {
        out[name] = ((row?.[name] ?? []) as Doc[]).filter((g) => Number(g.cases) > 0).map((g) => oversightGroup(dims, (g._id ?? {}) as Doc, g));
      }
      return out;
    },

    async ledger(q, after, limit) {
      const p = ledgerPage(q, after, limit);
      if (p.limit === 0) return [];
      return entries(await cases().find(p.filter, { sort: p.sort, limit: p.limit, projection: p.projection }).toArray());
    },

    async ledgerByCaseNos(caseNos) {
      if (caseNos.length === 0) return [];
      const p = ledgerByCaseNos(caseNos);
      return entries(await cases().find(p.filter, { projection: p.projection }).toArray());
    },

    async holders(caseNos) {
      if (caseNos.length === 0) return [];
      // the unique caseNo index
      const docs = await cases().find({ caseNo: { $in: [...caseNos] } }, { projection: { caseNo: 1, bodyId: 1 } }).toArray();
      return docs.map((d) => ({ caseNo: String(d.caseNo), bodyId: String(d.bodyId) }));
    },

    async recurrenceCandidates(p) {
      if (p.keys.length === 0) return [];
      const q = recurrenceCandidates(p);
      const wanted = new Set(p.keys);
      return (await cases().find(q.filter, { sort: q.sort, limit: q.limit, projection: q.projection }).toArray()).map((d) => ({
        caseId: d._id as string,
        caseNo: d.caseNo as string,
        registeredAt: iso(d._f.registeredAt),
        keys: ((d.oversight?.keys ?? []) as string[]).filter((k) => wanted.has(k)),
      }));
    },

    async related(caseId) {
      const me = await cases().findOne({ _id: caseId }, { projection: { 'oversight.relatedCases': 1 } });
      const links = (me?.oversight?.relatedCases ?? []) as RelatedCaseRef[];
      // the earlier cases as they are now (their number and registration), as the links name them
      const earlierDocs = links.length
        ? await cases().find({ _id: { $in: links.map((r) => r.id) }, '_f.registeredAt': { $exists: true } }, { projection: { caseNo: 1, '_f.registeredAt': 1 } }).toArray()
        : [];
      const byId = new Map(earlierDocs.map((d) => [d._id as string, d]));
      const earlier = links
        .filter((r) => byId.has(r.id))
        .map((r) => {
          const d = byId.get(r.id)!;
          return { id: r.id, caseNo: d.caseNo as string, registeredAt: iso(d._f.registeredAt), reasons: r.reasons, at: (d._f.registeredAt as Date).getTime() };
        })
        .sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : 1))
        .map(({ at: _at, ...r }) => r);
      const l = laterLinks([caseId]);
      const later = (await cases().find(l.filter, { projection: l.projection }).toArray())
        .map((d) => ({
          id: d._id as string,
          caseNo: d.caseNo as string,
          registeredAt: iso(d._f.registeredAt),
          reasons: ((d.oversight.relatedCases as RelatedCaseRef[]).find((r) => r.id === caseId)?.reasons ?? []) as RelatedCaseRef['reasons'],
          at: (d._f.registeredAt as Date).getTime(),
        }))
        .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
        .map(({ at: _at, ...r }) => r);
      return { earlier, later };
    },

    async companies(q) {
      const p = companyCases(q);
      const rows: Array<CompanyCaseRow & { at: number }> = [];
      for (const d of await cases().find(p.filter, { projection: p.projection }).toArray()) {
        for (const c of d.oversight.companies as Array<{ key: string; name: string; nonPerformance: boolean; recurrence: boolean }>) {
          rows.push({
            key: c.key,
            name: c.name,
            caseId: d._id as string,
            caseNo: d.caseNo as string,
            category: d.category as string,
            status: d.status as CompanyCaseRow['status'],
            outcome: (d.outcome as CompanyCaseRow['outcome']) ?? null,
            registeredAt: iso(d._f.registeredAt),
            recurrence: !!c.recurrence,
            nonPerformance: !!c.nonPerformance,
            at: (d._f.registeredAt as Date).getTime(),
          });
        }
      }
      const cmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
      return rows
        .sort((a, b) => cmp(a.key, b.key) || a.at - b.at || cmp(a.caseId, b.caseId))
        .map(({ at: _at, ...r }) => r);
    },

    async bySource(system, ref) {
      const d = await cases().findOne({ '_f.source': sourceKey(system, ref) }, { projection: { caseNo: 1 } });
      return d ? { caseId: d._id as string, caseNo: d.caseNo as string } : null;
    },

    async stale(version, limit) {
      const q = staleFacts(version, limit);
      if (q.limit === 0) return [];
      return (await cases().find(q.filter, { sort: q.sort, limit: q.limit, projection: q.projection }).toArray()).map((d) => d._id as string);
    },

    async factsSince(afterSeq, limit) {
      const q = factsSince(afterSeq, limit);
      if (q.limit === 0) return [];
      return (await cases().find(q.filter, { sort: q.sort, limit: q.limit, projection: q.projection }).toArray()).map(factsRowOf);
    },

    project: (records, position) => exclusive(() => project(records, position)),

    async feed(after, limit) {
      const n = Math.max(0, Math.floor(limit));
      if (n === 0) return [];
      // not past a commit this process is still writing, nor past one a standalone server has half-written
      const below = commitsInFlight.size ? Math.min(...commitsInFlight) : Number.MAX_SAFE_INTEGER;
      const docs = await colls()
        .events.find({ _pos: { $gt: after, $lt: below } }, { sort: { _pos: 1 }, limit: n, projection: { caseId: 1, seq: 1, type: 1, _pos: 1, _pending: 1 } })
        .toArray();
      const out = [];
      for (const d of docs) {
        if (d._pending) break;
        out.push({ pos: d._pos as number, caseId: d.caseId as string, seq: d.seq as number, type: d.type as string });
      }
      return out;
    },

    async head() {
      const [d] = await colls().events.find({ _pos: { $exists: true } }, { sort: { _pos: -1 }, limit: 1, projection: { _pos: 1 } }).toArray();
      return (d?._pos as number | undefined) ?? 0;
    },

    async position() {
      const d = await colls().counters.findOne({ _id: PROJECTOR_ID });
      return (d?.n as number | undefined) ?? 0;
    },

    async facts(caseId) {
      const d = await cases().findOne({ _id: caseId }, { projection: { oversight: 1, '_f.pv': 1 } });
      const pv = d?._f?.pv;
      return d?.oversight && typeof pv === 'number' ? { version: pv, facts: d.oversight as OversightFacts } : null;
    },
  };
}
