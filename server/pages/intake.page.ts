// /intake: registering a dispute (登记) with a plain form — channel, compound (from the organisation
// tree), category, parties (as many as needed: "add a party" works without JavaScript too), summary,
// households involved, claims. On success the access code is shown once, on a printable slip.
// A form carries a one-time nonce, so submitting it twice registers one case (server/idempotency.ts,
// as the API's Idempotency-Key). Registering is the use case the API calls too (server/cases/).
import { TRANSFER_SOURCES } from '../oversight/codes.ts';
import { randomBytes } from 'node:crypto';
import type { Application, Request, Response } from 'express';
import { OutOfJurisdiction, ValidationFailed } from '../engine/errors.ts';
import { delegateFromCourt, readDelegation } from '../cases/court.ts';
import { readIntake, registerCase, type Registered } from '../cases/register.ts';
import { claimKey, keepOptions } from '../idempotency.ts';
import type { Services } from '../services.ts';
import { canReadCase } from '../policy.ts';
import type { Org } from '../org.ts';
import { CATEGORIES, CAUSE_OF_ACTION_LABELS, CHANNELS, type Category, type Channel } from '../../workflows/vocabulary.ts';
import { route, type RoutingRules } from '../../workflows/routing.ts';
import { formErrors } from './forms.ts';
import { base, langFor, render, requireRole, setFlash, userOf } from './context.ts';
import type { FieldErrors } from './event-forms.ts';
import { t, type Lang } from './i18n.ts';
import { vocab } from './render.ts';
import { slipModel } from './slip.ts';

export const MAX_PARTIES = 30;
const ROLES = ['applicant', 'respondent'] as const;
const KINDS = ['person', 'organisation', 'group'] as const;
const ORG_TYPES = ['property_company', 'owners_committee', 'other'] as const;
const PARTY_FIELDS = [
  'role', 'kind', 'name', 'phone', 'idNumber', 'address', 'representative', 'households', 'orgType',
  // 2026.3 (issue 12 §2): the agent (委托代理人), a group's households and how its representative was chosen
  'agentName', 'agentPhone', 'agentAuthority', 'agentScope', 'householdList', 'representativeChosenBy',
] as const;
const AGENT_FIELDS = { agentName: 'name', agentPhone: 'phone', agentAuthority: 'authority', agentScope: 'scope' } as const;
const AUTHORITIES = ['general', 'special'] as const;

/** "王五 3号楼101室" a line → {name, address}: the name up to the first space (or comma), the rest its address or unit. */
export function householdsFromText(text: string): Array<{ name: string; address?: string }> {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^(\S+?)[\s,，、]+(.+)$/.exec(l);
      return m ? { name: m[1], address: m[2].trim() } : { name: l };
    });
}
/** a party card with nothing typed but its role and kind is left out, not an error */
const TYPED_FIELDS = PARTY_FIELDS.filter((f) => f !== 'role' && f !== 'kind');

type Values = Record<string, string>;

const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 4000) : Array.isArray(v) ? String(v[v.length - 1] ?? '').slice(0, 4000) : '');

function partyCountOf(body: Record<string, unknown>): number {
  const n = Number.parseInt(str(body.partyCount), 10);
  return Number.isSafeInteger(n) ? Math.min(MAX_PARTIES, Math.max(2, n)) : 2;
}

