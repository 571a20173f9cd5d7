// An administrator editing the organisation: units (sub-districts, communities, compounds with their
// street addresses) and the bodies serving them (with the name of the 人民调解委员会 they act for).
// The use cases behind /api/admin/org/* and the /admin page's forms: validated here once, audited,
// and the Directory (the Org everything asks) refreshed at once.
//
// What is refused, and why: a unit under a parent of the wrong kind (the tree is district →
// sub-district → community → compound); moving a unit (a case's jurisdiction is fixed by its
// compound's place in the tree); a second body of one tier at one unit (the Org serves each unit with
// one body); a body whose tier is not its unit's kind (a court sits at a district); a short name
// another body has (case numbers carry it: （2026）示范物调字第12号 must not be ambiguous).
import { randomUUID } from 'node:crypto';
import Joi from 'joi';
import { text } from './cases/schemas.ts';
import { isoShanghai } from './engine/clock.ts';
import { Duplicate, NotFound, ValidationFailed } from './engine/errors.ts';
import type { Org } from './org.ts';
import type { Body, OrgUnit, Store, UserRecord } from './store/port.ts';

const UNIT_KINDS = ['district', 'subdistrict', 'community', 'compound'] as const;
const PARENT_KIND: Record<OrgUnit['kind'], OrgUnit['kind'] | null> = { district: null, subdistrict: 'district', community: 'subdistrict', compound: 'community' };

export const newUnitBody = Joi.object({
  name: text(60).required(),
  kind: Joi.string()
    .valid(...UNIT_KINDS)
    .required(),
  parentId: Joi.string().max(80).allow(null).required().description('the unit above (null for a district)'),
  address: text(200).description('compounds: the street address, e.g. 示范路88号'),
  order: Joi.number().integer().min(0).max(100_000),
});

export const editUnitBody = Joi.object({
  name: text(60),
  address: text(200).allow(''),
  order: Joi.number().integer().min(0).max(100_000),
}).min(1);

export const newBodyBody = Joi.object({
  name: text(60).required().description('e.g. 华阳社区人民调解室'),
  shortName: text(10).required().description('in case numbers: （2026）示范物调字第12号'),
  tier: Joi.string().valid('community', 'subdistrict', 'district', 'court').required(),
  orgUnitId: Joi.string().max(80).required().description('the unit served (a court: its district)'),
  committeeName: text(60).description('the 人民调解委员会 whose seal its documents carry'),
});

export const editBodyBody = Joi.object({
  name: text(60),
  shortName: text(10),
  committeeName: text(60).allow(''),
}).min(1);

export interface NewUnit {
  name: string;
  kind: OrgUnit['kind'];
  parentId: string | null;
  address?: string;
  order?: number;
}
export type UnitEdit = Partial<Pick<OrgUnit, 'name' | 'address' | 'order'>>;
export interface NewBody {
  name: string;
  shortName: string;
  tier: Body['tier'];
  orgUnitId: string;
  committeeName?: string;
}
export type BodyEdit = Partial<Pick<Body, 'name' | 'shortName' | 'committeeName'>>;

interface Deps {
  store: Store;
  directory: Org & { refresh(): Promise<unknown> };
}

const invalid = (field: string, message: string) => new ValidationFailed(`invalid body: ${message}`, [{ field, in: 'body', message }]);
const newId = (prefix: string) => `${prefix}-${randomUUID().replace(/-/g, '').slice(0, 10)}`;

async function done(deps: Deps, actor: UserRecord, ip: string | undefined, action: string, detail: unknown): Promise<void> {
  await deps.directory.refresh();
  await deps.store.audit.append({ at: isoShanghai(new Date()), actor: actor.id, action, ip: ip ?? null, detail });
}

function siblingNamed(org: Org, parentId: string | null, name: string, except?: string): boolean {
  const siblings = parentId ? org.children(parentId) : org.allUnits().filter((u) => u.parentId === null);
  return siblings.some((u) => u.name === name && u.id !== except);
}

