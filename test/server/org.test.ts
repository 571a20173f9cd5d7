import { expect } from 'chai';
import { Org } from '../../server/org.ts';
import { DEMO_ORG } from '../../server/seed/demo.ts';
import type { Body, OrgUnit } from '../../server/store/port.ts';
import { makeHarness, type Harness } from '../support/harness.ts';

const demo = () => new Org(DEMO_ORG.units, DEMO_ORG.bodies);
const MEDIATION_BODIES = DEMO_ORG.bodies.filter((b) => b.tier !== 'court').map((b) => b.id);

describe('the organisation (server/org.ts)', () => {
  describe('compound chain', () => {
    it('fixes the community, sub-district and district of a compound and the bodies that can hold its cases', () => {
      const chain = demo().compoundChain('ou-k2-1-3')!;
      expect([chain.compound.name, chain.community.id, chain.subdistrict.id, chain.district.id]).to.deep.equal(['紫薇小区', 'ou-c2-1', 'ou-s2', 'ou-d1']);
      expect(chain.bodies).to.deep.equal({ community: 'b-c2-1', subdistrict: 'b-s2', district: 'b-d1', court: 'b-court' });
    });

    it('has no chain for a unit that is not a compound, or for an unknown id', () => {
      const org = demo();
      for (const id of ['ou-c1-1', 'ou-s1', 'ou-d1', 'nope']) expect(org.compoundChain(id), id).to.equal(null);
    });

    it('has no chain when a level lacks its body (the case would have nowhere to go)', () => {
      const bodies = DEMO_ORG.bodies.filter((b) => b.id !== 'b-s1');
      const org = new Org(DEMO_ORG.units, bodies);
      expect(org.compoundChain('ou-k1-1-1')).to.equal(null);
      expect(org.compoundChain('ou-k2-1-1')?.bodies.subdistrict).to.equal('b-s2');
    });

    it('has no chain when the court of the district is missing', () => {
      const org = new Org(
        DEMO_ORG.units,
        DEMO_ORG.bodies.filter((b) => b.tier !== 'court'),
      );
      expect(org.compoundChain('ou-k1-1-1')).to.equal(null);
    });
  });

  describe('body serving a unit', () => {
    it('is the mediation body whose tier is the unit kind, never the court', () => {
      const org = demo();
      expect(org.bodyServing('ou-c1-2')?.id).to.equal('b-c1-2');
      expect(org.bodyServing('ou-s2')?.id).to.equal('b-s2');
      expect(org.bodyServing('ou-d1')?.id).to.equal('b-d1'); // the court sits at the same unit
      expect(org.bodyServing('ou-k1-1-1')).to.equal(undefined); // compounds are served through their community
    });

    it('serves a compound through its community: the chain names the same body', () => {
      const org = demo();
      const chain = org.compoundChain('ou-k1-2-2')!;
      expect(chain.bodies.community).to.equal(org.bodyServing(chain.community.id)!.id);
    });

    it('ignores a body filed at a unit of another kind', () => {
      const misfiled: Body = { id: 'b-x', name: 'X', shortName: 'X', tier: 'subdistrict', orgUnitId: 'ou-c1-1' };
      const org = new Org(DEMO_ORG.units, [...DEMO_ORG.bodies.filter((b) => b.id !== 'b-c1-1'), misfiled]);
      expect(org.bodyServing('ou-c1-1')).to.equal(undefined);
      expect(org.compoundChain('ou-k1-1-1')).to.equal(null);
    });
  });

  describe('bodies within a body', () => {
    it('gives a community room itself only', () => {
      expect(demo().bodiesWithin('b-c1-1')).to.deep.equal(['b-c1-1']);
    });

    it('gives a sub-district centre itself first, then its communities', () => {
      expect(demo().bodiesWithin('b-s1')).to.deep.equal(['b-s1', 'b-c1-1', 'b-c1-2']);
    });

    it('gives the district committee every mediation body, and never the court', () => {
      const within = demo().bodiesWithin('b-d1');
      expect(within[0]).to.equal('b-d1');
      expect(within).to.have.members(MEDIATION_BODIES);
    });

    it('gives a court and an unknown body nothing', () => {
      expect(demo().bodiesWithin('b-court')).to.deep.equal([]);
      expect(demo().bodiesWithin('b-nope')).to.deep.equal([]);
    });
  });

  describe('court of a body', () => {
    it('is the court of the district the body lies in, at any depth', () => {
      const org = demo();
      for (const id of ['b-c2-2', 'b-s1', 'b-d1']) expect(org.courtOf(org.body(id)!.orgUnitId)?.id, id).to.equal('b-court');
      expect(org.courtOf('ou-k1-1-1')?.id).to.equal('b-court');
      expect(org.courtOf('nope')).to.equal(undefined);
    });
  });

  describe('the tree', () => {
    it('lists children in their order and places units under their ancestors', () => {
      const org = demo();
      expect(org.children('ou-c1-1').map((u) => u.name)).to.deep.equal(['华阳花园', '锦绣苑', '香樟公寓']);
      expect(org.isUnder('ou-k1-1-1', 'ou-s1')).to.equal(true);
      expect(org.isUnder('ou-k1-1-1', 'ou-s2')).to.equal(false);
      expect(org.isUnder('ou-s1', 'ou-s1')).to.equal(false); // strictly below
    });

    it('roots GET /api/org at the district, with the serving body on each unit that has one', () => {
      const [root, ...others] = demo().trees();
      expect(others).to.deep.equal([]);
      expect(root).to.include({ id: 'ou-d1', kind: 'district', bodyId: 'b-d1' });
      const community = root.children[0].children[0];
      expect(community).to.include({ id: 'ou-c1-1', bodyId: 'b-c1-1' });
      expect(community.children[0]).to.deep.equal({ id: 'ou-k1-1-1', name: '华阳花园', kind: 'compound', address: '示范区长宁路110号华阳花园', children: [] }); // its street address (issue 13)
    });

    it('does not hang on a cycle in malformed data', () => {
      const units: OrgUnit[] = [
        { id: 'a', name: 'A', kind: 'community', parentId: 'b', order: 1 },
        { id: 'b', name: 'B', kind: 'subdistrict', parentId: 'a', order: 1 },
      ];
      const org = new Org(units, []);
      expect(org.isUnder('a', 'z')).to.equal(false);
      expect(org.courtOf('a')).to.equal(undefined);
    });
  });

  describe('the Directory: the organisation rebuilt on refresh', () => {
    let h: Harness;
    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(async () => {
      await h.close();
    });

    it('answers from memory until refreshed, then follows a new compound and a new body', async () => {
      const compound: OrgUnit = { id: 'ou-k1-1-9', name: '新建小区', kind: 'compound', parentId: 'ou-c1-1', order: 9 };
      const community: OrgUnit = { id: 'ou-c1-9', name: '新居委会', kind: 'community', parentId: 'ou-s1', order: 9 };
      const room: Body = { id: 'b-c1-9', name: '新居委物业纠纷调解工作室', shortName: '示范新', tier: 'community', orgUnitId: 'ou-c1-9' };
      expect(h.directory.bodiesWithin('b-s1')).to.deep.equal(['b-s1', 'b-c1-1', 'b-c1-2']);
      await h.store.org.putUnits([compound, community]);
      await h.store.org.putBodies([room]);

      expect(h.directory.compoundChain(compound.id)).to.equal(null);
      expect(h.directory.bodiesWithin('b-s1')).to.not.include('b-c1-9');

      await h.directory.refresh();
      expect(h.directory.compoundChain(compound.id)?.bodies.community).to.equal('b-c1-1');
      expect(h.directory.bodiesWithin('b-s1')).to.include('b-c1-9');
      expect(h.directory.children('ou-s1').map((u) => u.id)).to.deep.equal(['ou-c1-1', 'ou-c1-2', 'ou-c1-9']);
      expect(h.directory.trees()[0].children[0].children.map((n) => n.bodyId)).to.deep.equal(['b-c1-1', 'b-c1-2', 'b-c1-9']);
    });

    it('registers a case for a compound added after start once the directory is refreshed', async () => {
      const compound: OrgUnit = { id: 'ou-k2-2-7', name: '后加小区', kind: 'compound', parentId: 'ou-c2-2', order: 7 };
      await h.store.org.putUnits([compound]);
      await h.directory.refresh();
      const { record } = await h.intake({ compoundId: compound.id }, 'admin');
      expect(record.bodyId).to.equal('b-c2-2');
      expect(record.courtId).to.equal('b-court');
    });
  });
});
