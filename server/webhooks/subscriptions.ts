// Webhook subscriptions (issue 16 §3): the systems around a mediation committee — the 12345 hotline
// and the grid platform (a closing report, 办结反馈, on the work orders they sent), the court's platform
// (referrals, results, confirmations) and district systems (status changes) — each subscribe with a
// URL, the message types they want, a scope in the organisation and a signing secret.
//
// Kept as one settings entry (a short list, read by every dispatcher on each drain, so an instance
// sees another instance's change at its next drain). Secrets are Standard Webhooks secrets
// (`whsec_` + base64 of 24 random bytes): shown once when made or rotated, never listed again.
import { randomBytes, randomUUID } from 'node:crypto';
import Joi from 'joi';
import { isoShanghai } from '../engine/clock.ts';
import { NotFound } from '../engine/errors.ts';
import type { Org } from '../org.ts';
import type { Store } from '../store/port.ts';
import { checkWebhookTarget, type TargetPolicy } from './targets.ts';

/** The message types (the Standard Webhooks `type` of each message). */
export const WEBHOOK_TYPES = [
  /** every event of a case (its type in data.eventType) */
  'case.event',
  /** the case's status changed */
  'case.status_changed',
  /** the case went to the court's inbox (a referral, or a delegated case back to the court) */
  'case.referred_to_court',
  /** the court decided on a 司法确认 application */
  'case.confirmation_result',
  /** 办结反馈: the case ended (closed, or declined); sent to the source system's subscription */
  'case.closed',
] as const;
export type WebhookType = (typeof WEBHOOK_TYPES)[number];

export interface WebhookScope {
  /** cases held by this body or a body below it */
  bodyId?: string;
  /** cases held by a body serving this unit or a unit below it (a district, a sub-district, a community) */
  orgUnitId?: string;
}

export interface Subscription {
  id: string;
  url: string;
  description: string;
  types: WebhookType[];
  /** null: every case */
  scope: WebhookScope | null;
  /** only cases whose `source.system` is this (e.g. "12345"): the work orders that system sent */
  sourceSystem: string | null;
  active: boolean;
  secret: string;
  createdAt: string;
  updatedAt: string;
}

/** A subscription as the API shows it: the secret only as a hint. */
export type SubscriptionView = Omit<Subscription, 'secret'> & { secretHint: string };

const KEY = 'webhooks.subscriptions';

export const newSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

export function viewOf(s: Subscription): SubscriptionView {
  const { secret, ...rest } = s;
  return { ...rest, secretHint: `${secret.slice(0, 9)}…` };
}

const url = Joi.string()
  .uri({ scheme: ['http', 'https'] })
  .max(2000);
const scope = Joi.object<WebhookScope, true>({ bodyId: Joi.string().max(100), orgUnitId: Joi.string().max(100) })
  .xor('bodyId', 'orgUnitId')
  .allow(null);

export interface NewSubscription {
  url: string;
  description?: string;
  types: WebhookType[];
  scope?: WebhookScope | null;
  sourceSystem?: string | null;
}
export type SubscriptionPatch = Partial<NewSubscription> & { active?: boolean; rotateSecret?: boolean };

export const newSubscriptionBody = Joi.object<NewSubscription, true>({
  url: url.required(),
  description: Joi.string().max(200).allow(''),
  types: Joi.array()
    .items(Joi.string().valid(...WEBHOOK_TYPES))
    .min(1)
    .unique()
    .required(),
  scope,
  sourceSystem: Joi.string().max(50).allow(null),
});

export const subscriptionPatchBody = Joi.object<SubscriptionPatch, true>({
  url,
  description: Joi.string().max(200).allow(''),
  types: Joi.array()
    .items(Joi.string().valid(...WEBHOOK_TYPES))
    .min(1)
    .unique(),
  scope,
  sourceSystem: Joi.string().max(50).allow(null),
  active: Joi.boolean(),
  rotateSecret: Joi.boolean().valid(true),
}).min(1);

/** Who changes a subscription (the audit log's actor and client address). */
export interface ChangedBy {
  actorId: string;
  ip?: string | undefined;
}

/** The subscriptions in the store: the one place that changes them, for the API and /admin/webhooks
 * alike; every change is audited. */
