// `/`: the start page of the signed-in role. A mediator's workbench (my cases, my body's queue, the
// whole jurisdiction) sorted and coloured by deadline warning, with filters, search and counts; the
// court liaison's inbox; an expert's invited cases; for administrators every case.
import type { Application, Request, Response } from 'express';
import { CATEGORIES, STATUSES, TIERS } from '../../workflows/vocabulary.ts';
import type { Services } from '../services.ts';
import { caseScope, readsAsFormerHolder } from '../policy.ts';
import type { Org } from '../org.ts';
import type { CaseFilter, CaseRecord, UserRecord } from '../store/port.ts';
import { byUrgency, caseRow, warningCounts } from './case-rows.ts';
import { base, langFor, render, requireRole, userOf } from './context.ts';
import { courtInbox } from './court.page.ts';
import { t, type Lang } from './i18n.ts';
import { vocab } from './render.ts';

const PAGE_SIZE = 50;
/** lists are sorted by urgency in memory: a queue longer than this is cut (and says so) */
const LIST_CAP = 2000;
const WARNINGS = ['red', 'orange', 'yellow', 'blue', 'none'] as const;

type Scope = 'mine' | 'body' | 'all' | 'escalated';
/** issue 14: closed and declined cases leave the active queue (a status filter still finds them) */
const FINISHED = new Set(['closed', 'declined']);

interface Filters {
  status?: string;
  tier?: string;
  category?: string;
  compoundId?: string;
  warning?: string;
  q?: string;
}

const pick = (v: unknown, allowed: readonly string[]) => (typeof v === 'string' && allowed.includes(v) ? v : undefined);

function filtersOf(req: Request, compoundIds: readonly string[]): Filters {
  const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 100) : '';
  return {
    status: pick(req.query.status, STATUSES),
    tier: pick(req.query.tier, TIERS),
    category: pick(req.query.category, CATEGORIES),
    compoundId: pick(req.query.compoundId, compoundIds),
    warning: pick(req.query.warning, WARNINGS),
    q: q || undefined,
  };
}

/** The compounds a user may filter by: those below their body's unit (all for administrators). */
export function compoundsFor(user: UserRecord, org: Org, services: Services): Array<{ id: string; name: string; group: string }> {
  const body = user.bodyId ? services.directory.body(user.bodyId) : undefined;
  const all = org.allUnits().filter((u) => u.kind === 'compound');
  const mine = user.role === 'admin' || !body ? all : all.filter((u) => org.isUnder(u.id, body.orgUnitId));
  return mine
    .map((u) => ({ id: u.id, name: u.name, group: (u.parentId && org.unit(u.parentId)?.name) || '' }))
    .sort((a, b) => (a.group + a.name).localeCompare(b.group + b.name, 'zh-CN'));
}

export async function listCases(services: Services, filter: Omit<CaseFilter, 'page' | 'limit'>): Promise<{ items: CaseRecord[]; total: number }> {
  const { items, total } = await services.store.cases.list({ ...filter, page: 1, limit: LIST_CAP } as CaseFilter);
  return { items: [...items].sort(byUrgency), total };
}

const option = (lang: Lang, kind: string, codes: readonly string[], selected?: string) =>
  codes.map((code) => ({ value: code, label: vocab(lang, kind, code), selected: code === selected }));

