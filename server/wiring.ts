// Wiring: config → store → organisation → engine → scheduler → HTTP app → live updates. Nothing
// else builds these; `npm start` (server/main.ts), the tests and the benchmarks call startServer()
// with their own config and get the same product. Routers, pages and the live layer are imported
// statically: a missing layer is a build error, not a silently smaller product.
import { createServer, type Server } from 'node:http';
import type { Application } from 'express';
import { createApp } from './app.ts';
import { createMemoryAccessCodeLimiter, loginAddressLimiter } from './auth/throttle.ts';
import { buildCore } from './core.ts';
import type { Config } from './config.ts';
import { ManualClock, systemClock, type Clock } from './engine/clock.ts';
import { routers } from './http/routes.ts';
import { liveFactory } from './live/wire.ts';
import { loggerFor, type Logger } from './log.ts';
import { mount as pageMount, mountEarly as pageMountEarly } from './pages/index.ts';
import { seedDemo } from './seed/demo.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/port.ts';
import type { Services } from './services.ts';

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
  const store = opts.store ?? (await openStore(config));
  await store.init();
  const testClock = config.testClock ? new ManualClock(opts.clockStart ?? new Date()) : null;
  const clock: Clock = testClock ?? systemClock;

  if (!config.isProduction) {
    await seedDemo(store, { password: config.demoPassword, now: clock.now().toISOString() });
  }
  let kick = () => {};
  const { settings, directory, engine, scheduler, projector } = await buildCore(store, clock, {
    onCommitted: () => kick(),
    onProjectorError: (err) => logger.error({ err }, 'oversight projector pass failed (retried on the next commit)'),
    scheduler: { logger, leaseMs: config.schedulerLeaseMs, pollMs: config.schedulerPollMs },
  });


  const services: Services = {
    config,
    store,
    logger,
    clock,
    testClock,
    directory,
    engine,
    scheduler,
    accessCodeLimiter: createMemoryAccessCodeLimiter({ max: 10, windowMs: 15 * 60_000 }),
    loginLimiter: loginAddressLimiter(config),
    settings,
    afterCommit: () => {
      projector.kick();
      kick();
    },
  };

  const app = createApp({
    config,
    store,
    logger,
    loginLimiter: services.loginLimiter,
    routers: routers.map((f) => f(services)),
    mountEarly: pageMountEarly.map((f) => f(services)),
    mount: pageMount.map((f) => f(services)),
  });
  const server = createServer(app);
  const live = await liveFactory(server, services);
  kick = () => live.kick();

  if (!testClock) scheduler.start(); // with a test clock, timers fire when the clock is moved
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
      await live.close();
      await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
      await projector.stop();
      await store.close();
    },
  };
}
