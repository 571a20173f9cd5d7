// The chain check: one walk over every case of a store, used by the admin route
// (GET /api/admin/verify), `npm run verify`, and the migration and restore scripts after a copy.
import type { Store } from '../store/port.ts';
import { verifyChain } from './hash-chain.ts';

export interface ChainReport {
  ok: boolean;
  cases: number;
  events: number;
  broken: Array<{ caseId: string; caseNo: string; seq: number; problem: string }>;
}

/** Walks every case and checks its hash chain, and that the case record agrees with its last event;
 * names the first broken link of each case. */
export async function verifyStore(store: Store, opts: { pageSize?: number } = {}): Promise<ChainReport> {
  const report: ChainReport = { ok: true, cases: 0, events: 0, broken: [] };
  let after: string | null = null;
  for (;;) {
    const page = await store.cases.scan(after, opts.pageSize ?? 200);
    if (page.length === 0) break;
    for (const record of page) {
      report.cases++;
      const events = await store.events.list(record.id);
      report.events += events.length;
      const check = verifyChain(events);
      const last = events[events.length - 1];
      let broken: { seq: number; problem: string } | null = null;
      if (!check.ok) broken = { seq: check.seq, problem: check.problem };
      else if (events.length !== record.version) broken = { seq: Math.min(events.length, record.version) + 1, problem: `the case is at version ${record.version} but has ${events.length} events` };
      else if ((last?.hash ?? '') !== record.lastHash) broken = { seq: last?.seq ?? 0, problem: "the case record's lastHash does not match its last event" };
      if (broken) report.broken.push({ caseId: record.id, caseNo: record.caseNo, ...broken });
    }
    after = page[page.length - 1].id;
  }
  report.ok = report.broken.length === 0;
  return report;
}

/** One line per broken case, for the scripts' output. */
export const describeBreak = (b: ChainReport['broken'][number]): string => `${b.caseNo} (${b.caseId}): seq ${b.seq}: ${b.problem}`;
