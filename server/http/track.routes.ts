// Residents track their case with the case number and the access code they were given at intake
// (API.md "Residents"). The code is checked against its stored hash only. A wrong code and an
// unknown case number get the same 404, and both count: at most 10 per case number and per client
// address in 15 minutes, then 429. The counter is the server's one (Services.accessCodeLimiter),
// shared with the /track page and the live layer's resident handshake, so the doors cannot be used
// to multiply the guesses.
import Joi from 'joi';
import { checkAccessCode } from '../auth/access-codes.ts';
import { residentView } from '../cases/resident-view.ts';
import { NotFound, RateLimited, ValidationFailed } from '../engine/errors.ts';
import type { Services } from '../services.ts';
import { defineRoute, type RouteDef } from './validate.ts';

export const ACCESS_CODE_HEADER = 'X-Access-Code';

// an unknown case number costs the same scrypt work as a wrong code: timing does not tell them apart
// (the hash never matches; only its cost, the engine's default, matters)
const NO_SUCH_CASE = { id: 'no-such-case', accessCodeHash: 'scrypt$16384$-' };

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
  const { store, engine, accessCodeLimiter: limiter } = services;

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
        const ok = (await checkAccessCode(record ?? NO_SUCH_CASE, code.trim())) && record !== null;
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
