// The ONE place where errors become HTTP responses. Shape everywhere:
//   {"error": {"code": "UPPER_SNAKE", "message": "human text", "details": …}}
// Anything a client can send ends in a 4xx; only our own faults are 500, without details (logged).
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { DomainError, RateLimited, STATUS_BY_CODE } from '../engine/errors.ts';

// the code → status table is shared with the pages: it lives beside the errors themselves
export { STATUS_BY_CODE };

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

export function sendError(res: Response, status: number, code: string, message: string, details?: unknown): void {
  res.status(status).type('application/json').json(errorBody(code, message, details));
}

// body-parser (express.json / urlencoded) failures: all caused by what the client sent
const BODY_PARSER_ERRORS: Record<string, [number, string, string]> = {
  'entity.parse.failed': [400, 'VALIDATION_FAILED', 'request body is not valid JSON'],
  'entity.too.large': [413, 'PAYLOAD_TOO_LARGE', 'request body is too large'],
  'parameters.too.many': [413, 'PAYLOAD_TOO_LARGE', 'too many form fields'],
  'encoding.unsupported': [415, 'UNSUPPORTED_MEDIA_TYPE', 'unsupported content encoding'],
  'charset.unsupported': [415, 'UNSUPPORTED_MEDIA_TYPE', 'unsupported charset'],
  'request.aborted': [400, 'BAD_REQUEST', 'request aborted'],
  'request.size.invalid': [400, 'BAD_REQUEST', 'request size did not match content length'],
  'entity.verify.failed': [403, 'FORBIDDEN', 'request body rejected'],
};

const GENERIC_4XX: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** The error middleware; mount last. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      logger.error({ err, reqId: req.id, url: req.originalUrl }, 'error after the response started');
      return next(err);
    }
    if (err instanceof DomainError) {
      const status = STATUS_BY_CODE[err.code] ?? 400;
      if (err instanceof RateLimited && err.retryAfterSeconds) res.set('Retry-After', String(err.retryAfterSeconds));
      if (status >= 500) logger.error({ err, reqId: req.id }, 'domain error mapped to 5xx');
      else logger.debug({ code: err.code, reqId: req.id }, err.message);
      return sendError(res, status, err.code, err.message, status >= 500 ? undefined : err.details);
    }
    const e = (err ?? {}) as { type?: unknown; status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
    if (typeof e.type === 'string' && BODY_PARSER_ERRORS[e.type]) {
      const [status, code, message] = BODY_PARSER_ERRORS[e.type];
      const details = code === 'VALIDATION_FAILED' ? [{ field: 'body', in: 'body', message }] : undefined;
      return sendError(res, status, code, message, details);
    }
    const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
    if (status >= 400 && status < 500) {
      // express/router/http-errors failures caused by the request (bad URI encoding, …)
      const message = e.expose === true && typeof e.message === 'string' ? e.message : 'bad request';
      return sendError(res, status, GENERIC_4XX[status] ?? 'BAD_REQUEST', message);
    }
    logger.error({ err, reqId: req.id, method: req.method, url: req.originalUrl }, 'unhandled error');
    sendError(res, 500, 'INTERNAL', 'internal error');
  };
}

/** JSON 404 for anything not matched (mount after every router and page). */
export function notFoundHandler(): RequestHandler {
  return (req, res) => {
    sendError(res, 404, 'NOT_FOUND', `no route for ${req.method} ${req.path.slice(0, 200)}`);
  };
}
