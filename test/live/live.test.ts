// Live updates end to end: a real HTTP server on an ephemeral loopback port, the real store, engine,
// sessions and policy (makeHarness), socket.io-client on the other side. Tests synchronise on
// events and acks, never on sleeps: to show that something was NOT sent, a later update that must
// arrive is awaited first (messages on one connection arrive in order).
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { createLive, caseReadCheck, type Live, type LiveOptions } from '../../server/live/index.ts';
import { hashToken, issueSession, lookupSession, revokeSession } from '../../server/auth/sessions.ts';
import { EventNotAllowed } from '../../server/engine/errors.ts';
import type { CaseRecord } from '../../server/store/port.ts';
import { makeHarness, type Harness } from '../support/harness.ts';
import { acceptData } from '../support/workflow.ts';

interface Server {
  http: HttpServer;
  live: Live;
  url: string;
}

interface Ctx {
  h: Harness;
  servers: Server[];
  clients: ClientSocket[];
}

async function startServer(h: Harness, options: LiveOptions = {}, redisUrl?: string): Promise<Server> {
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const live = await createLive(http, {
    store: h.store,
    authenticateToken: async (token) => {
      const found = await lookupSession(h.store, token, h.clock.now());
      return 'failure' in found ? { failure: found.failure } : h.actor(found.user.username);
    },
    canReadCase: caseReadCheck(h.store, h.directory),
    accessCodes: h.engine.accessCodes,
    redisUrl,
    options,
  });
  return { http, live, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

async function stopServer(s: Server): Promise<void> {
  await s.live.close();
  s.http.closeAllConnections();
  await new Promise((resolve) => s.http.close(resolve));
}

/** Connects and resolves on `connect`, or rejects with the connect_error. */
function connect(ctx: Ctx, server: Server, auth: Record<string, unknown>): Promise<ClientSocket> {
  const socket = connectClient(server.url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  ctx.clients.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(err));
  });
}

function refusal(ctx: Ctx, server: Server, auth: Record<string, unknown>): Promise<Error & { data?: { code: string; message: string } }> {
  return connect(ctx, server, auth).then(
    () => {
      throw new Error('the handshake was accepted');
    },
    (err: Error & { data?: { code: string; message: string } }) => err,
  );
}

async function staffToken(h: Harness, username: string, opts: { ttlHours?: number; issuedHoursAgo?: number } = {}): Promise<string> {
  const now = new Date(h.clock.now().getTime() - (opts.issuedHoursAgo ?? 0) * 3_600_000);
  const { token } = await issueSession(h.store, h.user(username).id, { now, ttlHours: opts.ttlHours ?? 8 });
  return token;
}

async function staff(ctx: Ctx, server: Server, username: string): Promise<ClientSocket> {
  return connect(ctx, server, { token: await staffToken(ctx.h, username) });
}

/** The next `name` message matching `pick`. */
function next<T = any>(socket: ClientSocket, name: string, pick: (msg: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const on = (msg: T) => {
      if (!pick(msg)) return;
      socket.off(name, on);
      resolve(msg);
    };
    socket.on(name, on);
  });
}

/** Every `name` message from now on. */
function collect<T = any>(socket: ClientSocket, name: string): T[] {
  const seen: T[] = [];
  socket.on(name, (msg: T) => seen.push(msg));
  return seen;
}

function request(socket: ClientSocket, name: string, body: unknown): Promise<any> {
  return socket.timeout(5000).emitWithAck(name, body);
}

