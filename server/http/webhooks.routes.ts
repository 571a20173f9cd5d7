// Webhook subscriptions and their delivery log (administrators only; issue 16 §3). Every change is
// audited. A subscription's secret is shown once: in the answer that creates it or rotates it.
import Joi from 'joi';
import { rolesFor } from '../policy.ts';
import type { Services } from '../services.ts';
import {
  WEBHOOK_TYPES,
  newSubscriptionBody,
  subscriptionPatchBody,
  viewOf,
  type NewSubscription,
  type SubscriptionPatch,
} from '../webhooks/subscriptions.ts';
import { defineRoute, type RouteDef } from './validate.ts';

const scopeSchema = Joi.object({ bodyId: Joi.string(), orgUnitId: Joi.string() }).allow(null);
const subscriptionSchema = Joi.object({
  id: Joi.string().required(),
  url: Joi.string().required(),
  description: Joi.string().allow('').required(),
  types: Joi.array()
    .items(Joi.string().valid(...WEBHOOK_TYPES))
    .required(),
  scope: scopeSchema.required(),
  sourceSystem: Joi.string().allow(null).required(),
  active: Joi.boolean().required(),
  secretHint: Joi.string().required(),
  createdAt: Joi.string().required(),
  updatedAt: Joi.string().required(),
});
const attemptSchema = Joi.object({
  id: Joi.string().required(),
  deliveryId: Joi.string().required(),
  webhookId: Joi.string().required(),
  subscriptionId: Joi.string().required(),
  caseId: Joi.string().required(),
  type: Joi.string().required(),
  attempt: Joi.number().integer().required(),
  at: Joi.string().required(),
  outcome: Joi.string().valid('delivered', 'failed', 'gave_up', 'dropped').required(),
  httpStatus: Joi.number().integer().allow(null).required(),
  error: Joi.string().allow(null).required(),
  durationMs: Joi.number().required(),
});
const idParam = Joi.object({ id: Joi.string().max(100).required() });

export function webhooksRoutes(services: Services): RouteDef[] {
  const { store } = services;
  const { subscriptions, dispatcher } = services.webhooks;
  const admin = rolesFor('admin');

  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/admin/webhooks',
        summary: 'Webhook subscriptions (secrets are not shown)',
        tags: ['admin', 'webhooks'],
        auth: admin,
        responses: { 200: { description: 'the subscriptions', schema: Joi.object({ items: Joi.array().items(subscriptionSchema).required() }) } },
      },
      async () => ({ items: (await subscriptions.list()).map(viewOf) }),
    ),

    defineRoute<NewSubscription>(
      {
        method: 'post',
        path: '/api/admin/webhooks',
        summary:
          'Subscribe a URL to message types (case.event, case.status_changed, case.referred_to_court, case.confirmation_result, case.closed), optionally within a body or unit and for one source system; answers the signing secret once',
        tags: ['admin', 'webhooks'],
        auth: admin,
        body: newSubscriptionBody,
        status: 201,
        responses: {
          201: { description: 'created; `secret` is shown only here', schema: Joi.object({ subscription: subscriptionSchema.required(), secret: Joi.string().required() }) },
          404: { description: 'NOT_FOUND: the scope names no body or unit' },
          422: { description: 'WEBHOOK_TARGET_NOT_ALLOWED: the URL names or resolves to a loopback, private, link-local or reserved address (allowed only with WEBHOOK_ALLOW_PRIVATE=true)' },
        },
      },
      async ({ body, user, req }) => {
        const sub = await subscriptions.create(body, { actorId: user!.id, ip: req.ip });
        return { subscription: viewOf(sub), secret: sub.secret };
      },
    ),

    defineRoute<SubscriptionPatch, unknown, { id: string }>(
      {
        method: 'patch',
        path: '/api/admin/webhooks/:id',
        summary: 'Change a subscription (url, types, scope, source system, active); rotateSecret makes a new secret, answered once',
        tags: ['admin', 'webhooks'],
        auth: admin,
        params: idParam,
        body: subscriptionPatchBody,
        responses: {
          200: { description: 'the subscription; `secret` only when rotated', schema: Joi.object({ subscription: subscriptionSchema.required(), secret: Joi.string() }) },
          404: { description: 'NOT_FOUND' },
          422: { description: 'WEBHOOK_TARGET_NOT_ALLOWED: the new URL names or resolves to a loopback, private, link-local or reserved address' },
        },
      },
      async ({ body, params, user, req }) => {
        const sub = await subscriptions.change(params.id, body, { actorId: user!.id, ip: req.ip });
        return { subscription: viewOf(sub), ...(body.rotateSecret ? { secret: sub.secret } : {}) };
      },
    ),

    defineRoute<unknown, unknown, { id: string }>(
      {
        method: 'delete',
        path: '/api/admin/webhooks/:id',
        summary: 'Remove a subscription (deliveries still queued for it are dropped, and logged as such)',
        tags: ['admin', 'webhooks'],
        auth: admin,
        params: idParam,
        status: 204,
        responses: { 204: { description: 'removed' }, 404: { description: 'NOT_FOUND' } },
      },
      async ({ params, user, req, res }) => {
        await subscriptions.remove(params.id, { actorId: user!.id, ip: req.ip });
        res.status(204).end();
        return undefined;
      },
    ),

    defineRoute<unknown, { limit: number }, { id: string }>(
      {
        method: 'get',
        path: '/api/admin/webhooks/:id/deliveries',
        summary: "A subscription's delivery log, newest first: every attempt with its outcome, HTTP status and error",
        tags: ['admin', 'webhooks'],
        auth: admin,
        params: idParam,
        query: Joi.object({ limit: Joi.number().integer().min(1).max(1000).default(100) }),
        responses: { 200: { description: 'attempts', schema: Joi.object({ items: Joi.array().items(attemptSchema).required() }) }, 404: { description: 'NOT_FOUND' } },
      },
      async ({ params, query }) => {
        await subscriptions.get(params.id);
        return { items: await store.webhookLog.list({ subscriptionId: params.id }, query.limit) };
      },
    ),

    defineRoute<unknown, unknown, { id: string }>(
      {
        method: 'post',
        path: '/api/admin/webhooks/deliveries/:id/redeliver',
        summary: 'Send a delivery again (whatever its outcome), with the same message and webhook-id, after any queued for the same case',
        tags: ['admin', 'webhooks'],
        auth: admin,
        params: idParam,
        status: 202,
        responses: { 202: { description: 'queued', schema: Joi.object({ deliveryId: Joi.string().required() }) }, 404: { description: 'NOT_FOUND' } },
      },
      async ({ params, user, req }) => {
        return { deliveryId: await dispatcher.redeliver(params.id, { actorId: user!.id, ip: req.ip }) };
      },
    ),
  ];
}
