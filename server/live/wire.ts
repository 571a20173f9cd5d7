// How the product plugs the live layer in (wired by server/wiring.ts): staff authenticate with their
// session token (or the pages' httpOnly session cookie), residents with case number + access code,
// and wrong codes share one count with GET /api/track and /track (Services.accessCodeLimiter).
import { SESSION_COOKIE, lookupSession } from '../auth/sessions.ts';
import { actorOf } from '../cases/access.ts';
import type { LiveFactory } from '../services.ts';
import { caseReadCheck, createLive } from './index.ts';

function tokenFromCookie(header: string): string | null {
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) {
      try {
        return decodeURIComponent(v.join('='));
      } catch {
        return null;
      }
    }
  }
  return null;
}

export const liveFactory: LiveFactory = async (server, services) => {
  const { config, store, directory, logger } = services;
  const live = await createLive(server, {
    store,
    logger,
    redisUrl: config.redisUrl,
    authenticateToken: async (token) => {
      const found = await lookupSession(store, token, new Date());
      return 'failure' in found ? { failure: found.failure } : actorOf(found.user, directory);
    },
    canReadCase: caseReadCheck(store, directory),
    accessCodes: services.engine.accessCodes,
    options: {
      accessCodeLimiter: services.accessCodeLimiter,
      tokenFromCookie,
      corsOrigins: config.corsOrigins,
      pollMs: config.testClock ? 50 : 200,
    },
  });
  return {
    kick: () => live.relay.kick(),
    lease: () => live.relay.lease(),
    offer: (entries) => live.relay.offer(entries),
    close: () => live.close(),
    disconnectUser: (userId, reason) => live.disconnectUser(userId, reason),
  };
};