async function workbench(req: Request, res: Response, services: Services): Promise<void> {
  const lang = langFor(req, res);
  const user = userOf(req)!;
  const org = services.directory;
  const compounds = compoundsFor(user, org, services);
  const filters = filtersOf(req, compounds.map((c) => c.id));
  const jurisdiction = caseScope(user, org);
  const isMediator = user.role === 'mediator';
  const escalated = isMediator ? await escalatedAway(services, user, org, filters) : [];
  const scopes: Scope[] = isMediator ? (jurisdiction.bodyIds && jurisdiction.bodyIds.length > 1 ? ['mine', 'body', 'all'] : ['mine', 'body']) : ['all'];
  if (escalated.length) scopes.push('escalated');
  const scope: Scope = (pick(req.query.scope, scopes) as Scope | undefined) ?? (isMediator ? 'body' : 'all');

  const query = { ...filters } as Omit<CaseFilter, 'page' | 'limit'>;
  const listed = await listCases(services, { ...jurisdiction, ...query });
  const wide = filters.status ? listed : { ...listed, items: listed.items.filter((r) => !FINISHED.has(r.status)) };
  const mine = wide.items.filter((r) => r.assignees.includes(user.id));
  const ofBody = isMediator ? wide.items.filter((r) => r.bodyId === user.bodyId) : wide.items;
  const chosen = scope === 'mine' ? mine : scope === 'body' ? ofBody : scope === 'escalated' ? escalated : wide.items;

  const pages = Math.max(1, Math.ceil(chosen.length / PAGE_SIZE));
  const page = Math.min(pages, Math.max(1, Number.parseInt(String(req.query.page ?? '1'), 10) || 1));
  const rows = chosen.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map((r) => caseRow(lang, r, services, user));

  const keep = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filters, scope })) if (v) keep.set(k, String(v));
  const hrefWith = (patch: Record<string, string>) => {
    const p = new URLSearchParams(keep);
    for (const [k, v] of Object.entries(patch)) p.set(k, v);
    return `/?${p.toString()}`;
  };
  const counts: Record<Scope, number> = { mine: mine.length, body: ofBody.length, all: wide.items.length, escalated: escalated.length };

  const page$ = base(req, res, t(lang, isMediator ? 'workbench_title' : 'admin_workbench_title'));
  render(res, 'workbench', {
    ...page$,
    scripts: ['live-list.js'],
    socket: true,
    heading: page$.title,
    tabs: scopes.map((s) => ({ scope: s, label: t(lang, `scope_${s}`), count: counts[s], current: s === scope, href: hrefWith({ scope: s, page: '1' }) })),
    scope,
    escalatedHint: scope === 'escalated' ? t(lang, 'escalated_list_hint') : '',
    filters,
    statusOptions: option(lang, 'status', STATUSES, filters.status),
    tierOptions: option(lang, 'tier', TIERS, filters.tier),
    categoryOptions: option(lang, 'category', CATEGORIES, filters.category),
    warningOptions: WARNINGS.map((w) => ({ value: w, label: t(lang, `warn_${w}`), selected: w === filters.warning })),
    compoundOptions: compounds.map((c) => ({ value: c.id, label: c.group ? `${c.group} · ${c.name}` : c.name, selected: c.id === filters.compoundId })),
    counts: warningCounts(lang, chosen),
    total: chosen.length,
    totalText: t(lang, 'count_total', { n: chosen.length }),
    truncated: wide.total > LIST_CAP,
    rows,
    pager: pages > 1 ? {
      text: t(lang, 'page_of', { page, pages }),
      prev: page > 1 ? hrefWith({ page: String(page - 1) }) : null,
      next: page < pages ? hrefWith({ page: String(page + 1) }) : null,
    } : null,
  });
}

/** The "已上报" list: cases this mediator's body escalated or transferred to a body above it, which it
 * keeps reading (server/policy.ts readsAsFormerHolder). */
async function escalatedAway(services: Services, user: UserRecord, org: Org, filters: Filters): Promise<CaseRecord[]> {
  const mine = user.bodyId ? org.body(user.bodyId) : undefined;
  if (!mine) return [];
  const above = org.allBodies().filter((b) => b.tier !== 'court' && b.id !== mine.id && org.isUnder(mine.orgUnitId, b.orgUnitId)).map((b) => b.id);
  if (!above.length) return [];
  const { items } = await listCases(services, { bodyIds: above, ...filters } as Omit<CaseFilter, 'page' | 'limit'>);
  return items.filter((r) => readsAsFormerHolder(user, r, org));
}

async function expertCases(req: Request, res: Response, services: Services): Promise<void> {
  const lang = langFor(req, res);
  const user = userOf(req)!;
  const org = services.directory;
  const { items } = await listCases(services, caseScope(user, org));
  const page = base(req, res, t(lang, 'expert_title'));
  render(res, 'expert', { ...page, heading: page.title, rows: items.map((r) => caseRow(lang, r, services, user)) });
}

export function workbenchPages(services: Services) {
  return (app: Application) => {
    app.get('/', requireRole(services), async (req, res) => {
      const role = userOf(req)!.role;
      if (role === 'court_liaison') return courtInbox(req, res, services);
      if (role === 'expert') return expertCases(req, res, services);
      return workbench(req, res, services);
    });
  };
}

