// Warnings shown on a case (workflow 2026.3, issue 12 §§3–4): things a mediator should know and act on,
// none of which refuses an event. Pure: computed from the case's facts and the settings in force.
import { needsAssemblyDecision } from './case.machine.ts';
import type { CaseContext } from './case.types.ts';
import { DEFAULT_MIN_MEDIATORS_MAJOR } from './routing.ts';

export const CAUTION_CODES = ['local_tie', 'too_few_mediators', 'assembly_decision_needed'] as const;
export type CautionCode = (typeof CAUTION_CODES)[number];

export interface Caution {
  code: CautionCode;
  /** the mediator it is about (local_tie) */
  mediatorId?: string;
  zh: string;
  en: string;
  /** the rule behind it */
  basis: string;
}

export interface CautionSettings {
  /** routing.majorMinMediators (server/settings.ts) */
  majorMinMediators?: number;
}

type Facts = Pick<CaseContext, 'assignees' | 'flags' | 'acceptedAt' | 'closedAt' | 'category' | 'parties' | 'agreement' | 'localTies' | 'assemblyDecision'>;

export function cautionsFor(ctx: Facts, settings: CautionSettings = {}): Caution[] {
  const out: Caution[] = [];
  // a 居委会 committee's mediators live locally: a warning, not a conflict (issue 12 §4)
  const warned = new Set<string>();
  for (const tie of ctx.localTies ?? []) {
    if (!ctx.assignees.includes(tie.mediatorId) || warned.has(tie.mediatorId)) continue;
    warned.add(tie.mediatorId);
    out.push({
      code: 'local_tie',
      mediatorId: tie.mediatorId,
      zh: `${tie.reason}：请注意公正，当事人可申请回避`,
      en: 'The mediator lives in the compound: mind impartiality; the parties may ask for recusal',
      basis: '人民调解法第二十三条',
    });
  }
  // 人民调解法 art. 19 (one or several mediators); major disputes should have at least the configured number
  const min = settings.majorMinMediators ?? DEFAULT_MIN_MEDIATORS_MAJOR;
  const open = ctx.acceptedAt != null && ctx.closedAt == null;
  if (ctx.flags.major && open && ctx.assignees.length < min) {
    out.push({
      code: 'too_few_mediators',
      zh: `重大纠纷宜由${min}名以上调解员共同调解（现有${ctx.assignees.length}名）`,
      en: `A major dispute should have at least ${min} mediators (now ${ctx.assignees.length})`,
      basis: '人民调解法第十九条',
    });
  }
  // 民法典 art. 278: an 业委会 or a group cannot bind the owners on these matters without the assembly
  if (ctx.agreement && needsAssemblyDecision(ctx) && !ctx.assemblyDecision) {
    out.push({
      code: 'assembly_decision_needed',
      zh: '本协议涉及应由业主共同决定的事项，需经业主大会依法表决通过',
      en: "The agreement concerns matters the owners decide jointly: it needs the owners' assembly decision",
      basis: '民法典第二百七十八条',
    });
  }
  return out;
}
