// A page form does what the API does by calling the API's own route definition in-process: the same
// role check, the same joi schema, the same handler (its jurisdiction checks, per-case lanes, audit
// entries). The definitions come from the app's route registry (app.locals.routes), which holds
// every API route by the time the pages are mounted. Errors are the API's DomainErrors; pages turn
// them into inline messages.
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
