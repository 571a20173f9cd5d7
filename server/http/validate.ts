// Route definitions: each router module exports RouteDef[] made with defineRoute(). One definition
// carries what the route accepts (joi schemas for body, query and params), who may call it, and its
// documentation; mountRoutes() turns it into express handlers that authenticate, validate,
// apply Idempotency-Key and run the handler, and records it in app.locals.routes, which
// /api/openapi.json and /api/docs are generated from. Nothing reaches a handler unvalidated.
import type { Application, Request, RequestHandler, Response, Router } from 'express';
import Joi from 'joi';
import type { AuthContext } from '../auth/sessions.ts';
import { DomainError, Forbidden, Unauthenticated, ValidationFailed } from '../engine/errors.ts';
import type { Store, UserRecord } from '../store/port.ts';
import type { Role } from '../../workflows/vocabulary.ts';
import { idempotency } from './idempotency.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** 'public': anyone; 'authenticated': any signed-in user; a role list: those roles only (else 403). */
export type RouteAuth = 'public' | 'authenticated' | readonly Role[];

export interface ResponseDoc {
  description: string;
  schema?: Joi.Schema;
  /** content type when not JSON, e.g. 'text/html', 'text/csv' */
  contentType?: string;
}

export interface RouteSpec {
  method: HttpMethod;
  /** express path, e.g. '/api/cases/:id' */
  path: string;
  summary: string;
  description?: string;
  tags?: string[];
  auth: RouteAuth;
  body?: Joi.Schema;
  query?: Joi.ObjectSchema;
  params?: Joi.ObjectSchema;
  responses?: Record<number, ResponseDoc>;
  /** success status when the handler returns a value (default 200) */
  status?: number;
  /** Idempotency-Key handling; default on for changing methods (POST/PUT/PATCH/DELETE) */
  idempotent?: boolean;
  /** joi `convert` for the body (default false: JSON already has types; dates stay ISO strings) */
  convertBody?: boolean;
  /** middleware run before authentication and validation (e.g. a rate limiter) */
  before?: RequestHandler[];
  /** left out of /api/openapi.json and /api/docs */
  hidden?: boolean;
}

export interface RouteContext<B = any, Q = any, P = any> {
  body: B;
  query: Q;
  params: P;
  /** the signed-in user (null on public routes without a session) */
  user: UserRecord | null;
  auth: AuthContext | null;
  req: Request;
  res: Response;
}

/** Returns the JSON body to send (with spec.status), or undefined after responding itself. */
export type RouteHandler<B = any, Q = any, P = any> = (ctx: RouteContext<B, Q, P>) => unknown;

export interface RouteDef extends RouteSpec {
  handler: RouteHandler;
}

export function defineRoute<B = any, Q = any, P = any>(spec: RouteSpec, handler: RouteHandler<B, Q, P>): RouteDef {
  if (!spec.path.startsWith('/')) throw new Error(`route path must start with "/": ${spec.path}`);
  return { ...spec, handler: handler as RouteHandler };
}

// ── validation ─────────────────────────────────────────────────────────────────────────────────

export type InputLocation = 'body' | 'query' | 'params' | 'header';
export interface FieldProblem {
  field: string;
  in: InputLocation;
  message: string;
  type?: string;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Deeper than this, a request is refused: no form or event of ours nests that far. */
export const MAX_DEPTH = 32;

export interface SuspectKey {
  /** path of the value holding the key (the key itself at the top level) */
  field: string;
  key: string;
  tooDeep?: boolean;
}

/**
 * Values shaped like a query operator ({"$gt": ""}) or carrying a prototype key, anywhere in a
 * value, and values nested deeper than MAX_DEPTH.
 */
export function operatorKeys(value: unknown, path: string[] = [], out: SuspectKey[] = []): SuspectKey[] {
  if (value === null || typeof value !== 'object') return out;
  if (path.length > MAX_DEPTH) {
    out.push({ field: path.slice(0, MAX_DEPTH).join('.'), key: '', tooDeep: true });
    return out;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => operatorKeys(v, [...path, String(i)], out));
    return out;
  }
  for (const key of Object.keys(value)) {
    if (key.startsWith('$') || FORBIDDEN_KEYS.has(key)) out.push({ field: (path.length ? path : [key]).join('.'), key });
    else operatorKeys((value as Record<string, unknown>)[key], [...path, key], out);
  }
  return out;
}

function fieldOf(path: Array<string | number>, where: InputLocation): string {
  return path.length ? path.join('.') : where;
}

