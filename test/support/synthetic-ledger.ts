// Synthetic ledger entries shaped like the oversight projection's rows (server/oversight/facts.ts):
// masked parties, Chinese text, days, counts, a later case now and then. For the XLSX writer's test
// and benchmark, which need more lines than a test can register through the engine.
import type { LedgerEntry } from '../../server/store/port.ts';

/** The case number of synthetic line i (0-based). */
export const syntheticCaseNo = (i: number): string => `（2026）沪0115民调${String(i + 1).padStart(6, '0')}号`;

/** `n` ledger entries, a page of 1,000 at a time, shaped like the projection's rows. */
export async function* syntheticLedger(n: number, pageSize = 1000): AsyncGenerator<LedgerEntry[]> {
  const day = (i: number) => `2026-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
  for (let from = 0; from < n; from += pageSize) {
    const page: LedgerEntry[] = [];
    for (let i = from; i < Math.min(n, from + pageSize); i++) {
      const caseNo = syntheticCaseNo(i);
      page.push({
        caseId: `c${i}`,
        caseNo,
        registeredAt: day(i),
        bodyId: `b${i % 40}`,
        laterCases: i % 17 === 0 ? [syntheticCaseNo(i + 1)] : [],
        row: {
          caseNo,
          registeredAt: day(i),
          channel: i % 3 ? 'walk_in' : 'hotline_12345',
          source: i % 3 ? null : `12345:GD${2026_000_000 + i}`,
          subdistrictId: `s${i % 8}`,
          communityId: `c${i % 60}`,
          compoundId: `k${i % 400}`,
          bodyId: `b${i % 40}`,
          category: 'noise',
          summary: `第${i}号：楼上住户装修噪音扰民，物业多次协调未果，业主要求赔偿并停止夜间施工（已脱敏）`,
          applicants: '张**（业主）；李**（业主）',
          respondents: '上海某某物业管理有限公司',
          households: 1 + (i % 9),
          major: i % 50 === 0,
          tierPath: i % 5 ? ['community'] : ['community', 'subdistrict'],
          tier: i % 5 ? 'community' : 'subdistrict',
          status: i % 4 ? 'closed' : 'in_mediation',
          outcome: i % 4 ? 'resolved' : null,
          acceptedAt: day(i),
          settledAt: i % 4 ? day(i + 3) : null,
          agreementForm: i % 4 ? 'written' : null,
          daysToSettle: i % 4 ? 3 + (i % 20) : null,
          closedAt: i % 4 ? day(i + 10) : null,
          clauses: i % 4 ? 3 : 0,
          clausesFull: i % 4 ? 2 : 0,
          performance: i % 4 ? 'partial' : '',
          followUps: i % 4 ? 1 : 0,
          lastFollowUp: i % 4 ? day(i + 20) : null,
          satisfaction: i % 4 ? 4 : null,
          overdue: i % 13 === 0,
          warning: 'none',
          relatedCases: [],
        },
      });
    }
    yield page;
  }
}
