// A page form does what the API does by calling the API's own route definition in-process: the same
// role check, the same joi schema, the same handler (its jurisdiction checks, per-case lanes, audit
// entries). The definitions come from the app's route registry (app.locals.routes), which holds
// every API route by the time the pages are mounted. Errors are the API's DomainErrors; pages turn
// them into inline messages.
import type { Application, Request, RequestHandler, Response } from 'express';
import { Forbidden, Unauthenticated, ValidationFailed } from '../engine/errors.ts';
import { routeRegistry, validateInput, type FieldProblem, type RouteDef } from '../http/validate.ts';
import type { Lang } from './i18n.ts';
import { t } from './i18n.ts';

export interface ApiInput {
  params?: Record<string, string>;
  body?: unknown;
  query?: Record<string, unknown>;
}

export type ApiCall = <T = unknown>(method: RouteDef['method'], path: string, input: ApiInput, req: Request, res: Response) => Promise<T>;

/** Runs a route's `before` middleware (e.g. a rate limiter) the way express would. */
export async function runBefore(chain: readonly RequestHandler[], req: Request, res: Response): Promise<void> {
  for (const mw of chain) {
    await new Promise<void>((resolve, reject) => {
      const out = mw(req, res, (err?: unknown) => (err ? reject(err) : resolve())) as unknown;
      if (out instanceof Promise) out.catch(reject);
    });
  }
}

export function findRoute(app: Application, method: RouteDef['method'], path: string): RouteDef {
  const def = routeRegistry(app).find((r) => r.method === method && r.path === path);
  if (!def) throw new Error(`pages: the API route ${method.toUpperCase()} ${path} is not mounted`);
  return def;
}

export function apiCaller(app: Application): ApiCall {
  return async <T>(method: RouteDef['method'], path: string, input: ApiInput, req: Request, res: Response): Promise<T> => {
    const def = findRoute(app, method, path);
    if (def.auth !== 'public') {
      if (!req.auth) throw new Unauthenticated();
      if (def.auth !== 'authenticated' && !def.auth.includes(req.auth.user.role)) throw new Forbidden();
    }
    const params = def.params ? validateInput(def.params, { ...(input.params ?? {}) }, 'params', true) : (input.params ?? {});
    const query = def.query ? validateInput(def.query, { ...(input.query ?? {}) }, 'query', true) : (input.query ?? {});
    const body = def.body ? validateInput(def.body, input.body ?? {}, 'body', def.convertBody ?? false) : (input.body ?? {});
    await runBefore(def.before ?? [], req, res);
    return (await def.handler({ body, query, params, user: req.auth?.user ?? null, auth: req.auth ?? null, req, res })) as T;
  };
}

/** A joi problem type → the message shown beside the field, in the page's language. */
export function messageFor(lang: Lang, type: string | undefined, message = ''): string {
  const ty = type ?? '';
  if (ty === 'any.required' || ty === 'string.empty' || ty === 'array.includesRequiredUnknowns') return t(lang, 'v_required');
  if (ty === 'string.pattern.name' && message.includes('blank')) return t(lang, 'v_required');
  if (ty === 'array.min') return t(lang, 'v_min_one');
  if (ty === 'array.hasUnknown') return t(lang, 'v_applicant');
  if (ty.startsWith('number.')) return t(lang, 'v_number');
  if (ty.startsWith('date.') || ty.startsWith('instant.') || ty === 'string.isoDate') return t(lang, 'v_date');
  if (ty === 'any.only' || ty === 'boolean.base') return t(lang, 'v_choice');
  if (ty === 'string.max' || ty === 'array.max') return t(lang, 'v_too_long');
  if (ty === 'string.min') return t(lang, 'v_too_short');
  return t(lang, 'v_invalid');
}

/**
 * The API's validation problems as form errors: `rename` turns an API field path ('data.reason',
 * 'parties.1.name') into the form's field name ('reason', 'p1.name'); null puts it at form level.
 */
export function formErrors(err: ValidationFailed, lang: Lang, rename: (field: string) => string | null): Record<string, string> {
  const errors: Record<string, string> = {};
  const problems = Array.isArray(err.details) ? (err.details as FieldProblem[]) : [];
  for (const p of problems) {
    const name = rename(String(p.field ?? '')) ?? '_form';
    errors[name] ??= messageFor(lang, p.type, p.message);
  }
  if (!Object.keys(errors).length) errors._form = t(lang, 'form_has_errors');
  return errors;
}
