// workflows/routing.ts: which tier takes a new case (一般纠纷不出街镇、重大纠纷妥善处置), escalation one
// tier at a time, and the conflicts of interest (回避) that keep a mediator off a case.
import { expect } from 'chai';
import type { Party } from '../../workflows/case.types.ts';
import { DEFAULT_ROUTING, findConflicts, householdsOf, nextTier, route, type RoutingInput, type RoutingRules } from '../../workflows/routing.ts';

const ordinary: RoutingInput = { channel: 'walk_in', category: 'leakage', householdsInvolved: 1 };

describe('routing a new case', () => {
  it('sends an ordinary dispute to the community room, with no flags', () => {
    expect(route(ordinary)).to.deep.equal({
      tier: 'community',
      flags: { major: false, specialised: false, escalationRisk: false, majorReasons: [] },
    });
  });

  it('makes a dispute of 10 households or more major and sends it to the district committee', () => {
    expect(route({ ...ordinary, householdsInvolved: 9 }).tier).to.equal('community');
    const at = route({ ...ordinary, householdsInvolved: 10 });
    expect(at.tier).to.equal('district');
    expect(at.flags.major).to.equal(true);
    expect(at.flags.majorReasons).to.deep.equal(['涉及10户（≥10户）']);
  });

  it('makes a disputed amount at or above the threshold major', () => {
    expect(route({ ...ordinary, disputedAmount: 99_999.99 }).flags.major).to.equal(false);
    const at = route({ ...ordinary, disputedAmount: 100_000 });
    expect(at.tier).to.equal('district');
    expect(at.flags.majorReasons).to.deep.equal(['争议金额100000元（≥100000元）']);
  });

  it('makes a listed category major whatever its size, and flags it as needing an expert', () => {
    const handover = route({ ...ordinary, category: 'property_handover' });
    expect(handover.tier).to.equal('district');
    expect(handover.flags).to.include({ major: true, specialised: true });
    expect(handover.flags.majorReasons).to.deep.equal(['重大纠纷类别']);
  });

  it('keeps a specialised but not major category at its tier, flagged for an expert', () => {
    const fund = route({ ...ordinary, category: 'maintenance_fund' });
    expect(fund.tier).to.equal('community');
    expect(fund.flags).to.include({ major: false, specialised: true });
  });

  it('sends a dispute at risk of escalating (矛盾激化) to the district committee and flags it', () => {
    const risky = route({ ...ordinary, escalationRisk: true });
    expect(risky.tier).to.equal('district');
    expect(risky.flags).to.include({ major: true, escalationRisk: true });
    expect(risky.flags.majorReasons).to.deep.equal(['有矛盾激化风险']);
  });

  it('gives every reason that applies, in a fixed order', () => {
    const all = route({ channel: 'grid', category: 'property_handover', householdsInvolved: 40, disputedAmount: 250_000, escalationRisk: true });
    expect(all.flags.majorReasons).to.deep.equal(['涉及40户（≥10户）', '争议金额250000元（≥100000元）', '重大纠纷类别', '有矛盾激化风险']);
  });

  it('sends a court delegation to the district committee, which docks with the court, without making it major', () => {
    const delegated = route({ ...ordinary, channel: 'court_delegation' });
    expect(delegated.tier).to.equal('district');
    expect(delegated.flags.major).to.equal(false);
  });

  it('applies the rules it is given instead of the defaults', () => {
    const rules: RoutingRules = { ...DEFAULT_ROUTING, majorHouseholds: 50, majorAmount: 1_000, majorCategories: ['parking'] };
    expect(route({ ...ordinary, householdsInvolved: 10 }, rules).tier).to.equal('community');
    expect(route({ ...ordinary, disputedAmount: 1_000 }, rules).tier).to.equal('district');
    expect(route({ ...ordinary, category: 'parking' }, rules).tier).to.equal('district');
    expect(route({ ...ordinary, category: 'property_handover' }, rules).flags.major).to.equal(false);
  });
});

