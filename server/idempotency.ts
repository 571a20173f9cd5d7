// Doing a change once, however often it is asked for: the one implementation behind the API's
// Idempotency-Key (server/http/idempotency.ts) and the intake form's one-time nonce
// (server/pages/intake.page.ts). A key is claimed before anything is read, so a retry arriving
// while the first request still runs waits for it; then either the first result is replayed, or
// the caller does the work and keeps its result under the key. A key used for a different request
// is refused (409 IDEMPOTENCY_MISMATCH). Only successes are kept: a failure committed nothing, so
// retrying it is safe.
//
// What is kept (issue 15 §3): the replay can carry what is shown once — the access code of a new
// case — so it is stored sealed (AES-256-GCM under a key derived from APP_SECRET), never in plain
// text, and records are deleted after IDEMPOTENCY_TTL_HOURS (an expired key starts afresh).
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { canonicalJson } from './engine/hash-chain.ts';
import { DomainError } from './engine/errors.ts';
import type { IdempotencyRecord, Store } from './store/port.ts';
import { isoShanghai } from './engine/clock.ts';

export class IdempotencyMismatch extends DomainError {
  constructor() {
    super('IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was already used for a different request; use a new key');
  }
}

export function requestHash(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()} ${url}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
}

/** Seals and opens kept answers; created from the server secret (config APP_SECRET). */
export interface Sealer {
  seal(body: unknown): unknown;
  open(stored: unknown): unknown;
}

interface Sealed {
  sealed: 'aes-256-gcm';
  iv: string;
  tag: string;
  data: string;
}

const isSealed = (v: unknown): v is Sealed => !!v && typeof v === 'object' && (v as Sealed).sealed === 'aes-256-gcm';

export function sealerFor(secret: string): Sealer {
  const key = Buffer.from(hkdfSync('sha256', secret, 'wuye-mediation', 'idempotency replay', 32));
  return {
    seal(body) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(JSON.stringify(body ?? null), 'utf8'), cipher.final()]);
      return { sealed: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') } satisfies Sealed;
    },
    open(stored) {
      if (!isSealed(stored)) return stored; // kept before sealing, or by a caller without a sealer
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(stored.iv, 'base64'));
        decipher.setAuthTag(Buffer.from(stored.tag, 'base64'));
        return JSON.parse(Buffer.concat([decipher.update(Buffer.from(stored.data, 'base64')), decipher.final()]).toString('utf8'));
      } catch {
        throw new DomainError('IDEMPOTENCY_MISMATCH', 'the first answer under this Idempotency-Key can no longer be read (the server secret changed); use a new key');
      }
    },
  };
}

export interface KeepOptions {
  /** seals the kept answer (default: kept as is — only for answers without anything shown once) */
  sealer?: Sealer;
  /** records older than this are deleted and their key starts afresh (default: kept) */
  ttlMs?: number;
}

/** The configured way of keeping answers: sealed under APP_SECRET, for IDEMPOTENCY_TTL_HOURS. */
export function keepOptions(config: { appSecret: string; idempotencyTtlHours: number }): KeepOptions {
  return { sealer: sealerFor(config.appSecret), ttlMs: Math.round(config.idempotencyTtlHours * 3_600_000) };
}

// when each store's expired records were last deleted: at most once a minute
const lastSweep = new WeakMap<Store, number>();

export interface Claim {
  /** the first request's kept result, to replay; null: do the work, then keep() its result */
  replay: IdempotencyRecord | null;
  keep(status: number, body: unknown): Promise<void>;
  /** lets a waiting retry go on; call once the answer is out (idempotent) */
  release(): void;
}

// claims under way, per store
const inFlight = new WeakMap<Store, Map<string, Promise<void>>>();

/** Claims `key` (already scoped to its caller) for a request whose hash is `hash`. */
export async function claimKey(store: Store, key: string, hash: string, now: () => Date = () => new Date(), opts: KeepOptions = {}): Promise<Claim> {
  let running = inFlight.get(store);
  if (!running) inFlight.set(store, (running = new Map()));
  const pending = running;
  while (pending.has(key)) await pending.get(key);
  // claimed before the first await, so a concurrent retry waits for this one
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  pending.set(key, mine);
  const release = () => {
    if (pending.get(key) === mine) pending.delete(key);
    done();
  };
  let first: IdempotencyRecord | null;
  const cutoff = () => new Date(now().getTime() - (opts.ttlMs ?? 0)).toISOString();
  try {
    first = await store.idempotency.get(key);
    if (first && opts.ttlMs !== undefined && Date.parse(first.createdAt) < Date.parse(cutoff())) {
      await store.idempotency.deleteBefore(cutoff()); // expired: the key starts afresh
      lastSweep.set(store, now().getTime());
      first = null;
    }
    if (first && first.requestHash !== hash) throw new IdempotencyMismatch();
    if (first) first = { ...first, body: opts.sealer ? opts.sealer.open(first.body) : first.body };
  } catch (err) {
    release();
    throw err;
  }
  return {
    replay: first,
    keep: async (status, body) => {
      if (opts.ttlMs !== undefined && now().getTime() - (lastSweep.get(store) ?? 0) > 60_000) {
        lastSweep.set(store, now().getTime());
        await store.idempotency.deleteBefore(cutoff());
      }
      const kept = opts.sealer ? opts.sealer.seal(body) : body;
      await store.idempotency.put({ key, requestHash: hash, status, body: kept, createdAt: isoShanghai(now()) });
    },
    release,
  };
}
