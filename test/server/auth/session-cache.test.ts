// The session cache (server/auth/session-cache.ts): a change made through this instance's store is
// seen at once; one made elsewhere (another instance, written to the shared store) within ttlMs.
import { expect } from 'chai';
import { SessionCache } from '../../../server/auth/session-cache.ts';
import { hashToken, issueSession, revokeSession, revokeUserSessions } from '../../../server/auth/sessions.ts';
import type { SessionRecord, Store, UserRecord } from '../../../server/store/port.ts';
import { createSqliteStore, type SqliteStore } from '../../../server/store/sqlite/index.ts';

const NOW = new Date('2026-03-02T09:00:00+08:00');
const TTL = 1000;

function user(id: string, over: Partial<UserRecord> = {}): UserRecord {
  return {
    id,
    username: id,
    name: `用户${id}`,
    role: 'mediator',
    bodyId: null,
    passwordHash: 'x',
    profile: {},
    failedLogins: 0,
    lockedUntil: null,
    active: true,
    createdAt: NOW.toISOString(),
    ...over,
  };
}

describe('session cache', () => {
  let raw: SqliteStore;
  /** this instance: its cache and the store every writer of this instance uses */
  let cache: SessionCache;
  let store: Store;
  const clock = { t: 0 };

  beforeEach(async () => {
    raw = createSqliteStore({ file: ':memory:' });
    await raw.init();
    await raw.users.insert(user('u1'));
    await raw.users.insert(user('u2'));
    clock.t = 0;
    cache = new SessionCache({ ttlMs: TTL, clock: () => clock.t });
    store = cache.watch(raw);
  });
  afterEach(() => raw.close());

  const issue = (userId = 'u1', ttlHours = 12) => issueSession(store, userId, { now: NOW, ttlHours });

  it('answers a live session from memory once read, and never keeps a refused token', async () => {
    const { token } = await issue();
    let reads = 0;
    const get = raw.sessions.get.bind(raw.sessions);
    raw.sessions.get = (h: string) => {
      reads++;
      return get(h);
    };
    expect(await cache.lookup(store, token, NOW)).to.have.nested.property('user.id', 'u1');
    expect(await cache.lookup(store, token, NOW)).to.have.nested.property('session.tokenHash', hashToken(token));
    expect(reads).to.equal(1);
    expect(await cache.lookup(store, 'no-such-token', NOW)).to.deep.equal({ failure: 'unknown' });
    expect(await cache.lookup(store, 'no-such-token', NOW)).to.deep.equal({ failure: 'unknown' });
    expect(reads).to.equal(3);
    expect(cache.size).to.equal(1);
  });

  it('refuses at once a token signed out, revoked or whose user was deactivated or changed through this instance', async () => {
    const a = await issue('u1');
    const b = await issue('u2');
    const c = await issue('u2');
    for (const t of [a, b, c]) expect(await cache.lookup(store, t.token, NOW)).to.not.have.property('failure');

    await revokeSession(store, a.session.tokenHash, NOW); // sign-out
    expect(await cache.lookup(store, a.token, NOW)).to.deep.equal({ failure: 'revoked' });

    await store.users.update('u2', { role: 'admin' }); // a role change is seen by the next request
    expect(await cache.lookup(store, b.token, NOW)).to.have.nested.property('user.role', 'admin');
    await store.users.update('u2', { active: false }); // deactivation
    expect(await cache.lookup(store, c.token, NOW)).to.deep.equal({ failure: 'inactive' });

    await store.users.update('u2', { active: true });
    expect(await cache.lookup(store, c.token, NOW)).to.not.have.property('failure');
    await revokeUserSessions({ store }, 'u2', { now: NOW, reason: 'password_reset' });
    expect(await cache.lookup(store, c.token, NOW)).to.deep.equal({ failure: 'revoked' });
    expect(clock.t).to.equal(0); // all of it without the time-to-live running out
  });

  it('sees a sign-out or deactivation made on another instance within ttlMs, not before the entry is that old', async () => {
    const a = await issue('u1');
    const b = await issue('u2');
    expect(await cache.lookup(store, a.token, NOW)).to.not.have.property('failure');
    expect(await cache.lookup(store, b.token, NOW)).to.not.have.property('failure');
    // another instance writes the shared store: not through this instance's watched store
    await raw.sessions.revoke(a.session.tokenHash, NOW.toISOString());
    await raw.users.update('u2', { active: false });

    clock.t = TTL - 1;
    expect(await cache.lookup(store, a.token, NOW)).to.not.have.property('failure'); // the documented bound
    clock.t = TTL;
    expect(await cache.lookup(store, a.token, NOW)).to.deep.equal({ failure: 'revoked' });
    expect(await cache.lookup(store, b.token, NOW)).to.deep.equal({ failure: 'inactive' });
  });

  it('checks the session’s expiry on every answer from memory', async () => {
    const { token } = await issue('u1', 1);
    expect(await cache.lookup(store, token, NOW)).to.not.have.property('failure');
    const later = new Date(NOW.getTime() + 3_600_000);
    expect(await cache.lookup(store, token, later)).to.deep.equal({ failure: 'expired' });
  });

  it('does not keep what a read found while a write to sessions was settling', async () => {
    const session: SessionRecord = { tokenHash: hashToken('t'), userId: 'u1', csrfToken: 'c', createdAt: NOW.toISOString(), expiresAt: new Date(NOW.getTime() + 3_600_000).toISOString(), revokedAt: null };
    let release!: (s: SessionRecord) => void;
    let reads = 0;
    const slow = {
      sessions: {
        get: () => {
          reads++;
          return reads === 1 ? new Promise<SessionRecord>((r) => (release = r)) : Promise.resolve({ ...session, revokedAt: NOW.toISOString() });
        },
        revoke: async () => {},
      },
      users: { get: async () => user('u1') },
    } as unknown as Store;
    const watched = cache.watch(slow);
    const pending = cache.lookup(watched, 't', NOW); // reads the session before the sign-out …
    await watched.sessions.revoke(session.tokenHash, NOW.toISOString()); // … which settles meanwhile
    release(session);
    expect(await pending).to.not.have.property('failure'); // what it read, as without a cache
    expect(cache.size).to.equal(0); // but not kept
    expect(await cache.lookup(watched, 't', NOW)).to.deep.equal({ failure: 'revoked' });
  });

  it('keeps at most `max` entries, dropping the oldest', async () => {
    const small = new SessionCache({ ttlMs: TTL, max: 2, clock: () => clock.t });
    const tokens = [await issue('u1'), await issue('u1'), await issue('u2')];
    for (const t of tokens) await small.lookup(store, t.token, NOW);
    expect(small.size).to.equal(2);
  });
});
