// Signing in and out: the one use case behind POST /api/auth/login and /logout (server/http/auth.routes.ts)
// and the /login and /logout forms (server/pages/login.page.ts), so an API client and a browser form
// are held to the same account lockout and leave the same audit entries. The per-address limit
// (loginAddressLimiter, one instance per server) runs in front of both, in the HTTP layer; so does
// the session cookie (sessionCookie below).
import type { CookieOptions, Response } from 'express';
import type { Config } from '../config.ts';
import { DomainError } from '../engine/errors.ts';
import { maskedText } from '../privacy/mask.ts';
import type { SessionRecord, Store, UserRecord } from '../store/port.ts';
import { scryptParamsFor, verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { issueSession, revokeSession, SESSION_COOKIE, type AuthContext } from './sessions.ts';
import { lockedForSeconds, lockoutSettings, oneSignInAtATime, recordFailedLogin, recordSuccessfulLogin, type AccountAttempts } from './throttle.ts';
import { isoShanghai } from '../engine/clock.ts';

export class InvalidCredentials extends DomainError {
  constructor() {
    super('INVALID_CREDENTIALS', 'wrong username or password');
  }
}

export interface SignInDeps {
  store: Store;
  config: Readonly<Config>;
  /** wall-clock time for sessions and lockouts (not the engine's test clock) */
  now: () => Date;
  /** with REDIS_URL: the per-account failures reserved in Redis, so instances share the lockout */
  accountAttempts?: AccountAttempts | null;
}

export interface SignedIn {
  token: string;
  csrfToken: string;
  session: SessionRecord;
  user: UserRecord;
}

const audit = (deps: SignInDeps, action: string, actor: string | null, ip: string | undefined, detail: unknown) =>
  deps.store.audit.append({ at: isoShanghai(deps.now()), actor, action, ip: ip ?? null, detail });

/** Checks the password and opens a session; throws InvalidCredentials for an unknown or inactive
 * user, a wrong password and a locked account alike — the same status and body, so the answer does
 * not tell which usernames exist (issue 15 §2); the audit log says which it was. Every attempt is
 * audited, never with the password. */
export async function signIn(deps: SignInDeps, input: { username: string; password: string; ip: string | undefined }): Promise<SignedIn> {
  const { store, config } = deps;
  const attempted = maskedText(input.username.slice(0, 100));
  const user = await store.users.getByUsername(input.username);
  if (!user || !user.active) {
    // the same work as a real check, so the answer's timing does not tell which usernames exist
    await verifyAgainstDummy(input.password, scryptParamsFor(config));
    await audit(deps, 'login.failed', null, input.ip, { username: attempted, reason: user ? 'inactive' : 'unknown_user' });
    throw new InvalidCredentials();
  }
  // across instances (REDIS_URL): the attempt is reserved in Redis before the password is checked,
  // atomically, so instances together check at most `loginMaxFailures` wrong passwords per lock
  const key = [`login:${user.id}`];
  const reserved = deps.accountAttempts ? await deps.accountAttempts.reserve(key) : null;
  if (reserved && !reserved.ok) {
    await audit(deps, 'login.failed', user.id, input.ip, { username: user.username, reason: 'locked' });
    throw new InvalidCredentials();
  }
  // one at a time per account, each on the stored count the previous attempt left (issue 15 §2)
  const signedIn = await oneSignInAtATime(store, user.id, async () => {
    const current = (await store.users.get(user.id)) ?? user;
    return checkPasswordAndOpen(deps, input, current);
  });
  await deps.accountAttempts?.reset(key); // a success ends the run of failures
  return signedIn;
}

async function checkPasswordAndOpen(
  deps: SignInDeps,
  input: { password: string; ip: string | undefined },
  user: UserRecord,
): Promise<SignedIn> {
  const { store, config } = deps;
  const at = deps.now();
  const lockedFor = lockedForSeconds(user, at);
  if (lockedFor > 0) {
    await audit(deps, 'login.failed', user.id, input.ip, { username: user.username, reason: 'locked', lockedForSeconds: lockedFor });
    throw new InvalidCredentials();
  }
  if (!(await verifyPassword(input.password, user.passwordHash))) {
    const { locked } = await recordFailedLogin(store, user, at, lockoutSettings(config));
    await audit(deps, 'login.failed', user.id, input.ip, { username: user.username, reason: 'wrong_password', locked });
    throw new InvalidCredentials();
  }
  await recordSuccessfulLogin(store, user);
  const issued = await issueSession(store, user.id, { now: at, ttlHours: config.sessionTtlHours });
  await audit(deps, 'login.succeeded', user.id, input.ip, { username: user.username });
  return { ...issued, user };
}

/** Revokes the caller's session (its token and cookie stop working at once); audited. */
export async function signOut(deps: SignInDeps, auth: AuthContext, ip: string | undefined): Promise<void> {
  await revokeSession(deps.store, auth.session.tokenHash, deps.now());
  await audit(deps, 'logout', auth.user.id, ip, { username: auth.user.username });
}

// ── the session cookie (HTTP layer: the API's routes and the pages set it alike) ────────────────

function cookieOptions(config: Pick<Config, 'cookieSecure'>, expires: Date): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure: config.cookieSecure, path: '/', expires };
}

export const sessionCookie = {
  /** sets the httpOnly session cookie of a fresh sign-in; the answer is not to be cached */
  set(res: Response, config: Pick<Config, 'cookieSecure'>, signedIn: Pick<SignedIn, 'token' | 'session'>): void {
    res.cookie(SESSION_COOKIE, signedIn.token, cookieOptions(config, new Date(signedIn.session.expiresAt)));
    res.set('Cache-Control', 'no-store');
  },
  clear(res: Response, config: Pick<Config, 'cookieSecure'>): void {
    res.clearCookie(SESSION_COOKIE, { ...cookieOptions(config, new Date(0)), expires: undefined });
  },
};
