// Masking of personal data (个人信息): phone numbers, ID numbers (身份证号) and addresses are shown in
// full only to staff with jurisdiction over the case; everywhere else — other staff, residents'
// tracking view, ledgers, logs — they are masked in the forms people here recognise
// (138****5678, 3101**********1234).
import type { Party } from '../../workflows/case.types.ts';

const STAR = '*';

/** '13812345678' → '138****5678'; other numbers keep their first 3 and last 4 characters. */
export function maskPhone(phone: string): string {
  const s = phone.trim();
  const digits = s.replace(/[\s-]/g, '');
  if (/^(\+?86)?1\d{10}$/.test(digits)) {
    const local = digits.slice(-11);
    return `${local.slice(0, 3)}****${local.slice(-4)}`;
  }
  return keepEnds(digits, digits.length >= 10 ? 3 : 2, digits.length >= 10 ? 4 : 2);
}

/** '310101199001011234' → '3101**********1234' (first 4 and last 4 kept). */
export function maskIdNumber(idNumber: string): string {
  const s = idNumber.trim().replace(/\s/g, '');
  return keepEnds(s, s.length >= 12 ? 4 : 1, s.length >= 12 ? 4 : 1);
}

/**
 * Keeps the part before the house number (district, road, compound name) and hides the rest:
 * '示范区长宁路88弄3号1202室' → '示范区长宁路****'. Never keeps more than 10 characters nor the whole.
 */
export function maskAddress(address: string): string {
  const s = address.trim();
  if (s === '' || s.endsWith('****')) return s; // empty, or masked already
  const firstDigit = s.search(/[0-9０-９一二三四五六七八九十百]+[号弄栋幢楼室单元巷]|[0-9０-９]/);
  let keep = firstDigit === -1 ? Math.ceil(s.length / 2) : firstDigit;
  keep = Math.min(keep, 10, Math.max(s.length - 2, 0));
  return `${s.slice(0, keep)}****`;
}

/** A copy of the party with phone, ID number and address masked (names stay: they are on every document). */
export function maskParty<P extends Partial<Party>>(party: P): P {
  const out: P = { ...party };
  if (typeof party.phone === 'string' && party.phone) out.phone = maskPhone(party.phone);
  if (typeof party.idNumber === 'string' && party.idNumber) out.idNumber = maskIdNumber(party.idNumber);
  if (typeof party.address === 'string' && party.address) out.address = maskAddress(party.address);
  // 2026.3 (issue 12 §2): the agent's phone and each listed household's address, by the same rules
  if (party.agent && typeof party.agent === 'object') out.agent = { ...party.agent, ...(party.agent.phone ? { phone: maskPhone(party.agent.phone) } : {}) };
  if (Array.isArray(party.householdList)) out.householdList = party.householdList.map((h) => (h.address ? { ...h, address: maskAddress(h.address) } : { ...h }));
  return out;
}

// 18-digit resident ID (last may be X) or the old 15-digit form, not inside a longer number.
const ID_NUMBER = /(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])/g;
// Mainland mobile numbers, optionally +86 and separated 3-4-4.
const MOBILE = /(?<![0-9])(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?![0-9])/g;
// Landlines with an area code: 021-12345678, 0571 8765432.
const LANDLINE = /(?<![0-9])0\d{2,3}[\s-]?\d{7,8}(?![0-9])/g;

// The door of an address (issue 15 §3: a session's place, a summary): the room, flat or unit number
// — 1202室, 3单元, 5-1202户, 2号楼 — while the road and compound names stay readable.
const DOOR = /[0-9０-９]+(?:[-－—][0-9０-９]+)*\s*(?=室|户|房间|单元|号楼|栋|幢)/g;

/** Masks anything in free text that looks like a phone or ID number, or the door of an address
 * (summaries, notes, session places, log lines): the one rule for free text on every surface. */
export function maskedText(text: string): string {
  if (!text || !/[0-9０-９]/.test(text)) return text;
  return text
    .replace(ID_NUMBER, (m) => maskIdNumber(m))
    .replace(MOBILE, (m) => maskPhone(m))
    .replace(LANDLINE, (m) => maskPhone(m))
    .replace(DOOR, (m) => STAR.repeat(Math.max(2, m.trim().length)));
}

function keepEnds(s: string, head: number, tail: number): string {
  if (s.length <= head + tail) return STAR.repeat(s.length);
  return s.slice(0, head) + STAR.repeat(s.length - head - tail) + s.slice(-tail);
}
