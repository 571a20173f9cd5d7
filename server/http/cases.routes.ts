// Cases: intake, the list in the caller's jurisdiction, the case, its history, and events. Intake
// and events are use cases (server/cases/), shared with the pages: a route validates, calls the use
// case with the signed-in user and presents the result.
// Reading: a case outside the caller's jurisdiction answers 404, as if it did not exist, and never
// appears in a list. Sending: the workflow decides who may send what (422 EVENT_NOT_ALLOWED); a
// stale expectedVersion is 409. Every change goes through the engine, which records the actor,
// the time and the client's address in the event and tells the live layer itself.
import type { IntakeRequest } from '../engine/engine.ts';
import type { Services } from '../services.ts';
import { canSeePersonalData, caseScope, matchesAsSeen, rolesFor } from '../policy.ts';
import { registerCase } from '../cases/register.ts';
import { sendEvent, type EventInput } from '../cases/events.ts';
import { caseListItem, caseSummary, caseViewOf, historyView, readableRelatedIds, relatedCasesFor } from '../cases/presenter.ts';
import { readableCase } from '../cases/access.ts';
import { reissueAccessCode } from '../cases/access-code.ts';
import { caseIdParams, caseListQuery, eventBody, eventBodyFor, intakeBody } from './schemas.ts';
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
        return { case: await caseViewOf(services, record, user!, { personalData: true }), accessCode };
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
        const q: string | undefined = query.q || undefined;
        if (q && user!.role === 'expert') {
          // an expert reads cases masked: the search runs over the masked text (issue 15 §3), so the
          // matches are filtered here and paged after (an expert is invited to a handful of cases)
          const all = await store.cases.list({ ...scope, ...query, q, page: 1, limit: 1000 });
          const hits = all.items.filter((r) => matchesAsSeen(user!, r, directory, q));
          const pageItems = hits.slice((query.page - 1) * query.limit, query.page * query.limit);
          return { items: pageItems.map((r) => caseListItem(services, r, user!)), total: hits.length, page: query.page, limit: query.limit };
        }
        const { items, total } = await store.cases.list({ ...scope, ...query, q });
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
        headers: [{ name: 'If-None-Match', description: 'the ETag of a view the client holds: 304 while the view is unchanged' }],
        responses: {
          200: {
            description: 'the case',
            schema: ref('Case'),
            headers: { ETag: { description: "the view's tag (weak; changes with everything the view shows): send it back as If-None-Match" } },
          },
          304: { description: 'Not Modified: the view is the one the If-None-Match tag names (no body)' },
        },
      },
      async ({ params, user }) => {
        const record = await readableCase(services, user!, params.id);
        return caseViewOf(services, record, user!, { related: await relatedCasesFor(services, record, user!) });
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
          relatedReadable: await readableRelatedIds(services, events, user!),
        });
      },
    ),

    defineRoute<EventInput>(
      {
        method: 'post',
        path: '/api/cases/:id/events',
        summary: 'Send an event (API.md "Events"); 409 when expectedVersion is stale, 422 when not allowed',
        description:
          'Answers the whole case; with the header `Prefer: return=minimal` (RFC 7240) only its summary (CaseSummary: id, caseNo, formerCaseNos, status, phase, tier, outcome, warning, overdue, version, updatedAt, availableEvents) and `Preference-Applied: return=minimal`.',
        tags: ['cases'],
        auth: rolesFor('cases:event'),
        params: caseIdParams,
        body: eventBody,
        bodyFor: eventBodyFor,
        headers: [{ name: 'Prefer', description: 'return=minimal: answer the summary and version instead of the whole case (RFC 7240)' }],
        responses: {
          200: {
            description: 'committed: the whole case, or with Prefer: return=minimal its summary (CaseChangedMinimal)',
            schema: { anyOf: [ref('CaseChanged'), ref('CaseChangedMinimal')] },
            headers: { 'Preference-Applied': { description: 'return=minimal when the answer is the summary (RFC 7240)' } },
          },
          409: { description: 'VERSION_CONFLICT: someone changed the case first (details: {expectedVersion, currentVersion}); IDEMPOTENCY_MISMATCH or IDEMPOTENCY_IN_PROGRESS' },
          422: {
            description:
              'EVENT_NOT_ALLOWED: not in this state, or not yours to send (details from the workflow); INVALID_CLAUSE: a clause names an obligor who is not a party, or a date before today or after the agreement\'s performBy (details.problems); AGREEMENT_INCOMPLETE: the written agreement lacks facts, disputes or responsibilities (details.missing); CONSENT_REQUIRED',
          },
        },
      },
      async ({ params, body, user, req, res }) => {
        const next = await sendEvent(services, user!, params.id, body, { clientIp: req.ip ?? null });
        if (/\breturn=minimal\b/.test(req.get('prefer') ?? '')) {
          res.set('Preference-Applied', 'return=minimal');
          return { case: caseSummary(services, next, user!) };
        }
        return { case: await caseViewOf(services, next, user!) };
      },
    ),
    defineRoute(
      {
        method: 'post',
        path: '/api/cases/:id/access-code',
        summary: "Reissue the residents' access code (issue 14): the old code stops working; shown once",
        description:
          'Only the mediators of the body holding the case and administrators (others: 422 EVENT_NOT_ALLOWED; a case outside the jurisdiction: 404). ' +
          'Recorded in the history as an ACCESS_CODE_REISSUED event with its actor and time; the code itself is never stored or recorded, only its hash.',
        tags: ['cases'],
        auth: rolesFor('cases:access-code'),
        // never replayed: a stored response would keep the new code in plain text
        idempotent: false,
        params: caseIdParams,
        responses: {
          200: { description: 'the new code, shown this once', schema: ref('AccessCodeReissued') },
          422: { description: 'EVENT_NOT_ALLOWED: not a mediator of the holding body (or the case was escalated away: read only)' },
        },
      },
      async ({ params, user, req, res }) => {
        res.set('Cache-Control', 'no-store');
        return reissueAccessCode(services, user!, params.id, { clientIp: req.ip ?? null });
      },
    ),
  ];
}
