// Residents' access codes are stored as an HMAC under a key derived from APP_SECRET (issue 17: why
// not scrypt is in server/auth/access-codes.ts); codes stored as scrypt before keep working, and so do
// codes issued under an earlier secret listed in APP_SECRET_PREVIOUS.
import { expect } from 'chai';
import { AccessCodes, newAccessCode, scryptAccessCodeHash } from '../../../server/auth/access-codes.ts';

const SECRET = 'the-mediation-office-secret-2026';
const OLD_SECRET = 'the-secret-the-office-used-in-2025';

describe('access codes', () => {
  const codes = new AccessCodes(SECRET);

  it('draws eight symbols that read aloud without confusion (no 0/O, 1/I)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const c = newAccessCode();
      expect(c).to.match(/^[A-HJ-NP-Z2-9]{8}$/);
      seen.add(c);
    }
    expect(seen.size).to.equal(200);
  });

  it('stores a keyed hash naming its key, never the code; the same code hashes apart on two cases and under two secrets', () => {
    const { code, hash } = codes.issue('case-1');
    expect(hash).to.match(/^hmac\$[A-Za-z0-9_-]{8}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.to.include(code);
    expect(codes.hash(code, 'case-2')).not.to.equal(hash);
    expect(new AccessCodes(OLD_SECRET).hash(code, 'case-1')).not.to.equal(hash);
    expect(codes.hash(code, 'case-1')).to.equal(hash); // deterministic: this is what the check recomputes
  });

  it('opens the case with its code, in either letter case, and not with another code or on another case', async () => {
    const { code, hash } = codes.issue('case-1');
    expect(await codes.check({ id: 'case-1', accessCodeHash: hash }, code)).to.equal(true);
    expect(await codes.check({ id: 'case-1', accessCodeHash: hash }, code.toLowerCase())).to.equal(true);
    const other = code === 'ABCDEFGH' ? 'ABCDEFGJ' : 'ABCDEFGH';
    expect(await codes.check({ id: 'case-1', accessCodeHash: hash }, other)).to.equal(false);
    expect(await codes.check({ id: 'case-2', accessCodeHash: hash }, code)).to.equal(false);
  });

  it('still opens a case whose code was stored as scrypt before, at the cost stored with it', async () => {
    const stored = await scryptAccessCodeHash('ABCDEFGH', 'case-old', 1024);
    expect(stored).to.match(/^scrypt\$1024\$/);
    expect(await codes.check({ id: 'case-old', accessCodeHash: stored }, 'abcdefgh')).to.equal(true);
    expect(await codes.check({ id: 'case-old', accessCodeHash: stored }, 'ABCDEFGJ')).to.equal(false);
  });

  it('after a rotation, opens codes issued under a secret listed as previous, and only then', async () => {
    const before = new AccessCodes(OLD_SECRET).issue('case-1');
    expect(await new AccessCodes(SECRET).check({ id: 'case-1', accessCodeHash: before.hash }, before.code)).to.equal(false);
    const rotated = new AccessCodes(SECRET, [OLD_SECRET]);
    expect(await rotated.check({ id: 'case-1', accessCodeHash: before.hash }, before.code)).to.equal(true);
    // new codes are hashed under the current secret
    const after = rotated.issue('case-1');
    expect(after.hash.split('$')[1]).to.equal(codes.hash('X', 'y').split('$')[1]);
  });

  it('never matches a hash of an unknown form or key, an empty one, or the placeholder for an unknown case', async () => {
    const code = 'ABCDEFGH';
    const good = codes.hash(code, 'case-1');
    for (const accessCodeHash of ['', 'hmac', `hmac$zzzzzzzz$${good.split('$')[2]}`, `bcrypt$10$${good}`, 'scrypt$1$x', 'scrypt$abc$x', codes.unmatchable()]) {
      expect(await codes.check({ id: 'case-1', accessCodeHash }, code), accessCodeHash).to.equal(false);
    }
  });
});
