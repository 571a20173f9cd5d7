// Login throttling. Two locks, both counting failed logins only (a successful login costs nothing):
// - per account: after `maxFailures` failures in a row the account is locked for `lockMinutes`
//   (UserRecord.failedLogins / lockedUntil, so the lock survives a restart and is shared between
//   instances);
// - per client address: express-rate-limit in front of the login route, against guessing across
//   many usernames. With REDIS_URL its count lives in Redis (rate-limit-redis, express-rate-limit's own
//   store), so instances behind one load balancer share one allowance per address (issue 15 §2).
// And residents' wrong access codes: per case number and per client address (createMemoryAccessCodeLimiter).
import { rateLimit, type RateLimitRequestHandler } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { RateLimited } from '../engine/errors.ts';
import type { Store, UserRecord } from '../store/port.ts';

export interface LockoutSettings {
  maxFailures: number;
  lockMinutes: number;
}

export function lockoutSettings(config: { loginMaxFailures: number; loginLockMinutes: number }): LockoutSettings {
  return { maxFailures: config.loginMaxFailures, lockMinutes: config.loginLockMinutes };
}

/** Seconds the account stays locked, 0 when it is not locked. */
export function lockedForSeconds(user: Pick<UserRecord, 'lockedUntil'>, now: Date): number {
  if (!user.lockedUntil) return 0;
  const ms = Date.parse(user.lockedUntil) - now.getTime();
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}

/** Counts one failed login; the failure that reaches the limit locks the account. */
export async function recordFailedLogin(
  store: Store,
  user: UserRecord,
  now: Date,
  settings: LockoutSettings,
): Promise<{ locked: boolean; lockedUntil: string | null }> {
  // a lock that has run out starts a fresh count
  const previous = user.lockedUntil && Date.parse(user.lockedUntil) <= now.getTime() ? 0 : user.failedLogins;
  const failedLogins = previous + 1;
  if (failedLogins >= settings.maxFailures) {
    const lockedUntil = new Date(now.getTime() + settings.lockMinutes * 60_000).toISOString();
    await store.users.update(user.id, { failedLogins: 0, lockedUntil });
    return { locked: true, lockedUntil };
  }
  await store.users.update(user.id, { failedLogins, lockedUntil: null });
  return { locked: false, lockedUntil: null };
}

// Sign-ins to one account run one after the other in this process: each reads the failure count the
// previous one wrote, so 100 parallel wrong passwords lock the account after 5 like 100 in a row
// would, instead of all reading `failedLogins: 0` and writing 1 (issue 15 §2). Once locked, the queued
// attempts are refused without a password check, so the queue drains fast. Keyed by the store (one
// queue per server's store; tests run several in one process) and the user id. Several instances
// sharing one database are not covered (that needs an atomic increment in the store, or Redis).
const signInQueues = new WeakMap<object, Map<string, Promise<unknown>>>();

/** Runs `work` after every earlier call for the same store and user id has settled. */
export function oneSignInAtATime<T>(store: object, userId: string, work: () => Promise<T>): Promise<T> {
  let queues = signInQueues.get(store);
  if (!queues) signInQueues.set(store, (queues = new Map()));
  const previous = queues.get(userId) ?? Promise.resolve();
  const run = previous.then(work, work);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(userId, settled);
  // the last one out removes the queue, so memory stays bounded by the accounts being tried now
  void settled.then(() => {
    if (queues.get(userId) === settled) queues.delete(userId);
  });
  return run;
}

export async function recordSuccessfulLogin(store: Store, user: UserRecord): Promise<void> {
  if (user.failedLogins !== 0 || user.lockedUntil !== null) {
    await store.users.update(user.id, { failedLogins: 0, lockedUntil: null });
  }
}

/** The part of a node-redis client the per-address limiter's store needs (raw commands). */
export interface RedisCommands {
  sendCommand(args: string[]): Promise<unknown>;
}

/** Per-address limit for POST /api/auth/login; only failed attempts (status ≥ 400) count. With a
 * Redis client the count is kept in Redis under `<REDIS_KEY_PREFIX>limits:login-ip:<address>` (one
 * count for every instance); without one, in this process's memory. */
export function loginAddressLimiter(
  config: {
    loginIpMaxFailures: number;
    loginIpWindowMinutes: number;
    redisKeyPrefix?: string;
  },
  redis: RedisCommands | null = null,
): RateLimitRequestHandler {
  const windowMs = Math.round(config.loginIpWindowMinutes * 60_000);
  const store = redis
    ? new RedisStore({
        prefix: `${config.redisKeyPrefix ?? 'mediation:'}limits:login-ip:`,
        sendCommand: (...args: string[]) => redis.sendCommand(args) as Promise<RedisReply>,
      })
    : undefined;
  return rateLimit({
    windowMs,
    limit: config.loginIpMaxFailures,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    ...(store ? { store } : {}),
    handler: (_req, _res, next) =>
      next(new RateLimited('too many failed sign-ins from this address, try again later', Math.ceil(windowMs / 1000))),
  });
}

