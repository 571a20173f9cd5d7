// Doing a change once, however often it is asked for: the one implementation behind the API's
// Idempotency-Key (server/http/idempotency.ts) and the intake form's one-time nonce
// (server/pages/intake.page.ts). A key is claimed before anything is read, so a retry arriving
// while the first request still runs waits for it; then either the first result is replayed, or
// the caller does the work and keeps its result under the key. A key used for a different request
// is refused (409 IDEMPOTENCY_MISMATCH). Only successes are kept: a failure committed nothing, so
// retrying it is safe.
import { createHash } from 'node:crypto';
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
export async function claimKey(store: Store, key: string, hash: string, now: () => Date = () => new Date()): Promise<Claim> {
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
  try {
    first = await store.idempotency.get(key);
    if (first && first.requestHash !== hash) throw new IdempotencyMismatch();
  } catch (err) {
    release();
    throw err;
  }
  return {
    replay: first,
    keep: async (status, body) => {
      await store.idempotency.put({ key, requestHash: hash, status, body, createdAt: isoShanghai(now()) });
    },
    release,
  };
}
