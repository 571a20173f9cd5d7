// Residents' access codes (API.md "Residents"): shown once at intake, stored only as a keyed hash.
//
// What the hash is for, and why it is an HMAC under a server key and no longer scrypt (issue 17):
// a code is machine-drawn (8 symbols of 32: 40 bits), never chosen by a person, and it opens only the
// resident's tracking view of its case — less than the database row it is stored in. Guessing it
// online is bounded by the attempt limits (server/auth/throttle.ts: 10 per case and address, 10 per
// address, in 15 minutes). The stored hash matters only if the database leaves the building without
// the server (a copied file or backup): scrypt (N = 16384) made each guess cost ~50 ms there, which
// for 40 bits is still within reach of a determined attacker with GPUs; an HMAC-SHA256 under a key
// derived from APP_SECRET (which lives in the environment, never in the database or its backups)
// leaves such a copy with nothing to test guesses against at all. If APP_SECRET leaks with the
// database, the attacker holds the cases themselves and the code protects nothing more. And the
// keyed hash costs microseconds, where scrypt cost 40–150 ms of a thread-pool thread per intake,
// per reissue and per wrong guess — a cost anyone could make the service pay by guessing from many
// addresses. So: HMAC for every new code; codes stored as scrypt before keep working (checked at
// the cost stored with them) until their case is reissued a code.
//
// Rotating APP_SECRET: the hash names the key it was made under (an 8-character fingerprint), and
// APP_SECRET_PREVIOUS lists the secrets before it, so codes issued under an earlier secret keep
// opening their cases after a rotation (server/config.ts).
import { createHash, createHmac, hkdfSync, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { CaseRecord } from '../store/port.ts';

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I: read aloud over the phone

export function newAccessCode(length = 8): string {
  const bytes = randomBytes(length);
  return [...bytes].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
}

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, o: { N: number; maxmem?: number }) => Promise<Buffer>;

interface Key {
  id: string;
  bytes: Buffer;
}

function deriveKey(secret: string): Key {
  // HKDF-SHA256 (RFC 5869): a key for this purpose alone, unrelated to the other keys APP_SECRET yields
  const bytes = Buffer.from(hkdfSync('sha256', secret, 'wuye-mediation', 'access-code/v1', 32));
  return { id: createHash('sha256').update(bytes).digest('base64url').slice(0, 8), bytes };
}

/** Hashes and checks access codes under the current secret, and checks under the previous ones. */
export class AccessCodes {
  private readonly current: Key;
  private readonly byId: Map<string, Key>;

  constructor(secret: string, previous: readonly string[] = []) {
    this.current = deriveKey(secret);
    this.byId = new Map([this.current, ...previous.map(deriveKey)].map((k) => [k.id, k]));
  }

  /** `hmac$<key id>$<HMAC-SHA256 of case id and code, base64url>`: the same code on two cases hashes apart. */
  hash(code: string, caseId: string): string {
    return `hmac$${this.current.id}$${mac(this.current, code, caseId)}`;
  }

  /** A new code and its hash for the case. */
  issue(caseId: string): { code: string; hash: string } {
    const code = newAccessCode();
    return { code, hash: this.hash(code, caseId) };
  }

  /** Does the code open this case? Compared in constant time; a hash of an unknown key or form never matches. */
  async check(record: Pick<CaseRecord, 'id' | 'accessCodeHash'>, code: string): Promise<boolean> {
    const stored = record.accessCodeHash;
    const [kind, param] = stored.split('$');
    let computed: string;
    if (kind === 'hmac') {
      const key = this.byId.get(param);
      if (!key) return false;
      computed = `hmac$${key.id}$${mac(key, code, record.id)}`;
    } else if (kind === 'scrypt') {
      const cost = Number(param);
      if (!Number.isInteger(cost) || cost < 2) return false;
      computed = await scryptAccessCodeHash(code, record.id, cost);
    } else {
      return false;
    }
    const a = Buffer.from(computed);
    const b = Buffer.from(stored);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** A hash in the current form that no code matches (for an unknown case number: the same work as a wrong code). */
  unmatchable(): string {
    return `hmac$${this.current.id}$-`;
  }
}

function mac(key: Key, code: string, caseId: string): string {
  return createHmac('sha256', key.bytes).update(`${caseId}\n${code.toUpperCase()}`).digest('base64url');
}

/** The form codes were stored in before (`scrypt$<cost>$<hash>`, salt derived from the case id):
 * still checked for records written then, and used by tests that build such records. */
export async function scryptAccessCodeHash(code: string, caseId: string, cost = 16384): Promise<string> {
  const salt = createHash('sha256').update(`access-code:${caseId}`).digest();
  return `scrypt$${cost}$${(await scrypt(code.toUpperCase(), salt, 32, { N: cost })).toString('base64url')}`;
}
