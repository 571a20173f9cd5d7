// /admin: the organisation tree (edit links: server/pages/admin-edit.page.ts), users and roles (add an
// account; edit, deactivate, reset: admin-edit.page.ts), the holiday calendar, and the run-time settings — time
// limits with their sources, warning points, follow-up visits, routing rules, the 倒查 window. Every
// change goes through the use cases the API's routes use (server/admin.ts for settings, server/auth/users.ts
// for accounts), validated with the API's own schemas, so the page and the API validate, save and audit alike.
import type { Application, Request, Response } from 'express';
import { CATEGORIES, ROLES } from '../../workflows/vocabulary.ts';
import { DomainError, ValidationFailed } from '../engine/errors.ts';
import type { Services } from '../services.ts';
import type { OrgNode } from '../org.ts';
import { changeOversightSettings, changeRuntimeSettings, oversightSettingsBody, runtimeSettingsBody } from '../admin.ts';
import { createUser, newUserBody, type NewUser } from '../auth/users.ts';
import type { RuntimeSettings, SettingsPatch } from '../settings.ts';
import { validateInput } from '../validation.ts';
import { formErrors } from './forms.ts';
import { base, langFor, render, requireRole, setFlash, userOf } from './context.ts';
import type { FieldErrors } from './event-forms.ts';
import { t, type Lang } from './i18n.ts';
import { vocab } from './render.ts';

const LIMIT_KINDS = ['acceptance', 'mediation', 'delegation', 'entrusted_ordinary', 'entrusted_summary', 'confirmation'] as const;
const LIMIT_LABELS: Record<string, { zh: string; en: string }> = {
  acceptance: { zh: '受理审查', en: 'Decide on acceptance' },
  mediation: { zh: '每一层级调解', en: 'Mediation at one tier' },
  delegation: { zh: '委派调解（立案前）', en: 'Court delegation (before filing)' },
  entrusted_ordinary: { zh: '委托调解（普通程序）', en: 'Court-entrusted (ordinary procedure)' },
  entrusted_summary: { zh: '委托调解（简易程序）', en: 'Court-entrusted (summary procedure)' },
  confirmation: { zh: '申请司法确认', en: 'Apply for judicial confirmation' },
};
const UNITS = ['days', 'working_days', 'months'] as const;

type Values = Record<string, string | string[]>;

function treeView(lang: Lang, node: OrgNode, services: Services): unknown {
  const body = node.bodyId ? services.directory.body(node.bodyId) : undefined;
  const court = node.kind === 'district' ? services.directory.courtOf(node.id) : undefined;
  return {
    id: node.id,
    name: node.name,
    kindLabel: t(lang, `kind_${node.kind}`),
    address: node.address ?? '',
    bodyId: body?.id ?? '',
    bodyName: body?.name ?? '',
    committeeName: body?.committeeName ?? '',
    courtId: court?.id ?? '',
    courtName: court?.name ?? '',
    canHaveChildren: node.kind !== 'compound',
    children: node.children.map((c) => treeView(lang, c, services)),
  };
}

function valuesOf(s: Readonly<RuntimeSettings>): Values {
  const v: Values = {};
  for (const k of LIMIT_KINDS) {
    const rule = s.deadlines.limits[k];
    v[`limit.${k}.amount`] = String(rule?.amount ?? '');
    v[`limit.${k}.unit`] = String(rule?.unit ?? '');
    v[`limit.${k}.source`] = String(rule?.source ?? '');
  }
  for (const f of ['blue', 'yellow', 'orange'] as const) v[`fraction.${f}`] = String(s.deadlines.fractions[f]);
  v.followUpOffsets = s.deadlines.followUpOffsets.join(', ');
  v.majorHouseholds = String(s.routing.majorHouseholds);
  v.majorAmount = String(s.routing.majorAmount);
  v.majorCategories = [...s.routing.majorCategories];
  v.specialisedCategories = [...s.routing.specialisedCategories];
  v.recurrenceDays = String(s.recurrenceDays);
  return v;
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim().slice(0, 500) : '');
const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : []);
const numberOr = (s: string): number | string => (/^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s);

/** The settings form → the settings body of PUT /api/admin/settings (runtimeSettingsBody). */
function settingsFromForm(body: Record<string, unknown>): { patch: Record<string, unknown>; values: Values } {
  const values: Values = {};
  const limits: Record<string, unknown> = {};
  for (const k of LIMIT_KINDS) {
    const amount = (values[`limit.${k}.amount`] = str(body[`limit.${k}.amount`]));
    const unit = (values[`limit.${k}.unit`] = str(body[`limit.${k}.unit`]));
    const source = (values[`limit.${k}.source`] = str(body[`limit.${k}.source`]));
    limits[k] = { amount: numberOr(amount), unit, source };
  }
  const fractions: Record<string, unknown> = {};
  for (const f of ['blue', 'yellow', 'orange']) fractions[f] = numberOr((values[`fraction.${f}`] = str(body[`fraction.${f}`])));
  values.followUpOffsets = str(body.followUpOffsets);
  const offsets = values.followUpOffsets.split(/[,，\s]+/).filter(Boolean).map(numberOr);
  values.majorHouseholds = str(body.majorHouseholds);
  values.majorAmount = str(body.majorAmount);
  values.majorCategories = list(body.majorCategories);
  values.specialisedCategories = list(body.specialisedCategories);
  values.recurrenceDays = str(body.recurrenceDays);
  return {
    values,
    patch: {
      deadlines: { limits, fractions, followUpOffsets: offsets },
      routing: {
        majorHouseholds: numberOr(values.majorHouseholds),
        majorAmount: numberOr(values.majorAmount),
        majorCategories: values.majorCategories,
        specialisedCategories: values.specialisedCategories,
      },
      recurrenceDays: numberOr(values.recurrenceDays),
    },
  };
}

