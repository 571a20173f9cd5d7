// Cases: intake, the list in the caller's jurisdiction, the case, its history, and events. Intake
// and events are use cases (server/cases/), shared with the pages: a route validates, calls the use
// case with the signed-in user and presents the result.
// Reading: a case outside the caller's jurisdiction answers 404, as if it did not exist, and never
// appears in a list. Sending: the workflow decides who may send what (422 EVENT_NOT_ALLOWED); a
// stale expectedVersion is 409. Every change goes through the engine, which records the actor,
// the time and the client's address in the event and tells the live layer itself.
import Joi from 'joi';
import type { IntakeRequest } from '../engine/engine.ts';
import type { Services } from '../services.ts';
import { canSeePersonalData, caseScope, rolesFor } from '../policy.ts';
import { registerCase } from '../cases/register.ts';
import { sendEvent, type EventInput } from '../cases/events.ts';
import { caseListItem, caseSummary, caseView, historyView, relatedCasesFor } from '../cases/presenter.ts';
import { readableCase } from '../cases/access.ts';
import { caseIdParams, caseListQuery, eventBody, intakeBody } from './schemas.ts';
import { defineRoute, type RouteDef } from './validate.ts';

const caseDoc = Joi.object().description('the case (see API.md "Cases"): id, caseNo, status, phase, tier, parties, deadlines, version, availableEvents, …').unknown();

export function casesRoutes(services: Services): RouteDef[] {
  const { engine, store, directory } = services;

  return [
    defineRoute<IntakeRequest>(
      {
        method: 'post',
        path: '/api/cases',
        summary: 'Register a case (intake); the access code for the parties is shown once',
        description:
          'Mediators register cases for compounds in the area their body serves (else 422 OUT_OF_JURISDICTION); administrators anywhere. The case is routed to a tier by the routing rules.',
        tags: ['cases'],
        auth: rolesFor('cases:intake'),
        body: intakeBody,
        status: 201,
        responses: {
          201: { description: 'registered', schema: Joi.object({ case: caseDoc, accessCode: Joi.string().min(6) }) },
          422: { description: 'OUT_OF_JURISDICTION: the compound is outside your area' },
        },
      },
      async ({ body, user, req }) => {
        const { record, accessCode } = await registerCase(services, user!, body, { clientIp: req.ip ?? null });
        return { case: caseView(services, record, user!, { personalData: true }), accessCode };
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/cases',
        summary: "Cases in the caller's jurisdiction, most recently changed first",
        tags: ['cases'],
        auth: rolesFor('cases:read'),
        query: caseListQuery,
        responses: { 200: { description: 'a page of cases', schema: Joi.object({ items: Joi.array().items(Joi.object().unknown()), total: Joi.number(), page: Joi.number(), limit: Joi.number() }) } },
      },
      async ({ query, user }) => {
        const scope = caseScope(user!, directory);
        const { items, total } = await store.cases.list({ ...scope, ...query, q: query.q || undefined });
        return { items: items.map((r) => caseListItem(services, r, user!)), total, page: query.page, limit: query.limit };
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/cases/:id',
        summary: 'One case, with the events the caller may send now',
        tags: ['cases'],
        auth: rolesFor('cases:read'),
        params: caseIdParams,
        responses: { 200: { description: 'the case', schema: caseDoc } },
      },
      async ({ params, user }) => {
        const record = await readableCase(services, user!, params.id);
        return caseView(services, record, user!, { related: await relatedCasesFor(services, record, user!) });
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/cases/:id/history',
        summary: "Every event of the case in order; personal data masked for viewers who may not see it",
        tags: ['cases'],
        auth: rolesFor('cases:read'),
        params: caseIdParams,
        responses: {
          200: {
            description: 'the events',
            schema: Joi.array().items(Joi.object({ seq: Joi.number(), type: Joi.string(), at: Joi.string(), actor: Joi.object().unknown(), data: Joi.any() }).unknown()),
          },
        },
      },
      async ({ params, user }) => {
        const record = await readableCase(services, user!, params.id);
        const events = await engine.history(record.id);
        return historyView(events, {
          personalData: canSeePersonalData(user!, record, directory),
          clientAddress: user!.role === 'admin',
        });
      },
    ),

    defineRoute<EventInput>(
      {
        method: 'post',
        path: '/api/cases/:id/events',
        summary: 'Send an event (API.md "Events"); 409 when expectedVersion is stale, 422 when not allowed',
        description:
          'Answers the whole case; with the header `Prefer: return=minimal` (RFC 7240) only its summary — id, caseNo, status, phase, tier, outcome, warning, version, availableEvents — and `Preference-Applied: return=minimal`.',
        tags: ['cases'],
        auth: rolesFor('cases:event'),
        params: caseIdParams,
        body: eventBody,
        responses: {
          200: { description: 'committed', schema: Joi.object({ case: caseDoc }) },
          409: { description: 'VERSION_CONFLICT: someone changed the case first' },
          422: { description: 'EVENT_NOT_ALLOWED: not in this state, or not yours to send (details from the workflow)' },
        },
      },
      async ({ params, body, user, req, res }) => {
        const next = await sendEvent(services, user!, params.id, body, { clientIp: req.ip ?? null });
        if (/\breturn=minimal\b/.test(req.get('prefer') ?? '')) {
          res.set('Preference-Applied', 'return=minimal');
          return { case: caseSummary(services, next, user!) };
        }
        return { case: caseView(services, next, user!) };
      },
    ),
  ];
}
