// The codes the 司法局's reports are kept in (issue 16 §4): 受理方式, 调解组织类型, 司法确认, the 防止民转刑 /
// 防止群体性事件 flags and the dispute type of the 人民调解 statistics. Pure tables; the ledger, the
// statistics and the court surfaces read them. No I/O.
//
// The dispute-type code list is NOT verified against an official table: the seed documents
// (../shared/seeds beside the repository) contain no code table of the 司法行政 statistics. The types below are the
// categories the 人民调解 statistics are commonly kept under (婚姻家庭、邻里、房屋宅基地、合同、生产经营、
// 损害赔偿 … 物业、其他); the two-digit codes are this product's own numbering of that list, documented here
// and in the API description, to be replaced by the official codes once a 统计报表 specimen is at hand.
import type { Category, Channel, Tier } from '../../workflows/vocabulary.ts';

type Label = { zh: string; en: string };

// ── 受理方式 ────────────────────────────────────────────────────────────────────────────────────

/** How a case came to the committee (受理方式), derived from the intake channel, the court's mode,
 * the department that transferred it (`transferredFrom`) and the other system of `source`. */
export const INTAKE_MODES = [
  'application', // 当事人申请 (人民调解法 art. 17: 当事人可以向人民调解委员会申请调解)
  'proactive', // 主动调解 (art. 17: 人民调解委员会也可以主动调解) — channel screening (排查)
  'court_delegated', // 法院委派 (特邀调解规定 2016)
  'court_entrusted', // 法院委托
  'police', // 公安移送 (110 联动)
  'petition', // 信访移送
  'hotline_12345', // 12345 市民服务热线
  'grid', // 网格 (网格化管理平台)
  'department', // 其他部门移送
] as const;
export type IntakeMode = (typeof INTAKE_MODES)[number];

export const INTAKE_MODE_LABELS: Record<IntakeMode, Label> = {
  application: { zh: '当事人申请', en: 'Application by a party' },
  proactive: { zh: '主动调解', en: 'Proactive mediation' },
  court_delegated: { zh: '法院委派', en: 'Delegated by the court' },
  court_entrusted: { zh: '法院委托', en: 'Entrusted by the court' },
  police: { zh: '公安移送', en: 'Transferred by the police' },
  petition: { zh: '信访移送', en: 'Transferred by the petitions office' },
  hotline_12345: { zh: '12345热线', en: '12345 hotline' },
  grid: { zh: '网格', en: 'Grid platform' },
  department: { zh: '其他部门移送', en: 'Transferred by another department' },
};

/** Which department transferred a `department_transfer` case (an optional intake field). */
export const TRANSFER_SOURCES = ['police', 'petition', 'other'] as const;
export type TransferSource = (typeof TRANSFER_SOURCES)[number];

const SYSTEM_MODES: Array<[RegExp, IntakeMode]> = [
  [/12345|hotline/i, 'hotline_12345'],
  [/网格|grid/i, 'grid'],
  [/公安|110|police/i, 'police'],
  [/信访|petition/i, 'petition'],
];

export function intakeModeOf(input: {
  channel: Channel | string;
  delegationMode?: 'delegated' | 'entrusted' | null;
  transferredFrom?: TransferSource | null;
  sourceSystem?: string | null;
}): IntakeMode {
  switch (input.channel) {
    case 'court_delegation':
      return input.delegationMode === 'entrusted' ? 'court_entrusted' : 'court_delegated';
    case 'screening':
      return 'proactive';
    case 'hotline_12345':
      return 'hotline_12345';
    case 'grid':
      return 'grid';
    case 'department_transfer': {
      if (input.transferredFrom === 'police' || input.transferredFrom === 'petition') return input.transferredFrom;
      const bySystem = SYSTEM_MODES.find(([re]) => re.test(input.sourceSystem ?? ''))?.[1];
      return bySystem === 'police' || bySystem === 'petition' ? bySystem : 'department';
    }
    default: {
      // walk-in, phone, online: the party applied — unless the work order came from 12345 or the grid
      const bySystem = SYSTEM_MODES.find(([re]) => re.test(input.sourceSystem ?? ''))?.[1];
      return bySystem === 'hotline_12345' || bySystem === 'grid' ? bySystem : 'application';
    }
  }
}

// ── 调解组织类型 ──────────────────────────────────────────────────────────────────────────────────

/** 调解组织类型 as the statistics count them: the 村（居）民委员会's committees (人民调解法 art. 8), and those
 * 乡镇、街道 and 社会团体或者其他组织 set up (art. 34) — the latter the 行业性、专业性 ones. Derived from the body's
 * tier (server/org.ts orgTypeOf): a community room is 村居, a sub-district centre 乡镇街道, the district
 * property-dispute committee 行业性专业性. */
