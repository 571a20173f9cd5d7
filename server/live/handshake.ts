// Who is on the other end of a socket, decided once at the handshake:
//   auth.token (or Authorization: Bearer, or the session cookie when the lead supplies a reader)
//     → staff, with the actor the session belongs to;
//   auth.caseNo + auth.accessCode → a resident of that one case.
// A refused handshake reaches the client as `connect_error` whose `message` is the error code
// (UNAUTHENTICATED, INVALID_ACCESS_CODE, RATE_LIMITED, VALIDATION_FAILED) and whose `data` is
// {code, message, retryAfterSeconds?} in the words the HTTP API uses.
import type { AccessCodes } from '../auth/access-codes.ts';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'socket.io';
import type { Actor } from '../../workflows/case.types.ts';
import type { AccessCodeLimiter } from '../auth/throttle.ts';
import { openWithAccessCode } from '../cases/track.ts';
import { canonicalCaseNo } from '../engine/case-numbers.ts';
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

// ── the middleware ────────────────────────────────────────────────────────────────────────────
export interface HandshakeDeps {
  store: Store;
  authenticateToken: (token: string) => Promise<TokenCheck>;
  limiter: AccessCodeLimiter;
  /** checks residents' access codes (the engine's: server/auth/access-codes.ts) */
  accessCodes: AccessCodes;
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

/** Case numbers are printed with full-width brackets, （2026）…; people type (2026)… (one normal form
 * for every door: server/engine/case-numbers.ts) */
export const normaliseCaseNo = canonicalCaseNo;

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
  const opened = await openWithAccessCode({ store: deps.store, limiter: deps.limiter, accessCodes: deps.accessCodes }, { caseNo, accessCode: code, clientAddress: address });
  if (!opened.ok && opened.why === 'limited') throw new HandshakeError('RATE_LIMITED', 'too many wrong access codes: try again later', opened.retryAfterSeconds);
  // an unknown case number and a wrong code get the same answer: case numbers are not probed
  if (!opened.ok) throw new HandshakeError('INVALID_ACCESS_CODE', 'the case number or access code is not right');
  const { record } = opened;
  return { who: { kind: 'resident', caseId: record.id, caseNo: record.caseNo } };
}
