// Cases: intake, the list in the caller's jurisdiction, the case, its history, and events.
// Reading: a case outside the caller's jurisdiction answers 404, as if it did not exist, and never
// appears in a list. Sending: the workflow decides who may send what (422 EVENT_NOT_ALLOWED); a
// stale expectedVersion is 409. Every change goes through the engine, which records the actor,
// the time and the client's address in the event and tells the live layer itself.
import Joi from 'joi';
import type { UserEventType } from '../../workflows/vocabulary.ts';
import { actorOf, readableCase } from '../cases/access.ts';
import type { IntakeRequest } from '../engine/engine.ts';
import { DomainError, EventNotAllowed, ValidationFailed } from '../engine/errors.ts';
import type { Services } from '../services.ts';
import { bodiesWithin, canSeePersonalData, caseScope, rolesFor } from '../policy.ts';
import type { CaseRecord, UserRecord } from '../store/port.ts';
import { caseListItem, caseView, historyView, relatedCasesFor } from './case-view.ts';
import { registerErrorStatus } from './errors.ts';
import { caseIdParams, caseListQuery, eventBody, intakeBody } from './schemas.ts';
import { defineRoute, type RouteDef } from './validate.ts';

/** A mediator registering a case for a compound outside their body's area (or a court liaison
 * delegating one outside their court's district). */
export class OutOfJurisdiction extends DomainError {
  constructor(message: string, details?: unknown) {
    super('OUT_OF_JURISDICTION', message, details);
  }
}
registerErrorStatus('OUT_OF_JURISDICTION', 422);

/** The compound's chain of bodies; an unknown compound is the client's mistake (400). */
export function compoundChainOr400(services: Services, compoundId: string) {
  const chain = services.directory.compoundChain(compoundId);
  if (!chain) {
    throw new ValidationFailed('invalid body: "compoundId" is not a compound of the organisation tree', [
      { field: 'compoundId', in: 'body', message: '"compoundId" is not a compound of the organisation tree (GET /api/org)' },
    ]);
  }
  return chain;
}

/** Mediators register cases for compounds their body serves (its own area and the areas below). */
function checkIntakeArea(services: Services, user: UserRecord, compoundId: string): void {
  const chain = compoundChainOr400(services, compoundId);
  if (user.role === 'admin') return;
  const within = user.bodyId ? bodiesWithin(user.bodyId, services.directory) : [];
  if (!within.includes(chain.bodies.community)) {
    throw new OutOfJurisdiction(`compound ${chain.compound.name} is outside the area your mediation body serves`, {
      compoundId,
      field: 'compoundId',
    });
  }
}

/** EXTEND_DEADLINE extends a running deadline; there must be one of that kind to extend. */
function checkExtension(record: CaseRecord, data: Record<string, unknown> | undefined): void {
  if (record.status !== 'in_mediation' && record.status !== 'agreement_pending') return; // the workflow answers
  const kind = (data?.kind as string | undefined) ?? (record.snapshot.context.delegation ? 'delegation' : 'mediation');
  if (!record.deadlines.some((d) => d.kind === kind)) {
    throw new EventNotAllowed('EXTEND_DEADLINE', `there is no running ${kind} deadline to extend`, { status: record.status, reason: 'condition', kind });
  }
}

/**
 * Events on one case from this process go through one at a time. Without it, concurrent writers
 * on a hot case all read the same version, and the engine's bounded retries can run out (a 409 for
 * a client that never sent expectedVersion). Across processes the engine's retries still apply.
 */
const lanes = new Map<string, Promise<unknown>>();
export async function inCaseLane<T>(caseId: string, fn: () => Promise<T>): Promise<T> {
  const before = lanes.get(caseId) ?? Promise.resolve();
  const mine = before.then(fn, fn);
  const settled = mine.catch(() => undefined);
  lanes.set(caseId, settled);
  try {
    return await mine;
  } finally {
    if (lanes.get(caseId) === settled) lanes.delete(caseId);
  }
}

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
        checkIntakeArea(services, user!, body.compoundId);
        const { record, accessCode } = await engine.intake(body, actorOf(user!, directory), { clientIp: req.ip ?? null });
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

    defineRoute<{ type: UserEventType; data?: Record<string, unknown>; expectedVersion?: number }>(
      {
        method: 'post',
        path: '/api/cases/:id/events',
        summary: 'Send an event (API.md "Events"); 409 when expectedVersion is stale, 422 when not allowed',
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
      async ({ params, body, user, req }) => {
        const next = await inCaseLane(params.id, async () => {
          const record = await readableCase(services, user!, params.id);
          if (body.type === 'EXTEND_DEADLINE') checkExtension(record, body.data);
          return engine.dispatch(
            record.id,
            { type: body.type, data: body.data ?? {}, expectedVersion: body.expectedVersion },
            actorOf(user!, directory),
            { clientIp: req.ip ?? null },
          );
        });
        return { case: caseView(services, next, user!) };
      },
    ),
  ];
}
