// Sign-in sessions. The token handed to the client (Bearer header or httpOnly cookie) is 32 random
// bytes; the store keeps only its sha256, so a leaked database does not leak live sessions, and
// sessions survive a restart. Sessions expire and are revoked on logout.
import { createHash, randomBytes } from 'node:crypto';
import type { SessionRecord, Store, UserRecord } from '../store/port.ts';
import { isoShanghai } from '../engine/clock.ts';

/** The httpOnly cookie the pages' session token travels in (set by POST /api/auth/login, read by the
 * API's authenticate middleware and the live layer's handshake). */
export const SESSION_COOKIE = 'wuye_session';

export interface AuthContext {
  user: UserRecord;
  session: SessionRecord;
  /** how the request proved who it is: cookie-authenticated changes need a CSRF token */
  via: 'bearer' | 'cookie';
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface IssuedSession {
  token: string;
  csrfToken: string;
  session: SessionRecord;
}

export async function issueSession(
  store: Store,
  userId: string,
  opts: { now: Date; ttlHours: number },
): Promise<IssuedSession> {
  const token = newToken();
  const session: SessionRecord = {
    tokenHash: hashToken(token),
    userId,
    csrfToken: newToken(),
    createdAt: isoShanghai(opts.now),
    expiresAt: isoShanghai(new Date(opts.now.getTime() + opts.ttlHours * 3_600_000)),
    revokedAt: null,
  };
  await store.sessions.insert(session);
  return { token, csrfToken: session.csrfToken, session };
}

export type LookupFailure = 'unknown' | 'expired' | 'revoked' | 'inactive';

/** The live session and its user for a token, or why there is none. */
export async function lookupSession(
  store: Store,
  token: string,
  now: Date,
): Promise<{ session: SessionRecord; user: UserRecord } | { failure: LookupFailure }> {
  if (!token || token.length > 200) return { failure: 'unknown' };
  return lookupSessionByHash(store, hashToken(token), now);
}

/** lookupSession for a token already hashed (server/auth/session-cache.ts). */
export async function lookupSessionByHash(
  store: Store,
  tokenHash: string,
  now: Date,
): Promise<{ session: SessionRecord; user: UserRecord } | { failure: LookupFailure }> {
  const session = await store.sessions.get(tokenHash);
  if (!session) return { failure: 'unknown' };
  if (session.revokedAt) return { failure: 'revoked' };
  if (Date.parse(session.expiresAt) <= now.getTime()) return { failure: 'expired' };
  const user = await store.users.get(session.userId);
  if (!user || !user.active) return { failure: 'inactive' };
  return { session, user };
}

export async function revokeSession(store: Store, tokenHash: string, now: Date): Promise<void> {
  await store.sessions.revoke(tokenHash, isoShanghai(now));
}

/** Someone who ends a user's live connections at once (the live layer: Services.disconnectUser). */
export type DisconnectUser = (userId: string, reason: string) => void;

/** Ends every session of a user (deactivation, a password reset or change), but `except` (the
 * caller's own, when they changed their own password), and their live sockets with them. The
 * token hashes revoked. */
export async function revokeUserSessions(
  deps: { store: Store; disconnectUser?: DisconnectUser },
  userId: string,
  opts: { now: Date; reason: string; except?: string },
): Promise<string[]> {
  const revoked = await deps.store.sessions.revokeForUser(userId, opts.now.toISOString(), opts.except);
  // a kept session keeps its sockets only when no other session was open: sockets carry no session id
  // across instances, so the user's sockets go (their pages reconnect with the session they hold)
  deps.disconnectUser?.(userId, opts.reason);
  return revoked;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** set by the authenticate middleware when the request carries a live session */
      auth?: AuthContext;
      /** why a presented token was not accepted (for the 401 message) */
      authFailure?: LookupFailure;
    }
  }
}
