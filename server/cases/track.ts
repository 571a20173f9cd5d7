// A resident opens their case with its number and the access code from the intake slip: the one
// check behind the three doors (GET /api/track/:caseNo, the /track page, the resident socket).
// Any of the case's numbers works — the current one or a former one (原编号, server/engine/case-numbers.ts)
// — typed with either kind of bracket, full-width digits or spaces; the code in either case, with spaces.
// Wrong codes are counted per case and client address (under the case's current number, whichever
// number was typed, so that the aliases do not multiply the guesses) and per client address
// (server/auth/throttle.ts): guesses from elsewhere never lock the resident out of their own case.
import type { AccessCodes } from '../auth/access-codes.ts';
import { accessCodeKeys, type AccessCodeLimiter } from '../auth/throttle.ts';
import { canonicalAccessCode, canonicalCaseNo, caseNoCandidates } from '../engine/case-numbers.ts';
import type { CaseRecord, Store } from '../store/port.ts';


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
  deps: { store: Pick<Store, 'cases'>; limiter: AccessCodeLimiter; accessCodes: AccessCodes },
  typed: { caseNo: string; accessCode: string; clientAddress: string },
): Promise<TrackOpening> {
  const record = await findByAnyCaseNo(deps.store, typed.caseNo);
  const keys = accessCodeKeys(record?.caseNo ?? canonicalCaseNo(typed.caseNo), typed.clientAddress);
  // reserved before the check (which may be a slow scrypt for a code stored before issue 17), so
  // parallel guesses cannot outrun the count (issue 15 §2)
  const attempt = await deps.limiter.reserve(keys);
  if (!attempt.ok) return { ok: false, why: 'limited', retryAfterSeconds: attempt.retryAfterSeconds };
  // an unknown case number costs the same work as a wrong code: the timing does not tell them apart
  const subject = record ?? { id: 'no-such-case', accessCodeHash: deps.accessCodes.unmatchable() };
  const matches = await deps.accessCodes.check(subject, canonicalAccessCode(typed.accessCode));
  if (!record || !matches) return { ok: false, why: 'wrong' }; // the reservation stays as the failure
  await attempt.release();
  return { ok: true, record };
}
