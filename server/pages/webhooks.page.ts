// /admin/webhooks: the webhook subscriptions of the systems around the committee (12345, the grid,
// the court's platform, district systems) — add one, pause or resume it, make a new secret, remove
// it, read its delivery log and send a delivery again. Every change goes through the one place that
// makes it for the API too (server/webhooks/), validated with the API's own schema, and is audited.
import type { Application, Request, Response } from 'express';
import { DomainError, ValidationFailed } from '../engine/errors.ts';
import type { Services } from '../services.ts';
import { validateInput } from '../validation.ts';
import { WEBHOOK_TYPES, newSubscriptionBody, viewOf, type NewSubscription } from '../webhooks/subscriptions.ts';
import { base, langFor, render, requireRole, setFlash, userOf } from './context.ts';
import { formErrors } from './forms.ts';
import { STRINGS, t, type Lang } from './i18n.ts';

/** the page's own words: STRINGS webhooks_* (i18n.ts), by their key without the prefix */
const TEXT_KEYS = Object.keys(STRINGS)
  .filter((k) => k.startsWith('webhooks_'))
  .map((k) => k.slice('webhooks_'.length));
/** a label from STRINGS, or the code itself when there is none */
const labelOr = (lang: Lang, key: string, code: string) => (key in STRINGS ? t(lang, key) : code);
const typeLabel = (lang: Lang, type: string) => labelOr(lang, `webhook_type_${type.replace('.', '_')}`, type);
const outcomeLabel = (lang: Lang, outcome: string) => labelOr(lang, `webhook_outcome_${outcome}`, outcome);
/** a warning colour (with its word) only where something needs attention */
const OUTCOME_TONES: Record<string, string> = { delivered: '', failed: 'orange', gave_up: 'red', dropped: '' };

const str = (v: unknown) => (typeof v === 'string' ? v.trim().slice(0, 2000) : '');
const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : []);
const tx = (lang: Lang, k: string) => t(lang, `webhooks_${k}`);

interface FormState {
  values: Record<string, string | string[]>;
  errors: Record<string, string>;
}

async function webhooksPage(req: Request, res: Response, services: Services, state: { form?: FormState; secret?: { id: string; value: string } } = {}, status = 200) {
  const lang = langFor(req, res);
  const subs = await services.webhooks.subscriptions.list();
  const v = state.form?.values ?? {};
  const e = state.form?.errors ?? {};
  const bodies = services.directory
    .allBodies()
    .filter((b) => b.tier !== 'court')
    .sort((a, b) => a.id.localeCompare(b.id));
  const page = base(req, res, tx(lang, 'title'));
  const items = await Promise.all(
    subs.map(async (s) => {
      const view = viewOf(s);
      const log = await services.store.webhookLog.list({ subscriptionId: s.id }, 20);
      return {
        ...view,
        typeLabels: s.types.map((type) => typeLabel(lang, type)).join('、'),
        scopeLabel: s.scope?.bodyId ? (services.directory.body(s.scope.bodyId)?.name ?? s.scope.bodyId) : s.scope?.orgUnitId ? (services.directory.unit(s.scope.orgUnitId)?.name ?? s.scope.orgUnitId) : tx(lang, 'scopeAll'),
        secret: state.secret?.id === s.id ? state.secret.value : '',
        log: log.map((a) => ({
          ...a,
          outcomeLabel: outcomeLabel(lang, a.outcome),
          tone: OUTCOME_TONES[a.outcome] ?? '',
          typeLabel: typeLabel(lang, a.type),
          detail: a.httpStatus ? `HTTP ${a.httpStatus}` : (a.error ?? ''),
        })),
      };
    }),
  );
  render(
    res,
    'admin-webhooks',
    {
      ...page,
      heading: page.title,
      tx: Object.fromEntries(TEXT_KEYS.map((k) => [k, tx(lang, k)])),
      items,
      form: {
        url: { value: String(v.url ?? ''), error: e.url ?? '' },
        description: { value: String(v.description ?? ''), error: e.description ?? '' },
        sourceSystem: { value: String(v.sourceSystem ?? ''), error: e.sourceSystem ?? '' },
        types: { error: e.types ?? '', options: WEBHOOK_TYPES.map((type) => ({ value: type, label: typeLabel(lang, type), checked: (v.types as string[] | undefined)?.includes(type) })) },
        scope: { error: e.scope ?? '', options: bodies.map((b) => ({ value: b.id, label: b.name, selected: v.scope === b.id })) },
        formError: e._form ?? '',
        hasErrors: Object.keys(e).length > 0,
      },
    },
    status,
  );
}

