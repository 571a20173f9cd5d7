// Safe retries (API.md, Conventions): a changing request may carry `Idempotency-Key`. The same key
// with the same request replays the first response and writes nothing new; the same key with a
// different request is refused (409 IDEMPOTENCY_MISMATCH). Keys are scoped by the signed-in user
// (or, on public routes, the client address). Only successful (2xx) responses are kept: a failed
// request committed nothing, so retrying it is safe.
import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { DomainError, ValidationFailed } from '../engine/errors.ts';
import type { Store } from '../store/port.ts';
import { canonicalJson } from '../engine/hash-chain.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const KEY_SHAPE = /^[\x21-\x7e]{1,200}$/;

export class IdempotencyMismatch extends DomainError {
  constructor() {
    super('IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was already used for a different request; use a new key');
  }
}

export { canonicalJson };

export function requestHash(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()} ${url}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
}

function scopeOf(req: Request): string {
  return req.auth ? `u:${req.auth.user.id}` : `c:${req.ip ?? 'unknown'}`;
}

// requests under way, per store: a retry that arrives while the first is still running waits for it
const inFlight = new WeakMap<Store, Map<string, Promise<void>>>();

export function idempotency(store: Store, opts: { now?: () => Date } = {}): RequestHandler {
  const now = opts.now ?? (() => new Date());
  let running = inFlight.get(store);
  if (!running) inFlight.set(store, (running = new Map()));
  const pending = running;

  return async (req, res, next) => {
    const key = req.get(IDEMPOTENCY_HEADER);
    if (key === undefined) return next();
    if (!KEY_SHAPE.test(key)) {
      throw new ValidationFailed('invalid Idempotency-Key: 1 to 200 visible ASCII characters', [
        { field: IDEMPOTENCY_HEADER, in: 'header', message: 'must be 1 to 200 visible ASCII characters' },
      ]);
    }
    const scoped = `${scopeOf(req)}:${key}`;
    const hash = requestHash(req.method, req.originalUrl, req.body);

    while (pending.has(scoped)) await pending.get(scoped);
    // claim the key before the first await, so a concurrent retry waits for this one
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    pending.set(scoped, mine);
    const finish = () => {
      if (pending.get(scoped) === mine) pending.delete(scoped);
      done();
    };
    res.once('finish', finish);
    res.once('close', finish);

    const first = await store.idempotency.get(scoped);
    if (first) {
      if (first.requestHash !== hash) throw new IdempotencyMismatch();
      res.set('Idempotent-Replayed', 'true');
      res.status(first.status).json(first.body);
      return;
    }

    const send = res.json.bind(res);
    res.json = (body: unknown) => {
      if (res.statusCode < 200 || res.statusCode >= 300) return send(body);
      const record = { key: scoped, requestHash: hash, status: res.statusCode, body, createdAt: now().toISOString() };
      store.idempotency
        .put(record)
        .catch((err: unknown) => req.log?.error({ err }, 'idempotency record not kept'))
        .finally(() => send(body));
      return res;
    };
    next();
  };
}
