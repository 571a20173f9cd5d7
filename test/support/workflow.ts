// Fixtures for the pure workflow tests (test/workflows/): the bodies a case can pass through and a
// registration at the community room.
import type { IntakeInput } from '../../workflows/case.types.ts';

export const bodies = { community: 'b-room', subdistrict: 'b-centre', district: 'b-committee', court: 'b-court' };

/** A leakage case between a resident and the property company, registered at the community room. */
export function intake(over: Partial<IntakeInput> = {}): IntakeInput {
  return {
    caseId: 'c1',
    caseNo: '（2026）示范物调字第00001号',
    channel: 'walk_in',
    category: 'leakage',
    compoundId: 'k1',
    summary: '漏水',
    claims: [],
    householdsInvolved: 1,
    parties: [
      { id: 'p1', role: 'applicant', kind: 'person', name: '张三' },
      { id: 'p2', role: 'respondent', kind: 'organisation', name: '示范物业公司' },
    ],
    bodies,
    tier: 'community',
    flags: { major: false, specialised: false, escalationRisk: false, majorReasons: [] },
    delegation: null,
    at: '2026-11-23T09:00:00+08:00',
    ...over,
  };
}
