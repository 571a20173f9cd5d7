// CSRF protection for browser forms. A request authenticated by the session cookie that changes
// something must carry the session's CSRF token, in the `X-CSRF-Token` header or the `_csrf` form
// field. Bearer-token requests need none: a browser never attaches that header on its own.
// SameSite=Lax on the cookie is the first line; this token is the second.
import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { DomainError } from '../engine/errors.ts';

export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class CsrfTokenInvalid extends DomainError {
  constructor() {
    super('CSRF_TOKEN_INVALID', 'missing or wrong CSRF token: send the X-CSRF-Token header (or the _csrf form field)');
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Paths where a cookie proves nothing the route relies on (signing in again over a live session). */
export const CSRF_EXEMPT_PATHS = ['/api/auth/login', '/login'];

/**
 * Runs after authentication, before the routes. Removes `_csrf` from the body so route validation
 * never sees it. `exempt` lists exact paths of public changing routes.
 */
export function csrfProtection(opts: { exempt?: readonly string[] } = {}): RequestHandler {
  const exempt = new Set(opts.exempt ?? CSRF_EXEMPT_PATHS);
  return (req, _res, next) => {
    const body = req.body as Record<string, unknown> | undefined;
    const field = body && typeof body === 'object' && !Array.isArray(body) ? body[CSRF_FIELD] : undefined;
    if (body && field !== undefined) delete body[CSRF_FIELD];
    if (SAFE_METHODS.has(req.method) || req.auth?.via !== 'cookie' || exempt.has(req.path)) return next();
    const header = req.get(CSRF_HEADER);
    const given = typeof header === 'string' && header ? header : typeof field === 'string' ? field : '';
    if (!given || !same(given, req.auth.session.csrfToken)) return next(new CsrfTokenInvalid());
    next();
  };
}
