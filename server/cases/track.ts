// A resident opens their case with its number and the access code from the intake slip: the one
// check behind the three doors (GET /api/track/:caseNo, the /track page, the resident socket).
// Any of the case's numbers works — the current one or a former one (原编号, server/engine/case-numbers.ts)
// — typed with either kind of bracket, full-width digits or spaces; the code in either case, with spaces.
// Wrong codes are counted per case and client address (under the case's current number, whichever
// number was typed, so that the aliases do not multiply the guesses) and per client address
// (server/auth/throttle.ts): guesses from elsewhere never lock the resident out of their own case.
import { checkAccessCode } from '../auth/access-codes.ts';
import { accessCodeKeys, type AccessCodeLimiter } from '../auth/throttle.ts';
import { canonicalAccessCode, canonicalCaseNo, caseNoCandidates } from '../engine/case-numbers.ts';
import type { CaseRecord, Store } from '../store/port.ts';

// an unknown case number costs the same scrypt work as a wrong code: timing does not tell them apart
// (the hash never matches; only its cost, the engine's default, matters)
const NO_SUCH_CASE = { id: 'no-such-case', accessCodeHash: 'scrypt$16384$-' };

/** The case a typed number names: by its current number first, then by a former one. */
export async function findByAnyCaseNo(store: Pick<Store, 'cases'>, typed: string): Promise<CaseRecord | null> {
  const candidates = caseNoCandidates(typed);
  for (const no of candidates) {
    const hit = await store.cases.getByNo(no);
    if (hit) return hit;
  }
  for (const no of candidates) {
    const hit = await store.cases.getByFormerNo(no);
    if (hit) return hit;
  }
  return null;
}

export type TrackOpening = { ok: true; record: CaseRecord } | { ok: false; why: 'limited'; retryAfterSeconds: number } | { ok: false; why: 'wrong' };

/** Checks a typed case number and access code. An unknown number and a wrong code answer alike. */
export async function openWithAccessCode(
  deps: { store: Pick<Store, 'cases'>; limiter: AccessCodeLimiter },
  typed: { caseNo: string; accessCode: string; clientAddress: string },
): Promise<TrackOpening> {
  const record = await findByAnyCaseNo(deps.store, typed.caseNo);
  const keys = accessCodeKeys(record?.caseNo ?? canonicalCaseNo(typed.caseNo), typed.clientAddress);
  // reserved before the (slow, scrypt) check, so parallel guesses cannot outrun the count (issue 15 §2)
  const attempt = await deps.limiter.reserve(keys);
  if (!attempt.ok) return { ok: false, why: 'limited', retryAfterSeconds: attempt.retryAfterSeconds };
  const matches = await checkAccessCode(record ?? NO_SUCH_CASE, canonicalAccessCode(typed.accessCode));
  if (!record || !matches) return { ok: false, why: 'wrong' }; // the reservation stays as the failure
  await attempt.release();
  return { ok: true, record };
}
