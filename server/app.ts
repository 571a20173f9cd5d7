// The HTTP application: security headers, CORS, body limits, request logging, authentication,
// CSRF, the routers, the API description, 404 and the one error middleware — in that order.
// server/wiring.ts builds the store, engine and logger and passes them in; nothing here reads process.env.
//
// Adding routes: a router module exports a function returning RouteDef[] (see http/validate.ts)
// and server/wiring.ts passes it in `routers`. Pages, static files, sockets: `mount` / `mountEarly` hooks.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import cookieParser from 'cookie-parser';
import express, { type Application, type RequestHandler } from 'express';
import helmet from 'helmet';
import compression from 'compression';
import { pinoHttp } from 'pino-http';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { csrfProtection, CSRF_EXEMPT_PATHS } from './auth/csrf.ts';
import { loginAddressLimiter, type AccountAttempts } from './auth/throttle.ts';
import type { SessionCache } from './auth/session-cache.ts';
import { keepOptions } from './idempotency.ts';
import { authenticate, authRoutes } from './http/auth.routes.ts';
import { errorHandler, notFoundHandler } from './http/errors.ts';
import { openApiRoutes } from './http/openapi.ts';
import { mountRoutes, type RouteDef } from './http/validate.ts';
import { maskedText } from './privacy/mask.ts';
import type { Store } from './store/port.ts';

export interface MountContext {
  config: Readonly<Config>;
  store: Store;
  logger: Logger;
  now: () => Date;
  /** mount more route definitions (validated, documented in /api/openapi.json) */
  mountRoutes: (defs: readonly RouteDef[]) => void;
}
export type MountHook = (app: Application, ctx: MountContext) => void;

export interface AppDeps {
  config: Readonly<Config>;
  store: Store;
  logger: Logger;
  /** route definitions, one list per router module */
  routers?: ReadonlyArray<readonly RouteDef[]>;
  /** after security headers and logging, before body parsing and authentication (static files) */
  mountEarly?: readonly MountHook[];
  /** after the routers, before the 404 handler (pages, their own error pages) */
  mount?: readonly MountHook[];
  /** wall-clock time for sessions and login lockouts; not the engine's (test) clock */
  now?: () => Date;
  /** exact paths of public changing routes that a session cookie must not subject to CSRF checks */
  csrfExempt?: readonly string[];
  /** the per-address sign-in limit; the wiring passes the server's one (Services.loginLimiter, which
   * the /login form shares), an app built alone gets its own */
  loginLimiter?: RequestHandler;
  /** with REDIS_URL: the per-account sign-in reservation shared by instances (Services.accountAttempts) */
  accountAttempts?: AccountAttempts | null;
  /** the sessions recently presented (server/auth/session-cache.ts); `store` must be the one it
   * watches (SessionCache.watch), so that this process's writes empty it. None: every request reads. */
  sessionCache?: SessionCache | null;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

function requestLogging(logger: Logger): RequestHandler {
  if (!logger.isLevelEnabled('error')) {
    // logging is off (silent): nothing is serialised or hooked per request; the request id is still given
    return (req, res, next) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      (req as { id?: string }).id = id;
      next();
    };
  }
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // no headers at all in the log: they carry tokens, cookies and access codes
    serializers: {
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: maskedText(String(req.url ?? '').slice(0, 500)),
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
  }) as unknown as RequestHandler;
}

/** `POST /api/cases/:id/events` with `Prefer: return=minimal`: answered with the case's summary (or an error), a few hundred bytes */
const MINIMAL_EVENT_PATH = /^\/api\/cases\/[^/]+\/events\/?$/i;
const RETURN_MINIMAL = /\breturn=minimal\b/;

/**
 * compression() for every answer but the summary an event request with `Prefer: return=minimal` asks
 * for: that one is a few hundred bytes, below the 1 KB under which compression sends a body as it is,
 * so the middleware's per-request hooks are skipped there (issue 17: the event path's CPU). Its
 * answers keep the `Vary: Accept-Encoding` compression gives every JSON answer; one that would reach
 * 1 KB (a long list of validation problems) is now sent uncompressed too.
 */
function compressionWhereLarge(): RequestHandler {
  const compress = compression();
  return (req, res, next) => {
    const prefer = req.headers.prefer;
    if (req.method === 'POST' && typeof prefer === 'string' && RETURN_MINIMAL.test(prefer) && MINIMAL_EVENT_PATH.test(req.path)) {
      res.vary('Accept-Encoding');
      return next();
    }
    compress(req, res, next);
  };
}

/** CORS stays closed (no headers) unless CORS_ORIGINS lists the origin. Bearer tokens only: no credentials. */
function cors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.get('origin');
    if (!origin || !allowed.has(origin)) return next();
    res.vary('Origin');
    res.set('Access-Control-Allow-Origin', origin);
    res.set('Access-Control-Expose-Headers', 'X-Request-Id, Idempotent-Replayed, Retry-After');
    if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
      res.set('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
      res.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, Idempotency-Key, X-Access-Code, X-Request-Id');
      res.set('Access-Control-Max-Age', '600');
      return void res.status(204).end();
    }
    next();
  };
}

export function createApp(deps: AppDeps): Application {
  const { config, store, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const app = express();

  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple'); // no nested objects from the query string
  app.set('json escape', true); // <, >, & escaped in JSON responses
  app.set('x-powered-by', false);

  app.use(requestLogging(logger));
  app.use(securityHeaders(config));
  app.use(cors(config.corsOrigins));
  // gzip or brotli, as the client accepts, for pages, JSON and CSV (issue 16 §2); types already
  // compressed (XLSX, images) and bodies under 1 KB are sent as they are (the `compression` filter)
  app.use(compressionWhereLarge()); // brotli at quality 4 (the middleware's default), gzip otherwise

  const ctx: MountContext = {
    config,
    store,
    logger,
    now,
    mountRoutes: (defs) => mountRoutes(app, defs, { store, idempotency: keepOptions(config) }),
  };
  for (const hook of deps.mountEarly ?? []) hook(app, ctx);

  app.use(express.json({ limit: config.bodyLimit, strict: true }));
  app.use(express.urlencoded({ limit: config.bodyLimit, extended: false, parameterLimit: 200 }));
  app.use(cookieParser(config.appSecret));
  app.use(authenticate({ store, now, sessionCache: deps.sessionCache ?? null }));
  app.use(csrfProtection({ exempt: deps.csrfExempt ?? CSRF_EXEMPT_PATHS }));

  ctx.mountRoutes(authRoutes({ config, store, logger, now, loginLimiter: deps.loginLimiter ?? loginAddressLimiter(config), accountAttempts: deps.accountAttempts ?? null }));
  for (const defs of deps.routers ?? []) ctx.mountRoutes(defs);
  ctx.mountRoutes(openApiRoutes());
  for (const hook of deps.mount ?? []) hook(app, ctx);

  app.use(notFoundHandler());
  app.use(errorHandler(logger));
  return app;
}

/** The security headers (helmet) as every answer carries them; bench/middleware.bench.ts measures their cost. */
export function securityHeaders(config: Pick<Config, 'isProduction'>): ReturnType<typeof helmet> {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(config.isProduction ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: config.isProduction,
    xFrameOptions: { action: 'deny' },
  });
}
