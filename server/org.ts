// THE organisation: the tree of units (district → sub-district → community → compound) and the
// bodies that serve them (DOMAIN.md "Organisation tree"). Everything that asks "which compound belongs
// where", "which body holds a case from this compound" or "which bodies lie below this one" asks
// an Org: the engine (a case's jurisdiction is fixed by its compound), the policy (a mediator reads
// the cases of their body and the bodies below), the API, the pages and the live layer.
// An Org is built from the lists once — the Directory (engine/directory.ts) rebuilds it when it
// refreshes from the store — so answering is a map lookup, never a store read.
import type { BodyChain } from '../workflows/case.types.ts';
import type { Body, OrgUnit } from './store/port.ts';

/** A compound with the units above it and the bodies that can hold its cases, as ids. */
export interface CompoundChain {
  compound: OrgUnit;
  community: OrgUnit;
  subdistrict: OrgUnit;
  district: OrgUnit;
  bodies: BodyChain;
}

/** A unit of the tree as GET /api/org answers it. */
export interface OrgNode {
  id: string;
  name: string;
  kind: OrgUnit['kind'];
  /** the mediation body serving this unit, if any */
  bodyId?: string;
  /** compounds: the street address */
  address?: string;
  /** that body's 人民调解委员会 (the seal on its documents) */
  committeeName?: string;
  children: OrgNode[];
}

/** A malformed tree (a cycle) must not hang a request: no real tree is this deep. */
const MAX_DEPTH = 16;

const byOrder = (a: OrgUnit, b: OrgUnit) => a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class Org {
  private units: readonly OrgUnit[] = [];
  private bodies: readonly Body[] = [];
  private unitById = new Map<string, OrgUnit>();
  private bodyById = new Map<string, Body>();
  private kids = new Map<string | null, OrgUnit[]>();
  /** unit id → the mediation body whose tier is the unit's kind; unit id of a district → its court */
  private serving = new Map<string, Body>();
  private courts = new Map<string, Body>();
  private within = new Map<string, string[]>();

  constructor(units: readonly OrgUnit[] = [], bodies: readonly Body[] = []) {
    this.load(units, bodies);
  }

  /** Replaces the whole tree (the Directory's refresh); every answer below follows at once. */
  protected load(units: readonly OrgUnit[], bodies: readonly Body[]): void {
    this.units = units;
    this.bodies = bodies;
    this.unitById = new Map(units.map((u) => [u.id, u]));
    this.bodyById = new Map(bodies.map((b) => [b.id, b]));
    this.kids = new Map();
    for (const u of units) {
      const list = this.kids.get(u.parentId) ?? [];
      list.push(u);
      this.kids.set(u.parentId, list);
    }
    for (const list of this.kids.values()) list.sort(byOrder);
    this.serving = new Map();
    this.courts = new Map();
    // one body per unit and tier; should the data hold two, the smaller id wins, whatever the store's order
    for (const b of [...bodies].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))) {
      const at = this.unitById.get(b.orgUnitId);
      if (b.tier === 'court') {
        if (!this.courts.has(b.orgUnitId)) this.courts.set(b.orgUnitId, b);
      } else if (at?.kind === b.tier && !this.serving.has(b.orgUnitId)) {
        this.serving.set(b.orgUnitId, b);
      }
    }
    this.within = new Map();
  }

  unit(id: string): OrgUnit | undefined {
    return this.unitById.get(id);
  }
  body(id: string): Body | undefined {
    return this.bodyById.get(id);
  }
  /** Every unit, in the store's order (a copy: the caller may sort it). */
  allUnits(): OrgUnit[] {
    return [...this.units];
  }
  /** Every body, in the store's order (a copy: the caller may sort it). */
  allBodies(): Body[] {
    return [...this.bodies];
  }

  /** The units directly below, in their stable order. */
  children(unitId: string): OrgUnit[] {
    return [...(this.kids.get(unitId) ?? [])];
  }

  /** True when `unitId` lies strictly below `ancestorId`. */
  isUnder(unitId: string, ancestorId: string): boolean {
    let cur = this.unitById.get(unitId);
    for (let hops = 0; cur && cur.parentId && hops < MAX_DEPTH; hops++) {
      if (cur.parentId === ancestorId) return true;
      cur = this.unitById.get(cur.parentId);
    }
    return false;
  }

  /** The mediation body serving a community, sub-district or district (its tier is the unit's kind). */
  bodyServing(unitId: string): Body | undefined {
    return this.serving.get(unitId);
  }

  /** The court of the district a unit lies in (a district is in itself). */
  courtOf(unitId: string): Body | undefined {
    let cur = this.unitById.get(unitId);
    for (let hops = 0; cur && hops < MAX_DEPTH; hops++) {
      if (cur.kind === 'district') return this.courts.get(cur.id);
      cur = cur.parentId ? this.unitById.get(cur.parentId) : undefined;
    }
    return undefined;
  }

  /** A compound fixes its community, sub-district and district, and so the bodies that can hold the
   * case; null for anything else, or when a level or one of its bodies is missing. */
  compoundChain(compoundId: string): CompoundChain | null {
    const compound = this.unitById.get(compoundId);
    if (compound?.kind !== 'compound') return null;
    const parentOf = (u: OrgUnit, kind: OrgUnit['kind']) => {
      const p = u.parentId ? this.unitById.get(u.parentId) : undefined;
      return p?.kind === kind ? p : undefined;
    };
    const community = parentOf(compound, 'community');
    const subdistrict = community && parentOf(community, 'subdistrict');
    const district = subdistrict && parentOf(subdistrict, 'district');
    if (!community || !subdistrict || !district) return null;
    const c = this.bodyServing(community.id);
    const s = this.bodyServing(subdistrict.id);
    const d = this.bodyServing(district.id);
    const court = this.courtOf(district.id);
    if (!c || !s || !d || !court) return null;
    return { compound, community, subdistrict, district, bodies: { community: c.id, subdistrict: s.id, district: d.id, court: court.id } };
  }

  /** The body itself and every mediation body (never a court) whose unit lies below the body's
   * unit; nothing for a court or an unknown body. The policy's jurisdiction of a mediator. */
  bodiesWithin(bodyId: string): string[] {
    const hit = this.within.get(bodyId);
    if (hit) return hit;
    const own = this.bodyById.get(bodyId);
    const result =
      own && own.tier !== 'court'
        ? [own.id, ...this.bodies.filter((b) => b.tier !== 'court' && b.id !== own.id && this.isUnder(b.orgUnitId, own.orgUnitId)).map((b) => b.id)]
        : [];
    this.within.set(bodyId, result);
    return result;
  }

  /** The trees rooted at each district, children in stable order (GET /api/org). */
  trees(): OrgNode[] {
    const node = (u: OrgUnit): OrgNode => {
      const b = this.bodyServing(u.id);
      return { id: u.id, name: u.name, kind: u.kind, ...(b ? { bodyId: b.id, committeeName: committeeOf(b) } : {}), ...(u.address ? { address: u.address } : {}), children: (this.kids.get(u.id) ?? []).map(node) };
    };
    return (this.kids.get(null) ?? []).filter((u) => u.kind === 'district').map(node);
  }
}

/**
 * The 人民调解委员会 a body's documents are sealed by (人民调解法 art. 29: the agreement takes effect with
 * the committee's seal; 民诉法 art. 205: 依法设立的调解组织). A 工作室 or a 中心 is a venue of the committee;
 * a body stored without a committee name is printed under its own name.
 */
export function committeeOf(body: Pick<Body, 'name' | 'committeeName'>): string {
  return body.committeeName?.trim() || body.name;
}
