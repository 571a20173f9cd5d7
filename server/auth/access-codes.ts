// Residents' access codes (API.md "Residents"): shown once at intake, stored only as a salted
// scrypt hash. The salt is derived from the case id, so the same code on two cases hashes apart.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { CaseRecord } from '../store/port.ts';

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I: read aloud over the phone

export function newAccessCode(length = 8): string {
  const bytes = randomBytes(length);
  return [...bytes].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
}

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, o: { N: number; maxmem?: number }) => Promise<Buffer>;

/** `scrypt$<cost>$<hash>`; asynchronous, so hashing never blocks the event loop. */
export async function hashAccessCode(code: string, caseId: string, cost = 16384): Promise<string> {
  const salt = createHash('sha256').update(`access-code:${caseId}`).digest();
  return `scrypt$${cost}$${(await scrypt(code.toUpperCase(), salt, 32, { N: cost })).toString('base64url')}`;
}

/** Does the code open this case? Compared in constant time, at the cost stored with the hash. */
export async function checkAccessCode(record: Pick<CaseRecord, 'id' | 'accessCodeHash'>, code: string): Promise<boolean> {
  const stored = record.accessCodeHash;
  const cost = Number(stored.split('$')[1]);
  if (!Number.isInteger(cost) || cost < 2) return false;
  const a = Buffer.from(await hashAccessCode(code, record.id, cost));
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}
