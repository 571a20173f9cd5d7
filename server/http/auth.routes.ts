// Signing in and out, who am I, the organisation tree, health. Also the `authenticate` middleware:
// a Bearer token (API clients) or the httpOnly session cookie (browser pages) → req.auth.
import type { RequestHandler } from 'express';
import Joi from 'joi';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { NotFound } from '../engine/errors.ts';
import { MAX_PASSWORD_LENGTH } from '../auth/passwords.ts';
import { lookupSession, SESSION_COOKIE } from '../auth/sessions.ts';
import type { SessionCache } from '../auth/session-cache.ts';
import { sessionCookie, signIn, signOut } from '../auth/sign-in.ts';
import { changeOwnPassword, passwordChangeBody } from '../auth/users.ts';
import type { AccountAttempts } from '../auth/throttle.ts';
import { disconnectSession } from '../live/index.ts';
import { storageStatusOf } from '../integrity/storage-status.ts';
import { Org } from '../org.ts';
import type { Body, Store, UserRecord } from '../store/port.ts';
import type { Role, Tier } from '../../workflows/vocabulary.ts';
import { defineRoute, type RouteDef } from './validate.ts';
import { obj, ref } from './api-schemas.ts';
import { isoShanghai } from '../engine/clock.ts';

export interface AuthDeps {
  config: Readonly<Config>;
  store: Store;
  logger: Logger;
  /** wall-clock time for sessions and lockouts (not the engine's test clock) */
  now: () => Date;
  /** the per-address sign-in limit, one per server: the /login form counts against it too */
  loginLimiter: RequestHandler;
  /** with REDIS_URL: failed sign-ins per account counted in Redis (shared by instances) */
  accountAttempts?: AccountAttempts | null;
}

export interface PublicUser {
  id: string;
  username: string;
  name: string;
  role: Role;
  bodyId: string | null;
  bodyName?: string;
  tier?: Tier;
  orgUnitId?: string;
}

export function publicUser(user: UserRecord, bodies: readonly Body[]): PublicUser {
  const body = user.bodyId ? bodies.find((b) => b.id === user.bodyId) : undefined;
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    role: user.role,
    bodyId: user.bodyId,
    ...(body ? { bodyName: body.name, tier: body.tier, orgUnitId: body.orgUnitId } : {}),
  };
}

const BEARER = /^Bearer\s+(\S+)$/i;

/** Sets req.auth when the request carries a live session; never refuses by itself (routes do). */
export function authenticate(deps: Pick<AuthDeps, 'store' | 'now'> & { sessionCache?: SessionCache | null }): RequestHandler {
  const cache = deps.sessionCache ?? null;
  return async (req, _res, next) => {
    const header = req.get('authorization');
    let token: string | undefined;
    let via: 'bearer' | 'cookie' = 'bearer';
    if (header !== undefined) {
      token = BEARER.exec(header)?.[1];
      if (!token) {
        req.authFailure = 'unknown';
        return next();
      }
    } else {
      const cookie = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
      if (typeof cookie === 'string' && cookie) {
        token = cookie;
        via = 'cookie';
      }
    }
    if (!token) return next();
    const found = cache ? await cache.lookup(deps.store, token, deps.now()) : await lookupSession(deps.store, token, deps.now());
    if ('failure' in found) req.authFailure = found.failure;
    else req.auth = { user: found.user, session: found.session, via };
    next();
  };
}

const loginBody = Joi.object({
  username: Joi.string().min(1).max(100).required().description('e.g. med.c1'),
  password: Joi.string().min(1).max(MAX_PASSWORD_LENGTH).required(),
});



