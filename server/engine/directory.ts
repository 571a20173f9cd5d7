// What the engine needs to know about the organisation and its people, held in memory (the tree and
// the staff list are small) and reloaded from the store when they change.
import type { BodyChain } from '../../workflows/case.types.ts';
import type { MediatorProfile } from '../../workflows/routing.ts';
import type { Body, OrgUnit, Store, UserRecord } from '../store/port.ts';

export interface CompoundChain {
  compound: OrgUnit;
  community: OrgUnit;
  subdistrict: OrgUnit;
  district: OrgUnit;
  bodies: BodyChain;
}

export class Directory {
  private units = new Map<string, OrgUnit>();
  private bodiesById = new Map<string, Body>();
  private users = new Map<string, UserRecord>();

  constructor(private readonly store: Store) {}

  async refresh(): Promise<this> {
    const [units, bodies, users] = await Promise.all([this.store.org.units(), this.store.org.bodies(), this.store.users.list()]);
    this.units = new Map(units.map((u) => [u.id, u]));
    this.bodiesById = new Map(bodies.map((b) => [b.id, b]));
    this.users = new Map(users.map((u) => [u.id, u]));
    return this;
  }

  unit(id: string): OrgUnit | undefined {
    return this.units.get(id);
  }
  body(id: string): Body | undefined {
    return this.bodiesById.get(id);
  }
  allBodies(): Body[] {
    return [...this.bodiesById.values()];
  }
  allUnits(): OrgUnit[] {
    return [...this.units.values()];
  }
  user(id: string): UserRecord | undefined {
    return this.users.get(id);
  }

  /** A compound fixes its community and sub-district, and so the bodies that can hold the case. */
  compoundChain(compoundId: string): CompoundChain | null {
    const compound = this.units.get(compoundId);
    if (!compound || compound.kind !== 'compound') return null;
    const community = compound.parentId ? this.units.get(compound.parentId) : undefined;
    const subdistrict = community?.parentId ? this.units.get(community.parentId) : undefined;
    const district = subdistrict?.parentId ? this.units.get(subdistrict.parentId) : undefined;
    if (!community || !subdistrict || !district) return null;
    const bodyAt = (unitId: string, tier: Body['tier']) =>
      [...this.bodiesById.values()].find((b) => b.orgUnitId === unitId && b.tier === tier);
    const court = [...this.bodiesById.values()].find((b) => b.tier === 'court' && b.orgUnitId === district.id);
    const c = bodyAt(community.id, 'community');
    const s = bodyAt(subdistrict.id, 'subdistrict');
    const d = bodyAt(district.id, 'district');
    if (!c || !s || !d || !court) return null;
    return { compound, community, subdistrict, district, bodies: { community: c.id, subdistrict: s.id, district: d.id, court: court.id } };
  }

  mediatorProfile(id: string): MediatorProfile | null {
    const u = this.users.get(id);
    if (!u) return null;
    return { id: u.id, name: u.name, ...u.profile };
  }
}