/** The form's strings → the intake request (empty optional fields left out). */
export function intakeFromForm(body: Record<string, unknown>, count: number): { request: Record<string, unknown>; values: Values; cardOf: number[] } {
  const values: Values = {};
  for (const k of ['channel', 'compoundId', 'category', 'summary', 'householdsInvolved', 'claims', 'disputedAmount', 'escalationRisk', 'transferredFrom']) values[k] = str(body[k]);
  const parties: Array<Record<string, unknown>> = [];
  const cardOf: number[] = []; // parties[k] came from card cardOf[k]
  for (let i = 0; i < count; i++) {
    const p: Record<string, unknown> = {};
    for (const f of PARTY_FIELDS) {
      const v = str(body[`p${i}.${f}`]).trim();
      values[`p${i}.${f}`] = v;
      if (v === '') continue;
      p[f] = f === 'households' && /^\d+$/.test(v) ? Number(v) : v;
    }
    if (p.kind !== 'organisation') delete p.orgType;
    if (p.kind !== 'group') delete p.households;
    // the agent's fields become one object; the household list one entry a line (group parties only)
    const agent: Record<string, unknown> = {};
    for (const [f, key] of Object.entries(AGENT_FIELDS)) {
      if (p[f] !== undefined) agent[key] = p[f];
      delete p[f];
    }
    if (Object.keys(agent).length) p.agent = agent;
    if (typeof p.householdList === 'string') p.householdList = householdsFromText(p.householdList);
    if (p.kind !== 'group') {
      delete p.householdList;
      delete p.representativeChosenBy;
    }
    if (!TYPED_FIELDS.some((f) => values[`p${i}.${f}`])) continue;
    parties.push(p);
    cardOf.push(i);
  }
  const request: Record<string, unknown> = {
    channel: values.channel.trim() || undefined,
    compoundId: values.compoundId.trim() || undefined,
    category: values.category.trim() || undefined,
    summary: values.summary.trim() || undefined,
    parties,
  };
  if (values.householdsInvolved.trim()) request.householdsInvolved = /^\d+$/.test(values.householdsInvolved.trim()) ? Number(values.householdsInvolved.trim()) : values.householdsInvolved;
  // issue 14: 争议金额 and 激化风险, which the API took and the form did not (routing: workflows/routing.ts)
  const amount = values.disputedAmount.trim();
  if (amount) request.disputedAmount = /^-?\d+(\.\d+)?$/.test(amount) ? Number(amount) : amount;
  if (values.escalationRisk.trim()) request.escalationRisk = true;
  // issue 16 §4 (受理方式): which department sent a transferred case; meaningless for other channels
  if (values.transferredFrom.trim() && request.channel === 'department_transfer') request.transferredFrom = values.transferredFrom.trim();
  const claims = values.claims.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (claims.length) request.claims = claims;
  for (const k of Object.keys(request)) if (request[k] === undefined) delete request[k];
  return { request, values, cardOf };
}

/** The compounds, grouped by community, that this user may register cases for (their body's area;
 * administrators: all) — the API refuses others with OUT_OF_JURISDICTION. */
export function compoundGroups(org: Org, area: string | null) {
  const groups: Array<{ label: string; options: Array<{ value: string; label: string }> }> = [];
  for (const sub of org.allUnits().filter((u) => u.kind === 'subdistrict').sort((a, b) => a.order - b.order)) {
    for (const com of org.children(sub.id).filter((u) => u.kind === 'community')) {
      const options = org
        .children(com.id)
        .filter((u) => u.kind === 'compound' && (area === null || org.isUnder(u.id, area)))
        .map((k) => ({ value: k.id, label: k.name }));
      if (options.length) groups.push({ label: `${sub.name} · ${com.name}`, options });
    }
  }
  return groups;
}

export function partyViews(lang: Lang, count: number, values: Values, errors: FieldErrors) {
  return Array.from({ length: count }, (_, i) => {
    const v = (f: string) => values[`p${i}.${f}`] ?? '';
    const role = v('role') || (i === 0 ? 'applicant' : i === 1 ? 'respondent' : '');
    const kind = v('kind') || 'person';
    const field = (f: string) => ({ name: `p${i}.${f}`, id: `p${i}-${f}`, value: v(f), error: errors[`p${i}.${f}`] ?? '' });
    return {
      index: i,
      title: t(lang, 'party_n', { n: i + 1 }),
      removable: count > 2,
      roleOptions: ROLES.map((r) => ({ value: r, label: t(lang, r), selected: r === role })),
      kindOptions: KINDS.map((k) => ({ value: k, label: t(lang, `kind_${k}`), selected: k === kind })),
      orgTypeOptions: ORG_TYPES.map((o) => ({ value: o, label: t(lang, `org_${o}`), selected: o === v('orgType') })),
      authorityOptions: AUTHORITIES.map((a) => ({ value: a, label: t(lang, `authority_${a}`), selected: a === v('agentAuthority') })),
      role: field('role'),
      kind: field('kind'),
      name: field('name'),
      phone: field('phone'),
      idNumber: field('idNumber'),
      address: field('address'),
      representative: field('representative'),
      households: field('households'),
      orgType: field('orgType'),
      agentName: field('agentName'),
      agentPhone: field('agentPhone'),
      agentAuthority: field('agentAuthority'),
      agentScope: field('agentScope'),
      householdList: field('householdList'),
      representativeChosenBy: field('representativeChosenBy'),
    };
  });
}

