// Case numbers (案号 of the mediation body's docket) and how people type them back.
//
// Each body numbers the cases it ACCEPTS in its own docket (issue 12 §6): （2026）示范华阳物调字第12号 is
// the 12th number of 示范华阳's docket in 2026. A case takes a number at intake from the body that
// registers it and a new one when another body accepts it (escalated or transferred); the earlier
// numbers stay on the case as formerCaseNos (原编号) and still find it.
//
// People read numbers off paper and type them back: ASCII or full-width brackets, full-width digits,
// spaces anywhere, lower-case letters. canonicalCaseNo is the ONE normal form every door compares
// (the tracking API, the /track page, the resident socket, the ledger reconciliation).

/** The printed number. `digits` pads the serial with zeros (the run-time setting caseNoDigits; 0: none,
 * 第12号). */
export function formatCaseNo(parts: { year: number; shortName: string; n: number; digits: number }): string {
  const serial = parts.digits > 0 ? String(parts.n).padStart(parts.digits, '0') : String(parts.n);
  return `（${parts.year}）${parts.shortName}物调字第${serial}号`;
}

/** '(2026) 示范物调字第１２号' → '（2026）示范物调字第12号': NFKC (full-width digits and letters to
 * ASCII, the ideographic space to a space), no whitespace, brackets of any kind to full-width. */
export function canonicalCaseNo(input: unknown): string {
  return String(input ?? '')
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(/[([〔【]/g, '（')
    .replace(/[)\]〕】]/g, '）');
}

/** The forms of a typed number worth looking up: the canonical one and, when it holds ASCII letters,
 * the same upper-cased (numbers are printed upper-case; people type either). */
export function caseNoCandidates(input: unknown): string[] {
  const canonical = canonicalCaseNo(input);
  return [...new Set([canonical, canonical.toUpperCase()])].filter((s) => s.length > 0);
}

/** An access code as typed: 'abcd efgh', 'ABCD-EFGH' and 'ＡＢＣＤＥＦＧＨ' are all 'ABCDEFGH'. */
export function canonicalAccessCode(input: unknown): string {
  return String(input ?? '')
    .normalize('NFKC')
    .replace(/[\s-]+/g, '')
    .toUpperCase();
}
