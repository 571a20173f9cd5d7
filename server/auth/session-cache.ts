// A short-lived cache of the sessions that authenticated requests presented (issue 17 §3): each API
// request otherwise hashes its token and reads the session and its user from the store.
//
// What a cached answer may miss, and for how long:
// - on this instance, nothing: every write to sessions or users through this instance's store
//   (sign-out, revocation, deactivation, a password reset or change, a role or body change, a
//   failed sign-in's counter) empties the cache once it has settled, and a read that was under way
//   during such a write is not kept (`generation`);
// - a write made by another instance: with REDIS_URL every instance announces its writes on a Redis
//   channel and the others empty their caches on hearing it (server/wiring.ts; Redis's delivery time,
//   milliseconds); without Redis, or for a tool writing the store directly, it is seen here at the
//   latest `ttlMs` after this instance last read the session (SESSION_CACHE_MS, default 1,000 ms; 0
//   turns the cache off). The writing instance ends the user's live sockets everywhere at once.
// Expiry is checked against the session's own time on every hit; only live sessions are kept
// (an unknown, revoked, expired or inactive token is looked up each time).
import type { SessionRecord, Store, UserRecord } from '../store/port.ts';
import { hashToken, lookupSessionByHash, type LookupFailure } from './sessions.ts';

interface Entry {
  session: SessionRecord;
  user: UserRecord;
  /** on the cache's clock: until when the entry may be handed out */
  until: number;
}

export interface SessionCacheOptions {
  /** how long an entry is trusted without reading the store again (ms) */
  ttlMs: number;
  /** entries kept at most (the oldest go first) */
  max?: number;
  /** a monotonic clock in ms (tests inject one); default performance.now */
  clock?: () => number;
}

/** Told after each write to users or sessions through this instance has settled (the wiring tells
 * the other instances, whose caches then `forget`). */
export type WriteListener = () => void;

/** Repository methods that only read: everything else on `users` and `sessions` is a write. */
const READS: ReadonlySet<PropertyKey> = new Set(['get', 'getByUsername', 'list']);

export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly clock: () => number;
  /** see WriteListener */
  onWrite: WriteListener | null = null;

  constructor(opts: SessionCacheOptions) {
    this.ttlMs = opts.ttlMs;
    this.max = opts.max ?? 10_000;
    this.clock = opts.clock ?? (() => performance.now());
  }

  get size(): number {
    return this.entries.size;
  }

  /** lookupSession, answered from the cache while the entry is fresh. */
  async lookup(store: Store, token: string, now: Date): Promise<{ session: SessionRecord; user: UserRecord } | { failure: LookupFailure }> {
    if (!token || token.length > 200) return { failure: 'unknown' };
    const hash = hashToken(token);
    const hit = this.entries.get(hash);
    if (hit) {
      if (hit.until > this.clock()) {
        if (Date.parse(hit.session.expiresAt) > now.getTime()) return { session: hit.session, user: hit.user };
        this.entries.delete(hash);
        return { failure: 'expired' };
      }
      this.entries.delete(hash);
    }
    const generation = this.generation;
    const found = await lookupSessionByHash(store, hash, now);
    // a write to sessions or users settled while this read was under way: do not keep what it read
    if ('failure' in found || generation !== this.generation) return found;
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(hash, { session: found.session, user: found.user, until: this.clock() + this.ttlMs });
    return found;
  }

  /** A write through this instance settled: forget, and tell whoever listens (the other instances). */
  private written(): void {
    this.forget();
    this.onWrite?.();
  }

  /** Forgets every entry (after a write to sessions or users, here or on another instance). */
  forget(): void {
    this.generation++;
    this.entries.clear();
  }

  /**
   * The same store, whose `users` and `sessions` writes empty this cache once they have settled
   * (succeeded or failed). Every part of the process must use the returned store for its writes;
   * server/wiring.ts wraps the opened store with it before anything else holds it (and watchStore
   * wraps the result, so that storageStatusOf finds the store the services hold).
   */
  watch<S extends Store>(store: S): S {
    const areas = new Map<PropertyKey, unknown>();
    const watchArea = <T extends object>(area: T): T =>
      new Proxy(area, {
        get: (obj, key) => {
          const value = Reflect.get(obj, key) as unknown;
          if (typeof value !== 'function') return value;
          if (READS.has(key)) return (value as (...a: unknown[]) => unknown).bind(obj);
          return (...args: unknown[]) => {
            let out: unknown;
            try {
              out = (value as (...a: unknown[]) => unknown).apply(obj, args);
            } catch (err) {
              this.written();
              throw err;
            }
            if (!(out instanceof Promise)) {
              this.written();
              return out;
            }
            return out.finally(() => this.written());
          };
        },
      });
    return new Proxy(store, {
      get: (obj, key) => {
        const value = Reflect.get(obj, key) as unknown;
        if (key !== 'users' && key !== 'sessions') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(obj) : value;
        const known = areas.get(key) as { area: unknown; proxy: unknown } | undefined;
        if (known && known.area === value) return known.proxy;
        const proxy = watchArea(value as object);
        areas.set(key, { area: value, proxy });
        return proxy;
      },
    });
  }
}
