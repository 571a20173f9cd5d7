// STILL TO GO (issue 11, item 3): the admin page (runtime settings, users) and the login page call the
// API's own route definitions in-process, found in the app's route registry by (method, path). The
// case pages, intake, the court and the dashboard call the use cases (server/cases/,
// server/oversight/queries.ts) instead; settings move to server/settings.ts and sign-in to a use
// case under server/auth/, and then this file goes.
import type { Application, Request, RequestHandler, Response } from 'express';
import { Forbidden, Unauthenticated } from '../engine/errors.ts';
import { routeRegistry, validateInput, type RouteDef } from '../http/validate.ts';

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
