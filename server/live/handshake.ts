// Who is on the other end of a socket, decided once at the handshake:
//   auth.token (or Authorization: Bearer, or the session cookie when the lead supplies a reader)
//     → staff, with the actor the session belongs to;
//   auth.caseNo + auth.accessCode → a resident of that one case.
// A refused handshake reaches the client as `connect_error` whose `message` is the error code
// (UNAUTHENTICATED, INVALID_ACCESS_CODE, RATE_LIMITED, VALIDATION_FAILED) and whose `data` is
// {code, message, retryAfterSeconds?} in the words the HTTP API uses.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'socket.io';
import type { Actor } from '../../workflows/case.types.ts';
import type { Engine } from '../engine/engine.ts';
import type { Store } from '../store/port.ts';

export type TokenCheck = Actor | null | { failure: string };

export type SocketIdentity =
  | { kind: 'staff'; actor: Actor }
  | { kind: 'resident'; caseId: string; caseNo: string };

/** socket.data: plain JSON (it travels between instances in fetchSockets with the redis adapter) */
export interface LiveSocketData {
  who: SocketIdentity;
}

export class HandshakeError extends Error {
  readonly data: { code: string; message: string; retryAfterSeconds?: number };
  constructor(code: string, message: string, retryAfterSeconds?: number) {
    super(code);
    this.data = { code, message, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
  }
}

// ── wrong access codes: at most `max` per case and per client address in `windowMs` ──────────
/** Counts wrong access codes. Keys are `case:<caseNo>` and `ip:<address>`; pass the same limiter
 * to the HTTP tracking route so both doors share one count. */
export interface AccessCodeLimiter {
  /** seconds until every key is below the limit again; 0 when none is limited */
  blockedFor(keys: string[]): Promise<number>;
  fail(keys: string[]): Promise<void>;
}

export function createMemoryAccessCodeLimiter(
  opts: { max?: number; windowMs?: number; now?: () => number; maxKeys?: number } = {},
): AccessCodeLimiter {
  const max = opts.max ?? 10;
  const windowMs = opts.windowMs ?? 15 * 60_000;
  const now = opts.now ?? Date.now;
  const maxKeys = opts.maxKeys ?? 100_000;
  const failures = new Map<string, number[]>(); // key → times of wrong codes, oldest first

  const recent = (key: string, t: number): number[] => {
    const times = failures.get(key);
    if (!times) return [];
    while (times.length && times[0] <= t - windowMs) times.shift();
    if (!times.length) failures.delete(key);
    return times;
  };

  return {
    async blockedFor(keys) {
      const t = now();
      let wait = 0;
      for (const key of keys) {
        const times = recent(key, t);
        if (times.length >= max) wait = Math.max(wait, Math.ceil((times[times.length - max] + windowMs - t) / 1000));
      }
      return wait;
    },
    async fail(keys) {
      const t = now();
      for (const key of keys) {
        const times = recent(key, t);
        if (!failures.has(key)) {
          // bounded memory: someone spraying made-up case numbers pushes out the oldest keys
          if (failures.size >= maxKeys) failures.delete(failures.keys().next().value as string);
          failures.set(key, times);
        }
        times.push(t);
      }
    },
  };
}

// ── the middleware ────────────────────────────────────────────────────────────────────────────
export interface HandshakeDeps {
  store: Store;
  engine: Engine;
  authenticateToken: (token: string) => Promise<TokenCheck>;
  limiter: AccessCodeLimiter;
  /** the client's address for rate limiting (default: the connection's remote address); supply
   * one that honours the configured trust-proxy setting when behind a proxy */
  clientAddress?: (req: IncomingMessage) => string;
  /** reads the session token from the Cookie header (browser pages use the httpOnly cookie) */
  tokenFromCookie?: (cookieHeader: string) => string | null;
  /** origins allowed to use cookie authentication besides the server's own */
  allowedOrigins?: string[];
}

const str = (v: unknown, maxLen: number): string | null =>
  typeof v === 'string' && v.length > 0 && v.length <= maxLen ? v : null;

/** The session token presented, and whether it came from a cookie (then the origin is checked). */
function presentedToken(socket: Socket, deps: HandshakeDeps): { token: string; viaCookie: boolean } | null {
  const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
  if (auth.token !== undefined) return { token: typeof auth.token === 'string' ? auth.token : '', viaCookie: false };
  const header = socket.handshake.headers.authorization;
  if (typeof header === 'string' && /^Bearer\s+/i.test(header)) return { token: header.replace(/^Bearer\s+/i, '').trim(), viaCookie: false };
  if (deps.tokenFromCookie && typeof socket.handshake.headers.cookie === 'string') {
    const token = deps.tokenFromCookie(socket.handshake.headers.cookie);
    if (token) return { token, viaCookie: true };
  }
  return null;
}

/** Cross-site WebSocket hijacking: a cookie rides along from any page, so a cookie-authenticated
 * handshake must come from our own origin (or one configured). */
function sameOrigin(socket: Socket, allowed: string[]): boolean {
  const origin = socket.handshake.headers.origin;
  if (typeof origin !== 'string') return false;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === socket.handshake.headers.host;
  } catch {
    return false;
  }
}