describe('live updates (socket.io)', function () {
  const ctx = {} as Ctx;
  let server: Server;
  let relayed: () => Promise<void>;

  // one store for the whole suite (seeding takes a second); a fresh server, relay and rate limiter
  // per test, and every test works on cases of its own
  before(async function () {
    ctx.h = await makeHarness();
  });

  after(async function () {
    await ctx.h.close();
  });

  beforeEach(async function () {
    ctx.servers = [];
    ctx.clients = [];
    server = await startServer(ctx.h);
    ctx.servers.push(server);
    relayed = () => server.live.relay.drain();
  });

  afterEach(async function () {
    for (const c of ctx.clients) c.disconnect();
    // nothing a test committed is left for the next test's relay to deliver
    for (const s of ctx.servers) if (s.live.relay.isRunning) await s.live.relay.drain();
    for (const s of ctx.servers) await stopServer(s);
  });

  const med = (username = 'med.c1') => ctx.h.actor(username);
  async function dispatch(record: CaseRecord | string, type: string, data: Record<string, unknown> = {}, by = 'med.c1') {
    const id = typeof record === 'string' ? record : record.id;
    const updated = await ctx.h.engine.dispatch(id, { type: type as never, data }, med(by));
    server.live.relay.kick(); // what the HTTP layer does after every commit
    return updated;
  }

  describe('staff', function () {
    it('delivers case:updated to a subscribed mediator after a committed event', async function () {
      const { record } = await ctx.h.intake();
      await relayed();
      const socket = await staff(ctx, server, 'med.c1');
      const ack = await request(socket, 'subscribe', { caseId: record.id });
      expect(ack).to.deep.include({ ok: true });
      expect(ack.case).to.include({ id: record.id, version: 1, status: 'registered' });

      const got = next(socket, 'case:updated');
      await dispatch(record, 'ACCEPT', acceptData());
      const msg = await got;
      expect(msg).to.deep.include({ id: record.id, caseNo: record.caseNo, status: 'in_mediation', tier: 'community', version: 2 });
      expect(msg.event.type).to.equal('ACCEPT');
      expect(msg.event.at).to.be.a('string');
    });

    it("sends inbox:updated to the holding body's room when a case is registered", async function () {
      const mine = await staff(ctx, server, 'med.c1');
      const other = await staff(ctx, server, 'med.c2');
      const otherInbox = collect(other, 'inbox:updated');
      const got = next(mine, 'inbox:updated', (m) => m.reason === 'REGISTER');
      const { record } = await ctx.h.intake();
      server.live.relay.kick();
      const msg = await got;
      expect(msg).to.deep.equal({
        audience: 'body',
        bodyId: ctx.h.user('med.c1').bodyId,
        reason: 'REGISTER',
        caseId: record.id,
        caseNo: record.caseNo,
        status: 'registered',
      });
      // med.c2 belongs to another community: a case of its own lands afterwards, and is the only one
      const { record: theirs } = await ctx.h.intake({ compoundId: compoundOf(ctx.h, 'med.c2') }, 'med.c2');
      server.live.relay.kick();
      await next(other, 'inbox:updated', (m) => m.caseId === theirs.id);
      expect(otherInbox.map((m) => m.caseId)).to.deep.equal([theirs.id]);
    });

    it('sends inbox:updated to the court liaison on REFER_TO_COURT', async function () {
      const { record } = await ctx.h.intake();
      await dispatch(record, 'ACCEPT', acceptData());
      await relayed();
      const court = await staff(ctx, server, 'court.liaison');
      const got = next(court, 'inbox:updated');
      await dispatch(record, 'REFER_TO_COURT', { reason: '调解不成，当事人同意移送' });
      expect(await got).to.deep.equal({
        audience: 'court',
        bodyId: ctx.h.user('court.liaison').bodyId,
        reason: 'REFER_TO_COURT',
        caseId: record.id,
        caseNo: record.caseNo,
        status: 'referred_to_court',
      });
      // and, now that the case is in its inbox, the liaison may follow it
      expect(await request(court, 'subscribe', { caseId: record.id })).to.deep.include({ ok: true });
    });

    it('refuses a subscription outside the jurisdiction (med.c2 to a med.c1 case)', async function () {
      const { record } = await ctx.h.intake();
      const outsider = await staff(ctx, server, 'med.c2');
      const seen = collect(outsider, 'case:updated');
      const ack = await request(outsider, 'subscribe', { caseId: record.id });
      expect(ack).to.deep.equal({ ok: false, error: { code: 'NOT_FOUND', message: 'no such case, or not one you may follow' } });
      expect(await request(outsider, 'resume', { caseId: record.id, afterVersion: 0 })).to.deep.include({ ok: false });

      // a supervisor of the sub-district above may follow it
      const above = await staff(ctx, server, 'med.s1');
      expect(await request(above, 'subscribe', { caseId: record.id })).to.deep.include({ ok: true });
      const got = next(above, 'case:updated');
      await dispatch(record, 'ACCEPT', acceptData());
      await got;
      expect(seen).to.deep.equal([]);
    });

    it('stops following a case that moved out of the jurisdiction (TRANSFER); the body that sent it keeps following (issue 14)', async function () {
      const { record } = await ctx.h.intake();
      await relayed(); // the registration's message is out before anyone follows
      // the centre above the room reads the room's cases; a transfer straight to the district takes it away
      const above = await staff(ctx, server, 'med.s1');
      expect(await request(above, 'subscribe', { caseId: record.id })).to.deep.include({ ok: true });
      const sender = await staff(ctx, server, 'med.c1');
      expect(await request(sender, 'subscribe', { caseId: record.id })).to.deep.include({ ok: true });
      const dropped = next(above, 'live:unsubscribed');
      const kept = next(sender, 'case:updated');
      await dispatch(record, 'TRANSFER', { toTier: 'district', reason: '涉及多户的重大纠纷' });
      expect(await dropped).to.deep.equal({ caseId: record.id, reason: 'NOT_PERMITTED' });
      expect((await kept).event.type).to.equal('TRANSFER'); // its read-only "已上报" view stays live
    });

    it('refuses an expired token and a revoked one', async function () {
      const expired = await staffToken(ctx.h, 'med.c1', { ttlHours: 1, issuedHoursAgo: 2 });
      const err = await refusal(ctx, server, { token: expired });
      expect(err.message).to.equal('UNAUTHENTICATED');
      expect(err.data?.message).to.match(/expired/);

      const revoked = await staffToken(ctx.h, 'med.c1');
      await revokeSession(ctx.h.store, hashToken(revoked), ctx.h.clock.now());
      const err2 = await refusal(ctx, server, { token: revoked });
      expect(err2.message).to.equal('UNAUTHENTICATED');
      expect(err2.data?.message).to.match(/signed out/);

      expect((await refusal(ctx, server, { token: 'not-a-token' })).message).to.equal('UNAUTHENTICATED');
      expect((await refusal(ctx, server, {})).message).to.equal('UNAUTHENTICATED');
    });

    it('answers subscribe with UNAUTHENTICATED and drops the socket once its session is revoked', async function () {
      const { record } = await ctx.h.intake();
      const token = await staffToken(ctx.h, 'med.c1');
      const socket = await connect(ctx, server, { token });
      await revokeSession(ctx.h.store, hashToken(token), ctx.h.clock.now());
      const gone = next(socket, 'disconnect');
      const ack = await request(socket, 'subscribe', { caseId: record.id });
      expect(ack).to.deep.include({ ok: false });
      expect(ack.error.code).to.equal('UNAUTHENTICATED');
      await gone;
    });

    it('drops a connection whose session was signed out elsewhere', async function () {
      await stopServer(server);
      ctx.servers = [];
      server = await startServer(ctx.h, { revalidateMs: 20 });
      ctx.servers.push(server);
      const token = await staffToken(ctx.h, 'med.c1');
      const socket = await connect(ctx, server, { token });
      const ended = next(socket, 'live:session-ended');
      const gone = next(socket, 'disconnect');
      await revokeSession(ctx.h.store, hashToken(token), ctx.h.clock.now());
      expect(await ended).to.deep.equal({ reason: 'revoked' });
      expect(await gone).to.equal('io server disconnect');
    });

    it('accepts the session cookie from its own site only', async function () {
      await stopServer(server);
      ctx.servers = [];
      const tokenFromCookie = (header: string) => /(?:^|;\s*)sid=([^;]+)/.exec(header)?.[1] ?? null;
      server = await startServer(ctx.h, { tokenFromCookie });
      ctx.servers.push(server);
      const token = await staffToken(ctx.h, 'med.c1');
      const viaCookie = (origin: string) =>
        new Promise<string>((resolve) => {
          const socket = connectClient(server.url, {
            transports: ['websocket'],
            reconnection: false,
            forceNew: true,
            extraHeaders: { cookie: `sid=${token}`, origin },
          });
          ctx.clients.push(socket);
          socket.once('connect', () => resolve('connected'));
          socket.once('connect_error', (err) => resolve(err.message));
        });
      expect(await viaCookie(server.url)).to.equal('connected');
      expect(await viaCookie('https://elsewhere.example')).to.equal('UNAUTHENTICATED');
    });

    it('validates requests', async function () {
      const socket = await staff(ctx, server, 'med.c1');
      expect((await request(socket, 'subscribe', {})).error.code).to.equal('VALIDATION_FAILED');
      expect((await request(socket, 'subscribe', { caseId: 42 })).error.code).to.equal('VALIDATION_FAILED');
      expect((await request(socket, 'resume', { caseId: 'x', afterVersion: -1 })).error.code).to.equal('VALIDATION_FAILED');
      expect((await request(socket, 'resume', { caseId: 'x', afterVersion: '3' })).error.code).to.equal('VALIDATION_FAILED');
      expect((await request(socket, 'subscribe', { caseId: 'no-such-case' })).error.code).to.equal('NOT_FOUND');
    });
  });

  describe('residents', function () {
    it('connects with case number and access code, follows only its own case, and is sent no personal data', async function () {
      const mine = await ctx.h.intake();
      const theirs = await ctx.h.intake({
        parties: [
          { role: 'applicant', kind: 'person', name: '王五', phone: '13700001111' },
          { role: 'respondent', kind: 'organisation', name: '示范物业公司' },
        ],
      });
      await relayed();
      const resident = connectClient(server.url, {
        auth: { caseNo: mine.record.caseNo, accessCode: mine.accessCode },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      ctx.clients.push(resident);
      const state = next(resident, 'case:state');
      await next(resident, 'connect');
      expect(await state).to.deep.equal({
        id: mine.record.id,
        caseNo: mine.record.caseNo,
        status: 'registered',
        phase: mine.record.phase,
        tier: 'community',
        version: 1,
      });
      const other = await connect(ctx, server, { caseNo: theirs.record.caseNo, accessCode: theirs.accessCode });
      const seen = collect(resident, 'case:updated');

      // the other case changes first, then ours; ours arriving means theirs would have arrived before it
      const otherGot = next(other, 'case:updated');
      await dispatch(theirs.record, 'ACCEPT', acceptData());
      await otherGot;
      const got = next(resident, 'case:updated');
      await dispatch(mine.record, 'ACCEPT', acceptData());
      const msg = await got;

      expect(seen.map((m) => m.id)).to.deep.equal([mine.record.id]);
      expect(Object.keys(msg).sort()).to.deep.equal(['caseNo', 'event', 'id', 'phase', 'status', 'statusLabel', 'tier', 'version']);
      expect(msg).to.deep.include({ id: mine.record.id, status: 'in_mediation', version: 2 });
      expect(msg.statusLabel.zh).to.equal('调解中');
      const text = JSON.stringify(msg);
      for (const secret of ['13812345678', '310101199001011234', '示范路', '张三', '李四', 'phone', 'idNumber', 'address', 'parties']) {
        expect(text).not.to.contain(secret);
      }

      // it may not follow or replay another case
      expect((await request(resident, 'subscribe', { caseId: theirs.record.id })).error.code).to.equal('NOT_FOUND');
      expect((await request(resident, 'resume', { caseId: theirs.record.id, afterVersion: 0 })).error.code).to.equal('NOT_FOUND');
    });

    it('ends the residents’ connections made with an old code when the code is reissued (issue 14)', async function () {
      const { record, accessCode } = await ctx.h.intake();
      await relayed();
      const socket = await connect(ctx, server, { caseNo: record.caseNo, accessCode });
      const told = next(socket, 'live:unsubscribed');
      const gone = next(socket, 'disconnect');
      await ctx.h.engine.reissueAccessCode(record.id, med('med.c1'));
      server.live.relay.kick();
      expect(await told).to.deep.equal({ caseId: record.id, reason: 'ACCESS_CODE_REISSUED' });
      await gone;
      expect(socket.connected).to.equal(false);
      expect((await refusal(ctx, server, { caseNo: record.caseNo, accessCode })).message).to.equal('INVALID_ACCESS_CODE');
    });

    it('accepts the case number typed with ASCII brackets', async function () {
      const { record, accessCode } = await ctx.h.intake();
      const typed = ` ${record.caseNo.replace('（', '(').replace('）', ')')} `;
      const socket = await connect(ctx, server, { caseNo: typed, accessCode: accessCode.toLowerCase() });
      expect(socket.connected).to.equal(true);
    });

    it('accepts a former number (原编号) of a case escalated and accepted elsewhere, typed loosely', async function () {
      const { record, accessCode } = await ctx.h.intake();
      await dispatch(record, 'ACCEPT', acceptData());
      await dispatch(record, 'ESCALATE', { reason: '社区层面调解不成' });
      const renumbered = await dispatch(record, 'ACCEPT', acceptData(), 'med.s1');
      expect(renumbered.formerCaseNos).to.deep.equal([record.caseNo]);
      const typed = record.caseNo.replace('（', '(').replace('）', ') ');
      const socket = await connect(ctx, server, { caseNo: typed, accessCode: `${accessCode.slice(0, 4)} ${accessCode.slice(4)}` });
      expect(socket.connected).to.equal(true);
    });

    it('refuses a wrong access code and an unknown case number alike', async function () {
      const { record } = await ctx.h.intake();
      const err = await refusal(ctx, server, { caseNo: record.caseNo, accessCode: 'WRONG123' });
      expect(err.message).to.equal('INVALID_ACCESS_CODE');
      expect(err.data).to.deep.equal({ code: 'INVALID_ACCESS_CODE', message: 'the case number or access code is not right' });
      expect((await refusal(ctx, server, { caseNo: '（2026）不存在物调字第99999号', accessCode: 'WRONG123' })).message).to.equal(
        'INVALID_ACCESS_CODE',
      );
      expect((await refusal(ctx, server, { caseNo: record.caseNo })).message).to.equal('VALIDATION_FAILED');
    });

    it('refuses with RATE_LIMITED after 10 wrong codes for a case, even the right code', async function () {
      const { record, accessCode } = await ctx.h.intake();
      for (let i = 0; i < 10; i++) {
        expect((await refusal(ctx, server, { caseNo: record.caseNo, accessCode: `WRONG${i}XX` })).message).to.equal('INVALID_ACCESS_CODE');
      }
      const err = await refusal(ctx, server, { caseNo: record.caseNo, accessCode });
      expect(err.message).to.equal('RATE_LIMITED');
      expect(err.data).to.include({ code: 'RATE_LIMITED' });
      expect((err.data as { retryAfterSeconds?: number }).retryAfterSeconds).to.be.within(1, 900);
    });

    it('limits wrong codes per client address across cases', async function () {
      const cases = await Promise.all([ctx.h.intake(), ctx.h.intake()]);
      for (let i = 0; i < 10; i++) {
        await refusal(ctx, server, { caseNo: cases[i % 2].record.caseNo, accessCode: `WRONG${i}XX` });
      }
      const { record, accessCode } = await ctx.h.intake();
      expect((await refusal(ctx, server, { caseNo: record.caseNo, accessCode })).message).to.equal('RATE_LIMITED');
    });
  });

  describe('delivery from the outbox', function () {
    it('sends nothing for a refused event', async function () {
      const { record } = await ctx.h.intake();
      await dispatch(record, 'ACCEPT', acceptData());
      await relayed();
      const socket = await staff(ctx, server, 'med.c1');
      await request(socket, 'subscribe', { caseId: record.id });
      const seen = collect(socket, 'case:updated');
      const delivered = server.live.relay.stats.delivered;

      let refused: unknown;
      try {
        await dispatch(record, 'ACCEPT', acceptData()); // already accepted
      } catch (err) {
        refused = err;
      }
      expect(refused).to.be.instanceOf(EventNotAllowed);
      server.live.relay.kick();
      await relayed();
      expect(await ctx.h.store.outbox.pendingCount()).to.equal(0);
      expect(server.live.relay.stats.delivered).to.equal(delivered);

      const got = next(socket, 'case:updated');
      await dispatch(record, 'SCHEDULE_SESSION', { at: '2026-11-25T14:00:00+08:00', place: '社区调解室' });
      await got;
      expect(seen.map((m) => [m.version, m.event.type])).to.deep.equal([[3, 'SCHEDULE_SESSION']]);
    });

    it('without Redis, sends nothing to a room nobody on this instance follows, and to the followers once someone does', async function () {
      const { record } = await ctx.h.intake();
      await relayed();
      const rooms: string[] = [];
      const to = server.live.io.to.bind(server.live.io);
      server.live.io.to = ((room: string) => {
        rooms.push(room);
        return to(room);
      }) as typeof server.live.io.to;
      const delivered = server.live.relay.stats.delivered;
      await dispatch(record, 'ACCEPT', acceptData());
      await relayed();
      expect(server.live.relay.stats.delivered).to.be.above(delivered); // taken from the outbox …
      expect(rooms.filter((r) => r.includes(record.id))).to.deep.equal([]); // … and not encoded for nobody
      expect(await ctx.h.store.outbox.pendingCount()).to.equal(0);

      const socket = await staff(ctx, server, 'med.c1');
      await request(socket, 'subscribe', { caseId: record.id });
      const got = next(socket, 'case:updated');
      await dispatch(record, 'SCHEDULE_SESSION', { at: '2026-11-25T14:00:00+08:00', place: '社区调解室' });
      expect((await got).version).to.equal(3);
      expect(rooms.filter((r) => r.includes(record.id))).to.have.length(1);
    });

    it('delivers on kick() without waiting for the poll', async function () {
      await stopServer(server);
      ctx.servers = [];
      server = await startServer(ctx.h, { pollMs: 3_600_000 });
      ctx.servers.push(server);
      const { record } = await ctx.h.intake();
      // the registration's own message goes out first, so that the one awaited below is ACCEPT's
      await server.live.relay.drain();
      const socket = await staff(ctx, server, 'med.c1');
      await request(socket, 'subscribe', { caseId: record.id });
      const got = next(socket, 'case:updated');
      await dispatch(record, 'ACCEPT', acceptData()); // kicks
      expect((await got).version).to.equal(2);
    });

    it('delivers notifications that were committed while no relay ran (crash recovery)', async function () {
      const h = ctx.h;
      await server.live.relay.drain(); // what earlier tests left
      await stopServer(server);
      ctx.servers = [];
      // the "crashed" process committed these, and even claimed some before it died
      const { record } = await h.intake();
      await h.engine.dispatch(record.id, { type: 'ACCEPT', data: acceptData() }, med());
      const dead = await h.store.outbox.claim(new Date(Date.now() - 120_000).toISOString(), 1, 'crashed-instance', 60_000); // its lease has run out
      expect(dead).to.have.length(1);
      await h.engine.dispatch(record.id, { type: 'ASSIGN', data: { mediatorIds: [h.user('med.c1').id] } }, med());
      expect(await h.store.outbox.pendingCount()).to.equal(4);

      // a new process starts; its relay starts only after the client is listening
      server = await startServer(h, { startRelay: false });
      ctx.servers.push(server);
      const socket = await staff(ctx, server, 'med.c1');
      await request(socket, 'subscribe', { caseId: record.id });
      const seen = collect(socket, 'case:updated');
      const inbox = next(socket, 'inbox:updated');
      const last = next(socket, 'case:updated', (m) => m.version === 3);
      server.live.relay.start();
      await last;
      expect(seen.map((m) => m.version)).to.deep.equal([1, 2, 3]);
      expect(await inbox).to.include({ caseId: record.id, reason: 'REGISTER' });
      await server.live.relay.drain();
      expect(await h.store.outbox.pendingCount()).to.equal(0);
    });

    it('resumes after a dropped connection with exactly the missed versions, in order', async function () {
      const { record } = await ctx.h.intake();
      await dispatch(record, 'ACCEPT', acceptData());
      const token = await staffToken(ctx.h, 'med.c1');
      const first = await connect(ctx, server, { token });
      await request(first, 'subscribe', { caseId: record.id });
      const got = next(first, 'case:updated', (m) => m.version === 3);
      await dispatch(record, 'SCHEDULE_SESSION', { at: '2026-11-25T14:00:00+08:00', place: '社区调解室' });
      const lastSeen = (await got).version as number;
      first.disconnect();

      // missed while away
      await dispatch(record, 'RECORD_SESSION', { summary: '双方陈述意见' });
      await dispatch(record, 'EXTEND_DEADLINE', { days: 10, reason: '双方同意延期', consentOf: ['p1', 'p2'] });
      await dispatch(record, 'RECORD_SESSION', { summary: '第二次调解' });
      await relayed();

      const again = await connect(ctx, server, { token });
      const seen = collect(again, 'case:updated');
      const ack = await request(again, 'resume', { caseId: record.id, afterVersion: lastSeen });
      expect(ack).to.deep.include({ ok: true, count: 3 });
      expect(ack.case).to.include({ id: record.id, version: 6 });
      expect(seen.map((m) => [m.version, m.event.type])).to.deep.equal([
        [4, 'RECORD_SESSION'],
        [5, 'EXTEND_DEADLINE'],
        [6, 'RECORD_SESSION'],
      ]);
      expect(seen.every((m) => m.id === record.id && m.replay === true)).to.equal(true);

      // and resume left it following the case live
      const live = next(again, 'case:updated', (m) => m.version === 7);
      await dispatch(record, 'REACH_AGREEMENT', { terms: ['修复漏水'], performBy: '2026-12-31' });
      expect((await live).event.type).to.equal('REACH_AGREEMENT');
      expect(seen.map((m) => m.version)).to.deep.equal([4, 5, 6, 7]);
    });

    it('lets a resident resume its own case without naming it', async function () {
      const { record, accessCode } = await ctx.h.intake();
      await dispatch(record, 'ACCEPT', acceptData());
      await dispatch(record, 'SCHEDULE_SESSION', { at: '2026-11-25T14:00:00+08:00', place: '社区调解室' });
      await relayed();
      const resident = await connect(ctx, server, { caseNo: record.caseNo, accessCode });
      const seen = collect(resident, 'case:updated');
      const ack = await request(resident, 'resume', { afterVersion: 1 });
      expect(ack).to.deep.include({ ok: true, count: 2 });
      expect(seen.map((m) => m.version)).to.deep.equal([2, 3]);
      expect(seen[0]).to.have.property('statusLabel');
      expect(JSON.stringify(seen)).not.to.match(/13812345678|张三|社区调解室/);
    });
  });

  describe('slow clients', function () {
    it('cuts a client that stopped reading, without holding up the others', async function () {
      await stopServer(server);
      ctx.servers = [];
      server = await startServer(ctx.h, { maxBufferedBytes: 2 * 1024 * 1024, slowConsumerCheckMs: 20 });
      ctx.servers.push(server);
      const { record } = await ctx.h.intake();
      const stalled = await staff(ctx, server, 'med.c1');
      const fast = await staff(ctx, server, 'med.c1');
      for (const s of [stalled, fast]) expect(await request(s, 'subscribe', { caseId: record.id })).to.deep.include({ ok: true });
      const cut = new Promise<string>((resolve) => {
        for (const s of server.live.io.of('/').sockets.values()) s.on('disconnect', (reason) => resolve(`${s.id} ${reason}`));
      });
      // the stalled client's TCP socket stops reading: the kernel buffers fill, then the server's queue
      (stalled.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } }).ws._socket.pause();
      const stalledId = stalled.id;

      const big = 'x'.repeat(64 * 1024);
      const room = server.live.io.to(`case:${record.id}`);
      const last = next(fast, 'test:last');
      let received = 0;
      fast.on('test:filler', () => received++);
      // bounded: 64 MiB in all, far past what loopback buffers hold; the fast reader keeps up
      for (let sent = 0; sent < 1024; sent++) {
        room.emit('test:filler', big);
        if (sent % 8 === 7) await new Promise((r) => setImmediate(r));
      }
      room.emit('test:last', 1024);
      expect(await last).to.equal(1024);
      expect(received).to.equal(1024); // nothing dropped for the client that reads
      expect(await cut).to.match(new RegExp(`^${stalledId} transport (close|error)$`));
      expect([...server.live.io.of('/').sockets.keys()]).to.deep.equal([fast.id]);
    });
  });

  describe('several instances (Redis adapter)', function () {
    const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

    it('emits each entry once, from the instance that claimed it, to clients on every instance', async function () {
      const redisKey = `live-test-${randomBytes(6).toString('hex')}`;
      await stopServer(server);
      ctx.servers = [];
      const a = await startServer(ctx.h, { redisKey }, redisUrl);
      const b = await startServer(ctx.h, { redisKey, startRelay: false }, redisUrl);
      ctx.servers.push(a, b);
      server = a;
      const { record } = await ctx.h.intake();
      await a.live.relay.drain();
      // a barrier: B answers A's request only after handling every broadcast A published before it
      // (Redis delivers one publisher's messages in order), so the intake's update cannot reach B's
      // client after it subscribes below
      await a.live.io.fetchSockets();

      const onA = await staff(ctx, a, 'med.c1');
      const onB = await staff(ctx, b, 'med.s1');
      await request(onA, 'subscribe', { caseId: record.id });
      await request(onB, 'subscribe', { caseId: record.id });
      const seenA = collect(onA, 'case:updated');
      const seenB = collect(onB, 'case:updated');

      await ctx.h.engine.dispatch(record.id, { type: 'ACCEPT', data: acceptData() }, med());
      await ctx.h.engine.dispatch(record.id, { type: 'ASSIGN', data: { mediatorIds: [ctx.h.user('med.c1').id] } }, med());
      const gotA = next(onA, 'case:updated', (m) => m.version === 3);
      const gotB = next(onB, 'case:updated', (m) => m.version === 3);
      a.live.relay.kick();
      await Promise.all([gotA, gotB]);
      expect(seenA.map((m) => m.version)).to.deep.equal([2, 3]);
      expect(seenB.map((m) => m.version)).to.deep.equal([2, 3]);
      expect(b.live.relay.stats.delivered).to.equal(0);
    });

    it('fails to start, saying why, when Redis cannot be reached', async function () {
      const http = createServer();
      let failure: unknown;
      try {
        await createLive(http, {
          store: ctx.h.store,
          authenticateToken: async () => null,
          canReadCase: async () => false,
          accessCodes: ctx.h.engine.accessCodes,
          redisUrl: 'redis://127.0.0.1:1',
          options: { redisConnectTimeoutMs: 300 },
        });
      } catch (err) {
        failure = err;
      }
      expect(failure).to.be.instanceOf(Error);
      expect((failure as Error).message).to.match(/could not connect to Redis/);
    });
  });
});

/** The first compound under a mediator's community. */
function compoundOf(h: Harness, username: string): string {
  const body = h.directory.body(h.user(username).bodyId!)!;
  return h.directory
    .allUnits()
    .filter((u) => u.kind === 'compound' && u.parentId === body.orgUnitId)
    .sort((x, y) => x.order - y.order)[0].id;
}
