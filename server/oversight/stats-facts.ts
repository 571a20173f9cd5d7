// What statistics group and sum of the issue 16 §4 fields, derived from a case's oversight facts (the
// ledger line facts.ts writes) — one function both store adapters (SQLite columns, MongoDB `_f`) and
// so the in-memory index (memory.ts, from the adapters' FactsRow) take them from, so that every source
// counts alike. Pure; no I/O.
//
// - agreementFen, agreementWritten / agreementOral: of the settled cases only (an agreement in effect
//   that stands, facts.ts), like the monthly table's 协议涉及金额 — written + oral = settled
// - people (涉及人数), households (涉及户数: the intake's householdsInvolved, 0 when not given)
// - confirmationApplied / confirmed / confirmationRefused: 司法确认 applied for (any result), and its result
// - preventsCriminal / preventsMass: a risk flagged with 防止民转刑 / 防止群体性事件
// - intakeMode (受理方式), orgType (调解组织类型): codes.ts
import type { FactsRow, OversightFacts } from '../store/oversight-port.ts';

/** The statistics' columns of a case (issue 16 §4), as the store's facts row holds them. */
export type StatsFacts = Pick<
  FactsRow,
  | 'intakeMode'
  | 'orgType'
  | 'agreementFen'
  | 'agreementWritten'
  | 'agreementOral'
  | 'people'
  | 'households'
  | 'confirmationApplied'
  | 'confirmed'
  | 'confirmationRefused'
  | 'preventsCriminal'
  | 'preventsMass'
>;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);

export function statsFactsOf(f: Pick<OversightFacts, 'settled' | 'ledger'>): StatsFacts {
  const l = f.ledger ?? {};
  const amount = l.agreementAmount;
  const form = f.settled ? str(l.agreementForm) : null;
  const confirmation = str(l.confirmation);
  return {
    intakeMode: str(l.intakeMode),
    orgType: str(l.orgType),
    agreementFen: f.settled && typeof amount === 'number' && Number.isFinite(amount) ? Math.round(amount * 100) : 0,
    agreementWritten: form === 'written',
    agreementOral: form === 'oral',
    people: count(l.people),
    households: count(l.households),
    confirmationApplied: confirmation !== null,
    confirmed: confirmation === 'confirmed',
    confirmationRefused: confirmation === 'refused',
    preventsCriminal: l.preventsCriminal === true,
    preventsMass: l.preventsMass === true,
  };
}