export type IntakeMode = 'intake' | 'delegation';

function areaOf(req: Request, services: Services): string | null {
  const user = userOf(req)!;
  if (user.role === 'admin') return null;
  return (user.bodyId && services.directory.body(user.bodyId)?.orgUnitId) || '-';
}

export function showIntakeForm(
  req: Request,
  res: Response,
  services: Services,
  org: Org,
  opts: { mode?: IntakeMode; values?: Values; errors?: FieldErrors; count?: number; nonce?: string; status?: number } = {},
) {
  const lang = langFor(req, res);
  const mode = opts.mode ?? 'intake';
  const values = opts.values ?? {};
  const errors = opts.errors ?? {};
  const count = opts.count ?? 2;
  const page = base(req, res, t(lang, mode === 'delegation' ? 'delegate_title' : 'intake_title'));
  const rules = services.settings.routing;
  render(
    res,
    'intake',
    {
      ...page,
      scripts: ['intake.js'],
      heading: page.title,
      intro: t(lang, mode === 'delegation' ? 'delegate_intro' : 'intake_intro'),
      action: mode === 'delegation' ? '/court/delegations' : '/intake',
      delegation: mode === 'delegation',
      modeOptions: (['delegated', 'entrusted'] as const).map((m) => ({ value: m, label: t(lang, `mode_${m}`), selected: m === (values.mode || 'delegated') })),
      procedureOptions: (['ordinary', 'summary'] as const).map((p) => ({ value: p, label: t(lang, `procedure_${p}`), selected: p === values.procedure })),
      causeOptions: [...new Set(Object.values(CAUSE_OF_ACTION_LABELS).map((l) => l.zh))],
      nonce: opts.nonce ?? randomBytes(16).toString('base64url'),
      values,
      errors,
      hasErrors: Object.keys(errors).length > 0,
      errorSummary: intakeErrorSummary(lang, errors),
      majorAmount: rules.majorAmount,
      majorHouseholds: rules.majorHouseholds,
      majorCategories: rules.majorCategories.join(' '),
      amountHint: t(lang, 'disputed_amount_hint', { n: rules.majorAmount }),
      routesToDistrict: mode === 'intake' && routesToDistrict(values, rules),
      partyCount: count,
      maxParties: MAX_PARTIES,
      parties: partyViews(lang, count, values, errors),
      channelOptions: CHANNELS.filter((c) => c !== 'court_delegation').map((c) => ({ value: c, label: vocab(lang, 'channel', c), selected: c === (values.channel || 'walk_in') })),
      transferOptions: [{ value: '', label: t(lang, 'transferred_from_none'), selected: !values.transferredFrom }].concat(
        TRANSFER_SOURCES.map((v) => ({ value: v, label: t(lang, `transferred_from_${v}`), selected: v === values.transferredFrom })),
      ),
      categoryOptions: CATEGORIES.map((c) => ({ value: c, label: vocab(lang, 'category', c), selected: c === values.category })),
      compoundGroups: compoundGroups(org, areaOf(req, services)).map((g) => ({ ...g, options: g.options.map((o) => ({ ...o, selected: o.value === values.compoundId })) })),
    },
    opts.status ?? 200,
  );
}

