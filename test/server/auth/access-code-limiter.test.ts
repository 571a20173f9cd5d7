// The access-code limiter's reservation (issue 15 §2): an attempt is counted before its code is
// checked, and handed back when the code proves right. One contract, two backends: in memory (one
// instance) and in Redis (instances sharing REDIS_URL, server/auth/attempts-redis.ts).
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { createRedisAttemptLimiter } from '../../../server/auth/attempts-redis.ts';
import { createMemoryAccessCodeLimiter, type AccessCodeLimiter } from '../../../server/auth/throttle.ts';
import { REDIS_URL, redisAnswers } from '../../multi/instances-support.ts';

type Make = (opts: { max: number; windowMs: number; now: () => number; maxFor?: (key: string) => number }) => AccessCodeLimiter;

function contract(name: string, setUp: () => Promise<{ make: Make; done(): Promise<void> } | null>) {
  describe(`access-code limiter (${name}): reserve before the check`, () => {
    const keys = ['case-ip:X|10.0.0.1', 'ip:10.0.0.1'];
    let make: Make;
    let done = async () => {};
    before(async function () {
      const got = await setUp();
      if (!got) {
        // Redis runs on every development machine and in CI (the brief): its absence is a failure, not a skip
        throw new Error(`Redis does not answer at ${REDIS_URL}: start it (these tests need it)`);
      }
      ({ make, done } = got);
    });
    after(async () => done());

    it('counts a reservation at once, so the 11th of eleven reserved together is refused', async () => {
      let t = 1_000_000;
      const limiter = make({ max: 10, windowMs: 60_000, now: () => t });
      // all eleven reserved before any outcome is known, as with parallel requests
      const taken = await Promise.all(Array.from({ length: 11 }, () => limiter.reserve(keys)));
      expect(taken.filter((r) => r.ok)).to.have.length(10);
      expect(taken.find((r) => !r.ok)).to.deep.equal({ ok: false, retryAfterSeconds: 60 });
      t += 60_000; // the window has passed
      expect((await limiter.reserve(keys)).ok).to.equal(true);
    });

    it('does not count an attempt whose code was right', async () => {
      const limiter = make({ max: 10, windowMs: 60_000, now: () => 1_000_000 });
      for (let i = 0; i < 25; i++) {
        const attempt = await limiter.reserve(keys);
        if (!attempt.ok) expect.fail(`attempt ${i} refused`);
        await attempt.release();
      }
      expect(await limiter.blockedFor(keys)).to.equal(0);
    });

    it('holds each key to its own limit: a full key refuses, the others are not counted', async () => {
      const limiter = make({ max: 10, windowMs: 60_000, now: () => 2_000_000, maxFor: (k) => (k.startsWith('ip:') ? 3 : 10) });
      for (let i = 0; i < 3; i++) expect((await limiter.reserve(['case-ip:A|1', 'ip:1'])).ok).to.equal(true);
      expect((await limiter.reserve(['case-ip:B|1', 'ip:1'])).ok).to.equal(false);
      expect(await limiter.blockedFor(['case-ip:B|1'])).to.equal(0); // the refused one was not counted
      expect((await limiter.reserve(['case-ip:B|2', 'ip:2'])).ok).to.equal(true);
    });
  });
}

contract('memory', async () => ({ make: (o) => createMemoryAccessCodeLimiter(o), done: async () => {} }));

contract('Redis', async () => {
  if (!(await redisAnswers())) return null;
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  const prefixes: string[] = [];
  return {
    make: (o) => {
      const prefix = `test-limiter-${randomUUID()}:`;
      prefixes.push(prefix);
      return createRedisAttemptLimiter(client, { prefix, ...o });
    },
    async done() {
      for (const p of prefixes) {
        const ks = await client.keys(`${p}*`);
        if (ks.length) await client.del(ks);
      }
      await client.quit();
    },
  };
});
