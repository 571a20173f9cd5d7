// Signing in and out, who am I, the organisation tree, health. Also the `authenticate` middleware:
// a Bearer token (API clients) or the httpOnly session cookie (browser pages) → req.auth.
import type { RequestHandler } from 'express';
import Joi from 'joi';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { NotFound } from '../engine/errors.ts';
import { MAX_PASSWORD_LENGTH } from '../auth/passwords.ts';
import { lookupSession, SESSION_COOKIE } from '../auth/sessions.ts';
import { sessionCookie, signIn, signOut } from '../auth/sign-in.ts';
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
export function authenticate(deps: Pick<AuthDeps, 'store' | 'now'>): RequestHandler {
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
    const found = await lookupSession(deps.store, token, deps.now());
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
          401: { description: 'INVALID_CREDENTIALS: unknown user, wrong password or a deactivated account (the same answer)' },
          429: { description: 'RATE_LIMITED: too many failed sign-ins from this address or for this account (Retry-After)' },
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
        };
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/org',
        summary: 'The organisation tree rooted at the district (district → sub-district → community → compound), in stable order',
        tags: ['org'],
        auth: 'authenticated',
        responses: { 200: { description: 'the root node; every node {id, name, kind, bodyId?, children}', schema: ref('OrgNode') } },
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
        summary: 'Liveness and the store in use',
        tags: ['meta'],
        auth: 'public',
        responses: {
          200: { description: 'up (status ok)', schema: ref('Health') },
          503: { description: 'the store does not answer (status unavailable)', schema: ref('Health') },
        },
      },
      async ({ res }) => {
        const base = { store: store.kind, time: isoShanghai(now()), uptimeSeconds: Math.round(process.uptime()) };
        try {
          await store.settings.get('health');
        } catch (err) {
          deps.logger.error({ err }, 'health check: store unavailable');
          res.status(503);
          return { status: 'unavailable', ...base };
        }
        return { status: 'ok', ...base };
      },
    ),
  ];
}