// ── wrong access codes: at most `max` per case and address and per address in `windowMs` ──────
/** Counts wrong access codes. Keys are `case-ip:<caseNo>|<address>` and `ip:<address>` (accessCodeKeys).
 * A per-case key counting every address was a denial of service: ten wrong codes from anywhere
 * locked the resident out of their own case (issue 15 §2). Now a stranger's guesses use up only
 * their own address's allowance; a spread attack needs an address per ten guesses against 32^8
 * (≈1.1·10^12) codes. With REDIS_URL the counts live in Redis (server/auth/attempts-redis.ts). The wiring creates one
 * per server (Services.accessCodeLimiter) for GET /api/track, the /track page and the resident
 * socket handshake, so the three doors share one count and cannot be used to triple the guesses. */
export interface AccessCodeLimiter {
  /** seconds until every key is below the limit again; 0 when none is limited */
  blockedFor(keys: string[]): Promise<number>;
  fail(keys: string[]): Promise<void>;
  /** Counts the attempt as a wrong code BEFORE the code is checked, in one step with the limit check,
   * so a burst of parallel guesses cannot all pass the check before any failure is counted (issue 15
   * §2). Refused: `retryAfterSeconds`. Taken: `release()` once the code proved right (a right code is
   * not a failure); a wrong code keeps the reservation as its failure. */
  reserve(keys: string[]): Promise<{ ok: false; retryAfterSeconds: number } | { ok: true; release(): void | Promise<void> }>;
}

/** The keys one access-code attempt counts on. */
export const accessCodeKeys = (caseNo: string, clientAddress: string): string[] => [`case-ip:${caseNo}|${clientAddress}`, `ip:${clientAddress}`];

/** Wrong access codes allowed per key kind in the window (both 10 in 15 minutes, as API.md says). */
export const ACCESS_CODE_LIMITS = { max: 10, windowMs: 15 * 60_000 } as const;

/** Failed sign-ins per account (`login:<userId>`), reserved before the password check, cleared by
 * a successful sign-in (the lockout counts failures in a row). */
export type AccountAttempts = AccessCodeLimiter & { reset(keys: string[]): Promise<void> };

export function createMemoryAccessCodeLimiter(
  opts: { max?: number; maxFor?: (key: string) => number; windowMs?: number; now?: () => number; maxKeys?: number } = {},
): AccessCodeLimiter {
  const limitOf = (key: string) => opts.maxFor?.(key) ?? opts.max ?? 10;
  const windowMs = opts.windowMs ?? 15 * 60_000;
  const now = opts.now ?? Date.now;
  const maxKeys = opts.maxKeys ?? 100_000;
  const failures = new Map<string, number[]>(); // key → times of wrong codes, oldest first

  const recent = (key: string, t: number): number[] => {
    const times = failures.get(key);
    if (!times) return [];
    while (times.length && times[0] <= t - windowMs) times.shift();
    if (!times.length) failures.delete(key);
    return times;
  };

  const waitFor = (keys: string[], t: number): number => {
    let wait = 0;
    for (const key of keys) {
      const times = recent(key, t);
      const max = limitOf(key);
      if (times.length >= max) wait = Math.max(wait, Math.ceil((times[times.length - max] + windowMs - t) / 1000));
    }
    return wait;
  };
  const count = (keys: string[], t: number): void => {
    for (const key of keys) {
      const times = recent(key, t);
      if (!failures.has(key)) {
        // bounded memory: someone spraying made-up case numbers pushes out the oldest keys
        if (failures.size >= maxKeys) failures.delete(failures.keys().next().value as string);
        failures.set(key, times);
      }
      times.push(t);
    }
  };

  return {
    async blockedFor(keys) {
      return waitFor(keys, now());
    },
    async fail(keys) {
      count(keys, now());
    },
    // no await between the check and the count: one turn of the event loop, so atomic in this process
    async reserve(keys) {
      const t = now();
      const wait = waitFor(keys, t);
      if (wait > 0) return { ok: false, retryAfterSeconds: wait };
      count(keys, t);
      return {
        ok: true,
        release() {
          for (const key of keys) {
            const times = failures.get(key);
            const at = times ? times.lastIndexOf(t) : -1;
            if (times && at >= 0) times.splice(at, 1);
          }
        },
      };
    },
  };
}