export async function addUnit(deps: Deps, actor: UserRecord, input: NewUnit, ip: string | undefined): Promise<OrgUnit> {
  const org = deps.directory;
  const parent = input.parentId ? org.unit(input.parentId) : undefined;
  const wanted = PARENT_KIND[input.kind];
  if (input.parentId && !parent) throw invalid('parentId', '"parentId" is not a unit of the organisation');
  if ((parent?.kind ?? null) !== wanted) throw invalid('parentId', wanted ? `"parentId" must be a ${wanted} for a ${input.kind}` : '"parentId" must be null for a district');
  if (input.address && input.kind !== 'compound') throw invalid('address', '"address" is for compounds only');
  if (siblingNamed(org, input.parentId, input.name)) throw new Duplicate(`a unit named ${input.name} exists there already`, { field: 'name' });
  const siblings = input.parentId ? org.children(input.parentId) : [];
  const unit: OrgUnit = {
    id: newId('ou'),
    name: input.name,
    kind: input.kind,
    parentId: input.parentId,
    order: input.order ?? Math.max(0, ...siblings.map((u) => u.order + 1)),
    ...(input.address ? { address: input.address } : {}),
  };
  await deps.store.org.putUnits([unit]);
  await done(deps, actor, ip, 'org.unit.added', { unit });
  return unit;
}

export async function updateUnit(deps: Deps, actor: UserRecord, unitId: string, edit: UnitEdit, ip: string | undefined): Promise<OrgUnit> {
  const before = deps.directory.unit(unitId);
  if (!before) throw new NotFound(`unit ${unitId}`);
  if (edit.address && before.kind !== 'compound') throw invalid('address', '"address" is for compounds only');
  if (edit.name && siblingNamed(deps.directory, before.parentId, edit.name, unitId)) throw new Duplicate(`a unit named ${edit.name} exists there already`, { field: 'name' });
  const after: OrgUnit = { ...before, ...(edit.name ? { name: edit.name } : {}), ...(edit.order !== undefined ? { order: edit.order } : {}) };
  if (edit.address !== undefined) {
    if (edit.address) after.address = edit.address;
    else delete after.address;
  }
  await deps.store.org.putUnits([after]);
  await done(deps, actor, ip, 'org.unit.updated', { unitId, before, after });
  return after;
}

function checkShortName(org: Org, shortName: string, except?: string): void {
  if (org.allBodies().some((b) => b.shortName === shortName && b.id !== except)) {
    throw new Duplicate(`another body has the short name ${shortName} (case numbers carry it)`, { field: 'shortName' });
  }
}

export async function addBody(deps: Deps, actor: UserRecord, input: NewBody, ip: string | undefined): Promise<Body> {
  const org = deps.directory;
  const unit = org.unit(input.orgUnitId);
  if (!unit) throw invalid('orgUnitId', '"orgUnitId" is not a unit of the organisation');
  const wantedKind = input.tier === 'court' ? 'district' : input.tier;
  if (unit.kind !== wantedKind) throw invalid('orgUnitId', `"orgUnitId" must be a ${wantedKind} for a ${input.tier} body`);
  const taken = input.tier === 'court' ? org.courtOf(unit.id) : org.bodyServing(unit.id);
  if (taken) throw new Duplicate(`${unit.name} is served by ${taken.name} already`, { field: 'orgUnitId' });
  checkShortName(org, input.shortName);
  const body: Body = {
    id: newId('b'),
    name: input.name,
    shortName: input.shortName,
    tier: input.tier,
    orgUnitId: unit.id,
    ...(input.committeeName ? { committeeName: input.committeeName } : {}),
  };
  await deps.store.org.putBodies([body]);
  await done(deps, actor, ip, 'org.body.added', { body });
  return body;
}

export async function updateBody(deps: Deps, actor: UserRecord, bodyId: string, edit: BodyEdit, ip: string | undefined): Promise<Body> {
  const before = deps.directory.body(bodyId);
  if (!before) throw new NotFound(`body ${bodyId}`);
  if (edit.shortName) checkShortName(deps.directory, edit.shortName, bodyId);
  const after: Body = { ...before, ...(edit.name ? { name: edit.name } : {}), ...(edit.shortName ? { shortName: edit.shortName } : {}) };
  if (edit.committeeName !== undefined) {
    if (edit.committeeName) after.committeeName = edit.committeeName;
    else delete after.committeeName;
  }
  await deps.store.org.putBodies([after]);
  await done(deps, actor, ip, 'org.body.updated', { bodyId, before, after });
  return after;
}