export const ORG_TYPES = ['village_resident', 'township_street', 'professional'] as const;
export type OrgType = (typeof ORG_TYPES)[number];
export const ORG_TYPE_LABELS: Record<OrgType, Label> = {
  village_resident: { zh: '村居', en: 'Village/residents committee' },
  township_street: { zh: '乡镇街道', en: 'Township/sub-district' },
  professional: { zh: '行业性专业性', en: 'Sector-specific / professional' },
};
export const ORG_TYPE_BY_TIER: Partial<Record<Tier, OrgType>> = {
  community: 'village_resident',
  subdistrict: 'township_street',
  district: 'professional',
};

// ── 司法确认 ──────────────────────────────────────────────────────────────────────────────────────

/** 司法确认 (人民调解法 art. 33; 民诉法 2023 arts. 205–206): applied for and awaiting, confirmed, refused. */
export const CONFIRMATION_STATES = ['pending', 'confirmed', 'refused'] as const;
export type ConfirmationState = (typeof CONFIRMATION_STATES)[number];
export const CONFIRMATION_LABELS: Record<ConfirmationState, Label> = {
  pending: { zh: '已申请', en: 'Applied for' },
  confirmed: { zh: '确认有效', en: 'Confirmed' },
  refused: { zh: '不予确认', en: 'Refused' },
};

// ── 防止民转刑 / 防止群体性事件 ───────────────────────────────────────────────────────────────────

/** What a risk flagged on a case (FLAG_RISK `prevents`; 人民调解法 art. 25: a dispute that may escalate, or
 * lead to a public-order or criminal case, is reported to the police or the department concerned) could turn into:
 * a criminal case (民转刑) or a mass incident (群体性事件). The statistics count the cases so flagged. */
export const PREVENTIONS = ['criminal_case', 'mass_incident'] as const;
export type Prevention = (typeof PREVENTIONS)[number];
export const PREVENTION_LABELS: Record<Prevention, Label> = {
  criminal_case: { zh: '防止民转刑', en: 'Prevented a criminal case' },
  mass_incident: { zh: '防止群体性事件', en: 'Prevented a mass incident' },
};

// ── 纠纷类型 (national statistics) ────────────────────────────────────────────────────────────────

/** The dispute types of the 人民调解 statistics, in this product's own two-digit numbering (UNVERIFIED:
 * see the head of this file). */
export const DISPUTE_TYPES = {
  '01': { zh: '婚姻家庭纠纷', en: 'Marriage and family' },
  '02': { zh: '邻里纠纷', en: 'Neighbours' },
  '03': { zh: '房屋宅基地纠纷', en: 'Housing and homestead' },
  '04': { zh: '合同纠纷', en: 'Contracts' },
  '05': { zh: '生产经营纠纷', en: 'Production and business' },
  '06': { zh: '损害赔偿纠纷', en: 'Damages' },
  '07': { zh: '山林土地纠纷', en: 'Forest and land' },
  '08': { zh: '征地拆迁纠纷', en: 'Land requisition and demolition' },
  '09': { zh: '环境污染纠纷', en: 'Environmental pollution' },
  '10': { zh: '劳动争议纠纷', en: 'Labour' },
  '11': { zh: '医疗纠纷', en: 'Medical' },
  '12': { zh: '物业纠纷', en: 'Property management' },
  '13': { zh: '交通事故纠纷', en: 'Traffic accidents' },
  '99': { zh: '其他纠纷', en: 'Other' },
} as const satisfies Record<string, Label>;
export type DisputeTypeCode = keyof typeof DISPUTE_TYPES;
export const DISPUTE_TYPE_CODES = Object.keys(DISPUTE_TYPES) as DisputeTypeCode[];

/** Each category of this product under one statistics type: disputes between neighbours (water
 * coming through, renovation, noise, pets) are 邻里纠纷; the quality of a home is 房屋; everything that
 * turns on the property service, the common parts or the owners' bodies is 物业纠纷. */
export const DISPUTE_TYPE_OF: Record<Category, DisputeTypeCode> = {
  parking: '12',
  fee_adjustment: '12',
  service_quality: '12',
  leakage: '02',
  renovation: '02',
  noise: '02',
  garbage: '12',
  pets: '02',
  group_renting: '12',
  illegal_construction: '12',
  fire_safety: '12',
  maintenance_fund: '12',
  owners_committee: '12',
  property_handover: '12',
  elevator: '12',
  other: '99',
  fee_arrears: '12',
  common_parts: '12',
  housing_quality: '03',
  facilities: '12',
};

export function disputeTypeOf(category: string): DisputeTypeCode {
  return DISPUTE_TYPE_OF[category as Category] ?? '99';
}
