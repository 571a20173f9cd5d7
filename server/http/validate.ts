// Route definitions: each router module exports RouteDef[] made with defineRoute(). One definition
// carries what the route accepts (joi schemas for body, query and params), who may call it, and its
// documentation; mountRoutes() turns it into express handlers that authenticate, validate,
// apply Idempotency-Key and run the handler, and records it in app.locals.routes, which
// /api/openapi.json and /api/docs are generated from. Nothing reaches a handler unvalidated.
import type { Application, Request, RequestHandler, Response, Router } from 'express';
import Joi from 'joi';
import type { AuthContext } from '../auth/sessions.ts';
import { DomainError, Forbidden, Unauthenticated } from '../engine/errors.ts';
import type { Store, UserRecord } from '../store/port.ts';
import type { Role } from '../../workflows/vocabulary.ts';
import { validateInput } from '../validation.ts';
import type { KeepOptions } from '../idempotency.ts';
import { idempotency } from './idempotency.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** 'public': anyone; 'authenticated': any signed-in user; a role list: those roles only (else 403). */
export type RouteAuth = 'public' | 'authenticated' | readonly Role[];

/** An OpenAPI 3.0 schema object written out (server/http/api-schemas.ts), e.g. ref('Case'). */
export type OpenApiSchema = Record<string, unknown>;

export interface ResponseDoc {
  description: string;
  /** the body: a joi schema (converted) or an OpenAPI schema object; error statuses default to Error */
  schema?: Joi.Schema | OpenApiSchema;
  /** content type when not JSON, e.g. 'text/html', 'text/csv' */
  contentType?: string;
  /** further media types of the same answer (e.g. the ledger as text/csv or XLSX) */
  media?: Record<string, Joi.Schema | OpenApiSchema>;
  /** response headers worth a client's notice (ETag, Preference-Applied) */
  headers?: Record<string, { description: string; schema?: OpenApiSchema }>;
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
  /** the schema to check a given body with, when one narrower than `body` gives the same answers for
   * it (the event's own type: eventBodyFor); `body` stays the documented one */
  bodyFor?: (body: unknown) => Joi.Schema;
  /** request media types accepted besides JSON (uploads: text/csv, XLSX, multipart/form-data) */
  bodyMedia?: Record<string, OpenApiSchema>;
  query?: Joi.ObjectSchema;
  params?: Joi.ObjectSchema;
  /** request headers the route reads (besides authentication and Idempotency-Key), e.g. Prefer */
  headers?: Array<{ name: string; description: string; schema?: OpenApiSchema }>;
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

// ── validation: server/validation.ts (the pages validate forms with the same functions) ─────────
export { MAX_DEPTH, operatorKeys, validateInput, validationError, type FieldProblem, type InputLocation, type SuspectKey } from '../validation.ts';

const EMPTY = Joi.object({});

function paramNames(path: string): string[] {
  return [...path.matchAll(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
}

function defaultParams(path: string): Joi.ObjectSchema {
  return Joi.object(Object.fromEntries(paramNames(path).map((n) => [n, Joi.string().min(1).max(200).required()])));
}

function isEmpty(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  for (const key in value) if (Object.hasOwn(value, key)) return false;
  return true;
}

function hasBody(req: Request): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

// ── mounting ───────────────────────────────────────────────────────────────────────────────────

export interface MountDeps {
  store: Store;
  /** how Idempotency-Key answers are kept: sealed, and for how long (server/idempotency.ts) */
  idempotency?: KeepOptions;
}

const CHANGING: ReadonlySet<HttpMethod> = new Set(['post', 'put', 'patch', 'delete']);

export function isIdempotent(def: RouteSpec): boolean {
  return def.idempotent ?? CHANGING.has(def.method);
}

/** What a user whose password was reset may still do: change it, see who they are, sign out. */
const WHILE_PASSWORD_CHANGE_REQUIRED: ReadonlySet<string> = new Set(['/api/auth/password', '/api/me', '/api/auth/logout']);

function guard(def: RouteDef): RequestHandler {
  return (req, _res, next) => {
    if (def.auth === 'public') return next();
    if (!req.auth) {
      const why = req.authFailure === 'expired' ? 'session expired, sign in again' : req.authFailure === 'revoked' ? 'signed out, sign in again' : undefined;
      return next(new Unauthenticated(why));
    }
    if (def.auth !== 'authenticated' && !def.auth.includes(req.auth.user.role)) return next(new Forbidden());
    // after an administrator's password reset, nothing but choosing a new password (issue 15 §5)
    if (req.auth.user.mustChangePassword && !WHILE_PASSWORD_CHANGE_REQUIRED.has(def.path)) {
      return next(new DomainError('PASSWORD_CHANGE_REQUIRED', 'choose a new password first: POST /api/auth/password'));
    }
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
    const given = req.body ?? {};
    res.locals.input = {
      // no query schema and no query: what joi would answer ({}), without asking it
      query: query === EMPTY && isEmpty(req.query) ? {} : validateInput(query, { ...(req.query as object) }, 'query', true),
      params: validateInput(params, { ...req.params }, 'params', true),
      body: validateInput(def.bodyFor ? def.bodyFor(given) : body, given, 'body', def.convertBody ?? false),
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
  if (isIdempotent(def)) chain.push(idempotency(deps.store, deps.idempotency));
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