/** Validates one part of the request; throws ValidationFailed naming every bad field. */
export function validateInput<T>(schema: Joi.Schema, value: unknown, where: InputLocation, convert: boolean): T {
  const problems: FieldProblem[] = [];
  for (const { field, key, tooDeep } of operatorKeys(value)) {
    if (problems.some((p) => p.field === field)) continue;
    const message = tooDeep
      ? `"${field}" is nested too deeply`
      : field === key
        ? `"${key}" is not allowed (operators and prototype keys are refused)`
        : `"${field}" must not contain the key "${key}" (operators and prototype keys are refused)`;
    problems.push({ field, in: where, message, type: tooDeep ? 'object.depth' : 'object.operator' });
  }
  const { error, value: out } = schema.validate(value, {
    abortEarly: false,
    stripUnknown: false,
    allowUnknown: false,
    convert,
    errors: { wrap: { label: '"' } },
  });
  if (error) {
    for (const d of error.details) {
      const field = fieldOf(d.path, where);
      const shadowed = problems.some(
        (p) => (p.type === 'object.operator' || p.type === 'object.depth') && (field === p.field || field.startsWith(`${p.field}.`)),
      );
      if (!shadowed && !problems.some((p) => p.field === field && p.type === d.type)) {
        const message = d.path.length ? d.message : d.message.replace(/^"value"/, `"${where}"`);
        problems.push({ field, in: where, message, type: d.type });
      }
    }
  }
  if (problems.length) throw validationError(problems);
  return out as T;
}

export function validationError(problems: FieldProblem[]): ValidationFailed {
  const fields = [...new Set(problems.map((p) => p.field))];
  const message =
    problems.length === 1 ? `invalid ${problems[0].in}: ${problems[0].message}` : `invalid request: ${fields.join(', ')}`;
  return new ValidationFailed(message, problems);
}

const EMPTY = Joi.object({});

function paramNames(path: string): string[] {
  return [...path.matchAll(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
}

function defaultParams(path: string): Joi.ObjectSchema {
  return Joi.object(Object.fromEntries(paramNames(path).map((n) => [n, Joi.string().min(1).max(200).required()])));
}

function hasBody(req: Request): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

// ── mounting ───────────────────────────────────────────────────────────────────────────────────

export interface MountDeps {
  store: Store;
}

const CHANGING: ReadonlySet<HttpMethod> = new Set(['post', 'put', 'patch', 'delete']);

export function isIdempotent(def: RouteSpec): boolean {
  return def.idempotent ?? CHANGING.has(def.method);
}

function guard(def: RouteDef): RequestHandler {
  return (req, _res, next) => {
    if (def.auth === 'public') return next();
    if (!req.auth) {
      const why = req.authFailure === 'expired' ? 'session expired, sign in again' : req.authFailure === 'revoked' ? 'signed out, sign in again' : undefined;
      return next(new Unauthenticated(why));
    }
    if (def.auth !== 'authenticated' && !def.auth.includes(req.auth.user.role)) return next(new Forbidden());
    next();
  };
}

function validator(def: RouteDef): RequestHandler {
  const query = def.query ?? EMPTY;
  const params = def.params ?? defaultParams(def.path);
  const body = def.body ?? EMPTY;
  return (req, res, next) => {
    if (def.body && req.body === undefined && hasBody(req)) {
      return next(new DomainError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json'));
    }
    res.locals.input = {
      query: validateInput(query, { ...(req.query as object) }, 'query', true),
      params: validateInput(params, { ...req.params }, 'params', true),
      body: validateInput(body, req.body ?? {}, 'body', def.convertBody ?? false),
    };
    next();
  };
}

function runner(def: RouteDef): RequestHandler {
  return async (req, res) => {
    const input = res.locals.input as { body: unknown; query: unknown; params: unknown };
    const result = await def.handler({
      ...input,
      user: req.auth?.user ?? null,
      auth: req.auth ?? null,
      req,
      res,
    });
    if (result === undefined || res.headersSent) return;
    const status = res.statusCode !== 200 ? res.statusCode : (def.status ?? 200);
    res.status(status).json(result);
  };
}

/** The express handler chain for one route (for routers that mount by hand). */
export function routeHandlers(def: RouteDef, deps: MountDeps): RequestHandler[] {
  const chain: RequestHandler[] = [...(def.before ?? []), guard(def), validator(def)];
  if (isIdempotent(def)) chain.push(idempotency(deps.store));
  chain.push(runner(def));
  return chain;
}

/** Mounts route definitions on the app (or a router) and records them for the OpenAPI document. */
export function mountRoutes(app: Application, defs: readonly RouteDef[], deps: MountDeps): void {
  const registry = routeRegistry(app);
  for (const def of defs) {
    const dup = registry.find((r) => r.method === def.method && r.path === def.path);
    if (dup) throw new Error(`route defined twice: ${def.method.toUpperCase()} ${def.path}`);
    (app as unknown as Router)[def.method](def.path, ...routeHandlers(def, deps));
    registry.push(def);
  }
}

/** The routes mounted on this app so far (app.locals.routes). */
export function routeRegistry(app: Application): RouteDef[] {
  const locals = app.locals as { routes?: RouteDef[] };
  locals.routes ??= [];
  return locals.routes;
}

