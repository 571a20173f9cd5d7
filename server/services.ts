// What the wiring (server/wiring.ts) provides to the layers it wires: routers, pages and the live
// layer take a `Services` and nothing else. Types only; nothing here builds anything.
import type { Server } from 'node:http';
import type { RequestHandler } from 'express';
import type { MountHook } from './app.ts';
import type { AccessCodeLimiter, AccountAttempts } from './auth/throttle.ts';
import type { Config } from './config.ts';
import type { Clock, ManualClock } from './engine/clock.ts';
import type { Directory } from './engine/directory.ts';
import type { Engine } from './engine/engine.ts';
import type { Scheduler } from './engine/scheduler.ts';
import type { RouteDef } from './http/validate.ts';
import type { Logger } from './log.ts';
import type { Settings } from './settings.ts';
import type { OutboxEntry, OutboxLease, Store } from './store/port.ts';
import type { WebhookDispatcher } from './webhooks/dispatcher.ts';
import type { Subscriptions } from './webhooks/subscriptions.ts';

/** Everything a router, a page or the live layer may use. */
export interface Services {
  config: Readonly<Config>;
  store: Store;
  logger: Logger;
  clock: Clock;
  /** set when TEST_CLOCK=1: the clock that POST /api/admin/clock moves */
  testClock: ManualClock | null;
  directory: Directory;
  engine: Engine;
  scheduler: Scheduler;
  /** wrong residents' access codes, one count for GET /api/track, /track and the live handshake */
  accessCodeLimiter: AccessCodeLimiter;
  /** with REDIS_URL: failed sign-ins per account reserved in Redis, so instances share the lockout */
  accountAttempts: AccountAttempts | null;
  /** failed sign-ins per client address, one count for POST /api/auth/login and the /login form */
  loginLimiter: RequestHandler;
  /** run-time settings and the working-day calendar: their one owner */
  settings: Settings;
  /** called after every commit so live updates go out at once (the poll is the safety net) */
  afterCommit: () => void;
  /** webhook subscriptions and their dispatcher (server/webhooks/) */
  webhooks: { subscriptions: Subscriptions; dispatcher: WebhookDispatcher };
  /** ends a user's live sockets at once (deactivation, password reset): server/live disconnectUser */
  disconnectUser: (userId: string, reason: string) => void;
  /** the anchor log beside the embedded store (server/integrity/anchor-log.ts); null for MongoDB or a
   * store handed in by a test */
  anchorFile: string | null;
}

export type RouterFactory = (services: Services) => readonly RouteDef[];
export type MountFactory = (services: Services) => MountHook;
export interface LiveFactory {
  (server: Server, services: Services): Promise<{
    /** claim what is pending now (a commit made with no lease) */
    kick(): void;
    /** claim at commit: the lease the engine writes live outbox entries with, and the hand-over of
     * the committed ones (server/live/relay.ts) */
    lease(): OutboxLease | null;
    offer(entries: readonly OutboxEntry[]): void;
    close(): Promise<void>;
    disconnectUser(userId: string, reason: string): void;
  }>;
}
