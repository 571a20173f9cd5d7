// Attempt limits shared by every instance through Redis (issue 15 §2), when REDIS_URL is set: the
// wrong-access-code limits (per case and address, per address) and the per-account sign-in lockout.
// The reservation — drop what left the window, check every key against its limit, and only if all
// are below it count the attempt on every key — is ONE Lua script, which Redis runs atomically: two
// instances sending 100 guesses each cannot both see "9 so far". The same sliding window and the
// same reserve/release contract as the in-memory limiter (createMemoryAccessCodeLimiter), so the two
// backends are interchangeable and tested against one contract.
//
// Why a script and not rate-limiter-flexible: its limiters count fixed windows per key and give back
// a point with `reward`, one key at a time; ours checks several keys with their own limits in one
// step and releases exactly the reservation of an attempt that proved right. The script is 20 lines
// over the `redis` client the live layer already uses for the socket.io adapter.
import { randomUUID } from 'node:crypto';
import type { AccessCodeLimiter } from './throttle.ts';

/** The part of a node-redis client this needs. */
export interface RedisLike {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  zRem(key: string, member: string): Promise<unknown>;
  del(keys: string | string[]): Promise<unknown>;
}

// KEYS: the counters. ARGV: now (ms), window (ms), member, then one limit per key.
// Returns 0 when reserved, else the milliseconds until every key is below its limit again.
const RESERVE = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wait = 0
for i, key in ipairs(KEYS) do
  local max = tonumber(ARGV[3 + i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local n = redis.call('ZCARD', key)
  if n >= max then
    local oldest = redis.call('ZRANGE', key, n - max, n - max, 'WITHSCORES')
    local w = tonumber(oldest[2]) + window - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window)
end
return 0
`;

// Counts an attempt on every key without a check (fail() of the contract).
const COUNT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window)
end
return 0
`;

export interface RedisLimiterOptions {
  /** key prefix, e.g. 'mediation:limits:' (instances sharing limits use the same) */
  prefix: string;
  windowMs: number;
  /** the limit of a key, by the key's kind (the part before the first ':'), else `max` */
  maxFor?: (key: string) => number;
  max: number;
  now?: () => number;
}

/** An attempt limiter whose counts live in Redis; see the contract in throttle.ts. */
export function createRedisAttemptLimiter(client: RedisLike, opts: RedisLimiterOptions): AccessCodeLimiter & { reset(keys: string[]): Promise<void> } {
  const now = opts.now ?? Date.now;
  const limit = (key: string) => opts.maxFor?.(key) ?? opts.max;
  const k = (key: string) => opts.prefix + key;
  const waitFor = async (keys: string[], member: string, reserveIt: boolean): Promise<number> => {
    const t = now();
    const ms = Number(
      await client.eval(reserveIt ? RESERVE : COUNT, {
        keys: keys.map(k),
        arguments: [String(t), String(opts.windowMs), member, ...keys.map((key) => String(limit(key)))],
      }),
    );
    return ms > 0 ? Math.ceil(ms / 1000) : 0;
  };
  return {
    async blockedFor(keys) {
      // a probe that is never kept: reserve with a throw-away member, then take it back
      const member = `probe:${randomUUID()}`;
      const wait = await waitFor(keys, member, true);
      if (wait === 0) await Promise.all(keys.map((key) => client.zRem(k(key), member)));
      return wait;
    },
    async fail(keys) {
      await waitFor(keys, randomUUID(), false);
    },
    async reserve(keys) {
      const member = randomUUID();
      const wait = await waitFor(keys, member, true);
      if (wait > 0) return { ok: false, retryAfterSeconds: wait };
      return {
        ok: true,
        async release() {
          await Promise.all(keys.map((key) => client.zRem(k(key), member)));
        },
      };
    },
    async reset(keys) {
      await client.del(keys.map(k));
    },
  };
}

/** Connects a Redis client for the limits; fails (saying why) when Redis does not answer in time,
 * instead of node-redis's endless retrying. */
export async function connectLimitsRedis(url: string, opts: { timeoutMs?: number; onError?: (err: unknown) => void } = {}) {
  const { createClient } = await import('redis');
  const client = createClient({ url });
  client.on('error', (err: unknown) => opts.onError?.(err));
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`limits: could not connect to Redis (REDIS_URL) within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    client.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return client;
}
