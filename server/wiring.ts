// Wiring: config → store → organisation → engine → scheduler → HTTP app → live updates. Nothing
// else builds these; `npm start` (server/main.ts), the tests and the benchmarks call startServer()
// with their own config and get the same product. Routers, pages and the live layer are imported
// statically: a missing layer is a build error, not a silently smaller product.
import { createServer, type Server } from 'node:http';
import type { Application } from 'express';
import { createApp } from './app.ts';
import { connectLimitsRedis, createRedisAttemptLimiter } from './auth/attempts-redis.ts';
import { ACCESS_CODE_LIMITS, createMemoryAccessCodeLimiter, loginAddressLimiter } from './auth/throttle.ts';
import { buildCore } from './core.ts';
import { SessionCache } from './auth/session-cache.ts';
import type { Config } from './config.ts';
import { ManualClock, systemClock, type Clock } from './engine/clock.ts';
import { routers } from './http/routes.ts';
import { setTableWorkers } from './oversight/table-pool.ts';
import { liveFactory } from './live/wire.ts';
import { loggerFor, type Logger } from './log.ts';
import { mount as pageMount, mountEarly as pageMountEarly } from './pages/index.ts';
import { seedDemo } from './seed/demo.ts';
import { AnchorLog } from './integrity/anchor-log.ts';
import { anchorHook, checkAgainstAnchorTail } from './integrity/anchoring.ts';
import { backupStore, scheduleBackups, type BackupSchedule } from './integrity/backup.ts';
import { StorageStatus, watchStore } from './integrity/storage-status.ts';
import { anchorFileOf, openStore } from './store/open.ts';
import type { Store } from './store/port.ts';
import type { SqliteStore } from './store/sqlite/index.ts';
import type { Org } from './org.ts';
import type { LiveFactory, Services } from './services.ts';
import { WebhookDispatcher } from './webhooks/dispatcher.ts';
import { Subscriptions } from './webhooks/subscriptions.ts';
import { isoShanghai } from './engine/clock.ts';

export interface Running {
  app: Application;
  server: Server;
  services: Services;
  url: string;
  close(): Promise<void>;
}

