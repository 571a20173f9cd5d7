// The access-code limiter's reservation (issue 15 §2): an attempt is counted before its code is
// checked, and handed back when the code proves right.
import { expect } from 'chai';
import { createMemoryAccessCodeLimiter } from '../../../server/auth/throttle.ts';

describe('access-code limiter: reserve before the check', () => {
  const keys = ['case:X', 'ip:10.0.0.1'];

  it('counts a reservation at once, so the 11th of eleven reserved together is refused', async () => {
    let t = 1_000_000;
    const limiter = createMemoryAccessCodeLimiter({ max: 10, windowMs: 60_000, now: () => t });
    // all eleven reserved before any outcome is known, as with parallel requests
    const taken = await Promise.all(Array.from({ length: 11 }, () => limiter.reserve(keys)));
    expect(taken.filter((r) => r.ok)).to.have.length(10);
    expect(taken[10]).to.deep.equal({ ok: false, retryAfterSeconds: 60 });
    t += 60_000; // the window has passed
    expect((await limiter.reserve(keys)).ok).to.equal(true);
  });

  it('does not count an attempt whose code was right', async () => {
    const limiter = createMemoryAccessCodeLimiter({ max: 10, windowMs: 60_000, now: () => 1_000_000 });
    for (let i = 0; i < 25; i++) {
      const attempt = await limiter.reserve(keys);
      if (!attempt.ok) expect.fail(`attempt ${i} refused`);
      attempt.release();
    }
    expect(await limiter.blockedFor(keys)).to.equal(0);
  });
});