/** API field paths → the form's names. */
function settingsField(field: string): string | null {
  let m = /^deadlines\.limits\.(\w+)\.(amount|unit|source)/.exec(field);
  if (m) return `limit.${m[1]}.${m[2]}`;
  m = /^deadlines\.fractions\.?(\w*)/.exec(field);
  if (m) return m[1] ? `fraction.${m[1]}` : 'fraction.blue';
  if (field.startsWith('deadlines.followUpOffsets')) return 'followUpOffsets';
  m = /^routing\.(\w+)/.exec(field);
  if (m) return m[1];
  if (field.startsWith('recurrenceDays')) return 'recurrenceDays';
  return null;
}

const COLOURS = ['red', 'orange', 'yellow'] as const;
const METRICS = ['disputes', 'recurrences', 'nonPerformance'] as const;

function oversightValues(s: Readonly<RuntimeSettings>): Values {
  const v: Values = { satisfiedAtLeast: String(s.satisfiedAtLeast) };
  for (const c of COLOURS) for (const m of METRICS) v[`${c}.${m}`] = s.companyRules[c]?.[m] === undefined ? '' : String(s.companyRules[c][m]);
  return v;
}

/** The company-rule form → the body of PUT /api/oversight/settings (oversightSettingsBody; an empty threshold is not used). */
function oversightFromForm(body: Record<string, unknown>): { patch: Record<string, unknown>; values: Values } {
  const values: Values = {};
  const companyRules: Record<string, Record<string, unknown>> = {};
  for (const c of COLOURS) {
    companyRules[c] = {};
    for (const m of METRICS) {
      const v = (values[`${c}.${m}`] = str(body[`${c}.${m}`]));
      if (v) companyRules[c][m] = numberOr(v);
    }
  }
  values.satisfiedAtLeast = str(body.satisfiedAtLeast);
  return { values, patch: { companyRules, satisfiedAtLeast: numberOr(values.satisfiedAtLeast) } };
}

async function adminPage(
  req: Request,
  res: Response,
  services: Services,
  state: {
    settings?: { values: Values; errors: FieldErrors };
    user?: { values: Values; errors: FieldErrors };
    oversight?: { values: Values; errors: FieldErrors };
  } = {},
  status = 200,
) {
  const lang = langFor(req, res);
  const org = services.directory;
  const settings = services.settings.all;
  const users = await services.store.users.list();
  const ov = state.oversight?.values ?? oversightValues(settings);
  const oe = state.oversight?.errors ?? {};
  const sv = state.settings?.values ?? valuesOf(settings);
  const se = state.settings?.errors ?? {};
  const uv = state.user?.values ?? {};
  const ue = state.user?.errors ?? {};
  const bodies = services.directory.allBodies().sort((a, b) => a.id.localeCompare(b.id));
  const page = base(req, res, t(lang, 'admin_title'));
  const field = (name: string) => ({ name, id: name.replace(/\./g, '-'), value: String(sv[name] ?? ''), error: se[name] ?? '' });
  render(res, 'admin', {
    ...page,
    heading: page.title,
    trees: org.trees().map((n) => treeView(lang, n, services)),
    calendarYears: settings.calendarYears.map((y) => y.year).sort(),
    users: users.map((u) => ({
      id: u.id,
      mustChange: u.mustChangePassword === true,
      username: u.username,
      name: u.name,
      roleLabel: t(lang, `role_${u.role}`),
      bodyName: u.bodyId ? (services.directory.body(u.bodyId)?.name ?? u.bodyId) : '',
      active: u.active,
    })),
    limits: LIMIT_KINDS.map((k) => ({
      label: LIMIT_LABELS[k][lang],
      amount: field(`limit.${k}.amount`),
      unit: { ...field(`limit.${k}.unit`), options: UNITS.map((u) => ({ value: u, label: t(lang, `unit_${u}`), selected: sv[`limit.${k}.unit`] === u })) },
      source: field(`limit.${k}.source`),
    })),
    fractions: (['blue', 'yellow', 'orange'] as const).map((f) => ({ ...field(`fraction.${f}`), level: f, label: t(lang, `warn_${f}`) })),
    followUpOffsets: field('followUpOffsets'),
    majorHouseholds: field('majorHouseholds'),
    majorAmount: field('majorAmount'),
    recurrenceDays: field('recurrenceDays'),
    majorCategories: CATEGORIES.map((c) => ({ value: c, label: vocab(lang, 'category', c), checked: (sv.majorCategories as string[] | undefined)?.includes(c) })),
    specialisedCategories: CATEGORIES.map((c) => ({ value: c, label: vocab(lang, 'category', c), checked: (sv.specialisedCategories as string[] | undefined)?.includes(c) })),
    settingsErrors: Object.keys(se).length > 0,
    settingsFormError: se._form ?? '',
    companyRules: ov && {
      colours: COLOURS.map((c) => ({
        level: c,
        label: t(lang, `colour_${c}`),
        fields: METRICS.map((m) => ({ name: `${c}.${m}`, id: `rule-${c}-${m}`, label: t(lang, `metric_${m}`), value: String(ov[`${c}.${m}`] ?? ''), error: oe[`${c}.${m}`] ?? '' })),
      })),
      satisfied: { name: 'satisfiedAtLeast', id: 'satisfiedAtLeast', value: String(ov.satisfiedAtLeast ?? ''), error: oe.satisfiedAtLeast ?? '' },
      hasErrors: Object.keys(oe).length > 0,
    },
    newUser: {
      username: { value: String(uv.username ?? ''), error: ue.username ?? '' },
      name: { value: String(uv.name ?? ''), error: ue.name ?? '' },
      password: { error: ue.password ?? '' },
      role: { error: ue.role ?? '', options: ROLES.map((r) => ({ value: r, label: t(lang, `role_${r}`), selected: uv.role === r })) },
      bodyId: { error: ue.bodyId ?? '', options: bodies.map((b) => ({ value: b.id, label: b.name, selected: uv.bodyId === b.id })) },
      formError: ue._form ?? '',
      hasErrors: Object.keys(ue).length > 0,
    },
  }, status);
}