export class Subscriptions {
  private active = false;

  constructor(
    private readonly store: Store,
    private readonly org: () => Org,
    /** which target addresses are allowed (WEBHOOK_ALLOW_PRIVATE; targets.ts): private ones refused by default */
    private readonly targets: TargetPolicy = { allowPrivate: false },
  ) {}

  /** Reads the list once (start-up), so `anyActive` is right from the first event. */
  async load(): Promise<this> {
    await this.list();
    return this;
  }

  /** Whether some subscription is active, as of the last read or change here (the dispatcher reads
   * the list at every poll, so a change made on another instance is seen within the poll interval). */
  get anyActive(): boolean {
    return this.active;
  }

  async list(): Promise<Subscription[]> {
    const all = (await this.store.settings.get<Subscription[]>(KEY)) ?? [];
    this.active = all.some((s) => s.active);
    return all;
  }

  private async save(all: Subscription[]): Promise<void> {
    await this.store.settings.put(KEY, all);
    this.active = all.some((s) => s.active);
  }

  async get(id: string): Promise<Subscription> {
    const s = (await this.list()).find((x) => x.id === id);
    if (!s) throw new NotFound(`no webhook subscription ${id}`);
    return s;
  }

  private checkScope(scope: WebhookScope | null | undefined): void {
    if (!scope) return;
    const org = this.org();
    if (scope.bodyId && !org.body(scope.bodyId)) throw new NotFound(`no body ${scope.bodyId}`);
    if (scope.orgUnitId && !org.unit(scope.orgUnitId)) throw new NotFound(`no organisation unit ${scope.orgUnitId}`);
  }

  private audit(by: ChangedBy, action: string, detail: unknown): Promise<void> {
    return this.store.audit.append({ at: isoShanghai(new Date()), actor: by.actorId, action, ip: by.ip ?? null, detail });
  }

  async create(input: NewSubscription, by: ChangedBy, now = new Date()): Promise<Subscription> {
    this.checkScope(input.scope);
    await checkWebhookTarget(input.url, this.targets);
    const at = isoShanghai(now);
    const sub: Subscription = {
      id: randomUUID(),
      url: input.url,
      description: input.description ?? '',
      types: input.types,
      scope: input.scope ?? null,
      sourceSystem: input.sourceSystem ?? null,
      active: true,
      secret: newSecret(),
      createdAt: at,
      updatedAt: at,
    };
    await this.save([...(await this.list()), sub]);
    await this.audit(by, 'webhook.created', { id: sub.id, url: sub.url, types: sub.types, scope: sub.scope, sourceSystem: sub.sourceSystem });
    return sub;
  }

  async change(id: string, patch: SubscriptionPatch, by: ChangedBy, now = new Date()): Promise<Subscription> {
    this.checkScope(patch.scope);
    if (patch.url !== undefined) await checkWebhookTarget(patch.url, this.targets);
    const all = await this.list();
    const i = all.findIndex((x) => x.id === id);
    if (i < 0) throw new NotFound(`no webhook subscription ${id}`);
    const { rotateSecret, ...fields } = patch;
    const next: Subscription = { ...all[i], ...fields, updatedAt: isoShanghai(now) };
    if (rotateSecret) next.secret = newSecret();
    all[i] = next;
    await this.save(all);
    await this.audit(by, 'webhook.changed', { id, changed: fields, ...(rotateSecret ? { secretRotated: true } : {}) });
    return next;
  }

  async remove(id: string, by: ChangedBy): Promise<void> {
    const all = await this.list();
    if (!all.some((x) => x.id === id)) throw new NotFound(`no webhook subscription ${id}`);
    await this.save(all.filter((x) => x.id !== id));
    await this.audit(by, 'webhook.removed', { id });
  }
}

/** Whether a case held by `bodyId` lies in a subscription's scope. */
export function inScope(org: Org, scope: WebhookScope | null, bodyId: string): boolean {
  if (!scope) return true;
  if (scope.bodyId) return org.bodiesWithin(scope.bodyId).includes(bodyId);
  const unit = org.body(bodyId)?.orgUnitId;
  return Boolean(scope.orgUnitId && unit && (unit === scope.orgUnitId || org.isUnder(unit, scope.orgUnitId)));
}
