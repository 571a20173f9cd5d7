// Safe retries (API.md, Conventions): a changing request may carry `Idempotency-Key`. The same key
// with the same request replays the first response and writes nothing new; the same key with a
// different request is refused (409 IDEMPOTENCY_MISMATCH). Keys are scoped by the signed-in user
// (or, on public routes, the client address). Only successful (2xx) responses are kept: a failed
// request committed nothing, so retrying it is safe.
import type { Request, RequestHandler } from 'express';
import { ValidationFailed } from '../engine/errors.ts';
import type { Store } from '../store/port.ts';
import { claimKey, requestHash, type KeepOptions } from '../idempotency.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const KEY_SHAPE = /^[\x21-\x7e]{1,200}$/;

export { IdempotencyMismatch, requestHash } from '../idempotency.ts';

function scopeOf(req: Request): string {
  return req.auth ? `u:${req.auth.user.id}` : `c:${req.ip ?? 'unknown'}`;
}

export function idempotency(store: Store, opts: { now?: () => Date } & KeepOptions = {}): RequestHandler {
  const now = opts.now ?? (() => new Date());

  return async (req, res, next) => {
    const key = req.get(IDEMPOTENCY_HEADER);
    if (key === undefined) return next();
    if (!KEY_SHAPE.test(key)) {
      throw new ValidationFailed('invalid Idempotency-Key: 1 to 200 visible ASCII characters', [
        { field: IDEMPOTENCY_HEADER, in: 'header', message: 'must be 1 to 200 visible ASCII characters' },
      ]);
    }
    const claim = await claimKey(store, `${scopeOf(req)}:${key}`, requestHash(req.method, req.originalUrl, req.body), now, opts);
    res.once('finish', claim.release);
    res.once('close', claim.release);

    if (claim.replay) {
      res.set('Idempotent-Replayed', 'true');
      res.status(claim.replay.status).json(claim.replay.body);
      return;
    }

    const send = res.json.bind(res);
    res.json = (body: unknown) => {
      if (res.statusCode < 200 || res.statusCode >= 300) return send(body);
      claim
        .keep(res.statusCode, body)
        .catch((err: unknown) => req.log?.error({ err }, 'idempotency record not kept'))
        .finally(() => send(body));
      return res;
    };
    next();
  };
}
