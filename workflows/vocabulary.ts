// The stable vocabulary of the public contract (../shared/design/API.md). Other systems depend on these
// names: add, never rename. Labels are zh-CN first, English second.

export const STATUSES = [
  'registered',
  'declined',
  'in_mediation',
  'agreement_pending',
  'performing',
  'confirmation_pending',
  'referred_to_court',
  'closed',
  // workflow 2026.3: an entrusted (委托) case's agreement waits for the court's 调解书 or 撤诉
  'submitted_to_court',
] as const;
export type Status = (typeof STATUSES)[number];

export const TIERS = ['community', 'subdistrict', 'district', 'court'] as const;
export type Tier = (typeof TIERS)[number];
/** The tiers that mediate, lowest first; escalation moves one step up this list (上报). */
export const MEDIATION_TIERS = ['community', 'subdistrict', 'district'] as const;
export type MediationTier = (typeof MEDIATION_TIERS)[number];

export const OUTCOMES = ['resolved', 'unresolved', 'withdrawn', 'referred', 'declined'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const CHANNELS = [
  'walk_in',
  'phone',
  'hotline_12345',
  'grid',
  'online',
  'court_delegation',
  'department_transfer',
  'screening',
] as const;
export type Channel = (typeof CHANNELS)[number];

export const CATEGORIES = [
  'parking',
  'fee_adjustment',
  'service_quality',
  'leakage',
  'renovation',
  'noise',
  'garbage',
  'pets',
  'group_renting',
  'illegal_construction',
  'fire_safety',
  'maintenance_fund',
  'owners_committee',
  'property_handover',
  'elevator',
  'other',
  // added with workflow 2026.3 (issue 12 §3), appended so that existing codes keep their place
  'fee_arrears',
  'common_parts',
  'housing_quality',
  'facilities',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Events a person (or another system) sends. */
export const USER_EVENT_TYPES = [
  'ACCEPT',
  'DECLINE',
  'ASSIGN',
  'REQUEST_RECUSAL',
  'INVITE_EXPERT',
  'ADD_OPINION',
  'SCHEDULE_SESSION',
  'RECORD_SESSION',
  'EXTEND_DEADLINE',
  'REACH_AGREEMENT',
  'SIGN_AGREEMENT',
  'MEDIATION_FAILED',
  'ESCALATE',
  'REFER_TO_COURT',
  'TERMINATE',
  'WITHDRAW',
  'COURT_ACCEPT',
  'COURT_RETURN',
  'REQUEST_CONFIRMATION',
  'CONFIRMATION_RESULT',
  'RECORD_FOLLOW_UP',
  'CLOSE',
  'REOPEN',
  // workflow 2026.3
  'TRANSFER',
  'FLAG_RISK',
  'COURT_SETTLEMENT',
  // workflow 2026.3 (issue 12 §§3–5)
  'INVITE_PARTICIPANT',
  'RECORD_INVESTIGATION',
  'RECORD_ASSEMBLY_DECISION',
] as const;
export type UserEventType = (typeof USER_EVENT_TYPES)[number];

/** Events the engine raises itself: intake, and its durable timers. */
export const SYSTEM_EVENT_TYPES = ['REGISTER', 'DEADLINE_WARNING', 'DEADLINE_EXPIRED', 'DEADLINES_RECALCULATED'] as const;
export type SystemEventType = (typeof SYSTEM_EVENT_TYPES)[number];
/** Events the engine records for a person outside the workflow: they change no state of the case
 * (issue 14: a mediator reissued the resident's access code; the code itself is never recorded). */
export const RECORD_EVENT_TYPES = ['ACCESS_CODE_REISSUED'] as const;
export type RecordEventType = (typeof RECORD_EVENT_TYPES)[number];
export type EventType = UserEventType | SystemEventType | RecordEventType;

export const WARNING_LEVELS = ['none', 'blue', 'yellow', 'orange', 'red'] as const;
export type WarningLevel = (typeof WARNING_LEVELS)[number];

export const DEADLINE_KINDS = ['acceptance', 'mediation', 'delegation', 'confirmation', 'follow_up'] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

export const ROLES = ['admin', 'mediator', 'court_liaison', 'expert'] as const;
export type Role = (typeof ROLES)[number];

export const STATUS_LABELS: Record<Status, { zh: string; en: string }> = {
  registered: { zh: '已登记，待受理', en: 'Registered, awaiting acceptance' },
  declined: { zh: '不予受理', en: 'Not accepted' },
  in_mediation: { zh: '调解中', en: 'In mediation' },
  agreement_pending: { zh: '协议待签署', en: 'Agreement awaiting signature' },
  performing: { zh: '协议履行中', en: 'Agreement being performed' },
  confirmation_pending: { zh: '司法确认中', en: 'Awaiting judicial confirmation' },
  referred_to_court: { zh: '已移送法院', en: 'Referred to court' },
  closed: { zh: '已结案', en: 'Closed' },
  submitted_to_court: { zh: '已提交法院审查', en: 'Submitted to the court' },
};

export const TIER_LABELS: Record<Tier, { zh: string; en: string }> = {
  community: { zh: '居村委调解工作室', en: 'Community mediation room' },
  subdistrict: { zh: '街镇调解联合中心', en: 'Sub-district centre' },
  district: { zh: '区调解委员会', en: 'District committee' },
  court: { zh: '人民法院', en: 'Court' },
};

export const OUTCOME_LABELS: Record<Outcome, { zh: string; en: string }> = {
  resolved: { zh: '调解成功', en: 'Resolved' },
  unresolved: { zh: '调解终止', en: 'Unresolved' },
  withdrawn: { zh: '申请人撤回', en: 'Withdrawn' },
  referred: { zh: '移送法院', en: 'Referred to court' },
  declined: { zh: '不予受理', en: 'Declined' },
};

export const DEADLINE_LABELS: Record<DeadlineKind, { zh: string; en: string }> = {
  acceptance: { zh: '受理审查期限', en: 'Decision on acceptance' },
  mediation: { zh: '调解期限', en: 'Mediation period' },
  delegation: { zh: '法院委派调解期限', en: "Court's mediation deadline" },
  confirmation: { zh: '申请司法确认期限', en: 'Applying for judicial confirmation' },
  follow_up: { zh: '回访', en: 'Follow-up visit' },
};

export const CATEGORY_LABELS: Record<Category, { zh: string; en: string }> = {
  parking: { zh: '停车', en: 'Parking' },
  fee_adjustment: { zh: '物业费调价', en: 'Fee adjustment' },
  service_quality: { zh: '服务质量（质价不符）', en: 'Service quality' },
  leakage: { zh: '漏水', en: 'Leakage' },
  renovation: { zh: '装修', en: 'Renovation' },
  noise: { zh: '噪音', en: 'Noise' },
  garbage: { zh: '垃圾', en: 'Garbage' },
  pets: { zh: '宠物', en: 'Pets' },
  group_renting: { zh: '群租', en: 'Group renting' },
  illegal_construction: { zh: '违法搭建', en: 'Illegal construction' },
  fire_safety: { zh: '消防安全（通道堵塞、电动车充电）', en: 'Fire safety' },
  maintenance_fund: { zh: '维修资金/公共收益', en: 'Maintenance fund / public income' },
  owners_committee: { zh: '业委会', en: "Owners' committee" },
  property_handover: { zh: '物业交接/撤离', en: 'Property handover' },
  elevator: { zh: '加装电梯', en: 'Elevator retrofitting' },
  other: { zh: '其他', en: 'Other' },
  fee_arrears: { zh: '物业费收缴/欠费', en: 'Service fee arrears' },
  common_parts: { zh: '共有部分占用及收益', en: 'Common parts: use and income' },
  housing_quality: { zh: '房屋质量与保修', en: 'Housing quality and warranty' },
  facilities: { zh: '设施设备（二次供水、电梯运行）', en: 'Facilities (secondary water supply, lift operation)' },
};

export const CHANNEL_LABELS: Record<Channel, { zh: string; en: string }> = {
  walk_in: { zh: '来访', en: 'Walk-in' },
  phone: { zh: '来电', en: 'Phone' },
  hotline_12345: { zh: '12345热线', en: '12345 hotline' },
  grid: { zh: '网格平台', en: 'Grid platform' },
  online: { zh: '网上申请', en: 'Online' },
  court_delegation: { zh: '法院委派', en: 'Court delegation' },
  department_transfer: { zh: '部门移交', en: 'Department transfer' },
  screening: { zh: '主动排查', en: 'Proactive screening' },
};

export const EVENT_LABELS: Record<EventType, { zh: string; en: string }> = {
  REGISTER: { zh: '登记', en: 'Registered' },
  ACCEPT: { zh: '受理', en: 'Accept' },
  DECLINE: { zh: '不予受理', en: 'Decline' },
  ASSIGN: { zh: '指派调解员', en: 'Assign mediators' },
  REQUEST_RECUSAL: { zh: '申请回避', en: 'Request recusal' },
  INVITE_EXPERT: { zh: '邀请专家', en: 'Invite expert' },
  ADD_OPINION: { zh: '专家意见', en: 'Expert opinion' },
  SCHEDULE_SESSION: { zh: '安排调解', en: 'Schedule session' },
  RECORD_SESSION: { zh: '调解记录', en: 'Record session' },
  EXTEND_DEADLINE: { zh: '延长期限', en: 'Extend deadline' },
  REACH_AGREEMENT: { zh: '达成协议', en: 'Reach agreement' },
  SIGN_AGREEMENT: { zh: '签署协议', en: 'Sign agreement' },
  MEDIATION_FAILED: { zh: '调解不成', en: 'Mediation failed' },
  ESCALATE: { zh: '上报上级', en: 'Escalate' },
  REFER_TO_COURT: { zh: '移送法院', en: 'Refer to court' },
  TERMINATE: { zh: '终止调解', en: 'Terminate' },
  WITHDRAW: { zh: '撤回申请', en: 'Withdraw' },
  COURT_ACCEPT: { zh: '法院立案', en: 'Court accepts' },
  COURT_RETURN: { zh: '法院退回', en: 'Court returns' },
  REQUEST_CONFIRMATION: { zh: '申请司法确认', en: 'Request judicial confirmation' },
  CONFIRMATION_RESULT: { zh: '司法确认结果', en: 'Confirmation result' },
  RECORD_FOLLOW_UP: { zh: '回访', en: 'Follow-up visit' },
  CLOSE: { zh: '结案', en: 'Close' },
  REOPEN: { zh: '重新启动', en: 'Reopen' },
  TRANSFER: { zh: '移交', en: 'Transfer' },
  FLAG_RISK: { zh: '激化风险报告', en: 'Flag a risk' },
  COURT_SETTLEMENT: { zh: '法院审查结果', en: "Court's handling of the agreement" },
  INVITE_PARTICIPANT: { zh: '邀请参与调解', en: 'Invite to take part' },
  RECORD_INVESTIGATION: { zh: '调查核实', en: 'Record an investigation' },
  RECORD_ASSEMBLY_DECISION: { zh: '业主大会决定', en: "Record the owners' assembly decision" },
  DEADLINE_WARNING: { zh: '期限预警', en: 'Deadline warning' },
  DEADLINE_EXPIRED: { zh: '期限届满', en: 'Deadline expired' },
  DEADLINES_RECALCULATED: { zh: '期限按新节假日安排重算', en: 'Deadlines recalculated for a new holiday schedule' },
  ACCESS_CODE_REISSUED: { zh: '重新发放查询码', en: 'Access code reissued' },
};

/**
 * The 案由 (cause of action) each category is filed under, for documents and the court: the
 * third-level causes of 最高人民法院《民事案件案由规定》(法〔2020〕347号 revision, in force 2021-01-01),
 * 物权纠纷 → 所有权纠纷 / 物权保护纠纷 / 相邻关系纠纷, and 合同纠纷 → 物业服务合同纠纷. A category whose
 * disputes may fall under several causes names the commonest; the court decides the cause it files.
 */
export const CAUSE_OF_ACTION_LABELS: Record<Category, { zh: string; en: string }> = {
  parking: { zh: '建筑物区分所有权纠纷', en: 'Dispute over separate ownership of a building' },
  fee_adjustment: { zh: '物业服务合同纠纷', en: 'Property service contract dispute' },
  service_quality: { zh: '物业服务合同纠纷', en: 'Property service contract dispute' },
  leakage: { zh: '相邻关系纠纷', en: 'Neighbouring relations dispute' },
  renovation: { zh: '相邻关系纠纷', en: 'Neighbouring relations dispute' },
  noise: { zh: '相邻关系纠纷', en: 'Neighbouring relations dispute' },
  garbage: { zh: '相邻关系纠纷', en: 'Neighbouring relations dispute' },
  pets: { zh: '相邻关系纠纷', en: 'Neighbouring relations dispute' },
  group_renting: { zh: '建筑物区分所有权纠纷', en: 'Dispute over separate ownership of a building' },
  illegal_construction: { zh: '排除妨害纠纷', en: 'Dispute over removal of obstruction' },
  fire_safety: { zh: '排除妨害纠纷', en: 'Dispute over removal of obstruction' },
  maintenance_fund: { zh: '建筑物区分所有权纠纷', en: 'Dispute over separate ownership of a building' },
  owners_committee: { zh: '业主撤销权纠纷', en: "Dispute over owners' right of revocation" },
  property_handover: { zh: '物业服务合同纠纷', en: 'Property service contract dispute' },
  elevator: { zh: '建筑物区分所有权纠纷', en: 'Dispute over separate ownership of a building' },
  other: { zh: '物业服务合同纠纷', en: 'Property service contract dispute' },
  fee_arrears: { zh: '物业服务合同纠纷', en: 'Property service contract dispute' },
  common_parts: { zh: '建筑物区分所有权纠纷', en: 'Dispute over separate ownership of a building' },
  housing_quality: { zh: '财产损害赔偿纠纷', en: 'Dispute over compensation for property damage' },
  facilities: { zh: '物业服务合同纠纷', en: 'Property service contract dispute' },
};

/**
 * Matters 民法典 art. 278 reserves to the owners jointly (业主共同决定, the 业主大会): 选聘和解聘物业服务企业
 * (278(四), with the fees agreed in that contract: fee_adjustment, owners_committee), 使用/筹集维修资金
 * (278(五)(六): maintenance_fund), 改建、重建建筑物及其附属设施 (278(七): 加装电梯, elevator). An agreement on
 * these signed by an 业委会 or a group binds the owners only with the assembly's decision. Data only:
 * the workflow reads it to warn.
 */
export const ASSEMBLY_MATTERS: readonly Category[] = Object.freeze(['fee_adjustment', 'maintenance_fund', 'elevator', 'owners_committee'] as const);
