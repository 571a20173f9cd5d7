// Residents track their case with the case number and the access code they were given at intake
// (API.md "Residents"). The code is checked against its stored hash only. A wrong code and an
// unknown case number get the same 404, and both count: at most 10 per case number and client
// address and 10 per client address in 15 minutes, then 429. The counter is the server's one (Services.accessCodeLimiter),
// shared with the /track page and the live layer's resident handshake, so the doors cannot be used
// to multiply the guesses.
import Joi from 'joi';
import { residentView } from '../cases/resident-view.ts';
import { openWithAccessCode } from '../cases/track.ts';
import { NotFound, RateLimited, ValidationFailed } from '../engine/errors.ts';
import type { Services } from '../services.ts';
import { defineRoute, type RouteDef } from './validate.ts';
import { ref } from './api-schemas.ts';

export const ACCESS_CODE_HEADER = 'X-Access-Code';


export function trackRoutes(services: Services): RouteDef[] {
  const { store, engine, accessCodeLimiter: limiter } = services;

  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/track/:caseNo',
        summary: 'A party tracks their case: case number in the path, access code in the X-Access-Code header',
        description:
          'Any of the case\'s numbers opens it: the current one or a former one (formerCaseNos: the numbers of the bodies that held it before), typed with ASCII or full-width brackets, full-width digits and any spacing; the access code in either case, spaces allowed. ' +
          "Status with a plain-words label (zh, en), tier, next step, the upcoming session, deadlines and the public history. No party's phone, ID number or address; staff appear only as a role word. Wrong codes: 404, counted; after 10 for this case from one client, or 10 from one client in all, in 15 minutes: 429 (a stranger's wrong codes never lock the resident out from their own address).",
        tags: ['residents'],
        auth: 'public',
        params: Joi.object({ caseNo: Joi.string().min(1).max(64).required().description('the current or a former case number, e.g. （2026）示范华阳物调字第1号 or (2026)示范华阳物调字第1号 (URL-encoded)') }),
        responses: {
          200: { description: 'the tracking view', schema: ref('TrackView') },
          400: { description: 'VALIDATION_FAILED: the X-Access-Code header is missing or too long' },
          404: { description: 'NOT_FOUND: no such case, or the access code is wrong (the same answer for both)' },
          429: { description: 'RATE_LIMITED: too many wrong codes for this case or from this client (Retry-After)' },
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
        const opened = await openWithAccessCode({ store, limiter, accessCodes: engine.accessCodes }, { caseNo: params.caseNo, accessCode: code, clientAddress: req.ip ?? 'unknown' });
        if (!opened.ok && opened.why === 'limited') throw new RateLimited('too many wrong access codes: try again later', opened.retryAfterSeconds);
        if (!opened.ok) throw new NotFound('case');
        const { record } = opened;
        const events = await engine.history(record.id);
        return residentView(record, events, engine.now(), services.settings.deadlines.limits.acceptance);
      },
    ),
  ];
}