export function webhooksPages(services: Services) {
  const admin = requireRole(services, ['admin']);
  const { subscriptions, dispatcher } = services.webhooks;
  const by = (req: Request) => ({ actorId: userOf(req)!.id, ip: req.ip });
  return (app: Application) => {
    app.get('/admin/webhooks', admin, (req, res) => webhooksPage(req, res, services));

    app.post('/admin/webhooks', admin, async (req, res) => {
      const lang = langFor(req, res);
      const b = (req.body ?? {}) as Record<string, unknown>;
      const values = { url: str(b.url), description: str(b.description), sourceSystem: str(b.sourceSystem), scope: str(b.scope), types: list(b.types) };
      const body: Record<string, unknown> = { url: values.url, types: values.types };
      if (values.description) body.description = values.description;
      if (values.sourceSystem) body.sourceSystem = values.sourceSystem;
      if (values.scope) body.scope = { bodyId: values.scope };
      try {
        const sub = await subscriptions.create(validateInput<NewSubscription>(newSubscriptionBody, body, 'body', false), by(req));
        // the secret is shown on this answer only (the page says the subscription was added)
        return webhooksPage(req, res, services, { secret: { id: sub.id, value: sub.secret } }, 201);
      } catch (err) {
        if (err instanceof ValidationFailed) return webhooksPage(req, res, services, { form: { values, errors: formErrors(err, lang, (f) => f.split('.')[0] || null) } }, 400);
        if (err instanceof DomainError && err.code === 'NOT_FOUND') return webhooksPage(req, res, services, { form: { values, errors: { scope: err.message } } }, 400);
        if (err instanceof DomainError && err.code === 'WEBHOOK_TARGET_NOT_ALLOWED') {
          return webhooksPage(req, res, services, { form: { values, errors: { url: tx(lang, 'targetNotAllowed') } } }, 422);
        }
        throw err;
      }
    });

    app.post('/admin/webhooks/:id/:action', admin, async (req, res) => {
      const lang = langFor(req, res);
      const id = String(req.params.id);
      const action = String(req.params.action);
      if (action === 'remove') {
        // a grave action: the form's confirmation box must be ticked (works without scripts)
        if ((req.body as Record<string, unknown> | undefined)?.confirm !== 'yes') return res.redirect(303, `/admin/webhooks#sub-${id}`);
        await subscriptions.remove(id, by(req));
        setFlash(res, { kind: 'ok', text: tx(lang, 'removed') });
        return res.redirect(303, '/admin/webhooks');
      }
      if (action === 'rotate') {
        const sub = await subscriptions.change(id, { rotateSecret: true }, by(req));
        return webhooksPage(req, res, services, { secret: { id: sub.id, value: sub.secret } });
      }
      if (action === 'pause' || action === 'resume') {
        await subscriptions.change(id, { active: action === 'resume' }, by(req));
        setFlash(res, { kind: 'ok', text: tx(lang, 'saved') });
        return res.redirect(303, `/admin/webhooks#sub-${id}`);
      }
      if (action === 'redeliver') {
        await dispatcher.redeliver(str((req.body as Record<string, unknown> | undefined)?.deliveryId), by(req));
        setFlash(res, { kind: 'ok', text: tx(lang, 'queued') });
        return res.redirect(303, `/admin/webhooks#sub-${id}`);
      }
      res.status(404);
      throw new DomainError('NOT_FOUND', 'no such action');
    });
  };
}
