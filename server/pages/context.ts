// What every page handler needs from a request: the language, the signed-in user,
// the CSRF token for its forms, the flash message of the previous request (PRG), and rendering with
// the layout. Nothing here decides who may see what: that is server/policy.ts.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Role } from '../../workflows/vocabulary.ts';
import type { Services } from '../services.ts';
import type { UserRecord } from '../store/port.ts';
import { langOf, t, type Lang } from './i18n.ts';
import { pageTemplates } from './render.ts';

export const FLASH_COOKIE = 'wuye_flash';

export interface Flash {
  kind: 'ok' | 'error' | 'info';
  text: string;
}

export interface NavItem {
  href: string;
  label: string;
  current: boolean;
}

export interface PageBase {
  lang: Lang;
  htmlLang: string;
  title: string;
  user: { id: string; name: string; username: string; role: Role; roleLabel: string; bodyName: string | null } | null;
  csrf: string;
  flash: Flash | null;
  nav: NavItem[];
  switchHref: string;
  switchLang: Lang;
  /** page scripts under /public/js (no inline scripts: the CSP forbids them) */
  scripts: string[];
  /** set when the page's script talks to socket.io */
  socket: boolean;
  path: string;
}

export function userOf(req: Request): UserRecord | null {
  return req.auth?.user ?? null;
}

function navFor(lang: Lang, role: Role | null, path: string): NavItem[] {
  const items: Array<[string, string]> = [];
  if (!role) items.push(['/login', 'nav_login'], ['/track', 'nav_track']);
  else if (role === 'mediator') items.push(['/', 'nav_workbench'], ['/intake', 'nav_intake'], ['/dashboard', 'nav_dashboard']);
  else if (role === 'court_liaison') items.push(['/', 'nav_inbox'], ['/court/delegations', 'nav_delegate']);
  else if (role === 'expert') items.push(['/', 'nav_my_cases']);
  else items.push(['/', 'nav_workbench'], ['/intake', 'nav_intake'], ['/dashboard', 'nav_dashboard'], ['/admin', 'nav_admin']);
  return items.map(([href, key]) => ({
    href,
    label: t(lang, key),
    current: href === '/' ? path === '/' || path.startsWith('/cases/') : path === href || path.startsWith(`${href}/`),
  }));
}

/** The same address in the other language. */
function switchHref(req: Request, other: Lang): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query)) if (k !== 'lang' && typeof v === 'string') params.set(k, v);
  params.set('lang', other);
  return `${req.path}?${params.toString()}`;
}

export function setFlash(res: Response, flash: Flash): void {
  res.cookie(FLASH_COOKIE, JSON.stringify(flash), { httpOnly: true, sameSite: 'lax', path: '/', signed: true, maxAge: 60_000 });
}

function takeFlash(req: Request, res: Response): Flash | null {
  const raw = (req.signedCookies as Record<string, unknown> | undefined)?.[FLASH_COOKIE];
  if (raw === undefined) return null;
  res.clearCookie(FLASH_COOKIE, { path: '/' });
  try {
    const f = JSON.parse(String(raw)) as Flash;
    return f && typeof f.text === 'string' && ['ok', 'error', 'info'].includes(f.kind) ? { kind: f.kind, text: f.text } : null;
  } catch {
    return null;
  }
}

export function base(req: Request, res: Response, title: string): PageBase {
  const lang = (res.locals.lang as Lang | undefined) ?? langOf(req, res);
  res.locals.lang = lang;
  const user = userOf(req);
  const roleLabel = user ? t(lang, `role_${user.role}`) : '';
  const bodyName = (res.locals.bodyName as string | undefined) ?? null;
  const other: Lang = lang === 'zh' ? 'en' : 'zh';
  return {
    lang,
    htmlLang: lang === 'zh' ? 'zh-CN' : 'en',
    title,
    user: user ? { id: user.id, name: user.name, username: user.username, role: user.role, roleLabel, bodyName } : null,
    csrf: req.auth?.session.csrfToken ?? '',
    flash: takeFlash(req, res),
    nav: navFor(lang, user?.role ?? null, req.path),
    switchHref: switchHref(req, other),
    switchLang: other,
    scripts: [],
    socket: false,
    path: req.path,
  };
}

export function render(res: Response, page: string, context: PageBase & Record<string, unknown>, status = 200): void {
  res.status(status);
  res.set('Cache-Control', 'no-store');
  res.type('html').send(pageTemplates().render(page, context));
}

/** Page language for handlers that render nothing else yet. */
export function langFor(req: Request, res: Response): Lang {
  const lang = (res.locals.lang as Lang | undefined) ?? langOf(req, res);
  res.locals.lang = lang;
  return lang;
}

/** Signed-out visitors go to /login (and come back afterwards); other roles get the 403 page. */
export function requireRole(services: Services, roles?: readonly Role[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const user = userOf(req);
    if (!user) {
      const back = req.method === 'GET' ? req.originalUrl : '/';
      if (req.authFailure === 'expired' || req.authFailure === 'revoked') setFlash(res, { kind: 'info', text: t(langFor(req, res), 'session_ended') });
      return res.redirect(303, `/login?next=${encodeURIComponent(back)}`);
    }
    if (user.bodyId) res.locals.bodyName = services.directory.body(user.bodyId)?.name ?? null;
    // after an administrator's password reset: a new password before anything else (issue 15 §5)
    if (user.mustChangePassword && req.path !== '/account/password') return res.redirect(303, '/account/password');
    if (roles && !roles.includes(user.role)) return renderStatus(req, res, 403);
    next();
  };
}

const STATUS_PAGES: Record<number, [string, string]> = {
  400: ['bad_request_title', 'error_text'],
  403: ['forbidden_title', 'forbidden_text'],
  404: ['not_found_title', 'not_found_text'],
  429: ['too_many_title', 'login_locked'],
  500: ['error_title', 'error_text'],
};

/** The error page for a status (no details, never a stack trace). */
export function renderStatus(req: Request, res: Response, status: number, textKey?: string, titleKey?: string): void {
  const lang = langFor(req, res);
  const [tk, xk] = STATUS_PAGES[status] ?? STATUS_PAGES[status >= 500 ? 500 : 400];
  const page = base(req, res, t(lang, titleKey ?? tk));
  render(res, 'error', { ...page, status, heading: t(lang, titleKey ?? tk), text: t(lang, textKey ?? xk), requestId: String(req.id ?? '') }, status);
}

/** Only same-site paths may be redirect targets (no open redirects). */
export function safeNext(value: unknown, fallback = '/'): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) && value.length < 500 ? value : fallback;
}