export function adminPages(services: Services) {
  const admin = requireRole(services, ['admin']);
  return (app: Application) => {
    app.get('/admin', admin, (req, res) => adminPage(req, res, services));

    app.post('/admin/settings', admin, async (req, res) => {
      const lang = langFor(req, res);
      const { patch, values } = settingsFromForm((req.body ?? {}) as Record<string, unknown>);
      try {
        const body = validateInput<SettingsPatch>(runtimeSettingsBody, patch, 'body', false);
        await changeRuntimeSettings(services, userOf(req)!, body, req.ip);
      } catch (err) {
        if (err instanceof ValidationFailed) {
          return adminPage(req, res, services, { settings: { values, errors: formErrors(err, lang, settingsField) } }, 400);
        }
        throw err;
      }
      setFlash(res, { kind: 'ok', text: t(lang, 'settings_saved') });
      res.redirect(303, '/admin#settings');
    });

    app.post('/admin/oversight', admin, async (req, res) => {
      const lang = langFor(req, res);
      const { patch, values } = oversightFromForm((req.body ?? {}) as Record<string, unknown>);
      try {
        const body = validateInput<SettingsPatch>(oversightSettingsBody, patch, 'body', false);
        await changeOversightSettings(services, userOf(req)!, body, req.ip);
      } catch (err) {
        if (err instanceof ValidationFailed) {
          const rename = (f: string) => {
            const m = /^companyRules\.(\w+)\.(\w+)/.exec(f);
            return m ? `${m[1]}.${m[2]}` : f.startsWith('satisfiedAtLeast') ? 'satisfiedAtLeast' : null;
          };
          return adminPage(req, res, services, { oversight: { values, errors: formErrors(err, lang, rename) } }, 400);
        }
        throw err;
      }
      setFlash(res, { kind: 'ok', text: t(lang, 'settings_saved') });
      res.redirect(303, '/admin#company-rules');
    });

    app.post('/admin/users', admin, async (req, res) => {
      const lang = langFor(req, res);
      const b = (req.body ?? {}) as Record<string, unknown>;
      const values: Values = { username: str(b.username), name: str(b.name), role: str(b.role), bodyId: str(b.bodyId) };
      const body: Record<string, unknown> = { username: values.username, name: values.name, role: values.role, password: typeof b.password === 'string' ? b.password : '' };
      if (values.bodyId) body.bodyId = values.bodyId;
      for (const k of ['username', 'name', 'role']) if (!body[k]) delete body[k];
      try {
        await createUser(services, userOf(req)!, validateInput<NewUser>(newUserBody, body, 'body', false), req.ip);
      } catch (err) {
        if (err instanceof ValidationFailed) return adminPage(req, res, services, { user: { values, errors: formErrors(err, lang, (f) => f.split('.')[0] || null) } }, 400);
        if (err instanceof DomainError && err.code === 'DUPLICATE') return adminPage(req, res, services, { user: { values, errors: { username: t(lang, 'username_taken') } } }, 409);
        throw err;
      }
      setFlash(res, { kind: 'ok', text: t(lang, 'user_added') });
      res.redirect(303, '/admin#users');
    });
  };
}
