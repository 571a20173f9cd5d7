// The chain check: one walk over every case of a store, used by the admin route
// (GET /api/admin/verify), `npm run verify`, and the migration and restore scripts after a copy.
// With the anchor log (server/integrity/anchor-log.ts) it also checks the chains against the heads
// anchored outside the database, and names what is missing.
import { latestHeads, recordDigest, type AnchorFile } from '../integrity/anchor-log.ts';
import type { Store } from '../store/port.ts';
import { verifyChain } from './hash-chain.ts';

export interface ChainReport {
  ok: boolean;
  cases: number;
  events: number;
  broken: Array<{ caseId: string; caseNo: string; seq: number; problem: string }>;
  /** the check against the anchor log; null when there is none (MongoDB, or a store never anchored) */
  anchors: AnchorCheck | null;
}

export interface AnchorCheck {
  lines: number;
  /** cases with an anchored head */
  cases: number;
  /** lines of the anchor log that are not well-formed or fail their checksum */
  damagedLines: number[];
  /** lines cut short by a crash during their append (their commits were never acknowledged); a warning */
  tornLines: number[];
  /** events in the store after the last anchored head of their case (a crash between the commit and
   * its anchor, or written outside the service): never acknowledged by the service; a warning */
  notAnchored: Array<{ caseId: string; caseNo: string; fromSeq: number; toSeq: number }>;
}

/** Walks every case and checks its hash chain, and that the case record agrees with its last event;
 * names the first broken link of each case. With `anchors`, also that every anchored head is in the
 * store unchanged (hash, record) and that no anchored case is missing. */
export async function verifyStore(store: Store, opts: { pageSize?: number; anchors?: AnchorFile | null } = {}): Promise<ChainReport> {
  // the embedded store also compares its indexed columns with the records they come from
  const drift = 'driftedColumns' in store && typeof store.driftedColumns === 'function' ? (store.driftedColumns as () => Array<{ caseId: string; columns: string[] }>)() : [];
  const drifted = new Map(drift.map((d) => [d.caseId, d.columns]));
  const report: ChainReport = { ok: true, cases: 0, events: 0, broken: [], anchors: null };
  const anchored = opts.anchors ? latestHeads(opts.anchors.lines) : null;
  const check: AnchorCheck | null = opts.anchors
    ? { lines: opts.anchors.lines.length + opts.anchors.damaged.length, cases: anchored!.size, damagedLines: opts.anchors.damaged, tornLines: opts.anchors.torn, notAnchored: [] }
    : null;
  const seen = new Set<string>();
  let after: string | null = null;
  for (;;) {
    const page = await store.cases.scan(after, opts.pageSize ?? 200);
    if (page.length === 0) break;
    for (const record of page) {
      report.cases++;
      seen.add(record.id);
      const events = await store.events.list(record.id);
      report.events += events.length;
      const chain = verifyChain(events);
      const last = events[events.length - 1];
      let broken: { seq: number; problem: string } | null = null;
      if (!chain.ok) broken = { seq: chain.seq, problem: chain.problem };
      else if (events.length !== record.version) broken = { seq: Math.min(events.length, record.version) + 1, problem: `the case is at version ${record.version} but has ${events.length} events` };
      else if ((last?.hash ?? '') !== record.lastHash) broken = { seq: last?.seq ?? 0, problem: "the case record's lastHash does not match its last event" };
      else if (drifted.has(record.id)) {
        broken = { seq: record.version, problem: `the indexed columns (${drifted.get(record.id)!.join(', ')}) disagree with the case record: the table was edited outside the engine` };
      }

      const a = anchored?.get(record.id);
      if (!broken && a) {
        const n = events.length;
        if (n < a.version) {
          broken = {
            seq: n + 1,
            problem: `anchored at version ${a.version} (${a.at}, anchor line ${a.line}) but the store holds ${n} events: acknowledged events ${n + 1}–${a.version} are missing`,
          };
        } else if (events[a.version - 1].hash !== a.hash) {
          broken = { seq: a.version, problem: `event ${a.version} is not the one anchored ${a.at} (anchor line ${a.line}): the history was rewritten` };
        } else if (record.version === a.version && recordDigest(record) !== a.record) {
          broken = { seq: a.version, problem: `the case record is not the one anchored with version ${a.version} (${a.at}): it was altered outside the engine` };
        } else if (n > a.version) {
          check!.notAnchored.push({ caseId: record.id, caseNo: record.caseNo, fromSeq: a.version + 1, toSeq: n });
        }
      } else if (!broken && check && events.length > 0) {
        check.notAnchored.push({ caseId: record.id, caseNo: record.caseNo, fromSeq: 1, toSeq: events.length });
      }
      if (broken) report.broken.push({ caseId: record.id, caseNo: record.caseNo, ...broken });
    }
    after = page[page.length - 1].id;
  }
  for (const [caseId, a] of anchored ?? []) {
    if (seen.has(caseId)) continue;
    report.broken.push({
      caseId,
      caseNo: '?',
      seq: 1,
      problem: `the case is missing from the store: it was anchored at version ${a.version} (${a.at}, anchor line ${a.line})`,
    });
  }
  report.anchors = check;
  report.ok = report.broken.length === 0 && (check?.damagedLines.length ?? 0) === 0;
  return report;
}

/** One line per broken case, for the scripts' output. */
export const describeBreak = (b: ChainReport['broken'][number]): string => `${b.caseNo} (${b.caseId}): seq ${b.seq}: ${b.problem}`;
