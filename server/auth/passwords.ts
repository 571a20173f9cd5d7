// Passwords are kept as scrypt hashes (memory-hard, in Node itself) with a per-user random salt.
// The encoded form carries its parameters, so the cost can be raised later without breaking old
// hashes: scrypt$<logN>$<r>$<p>$<salt base64url>$<hash base64url>
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ logN: 16, r: 8, p: 1 });
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
/** Longest password accepted: hashing cost must not be a lever for a denial of service. */
export const MAX_PASSWORD_LENGTH = 200;

function scrypt(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 16 * 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  if (password.length > MAX_PASSWORD_LENGTH) throw new RangeError('password too long');
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, params);
  return ['scrypt', params.logN, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface Decoded extends ScryptParams {
  salt: Buffer;
  key: Buffer;
}

function decode(encoded: string): Decoded | null {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [logN, r, p] = parts.slice(1, 4).map(Number);
  if (![logN, r, p].every(Number.isInteger) || logN < 10 || logN > 22 || r < 1 || r > 32 || p < 1 || p > 16) return null;
  const salt = Buffer.from(parts[4], 'base64url');
  const key = Buffer.from(parts[5], 'base64url');
  if (salt.length < 8 || key.length !== KEY_LENGTH) return null;
  return { logN, r, p, salt, key };
}

/** true when the password matches; false for a wrong password or an unreadable hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const decoded = decode(encoded);
  if (!decoded) return false;
  const key = await scrypt(password, decoded.salt, decoded);
  return timingSafeEqual(key, decoded.key);
}

let dummy: Promise<string> | null = null;
/** Spends the same time as a real check, so a missing account is not told apart by timing. */
export async function verifyAgainstDummy(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<false> {
  dummy ??= hashPassword('not-a-real-password', params);
  await verifyPassword(password.slice(0, MAX_PASSWORD_LENGTH), await dummy);
  return false;
}

export function scryptParamsFor(config: { passwordScryptLogN: number }): ScryptParams {
  return { ...DEFAULT_SCRYPT, logN: config.passwordScryptLogN };
}
