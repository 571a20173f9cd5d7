// Cases: intake, the list in the caller's jurisdiction, the case, its history, and events. Intake
// and events are use cases (server/cases/), shared with the pages: a route validates, calls the use
// case with the signed-in user and presents the result.
// Reading: a case outside the caller's jurisdiction answers 404, as if it did not exist, and never
// appears in a list. Sending: the workflow decides who may send what (422 EVENT_NOT_ALLOWED); a
// stale expectedVersion is 409. Every change goes through the engine, which records the actor,
// the time and the client's address in the event and tells the live layer itself.
import type { IntakeRequest } from '../engine/engine.ts';
import type { Services } from '../services.ts';
import { canSeePersonalData, caseScope, rolesFor } from '../policy.ts';
import { registerCase } from '../cases/register.ts';
import { sendEvent, type EventInput } from '../cases/events.ts';
import { caseListItem, caseView, historyView, relatedCasesFor } from '../cases/presenter.ts';
import { readableCase } from '../cases/access.ts';
import { caseIdParams, caseListQuery, eventBody, intakeBody } from './schemas.ts';
import { defineRoute, type RouteDef } from './validate.ts';
import { ref } from './api-schemas.ts';

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
          201: { description: 'registered', schema: ref('CaseCreated') },
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
        responses: { 200: { description: 'a page of cases', schema: ref('CasePage') } },
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
        responses: { 200: { description: 'the case', schema: ref('Case') } },
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
            schema: { type: 'array', items: ref('HistoryEntry') },
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
        tags: ['cases'],
        auth: rolesFor('cases:event'),
        params: caseIdParams,
        body: eventBody,
        responses: {
          200: { description: 'committed', schema: ref('CaseChanged') },
          409: { description: 'VERSION_CONFLICT: someone changed the case first (details: {expectedVersion, currentVersion}); IDEMPOTENCY_MISMATCH or IDEMPOTENCY_IN_PROGRESS' },
          422: { description: 'EVENT_NOT_ALLOWED: not in this state, or not yours to send (details from the workflow); CONSENT_REQUIRED, AGREEMENT_INCOMPLETE' },
        },
      },
      async ({ params, body, user, req }) => {
        const next = await sendEvent(services, user!, params.id, body, { clientIp: req.ip ?? null });
        return { case: caseView(services, next, user!) };
      },
    ),
  ];
}
