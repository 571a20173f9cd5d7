// The court liaison's side of 诉调对接: the inbox (referrals to accept or return, confirmation
// requests to decide, delegated cases in progress) and court-delegated cases (委派调解).
import Joi from 'joi';
import type { Services } from '../services.ts';
import { rolesFor } from '../policy.ts';
import type { CaseRecord, UserRecord } from '../store/port.ts';
import { courtFacts, delegateFromCourt, type DelegationRequest } from '../cases/court.ts';
import { caseViewOf } from '../cases/presenter.ts';
import { documentMeta } from './documents.routes.ts';
import { delegationBody } from './schemas.ts';
import { defineRoute, type RouteDef } from './validate.ts';
import { ref } from './api-schemas.ts';
import { confirmationReminders } from '../../workflows/deadlines.ts';

type InboxGroup = 'referral' | 'confirmation' | 'delegation' | 'done';

/** Where a case stands in the court's queue: what the liaison must act on comes first. */
export function inboxGroup(record: CaseRecord): InboxGroup {
  const ctx = record.snapshot.context;
  if (record.status === 'referred_to_court') return 'referral';
  // 2026.3: an entrusted case's agreement waits for the court's review like a confirmation request
  if (record.status === 'confirmation_pending' || record.status === 'submitted_to_court') return 'confirmation';
  if (ctx.delegation && record.status !== 'closed' && record.status !== 'declined') return 'delegation';
  return 'done';
}
const GROUP_ORDER: Record<InboxGroup, number> = { referral: 0, confirmation: 1, delegation: 2, done: 3 };
const INBOX_SCAN_LIMIT = 5000;

export function courtRoutes(services: Services): RouteDef[] {
  const { store, directory } = services;
  // 法释〔2011〕5号: the court's own handling times while a confirmation is pending, as reminders
  const confirmationRemindersOf = (record: CaseRecord) => {
    const requestedAt = record.snapshot.context.confirmation?.requestedAt;
    return record.status === 'confirmation_pending' && requestedAt ? { reminders: confirmationReminders(services.settings.calendar(), requestedAt) } : {};
  };

  const courtsOf = (user: UserRecord): string[] =>
    user.role === 'court_liaison' ? (user.bodyId ? [user.bodyId] : []) : directory.allBodies().filter((b) => b.tier === 'court').map((b) => b.id);

  async function inbox(courtIds: string[]): Promise<CaseRecord[]> {
    const all: CaseRecord[] = [];
    for (const courtId of courtIds) {
      for (let page = 1; all.length < INBOX_SCAN_LIMIT; page++) {
        const { items } = await store.cases.list({ courtId, page, limit: 500 });
        all.push(...items);
        if (items.length < 500) break;
      }
    }
    return all.sort(
      (a, b) =>
        GROUP_ORDER[inboxGroup(a)] - GROUP_ORDER[inboxGroup(b)] ||
        (inboxGroup(a) === 'done' ? Date.parse(b.updatedAt) - Date.parse(a.updatedAt) : Date.parse(a.updatedAt) - Date.parse(b.updatedAt)),
    );
  }

  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/court/referrals',
        summary: "The court liaison's inbox: referrals and confirmation requests first, then delegated cases in progress",
        description:
          'Each item is the case (parties in full: the court is addressed) with `inbox` (referral | confirmation | delegation | done), `courtRef` (the court\'s own 案号, beside our `caseNo`; null before the court gave one), `mode` (delegated | entrusted for cases the court sent; null for referrals), `court` (the court\'s 案号, 案由, 标的额, mode, the mediation\'s result, 结案方式 司法确认 / 调解书 / 撤诉 / 自动履行, the agreement with its amounts, and the 无争议事实 on record), the events the liaison may send, and the referral package documents. Referrals and confirmation requests come first (longest waiting first), then delegated cases in progress, then finished ones (view=pending leaves those out). `pending` counts what is open.',
        tags: ['court'],
        auth: rolesFor('court:inbox'),
        query: Joi.object({
          view: Joi.string().valid('all', 'pending').default('all').description('all (default): pending first, then finished cases; pending: only what is open'),
          page: Joi.number().integer().min(1).max(10_000).default(1),
          limit: Joi.number().integer().min(1).max(100).default(20),
        }),
        responses: { 200: { description: 'the inbox', schema: ref('CourtInbox') } },
      },
      async ({ query, user }) => {
        const all = await inbox(courtsOf(user!));
        const pending = all.filter((r) => inboxGroup(r) !== 'done');
        const chosen = query.view === 'all' ? all : pending;
        const slice = chosen.slice((query.page - 1) * query.limit, query.page * query.limit);
        const items = await Promise.all(
          slice.map(async (record) => {
            const docs = await store.documents.list(record.id);
            const ctx = record.snapshot.context;
            return {
              inbox: inboxGroup(record),
              ...(await caseViewOf(services, record, user!)),
              // the court's own 案号 beside ours (caseNo), and how the court sent the case (issue 12 §1)
              courtRef: ctx.delegation?.courtRef ?? ctx.referral?.courtCaseNo ?? null,
              mode: ctx.delegation?.mode ?? null,
              // issue 16 §4: the court's 案号, 案由, 标的额, mode, result, 结案方式, the agreement, the facts not in dispute
              court: courtFacts(ctx, record.status, record.outcome ?? null),
              documents: docs.filter((d) => ['court_referral', 'confirmation_application', 'agreement', 'dossier'].includes(d.kind)).map(documentMeta),
              ...confirmationRemindersOf(record),
            };
          }),
        );
        return { items, total: chosen.length, pending: pending.length, page: query.page, limit: query.limit };
      },
    ),

    defineRoute<DelegationRequest>(
      {
        method: 'post',
        path: '/api/court/delegations',
        summary: 'A court-delegated (委派) or entrusted (委托) case: intake fields plus courtRef, mode, procedure, causeOfAction, claimAmount, dueAt',
        description:
          "Registered with channel court_delegation at the district committee, which docks with the court. `mode`: delegated (委派, before the court registers the case; default) or entrusted (委托, after; then `procedure` ordinary|summary is required, and it is refused otherwise). The court's `dueAt` is the case's deadline; without one the limit of the mode runs from registration: delegated 30 days, entrusted 15 days (ordinary) or 7 (summary) — the settings' limits. `courtRef` is the court's own 案号; `causeOfAction` (案由) and `claimAmount` (标的额, yuan) are recorded on the case's `delegation`. A liaison delegates cases in their court's district only (else 422 OUT_OF_JURISDICTION).",
        tags: ['court'],
        auth: rolesFor('court:delegate'),
        body: delegationBody,
        status: 201,
        responses: {
          201: { description: 'registered', schema: ref('CaseCreated') },
          422: { description: 'OUT_OF_JURISDICTION: outside the court\'s district' },
        },
      },
      async ({ body, user, req }) => {
        const { record, accessCode } = await delegateFromCourt(services, user!, body, { clientIp: req.ip ?? null });
        return { case: await caseViewOf(services, record, user!, { personalData: true }), accessCode };
      },
    ),
  ];
}
