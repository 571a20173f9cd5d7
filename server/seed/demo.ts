// The demo district (示范区) seeded into an empty store outside production: data only. The lookups
// over any organisation (compound chains, bodies below a body, the tree) are server/org.ts.
// Ids are stable across runs: ou-d1 (district), ou-s<n> (sub-district), ou-c<s>-<n> (community),
// ou-k<s>-<c>-<n> (compound); bodies b-d1, b-s<n>, b-c<s>-<n>, b-court; users u-<username>.
import { hashPassword, type ScryptParams } from '../auth/passwords.ts';
import type { Body, OrgUnit, Store, UserRecord } from '../store/port.ts';
import type { Role } from '../../workflows/vocabulary.ts';
import { isoShanghai } from '../engine/clock.ts';

// ── the demo data ────────────────────────────────────────────────────────────────────────────────

const DISTRICT = { id: 'ou-d1', name: '示范区', short: '示范' };
const SUBDISTRICTS: Array<{ name: string; short: string; communities: Array<{ name: string; short: string; compounds: string[] }> }> = [
  {
    name: '长宁街道',
    short: '长宁',
    communities: [
      { name: '华阳居委会', short: '华阳', compounds: ['华阳花园', '锦绣苑', '香樟公寓'] },
      { name: '天山居委会', short: '天山', compounds: ['天山新村', '金桥名邸'] },
    ],
  },
  {
    name: '新华街道',
    short: '新华',
    communities: [
      { name: '定西居委会', short: '定西', compounds: ['定西雅苑', '绿洲家园', '紫薇小区'] },
      { name: '番禺居委会', short: '番禺', compounds: ['番禺新苑', '和平里'] },
    ],
  },
];

function buildDemoOrg(): { units: OrgUnit[]; bodies: Body[] } {
  const units: OrgUnit[] = [{ id: DISTRICT.id, name: DISTRICT.name, kind: 'district', parentId: null, order: 1 }];
  const bodies: Body[] = [
    // a 行业性、专业性 committee (人民调解法 art. 34; 司法部《关于加强行业性、专业性人民调解委员会建设的意见》2016)
    {
      id: 'b-d1',
      name: `${DISTRICT.name}物业纠纷调解委员会`,
      committeeName: `${DISTRICT.name}物业纠纷人民调解委员会`,
      venueName: `${DISTRICT.name}物业纠纷调解中心`,
      shortName: DISTRICT.short,
      tier: 'district',
      orgUnitId: DISTRICT.id,
      phone: '021-6210 0000',
    },
    { id: 'b-court', name: `${DISTRICT.name}人民法院`, shortName: `${DISTRICT.short}法院`, tier: 'court', orgUnitId: DISTRICT.id },
  ];
  SUBDISTRICTS.forEach((s, si) => {
    const sid = `ou-s${si + 1}`;
    units.push({ id: sid, name: s.name, kind: 'subdistrict', parentId: DISTRICT.id, order: si + 1 });
    bodies.push({
      id: `b-s${si + 1}`,
      name: `${s.name}物业纠纷调解联合中心`,
      // 人民调解法 art. 34: a 街道 may set up a committee; the 联合中心 is where it sits
      committeeName: `${DISTRICT.name}${s.name}人民调解委员会`,
      venueName: `${s.name}物业纠纷调解联合中心`,
      shortName: `${DISTRICT.short}${s.short}`,
      tier: 'subdistrict',
      orgUnitId: sid,
      phone: `021-6210 ${si + 1}000`,
    });
    s.communities.forEach((c, ci) => {
      const cid = `ou-c${si + 1}-${ci + 1}`;
      units.push({ id: cid, name: c.name, kind: 'community', parentId: sid, order: ci + 1 });
      bodies.push({
        id: `b-c${si + 1}-${ci + 1}`,
        name: `${c.name.replace(/会$/, '')}物业纠纷调解工作室`,
        // 人民调解法 art. 8: the 居民委员会's committee; the 工作室 is its venue
        committeeName: `${s.name}${c.name.replace(/居委会$/, '居民委员会')}人民调解委员会`,
        venueName: `${c.name.replace(/会$/, '')}物业纠纷调解工作室`,
        shortName: `${DISTRICT.short}${c.short}`,
        tier: 'community',
        orgUnitId: cid,
        phone: `021-6210 ${si + 1}${ci + 1}00`,
      });
      c.compounds.forEach((k, ki) => {
        // a street address for the documents (纠纷发生地), not a chain of unit names
        const address = `${DISTRICT.name}${s.short}路${(ci + 1) * 100 + (ki + 1) * 10}号${k}`;
        units.push({ id: `ou-k${si + 1}-${ci + 1}-${ki + 1}`, name: k, kind: 'compound', parentId: cid, order: ki + 1, address });
      });
    });
  });
  return { units, bodies };
}

export const DEMO_ORG: Readonly<{ units: readonly OrgUnit[]; bodies: readonly Body[] }> = Object.freeze(buildDemoOrg());

export const DEMO_USERS: ReadonlyArray<{ id: string; username: string; name: string; role: Role; bodyId: string | null }> = [
  { id: 'u-admin', username: 'admin', name: '系统管理员', role: 'admin', bodyId: null },
  { id: 'u-med-c1', username: 'med.c1', name: '王丽华', role: 'mediator', bodyId: 'b-c1-1' },
  { id: 'u-med-c2', username: 'med.c2', name: '李建国', role: 'mediator', bodyId: 'b-c1-2' },
  { id: 'u-med-s1', username: 'med.s1', name: '张敏', role: 'mediator', bodyId: 'b-s1' },
  { id: 'u-med-d', username: 'med.d', name: '陈志刚', role: 'mediator', bodyId: 'b-d1' },
  { id: 'u-court-liaison', username: 'court.liaison', name: '刘洋', role: 'court_liaison', bodyId: 'b-court' },
  { id: 'u-expert-law', username: 'expert.law', name: '赵明（律师）', role: 'expert', bodyId: 'b-d1' },
];

/**
 * The demo password is public, so a costly KDF protects nothing here; a light cost keeps seeding
 * (done by many tests) fast. Real accounts (admin:create) use the configured cost.
 */
export const DEMO_SCRYPT: Readonly<ScryptParams> = Object.freeze({ logN: 12, r: 8, p: 1 });

/**
 * Seeds the demo district, its bodies and accounts — only into a store without users. Callers
 * make sure this never runs in production (server/wiring.ts checks config.isProduction).
 */
export async function seedDemo(
  store: Store,
  opts: { password: string; now: Date | string; scrypt?: ScryptParams },
): Promise<{ seeded: boolean }> {
  if ((await store.users.list()).length > 0) return { seeded: false };
  const createdAt = typeof opts.now === 'string' ? opts.now : isoShanghai(opts.now);
  await store.org.putUnits(DEMO_ORG.units.map((u) => ({ ...u })));
  await store.org.putBodies(DEMO_ORG.bodies.map((b) => ({ ...b })));
  const hashes = await Promise.all(DEMO_USERS.map(() => hashPassword(opts.password, opts.scrypt ?? DEMO_SCRYPT)));
  for (const [i, u] of DEMO_USERS.entries()) {
    const user: UserRecord = {
      ...u,
      passwordHash: hashes[i],
      profile: {},
      failedLogins: 0,
      lockedUntil: null,
      active: true,
      createdAt,
    };
    await store.users.insert(user);
  }
  await store.audit.append({ at: createdAt, actor: null, action: 'seed.demo', ip: null, detail: { users: DEMO_USERS.length } });
  return { seeded: true };
}