/** Would these entries send the case to the district committee (重大纠纷)? As workflows/routing.ts decides. */
function routesToDistrict(values: Values, rules: RoutingRules): boolean {
  const category = values.category as Category;
  if (!category || !values.channel) return false;
  const n = (v: string | undefined) => (v && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v.trim()) : undefined);
  const households = n(values.householdsInvolved) ?? 0;
  return route({ channel: values.channel as Channel, category, householdsInvolved: households, disputedAmount: n(values.disputedAmount), escalationRisk: Boolean(values.escalationRisk) }, rules).tier === 'district';
}

/** The labels of the intake form's own fields, for the error summary. */
const INTAKE_LABELS: Record<string, string> = {
  channel: 'channel', compoundId: 'compound', category: 'category', summary: 'summary', claims: 'claims',
  householdsInvolved: 'households_involved', disputedAmount: 'disputed_amount', escalationRisk: 'escalation_risk', transferredFrom: 'transferred_from',
  courtRef: 'court_ref', dueAt: 'court_due', mode: 'delegation_mode', procedure: 'delegation_procedure', causeOfAction: 'cause_of_action', claimAmount: 'claim_amount', parties: 'parties',
};
const PARTY_LABELS: Record<string, string> = { role: 'party_role', kind: 'party_kind', name: 'name', phone: 'phone', idNumber: 'id_number', address: 'address', representative: 'representative', households: 'households', orgType: 'org_type' };

/** A GOV.UK-style error summary: each problem names its field and links to it. */
function intakeErrorSummary(lang: Lang, errors: FieldErrors): Array<{ href: string; text: string }> {
  return Object.entries(errors)
    .filter(([name]) => name !== '_form')
    .map(([name, text]) => {
      const party = /^p(\d+)\.(\w+)$/.exec(name);
      if (party) return { href: `#p${party[1]}-${party[2]}`, text: `${t(lang, 'party_n', { n: Number(party[1]) + 1 })} · ${t(lang, PARTY_LABELS[party[2]] ?? party[2])}：${text}` };
      return { href: `#${name}`, text: `${t(lang, INTAKE_LABELS[name] ?? name)}：${text}` };
    });
}

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;

/** The court's fields of the delegation form (POST /api/court/delegations). */
const DELEGATION_FIELDS = ['courtRef', 'dueAt', 'mode', 'procedure', 'causeOfAction', 'claimAmount'] as const;

/**
 * POST of the intake form (and of the court's delegation form, mode 'delegation'): "add/remove a
 * party" redisplays it; otherwise validate, register through the engine, and show the slip with the
 * access code (once).
 */
export async function submitIntake(req: Request, res: Response, services: Services, mode: IntakeMode): Promise<void> {
  const lang = langFor(req, res);
  const user = userOf(req)!;
  const org = services.directory;
  const body = (req.body ?? {}) as Record<string, unknown>;
  let count = partyCountOf(body);
  const nonce = NONCE.test(str(body.nonce)) ? str(body.nonce) : randomBytes(16).toString('base64url');
  const op = str(body.op);

  // "add a party" / "remove" without JavaScript: the same form again, one party more or less
  if (op === 'add-party' || op.startsWith('remove-party-')) {
    const { values } = intakeFromForm(body, count);
    for (const k of DELEGATION_FIELDS) values[k] = str(body[k]);
    if (op === 'add-party') count = Math.min(MAX_PARTIES, count + 1);
    else {
      const gone = Number.parseInt(op.slice('remove-party-'.length), 10);
      if (Number.isSafeInteger(gone) && gone >= 0 && gone < count && count > 2) {
        for (let i = gone; i < count - 1; i++) for (const f of PARTY_FIELDS) values[`p${i}.${f}`] = values[`p${i + 1}.${f}`] ?? '';
        for (const f of PARTY_FIELDS) delete values[`p${count - 1}.${f}`];
        count -= 1;
      }
    }
    return showIntakeForm(req, res, services, org, { mode, values, count, nonce });
  }

  // the form's nonce is its idempotency key: a second submission of the same form shows the case
  const claim = await claimKey(services.store, `${user.id}:page-${mode}:${nonce}`, `page-${mode}`, undefined, keepOptions(services.config));
  try {
    if (claim.replay) {
      setFlash(res, { kind: 'info', text: t(lang, 'already_registered') });
      const caseId = (claim.replay.body as { caseId?: string } | null)?.caseId;
      return res.redirect(303, caseId ? `/cases/${caseId}` : '/');
    }
    const registered = await register(req, res, services, org, { mode, body, count, nonce });
    if (!registered) return;
    await claim.keep(201, { caseId: registered.record.id });
    await showSlip(req, res, services, org, mode, registered);
  } finally {
    claim.release();
  }
}