export function authRoutes(deps: AuthDeps): RouteDef[] {
  const { config, store, now } = deps;

  return [
    defineRoute<{ username: string; password: string }>(
      {
        method: 'post',
        path: '/api/auth/login',
        summary: 'Sign in: a Bearer token for API clients and an httpOnly session cookie for browsers',
        tags: ['auth'],
        auth: 'public',
        body: loginBody,
        idempotent: false,
        before: [deps.loginLimiter],
        responses: {
          200: { description: 'signed in', schema: ref('Session') },
          401: { description: 'INVALID_CREDENTIALS: an unknown user, a wrong password, a deactivated and a locked account answer alike (issue 15 §2)' },
          429: { description: 'RATE_LIMITED: too many failed sign-ins from this client address (Retry-After)' },
        },
      },
      async ({ body, req, res }) => {
        const signedIn = await signIn(deps, { username: body.username, password: body.password, ip: req.ip });
        sessionCookie.set(res, config, signedIn);
        return {
          token: signedIn.token,
          user: publicUser(signedIn.user, await store.org.bodies()),
          csrfToken: signedIn.csrfToken,
          expiresAt: signedIn.session.expiresAt,
          ...(signedIn.user.mustChangePassword ? { mustChangePassword: true } : {}),
        };
      },
    ),

    defineRoute(
      {
        method: 'post',
        path: '/api/auth/logout',
        summary: 'Sign out: the session (token and cookie) is revoked',
        tags: ['auth'],
        auth: 'authenticated',
        idempotent: false,
        responses: { 200: { description: 'signed out', schema: obj({ ok: { type: 'boolean', enum: [true] } }) } },
      },
      async ({ auth, req, res }) => {
        await signOut(deps, auth!, req.ip);
        disconnectSession(auth!.session.tokenHash, 'revoked'); // its sockets too, at once (issue 15 §3)
        sessionCookie.clear(res, config);
        return { ok: true };
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/me',
        summary: 'The signed-in user, with their body, tier and org unit',
        tags: ['auth'],
        auth: 'authenticated',
        responses: {
          200: { description: 'the user', schema: ref('Me') },
        },
      },
      async ({ auth, res }) => {
        res.set('Cache-Control', 'no-store');
        return {
          user: publicUser(auth!.user, await store.org.bodies()),
          csrfToken: auth!.session.csrfToken,
          expiresAt: auth!.session.expiresAt,
          ...(auth!.user.mustChangePassword ? { mustChangePassword: true } : {}),
        };
      },
    ),

    defineRoute<{ currentPassword: string; newPassword: string }>(
      {
        method: 'post',
        path: '/api/auth/password',
        summary: "Change your own password with the current one (also after an administrator's reset); your other sessions end",
        tags: ['auth'],
        auth: 'authenticated',
        body: passwordChangeBody,
        idempotent: false,
        responses: {
          200: { description: 'changed; this session stays signed in', schema: obj({ ok: { type: 'boolean', enum: [true] } }) },
          400: { description: 'VALIDATION_FAILED: the current password is wrong (details name currentPassword; counts towards the lockout) or the new one is too short or unchanged' },
          429: { description: 'RATE_LIMITED: too many wrong current passwords' },
        },
      },
      async ({ body, auth, req }) => {
        await changeOwnPassword({ store, config }, auth!, body, req.ip);
        return { ok: true };
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/org',
        summary: 'The organisation tree rooted at the district (district → sub-district → community → compound), in stable order',
        tags: ['org'],
        auth: 'authenticated',
        responses: { 200: { description: 'the root node; every node {id, name, kind, bodyId?, committeeName?, address?, children}', schema: ref('OrgNode') } },
      },
      async () => {
        // this router is mounted without the Directory (createApp), so it reads the two lists itself
        const [units, bodies] = await Promise.all([store.org.units(), store.org.bodies()]);
        const [root] = new Org(units, bodies).trees();
        if (!root) throw new NotFound('organisation');
        return root;
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/health',
        summary: 'Liveness, the store in use, and its storage health (errors, the last commit): 503 while the store fails',
        tags: ['meta'],
        auth: 'public',
        responses: {
          200: { description: 'up (status ok)', schema: ref('Health') },
          503: { description: 'the store does not answer, or reported storage errors (full disk, I/O error, damaged file) or its last commit failed (status unavailable)', schema: ref('Health') },
        },
      },
      async ({ res }) => {
        const watched = storageStatusOf(store);
        const base = { store: store.kind, time: isoShanghai(now()), uptimeSeconds: Math.round(process.uptime()) };
        let probe: unknown = null;
        try {
          await store.settings.get('health');
        } catch (err) {
          probe = err;
          deps.logger.error({ err }, 'health check: store unavailable');
        }
        const storage = watched?.report();
        const out = storage ? { ...base, storage } : base;
        if (probe !== null || (storage && !storage.ok)) {
          res.status(503);
          return { status: 'unavailable', ...out };
        }
        return { status: 'ok', ...out };
      },
    ),
  ];
}