export async function startServer(
  config: Readonly<Config>,
  opts: { listen?: boolean; store?: Store; logger?: Logger; clockStart?: string } = {},
): Promise<Running> {
  const logger = opts.logger ?? loggerFor(config);
  // every store call is watched: storage failures and the last commit's outcome feed /api/health
  const storage = new StorageStatus();
  // the sessions requests present, kept for SESSION_CACHE_MS; every writer of users and sessions in
  // this process gets the store that empties it (server/auth/session-cache.ts)
  const sessionCache = config.sessionCacheMs > 0 ? new SessionCache({ ttlMs: config.sessionCacheMs }) : null;
  const opened = opts.store ?? (await openStore(config));
  const store = watchStore(sessionCache ? sessionCache.watch(opened) : opened, storage);
  await store.init();
  // the anchor log beside the embedded store (MongoDB relies on its own replication: README)
  const anchorFile = opts.store ? null : anchorFileOf(config);
  let anchors: AnchorLog | null = null;
  if (anchorFile) {
    await checkAgainstAnchorTail(store, anchorFile);
    anchors = await new AnchorLog(anchorFile).open();
  }
  const testClock = config.testClock ? new ManualClock(opts.clockStart ?? new Date()) : null;
  const clock: Clock = testClock ?? systemClock;

  if (!config.isProduction) {
    await seedDemo(store, { password: config.demoPassword, now: isoShanghai(clock.now()) });
  }
  let kick = () => {};
  let live: Awaited<ReturnType<LiveFactory>> | null = null;
  const directoryRef: { current?: Org } = {};
  const subscriptions = await new Subscriptions(store, () => directoryRef.current!, { allowPrivate: config.webhookAllowPrivate }).load();
  let disconnectUser: Services['disconnectUser'] = () => {};
  const { settings, directory, engine, scheduler, projector } = await buildCore(store, clock, {
    appSecret: { current: config.appSecret, previous: config.appSecretPrevious },
    onProjectorError: (err) => logger.error({ err }, 'oversight projector pass failed (retried on the next commit)'),
    // claim at commit: the live entries are written leased to this instance's relay and handed to it
    // committed; a group written with no lease (the relay not running yet) leaves them to be claimed
    outboxLease: () => live?.lease() ?? null,
    onCommitted: (leased) => {
      if (leased.length > 0) live?.offer(leased);
      else kick();
      if (subscriptions.anyActive) dispatcher.kick();
    },
    // the webhooks' source rows are written only while some subscription is active (known to this
    // instance at its dispatcher's last poll: a subscription made on another instance takes effect
    // here within the poll interval)
    webhooksWanted: () => subscriptions.anyActive,
    ...(anchors ? { anchor: anchorHook(anchors, storage) } : {}),
    scheduler: { logger, leaseMs: config.schedulerLeaseMs, pollMs: config.schedulerPollMs, batch: config.schedulerBatch },
  });
  directoryRef.current = directory;

  const dispatcher = new WebhookDispatcher(store, subscriptions, () => directory, clock, logger, {
    timeoutMs: config.webhookTimeoutMs,
    leaseMs: Math.max(config.webhookLeaseMs, config.webhookTimeoutMs + 1000),
    allowPrivateTargets: config.webhookAllowPrivate,
  });

  setTableWorkers(config.uploadParseWorkers);
  // the attempt limits: in Redis when instances share it (one count for all), else in this process
  const limitsRedis = config.redisUrl
    ? await connectLimitsRedis(config.redisUrl, { onError: (err) => logger.error({ err }, 'limits: redis client error') })
    : null;
  const accessCodeLimiter = limitsRedis
    ? createRedisAttemptLimiter(limitsRedis, { prefix: `${config.redisKeyPrefix}limits:`, ...ACCESS_CODE_LIMITS })
    : createMemoryAccessCodeLimiter(ACCESS_CODE_LIMITS);
  const accountAttempts = limitsRedis
    ? createRedisAttemptLimiter(limitsRedis, {
        prefix: `${config.redisKeyPrefix}limits:`,
        max: config.loginMaxFailures,
        windowMs: Math.round(config.loginLockMinutes * 60_000),
      })
    : null;

  // a write to users or sessions on one instance empties every instance's session cache at once
  const sessionsChannel = `${config.redisKeyPrefix}sessions:changed`;
  const sessionsSub = sessionCache && limitsRedis ? limitsRedis.duplicate() : null;
  if (sessionCache && limitsRedis && sessionsSub) {
    sessionsSub.on('error', (err: unknown) => logger.error({ err }, 'session cache: redis subscriber error'));
    await sessionsSub.connect();
    await sessionsSub.subscribe(sessionsChannel, () => sessionCache.forget());
    sessionCache.onWrite = () => {
      limitsRedis.publish(sessionsChannel, '1').catch((err: unknown) => logger.error({ err }, 'session cache: announcing a write failed'));
    };
  }

  const services: Services = {
    config,
    store,
    logger,
    clock,
    testClock,
    directory,
    engine,
    scheduler,
    accessCodeLimiter,
    accountAttempts,
    loginLimiter: loginAddressLimiter(config, limitsRedis),
    settings,
    afterCommit: () => {
      projector.kick();
      kick();
    },
    webhooks: { subscriptions, dispatcher },
    disconnectUser: (userId, reason) => disconnectUser(userId, reason),
    anchorFile,
  };

  const app = createApp({
    config,
    store,
    logger,
    loginLimiter: services.loginLimiter,
    accountAttempts,
    sessionCache,
    routers: routers.map((f) => f(services)),
    mountEarly: pageMountEarly.map((f) => f(services)),
    mount: pageMount.map((f) => f(services)),
  });
  const server = createServer(app);
  const liveLayer = await liveFactory(server, services);
  live = liveLayer;
  kick = () => liveLayer.kick();
  disconnectUser = (userId, reason) => liveLayer.disconnectUser(userId, reason);

  if (!testClock) scheduler.start(); // with a test clock, timers fire when the clock is moved
  dispatcher.start();
  let backups: BackupSchedule | null = null;
  if (anchorFile && store.kind === 'sqlite' && config.backupEveryHours > 0) {
    backups = scheduleBackups({
      everyHours: config.backupEveryHours,
      keep: config.backupKeep,
      backupDir: config.backupDir,
      // small steps on the service's own connection: requests keep being answered during the copy
      take: () => backupStore(store as SqliteStore, { backupDir: config.backupDir, anchorFile, pagesPerStep: 256 }),
      onDone: (r) =>
        r.ok
          ? logger.info({ file: r.manifest.file, bytes: r.manifest.bytes, tookMs: r.manifest.tookMs, pruned: r.pruned.length }, 'scheduled backup written')
          : logger.error({ err: r.error }, 'scheduled backup failed'),
    });
  }
  if (opts.listen !== false) {
    await new Promise<void>((resolve) => server.listen(config.port, resolve));
  }
  const address = server.address();
  const url = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';
  return {
    app,
    server,
    services,
    url,
    async close() {
      await scheduler.stop();
      await dispatcher.stop();
      await backups?.stop();
      await liveLayer.close();
      await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
      await projector.stop();
      if (sessionCache) sessionCache.onWrite = null;
      if (sessionsSub?.isOpen) await sessionsSub.quit();
      if (limitsRedis?.isOpen) await limitsRedis.quit();
      await store.close();
      await anchors?.close();
    },
  };
}