/** Validates the form as the API validates its body and registers the case through the use case
 * (the compound in the user's area, routing); shows the form again with what is wrong, or the slip. */
async function register(
  req: Request,
  res: Response,
  services: Services,
  org: Org,
  opts: { mode: IntakeMode; body: Record<string, unknown>; count: number; nonce: string },
): Promise<Registered | null> {
  const { mode, body, count, nonce } = opts;
  const lang = langFor(req, res);
  const user = userOf(req)!;
  const { request, values, cardOf } = intakeFromForm(body, count);
  if (mode === 'delegation') {
    for (const k of DELEGATION_FIELDS) values[k] = str(body[k]).trim();
    delete request.channel;
    // what is filled in goes to the API's schema as typed (claimAmount as a number): it says what is wrong
    for (const k of DELEGATION_FIELDS) {
      if (!values[k]) continue;
      request[k] = k === 'claimAmount' && /^\d+(\.\d+)?$/.test(values[k]) ? Number(values[k]) : values[k];
    }
  }
  const rename = (field: string): string | null => {
    const m = /^parties\.(\d+)\.(\w+)(?:\.(\w+))?/.exec(field);
    // parties.0.agent.phone → the card's agentPhone field
    const sub = m?.[2] === 'agent' && m[3] ? `agent${m[3][0].toUpperCase()}${m[3].slice(1)}` : m?.[2];
    if (m) return `p${cardOf[Number(m[1])] ?? m[1]}.${sub}`;
    const head = field.split('.')[0];
    return head === 'body' ? null : head;
  };
  const meta = { clientIp: req.ip ?? null };
  let result: Registered;
  try {
    result =
      mode === 'delegation'
        ? await delegateFromCourt(services, user, readDelegation(request), meta)
        : await registerCase(services, user, readIntake(request), meta);
  } catch (err) {
    let errors: FieldErrors | null = null;
    if (err instanceof ValidationFailed) errors = formErrors(err, lang, rename);
    else if (err instanceof OutOfJurisdiction) errors = { compoundId: t(lang, 'v_out_of_area') };
    if (!errors) throw err;
    if (errors.dueAt && values.dueAt && /^\d{4}-\d{2}-\d{2}$/.test(values.dueAt)) errors.dueAt = t(lang, 'v_past');
    showIntakeForm(req, res, services, org, { mode, values, errors, count, nonce, status: 400 });
    return null;
  }
  return result;
}

/** The registration slip: the access code, shown this once, printable (server/pages/slip.ts). */
async function showSlip(req: Request, res: Response, services: Services, org: Org, mode: IntakeMode, { record, accessCode }: Registered): Promise<void> {
  const lang = langFor(req, res);
  const user = userOf(req)!;
  const page = base(req, res, t(lang, 'registered_title'));
  render(res, 'intake-done', {
    ...page,
    scripts: ['print.js'],
    heading: page.title,
    ...(await slipModel(req, services, lang, record, accessCode)),
    canOpen: canReadCase(user, record, org),
    again: mode === 'delegation' ? '/court/delegations' : '/intake',
    againLabel: t(lang, mode === 'delegation' ? 'delegate_title' : 'intake_title'),
  }, 201);
}

export function intakePages(services: Services) {
  const mayIntake = requireRole(services, ['admin', 'mediator']);
  return (app: Application) => {
    app.get('/intake', mayIntake, async (req, res) => showIntakeForm(req, res, services, services.directory));
    app.post('/intake', mayIntake, (req, res) => submitIntake(req, res, services, 'intake'));
  };
}
