// Residents track their case with the case number and the access code they were given at intake
// (API.md "Residents"). The code is checked against its stored hash only. A wrong code and an
// unknown case number get the same 404, and both count: at most 10 per case number and per client
// address in 15 minutes, then 429. The live layer's resident handshake can share the same counter
// (accessCodeLimiterFor), so the two doors cannot be used to double the guesses.
import Joi from 'joi';
import { checkAccessCodeAsync, hashAccessCode } from '../engine/engine.ts';
import { NotFound, RateLimited, ValidationFailed } from '../engine/errors.ts';
import { createMemoryAccessCodeLimiter, type AccessCodeLimiter } from '../live/handshake.ts';
import type { Services } from '../services.ts';
import { residentView } from './case-view.ts';
import { defineRoute, type RouteDef } from './validate.ts';

export const ACCESS_CODE_HEADER = 'X-Access-Code';

const limiters = new WeakMap<Services, AccessCodeLimiter>();

/** The wrong-access-code counter of this server (one per Services; shared by HTTP and sockets). */
export function accessCodeLimiterFor(services: Services): AccessCodeLimiter {
  let limiter = limiters.get(services);
  if (!limiter) limiters.set(services, (limiter = createMemoryAccessCodeLimiter({ max: 10, windowMs: 15 * 60_000 })));
  return limiter;
}

// an unknown case number costs the same hashing as a wrong code: numbers are not probed by timing
// an unknown case number costs the same scrypt work as a wrong code: timing does not tell them apart
const dummy = hashAccessCode('not-a-code', 'no-such-case');

const trackSchema = Joi.object({
  caseNo: Joi.string(),
  status: Joi.string(),
  statusLabel: Joi.object({ zh: Joi.string(), en: Joi.string() }),
  tier: Joi.string(),
  tierLabel: Joi.object({ zh: Joi.string(), en: Joi.string() }),
  nextStep: Joi.object({ zh: Joi.string(), en: Joi.string() }),
  nextSession: Joi.object({ at: Joi.string(), place: Joi.string() }).allow(null),
  deadlines: Joi.array().items(Joi.object({ kind: Joi.string(), label: Joi.object(), dueAt: Joi.string() })),
  history: Joi.array().items(Joi.object({ type: Joi.string(), label: Joi.object(), at: Joi.string(), by: Joi.object() })),
}).unknown();

export function trackRoutes(services: Services): RouteDef[] {
  const { store, engine } = services;
  const limiter = accessCodeLimiterFor(services);

  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/track/:caseNo',
        summary: 'A party tracks their case: case number in the path, access code in the X-Access-Code header',
        description:
          "Status with a plain-words label (zh, en), tier, next step, the upcoming session, deadlines and the public history. No party's phone, ID number or address; staff appear only as a role word. Wrong codes: 404, counted; after 10 per case or per client in 15 minutes, 429.",
        tags: ['residents'],
        auth: 'public',
        params: Joi.object({ caseNo: Joi.string().min(1).max(64).required().description('e.g. （2026）示范华阳物调字第00001号 (URL-encoded)') }),
        responses: {
          200: { description: 'the tracking view', schema: trackSchema },
          404: { description: 'no such case, or the access code is wrong (the same answer for both)' },
          429: { description: 'too many wrong codes for this case or from this client' },
        },
      },
      async ({ params, req, res }) => {
        res.set('Cache-Control', 'no-store');
        const code = req.get(ACCESS_CODE_HEADER);
        if (code === undefined || code.trim() === '' || code.length > 64) {
          throw new ValidationFailed(`invalid header: "${ACCESS_CODE_HEADER}" must hold the access code (1 to 64 characters)`, [
            { field: ACCESS_CODE_HEADER, in: 'header', message: `"${ACCESS_CODE_HEADER}" must hold the access code given at intake` },
          ]);
        }
        const caseNo = params.caseNo.trim();
        const keys = [`case:${caseNo}`, `ip:${req.ip ?? 'unknown'}`];
        const wait = await limiter.blockedFor(keys);
        if (wait > 0) throw new RateLimited('too many wrong access codes: try again later', wait);

        const record = await store.cases.getByNo(caseNo);
        const ok = record ? await engine.checkAccessCode(record, code.trim()) : (await checkAccessCodeAsync(code.trim(), 'no-such-case', dummy)) && false;
        if (!record || !ok) {
          await limiter.fail(keys);
          throw new NotFound('case');
        }
        const events = await engine.history(record.id);
        return residentView(record, events, engine.now());
      },
    ),
  ];
}