const FAILURE_TEXT: Record<string, string> = {
  expired: 'the session has expired: sign in again',
  revoked: 'the session was signed out: sign in again',
  inactive: 'the account is no longer active',
  unknown: 'unknown session token: sign in first',
};

/** Case numbers are printed with full-width brackets, （2026）…; people type (2026)… */
export function normaliseCaseNo(input: string): string {
  return input.trim().replace(/\s+/g, '').replace(/\(/g, '（').replace(/\)/g, '）');
}

/** Who the socket is, and for staff the token to check the session with again later. */
export async function identify(socket: Socket, deps: HandshakeDeps): Promise<{ who: SocketIdentity; token?: string }> {
  const presented = presentedToken(socket, deps);
  if (presented) {
    if (presented.viaCookie && !sameOrigin(socket, deps.allowedOrigins ?? [])) {
      throw new HandshakeError('UNAUTHENTICATED', 'cookie sign-in is accepted from this site only: send auth.token');
    }
    const checked = presented.token ? await deps.authenticateToken(presented.token) : null;
    if (!checked || 'failure' in checked) {
      const failure = checked && 'failure' in checked ? checked.failure : 'unknown';
      throw new HandshakeError('UNAUTHENTICATED', FAILURE_TEXT[failure] ?? FAILURE_TEXT.unknown);
    }
    if (checked.role === 'system') throw new HandshakeError('UNAUTHENTICATED', 'not a user session');
    return { who: { kind: 'staff', actor: checked }, token: presented.token };
  }

  const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
  if (auth.caseNo === undefined && auth.accessCode === undefined) {
    throw new HandshakeError('UNAUTHENTICATED', 'send auth.token (staff) or auth.caseNo with auth.accessCode (residents)');
  }
  const rawCaseNo = str(auth.caseNo, 64);
  const caseNo = rawCaseNo ? normaliseCaseNo(rawCaseNo) : null;
  const code = str(auth.accessCode, 64)?.trim();
  if (!caseNo || !code) throw new HandshakeError('VALIDATION_FAILED', 'auth.caseNo and auth.accessCode must both be non-empty strings');

  const address = deps.clientAddress ? deps.clientAddress(socket.request) : socket.handshake.address;
  const keys = [`case:${caseNo}`, `ip:${address}`];
  const wait = await deps.limiter.blockedFor(keys);
  if (wait > 0) throw new HandshakeError('RATE_LIMITED', 'too many wrong access codes: try again later', wait);

  const record = await deps.store.cases.getByNo(caseNo);
  // an unknown case number and a wrong code get the same answer: case numbers are not probed
  if (!record || !(await deps.engine.checkAccessCode(record, code))) {
    await deps.limiter.fail(keys);
    throw new HandshakeError('INVALID_ACCESS_CODE', 'the case number or access code is not right');
  }
  return { who: { kind: 'resident', caseId: record.id, caseNo: record.caseNo } };
}
