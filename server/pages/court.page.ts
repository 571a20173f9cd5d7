// The court liaison's pages (诉调对接): the inbox at `/` — referrals to accept (with a 案号) or return,
// cases the court delegated (委派调解) still in mediation, judicial-confirmation requests to decide —
// with their forms inline, and /court/delegations to delegate a new case. The referral package is
// read on the case page, where everything about the case is in one place.
import type { Application, Request, Response } from 'express';
import type { Services } from '../services.ts';
import { caseScope } from '../policy.ts';
import type { CaseRecord } from '../store/port.ts';
import { caseRow } from './case-rows.ts';
import { base, langFor, render, requireRole, userOf } from './context.ts';
import { t, type Lang } from './i18n.ts';
import { courtFacts, type CourtFacts } from '../cases/court-facts.ts';
import { vocab } from './render.ts';
import { showIntakeForm, submitIntake } from './intake.page.ts';
import { listCases } from './workbench.page.ts';

/** the most recent handled cases listed on the inbox */
const HANDLED_SHOWN = 50;

/** The court's fields (server/cases/court-facts.ts) with their labels, for the inbox. */
function courtView(lang: Lang, f: CourtFacts) {
  const yuan = (n: number | null) => (n === null ? '' : `${n.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
  return {
    causeOfAction: f.causeOfAction,
    claimAmount: yuan(f.claimAmount),
    modeLabel: f.mode ? t(lang, f.mode === 'entrusted' ? 'mode_entrusted' : 'mode_delegated') : '',
    resultLabel: f.result ? t(lang, `court_result_${f.result}`) : '',
    closingLabel: f.closingMode ? t(lang, `closing_${f.closingMode}`) : '',
    agreementAmount: yuan(f.agreement?.amount ?? null),
    undisputed: f.undisputedFacts?.text ?? '',
  };
}

export async function courtInbox(req: Request, res: Response, services: Services): Promise<void> {
  const lang = langFor(req, res);
  const user = userOf(req)!;
  const org = services.directory;
  const { items } = await listCases(services, caseScope(user, org));
  const row = (r: CaseRecord) => {
    const ctx = r.snapshot.context;
    return {
      ...caseRow(lang, r, services, user),
      referral: ctx.referral && {
        at: ctx.referral.at,
        reason: ctx.referral.reason,
        fromBody: services.directory.body(ctx.referral.fromBodyId)?.name ?? '',
      },
      delegation: ctx.delegation,
      // the court's own 案号 beside ours (issue 12 §1), and for its delegations the mode
      courtRef: ctx.delegation?.courtRef ?? ctx.referral?.courtCaseNo ?? '',
      modeLabel: ctx.delegation ? t(lang, ctx.delegation.mode === 'entrusted' ? 'mode_entrusted' : 'mode_delegated') : '',
      confirmation: ctx.confirmation,
      court: courtView(lang, courtFacts(ctx, r.status, r.outcome ?? null)),
      bodyName: services.directory.body(r.bodyId)?.name ?? '',
    };
  };
  const referrals = items.filter((r) => r.status === 'referred_to_court').map(row);
  const confirmations = items.filter((r) => r.status === 'confirmation_pending' || r.status === 'submitted_to_court').map(row);
  const delegations = items
    .filter((r) => r.snapshot.context.delegation && !['referred_to_court', 'confirmation_pending', 'submitted_to_court', 'closed', 'declined'].includes(r.status))
    .map(row);
  // issue 14: what the court has dealt with stays in view — accepted (立案), returned, decided, closed
  const active = new Set([...referrals, ...confirmations, ...delegations].map((r) => r.id));
  const handled = items
    .filter((r) => !active.has(r.id))
    .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0))
    .slice(0, HANDLED_SHOWN)
    .map((r) => ({ ...row(r), outcomeLabel: r.outcome ? vocab(lang, 'outcome', r.outcome) : '' }));
  const page = base(req, res, t(lang, 'inbox_title'));
  render(res, 'court-inbox', {
    ...page,
    scripts: ['live-list.js'],
    socket: true,
    heading: page.title,
    referrals,
    confirmations,
    delegations,
    handled,
  });
}

export function courtPages(services: Services) {
  const court = requireRole(services, ['court_liaison', 'admin']);
  return (app: Application) => {
    app.get('/court', court, (_req, res) => res.redirect(303, '/'));
    app.get('/court/delegations', court, async (req, res) => showIntakeForm(req, res, services, services.directory, { mode: 'delegation' }));
    app.post('/court/delegations', court, (req, res) => submitIntake(req, res, services, 'delegation'));
  };
}
