// Live updates over Socket.io (API.md "Live updates"). Wiring:
//
//   const live = await createLive(httpServer, { store, authenticateToken, canReadCase, redisUrl });
//   … after every commit (intake, dispatch, a fired timer): live.relay.kick();
//   … on shutdown: await live.close();   (the HTTP server stays its owner's to close)
//
// Client → server: `subscribe {caseId}` and `unsubscribe {caseId}` (staff), `resume {caseId,
// afterVersion}` (anyone entitled to the case), each with an ack `{ok: true, …}` or `{ok: false,
// error: {code, message}}`. Server → client: `case:updated`, `inbox:updated`, `case:state` (to a
// resident on connect, so it learns its case id and version), `live:unsubscribed {caseId, reason}`
// (a subscription no longer allowed), `live:session-ended` (before a revoked session is dropped).
//
// Slow clients: every emit is a broadcast that socket.io encodes once and queues per connection;
// nothing waits for a client, so the relay loop is never held up by one. Updates are never sent as
// `volatile` (dropped when a client is busy): a status change must arrive. Instead a connection
// whose queue grows past a bound is disconnected; its client reconnects and asks `resume` for what
// it missed, which costs one history read instead of unbounded memory on the server.
import type { AccessCodes } from '../auth/access-codes.ts';
import type { Server as HttpServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { Actor } from '../../workflows/case.types.ts';
import { createMemoryAccessCodeLimiter, type AccessCodeLimiter } from '../auth/throttle.ts';
import type { Org } from '../org.ts';
import type { OutboxEntry, Store } from '../store/port.ts';
import {
  HandshakeError,
  identify,
  type LiveSocketData,
  type SocketIdentity,
  type TokenCheck,
} from './handshake.ts';
import { OutboxRelay, type RelayLogger } from './relay.ts';
import { forResident, PUBLIC_EVENTS } from '../cases/resident-view.ts';
import { hashToken } from '../auth/sessions.ts';
import { caseState } from '../engine/case-updated.ts';
import {
  bodyRoom,
  caseRoom,
  courtRoom,
  HOLDER_CHANGING_EVENTS,
  replayed,
  routeEntry,
  sessionRoom,
  trackRoom,
  userRoom,
} from './rooms.ts';
import { watchSlowConsumers } from './backpressure.ts';
import { canReadCase as policyCanRead } from '../policy.ts';

export { OutboxRelay } from './relay.ts';

export interface LiveLogger extends RelayLogger {
  info(obj: object, msg?: string): void;
}

export interface LiveDeps {
  store: Store;
  /** a session token → its user as an actor; null or {failure: 'expired'|'revoked'|…} refuses */
  authenticateToken: (token: string) => Promise<TokenCheck>;
  /** the read policy (server/policy.ts) */
  canReadCase: (actor: Actor, caseId: string) => Promise<boolean>;
  /** checks residents' access codes on the resident sockets (the engine's: server/auth/access-codes.ts) */
  accessCodes: AccessCodes;
  /** when set, rooms are shared between instances through Redis */
  redisUrl?: string | null;
  logger?: LiveLogger;
  options?: LiveOptions;
}

export interface LiveOptions {
  /** relay: safety-net poll interval (default 200 ms), batch size, lease, owner id */
  pollMs?: number;
  batch?: number;
  leaseMs?: number;
  owner?: string;
  /** wrong access codes (default: in memory, 10 per case and per address in 15 minutes) */
  accessCodeLimiter?: AccessCodeLimiter;
  clientAddress?: (req: IncomingMessage) => string;
  tokenFromCookie?: (cookieHeader: string) => string | null;
  /** origins for CORS (long-polling) and cookie-authenticated handshakes */
  corsOrigins?: string[];
  /** most cases one staff socket may follow at once (default 200) */
  maxSubscriptions?: number;
  /** how often staff sessions are checked again; revoked or expired ones are dropped (default 60 s; 0 = never) */
  revalidateMs?: number;
  /** a connection with more than this many bytes queued is dropped (default 1 MiB) */
  maxBufferedBytes?: number;
  /** … or more than this many packets queued (default 2000) */
  maxQueuedPackets?: number;
  /** how often queues are measured (default 1 s) */
  slowConsumerCheckMs?: number;
  /** how long starting waits for Redis before failing (default 10 s) */
  redisConnectTimeoutMs?: number;
  /** prefix of the Redis channels (default 'socket.io'); instances that share rooms use the same */
  redisKey?: string;
  /** start the relay at once (default true) */
  startRelay?: boolean;
}

export interface Live {
  io: Server;
  relay: OutboxRelay;
  /** ends every socket of a staff user at once, on every instance (deactivation, a password reset):
   * each is told `live:session-ended {reason}` and disconnected */
  disconnectUser(userId: string, reason: string): void;
  close(): Promise<void>;
}

type Ack = (answer: unknown) => void;
type LiveSocket = Socket<Record<string, (...args: any[]) => void>, Record<string, (...args: any[]) => void>, Record<string, never>, LiveSocketData>;

/** deps.canReadCase from the policy: reads the case record and asks server/policy.ts. */
export function caseReadCheck(store: Store, org: Org): LiveDeps['canReadCase'] {
  return async (actor, caseId) => {
    const record = await store.cases.get(caseId);
    return !!record && policyCanRead(actor, record, org);
  };
}

const quiet: LiveLogger = { debug() {}, info() {}, warn() {}, error() {} };

// ── ending sessions' sockets at once (issue 15 §3) ──────────────────────────────────────────────
// Every live server of this process. With the Redis adapter a room spans the instances, so one call
// reaches the session's sockets wherever they are connected.
const liveServers = new Set<Server>();

function endRoom(room: string, reason: string): void {
  for (const io of liveServers) {
    io.in(room).emit('live:session-ended', { reason });
    io.in(room).disconnectSockets(true);
  }
}

/** Disconnects every socket of a staff session at once (signed out, revoked), on every instance;
 * `sessionId` is the session's token hash (SessionRecord.tokenHash). Each is told why first. */
export function disconnectSession(sessionId: string, reason = 'revoked'): void {
  endRoom(sessionRoom(sessionId), reason);
}

/** Disconnects every socket of a user at once (deactivated, password reset), on every instance. */
export function disconnectUser(userId: string, reason = 'inactive'): void {
  endRoom(userRoom(userId), reason);
}
const refuse = (code: string, message: string) => ({ ok: false as const, error: { code, message } });
const NOT_FOUND = refuse('NOT_FOUND', 'no such case, or not one you may follow');

export async function createLive(httpServer: HttpServer, deps: LiveDeps): Promise<Live> {
  const opts = deps.options ?? {};
  const log = deps.logger ?? quiet;
  const maxSubscriptions = opts.maxSubscriptions ?? 200;
  const tokens = new WeakMap<Socket, string>(); // never in socket.data: that crosses instances

  const io = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 16 * 1024, // clients send only small requests
    cors: opts.corsOrigins?.length ? { origin: opts.corsOrigins, credentials: true } : undefined,
  });

  let redisClients: Array<{ quit(): Promise<unknown>; isOpen: boolean }> = [];
  if (deps.redisUrl) {
    const [{ createAdapter }, { createClient }] = await Promise.all([import('@socket.io/redis-adapter'), import('redis')]);
    const pub = createClient({ url: deps.redisUrl });
    const sub = pub.duplicate();
    for (const c of [pub, sub]) c.on('error', (err: unknown) => log.error({ err }, 'live: redis client error'));
    // node-redis retries a refused connection for ever: starting fails instead, and says why
    const timeoutMs = opts.redisConnectTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all([pub.connect(), sub.connect()]),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`live: could not connect to Redis (REDIS_URL) within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      for (const c of [pub, sub]) c.destroy();
      io.engine.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    redisClients = [pub, sub];
    io.adapter(createAdapter(pub, sub, opts.redisKey ? { key: opts.redisKey } : {}));
  }

  liveServers.add(io);
  const limiter = opts.accessCodeLimiter ?? createMemoryAccessCodeLimiter();
  io.use((socket, next) => {
    identify(socket, {
      store: deps.store,
      authenticateToken: deps.authenticateToken,
      limiter,
      accessCodes: deps.accessCodes,
      clientAddress: opts.clientAddress,
      tokenFromCookie: opts.tokenFromCookie,
      allowedOrigins: opts.corsOrigins,
    }).then(
      ({ who, token }) => {
        socket.data = { who } satisfies LiveSocketData;
        if (token) tokens.set(socket, token);
        next();
      },
      (err: unknown) => {
        if (err instanceof HandshakeError) return next(err);
        log.error({ err }, 'live: handshake failed');
        next(new HandshakeError('INTERNAL', 'the server could not check these credentials'));
      },
    );
  });

  /** the staff actor behind a socket if its session is still alive, else why not */
  async function liveActor(socket: Socket): Promise<Actor | { ended: string }> {
    const who = (socket.data as LiveSocketData).who;
    if (who.kind !== 'staff') return { ended: 'not staff' };
    const token = tokens.get(socket);
    const checked = token ? await deps.authenticateToken(token) : null;
    if (!checked || 'failure' in checked) return { ended: checked && 'failure' in checked ? checked.failure : 'unknown' };
    return checked;
  }

  /** a signed-out or expired session: tell the client why, then drop it (it must sign in again) */
  function endSession(socket: Socket, reason: string): void {
    socket.emit('live:session-ended', { reason });
    socket.disconnect(true);
  }

  /** May this socket follow the case? (staff: the read policy, checked now; residents: their own) */
  async function entitled(socket: Socket, caseId: string): Promise<boolean | { ended: string }> {
    const who = (socket.data as LiveSocketData).who;
    if (who.kind === 'resident') return who.caseId === caseId;
    const actor = await liveActor(socket);
    if ('ended' in actor) return actor;
    return deps.canReadCase(actor, caseId);
  }

  /** answers a request refused for want of entitlement; true when it was refused */
  function refused(socket: Socket, allowed: boolean | { ended: string }, ack: Ack): boolean {
    if (allowed === true) return false;
    if (allowed === false) {
      ack(NOT_FOUND);
      return true;
    }
    ack(refuse('UNAUTHENTICATED', 'the session has ended: sign in again'));
    endSession(socket, allowed.ended); // after the ack, so the client learns why
    return true;
  }

  const roomFor = (who: SocketIdentity, caseId: string) => (who.kind === 'resident' ? trackRoom(caseId) : caseRoom(caseId));
  const caseIdOf = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 100 ? v : null);
  const ackOf = (ack: unknown): Ack => (typeof ack === 'function' ? (ack as Ack) : () => {});

  /** runs a client request; a failure answers INTERNAL and never escapes to crash the process */
  const handle = (socket: Socket, name: string, fn: (body: Record<string, unknown>, ack: Ack) => Promise<void>) => {
    socket.on(name, (body: unknown, ack: unknown) => {
      const reply = ackOf(typeof body === 'function' ? body : ack);
      const payload = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
      fn(payload, reply).catch((err: unknown) => {
        log.error({ err, request: name }, 'live: request failed');
        reply(refuse('INTERNAL', 'the server could not answer this request'));
      });
    });
  };

  io.on('connection', (raw) => {
    const socket = raw as unknown as LiveSocket;
    const who = socket.data.who;
    if (who.kind === 'staff') {
      const { actor } = who;
      const token = tokens.get(socket);
      if (token) void socket.join(sessionRoom(hashToken(token)));
      void socket.join(userRoom(actor.id));
      if (actor.role === 'mediator' && actor.bodyId) void socket.join(bodyRoom(actor.bodyId));
      if (actor.role === 'court_liaison' && actor.bodyId) void socket.join(courtRoom(actor.bodyId));
    } else {
      void socket.join(trackRoom(who.caseId));
      void deps.store.cases.get(who.caseId).then(
        (record) => record && socket.emit('case:state', caseState(record)),
        (err: unknown) => log.warn({ err }, 'live: reading the case for a resident failed'),
      );
    }

    handle(socket, 'subscribe', async (body, ack) => {
      const caseId = caseIdOf(body.caseId);
      if (!caseId) return ack(refuse('VALIDATION_FAILED', 'caseId must be a non-empty string'));
      if (refused(socket, await entitled(socket, caseId), ack)) return;
      const room = roomFor(who, caseId);
      if (!socket.rooms.has(room) && who.kind === 'staff' && subscriptionCount(socket) >= maxSubscriptions) {
        return ack(refuse('TOO_MANY_SUBSCRIPTIONS', `follow at most ${maxSubscriptions} cases on one connection`));
      }
      const record = await deps.store.cases.get(caseId);
      if (!record) return ack(NOT_FOUND);
      await socket.join(room);
      ack({ ok: true, case: caseState(record) });
    });

    handle(socket, 'unsubscribe', async (body, ack) => {
      const caseId = caseIdOf(body.caseId);
      if (!caseId) return ack(refuse('VALIDATION_FAILED', 'caseId must be a non-empty string'));
      if (who.kind === 'resident') return ack(refuse('VALIDATION_FAILED', 'a resident connection always follows its own case'));
      await socket.leave(caseRoom(caseId));
      ack({ ok: true });
    });

    // resume: join (so nothing committed from now on is missed), then replay what came after
    // afterVersion, in order. An update committed while the replay is read may arrive twice; the
    // client's rule (apply only versions newer than the last applied) makes that harmless.
    handle(socket, 'resume', async (body, ack) => {
      const caseId = body.caseId === undefined && who.kind === 'resident' ? who.caseId : caseIdOf(body.caseId);
      const after = body.afterVersion === undefined ? 0 : body.afterVersion;
      if (!caseId) return ack(refuse('VALIDATION_FAILED', 'caseId must be a non-empty string'));
      if (typeof after !== 'number' || !Number.isSafeInteger(after) || after < 0) {
        return ack(refuse('VALIDATION_FAILED', 'afterVersion must be a whole number, 0 or more'));
      }
      if (refused(socket, await entitled(socket, caseId), ack)) return;
      const room = roomFor(who, caseId);
      if (!socket.rooms.has(room) && who.kind === 'staff' && subscriptionCount(socket) >= maxSubscriptions) {
        return ack(refuse('TOO_MANY_SUBSCRIPTIONS', `follow at most ${maxSubscriptions} cases on one connection`));
      }
      await socket.join(room);
      const record = await deps.store.cases.get(caseId);
      if (!record) return ack(NOT_FOUND);
      const events = await deps.store.events.list(caseId, after);
      let sent = 0;
      for (const event of events) {
        if (event.seq > record.version) break; // committed after the record was read: sent live
        // a resident is replayed what the tracking view shows, nothing staff-only (issue 15 §3)
        if (who.kind === 'resident' && !PUBLIC_EVENTS.has(event.type)) continue;
        const message = replayed(record, event);
        socket.emit('case:updated', who.kind === 'resident' ? forResident(message) : message);
        sent++;
      }
      ack({ ok: true, count: sent, case: caseState(record) });
    });
  });

  function subscriptionCount(socket: Socket): number {
    let n = 0;
    for (const room of socket.rooms) if (room.startsWith('case:')) n++;
    return n;
  }

  // ── delivery from the outbox ──────────────────────────────────────────────────────────────
  // Without the Redis adapter a room holds only this instance's sockets, and socket.io encodes a
  // message before it looks for them: a room nobody follows gets nothing sent (issue 17 §3: encoding
  // every event for empty rooms cost about 5 % of the event requests' CPU). With Redis, other
  // instances may have followers: everything goes through the adapter.
  const followed = (room: string): boolean => !!deps.redisUrl || (io.sockets.adapter.rooms.get(room)?.size ?? 0) > 0;
  function deliver(entry: OutboxEntry): void {
    const route = routeEntry(entry);
    if (route.kind === 'case') {
      if (followed(caseRoom(route.caseId))) io.to(caseRoom(route.caseId)).emit('case:updated', route.payload);
      // residents: only the events their tracking view shows (no invitations, opinions, recusals,
      // deadline warnings: issue 15 §3)
      if (PUBLIC_EVENTS.has(route.payload.event?.type) && followed(trackRoom(route.caseId))) io.to(trackRoom(route.caseId)).emit('case:updated', forResident(route.payload));
      if (HOLDER_CHANGING_EVENTS.has(route.payload.event?.type)) void recheckSubscribers(route.caseId);
      // issue 14: a reissued access code ends the residents' connections made with the old one
      if (route.payload.event?.type === 'ACCESS_CODE_REISSUED') {
        io.to(trackRoom(route.caseId)).emit('live:unsubscribed', { caseId: route.caseId, reason: 'ACCESS_CODE_REISSUED' });
        io.in(trackRoom(route.caseId)).disconnectSockets(true);
      }
    } else if (route.kind === 'inbox') {
      if (followed(route.room)) io.to(route.room).emit('inbox:updated', route.payload);
    } else {
      log.warn({ outboxId: entry.id, topic: entry.topic }, 'live: outbox entry with an unknown topic skipped');
    }
  }

  /** After a change of holder, staff who may no longer read the case stop following it (on every
   * instance: fetchSockets goes through the adapter). */
  async function recheckSubscribers(caseId: string): Promise<void> {
    try {
      const room = caseRoom(caseId);
      const sockets = await io.in(room).fetchSockets();
      for (const s of sockets) {
        const who = (s.data as LiveSocketData | undefined)?.who;
        if (who?.kind !== 'staff') continue;
        if (await deps.canReadCase(who.actor, caseId)) continue;
        s.leave(room);
        s.emit('live:unsubscribed', { caseId, reason: 'NOT_PERMITTED' });
      }
    } catch (err) {
      log.warn({ err, caseId }, 'live: re-checking subscribers failed');
    }
  }

  const relay = new OutboxRelay(deps.store.outbox, deliver, {
    owner: opts.owner,
    pollMs: opts.pollMs,
    batch: opts.batch,
    leaseMs: opts.leaseMs,
    logger: log,
  });
  if (opts.startRelay !== false) relay.start();

  // ── housekeeping: revoked sessions, slow consumers ────────────────────────────────────────
  const timers: NodeJS.Timeout[] = [];
  const revalidateMs = opts.revalidateMs ?? 60_000;
  if (revalidateMs > 0) {
    let sweeping = false;
    const t = setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      void (async () => {
        const checked = new Map<string, Promise<Actor | { ended: string }>>(); // tabs share a session
        for (const socket of [...io.of('/').sockets.values()]) {
          const token = tokens.get(socket);
          if ((socket.data as LiveSocketData).who?.kind !== 'staff' || !socket.connected || !token) continue;
          if (!checked.has(token)) checked.set(token, liveActor(socket));
          const actor = await checked.get(token)!;
          if ('ended' in actor) endSession(socket, actor.ended);
        }
      })()
        .catch((err: unknown) => log.warn({ err }, 'live: session sweep failed'))
        .finally(() => (sweeping = false));
    }, revalidateMs);
    t.unref();
    timers.push(t);
  }
  timers.push(
    watchSlowConsumers(io, {
      maxBufferedBytes: opts.maxBufferedBytes ?? 1024 * 1024,
      maxQueuedPackets: opts.maxQueuedPackets ?? 2000,
      checkMs: opts.slowConsumerCheckMs,
      onDrop: (socket, why) => log.warn({ socketId: socket.id, ...why }, 'live: dropped a slow connection (it may resume)'),
    }),
  );

  let closed = false;
  return {
    io,
    relay,
    disconnectUser(userId, reason) {
      const room = io.in(userRoom(userId));
      room.emit('live:session-ended', { reason });
      room.disconnectSockets(true);
    },
    async close() {
      if (closed) return;
      closed = true;
      liveServers.delete(io);
      for (const t of timers) clearInterval(t);
      await relay.stop();
      io.local.disconnectSockets(true);
      await Promise.allSettled([...io._nsps.values()].map((nsp) => nsp.adapter.close()));
      io.engine.close();
      await Promise.allSettled(redisClients.filter((c) => c.isOpen).map((c) => c.quit()));
    },
  };
}
