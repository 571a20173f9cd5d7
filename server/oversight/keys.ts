// Normalisation shared by the oversight projection, the recurrence look-back (倒查), the company
// warnings and the reconciliation of ledgers. Pure.
import { createHash } from 'node:crypto';
import type { Party } from '../../workflows/case.types.ts';

/** Full-width forms folded (NFKC), whitespace removed, Latin lower-cased: '  ＡＢＣ物业 有限公司' → 'abc物业有限公司'. */
export function normName(name: string | null | undefined): string {
  return String(name ?? '')
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .toLowerCase();
}

/** Digits only, without a leading +86 / 0086 on a mobile number; '' when too short to identify anyone. */
export function normPhone(phone: string | null | undefined): string {
  let d = String(phone ?? '')
    .normalize('NFKC')
    .replace(/\D/g, '');
  if (/^(0086|86)1\d{10}$/.test(d)) d = d.slice(-11);
  return d.length >= 7 ? d : '';
}

const h = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);

export const categoryKey = (category: string): string => `c:${category}`;

/**
 * The keys that link a case to earlier ones of the same compound: its category, and each party's
 * name, group representative and phone — hashed, so the look-up table holds no personal data.
 * Property-service companies are left out of "the same party": the compound's company is a party to
 * most of its disputes, so matching on it would link nearly every dispute of the compound to every
 * other; repeated disputes with a company are what the company warnings count (companies.ts).
 */
export function recurrenceKeys(category: string, parties: ReadonlyArray<Partial<Party>>): string[] {
  const keys = new Set<string>([categoryKey(category)]);
  for (const p of parties) {
    if (isPropertyCompany(p)) continue;
    for (const name of [p.name, p.representative]) {
      const n = normName(name);
      if (n.length >= 2) keys.add(`n:${h(n)}`);
    }
    const t = normPhone(p.phone);
    if (t) keys.add(`t:${h(t)}`);
  }
  return [...keys].sort();
}

/** An organisation party is a property-service company unless it says it is an owners' committee or other. */
export function isPropertyCompany(p: Partial<Party>): boolean {
  return p.kind === 'organisation' && p.orgType !== 'owners_committee' && p.orgType !== 'other';
}

/** Our case numbers use full-width brackets: '(2026)示范物调字第00012号' and '（2026） 示范物调字第00012号'
 * both become '（2026）示范物调字第00012号' (the one normal form of every door, server/engine/case-numbers.ts). */
export { canonicalCaseNo } from '../engine/case-numbers.ts';
