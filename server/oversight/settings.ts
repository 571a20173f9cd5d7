// The company warning rules and what counts as a satisfied visit: their types and defaults. They are
// run-time settings, owned (loaded, validated, saved) by server/settings.ts.

export const COLOURS = ['green', 'yellow', 'orange', 'red'] as const;
export type Colour = (typeof COLOURS)[number];

/** A colour applies when any listed count reaches its threshold (an absent threshold never triggers). */
export interface ColourRule {
  disputes?: number;
  recurrences?: number;
  nonPerformance?: number;
}

/**
 * 物业服务企业信用信息预警 (seed 000 §四(一)6: 绿、黄、橙、红四色标注). The most severe colour whose rule
 * a company meets; green otherwise. Counted over the period asked for (all time by default).
 */
export interface CompanyRules {
  red: ColourRule;
  orange: ColourRule;
  yellow: ColourRule;
}

export interface OversightSettings {
  companyRules: CompanyRules;
  /** a follow-up visit scoring at least this (1–5) counts as satisfied */
  satisfiedAtLeast: number;
}

export const DEFAULT_OVERSIGHT_SETTINGS: Readonly<OversightSettings> = Object.freeze({
  companyRules: {
    red: { disputes: 20, recurrences: 5, nonPerformance: 3 },
    orange: { disputes: 10, recurrences: 3, nonPerformance: 2 },
    yellow: { disputes: 5, recurrences: 1, nonPerformance: 1 },
  },
  satisfiedAtLeast: 4,
});
