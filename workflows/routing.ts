// Pure rules the workflow relies on: which tier takes a new case, who is next up, who may not
// mediate it. 一般纠纷不出街镇、专业纠纷精准介入、重大纠纷妥善处置 (seed 000 §四(三)1).
import type { Conflict, Party } from './case.types.ts';
import type { Category, Channel, MediationTier } from './vocabulary.ts';

export interface RoutingRules {
  /** 重大纠纷: households involved at or above this go to the district committee */
  majorHouseholds: number;
  /** 重大纠纷: disputed amount (yuan) at or above this */
  majorAmount: number;
  /** categories that are always major */
  majorCategories: Category[];
  /** categories that need an expert (lawyer, accountant, cost engineer: 专家顾问团) */
  specialisedCategories: Category[];
  /** workflow 2026.3: a major dispute with fewer mediators than this shows a warning (人民调解法 art. 19:
   * one or several mediators — never refused); absent in settings saved before it: DEFAULT_MIN_MEDIATORS_MAJOR */
  majorMinMediators?: number;
}

/** issue 12 §4: major disputes need at least two mediators (a 主持 mediator and an assistant) unless configured otherwise */
export const DEFAULT_MIN_MEDIATORS_MAJOR = 2;

export const DEFAULT_ROUTING: RoutingRules = {
  majorHouseholds: 10,
  majorAmount: 100_000,
  majorCategories: ['property_handover'],
  specialisedCategories: ['maintenance_fund', 'elevator', 'fee_adjustment', 'property_handover', 'owners_committee'],
  majorMinMediators: DEFAULT_MIN_MEDIATORS_MAJOR,
};

export interface RoutingInput {
  channel: Channel;
  category: Category;
  householdsInvolved: number;
  disputedAmount?: number;
  escalationRisk?: boolean;
}

export interface RoutingDecision {
  tier: MediationTier;
  flags: { major: boolean; specialised: boolean; escalationRisk: boolean; majorReasons: string[] };
}

/** Ordinary → community room; major → district committee; court delegations → district committee,
 * which docks with the court (诉调对接). Specialised categories keep their tier and flag an expert. */
export function route(input: RoutingInput, rules: RoutingRules = DEFAULT_ROUTING): RoutingDecision {
  const majorReasons: string[] = [];
  if (input.householdsInvolved >= rules.majorHouseholds) {
    majorReasons.push(`涉及${input.householdsInvolved}户（≥${rules.majorHouseholds}户）`);
  }
  if ((input.disputedAmount ?? 0) >= rules.majorAmount) {
    majorReasons.push(`争议金额${input.disputedAmount}元（≥${rules.majorAmount}元）`);
  }
  if (rules.majorCategories.includes(input.category)) majorReasons.push('重大纠纷类别');
  if (input.escalationRisk) majorReasons.push('有矛盾激化风险');
  const major = majorReasons.length > 0;
  const specialised = rules.specialisedCategories.includes(input.category);
  const tier: MediationTier = major || input.channel === 'court_delegation' ? 'district' : 'community';
  return { tier, flags: { major, specialised, escalationRisk: Boolean(input.escalationRisk), majorReasons } };
}

/**
 * The households a dispute involves, when intake does not state them: one per person, a group party's
 * own count (or one). An organisation — the property company, the 业主委员会 — is not a household: it
 * stands for others, and counting it would tip a dispute between nine owners and their property company
 * over the ≥ 10-household rule of 重大纠纷 (issue 12 §3; the rule: seed 000 §四(三)1, DEFAULT_ROUTING).
 */
export function householdsOf(parties: ReadonlyArray<Pick<Party, 'kind' | 'households' | 'householdList'>>): number {
  return parties.reduce((n, p) => n + (p.kind === 'organisation' ? 0 : p.kind === 'group' ? groupHouseholds(p) : 1), 0);
}

/** A group party's households: counted from its list when it lists them (issue 12 §2), else as stated, else one. */
export function groupHouseholds(p: Pick<Party, 'households' | 'householdList'>): number {
  return p.householdList?.length ? p.householdList.length : (p.households ?? 1);
}

const NEXT_TIER: Record<MediationTier, MediationTier | null> = {
  community: 'subdistrict',
  subdistrict: 'district',
  district: null,
};

/** Escalation (上报) moves one tier at a time; the district committee has no tier above it. */
export function nextTier(tier: string): MediationTier | null {
  return NEXT_TIER[tier as MediationTier] ?? null;
}

export interface MediatorProfile {
  id: string;
  name: string;
  homeCompoundId?: string;
  employer?: string;
  relatives?: string[];
}

/** 回避: a mediator living in the compound, related to a party, or working for a company involved
 * has an interest in the case (人民调解法 art. 20 / local practice). Each finding says its `kind`: from
 * workflow 2026.3 on, living in the compound is a warning, not a conflict (a 居委会 committee's local
 * knowledge is the point of it — issue 12 §4); the machine decides which kinds block. */
export function findConflicts(
  mediators: MediatorProfile[],
  subject: { compoundId: string; parties: Party[] },
): Conflict[] {
  const conflicts: Conflict[] = [];
  const partyNames = subject.parties.map((p) => p.name);
  const orgNames = subject.parties.filter((p) => p.kind === 'organisation').map((p) => p.name);
  for (const m of mediators) {
    if (m.homeCompoundId && m.homeCompoundId === subject.compoundId) {
      conflicts.push({ mediatorId: m.id, reason: '调解员居住在本小区', kind: 'same_compound' });
    }
    if (m.employer && orgNames.includes(m.employer)) {
      conflicts.push({ mediatorId: m.id, reason: `调解员受雇于当事企业（${m.employer}）`, kind: 'employer' });
    }
    for (const rel of m.relatives ?? []) {
      if (partyNames.includes(rel)) conflicts.push({ mediatorId: m.id, reason: `调解员与当事人${rel}有亲属关系`, kind: 'relative' });
    }
  }
  return conflicts;
}
