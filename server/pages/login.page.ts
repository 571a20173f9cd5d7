// /login and /logout as plain forms. Signing in goes through the very route the API uses
// (POST /api/auth/login: its address limiter, account lockout, audit and session cookie), found in
// the app's route registry, so a browser form and an API client are held to the same rules.
import type { Application, Request, Response } from 'express';
import { DomainError, RateLimited } from '../engine/errors.ts';
import { findRoute, runBefore } from './api-call.ts';
import type { Services } from '../services.ts';
import { base, langFor, render, safeNext, setFlash, userOf } from './context.ts';
import { t } from './i18n.ts';

const field = (v: unknown) => (typeof v === 'string' ? v : '');

export function loginPages(_services: Services) {
  return (app: Application) => {
    const loginRoute = () => findRoute(app, 'post', '/api/auth/login');
    const logoutRoute = () => findRoute(app, 'post', '/api/auth/logout');

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
      const def = loginRoute();
      try {
        await runBefore(def.before ?? [], req, res);
        await def.handler({ body: { username, password }, query: {}, params: {}, user: null, auth: null, req, res });
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
        await logoutRoute().handler({ body: {}, query: {}, params: {}, user: req.auth.user, auth: req.auth, req, res });
      }
      setFlash(res, { kind: 'info', text: t(lang, 'signed_out') });
      res.redirect(303, '/login');
    });
  };
}
