// /account/password: every signed-in user changes their own password with the current one — and a
// user whose password an administrator reset is sent here before anything else (requireRole). The
// same use case as POST /api/auth/password (server/auth/users.ts changeOwnPassword).
import type { Application, Request, Response } from 'express';
import { changeOwnPassword, passwordChangeBody } from '../auth/users.ts';
import { DomainError, RateLimited, ValidationFailed } from '../engine/errors.ts';
import type { Services } from '../services.ts';
import { validateInput } from '../validation.ts';
import { fieldErrors, type FormSpec } from './admin-edit.page.ts';
import { base, langFor, render, requireRole, setFlash, userOf } from './context.ts';
import { t, type Lang } from './i18n.ts';

export const PASSWORD_PAGE = '/account/password';

function form(lang: Lang, errors: Record<string, string> = {}): FormSpec {
  const fields = [
    { name: 'currentPassword', id: 'pw-current', label: t(lang, 'current_password'), type: 'password', autocomplete: 'current-password', required: true },
    { name: 'newPassword', id: 'pw-new', label: t(lang, 'new_password'), type: 'password', autocomplete: 'new-password', required: true },
    { name: 'newPasswordAgain', id: 'pw-again', label: t(lang, 'new_password_again'), type: 'password', autocomplete: 'new-password', required: true },
  ].map((f) => ({ ...f, value: '', error: errors[f.name] ?? '' }));
  const summary = Object.entries(errors).map(([name, message]) => ({ target: fields.find((f) => f.name === name)?.id ?? 'password-form', label: fields.find((f) => f.name === name)?.label ?? t(lang, 'change_password'), message }));
  return { id: 'password-form', title: t(lang, 'change_password'), action: PASSWORD_PAGE, submit: t(lang, 'change_password'), fields, errors: summary };
}

function page(req: Request, res: Response, errors: Record<string, string> = {}, status = 200): void {
  const lang = langFor(req, res);
  const p = base(req, res, t(lang, 'account_password_title'));
  const forced = userOf(req)?.mustChangePassword === true;
  render(res, 'admin-form', { ...p, heading: p.title, backHref: '/', backLabel: t(lang, 'go_home'), intro: forced ? t(lang, 'account_password_forced') : '', forms: [form(lang, errors)], nav: forced ? [] : p.nav }, status);
}

export function accountPages(services: Services) {
  const signedIn = requireRole(services);
  return (app: Application) => {
    app.get(PASSWORD_PAGE, signedIn, (req, res) => page(req, res));
    app.post(PASSWORD_PAGE, signedIn, async (req, res) => {
      const lang = langFor(req, res);
      const b = (req.body ?? {}) as Record<string, unknown>;
      const pw = (v: unknown) => (typeof v === 'string' ? v.slice(0, 300) : '');
      if (pw(b.newPassword) !== pw(b.newPasswordAgain)) return page(req, res, { newPasswordAgain: t(lang, 'v_password_mismatch') }, 400);
      try {
        const input = validateInput<{ currentPassword: string; newPassword: string }>(passwordChangeBody, { currentPassword: pw(b.currentPassword), newPassword: pw(b.newPassword) }, 'body', false);
        await changeOwnPassword(services, req.auth!, input, req.ip);
      } catch (err) {
        if (err instanceof RateLimited) return page(req, res, { currentPassword: t(lang, 'login_locked') }, 429);
        if (err instanceof ValidationFailed) return page(req, res, fieldErrors(err as DomainError, lang, (f) => f.split('.')[0] || '_form'), 400);
        throw err;
      }
      setFlash(res, { kind: 'ok', text: t(lang, 'password_changed') });
      res.redirect(303, '/');
    });
  };
}
