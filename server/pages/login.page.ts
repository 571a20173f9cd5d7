// /login and /logout as plain forms. Signing in is the API's own use case (server/auth/sign-in.ts:
// account lockout and audit) behind the server's one per-address limiter (Services.loginLimiter),
// so a browser form and an API client are held to the same rules and share one count.
import type { Application, Request, RequestHandler, Response } from 'express';
import type { MountContext } from '../app.ts';
import { DomainError, RateLimited } from '../engine/errors.ts';
import { sessionCookie, signIn, signOut } from '../auth/sign-in.ts';
import { disconnectSession } from '../live/index.ts';
import type { Services } from '../services.ts';
import { base, langFor, render, safeNext, setFlash, userOf } from './context.ts';
import { t } from './i18n.ts';

const field = (v: unknown) => (typeof v === 'string' ? v : '');

/** Runs a middleware (the rate limiter) inside a handler: rejects with what it passes to next(). */
function run(mw: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const out = mw(req, res, (err?: unknown) => (err ? reject(err) : resolve())) as unknown;
    if (out instanceof Promise) out.catch(reject);
  });
}

export function loginPages(services: Services) {
  const { store, config, loginLimiter, accountAttempts } = services;
  return (app: Application, ctx: Pick<MountContext, 'now'>) => {
    const deps = { store, config, now: ctx.now, accountAttempts };

    const showLogin = (req: Request, res: Response, opts: { error?: string; username?: string; status?: number } = {}) => {
      const lang = langFor(req, res);
      const page = base(req, res, t(lang, 'login_title'));
      render(res, 'login', { ...page, next: safeNext(req.query.next ?? req.body?.next, '/'), error: opts.error ?? '', username: opts.username ?? '' }, opts.status ?? 200);
    };

    app.get('/login', (req, res) => {
      if (userOf(req)) return res.redirect(303, safeNext(req.query.next, '/'));
      showLogin(req, res);
    });

    app.post('/login', async (req, res) => {
      const lang = langFor(req, res);
      const username = field(req.body?.username).trim().slice(0, 100);
      const password = field(req.body?.password).slice(0, 200);
      const next = safeNext(req.body?.next, '/');
      if (!username || !password) return showLogin(req, res, { error: t(lang, 'login_failed'), username, status: 400 });
      try {
        await run(loginLimiter, req, res);
        sessionCookie.set(res, config, await signIn(deps, { username, password, ip: req.ip }));
      } catch (err) {
        if (err instanceof RateLimited) {
          if (err.retryAfterSeconds) res.set('Retry-After', String(err.retryAfterSeconds));
          return showLogin(req, res, { error: t(lang, 'login_locked'), username, status: 429 });
        }
        if (err instanceof DomainError) return showLogin(req, res, { error: t(lang, 'login_failed'), username, status: 401 });
        throw err;
      }
      res.redirect(303, next);
    });

    app.post('/logout', async (req, res) => {
      const lang = langFor(req, res);
      if (req.auth) {
        await signOut(deps, req.auth, req.ip);
        disconnectSession(req.auth.session.tokenHash, 'revoked'); // its sockets too, at once (issue 15 §3)
        sessionCookie.clear(res, config);
      }
      setFlash(res, { kind: 'info', text: t(lang, 'signed_out') });
      res.redirect(303, '/login');
    });
  };
}
