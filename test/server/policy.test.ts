import { expect } from 'chai';
import { canReadCase, canSeePersonalData, caseScope, mayUse, rolesFor, viewParties, type Viewer } from '../../server/policy.ts';
import { committeeOf, Org } from '../../server/org.ts';
import { DEMO_ORG, DEMO_USERS } from '../../server/seed/demo.ts';
import type { CaseRecord } from '../../server/store/port.ts';

const org = new Org(DEMO_ORG.units, DEMO_ORG.bodies);
const user = (username: string): Viewer => {
  const u = DEMO_USERS.find((x) => x.username === username);
  if (!u) throw new Error(username);
  return u;
};

type CaseFacts = Pick<CaseRecord, 'bodyId' | 'courtId' | 'courtInbox' | 'experts'>;
const held = (bodyId: string, extra: Partial<CaseFacts> = {}): CaseFacts => ({ bodyId, courtId: 'b-court', courtInbox: false, experts: [], ...extra });

const ALL_MEDIATION_BODIES = DEMO_ORG.bodies.filter((b) => b.tier !== 'court').map((b) => b.id);

describe('policy: who may see and do what', () => {
  describe('caseScope', () => {
    it('limits a community mediator to their own room', () => {
      expect(caseScope(user('med.c1'), org)).to.deep.equal({ bodyIds: ['b-c1-1'] });
    });

    it('gives a sub-district centre its own cases and those of its communities', () => {
      expect(caseScope(user('med.s1'), org).bodyIds).to.have.members(['b-s1', 'b-c1-1', 'b-c1-2']);
    });

    it('gives the district committee every mediation body of the district, not the court', () => {
      expect(caseScope(user('med.d'), org).bodyIds).to.have.members(ALL_MEDIATION_BODIES);
      expect(caseScope(user('med.d'), org).bodyIds).not.to.include('b-court');
    });

    it('gives the court liaison the court inbox, an expert their invitations, an admin everything', () => {
      expect(caseScope(user('court.liaison'), org)).to.deep.equal({ courtId: 'b-court' });
      expect(caseScope(user('expert.law'), org)).to.deep.equal({ expertId: 'u-expert-law' });
      expect(caseScope(user('admin'), org)).to.deep.equal({});
    });

    it('gives a user without a body nothing', () => {
      expect(caseScope({ id: 'u-x', role: 'mediator', bodyId: null }, org)).to.deep.equal({ bodyIds: [] });
      expect(caseScope({ id: 'u-y', role: 'court_liaison', bodyId: null }, org)).to.deep.equal({ bodyIds: [] });
    });
  });

  describe('canReadCase', () => {
    it('lets med.c1 read only cases held by its room', () => {
      expect(canReadCase(user('med.c1'), held('b-c1-1'), org)).to.equal(true);
      for (const b of ['b-c1-2', 'b-s1', 'b-d1', 'b-c2-1', 'b-s2']) expect(canReadCase(user('med.c1'), held(b), org), b).to.equal(false);
    });

    it('lets med.s1 read its centre and its communities, not the other sub-district nor the district', () => {
      for (const b of ['b-s1', 'b-c1-1', 'b-c1-2']) expect(canReadCase(user('med.s1'), held(b), org), b).to.equal(true);
      for (const b of ['b-s2', 'b-c2-1', 'b-c2-2', 'b-d1']) expect(canReadCase(user('med.s1'), held(b), org), b).to.equal(false);
    });

    it('lets med.d read everything in the district', () => {
      for (const b of ALL_MEDIATION_BODIES) expect(canReadCase(user('med.d'), held(b), org), b).to.equal(true);
    });

    it('lets an expert read only the cases they were invited to', () => {
      expect(canReadCase(user('expert.law'), held('b-d1'), org)).to.equal(false);
      expect(canReadCase(user('expert.law'), held('b-c2-1', { experts: ['u-expert-law'] }), org)).to.equal(true);
    });

    it('lets the court liaison read what is addressed to the court, and nothing else', () => {
      expect(canReadCase(user('court.liaison'), held('b-d1'), org)).to.equal(false);
      expect(canReadCase(user('court.liaison'), held('b-d1', { courtInbox: true }), org)).to.equal(true);
      expect(canReadCase(user('court.liaison'), held('b-d1', { courtInbox: true, courtId: 'b-court-2' }), org)).to.equal(false);
    });

    it('lets an administrator read everything', () => {
      expect(canReadCase(user('admin'), held('b-c2-2'), org)).to.equal(true);
    });
  });

  describe('personal data', () => {
    const parties = [{ id: 'p1', role: 'applicant' as const, kind: 'person' as const, name: '张三', phone: '13812345678', idNumber: '310101199001011234' }];

    it('shows it to staff with jurisdiction and masks it for everyone else', () => {
      const record = held('b-c1-1', { experts: ['u-expert-law'] });
      expect(canSeePersonalData(user('med.c1'), record, org)).to.equal(true);
      expect(canSeePersonalData(user('med.s1'), record, org)).to.equal(true);
      expect(canSeePersonalData(user('med.c2'), record, org)).to.equal(false);
      expect(canSeePersonalData(user('expert.law'), record, org)).to.equal(false);
      expect(canSeePersonalData(user('admin'), record, org)).to.equal(true);
    });

    it('viewParties masks or copies', () => {
      expect(viewParties(parties, false)[0]).to.include({ name: '张三', phone: '138****5678', idNumber: '3101**********1234' });
      const shown = viewParties(parties, true);
      expect(shown[0]).to.deep.equal(parties[0]);
      expect(shown[0]).not.to.equal(parties[0]);
    });
  });

  describe('mayUse', () => {
    it('keeps administration for administrators', () => {
      expect(mayUse('admin', 'admin')).to.equal(true);
      for (const role of ['mediator', 'court_liaison', 'expert'] as const) expect(mayUse(role, 'admin'), role).to.equal(false);
    });

    it('keeps the court inbox for the court liaison (and administrators)', () => {
      expect(rolesFor('court:inbox')).to.have.members(['admin', 'court_liaison']);
      expect(mayUse('mediator', 'court:inbox')).to.equal(false);
    });

    it('lets mediators register cases, not experts', () => {
      expect(mayUse('mediator', 'cases:intake')).to.equal(true);
      expect(mayUse('expert', 'cases:intake')).to.equal(false);
    });
  });

  describe('the demo organisation', () => {
    it('chains each compound to its community, sub-district, district and their bodies', () => {
      const chain = org.compoundChain('ou-k1-1-1');
      expect(chain?.community.id).to.equal('ou-c1-1');
      expect(chain?.subdistrict.id).to.equal('ou-s1');
      expect(chain?.district.id).to.equal('ou-d1');
      expect(chain!.bodies).to.deep.equal({
        community: 'b-c1-1',
        subdistrict: 'b-s1',
        district: 'b-d1',
        court: 'b-court',
      });
      expect(org.compoundChain('ou-c1-1')).to.equal(null);
      expect(org.compoundChain('nope')).to.equal(null);
    });

    it('gives every body a distinct short name and the names the offices use', () => {
      const shorts = DEMO_ORG.bodies.map((b) => b.shortName);
      expect(new Set(shorts).size).to.equal(shorts.length);
      expect(org.body('b-d1')?.name).to.equal('示范区物业纠纷调解委员会');
      expect(org.body('b-court')).to.include({ name: '示范区人民法院', tier: 'court' });
      expect(org.body('b-s1')?.name).to.match(/街道物业纠纷调解联合中心$/);
      expect(org.body('b-c1-1')?.name).to.match(/居委物业纠纷调解工作室$/);
    });

    it('names the 人民调解委员会 of every mediation body, the venue beside it (人民调解法 arts. 8, 29, 34)', () => {
      for (const b of DEMO_ORG.bodies.filter((x) => x.tier !== 'court')) {
        expect(b.committeeName, b.id).to.match(/人民调解委员会$/);
        expect(committeeOf(b)).to.equal(b.committeeName);
        expect(b.venueName, b.id).to.be.a('string').and.not.match(/人民调解委员会$/);
      }
      expect(org.body('b-c1-1')?.committeeName).to.equal('长宁街道华阳居民委员会人民调解委员会'); // art. 8
      expect(org.body('b-s1')?.committeeName).to.equal('示范区长宁街道人民调解委员会'); // art. 34
      expect(org.body('b-d1')?.committeeName).to.equal('示范区物业纠纷人民调解委员会'); // 行业性专业性
      expect(org.trees()[0].committeeName).to.equal('示范区物业纠纷人民调解委员会');
      // a body stored before committees were named prints under its own name
      expect(committeeOf({ name: '旧调解室' })).to.equal('旧调解室');
    });
  });
});
