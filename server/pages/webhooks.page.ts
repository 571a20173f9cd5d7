// /admin/webhooks: the webhook subscriptions of the systems around the committee (12345, the grid,
// the court's platform, district systems) — add one, pause or resume it, make a new secret, remove
// it, read its delivery log and send a delivery again. Every change goes through the one place that
// makes it for the API too (server/webhooks/), validated with the API's own schema, and is audited.
import type { Application, Request, Response } from 'express';
import { DomainError, ValidationFailed } from '../engine/errors.ts';
import type { Services } from '../services.ts';
import { validateInput } from '../validation.ts';
import { WEBHOOK_TYPES, newSubscriptionBody, viewOf, type NewSubscription, type WebhookType } from '../webhooks/subscriptions.ts';
import { base, langFor, render, requireRole, setFlash, userOf } from './context.ts';
import { formErrors } from './forms.ts';
import type { Lang } from './i18n.ts';

type Text = { zh: string; en: string };
const TEXT = {
  title: { zh: '数据推送（Webhook）', en: 'Webhooks' },
  intro: {
    zh: '向12345热线、网格平台、法院平台等系统推送案件状态。每条消息按 Standard Webhooks 规范签名；失败按指数退避重试；同一案件按顺序送达。推送内容不含当事人个人信息。',
    en: 'Case updates sent to the 12345 hotline, the grid platform, the court and district systems. Every message is signed (Standard Webhooks), retried with exponential backoff on failure, and delivered in order per case. No personal data is sent.',
  },
  subscriptions: { zh: '订阅', en: 'Subscriptions' },
  none: { zh: '暂无订阅。', en: 'No subscriptions yet.' },
  add: { zh: '新增订阅', en: 'Add a subscription' },
  url: { zh: '接收地址（URL）', en: 'Receiver URL' },
  description: { zh: '说明', en: 'Description' },
  types: { zh: '推送的消息', en: 'Messages' },
  scope: { zh: '范围', en: 'Scope' },
  scopeAll: { zh: '全部案件', en: 'Every case' },
  sourceSystem: { zh: '仅限来源系统（如 12345）', en: 'Only cases from source system (e.g. 12345)' },
  sourceHint: { zh: '填写后只推送该系统转来的案件（办结反馈）。', en: 'When set, only cases that system sent (its closing reports).' },
  active: { zh: '启用', en: 'Active' },
  paused: { zh: '已暂停', en: 'Paused' },
  pause: { zh: '暂停', en: 'Pause' },
  resume: { zh: '恢复', en: 'Resume' },
  rotate: { zh: '更换密钥', en: 'New secret' },
  remove: { zh: '删除', en: 'Remove' },
  removeConfirm: { zh: '删除后，尚未送达的推送将不再发送。确定删除？', en: 'Queued deliveries will not be sent. Remove?' },
  secret: { zh: '签名密钥（只显示这一次，请立即复制到接收系统）', en: 'Signing secret (shown only now: copy it to the receiving system)' },
  log: { zh: '推送记录', en: 'Delivery log' },
  noLog: { zh: '暂无推送。', en: 'Nothing sent yet.' },
  at: { zh: '时间', en: 'Time' },
  type: { zh: '消息', en: 'Message' },
  attempt: { zh: '第几次', en: 'Attempt' },
  outcome: { zh: '结果', en: 'Outcome' },
  redeliver: { zh: '重新推送', en: 'Send again' },
  created: { zh: '订阅已新增。', en: 'Subscription added.' },
  saved: { zh: '已保存。', en: 'Saved.' },
  removed: { zh: '订阅已删除。', en: 'Subscription removed.' },
  queued: { zh: '已重新排队推送。', en: 'Queued to be sent again.' },
  back: { zh: '返回系统管理', en: 'Back to administration' },
  targetNotAllowed: {
    zh: '该地址指向本机、内网或保留地址，不允许推送（如确需推送到内网接收系统，请由运维设置 WEBHOOK_ALLOW_PRIVATE=true）。',
    en: 'This address is (or resolves to) a loopback, private or reserved address: not allowed (operators may set WEBHOOK_ALLOW_PRIVATE=true for a receiver on the internal network).',
  },
} satisfies Record<string, Text>;

const TYPE_LABELS: Record<WebhookType, Text> = {
  'case.event': { zh: '案件的每一项操作', en: 'Every event of a case' },
  'case.status_changed': { zh: '案件状态变化', en: 'Status changes' },
  'case.referred_to_court': { zh: '移送/退回法院', en: 'Referred or returned to the court' },
  'case.confirmation_result': { zh: '司法确认结果', en: 'Judicial confirmation results' },
  'case.closed': { zh: '办结反馈（结案、不予受理）', en: 'Closing report (closed or declined)' },
};
/** a warning colour (with its word) only where something needs attention */
const OUTCOME_LABELS: Record<string, Text & { tone: string }> = {
  delivered: { zh: '已送达', en: 'Delivered', tone: '' },
  failed: { zh: '失败，待重试', en: 'Failed, will retry', tone: 'orange' },
  gave_up: { zh: '已放弃', en: 'Given up', tone: 'red' },
  dropped: { zh: '未发送（订阅已暂停或删除）', en: 'Not sent (subscription paused or removed)', tone: '' },
};

const str = (v: unknown) => (typeof v === 'string' ? v.trim().slice(0, 2000) : '');
const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : []);
const tx = (lang: Lang, k: keyof typeof TEXT) => TEXT[k][lang];

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
        typeLabels: s.types.map((t) => TYPE_LABELS[t][lang]).join('、'),
        scopeLabel: s.scope?.bodyId ? (services.directory.body(s.scope.bodyId)?.name ?? s.scope.bodyId) : s.scope?.orgUnitId ? (services.directory.unit(s.scope.orgUnitId)?.name ?? s.scope.orgUnitId) : tx(lang, 'scopeAll'),
        secret: state.secret?.id === s.id ? state.secret.value : '',
        log: log.map((a) => ({
          ...a,
          outcomeLabel: OUTCOME_LABELS[a.outcome]?.[lang] ?? a.outcome,
          tone: OUTCOME_LABELS[a.outcome]?.tone ?? '',
          typeLabel: TYPE_LABELS[a.type as WebhookType]?.[lang] ?? a.type,
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
      tx: Object.fromEntries(Object.keys(TEXT).map((k) => [k, tx(lang, k as keyof typeof TEXT)])),
      items,
      form: {
        url: { value: String(v.url ?? ''), error: e.url ?? '' },
        description: { value: String(v.description ?? ''), error: e.description ?? '' },
        sourceSystem: { value: String(v.sourceSystem ?? ''), error: e.sourceSystem ?? '' },
        types: { error: e.types ?? '', options: WEBHOOK_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t][lang], checked: (v.types as string[] | undefined)?.includes(t) })) },
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
