// Webhook subscriptions and their delivery log (administrators only; issue 16 §3). Every change is
// audited. A subscription's secret is shown once: in the answer that creates it or rotates it. The
// request bodies' joi schemas live with the subscriptions (server/webhooks/subscriptions.ts, shared
// with the page); the answers' schemas with the others (api-schemas.ts).
import Joi from 'joi';
import { rolesFor } from '../policy.ts';
import type { Services } from '../services.ts';
import {
  newSubscriptionBody,
  subscriptionPatchBody,
  viewOf,
  type NewSubscription,
  type SubscriptionPatch,
} from '../webhooks/subscriptions.ts';
import { ref } from './api-schemas.ts';
import { defineRoute, type RouteDef } from './validate.ts';

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
        responses: { 200: { description: 'the subscriptions', schema: ref('WebhookSubscriptions') } },
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
          201: { description: 'created; `secret` is shown only here', schema: ref('WebhookCreated') },
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
          200: { description: 'the subscription; `secret` only when rotated', schema: ref('WebhookChanged') },
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
        responses: { 200: { description: 'attempts', schema: ref('WebhookAttempts') }, 404: { description: 'NOT_FOUND' } },
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
        responses: { 202: { description: 'queued', schema: ref('WebhookRedelivery') }, 404: { description: 'NOT_FOUND' } },
      },
      async ({ params, user, req }) => {
        return { deliveryId: await dispatcher.redeliver(params.id, { actorId: user!.id, ip: req.ip }) };
      },
    ),
  ];
}