describe('counting households (issue 12 §3: people and group parties only)', () => {
  const person = (n: number): Pick<Party, 'kind' | 'households'> => ({ kind: 'person', households: n });
  const company: Pick<Party, 'kind' | 'households'> = { kind: 'organisation' };

  it('counts one per person and a group party by its own count', () => {
    expect(householdsOf([{ kind: 'person' }, { kind: 'group', households: 7 }, { kind: 'group' }])).to.equal(9);
    // a person is one household whatever is written beside them
    expect(householdsOf([person(5)])).to.equal(1);
  });

  it('does not count a property company or an 业主委员会: nine owners against their company stay ordinary (≥ 10 rule, seed 000 §四(三)1)', () => {
    const nineOwners = Array.from({ length: 9 }, () => ({ kind: 'person' as const }));
    const committee: Pick<Party, 'kind' | 'households'> = { kind: 'organisation', households: 3 };
    const households = householdsOf([...nineOwners, company, committee]);
    expect(households).to.equal(9);
    expect(route({ ...ordinary, householdsInvolved: households }).tier).to.equal('community');
    // the tenth owner makes it major
    expect(route({ ...ordinary, householdsInvolved: householdsOf([...nineOwners, { kind: 'person' }, company]) }).tier).to.equal('district');
  });
});

describe('escalation (上报)', () => {
  it('moves one tier up at a time and stops at the district committee', () => {
    expect(nextTier('community')).to.equal('subdistrict');
    expect(nextTier('subdistrict')).to.equal('district');
    expect(nextTier('district')).to.equal(null);
    expect(nextTier('court')).to.equal(null);
  });
});

describe('conflicts of interest (回避)', () => {
  const parties: Party[] = [
    { id: 'p1', role: 'applicant', kind: 'person', name: '张三' },
    { id: 'p2', role: 'respondent', kind: 'organisation', name: '某物业公司' },
  ];
  const subject = { compoundId: 'cmp-1', parties };

  it('finds none for a mediator with no tie to the case', () => {
    expect(findConflicts([{ id: 'm1', name: '李四', homeCompoundId: 'cmp-2', employer: '别的公司', relatives: ['王五'] }], subject)).to.deep.equal([]);
  });

  it('flags a mediator who lives in the compound', () => {
    expect(findConflicts([{ id: 'm1', name: '李四', homeCompoundId: 'cmp-1' }], subject)).to.deep.equal([
      { mediatorId: 'm1', reason: '调解员居住在本小区', kind: 'same_compound' },
    ]);
  });

  it('flags a mediator employed by an organisation that is a party, but not by a person who shares its name', () => {
    expect(findConflicts([{ id: 'm1', name: '李四', employer: '某物业公司' }], subject)).to.deep.equal([
      { mediatorId: 'm1', reason: '调解员受雇于当事企业（某物业公司）', kind: 'employer' },
    ]);
    expect(findConflicts([{ id: 'm1', name: '李四', employer: '张三' }], subject)).to.deep.equal([]);
  });

  it('flags a mediator related to a party', () => {
    expect(findConflicts([{ id: 'm1', name: '李四', relatives: ['王五', '张三'] }], subject)).to.deep.equal([
      { mediatorId: 'm1', reason: '调解员与当事人张三有亲属关系', kind: 'relative' },
    ]);
  });

  it('reports every reason of every mediator named', () => {
    const found = findConflicts(
      [
        { id: 'm1', name: '李四', homeCompoundId: 'cmp-1', employer: '某物业公司', relatives: ['张三'] },
        { id: 'm2', name: '赵六' },
        { id: 'm3', name: '钱七', relatives: ['张三'] },
      ],
      subject,
    );
    expect(found.map((c) => c.mediatorId)).to.deep.equal(['m1', 'm1', 'm1', 'm3']);
  });
});
